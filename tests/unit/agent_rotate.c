/*
 * agent_rotate.c - the pure parts of rotate and cleanup: logrotate's trigger
 * rules, dateformat globs, the state file parser, sizes, ustar headers;
 * and, through maint_hook, a writer acting between two steps of cleanup or
 * of healing (no sleeps: the hook runs at the exact point).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "checks.h"
#include "err.h"
#include "fsafe.h"
#include "maint.h"
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

/* Runs the one task of a maintain job on dir through ops into res. */
static void run_task(const char *dir, const char *task, const struct check_ops *ops,
		     struct check_result *res)
{
	char text[2048];
	struct proto_job job;
	struct buf err;

	buf_init(&err, 512);
	snprintf(text, sizeof(text), "{\"ronda\":1,\"profile\":\"maintain\",\"write_paths\":[\"%s\"],"
		 "\"tasks\":[%s]}", dir, task);
	assert_int_equal(proto_job_parse(text, strlen(text), &job, &err), RONDA_OK);
	assert_int_equal(check_result_init(res), RONDA_OK);
	assert_int_equal(ops->run(&job.tasks[0], NULL, res), RONDA_OK);
	proto_job_release(&job);
	buf_release(&err);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* The whole of dir/name, or "" if there is no such file. */
static const char *slurp(const char *dir, const char *name)
{
	static char b[4096];
	char path[256];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	b[0] = '\0';
	if ((f = fopen(path, "r"))) {
		n = fread(b, 1, sizeof(b) - 1, f);
		fclose(f);
	}
	b[n] = '\0';
	return b;
}

static const char *hook_point, *hook_name;
static int hook_calls;

/* The writer: appends a line to the file at the point the test names. */
static void late_writer(const char *point, int dfd, const char *name)
{
	int fd;

	if (strcmp(point, hook_point) != 0 || strcmp(name, hook_name) != 0)
		return;
	hook_calls++;
	fd = openat(dfd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "late\n", 5), 5);
	close(fd);
}

/* run_task with the hook h in place, which must fire exactly once. */
static void run_hooked(const char *dir, const char *task, const struct check_ops *ops,
		       void (*h)(const char *, int, const char *), struct check_result *res)
{
	hook_calls = 0;
	maint_hook = h;
	run_task(dir, task, ops, res);
	maint_hook = NULL;
	assert_int_equal(hook_calls, 1);
}

static double value(const struct check_result *res, const char *key)
{
	return json_number_value(json_object_get(res->values, key));
}

/* The reason the report gives for path (ending so), or "". */
static const char *reason(const struct check_result *res, const char *path_end)
{
	json_t *skipped = json_object_get(res->values, "skipped"), *v;
	size_t i, n = strlen(path_end);

	json_array_foreach(skipped, i, v) {
		const char *p = json_string_value(json_object_get(v, "path"));

		if (p && strlen(p) >= n && strcmp(p + strlen(p) - n, path_end) == 0)
			return json_string_value(json_object_get(v, "reason"));
	}
	return "";
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	assert_int_equal(nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* A line appended after a file went into the archive: the file stays. */
static void test_cleanup_grown_after_archive(void **state)
{
	char dir[] = "/tmp/test_cleanup.XXXXXX", task[512];
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct check_result res;
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "a.log", "archived line\n");
	put(dir, "b.log", "other\n");
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
	assert_int_equal(utimensat(dfd, "a.log", old, 0), 0);
	assert_int_equal(utimensat(dfd, "b.log", old, 0), 0);
	snprintf(task, sizeof(task), "{\"name\":\"c\",\"check\":\"cleanup\",\"path\":\"%s\","
		 "\"glob\":\"*.log\",\"older_than\":1,\"archive\":true}", dir);
	hook_point = "cleanup: unlink";
	hook_name = "a.log";
	run_hooked(dir, task, &check_cleanup, late_writer, &res);
	assert_string_equal(slurp(dir, "a.log"), "archived line\nlate\n");
	assert_string_equal(slurp(dir, "b.log"), "");	/* archived and deleted */
	assert_int_equal(faccessat(dfd, "b.log", F_OK, 0), -1);
	assert_int_equal(res.verdict, VERDICT_WARN);
	assert_string_equal(reason(&res, "/a.log"), "changed since it was looked at; kept");
	assert_true(value(&res, "files_deleted") == 1);
	check_result_release(&res);
	close(dfd);
	rm_tree(dir);
}

/* x.log.1 beside x.log.1.gz (a compression killed after its rename). */
static int heal_setup(char *dir, const char *raw, const char *in_gz)
{
	struct buf why;
	int64_t saved;
	int dfd;

	buf_init(&why, 256);
	assert_non_null(mkdtemp(dir));
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
	put(dir, "x.log", "current\n");
	put(dir, "gz.tmp", in_gz);
	assert_int_equal(fsafe_compress(dfd, "gz.tmp", 6, &saved, &why), RONDA_OK);
	assert_int_equal(renameat(dfd, "gz.tmp.gz", dfd, "x.log.1.gz"), 0);
	put(dir, "x.log.1", raw);
	assert_int_equal(mkdirat(dfd, "st", 0700), 0);
	buf_release(&why);
	return dfd;
}

/* Rotates dir/x.log, with the hook h (fired once) unless it is NULL. */
static void rotate_x(const char *dir, void (*h)(const char *, int, const char *),
		     struct check_result *res)
{
	char task[512];

	snprintf(task, sizeof(task), "{\"name\":\"r\",\"check\":\"rotate\",\"path\":\"%s/x.log\","
		 "\"size\":1,\"rotate\":5,\"state\":\"%s/st/rotate.state\"}", dir, dir);
	if (h)
		run_hooked(dir, task, &check_rotate, h, res);
	else
		run_task(dir, task, &check_rotate, res);
}

/* A .gz that holds other bytes than the raw file: both kept, and said. */
static void test_heal_compares_content(void **state)
{
	char dir[] = "/tmp/test_heal.XXXXXX";
	struct check_result res;
	int dfd;

	(void)state;
	dfd = heal_setup(dir, "first\nsecond\n", "first\n");
	rotate_x(dir, NULL, &res);
	assert_string_equal(slurp(dir, "x.log.2"), "first\nsecond\n");
	assert_int_equal(faccessat(dfd, "x.log.2.gz", F_OK, 0), 0);
	assert_string_equal(slurp(dir, "x.log.1"), "current\n");
	assert_string_equal(reason(&res, "/x.log.2"), "its .gz holds other content; both kept");
	assert_int_equal(res.verdict, VERDICT_WARN);
	assert_true(value(&res, "files_recovered") == 0);
	check_result_release(&res);
	close(dfd);
	rm_tree(dir);

	/* The same bytes: the raw copy goes, the .gz shifts. */
	snprintf(dir, sizeof(dir), "/tmp/test_heal.XXXXXX");
	dfd = heal_setup(dir, "same\n", "same\n");
	rotate_x(dir, NULL, &res);
	assert_int_equal(faccessat(dfd, "x.log.2", F_OK, 0), -1);
	assert_int_equal(faccessat(dfd, "x.log.2.gz", F_OK, 0), 0);
	assert_string_equal(slurp(dir, "x.log.1"), "current\n");
	assert_true(value(&res, "files_recovered") == 1);
	assert_int_equal(res.verdict, VERDICT_OK);
	check_result_release(&res);
	close(dfd);
	rm_tree(dir);
}

/* Written between the plan's comparison and the removal: nothing is lost. */
static void test_heal_grown_before_unlink(void **state)
{
	char dir[] = "/tmp/test_heal.XXXXXX";
	struct check_result res;
	int dfd;

	(void)state;
	dfd = heal_setup(dir, "same\n", "same\n");
	hook_point = "heal: unlink";
	hook_name = "x.log.2";	/* the pair, shifted before it is healed */
	rotate_x(dir, late_writer, &res);
	assert_string_equal(slurp(dir, "x.log.2"), "same\nlate\n");
	assert_int_equal(faccessat(dfd, "x.log.2.gz", F_OK, 0), 0);
	assert_string_equal(slurp(dir, "x.log.1"), "current\n");
	assert_true(value(&res, "files_rotated") == 1);
	assert_true(value(&res, "files_recovered") == 0);
	assert_int_equal(res.verdict, VERDICT_WARN);
	assert_string_equal(reason(&res, "/x.log.2"), "changed since it was looked at; kept");
	check_result_release(&res);
	close(dfd);
	rm_tree(dir);
}

static int has_action(const struct check_result *res, const char *part)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(res->values, "actions"), i, v) {
		if (strstr(json_string_value(v), part))
			return 1;
	}
	return 0;
}

/* The writer creates its log again between the rename and our create. */
static void recreate(const char *point, int dfd, const char *name)
{
	int fd;

	if (strcmp(point, "rotate: create") != 0)
		return;
	hook_calls++;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "new\n", 4), 4);
	close(fd);
}

/* The rename counts, the writer's file stays, the .1 is compressed. */
static void test_rotate_recreated_log(void **state)
{
	char dir[] = "/tmp/test_recreate.XXXXXX", task[512];
	struct check_result res;
	int dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0);
	assert_int_equal(mkdirat(dfd, "st", 0700), 0);
	put(dir, "busy.log", "old line\n");
	snprintf(task, sizeof(task), "{\"name\":\"r\",\"check\":\"rotate\",\"path\":\"%s/busy.log\","
		 "\"size\":1,\"rotate\":2,\"compress\":true,\"state\":\"%s/st/rotate.state\"}", dir, dir);
	run_hooked(dir, task, &check_rotate, recreate, &res);
	assert_string_equal(slurp(dir, "busy.log"), "new\n");
	assert_int_equal(faccessat(dfd, "busy.log.1", F_OK, 0), -1);
	assert_int_equal(faccessat(dfd, "busy.log.1.gz", F_OK, 0), 0);
	assert_true(value(&res, "files_rotated") == 1);
	assert_true(value(&res, "files_compressed") == 1);
	assert_int_equal(res.verdict, VERDICT_OK);
	assert_non_null(strstr(buf_data(&res.msg), "1 rotated, 1 compressed"));
	assert_true(has_action(&res, "/busy.log: its writer created it again during the rotation"));
	check_result_release(&res);

	/* A .1 an earlier run left raw is compressed by the next run, though
	 * the log is not due (1M not reached). */
	assert_int_equal(unlinkat(dfd, "busy.log.1.gz", 0), 0);
	put(dir, "busy.log.1", "left raw\n");
	snprintf(task, sizeof(task), "{\"name\":\"r\",\"check\":\"rotate\",\"path\":\"%s/busy.log\","
		 "\"size\":\"1M\",\"rotate\":2,\"compress\":true,\"state\":\"%s/st/rotate.state\"}", dir, dir);
	run_task(dir, task, &check_rotate, &res);
	assert_int_equal(faccessat(dfd, "busy.log.1", F_OK, 0), -1);
	assert_int_equal(faccessat(dfd, "busy.log.1.gz", F_OK, 0), 0);
	assert_int_equal(faccessat(dfd, "busy.log.2.gz", F_OK, 0), -1);
	assert_true(value(&res, "files_rotated") == 0);
	assert_true(value(&res, "files_compressed") == 1);
	assert_int_equal(res.verdict, VERDICT_OK);
	check_result_release(&res);
	close(dfd);
	rm_tree(dir);
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
		cmocka_unit_test(test_cleanup_grown_after_archive),
		cmocka_unit_test(test_heal_compares_content),
		cmocka_unit_test(test_heal_grown_before_unlink),
		cmocka_unit_test(test_rotate_recreated_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
