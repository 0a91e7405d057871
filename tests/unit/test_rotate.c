/*
 * test_rotate.c - the pure parts of rotate and cleanup: logrotate's trigger
 * rules, dateformat globs, the state file parser, sizes, ustar headers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsafe.h"
#include "rotate_int.h"
#include "rotate_state.h"
#include "tar.h"
#include "banned.h"

static time_t at(int y, int mo, int d, int h)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_isdst = -1 };

	return mktime(&tm);
}

static void test_due(void **state)
{
	struct rot_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.freq = FREQ_DAILY;
	assert_false(rot_is_due(&o, at(2024, 3, 5, 1), at(2024, 3, 5, 23), 10));
	assert_true(rot_is_due(&o, at(2024, 3, 5, 23), at(2024, 3, 6, 0), 10));
	o.freq = FREQ_MONTHLY;
	assert_false(rot_is_due(&o, at(2024, 3, 1, 0), at(2024, 3, 31, 0), 10));
	assert_true(rot_is_due(&o, at(2024, 3, 31, 0), at(2024, 4, 1, 0), 10));
	o.freq = FREQ_WEEKLY;	/* 2024-03-04 is a Monday */
	assert_false(rot_is_due(&o, at(2024, 3, 4, 0), at(2024, 3, 9, 0), 10));
	assert_true(rot_is_due(&o, at(2024, 3, 9, 0), at(2024, 3, 10, 0), 10));
	assert_true(rot_is_due(&o, at(2024, 3, 4, 0), at(2024, 3, 12, 0), 10));
	/* 7 calendar days, whatever the hour (logrotate's rule): Monday 23:00
	 * to the next Monday 01:00 is due, though only 6 days 2 hours passed. */
	assert_true(rot_is_due(&o, at(2024, 3, 4, 23), at(2024, 3, 11, 1), 10));
	assert_false(rot_is_due(&o, at(2024, 3, 11, 1), at(2024, 3, 11, 23), 10));
	/* logrotate 3.21: a Sunday passing is not enough; now must be the
	 * Sunday (Thursday to the next Wednesday is not due), and a log
	 * rotated on the Sunday is not rotated again that day. */
	assert_false(rot_is_due(&o, at(2024, 3, 7, 12), at(2024, 3, 13, 12), 10));
	assert_true(rot_is_due(&o, at(2024, 3, 7, 12), at(2024, 3, 14, 0), 10));
	assert_false(rot_is_due(&o, at(2024, 3, 10, 0), at(2024, 3, 10, 23), 10));
	o.weekday = 3;	/* weekly 3: Wednesdays */
	assert_true(rot_is_due(&o, at(2024, 3, 11, 12), at(2024, 3, 13, 0), 10));
	assert_false(rot_is_due(&o, at(2024, 3, 9, 12), at(2024, 3, 10, 12), 10));
	o.weekday = 7;	/* weekly 7: every 7 days, any weekday */
	assert_false(rot_is_due(&o, at(2024, 3, 4, 12), at(2024, 3, 10, 23), 10));
	assert_true(rot_is_due(&o, at(2024, 3, 4, 23), at(2024, 3, 11, 0), 10));
	o.weekday = 0;
	o.freq = FREQ_YEARLY;
	assert_false(rot_is_due(&o, at(2024, 1, 1, 0), at(2024, 12, 31, 23), 10));
	assert_true(rot_is_due(&o, at(2024, 12, 31, 23), at(2025, 1, 1, 0), 10));
	/* size alone ignores time; minsize must hold too; maxsize is enough. */
	o.freq = FREQ_DAILY;
	o.size = 100;
	assert_true(rot_is_due(&o, at(2024, 3, 5, 1), at(2024, 3, 5, 2), 100));
	assert_false(rot_is_due(&o, at(2024, 3, 1, 1), at(2024, 3, 5, 2), 99));
	o.size = 0;
	o.minsize = 100;
	assert_false(rot_is_due(&o, at(2024, 3, 1, 1), at(2024, 3, 5, 2), 99));
	assert_true(rot_is_due(&o, at(2024, 3, 1, 1), at(2024, 3, 5, 2), 100));
	o.minsize = 0;
	o.maxsize = 100;
	assert_true(rot_is_due(&o, at(2024, 3, 5, 1), at(2024, 3, 5, 2), 100));
}

static void test_date_glob(void **state)
{
	char g[256];

	(void)state;
	rot_date_glob("-%Y%m%d", g, sizeof(g));
	assert_int_equal(fnmatch(g, "-20240305", 0), 0);
	assert_int_not_equal(fnmatch(g, "-2024030", 0), 0);
	assert_int_not_equal(fnmatch(g, ".1", 0), 0);
	rot_date_glob("_%s*", g, sizeof(g));
	assert_int_equal(fnmatch(g, "_1709600000*", 0), 0);
	assert_int_not_equal(fnmatch(g, "_1709600000x", 0), 0);
}

static void test_state_parse(void **state)
{
	struct buf why;
	json_t *logs = NULL;
	const char *good = "{\"ronda_rotate_state\":1,\"logs\":{\"/var/log/a\\nb.log\":1700000000}}";

	(void)state;
	buf_init(&why, 512);
	assert_int_equal(rot_state_parse(good, strlen(good), &logs, &why), RONDA_OK);
	/* A newline in a name stays a name (CVE-2011-1155). */
	assert_int_equal(json_integer_value(json_object_get(logs, "/var/log/a\nb.log")), 1700000000);
	json_decref(logs);
	assert_int_equal(rot_state_parse("{{", 2, &logs, &why), RONDA_EPARSE);
	assert_int_equal(rot_state_parse("{\"ronda_rotate_state\":2,\"logs\":{}}", 34, &logs, &why),
			 RONDA_EPARSE);
	buf_reset(&why);
	assert_int_equal(rot_state_parse("{\"ronda_rotate_state\":1,\"logs\":{\"rel\":1}}", 42,
					 &logs, &why), RONDA_EPARSE);
	buf_release(&why);
}

/* A name that is not UTF-8 round-trips through the saved file. */
static void test_state_bytes(void **state)
{
	const char *odd = "/var/log/a\xff%b\xc3.log", *plain = "/var/log/caf\xc3\xa9.log";
	char dir[] = "/tmp/ronda-state-XXXXXX", path[256], key[512], back[256];
	struct rot_state s;
	struct buf why;
	double t;

	(void)state;
	buf_init(&why, 512);
	assert_int_equal(rot_state_key(plain, key, sizeof(key)), RONDA_OK);
	assert_string_equal(key, plain);	/* UTF-8: the path itself */
	assert_int_equal(rot_state_key(odd, key, sizeof(key)), RONDA_OK);
	assert_string_equal(key, "bytes:/var/log/a%FF%25b%C3.log");
	assert_int_equal(rot_state_unkey(key, back, sizeof(back)), RONDA_OK);
	assert_string_equal(back, odd);
	assert_int_equal(rot_state_unkey("bytes:/a%0", back, sizeof(back)), RONDA_EPARSE);
	assert_int_equal(rot_state_unkey("bytes:/a%00", back, sizeof(back)), RONDA_EPARSE);
	assert_int_equal(rot_state_unkey("bytes:rel", back, sizeof(back)), RONDA_EPARSE);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rotate.state", dir);
	assert_int_equal(rot_state_open(path, 1, &s, &why), RONDA_OK);
	assert_int_equal(rot_state_set(&s, odd, 1700000000), RONDA_OK);
	assert_int_equal(rot_state_set(&s, plain, 1700000001), RONDA_OK);
	assert_int_equal(rot_state_save(&s, &why), RONDA_OK);
	rot_state_release(&s);
	assert_int_equal(rot_state_open(path, 0, &s, &why), RONDA_OK);
	assert_false(s.corrupt);
	assert_int_equal(rot_state_get(&s, odd, &t), RONDA_OK);
	assert_true(t == 1700000000);
	assert_int_equal(rot_state_get(&s, plain, &t), RONDA_OK);
	assert_true(t == 1700000001);
	rot_state_release(&s);
	unlink(path);
	rmdir(dir);
	buf_release(&why);
}

static void test_sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(proto_size_parse("100", &v), RONDA_OK);
	assert_true(v == 100);
	assert_int_equal(proto_size_parse("10k", &v), RONDA_OK);
	assert_true(v == 10240);
	assert_int_equal(proto_size_parse("2M", &v), RONDA_OK);
	assert_true(v == 2u << 20);
	assert_int_equal(proto_size_parse("1G", &v), RONDA_OK);
	assert_true(v == 1u << 30);
	assert_int_equal(proto_size_parse("1T", &v), RONDA_EINVAL);
	assert_int_equal(proto_size_parse("-1", &v), RONDA_EINVAL);
	assert_int_equal(proto_size_parse("k", &v), RONDA_EINVAL);
	assert_int_equal(proto_size_parse("99999999999999999999G", &v), RONDA_EINVAL);
}

static void test_tar_header(void **state)
{
	unsigned char h[512];
	struct stat st;
	char longname[300];
	unsigned sum = 0;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = 0100640;
	st.st_size = 1234;
	st.st_mtime = 1700000000;
	assert_int_equal(tar_header(h, "dir/a.log", &st), RONDA_OK);
	assert_string_equal((char *)h, "dir/a.log");
	assert_memory_equal(h + 100, "0000640", 8);
	assert_memory_equal(h + 124, "00000002322", 12);	/* 1234 octal */
	assert_memory_equal(h + 257, "ustar\0" "00", 8);
	for (int i = 0; i < 512; i++)
		sum += i >= 148 && i < 156 ? ' ' : h[i];
	assert_int_equal(sum, (unsigned)strtoul((char *)h + 148, NULL, 8));
	/* Longer than 100: split into prefix and name at a '/'. */
	memset(longname, 'p', 150);
	longname[150] = '/';
	memset(longname + 151, 'n', 90);
	longname[241] = '\0';
	assert_int_equal(tar_header(h, longname, &st), RONDA_OK);
	assert_int_equal(strnlen((char *)h + 345, 155), 150);
	assert_int_equal(strnlen((char *)h, 100), 90);
	/* A last name over 100 bytes cannot be stored. */
	memset(longname + 151, 'n', 110);
	longname[261] = '\0';
	assert_int_equal(tar_header(h, longname, &st), RONDA_ELIMIT);
	st.st_size = (off_t)1 << 33;	/* 8 GiB: past 11 octal digits */
	assert_int_equal(tar_header(h, "big", &st), RONDA_ELIMIT);
}

/* A .gz keeps its original's mtime (gzip's and logrotate's behaviour). */
static void test_compress_keeps_mtime(void **state)
{
	char dir[] = "/tmp/test_rotate.XXXXXX", path[64], gz[64];
	struct timespec ts[2] = { { 1700000000, 0 }, { 1700000000, 0 } };
	struct stat st;
	struct buf why;
	int64_t saved = 0;
	int dfd;
	FILE *f;

	(void)state;
	buf_init(&why, 512);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.log.2", dir);
	snprintf(gz, sizeof(gz), "%s/a.log.2.gz", dir);
	assert_non_null(f = fopen(path, "w"));
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d of a log that compresses well\n", i);
	fclose(f);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(fsafe_opendir(dir, &dfd, &why), RONDA_OK);
	assert_int_equal(fsafe_compress(dfd, "a.log.2", 6, &saved, &why), RONDA_OK);
	assert_true(saved > 0);
	assert_int_equal(stat(gz, &st), 0);
	assert_int_equal(st.st_mtime, 1700000000);
	assert_int_not_equal(access(path, F_OK), 0);
	unlink(gz);
	close(dfd);
	rmdir(dir);
	buf_release(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_date_glob),
		cmocka_unit_test(test_state_parse),
		cmocka_unit_test(test_state_bytes),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_tar_header),
		cmocka_unit_test(test_compress_keeps_mtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
