/*
 * results.h - what one host's agent sent back, decoded and held against the
 * job it was sent (common/PROTOCOL.md).
 */
#ifndef RONDA_RESULTS_H
#define RONDA_RESULTS_H

#include <stddef.h>

#include <jansson.h>

#include "ssh/engine.h"
#include "proto.h"

/* What one host sent back. */
struct patrol_host {
	const struct host_result *conn;	/* connection status and timings */
	json_t *facts;			/* the agent's facts line, or NULL */
	json_t *results;		/* array of result lines, in task order */
	json_t *summary;		/* the summary line, or NULL */
	const char *agent_error;	/* the agent's error line, or why the
					   agent could not run; NULL if fine */
	size_t uploaded;		/* agent bytes sent to this host */
};

/*
 * Parses the agent's lines in out into h and holds them against job (the
 * job sent; NULL: lines only).  Never fails on bad input: a bad line, a task
 * without a result, a result for no task or a second one, a summary that is
 * missing or whose counts disagree with the results: each becomes
 * h->agent_error, written to why, naming the task or the count.
 */
void push_parse_agent(const char *out, size_t n, const struct proto_job *job,
		      struct patrol_host *h, char *why, size_t whylen);

#endif
