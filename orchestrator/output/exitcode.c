/*
 * exitcode.c - see exitcode.h.
 */
#include "exitcode.h"

#include "ssh/engine.h"
#include "verdict.h"
#include "banned.h"

/* The run's code so far and one more host's: the worse wins. */
static int worse(int code, int host)
{
	return host > code ? host : code;
}

/*
 * Any other status: the host was not reached, refused us or errored (or
 * the agent could not run there).
 */
static int status_code(enum host_status s)
{
	/* not started: the failures that stopped the run already say more */
	return s == RESULT_OK ? EXIT_OK :
	       s == RESULT_FAILED || s == RESULT_NOT_STARTED ? EXIT_FAILED :
	       s == RESULT_INTERRUPTED ? EXIT_INTERRUPTED : EXIT_UNREACHABLE;
}

static int verdict_code(enum patrol_verdict v)
{
	switch (v) {
	case PV_OK:
		return EXIT_OK;
	case PV_WARN:
	case PV_FAIL:
		return EXIT_FAILED;
	case PV_ERROR:
	case PV_UNREACHABLE:
		break;
	}
	return EXIT_UNREACHABLE;
}

int report_exit_code(const struct host_result *res, size_t n, int interrupted)
{
	int code = interrupted ? EXIT_INTERRUPTED : EXIT_OK;

	for (size_t i = 0; i < n; i++)
		code = worse(code, status_code(res[i].status));
	return code;
}

int patrol_exit_code(const struct patrol_host *hosts, size_t n)
{
	int code = EXIT_OK;

	for (size_t i = 0; i < n; i++)
		code = worse(code, hosts[i].conn && hosts[i].conn->status == RESULT_NOT_STARTED ?
				   EXIT_FAILED : verdict_code(patrol_host_verdict(&hosts[i])));
	return code;
}
