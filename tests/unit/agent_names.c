/*
 * agent_names.c - the agent's signal and errno tables (names.c) give what
 * glibc's sigabbrev_np and strerrorname_np give, for every number: the
 * unit tests link glibc, the pushed agent musl, which has neither.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "names.h"
#include "banned.h"

static void test_signals_as_glibc(void **state)
{
	(void)state;
	/* glibc's two reserved signals and the real-time ones have none */
	for (int s = 1; s <= SIGRTMAX; s++) {
		if (!sigabbrev_np(s)) {
			assert_null(sig_abbrev(s));
			continue;
		}
		assert_non_null(sig_abbrev(s));
		assert_string_equal(sig_abbrev(s), sigabbrev_np(s));
	}
	assert_string_equal(sig_abbrev(SIGTERM), "TERM");
	assert_null(sig_abbrev(0));
	assert_null(sig_abbrev(-1));
	assert_string_equal(sig_abbrev(SIGPOLL), "POLL");
}

static void test_errnos_as_glibc(void **state)
{
	int named = 0;

	(void)state;
	for (int e = 1; e < 4096; e++) {
		const char *g = strerrorname_np(e);

		if (!g) {
			assert_null(errno_name(e));
			continue;
		}
		assert_non_null(errno_name(e));
		assert_string_equal(errno_name(e), g);
		named++;
	}
	assert_true(named > 120);
	assert_string_equal(errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_null(errno_name(0));
	assert_null(errno_name(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signals_as_glibc),
		cmocka_unit_test(test_errnos_as_glibc),
	};

	return cmocka_run_group_tests_name("agent_names", tests, NULL, NULL);
}
