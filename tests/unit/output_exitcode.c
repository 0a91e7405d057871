/*
 * output_exitcode.c - the exit code of an exec run: each status counts
 * for its code, the worst host wins, and an interrupted run is 3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "output/exitcode.h"
#include "ssh/engine.h"
#include "banned.h"

static void test_exec_exit_codes(void **state)
{
	struct host_result r[3];

	(void)state;
	memset(r, 0, sizeof(r));
	assert_int_equal(report_exit_code(r, 0, 0), EXIT_OK);
	assert_int_equal(report_exit_code(r, 0, 1), EXIT_INTERRUPTED);
	for (int s = 0; s < RESULT_COUNT; s++) {
		/* not started (--max-fail): the run did not finish its work */
		int want = s == RESULT_OK ? EXIT_OK :
			   s == RESULT_FAILED || s == RESULT_NOT_STARTED ? EXIT_FAILED :
			   s == RESULT_INTERRUPTED ? EXIT_INTERRUPTED : EXIT_UNREACHABLE;

		r[0].status = (enum host_status)s;
		assert_int_equal(report_exit_code(r, 1, 0), want);
		assert_int_equal(report_exit_code(r, 1, 1), EXIT_INTERRUPTED);
	}
	/* the worst wins, wherever it is */
	r[0].status = RESULT_AUTH;
	r[1].status = RESULT_FAILED;
	r[2].status = RESULT_OK;
	assert_int_equal(report_exit_code(r, 3, 0), EXIT_UNREACHABLE);
	r[0].status = RESULT_OK;
	assert_int_equal(report_exit_code(r, 3, 0), EXIT_FAILED);
	r[2].status = RESULT_TIMEOUT;
	assert_int_equal(report_exit_code(r, 3, 0), EXIT_UNREACHABLE);
	r[1].status = RESULT_INTERRUPTED;
	assert_int_equal(report_exit_code(r, 3, 0), EXIT_INTERRUPTED);
	/* the documented numbers (README "Exit codes") */
	assert_int_equal(EXIT_FAILED, 1);
	assert_int_equal(EXIT_UNREACHABLE, 2);
	assert_int_equal(EXIT_INTERRUPTED, 3);
	assert_int_equal(EXIT_USAGE, 64);
	assert_int_equal(EXIT_SOFTWARE, 70);
	assert_int_equal(EXIT_CONFIG, 78);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
