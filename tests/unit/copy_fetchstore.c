/*
 * copy_fetchstore.c - what a hostile host's fetch stream can make under
 * LOCALDIR: only files under LOCALDIR/HOST/, never through a link (its
 * own from an earlier entry, or one already there), never setuid, and
 * nothing half written left behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy/fetchproto.h"
#include "copy/fetchstore.h"
#include "err.h"
#include "banned.h"

#define START "\036RONDA fetch 1\n"
#define SHA_HI "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4"

static char top[64];

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/ronda-fetchstore.XXXXXX");
	return mkdtemp(top) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Does directory rel (under top) hold a name starting with prefix? */
static int holds(const char *rel, const char *prefix)
{
	char p[256];
	DIR *d;
	struct dirent *e;
	int found = 0;

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	assert_non_null(d = opendir(p));
	while ((e = readdir(d)))
		found |= strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return found;
}

static int path_exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	return lstat(p, &st) == 0;
}

/* Feeds s to a store for host under top; the parser's finish code. */
static int feed(const char *host, const char *s, struct fetch_store *st)
{
	struct fetch_parser p;
	struct buf err;
	int t = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	buf_init(&err, 512);
	assert_true(t >= 0);
	assert_int_equal(fetch_store_open(st, t, host, &err), RONDA_OK);
	assert_int_equal(fetch_parser_init(&p, &fetch_store_ops, st, 1 << 20), RONDA_OK);
	r = fetch_parser_feed(&p, s, strlen(s));
	if (r == RONDA_OK)
		r = fetch_parser_finish(&p);
	fetch_parser_release(&p);
	close(t);
	buf_release(&err);
	return r;
}

static void test_store(void **state)
{
	struct fetch_store st;
	struct stat sb;
	char p[256];

	(void)state;
	assert_int_equal(feed("node1", START
		"D 755 etc\n"
		"F 4755 3 " SHA_HI " etc/hi\nhi\n"
		"F 644 3 " SHA_HI " etc/lie\nho\n"
		"L etc/out\n/tmp\n"
		"F 644 3 " SHA_HI " etc/out/passwd\nhi\n"	/* through its own link */
		"D 755 etc/out\n"
		"X /x: Permission denied\n"
		"Z\n", &st), RONDA_OK);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.dirs, 1);
	assert_int_equal(st.links, 1);
	assert_int_equal(st.failed, 4);
	assert_non_null(strstr(buf_data(&st.errs), "etc/lie: changed while it was read"));
	assert_non_null(strstr(buf_data(&st.errs), "etc/out/passwd: a symbolic link or a file is in the way"));
	assert_non_null(strstr(buf_data(&st.errs), "/x: Permission denied"));
	fetch_store_release(&st);
	snprintf(p, sizeof(p), "%s/node1/etc/hi", top);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);	/* setuid dropped */
	assert_false(path_exists("node1/etc/lie"));
	assert_false(access("/tmp/passwd", F_OK) == 0);
	/* no temporary left */
	assert_false(holds("node1/etc", ".ronda-fetch"));
}

static void test_links_in_localdir(void **state)
{
	struct fetch_store st;
	char p[256];

	(void)state;
	/* LOCALDIR/node2 itself a link elsewhere: refused */
	snprintf(p, sizeof(p), "%s/node2", top);
	assert_int_equal(symlink("/tmp", p), 0);
	{
		struct buf err;
		int t = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		buf_init(&err, 512);
		assert_int_not_equal(fetch_store_open(&st, t, "node2", &err), RONDA_OK);
		fetch_store_release(&st);
		buf_release(&err);
		/* host names that could leave LOCALDIR */
		assert_int_equal(fetch_store_open(&st, t, "..", &err), RONDA_EINVAL);
		fetch_store_release(&st);
		assert_int_equal(fetch_store_open(&st, t, "a/b", &err), RONDA_EINVAL);
		fetch_store_release(&st);
		buf_release(&err);
		close(t);
	}
	/* a link inside, from an earlier run, is not followed */
	snprintf(p, sizeof(p), "%s/node3", top);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/node3/logs", top);
	assert_int_equal(symlink("/tmp", p), 0);
	assert_int_equal(feed("node3", START "F 644 3 " SHA_HI " logs/ronda-escape\nhi\nZ\n", &st), RONDA_OK);
	assert_int_equal(st.files, 0);
	assert_int_equal(st.failed, 1);
	fetch_store_release(&st);
	assert_false(access("/tmp/ronda-escape", F_OK) == 0);
	/* a file replaces a link at its own place, without following it */
	assert_int_equal(feed("node3", START "F 600 3 " SHA_HI " logs\nhi\nZ\n", &st), RONDA_OK);
	assert_int_equal(st.files, 1);
	fetch_store_release(&st);
	assert_true(path_exists("node3/logs"));
	assert_int_equal(access("/tmp", F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_in_localdir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
