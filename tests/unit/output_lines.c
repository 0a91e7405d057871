/*
 * output_lines.c - the live output's line splitter: whole lines whatever
 * the chunks, pieces at the cap, the last line at the end, and the exec
 * guard's status line kept back, dropped at the end and never anywhere
 * else.  Hostile bytes (NUL, \r, invalid UTF-8) pass as they came.
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
#include "output/lines.h"
#include "ssh/remote.h"
#include "banned.h"

/* Every line handed over, each followed by '|'. */
static int collect(void *arg, const char *line, size_t n)
{
	struct buf *b = arg;

	assert_null(memchr(line, '\n', n));
	if (buf_append(b, line, n) || buf_putc(b, '|'))
		return RONDA_ENOMEM;
	return RONDA_OK;
}

/* Feeds s[0..n) in chunks of `step` bytes (every split point for 1). */
static void run(const char *s, size_t n, size_t step, size_t cap, int status, struct buf *out)
{
	struct line_split ls;

	line_split_init(&ls, cap, status);
	for (size_t i = 0; i < n; i += step)
		assert_int_equal(line_split_feed(&ls, s + i, n - i < step ? n - i : step,
						 collect, out), RONDA_OK);
	assert_int_equal(line_split_end(&ls, collect, out), RONDA_OK);
	assert_int_equal(buf_len(&ls.part), 0);
	line_split_release(&ls);
}

/* The same text, fed at every chunk size from 1 to 9 and whole, gives want. */
static void expect(const char *s, size_t n, size_t cap, int status, const char *want, size_t wn)
{
	for (size_t k = 1; k < 11; k++) {
		size_t step = k < 10 ? k : n ? n : 1;
		struct buf out;

		buf_init(&out, 1 << 20);
		run(s, n, step, cap, status, &out);
		assert_int_equal(buf_len(&out), wn);
		assert_memory_equal(buf_data(&out), want, wn);
		buf_release(&out);
	}
}
#define EXPECT(s, cap, status, want) expect(s, sizeof(s) - 1, cap, status, want, sizeof(want) - 1)

static void test_whole_lines_and_last(void **state)
{
	(void)state;
	EXPECT("a\nbb\n\nccc", 100, 0, "a|bb||ccc|");
	EXPECT("a\n", 100, 0, "a|");
	EXPECT("", 100, 0, "");
	EXPECT("\n", 100, 0, "|");
}

static void test_hostile_bytes_pass(void **state)
{
	(void)state;
	/* NUL, CR, invalid UTF-8, an escape: bytes, not text, for the printer */
	EXPECT("a\0b\r\n\xff\xfe\x1b[2J\nz\r", 100, 1, "a\0b\r|\xff\xfe\x1b[2J|z\r|");
}

static void test_cap_pieces(void **state)
{
	(void)state;
	/* cap 40: a 100-byte line comes in 40, 40, 20 */
	EXPECT("0123456789012345678901234567890123456789"
	       "abcdefghijabcdefghijabcdefghijabcdefghij"
	       "ABCDEFGHIJABCDEFGHIJ\nend",
	       40, 0,
	       "0123456789012345678901234567890123456789|"
	       "abcdefghijabcdefghijabcdefghijabcdefghij|"
	       "ABCDEFGHIJABCDEFGHIJ|end|");
	/* exactly the cap, then a newline: one line, no empty piece */
	EXPECT("0123456789012345678901234567890123456789\nx", 40, 0,
	       "0123456789012345678901234567890123456789|x|");
	/* a character is not cut: the piece ends before the 3-byte one */
	EXPECT("012345678901234567890123456789012345678\xe2\x82\xac" "x", 40, 0,
	       "012345678901234567890123456789012345678|\xe2\x82\xac" "x|");
}

static void test_real_cap(void **state)
{
	size_t n = 3 * LINE_SPLIT_CAP + 5;
	char *s = malloc(n + 1);
	struct buf out;

	(void)state;
	assert_non_null(s);
	memset(s, 'x', n);
	s[n] = '\n';
	buf_init(&out, n + 64);
	run(s, n + 1, 16384, LINE_SPLIT_CAP, 1, &out);
	/* pieces of 64 KiB, then the 5 left */
	assert_int_equal(buf_len(&out), n + 4);
	for (int k = 1; k <= 3; k++)
		assert_int_equal(buf_data(&out)[k * (LINE_SPLIT_CAP + 1) - 1], '|');
	buf_release(&out);
	free(s);
}

static void test_status_is_dropped_at_the_end(void **state)
{
	(void)state;
	EXPECT("err\n\036ronda-exit 3\n", 100, 1, "err|");
	EXPECT("\036ronda-exit 0\n", 100, 1, "");
	/* the command's last line had no newline: it is shown, the status not */
	EXPECT("oops\036ronda-exit 1\n", 100, 1, "oops|");
	/* not a status stream: it is just a line */
	EXPECT("\036ronda-exit 0\n", 100, 0, "\036ronda-exit 0|");
}

static void test_fake_status_mid_stream_shows(void **state)
{
	(void)state;
	/* more came after it, so it was the host's text */
	EXPECT("\036ronda-exit 0\nafter\n\036ronda-exit 2\n", 100, 1, "\036ronda-exit 0|after|");
	EXPECT("x\036ronda-exit 0\nafter", 100, 1, "x\036ronda-exit 0|after|");
	/* lookalikes are lines like any other */
	EXPECT("\036ronda-exit 999\n", 100, 1, "\036ronda-exit 999|");
	EXPECT("\036ronda-exit 3", 100, 1, "\036ronda-exit 3|");
}

static void test_cap_never_cuts_the_status(void **state)
{
	char s[200], want[200];
	size_t n = 0, w = 0;
	const char st[] = "\036ronda-exit 7\n";

	(void)state;
	/* 35 bytes of text, no newline, then the status: cap 40 would cut it */
	memset(s, 'y', 35);
	n = 35;
	memcpy(s + n, st, sizeof(st) - 1);
	n += sizeof(st) - 1;
	memset(want, 'y', 35);
	w = 35;
	want[w++] = '|';
	expect(s, n, 40, 1, want, w);
	/* the same after a whole piece: 40 + 30 bytes of text, then the status */
	memset(s, 'z', 70);
	memcpy(s + 70, st, sizeof(st) - 1);
	memset(want, 'z', 70);
	want[40] = '|';
	memset(want + 41, 'z', 30);
	want[71] = '|';
	expect(s, 70 + sizeof(st) - 1, 40, 1, want, 72);
}

/* A feed that refuses: the error comes back, nothing crashes or leaks. */
static int refuse(void *arg, const char *line, size_t n)
{
	(void)arg;
	(void)line;
	(void)n;
	return RONDA_ESYS;
}

static void test_refusal_is_returned(void **state)
{
	struct line_split ls;

	(void)state;
	line_split_init(&ls, 100, 1);
	assert_int_equal(line_split_feed(&ls, "a\nb", 3, refuse, NULL), RONDA_ESYS);
	line_split_release(&ls);
	assert_int_equal(line_split_feed(&ls, "b", 1, refuse, NULL), RONDA_OK);
	assert_int_equal(line_split_end(&ls, refuse, NULL), RONDA_ESYS);
	line_split_release(&ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_lines_and_last),
		cmocka_unit_test(test_hostile_bytes_pass),
		cmocka_unit_test(test_cap_pieces),
		cmocka_unit_test(test_real_cap),
		cmocka_unit_test(test_status_is_dropped_at_the_end),
		cmocka_unit_test(test_fake_status_mid_stream_shows),
		cmocka_unit_test(test_cap_never_cuts_the_status),
		cmocka_unit_test(test_refusal_is_returned),
	};

	return cmocka_run_group_tests_name("lines", tests, NULL, NULL);
}
