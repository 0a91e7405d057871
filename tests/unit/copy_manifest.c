/*
 * copy_manifest.c - what `ronda copy` sends on a host's stdin: the
 * manifest and its end line, then per needed file a header and its bytes,
 * a large file's bytes held back until the host's go.
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

#include "copy/copyproto.h"
#include "copy/manifest.h"
#include "err.h"
#include "banned.h"

#define SMALL 10
#define LARGE (COPY_GO_MIN + 5)

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

static void test_go(void **state)
{
	struct copy_manifest m;
	struct copy_stream s;
	struct buf out;
	size_t need[2] = { 0, 1 }, off = 0, hdr;
	const char *d, *p;
	size_t n;

	(void)state;
	copy_manifest_init(&m);
	add(&m, "small");
	add(&m, "large");
	buf_init(&out, 1 << 20);
	copy_stream_init(&s, &m, need, 2);

	/* the small file goes at once, header and bytes; the large one's
	   header follows, and then nothing until its go */
	assert_int_equal(pull_all(&s, &off, &out), RONDA_EAGAIN);
	p = buf_data(&out);
	assert_int_equal(strncmp(p, "0 644 10 ", 9), 0);
	p = strchr(p, '\n') + 1;
	assert_memory_equal(p, "ssssssssss", SMALL);
	p += SMALL;
	assert_int_equal(strncmp(p, "1 644 262149 ", 13), 0);
	assert_non_null(strstr(p, " large\n"));
	hdr = (size_t)(strchr(p, '\n') + 1 - buf_data(&out));
	assert_int_equal(buf_len(&out), hdr);
	/* asked again, still nothing */
	assert_int_equal(copy_stream_pull(&s, off, &d, &n), RONDA_EAGAIN);
	assert_int_equal(n, 0);

	/* a go for another file, or for the small one, is out of turn */
	assert_int_equal(copy_stream_go(&s, 0), RONDA_EPARSE);
	assert_int_equal(copy_stream_go(&s, 1), RONDA_OK);
	assert_int_equal(copy_stream_go(&s, 1), RONDA_EPARSE);

	/* then every byte, and the end */
	assert_int_equal(pull_all(&s, &off, &out), RONDA_OK);
	assert_int_equal(buf_len(&out), hdr + LARGE);
	for (size_t i = hdr; i < buf_len(&out); i++)
		if (buf_data(&out)[i] != 'L')
			fail_msg("byte %zu of the large file", i - hdr);
	assert_int_equal(copy_stream_go(&s, 1), RONDA_EPARSE);
	copy_stream_release(&s);
	buf_release(&out);
	copy_manifest_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_go),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
