/*
 * verdict.c - see verdict.h.
 */
#include "verdict.h"

#include <string.h>

#include "err.h"
#include "banned.h"

static const char *const pv_names[] = {
	[PV_OK] = "ok", [PV_WARN] = "warn", [PV_FAIL] = "fail",
	[PV_ERROR] = "error", [PV_UNREACHABLE] = "unreachable",
};

const char *patrol_verdict_name(enum patrol_verdict v)
{
	return (unsigned)v <= PV_UNREACHABLE ? pv_names[v] : "error";
}

int patrol_verdict_from_name(const char *name, enum patrol_verdict *v)
{
	for (unsigned i = 0; i <= PV_UNREACHABLE; i++) {
		if (strcmp(name, pv_names[i]) == 0) {
			*v = (enum patrol_verdict)i;
			return RONDA_OK;
		}
	}
	return RONDA_EINVAL;
}

/* The engine gave up before the agent could run: nothing came back. */
static int conn_failed(const struct host_result *c)
{
	switch (c->status) {
	case RESULT_UNREACHABLE:
	case RESULT_TIMEOUT:
	case RESULT_HOSTKEY_CHANGED:
	case RESULT_HOSTKEY_UNKNOWN:
	case RESULT_AUTH:
	case RESULT_PROTOCOL:
		return 1;
	case RESULT_OK:
	case RESULT_FAILED:
	case RESULT_ERROR:
	case RESULT_INTERRUPTED:
	case RESULT_BECOME:	/* reached, but the agent could not run */
	case RESULT_DEPLOY:
	case RESULT_UNSUPPORTED:
	case RESULT_AGENT:
	case RESULT_NOT_STARTED:
	case RESULT_COUNT:
		break;
	}
	return 0;
}

/*
 * Unreachable: never got as far as the agent.  Error: the agent refused
 * the job, could not run, stopped early or was cut off (no summary line).
 * Otherwise the worst task verdict; a task `error` (it could not measure)
 * counts as fail for the host, since the patrol itself went through.
 */
enum patrol_verdict patrol_host_verdict(const struct patrol_host *h)
{
	enum patrol_verdict worst = PV_OK;

	if (h->agent_error)
		return PV_ERROR;
	if (!h->summary) {
		if (!h->facts && h->n_results == 0 &&
		    (!h->conn || conn_failed(h->conn)))
			return PV_UNREACHABLE;
		return PV_ERROR;
	}
	if (h->summary->stopped)
		return PV_ERROR;
	for (size_t i = 0; i < h->n_results; i++) {
		enum proto_verdict v = h->results[i].verdict;

		if (v == VERDICT_FAIL || v == VERDICT_ERROR)
			worst = PV_FAIL;
		else if (v == VERDICT_WARN && worst < PV_WARN)
			worst = PV_WARN;
	}
	return worst;
}

static const char *host_why(const struct patrol_host *h, enum patrol_verdict v)
{
	if (v != PV_ERROR && v != PV_UNREACHABLE)
		return "";
	if (h->agent_error)
		return h->agent_error;
	if (h->summary && h->summary->stopped_why)
		return "the agent was stopped";
	if (h->conn && h->conn->why[0])
		return h->conn->why;
	if (h->conn && h->conn->status != RESULT_OK && h->conn->status != RESULT_FAILED)
		return host_status_name(h->conn->status);
	return "the agent's output ended without a summary (cut short)";
}

const char *patrol_host_why(const struct patrol_host *h)
{
	return host_why(h, patrol_host_verdict(h));
}
