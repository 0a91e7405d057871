/*
 * common_err.c - error messages and logging.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "banned.h"

static void test_every_code_has_a_distinct_message(void **state)
{
	(void)state;
	for (int i = RONDA_ERR_MIN; i <= RONDA_OK; i++) {
		const char *m = ronda_strerror(i);

		assert_non_null(m);
		assert_string_not_equal(m, "unknown error");
		for (int j = RONDA_ERR_MIN; j < i; j++)
			assert_string_not_equal(m, ronda_strerror(j));
	}
	assert_string_equal(ronda_strerror(RONDA_ERR_MIN - 1), "unknown error");
	assert_string_equal(ronda_strerror(1), "unknown error");
}

/* Runs fn with logging sent to a pipe and returns what was written. */
static size_t capture(void (*fn)(void), char *out, size_t cap)
{
	int p[2];
	ssize_t n;
	size_t got = 0;

	assert_int_equal(pipe(p), 0);
	log_init("t", log_get_level(), p[1]);
	fn();
	close(p[1]);
	while ((n = read(p[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	out[got] = '\0';
	log_init("ronda", RLOG_WARN, 2);
	return got;
}

static void emit_all(void)
{
	log_error("e %d", 1);
	log_warn("w");
	log_info("i");
	log_debug("d");
	log_trace("t");
}

static void test_level_filters(void **state)
{
	char out[4096];

	(void)state;
	log_set_level(RLOG_WARN);
	capture(emit_all, out, sizeof(out));
	assert_string_equal(out, "t: error: e 1\nt: warn: w\n");

	log_set_level(RLOG_ERROR);
	capture(emit_all, out, sizeof(out));
	assert_string_equal(out, "t: error: e 1\n");

	log_set_level(RLOG_DEBUG);
	capture(emit_all, out, sizeof(out));
	assert_non_null(strstr(out, "t: info: i\n"));
	assert_non_null(strstr(out, "t: debug: "));
	assert_null(strstr(out, "trace"));
	log_set_level(RLOG_WARN);
}

static void emit_long(void)
{
	char big[5000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_error("%s", big);
	log_error("after");
}

static void test_long_line_cut_but_terminated(void **state)
{
	char out[8192];
	size_t n;
	char *nl;

	(void)state;
	n = capture(emit_long, out, sizeof(out));
	nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_true(nl - out <= 2048);
	assert_memory_equal(nl - 3, "...", 3);
	assert_string_equal(nl + 1, "t: error: after\n");
	assert_true(n < 2100);
}

static void emit_errno(void)
{
	errno = EACCES;
	log_error("x");
	assert_int_equal(errno, EACCES);
}

static void test_logging_keeps_errno(void **state)
{
	char out[256];

	(void)state;
	capture(emit_errno, out, sizeof(out));
	assert_string_equal(out, "t: error: x\n");
}

static void test_level_names(void **state)
{
	int l = -1;

	(void)state;
	assert_int_equal(log_level_from_name("debug", &l), RONDA_OK);
	assert_int_equal(l, RLOG_DEBUG);
	l = -1;
	assert_int_equal(log_level_from_name("loud", &l), RONDA_EINVAL);
	assert_int_equal(l, -1);
	log_set_level(99);
	assert_int_equal(log_get_level(), RLOG_TRACE);
	log_set_level(-5);
	assert_int_equal(log_get_level(), RLOG_ERROR);
	log_set_level(RLOG_WARN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_a_distinct_message),
		cmocka_unit_test(test_level_filters),
		cmocka_unit_test(test_long_line_cut_but_terminated),
		cmocka_unit_test(test_logging_keeps_errno),
		cmocka_unit_test(test_level_names),
	};

	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
