/*
 * results.h - what one host's agent sent back, decoded once, at the edge,
 * into typed structs, and held against the job it was sent
 * (common/PROTOCOL.md).  Every later stage (summary, JSON Lines, HTML,
 * Prometheus, --out) reads these structs; none parses a verdict again.
 *
 * Decoding is incremental, so that output can be fed as it arrives:
 *
 *   struct results_parser p;
 *   results_init(&p, host, job);        job: the job sent (NULL: lines only)
 *   results_feed(&p, data, n);          any number of times, any split
 *   results_finish(&p);                 the accounting; host->agent_error
 *   results_release(&p);
 *
 * Complete lines are decoded from the data fed, without a copy; only the
 * current partial line is kept, and a line longer than PROTO_LINE_MAX
 * becomes an agent error.  The first error stops decoding: the rest of the
 * output is ignored, as nothing in it can be trusted.  Held against a job,
 * a host keeps at most one result more than the job has tasks (that one
 * already breaks the accounting), so memory per host is bounded by the
 * job, whatever the agent sends.
 */
#ifndef RONDA_RESULTS_H
#define RONDA_RESULTS_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "ssh/engine.h"
#include "proto.h"

/* Longest agent error kept, terminator included (as host_result's why). */
#define RESULTS_WHY_MAX 256

/* One task's result line. */
struct patrol_result {
	const char *task, *check, *message;	/* in line */
	enum proto_verdict verdict;
	const json_t *values;			/* an object, in line */
	double ms;
	json_t *line;		/* the line as sent: the JSON outputs pass its
				   keys on, in the order the agent wrote them */
};

/* The summary line. */
struct patrol_summary {
	int stopped;		/* the agent says it was stopped */
	const char *stopped_why;	/* "TERM", "stdin closed"; NULL if not a string */
	json_t *line;		/* as sent (counts, agent, ms, sandbox) */
};

/* What one host sent back. */
struct patrol_host {
	const struct host_result *conn;	/* connection status and timings */
	json_t *facts;			/* the agent's facts line, or NULL */
	struct patrol_result *results;	/* in the order they came */
	size_t n_results, alloc_results;
	struct patrol_summary *summary;	/* NULL if none came */
	char *agent_error;		/* owned: the agent's error line, or why
					   the agent could not run; NULL if fine */
	size_t uploaded;		/* agent bytes sent to this host */
};

/* Frees what h owns (not conn) and zeroes it. */
void patrol_host_release(struct patrol_host *h);
/* Replaces h's agent error with a copy of msg.  RONDA_ENOMEM. */
int patrol_host_set_error(struct patrol_host *h, const char *msg);

/*
 * Decodes one line already checked by proto_line_parse, of type "facts",
 * "result" or "summary", into h; takes obj (freed on failure too).
 * RONDA_EINVAL for another type, RONDA_ENOMEM.
 */
int patrol_host_add_line(struct patrol_host *h, const char *type, json_t *obj);

struct results_parser {
	struct patrol_host *h;
	const struct proto_job *job;
	struct buf partial;	/* the line being received, without its newline */
	size_t lineno;
	size_t why_max;		/* agent errors are cut to why_max - 1 bytes */
	size_t line_max;	/* longest line, newline included (at most
				   PROTO_LINE_MAX, the default) */
	int stopped;		/* an error ended decoding */
	size_t dropped;		/* result lines checked but not kept */
};

void results_init(struct results_parser *p, struct patrol_host *h,
		  const struct proto_job *job);
/* Decodes every line that data completes.  Never fails on bad input. */
void results_feed(struct results_parser *p, const char *data, size_t n);
/*
 * The end of the output: a cut-off line, a missing summary, or results and
 * a summary that disagree with the job (a task without a result, a result
 * for no task or a second one, counts that differ) become h->agent_error,
 * naming the task or the count.
 */
void results_finish(struct results_parser *p);
void results_release(struct results_parser *p);
/* Bytes the parser holds for a partial line (memory, not content). */
size_t results_held(const struct results_parser *p);

/*
 * The whole output at once (init, feed, finish); the agent error, if any,
 * is also written to why.
 */
void push_parse_agent(const char *out, size_t n, const struct proto_job *job,
		      struct patrol_host *h, char *why, size_t whylen);

#endif
