/*
 * common_frame.c - warm mode's frames (common/frame.c): a whole frame is
 * taken with its id and body, every cut-short prefix asks for more, and
 * each malformed or hostile header is refused as soon as the byte that
 * breaks it arrives, before any body is buffered.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "frame.h"
#include "proto.h"
#include "banned.h"

static const char job[] = "{\"ronda\":1,\"tasks\":[{\"check\":\"memory\"}]}\n";

/* frame_parse on a C string, accepting types; err reset first. */
static int parse(const char *s, size_t n, unsigned accept, struct frame *f, struct buf *err)
{
	buf_reset(err);
	return frame_parse(s, n, accept, f, err);
}

static void test_whole_job_frame(void **state)
{
	struct buf err, in;
	struct frame f;

	(void)state;
	buf_init(&err, 1024);
	buf_init(&in, 1 << 20);
	buf_printf(&in, "J 17 %zu\n%sJ 18 %zu\n%s", strlen(job), job, strlen(job), job);
	assert_int_equal(parse(buf_data(&in), buf_len(&in), FRAME_ACCEPT_JOB, &f, &err), RONDA_OK);
	assert_int_equal(f.type, 'J');
	assert_int_equal(f.id, 17);
	assert_int_equal(f.n, strlen(job));
	assert_ptr_equal(f.body, buf_data(&in) + strlen("J 17 43\n"));
	assert_memory_equal(f.body, job, strlen(job));
	assert_int_equal(f.size, strlen("J 17 43\n") + strlen(job));
	buf_consume(&in, f.size);
	assert_int_equal(parse(buf_data(&in), buf_len(&in), FRAME_ACCEPT_JOB, &f, &err), RONDA_OK);
	assert_int_equal(f.id, 18);
	buf_consume(&in, f.size);
	assert_int_equal(buf_len(&in), 0);
	assert_int_equal(parse(buf_data(&in), 0, FRAME_ACCEPT_JOB, &f, &err), RONDA_EAGAIN);
	buf_release(&in);
	buf_release(&err);
}

/* Every prefix of a valid stream is "more, please", never an error. */
static void test_every_prefix_waits(void **state)
{
	struct buf err, in;
	struct frame f;

	(void)state;
	buf_init(&err, 1024);
	buf_init(&in, 4096);
	buf_printf(&in, "J 123456789012345678 %zu\n%s", strlen(job), job);
	for (size_t n = 0; n < buf_len(&in); n++) {
		int r = parse(buf_data(&in), n, FRAME_ACCEPT_JOB, &f, &err);

		if (r != RONDA_EAGAIN)
			fail_msg("prefix of %zu bytes: %d (%s)", n, r, buf_data(&err));
	}
	assert_int_equal(parse(buf_data(&in), buf_len(&in), FRAME_ACCEPT_JOB, &f, &err), RONDA_OK);
	assert_int_equal(f.id, 123456789012345678ull);
	buf_release(&in);
	buf_release(&err);
}

struct bad {
	const char *in;		/* may stop mid-header: refused all the same */
	unsigned accept;
	int want;
	const char *says;	/* a word the error must contain */
};

static void test_malformed_refused_at_once(void **state)
{
	static const struct bad cases[] = {
		{ "{\"ronda\":1,\"tasks\":[]}\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "0x7b" },
		{ "\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "0x0a" },
		{ "L 1 5\nhello", FRAME_ACCEPT_JOB, RONDA_EPROTO, "not a frame" },
		{ "E 1 0\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "not a frame" },
		{ "J 1 5\nhell\n", FRAME_ACCEPT_LINE | FRAME_ACCEPT_END, RONDA_EPROTO, "not a frame" },
		{ "j 1 5\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "0x6a" },
		{ "J1 5\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "space" },
		{ "J  5\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "id" },
		{ "J 1  5\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "length" },
		{ "J 01 5\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "leading zero" },
		{ "J 1 05\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "leading zero" },
		{ "J 1 00", FRAME_ACCEPT_JOB, RONDA_EPROTO, "leading zero" },
		{ "J -1 5\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "decimal" },
		{ "J 1 +5\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "decimal" },
		{ "J 1 5x", FRAME_ACCEPT_JOB, RONDA_EPROTO, "decimal" },
		{ "J 1 5\r\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "0x0d" },
		{ "J 1 5 \n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "0x20" },
		{ "J 1\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "0x0a" },
		{ "J 0 5\nhell\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "id 0" },
		{ "J 1 0\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "empty" },
		{ "L 0 0\n", FRAME_ACCEPT_LINE, RONDA_EPROTO, "empty" },
		/* 19 digits of id, 11 of length: refused before the newline */
		{ "J 1234567890123456789", FRAME_ACCEPT_JOB, RONDA_EPROTO, "18 digits" },
		{ "J 1 12345678901", FRAME_ACCEPT_JOB, RONDA_EPROTO, "10 digits" },
		/* hostile lengths: refused on the header alone */
		{ "J 1 1048577\n", FRAME_ACCEPT_JOB, RONDA_ELIMIT, "limit" },
		{ "J 1 9999999999\n", FRAME_ACCEPT_JOB, RONDA_ELIMIT, "limit" },
		{ "L 1 67108865\n", FRAME_ACCEPT_LINE, RONDA_ELIMIT, "limit" },
		{ "E 1 256\n", FRAME_ACCEPT_END, RONDA_ELIMIT, "limit" },
		/* the body: one line, ending in its newline */
		{ "J 1 5\nhello", FRAME_ACCEPT_JOB, RONDA_EPROTO, "does not end in a newline" },
		{ "J 1 5\nhe\nl\n", FRAME_ACCEPT_JOB, RONDA_EPROTO, "newline inside" },
		{ "J 1 5\nhell\nJ", FRAME_ACCEPT_JOB, RONDA_OK, NULL },
		{ "L 0 3\n{}\n", FRAME_ACCEPT_LINE, RONDA_OK, NULL },
		{ "E 7 255\n", FRAME_ACCEPT_END, RONDA_OK, NULL },
		{ "J 999999999999999999 1\n\n", FRAME_ACCEPT_JOB, RONDA_OK, NULL },
	};
	struct buf err;
	struct frame f;

	(void)state;
	buf_init(&err, 1024);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *c = &cases[i];
		int r = parse(c->in, strlen(c->in), c->accept, &f, &err);

		if (r != c->want)
			fail_msg("case %zu (%s): got %d, want %d (%s)", i, c->in, r, c->want,
				 buf_data(&err));
		if (c->says && !strstr(buf_data(&err), c->says))
			fail_msg("case %zu (%s): error \"%s\" does not say \"%s\"", i, c->in,
				 buf_data(&err), c->says);
		if (!c->says && buf_len(&err))
			fail_msg("case %zu: an error on success: %s", i, buf_data(&err));
	}
	buf_release(&err);
}

/* The end frame has no body: its number is the exit status. */
static void test_end_frame_has_no_body(void **state)
{
	struct buf err;
	struct frame f;
	const char *s = "E 3 65\nL 3 3\n{}\n";

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(parse(s, strlen(s), FRAME_ACCEPT_LINE | FRAME_ACCEPT_END, &f, &err),
			 RONDA_OK);
	assert_int_equal(f.type, 'E');
	assert_int_equal(f.id, 3);
	assert_int_equal(f.n, 65);
	assert_null(f.body);
	assert_int_equal(f.size, strlen("E 3 65\n"));
	buf_release(&err);
}

/* The largest job the agent takes is taken; one byte more is not. */
static void test_job_limit_exact(void **state)
{
	struct buf err, in;
	struct frame f;
	size_t hdr;

	(void)state;
	buf_init(&err, 1024);
	buf_init(&in, FRAME_HDR_MAX + PROTO_JOB_MAX);
	buf_printf(&in, "J 5 %zu\n", PROTO_JOB_MAX);
	hdr = buf_len(&in);
	assert_int_equal(parse(buf_data(&in), hdr, FRAME_ACCEPT_JOB, &f, &err), RONDA_EAGAIN);
	assert_int_equal(buf_reserve(&in, PROTO_JOB_MAX), RONDA_OK);
	memset(buf_space(&in), ' ', PROTO_JOB_MAX - 1);
	buf_space(&in)[PROTO_JOB_MAX - 1] = '\n';
	buf_commit(&in, PROTO_JOB_MAX);
	assert_int_equal(parse(buf_data(&in), buf_len(&in) - 1, FRAME_ACCEPT_JOB, &f, &err),
			 RONDA_EAGAIN);
	assert_int_equal(parse(buf_data(&in), buf_len(&in), FRAME_ACCEPT_JOB, &f, &err), RONDA_OK);
	assert_int_equal(f.size, hdr + PROTO_JOB_MAX);
	buf_release(&in);
	buf_release(&err);
}

/* What the writer seals, the reader takes back unchanged. */
static void test_seal_round_trip(void **state)
{
	static const char gap[FRAME_HDR_MAX];
	char hdr[FRAME_HDR_MAX];
	struct buf err, b;
	struct frame f;
	size_t start;

	(void)state;
	buf_init(&err, 1024);
	buf_init(&b, 4096);
	assert_int_equal(buf_append(&b, gap, sizeof(gap)), RONDA_OK);
	buf_puts(&b, "{\"ronda\":1,\"type\":\"facts\"}\n");
	assert_int_equal(frame_seal(&b, FRAME_LINE, 42, &start), RONDA_OK);
	assert_string_equal(buf_data(&b) + start, "L 42 27\n{\"ronda\":1,\"type\":\"facts\"}\n");
	assert_int_equal(parse(buf_data(&b) + start, buf_len(&b) - start, FRAME_ACCEPT_LINE, &f,
			       &err), RONDA_OK);
	assert_int_equal(f.id, 42);
	assert_memory_equal(f.body, "{\"ronda\":1,\"type\":\"facts\"}\n", 27);
	/* Too short to hold the gap: refused, not written before the buffer. */
	buf_reset(&b);
	buf_puts(&b, "x\n");
	assert_int_equal(frame_seal(&b, FRAME_LINE, 1, &start), RONDA_EINVAL);
	/* Headers a reader would refuse are never made. */
	assert_int_equal(frame_header(hdr, FRAME_END, 1000000000000000000ull, 0), 0);
	assert_int_equal(frame_header(hdr, FRAME_LINE, 1, 10000000000ull), 0);
	assert_int_equal(frame_header(hdr, FRAME_END, 999999999999999999ull, 9999999999ull),
			 FRAME_HDR_MAX);
	buf_release(&b);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_job_frame),
		cmocka_unit_test(test_every_prefix_waits),
		cmocka_unit_test(test_malformed_refused_at_once),
		cmocka_unit_test(test_end_frame_has_no_body),
		cmocka_unit_test(test_job_limit_exact),
		cmocka_unit_test(test_seal_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
