/*
 * results.c - the agent's lines decoded into a host, and held against the
 * job; see results.h.
 *
 * "Every task sent gets exactly one result" is checked here, once per host,
 * so that a result the agent could not send can never leave a host looking
 * ok.
 */
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "proto.h"
#include "banned.h"

/* Index of the job's task named name, trying hint first; -1 if none. */
static long task_index(const struct proto_job *job, const char *name, size_t hint)
{
	if (hint < job->n_tasks && strcmp(job->tasks[hint].name, name) == 0)
		return (long)hint;
	for (size_t i = 0; i < job->n_tasks; i++) {
		if (strcmp(job->tasks[i].name, name) == 0)
			return (long)i;
	}
	return -1;
}

/*
 * Holds h's results and summary against job: each task exactly one result,
 * of its check; the summary's tasks and counts agree with them.  Returns
 * RONDA_EPROTO with why written on the first disagreement.
 */
static int account(const struct proto_job *job, const struct patrol_host *h,
		   char *why, size_t whylen)
{
	unsigned char *seen = calloc(job->n_tasks ? job->n_tasks : 1, 1);
	json_int_t tally[VERDICT__COUNT] = { 0 };
	const json_t *counts, *c, *r;
	size_t i, next = 0;
	int v, rc = RONDA_EPROTO;

	if (!seen) {
		snprintf(why, whylen, "out of memory checking the agent's results");
		return RONDA_ENOMEM;
	}
	json_array_foreach(h->results, i, r) {
		const char *task = json_string_value(json_object_get(r, "task"));
		const char *check = json_string_value(json_object_get(r, "check"));
		long k = task_index(job, task, next);

		if (k < 0) {
			snprintf(why, whylen, "agent sent a result for task \"%.60s\", "
				 "which the job does not have", task);
			goto out;
		}
		if (seen[k]) {
			snprintf(why, whylen, "agent sent two results for task \"%.60s\"", task);
			goto out;
		}
		if (strcmp(check, job->tasks[k].check->name)) {
			snprintf(why, whylen, "agent's result for task \"%.60s\" is a %.20s check; "
				 "the job's is a %s check", task, check, job->tasks[k].check->name);
			goto out;
		}
		seen[k] = 1;
		next = (size_t)k + 1;
		/* proto_line_parse has checked the verdict's name */
		proto_verdict_from_name(json_string_value(json_object_get(r, "verdict")), &v);
		tally[v]++;
	}
	/* A stopped agent says so; the tasks after the stop are not missing. */
	for (i = 0; !json_object_get(h->summary, "stopped") && i < job->n_tasks; i++) {
		if (!seen[i]) {
			snprintf(why, whylen, "agent sent no result for task \"%.60s\" "
				 "(%zu of %zu tasks reported)", job->tasks[i].name,
				 json_array_size(h->results), job->n_tasks);
			goto out;
		}
	}
	c = json_object_get(h->summary, "tasks");
	if (!json_is_integer(c) || json_integer_value(c) != (json_int_t)job->n_tasks) {
		snprintf(why, whylen, "agent's summary says %lld task(s); the job has %zu",
			 json_is_integer(c) ? (long long)json_integer_value(c) : -1LL, job->n_tasks);
		goto out;
	}
	counts = json_object_get(h->summary, "counts");
	for (v = 0; v < VERDICT__COUNT; v++) {
		c = json_object_get(counts, proto_verdict_name(v));
		if (!json_is_integer(c)) {
			snprintf(why, whylen, "agent's summary has no whole-number count of %s",
				 proto_verdict_name(v));
			goto out;
		}
		if (json_integer_value(c) != tally[v]) {
			snprintf(why, whylen, "agent's summary counts %lld %s, but %lld %s "
				 "result(s) came", (long long)json_integer_value(c),
				 proto_verdict_name(v), (long long)tally[v], proto_verdict_name(v));
			goto out;
		}
	}
	rc = RONDA_OK;
out:
	free(seen);
	return rc;
}

void push_parse_agent(const char *out, size_t n, const struct proto_job *job,
		      struct patrol_host *h, char *why, size_t whylen)
{
	const char *p = out, *end = out + n;
	struct buf err;
	size_t lineno = 0;

	buf_init(&err, 1024);
	if (!h->results)
		h->results = json_array();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *obj = NULL;
		const char *type = NULL;

		lineno++;
		if (!nl) {
			snprintf(why, whylen, "agent output cut off mid-line: %.*s",
				 (int)(len > 60 ? 60 : len), p);
			h->agent_error = why;
			break;
		}
		if (h->summary) {
			snprintf(why, whylen, "agent line %zu comes after its summary", lineno);
			h->agent_error = why;
			break;
		}
		buf_reset(&err);
		if (proto_line_parse(p, len, &obj, &type, &err) != RONDA_OK) {
			snprintf(why, whylen, "malformed agent line %zu: %s", lineno, buf_data(&err));
			h->agent_error = why;
			break;
		}
		if (strcmp(type, "facts") == 0 && !h->facts) {
			h->facts = obj;
		} else if (strcmp(type, "result") == 0) {
			json_array_append_new(h->results, obj);
		} else if (strcmp(type, "summary") == 0) {
			h->summary = obj;
		} else if (strcmp(type, "error") == 0) {
			json_t *e = json_object_get(obj, "error");

			snprintf(why, whylen, "agent refused the job: %s",
				 json_is_string(e) ? json_string_value(e) : "(no reason given)");
			h->agent_error = why;
			json_decref(obj);
			break;
		} else {
			snprintf(why, whylen, "unexpected agent line %zu (%s)", lineno, type);
			h->agent_error = why;
			json_decref(obj);
			break;
		}
		p = nl + 1;
	}
	if (!h->agent_error && !h->summary) {
		snprintf(why, whylen, "agent stopped before its summary (%zu result line(s))",
			 json_array_size(h->results));
		h->agent_error = why;
	}
	if (!h->agent_error && job && account(job, h, why, whylen) != RONDA_OK)
		h->agent_error = why;
	buf_release(&err);
}
