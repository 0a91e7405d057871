/*
 * agent_cleanup.c - what a cleanup task (agent/cleanup.c) selects: by age
 * against the "now" the test gives, by total size (oldest first), by glob
 * and depth, and what it keeps (hard-linked files, symlinks, its own
 * archives when archiving, subdirectories without recurse).  Each test builds
 * its own directory under /tmp with chosen mtimes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
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
#include "banned.h"

#define DAY 86400
/* "now" for every test: far from the real clock, so only ctx.now can explain a result. */
#define NOW 2000000000.0

struct fixture {
	char dir[64];
	int dfd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_cleanup.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dfd >= 0);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *w)
{
	(void)st;
	(void)flag;
	(void)w;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->dfd);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Writes size bytes to dir/name, last modified days_old days before NOW. */
static void put(const struct fixture *f, const char *name, size_t size, double days_old)
{
	struct timespec t[2];
	char *b = malloc(size + 1);
	int fd;

	assert_non_null(b);
	memset(b, 'x', size);
	fd = openat(f->dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, size), (ssize_t)size);
	close(fd);
	free(b);
	t[0].tv_sec = t[1].tv_sec = (time_t)(NOW - days_old * DAY);
	t[0].tv_nsec = t[1].tv_nsec = 0;
	assert_int_equal(utimensat(f->dfd, name, t, AT_SYMLINK_NOFOLLOW), 0);
}

static int exists(const struct fixture *f, const char *name)
{
	return faccessat(f->dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Runs one cleanup task on f->dir; keys is the rest of the task's JSON. */
static void run(const struct fixture *f, const char *keys, struct check_result *res)
{
	char text[2048];
	struct proto_job job;
	struct check_ctx ctx;
	struct buf err;

	buf_init(&err, 512);
	snprintf(text, sizeof(text), "{\"ronda\":1,\"profile\":\"maintain\",\"write_paths\":[\"%s\"],"
		 "\"tasks\":[{\"name\":\"c\",\"check\":\"cleanup\",\"path\":\"%s\",%s}]}",
		 f->dir, f->dir, keys);
	assert_int_equal(proto_job_parse(text, strlen(text), &job, &err), RONDA_OK);
	memset(&ctx, 0, sizeof(ctx));
	ctx.job = &job;
	ctx.now = NOW;
	assert_int_equal(check_result_init(res), RONDA_OK);
	if (check_cleanup.prepare)
		assert_int_equal(check_cleanup.prepare(&job.tasks[0], &ctx, &err), RONDA_OK);
	assert_int_equal(check_cleanup.run(&job.tasks[0], &ctx, res), RONDA_OK);
	proto_job_release(&job);
	buf_release(&err);
}

static double value(const struct check_result *res, const char *key)
{
	json_t *v = json_object_get(res->values, key);

	assert_non_null(v);
	return json_number_value(v);
}

/* Whether an action names dir/name exactly (as its last word). */
static int has_action(const struct fixture *f, const struct check_result *res,
		      const char *verb, const char *name)
{
	json_t *a = json_object_get(res->values, "actions"), *v;
	char want[256];
	size_t i;

	snprintf(want, sizeof(want), "%s %s/%s", verb, f->dir, name);
	json_array_foreach(a, i, v) {
		if (json_string_value(v) && strcmp(json_string_value(v), want) == 0)
			return 1;
	}
	return 0;
}

static const char *msg(const struct check_result *res)
{
	return buf_data(&res->msg);
}

/* older_than is strict and measured from ctx.now, not the clock. */
static void test_age(void **state)
{
	struct fixture *f = *state;
	struct check_result res;

	put(f, "old.log", 10, 3);
	put(f, "edge.log", 20, 2);	/* exactly 2 days: not older than 2 */
	put(f, "new.log", 30, 1);
	run(f, "\"older_than\":2", &res);
	assert_int_equal(res.verdict, VERDICT_OK);
	assert_string_equal(msg(&res), "1 deleted, 10 bytes freed");
	assert_false(exists(f, "old.log"));
	assert_true(exists(f, "edge.log"));
	assert_true(exists(f, "new.log"));
	assert_true(value(&res, "files_deleted") == 1);
	assert_true(value(&res, "bytes_freed") == 10);
	assert_true(value(&res, "bytes_before") == 60);
	assert_true(value(&res, "bytes_after") == 50);
	assert_true(has_action(f, &res, "delete", "old.log"));
	check_result_release(&res);

	/* Fractions of a day count. */
	put(f, "half.log", 5, 0.75);
	run(f, "\"older_than\":0.5", &res);
	assert_false(exists(f, "half.log"));
	assert_false(exists(f, "new.log"));
	assert_false(exists(f, "edge.log"));
	assert_string_equal(msg(&res), "3 deleted, 55 bytes freed");
	check_result_release(&res);
}

/* A dry run selects the same files and touches none. */
static void test_dry_run(void **state)
{
	struct fixture *f = *state;
	struct check_result res;

	put(f, "a.log", 100, 10);
	put(f, "b.log", 100, 0);
	run(f, "\"older_than\":1,\"dry_run\":true", &res);
	assert_int_equal(res.verdict, VERDICT_OK);
	assert_string_equal(msg(&res), "dry run: 1 deleted, 100 bytes freed");
	assert_true(exists(f, "a.log"));
	assert_true(exists(f, "b.log"));
	assert_true(json_is_true(json_object_get(res.values, "dry_run")));
	assert_true(has_action(f, &res, "would delete", "a.log"));
	assert_false(has_action(f, &res, "would delete", "b.log"));
	check_result_release(&res);
}

/* max_total: the oldest go first until the rest fit. */
static void test_max_total(void **state)
{
	struct fixture *f = *state;
	struct check_result res;

	put(f, "a", 300, 3);
	put(f, "b", 200, 2);
	put(f, "c", 100, 1);
	put(f, "d", 50, 0);
	run(f, "\"max_total\":400", &res);	/* 650: a goes, 350 left */
	assert_false(exists(f, "a"));
	assert_true(exists(f, "b") && exists(f, "c") && exists(f, "d"));
	assert_true(value(&res, "bytes_before") == 650);
	assert_true(value(&res, "bytes_after") == 350);
	check_result_release(&res);

	run(f, "\"max_total\":350", &res);	/* already fits: nothing */
	assert_string_equal(msg(&res), "0 deleted, 0 bytes freed");
	assert_true(exists(f, "b"));
	check_result_release(&res);

	run(f, "\"max_total\":100", &res);	/* b, then c (then 50 fits) */
	assert_false(exists(f, "b"));
	assert_false(exists(f, "c"));
	assert_true(exists(f, "d"));
	assert_string_equal(msg(&res), "2 deleted, 300 bytes freed");
	check_result_release(&res);
}

/* Age first, then the budget counts only what age left. */
static void test_age_and_size(void **state)
{
	struct fixture *f = *state;
	struct check_result res;

	put(f, "old", 500, 30);
	put(f, "mid", 200, 2);
	put(f, "new", 200, 1);
	run(f, "\"older_than\":7,\"max_total\":300", &res);
	assert_false(exists(f, "old"));
	assert_false(exists(f, "mid"));
	assert_true(exists(f, "new"));
	assert_string_equal(msg(&res), "2 deleted, 700 bytes freed");
	check_result_release(&res);
}

/* The glob selects by name; sizes of other files do not count. */
static void test_glob(void **state)
{
	struct fixture *f = *state;
	struct check_result res;

	put(f, "app.log", 10, 9);
	put(f, "app.log.1", 10, 9);
	put(f, "notes.txt", 1000, 9);
	run(f, "\"glob\":\"*.log\",\"older_than\":1", &res);
	assert_false(exists(f, "app.log"));
	assert_true(exists(f, "app.log.1"));
	assert_true(exists(f, "notes.txt"));
	assert_true(value(&res, "bytes_before") == 10);
	check_result_release(&res);

	run(f, "\"glob\":\"app.log.[0-9]\",\"max_total\":1", &res);
	assert_false(exists(f, "app.log.1"));
	assert_true(exists(f, "notes.txt"));
	check_result_release(&res);
}

/* Subdirectories only with recurse; the directories themselves stay. */
static void test_recurse(void **state)
{
	struct fixture *f = *state;
	struct check_result res;

	assert_int_equal(mkdirat(f->dfd, "sub", 0755), 0);
	put(f, "sub/deep.log", 10, 9);
	put(f, "top.log", 10, 9);
	run(f, "\"older_than\":1", &res);
	assert_false(exists(f, "top.log"));
	assert_true(exists(f, "sub/deep.log"));
	check_result_release(&res);

	run(f, "\"older_than\":1,\"recurse\":true", &res);
	assert_false(exists(f, "sub/deep.log"));
	assert_true(exists(f, "sub"));
	assert_true(has_action(f, &res, "delete", "sub/deep.log"));
	check_result_release(&res);
}

/* What is never selected: links and hard-linked files. */
static void test_keeps(void **state)
{
	struct fixture *f = *state;
	struct check_result res;

	put(f, "linked", 10, 99);
	assert_int_equal(linkat(f->dfd, "linked", f->dfd, "linked2", 0), 0);
	put(f, "target", 10, 0);
	assert_int_equal(symlinkat("target", f->dfd, "link.old"), 0);
	put(f, "plain", 10, 99);
	run(f, "\"older_than\":1", &res);
	assert_false(exists(f, "plain"));
	assert_true(exists(f, "linked") && exists(f, "linked2"));
	assert_true(exists(f, "link.old") && exists(f, "target"));
	assert_true(value(&res, "files_deleted") == 1);
	/* Refused files are reported, and make the verdict a warning. */
	assert_int_equal(res.verdict, VERDICT_WARN);
	assert_non_null(strstr(msg(&res), "some skipped"));
	check_result_release(&res);
}

/* The archive's name: ronda-archive- and ctx.now in local time. */
static void archive_name(char *name, size_t size)
{
	time_t now = (time_t)NOW;
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(name, size, "ronda-archive-%Y%m%d-%H%M%S.tar.gz", &tm);
}

/* Archive first: one .tar.gz beside them, then the files go. */
static void test_archive(void **state)
{
	struct fixture *f = *state;
	struct check_result res;
	struct stat st;
	char name[128];

	put(f, "a.log", 1000, 5);
	put(f, "b.log", 100, 0);
	run(f, "\"older_than\":1,\"archive\":true", &res);
	assert_int_equal(res.verdict, VERDICT_OK);
	assert_false(exists(f, "a.log"));
	assert_true(exists(f, "b.log"));
	assert_true(value(&res, "files_archived") == 1);
	archive_name(name, sizeof(name));
	assert_int_equal(fstatat(f->dfd, name, &st, 0), 0);
	assert_true(has_action(f, &res, "archive into", name));
	assert_true(has_action(f, &res, "archive and delete", "a.log"));
	/* What the archive takes is not freed. */
	assert_true(value(&res, "bytes_freed") == 1000 - (double)st.st_size);
	check_result_release(&res);
}

/*
 * With archive, its own archives are never swept into a new one; without,
 * old archives are files like any other (how they are expired).
 */
static void test_own_archives(void **state)
{
	struct fixture *f = *state;
	struct check_result res;
	char name[128];

	put(f, "ronda-archive-20200101-000000.tar.gz", 10, 99);
	put(f, "plain", 10, 99);
	run(f, "\"older_than\":1,\"archive\":true", &res);
	assert_false(exists(f, "plain"));
	assert_true(exists(f, "ronda-archive-20200101-000000.tar.gz"));
	assert_true(value(&res, "files_deleted") == 1);
	archive_name(name, sizeof(name));
	assert_true(exists(f, name));
	check_result_release(&res);

	run(f, "\"glob\":\"ronda-archive-2020*\",\"older_than\":1", &res);
	assert_false(exists(f, "ronda-archive-20200101-000000.tar.gz"));
	assert_true(exists(f, name));
	check_result_release(&res);
}

/* A missing directory is skipped; one others may write is refused. */
static void test_directory_errors(void **state)
{
	struct fixture *f = *state;
	struct check_result res;
	char text[512];
	struct proto_job job;
	struct check_ctx ctx;
	struct buf err;

	put(f, "a", 10, 9);
	assert_int_equal(fchmod(f->dfd, 0777), 0);
	run(f, "\"older_than\":1", &res);
	assert_int_equal(res.verdict, VERDICT_FAIL);
	assert_non_null(strstr(msg(&res), f->dir));
	assert_non_null(strstr(msg(&res), "writable"));
	assert_true(exists(f, "a"));
	check_result_release(&res);
	assert_int_equal(fchmod(f->dfd, 0700), 0);

	buf_init(&err, 512);
	snprintf(text, sizeof(text), "{\"ronda\":1,\"profile\":\"maintain\",\"write_paths\":[\"/\"],"
		 "\"tasks\":[{\"name\":\"c\",\"check\":\"cleanup\",\"path\":\"%s/none\","
		 "\"older_than\":1}]}", f->dir);
	assert_int_equal(proto_job_parse(text, strlen(text), &job, &err), RONDA_OK);
	memset(&ctx, 0, sizeof(ctx));
	ctx.job = &job;
	ctx.now = NOW;
	assert_int_equal(check_result_init(&res), RONDA_OK);
	assert_int_equal(check_cleanup.run(&job.tasks[0], &ctx, &res), RONDA_OK);
	assert_int_equal(res.verdict, VERDICT_SKIPPED);
	assert_non_null(strstr(msg(&res), "no such directory"));
	check_result_release(&res);
	proto_job_release(&job);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_age_and_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recurse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_archives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
