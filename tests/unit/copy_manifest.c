/*
 * copy_manifest.c - what `ronda copy` sends on a host's stdin: the
 * manifest and its end line, then per needed file a header and its bytes,
 * offered in spans that fill libssh2's packets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy/manifest.h"
#include "err.h"
#include "banned.h"

#define SMALL 10
#define LARGE (4 * COPY_CHUNK + 5)

static char dir[64];

static void make_file(const char *name, size_t size, char fill)
{
	char path[128];
	char *b = malloc(size);
	int fd;

	assert_non_null(b);
	memset(b, fill, size);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);	/* whatever the umask */
	assert_int_equal(write(fd, b, size), (ssize_t)size);
	close(fd);
	free(b);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ronda-manifest-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	make_file("small", SMALL, 's');
	make_file("large", LARGE, 'L');
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/small", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/large", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void add(struct copy_manifest *m, const char *name)
{
	char path[128];
	struct buf err;

	buf_init(&err, 1024);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(copy_manifest_add(m, path, 0, -1, &err), RONDA_OK);
	buf_release(&err);
}

/* Pulls from off until the stream has nothing now; the bytes go to out. */
static int pull_all(struct copy_stream *s, size_t *off, struct buf *out)
{
	for (;;) {
		const char *d;
		size_t n;
		int r = copy_stream_pull(s, *off, &d, &n);

		if (r != RONDA_OK || n == 0)
			return r;
		assert_int_equal(buf_append(out, d, n), RONDA_OK);
		*off += n;
	}
}

static void test_text(void **state)
{
	struct copy_manifest m;
	struct buf t;

	(void)state;
	copy_manifest_init(&m);
	add(&m, "small");
	buf_init(&t, 1 << 20);
	assert_int_equal(copy_manifest_text(&m, &t), RONDA_OK);
	/* one file, then the end line the script's first loop stops at */
	assert_int_equal(strncmp(buf_data(&t), "f 644 10 ", 9), 0);
	assert_true(buf_len(&t) > 2);
	assert_string_equal(buf_data(&t) + buf_len(&t) - 9, " small\n.\n");
	buf_release(&t);
	copy_manifest_release(&m);
}

static void test_stream(void **state)
{
	struct copy_manifest m;
	struct copy_stream s;
	struct buf out;
	size_t need[2] = { 0, 1 }, off = 0, hdr;
	const char *p;

	(void)state;
	copy_manifest_init(&m);
	add(&m, "small");
	add(&m, "large");
	buf_init(&out, 1 << 20);
	copy_stream_init(&s, &m, need, 2);
	/* each file's header, then exactly its bytes; then the end */
	assert_int_equal(pull_all(&s, &off, &out), RONDA_OK);
	p = buf_data(&out);
	assert_int_equal(strncmp(p, "0 644 10 ", 9), 0);
	p = strchr(p, '\n') + 1;
	assert_memory_equal(p, "ssssssssss", SMALL);
	p += SMALL;
	assert_int_equal(strncmp(p, "1 644 262149 ", 13), 0);
	assert_non_null(strstr(p, " large\n"));
	hdr = (size_t)(strchr(p, '\n') + 1 - buf_data(&out));
	assert_int_equal(buf_len(&out), hdr + LARGE);
	for (size_t i = hdr; i < buf_len(&out); i++)
		if (buf_data(&out)[i] != 'L')
			fail_msg("byte %zu of the large file", i - hdr);
	copy_stream_release(&s);
	buf_release(&out);
	copy_manifest_release(&m);
}

/* Taken a packet's payload at a time, as libssh2 does, no offer is short. */
static void test_spans(void **state)
{
	struct copy_manifest m;
	struct copy_stream s;
	size_t need[1] = { 0 }, off = 0, got = 0, hdr = 0;
	const char *d;
	size_t n;
	int r;

	(void)state;
	copy_manifest_init(&m);
	add(&m, "large");
	copy_stream_init(&s, &m, need, 1);
	/* the header */
	assert_int_equal(copy_stream_pull(&s, off, &d, &n), RONDA_OK);
	assert_non_null(memchr(d, '\n', n));
	hdr = (size_t)((const char *)memchr(d, '\n', n) + 1 - d);
	off += hdr;
	while ((r = copy_stream_pull(&s, off, &d, &n)) == RONDA_OK && n) {
		size_t left = LARGE - got, take = n < 32700 ? n : 32700;

		if (n < (left < COPY_CHUNK / 2 ? left : COPY_CHUNK / 2))
			fail_msg("%zu bytes offered at %zu of %d, %zu left", n, got, LARGE, left);
		off += take;
		got += take;
	}
	assert_int_equal(r, RONDA_OK);
	assert_int_equal(got, LARGE);
	copy_stream_release(&s);
	copy_manifest_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_spans),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
