/*
 * output_rerun.c - the hosts not ok in an --out run: both shapes of
 * run.json (exec's objects, a patrol's verdict strings), and errors that
 * name the file.
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

#include "buf.h"
#include "err.h"
#include "output/rerun.h"
#include "banned.h"

static char dir[] = "/tmp/ronda-rerun-XXXXXX";
static char file[sizeof(dir) + 16];

static void put(const char *text)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int load(struct rerun *r, struct buf *err)
{
	rerun_release(r);
	rerun_init(r);
	buf_reset(err);
	return rerun_load(r, dir, err);
}

static void test_shapes(void **state)
{
	struct rerun r;
	struct buf err;

	(void)state;
	rerun_init(&r);
	buf_init(&err, 4096);
	put("{\"ronda\":1,\"kind\":\"exec\",\"hosts\":{"
	    "\"web10\":{\"status\":\"failed\",\"exit_code\":3},"
	    "\"web2\":{\"status\":\"ok\",\"exit_code\":0},"
	    "\"web1\":{\"status\":\"not-started\",\"exit_code\":null}}}");
	assert_int_equal(load(&r, &err), RONDA_OK);
	assert_int_equal(r.n_hosts, 3);
	assert_int_equal(r.failed.n, 2);
	assert_true(rerun_failed(&r, "web1"));
	assert_true(rerun_failed(&r, "web10"));
	assert_false(rerun_failed(&r, "web2"));
	assert_false(rerun_failed(&r, "web"));
	put("{\"ronda\":1,\"hosts\":{\"a\":\"ok\",\"b\":\"warn\",\"c\":\"unreachable\"}}");
	assert_int_equal(load(&r, &err), RONDA_OK);
	assert_false(rerun_failed(&r, "a"));
	assert_true(rerun_failed(&r, "b"));
	assert_true(rerun_failed(&r, "c"));
	put("{\"ronda\":1,\"hosts\":{}}");
	assert_int_equal(load(&r, &err), RONDA_OK);
	assert_false(rerun_failed(&r, "a"));
	rerun_release(&r);
	buf_release(&err);
}

static void test_errors(void **state)
{
	static const char *const bad[] = {
		"{\"hosts\":", "[]", "{\"hosts\":[]}", "{\"hosts\":{\"a\":1}}",
		"{\"hosts\":{\"a\":{\"exit_code\":0}}}",
		"{\"hosts\":{\"a\":\"ok\",\"a\":\"fail\"}}",
	};
	struct rerun r;
	struct buf err;

	(void)state;
	rerun_init(&r);
	buf_init(&err, 4096);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i]);
		assert_int_equal(load(&r, &err), RONDA_ECONFIG);
		assert_non_null(strstr(buf_data(&err), file));
	}
	unlink(file);
	assert_int_equal(load(&r, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), file));
	rerun_release(&r);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_errors),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	snprintf(file, sizeof(file), "%s/run.json", dir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(file);
	rmdir(dir);
	return rc;
}
