/*
 * patrol_agent_bin.c - the agents a patrol pushes: the architecture read
 * from the ELF header, a set of --agent files (one per architecture, bad
 * files refused with their name), and the gzip that goes to hosts with
 * gzip, which must unpack to the agent itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "buf.h"
#include "err.h"
#include "patrol/agent_bin.h"
#include "banned.h"

/* A 64-bit little-endian ELF header for machine m, padded with n bytes. */
static size_t elf(char *out, size_t cap, unsigned m, size_t n)
{
	size_t len = 64 + n;

	assert_true(len <= cap);
	memset(out, 0, len);
	memcpy(out, "\177ELF\002\001\001", 7);
	out[18] = (char)(m & 0xff);
	out[19] = (char)(m >> 8);
	for (size_t i = 64; i < len; i++)
		out[i] = (char)("ronda-agent"[i % 11]);
	return len;
}

static void test_elf_arch(void **state)
{
	char b[128];

	(void)state;
	assert_string_equal(agent_elf_arch(b, elf(b, sizeof(b), 62, 0)), "x86_64");
	assert_string_equal(agent_elf_arch(b, elf(b, sizeof(b), 183, 0)), "aarch64");
	assert_null(agent_elf_arch(b, elf(b, sizeof(b), 243, 0)));	/* riscv: not built */
	elf(b, sizeof(b), 62, 0);
	b[4] = 1;	/* 32-bit */
	assert_null(agent_elf_arch(b, 64));
	elf(b, sizeof(b), 62, 0);
	b[5] = 2;	/* big-endian */
	assert_null(agent_elf_arch(b, 64));
	assert_null(agent_elf_arch(b, 19));
	assert_null(agent_elf_arch("#!/bin/sh\necho hi\n", 18));
}

struct dir {
	char path[64];
	char file[4][96];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	snprintf(d->path, sizeof(d->path), "/tmp/test_agent_bin.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;

	for (size_t i = 0; i < 4; i++)
		if (d->file[i][0])
			unlink(d->file[i]);
	rmdir(d->path);
	free(d);
	return 0;
}

static const char *put(struct dir *d, size_t i, const char *name, const char *data, size_t n)
{
	char p[96];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", d->path, name);
	memcpy(d->file[i], p, sizeof(p));
	f = fopen(d->file[i], "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return d->file[i];
}

static void test_set_load(void **state)
{
	struct dir *d = *state;
	struct agent_set s;
	struct buf err;
	char b[4096];
	const char *paths[3];
	size_t n;

	buf_init(&err, 4096);
	paths[0] = put(d, 0, "x", b, elf(b, sizeof(b), 62, 100));
	paths[1] = put(d, 1, "a", b, elf(b, sizeof(b), 183, 200));
	assert_int_equal(agent_set_load(&s, paths, 2, &err), RONDA_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].arch, "x86_64");
	assert_int_equal(s.v[0].len, 164);
	assert_string_equal(s.v[1].arch, "aarch64");
	assert_int_equal(s.v[1].len, 264);
	assert_int_equal(strlen(s.v[1].sha256), 64);
	assert_string_not_equal(s.v[0].sha256, s.v[1].sha256);
	assert_ptr_equal(agent_set_find(&s, "aarch64", 7), &s.v[1]);
	assert_ptr_equal(agent_set_find(&s, "x86_64 trailing", 6), &s.v[0]);
	assert_null(agent_set_find(&s, "aarch6", 6));
	assert_null(agent_set_find(&s, "riscv64", 7));
	agent_set_release(&s);

	/* two for one architecture: refused, naming both */
	paths[2] = put(d, 2, "x2", b, elf(b, sizeof(b), 62, 1));
	paths[1] = paths[2];
	assert_int_equal(agent_set_load(&s, paths, 2, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "a second agent for x86_64"));
	assert_non_null(strstr(buf_data(&err), d->file[0]));
	assert_int_equal(s.n, 0);

	/* not an ELF, an unknown machine, a missing file */
	buf_reset(&err);
	n = strlen("#!/bin/sh\n");
	paths[0] = put(d, 3, "sh", "#!/bin/sh\n", n);
	assert_int_equal(agent_set_load(&s, paths, 1, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "not an ELF executable"));
	buf_reset(&err);
	paths[0] = put(d, 3, "sh", b, elf(b, sizeof(b), 243, 0));
	assert_int_equal(agent_set_load(&s, paths, 1, &err), RONDA_EINVAL);
	assert_non_null(strstr(buf_data(&err), "an architecture ronda does not know"));
	buf_reset(&err);
	paths[0] = "/nonexistent/ronda-agent";
	assert_int_equal(agent_set_load(&s, paths, 1, &err), RONDA_ENOTFOUND);
	assert_non_null(strstr(buf_data(&err), "use --agent FILE"));
	buf_release(&err);
}

/* The gzip stream unpacks to the agent's bytes, and is made once. */
static void test_gzip(void **state)
{
	struct dir *d = *state;
	struct agent_set s;
	struct buf err;
	static char b[1 << 16], back[1 << 16];
	const char *path;
	char *first;
	z_stream z;

	buf_init(&err, 4096);
	path = put(d, 0, "x", b, elf(b, sizeof(b), 62, 60000));
	assert_int_equal(agent_set_load(&s, &path, 1, &err), RONDA_OK);
	assert_int_equal(agent_bin_gzip(&s.v[0]), RONDA_OK);
	first = s.v[0].gz;
	assert_int_equal(agent_bin_gzip(&s.v[0]), RONDA_OK);
	assert_ptr_equal(s.v[0].gz, first);
	assert_true(s.v[0].gzlen < s.v[0].len / 4);	/* repetitive: compresses */
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);	/* gzip only */
	z.next_in = (Bytef *)s.v[0].gz;
	z.avail_in = (uInt)s.v[0].gzlen;
	z.next_out = (Bytef *)back;
	z.avail_out = sizeof(back);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, s.v[0].len);
	assert_memory_equal(back, s.v[0].data, s.v[0].len);
	inflateEnd(&z);
	agent_set_release(&s);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_arch),
		cmocka_unit_test_setup_teardown(test_set_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
