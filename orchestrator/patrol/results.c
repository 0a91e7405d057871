/*
 * results.c - the agent's lines decoded into a host, and held against the
 * job; see results.h.
 *
 * Each line is decoded once, here: its verdict becomes an enum, its task,
 * check and message typed fields; the line itself is kept only so that the
 * JSON outputs can pass on every key the agent wrote, in its order.
 *
 * "Every task sent gets exactly one result" is checked here, once per host,
 * so that a result the agent could not send can never leave a host looking
 * ok.
 */
#include "results.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "proto.h"
#include "grow.h"
#include "banned.h"

/* When even the copy of an agent error fails: the host still is one. */
static char oom_error[] = "out of memory decoding the agent's lines";

void patrol_host_release(struct patrol_host *h)
{
	json_decref(h->facts);
	for (size_t i = 0; i < h->n_results; i++)
		json_decref(h->results[i].line);
	free(h->results);
	if (h->summary)
		json_decref(h->summary->line);
	free(h->summary);
	if (h->agent_error != oom_error)
		free(h->agent_error);
	memset(h, 0, sizeof(*h));
}

int patrol_host_set_error(struct patrol_host *h, const char *msg)
{
	char *copy = strdup(msg);

	if (h->agent_error != oom_error)
		free(h->agent_error);
	h->agent_error = copy ? copy : oom_error;
	return copy ? RONDA_OK : RONDA_ENOMEM;
}

static int add_result(struct patrol_host *h, json_t *obj)
{
	int v = VERDICT_ERROR;

	if (GROW(h->results, h->n_results, h->alloc_results, 16))
		return RONDA_ENOMEM;
	/* proto_line_parse has checked that these are there and of their types */
	proto_verdict_from_name(json_string_value(json_object_get(obj, "verdict")), &v);
	h->results[h->n_results++] = (struct patrol_result){
		.task = json_string_value(json_object_get(obj, "task")),
		.check = json_string_value(json_object_get(obj, "check")),
		.message = json_string_value(json_object_get(obj, "message")),
		.verdict = (enum proto_verdict)v,
		.values = json_object_get(obj, "values"),
		.ms = json_number_value(json_object_get(obj, "ms")),
		.line = obj,
	};
	return RONDA_OK;
}

static int add_summary(struct patrol_host *h, json_t *obj)
{
	struct patrol_summary *s = calloc(1, sizeof(*s));

	if (!s)
		return RONDA_ENOMEM;
	s->stopped = json_object_get(obj, "stopped") != NULL;
	s->stopped_why = json_string_value(json_object_get(obj, "stopped"));
	s->line = obj;
	h->summary = s;
	return RONDA_OK;
}

int patrol_host_add_line(struct patrol_host *h, const char *type, json_t *obj)
{
	int r = RONDA_EINVAL;

	if (strcmp(type, "facts") == 0 && !h->facts) {
		h->facts = obj;
		return RONDA_OK;
	}
	if (strcmp(type, "result") == 0)
		r = add_result(h, obj);
	else if (strcmp(type, "summary") == 0 && !h->summary)
		r = add_summary(h, obj);
	if (r != RONDA_OK)
		json_decref(obj);
	return r;
}

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
	const json_t *counts, *c;
	size_t i, next = 0;
	int v, rc = RONDA_EPROTO;

	if (!seen) {
		snprintf(why, whylen, "out of memory checking the agent's results");
		return RONDA_ENOMEM;
	}
	for (i = 0; i < h->n_results; i++) {
		const char *task = h->results[i].task, *check = h->results[i].check;
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
		tally[h->results[i].verdict]++;
	}
	/* A stopped agent says so; the tasks after the stop are not missing. */
	for (i = 0; !h->summary->stopped && i < job->n_tasks; i++) {
		if (!seen[i]) {
			snprintf(why, whylen, "agent sent no result for task \"%.60s\" "
				 "(%zu of %zu tasks reported)", job->tasks[i].name,
				 h->n_results, job->n_tasks);
			goto out;
		}
	}
	c = json_object_get(h->summary->line, "tasks");
	if (!json_is_integer(c) || json_integer_value(c) != (json_int_t)job->n_tasks) {
		snprintf(why, whylen, "agent's summary says %lld task(s); the job has %zu",
			 json_is_integer(c) ? (long long)json_integer_value(c) : -1LL, job->n_tasks);
		goto out;
	}
	counts = json_object_get(h->summary->line, "counts");
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

/* The first error ends decoding; it is the host's agent error. */
static void fail(struct results_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct results_parser *p, const char *fmt, ...)
{
	char why[RESULTS_WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, p->why_max < sizeof(why) ? p->why_max : sizeof(why), fmt, ap);
	va_end(ap);
	patrol_host_set_error(p->h, why);
	p->stopped = 1;
}

void results_init(struct results_parser *p, struct patrol_host *h,
		  const struct proto_job *job)
{
	memset(p, 0, sizeof(*p));
	p->h = h;
	p->job = job;
	p->why_max = RESULTS_WHY_MAX;
	p->line_max = PROTO_LINE_MAX;
	buf_init(&p->partial, PROTO_LINE_MAX);
}

void results_release(struct results_parser *p)
{
	buf_release(&p->partial);
}

size_t results_held(const struct results_parser *p)
{
	return p->partial.alloc;
}

/* One complete line, without its newline. */
static void line(struct results_parser *p, const char *s, size_t len)
{
	struct patrol_host *h = p->h;
	struct buf err;
	json_t *obj = NULL;
	const char *type = NULL;

	p->lineno++;
	if (h->summary) {
		fail(p, "agent line %zu comes after its summary", p->lineno);
		return;
	}
	buf_init(&err, 1024);
	if (proto_line_parse(s, len, &obj, &type, &err) != RONDA_OK) {
		fail(p, "malformed agent line %zu: %s", p->lineno, buf_data(&err));
	} else if (strcmp(type, "error") == 0) {
		json_t *e = json_object_get(obj, "error");

		fail(p, "agent refused the job: %s",
		     json_is_string(e) ? json_string_value(e) : "(no reason given)");
		json_decref(obj);
	} else if (strcmp(type, "facts") == 0 && h->facts) {
		fail(p, "unexpected agent line %zu (%s)", p->lineno, type);
		json_decref(obj);
	} else if (strcmp(type, "facts") && strcmp(type, "result") && strcmp(type, "summary")) {
		fail(p, "unexpected agent line %zu (%s)", p->lineno, type);
		json_decref(obj);
	} else if (strcmp(type, "result") == 0 && p->job && h->n_results > p->job->n_tasks) {
		/*
		 * More results than tasks: the accounting will fail within the
		 * first n_tasks + 1 (a duplicate or a stranger), with the same
		 * words whatever follows, so the rest are checked but not kept:
		 * a flooding agent cannot grow the host without bound.
		 */
		p->dropped++;
		json_decref(obj);
	} else if (patrol_host_add_line(h, type, obj) != RONDA_OK) {
		fail(p, "out of memory decoding agent line %zu", p->lineno);
	}
	buf_release(&err);
}

static void too_long(struct results_parser *p)
{
	fail(p, "agent line %zu is longer than the protocol's limit of %zu bytes",
	     p->lineno + 1, p->line_max);
	buf_release(&p->partial);
}

void results_feed(struct results_parser *p, const char *data, size_t n)
{
	const char *s = data, *end = data + n;

	while (s < end && !p->stopped) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);

		/* the newline counts against the limit */
		if (len >= p->line_max - buf_len(&p->partial)) {
			too_long(p);
			return;
		}
		if (nl && !buf_len(&p->partial)) {
			line(p, s, len);	/* came whole: decoded where it lies */
		} else {
			if (buf_append(&p->partial, s, len) != RONDA_OK) {
				fail(p, "out of memory for agent line %zu", p->lineno + 1);
				return;
			}
			if (!nl)
				return;
			line(p, buf_data(&p->partial), buf_len(&p->partial));
			/* memory for one long line is not kept for the next ones */
			buf_release(&p->partial);
			buf_init(&p->partial, PROTO_LINE_MAX);
		}
		s = nl + 1;
	}
}

void results_finish(struct results_parser *p)
{
	struct patrol_host *h = p->h;
	char why[RESULTS_WHY_MAX];
	size_t len = buf_len(&p->partial);

	if (!p->stopped && len)
		fail(p, "agent output cut off mid-line: %.*s", (int)(len > 60 ? 60 : len),
		     buf_data(&p->partial));
	if (!h->agent_error && !h->summary)
		fail(p, "agent stopped before its summary (%zu result line(s))",
		     h->n_results + p->dropped);
	if (!h->agent_error && p->job &&
	    account(p->job, h, why, p->why_max < sizeof(why) ? p->why_max : sizeof(why)) != RONDA_OK)
		patrol_host_set_error(h, why);
	p->stopped = 1;
}

void push_parse_agent(const char *out, size_t n, const struct proto_job *job,
		      struct patrol_host *h, char *why, size_t whylen)
{
	struct results_parser p;

	results_init(&p, h, job);
	if (whylen < p.why_max)
		p.why_max = whylen;
	results_feed(&p, out, n);
	results_finish(&p);
	results_release(&p);
	if (h->agent_error && whylen)
		snprintf(why, whylen, "%s", h->agent_error);
}
