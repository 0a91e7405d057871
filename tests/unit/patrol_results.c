/*
 * patrol_results.c - the agent's lines decoded (results_feed, in any pieces,
 * bounded per line) and held against the job (push_parse_agent):
 * every task exactly one result, a summary whose counts agree, and hostile
 * or malformed lines; each disagreement makes the host an agent error and
 * the run exit 2, never a silent ok.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "patrol/results.h"
#include "proto.h"
#include "patrol/deploy.h"
#include "output/exitcode.h"
#include "output/verdict.h"
#include "patrol_fixture.h"
#include "banned.h"

static const char job_text[] =
	"{\"ronda\":1,\"tasks\":[{\"name\":\"disk /var\",\"check\":\"disk\",\"path\":\"/var\"},"
	"{\"check\":\"load\"}]}";

#define SUM(ok, warn, fail, error, skipped, tasks, extra) \
	"{\"ronda\":1,\"type\":\"summary\",\"counts\":{\"ok\":" #ok ",\"warn\":" #warn \
	",\"fail\":" #fail ",\"error\":" #error ",\"skipped\":" #skipped "},\"tasks\":" #tasks \
	",\"ms\":3.5,\"agent\":\"0.1.0\"" extra "}\n"
#define R_DISK(verdict) RES("disk /var", "disk", verdict, "m", "{}")
#define R_LOAD(verdict) RES("load", "load", verdict, "m", "{}")

struct run {
	struct proto_job job;
	struct patrol_host h;
	struct host_result conn;
	char why[256];
};

/* An empty host of a reachable connection, and the job. */
static void run_init(struct run *x)
{
	struct buf err;

	memset(x, 0, sizeof(*x));
	buf_init(&err, 1024);
	assert_int_equal(proto_job_parse(job_text, strlen(job_text), &x->job, &err), RONDA_OK);
	buf_release(&err);
	x->conn.status = RESULT_OK;
	x->h.conn = &x->conn;
}

/* Parses lines[0..n) against the job (NULL: no job) into x. */
static void parse_n(struct run *x, int with_job, const char *lines, size_t n)
{
	run_init(x);
	push_parse_agent(lines, n, with_job ? &x->job : NULL, &x->h, x->why, sizeof(x->why));
}

static void parse(struct run *x, const char *lines)
{
	parse_n(x, 1, lines, strlen(lines));
}

static void release(struct run *x)
{
	patrol_host_release(&x->h);
	proto_job_release(&x->job);
}

/* The host is an agent error whose message holds want, and exits 2. */
static void agent_error(const char *lines, size_t n, const char *want)
{
	struct run x;

	parse_n(&x, 1, lines, n);
	if (!x.h.agent_error)
		fail_msg("no agent error for: %.*s", (int)(n > 300 ? 300 : n), lines);
	if (!strstr(x.h.agent_error, want))
		fail_msg("agent error \"%s\" lacks \"%s\"", x.h.agent_error, want);
	assert_int_equal(patrol_host_verdict(&x.h), PV_ERROR);
	assert_int_equal(patrol_exit_code(&x.h, 1), 2);
	release(&x);
}
#define AGENT_ERROR(lines, want) agent_error(lines, sizeof(lines) - 1, want)

static void test_every_task_once(void **state)
{
	struct run x;

	(void)state;
	parse(&x, FACTS R_DISK("ok") R_LOAD("warn") SUM(1, 1, 0, 0, 0, 2, ""));
	assert_null(x.h.agent_error);
	assert_int_equal(patrol_host_verdict(&x.h), PV_WARN);
	assert_int_equal(patrol_exit_code(&x.h, 1), 1);
	release(&x);
	/* The failed check of the issue, reported: the host fails, exit 1. */
	parse(&x, FACTS R_DISK("ok") R_LOAD("error") SUM(1, 0, 0, 1, 0, 2, ""));
	assert_null(x.h.agent_error);
	assert_int_equal(patrol_host_verdict(&x.h), PV_FAIL);
	assert_int_equal(patrol_exit_code(&x.h, 1), 1);
	release(&x);
}

static void test_missing(void **state)
{
	(void)state;
	/* The agent dropped the failing result and counted it: issue 10. */
	AGENT_ERROR(FACTS R_DISK("ok") SUM(1, 0, 1, 0, 0, 2, ""),
		    "agent sent no result for task \"load\" (1 of 2 tasks reported)");
	AGENT_ERROR(FACTS R_LOAD("ok") SUM(1, 0, 0, 0, 0, 2, ""),
		    "no result for task \"disk /var\"");
	AGENT_ERROR(FACTS SUM(0, 0, 0, 0, 0, 2, ""), "no result for task \"disk /var\" (0 of 2");
}

static void test_stopped(void **state)
{
	struct run x;

	(void)state;
	/* Stopped after one task: not "missing", but still no ok host. */
	parse(&x, FACTS R_DISK("ok") SUM(1, 0, 0, 0, 0, 2, ",\"stopped\":\"TERM\""));
	assert_null(x.h.agent_error);
	assert_int_equal(patrol_host_verdict(&x.h), PV_ERROR);
	assert_int_equal(patrol_exit_code(&x.h, 1), 2);
	release(&x);
	/* ... and its counts must still agree with what came. */
	AGENT_ERROR(FACTS R_DISK("ok") SUM(2, 0, 0, 0, 0, 2, ",\"stopped\":\"TERM\""),
		    "counts 2 ok, but 1 ok result(s) came");
}

static void test_extra(void **state)
{
	(void)state;
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok") RES("nope", "load", "ok", "m", "{}")
		    SUM(3, 0, 0, 0, 0, 2, ""),
		    "agent sent a result for task \"nope\", which the job does not have");
	AGENT_ERROR(FACTS RES("disk /var", "load", "ok", "m", "{}") R_LOAD("ok")
		    SUM(2, 0, 0, 0, 0, 2, ""),
		    "result for task \"disk /var\" is a load check; the job's is a disk check");
}

static void test_duplicate(void **state)
{
	(void)state;
	AGENT_ERROR(FACTS R_DISK("ok") R_DISK("fail") R_LOAD("ok") SUM(2, 0, 1, 0, 0, 2, ""),
		    "agent sent two results for task \"disk /var\"");
	/* out of order is fine, twice is not */
	AGENT_ERROR(FACTS R_LOAD("ok") R_DISK("ok") R_LOAD("ok") SUM(3, 0, 0, 0, 0, 2, ""),
		    "two results for task \"load\"");
}

static void test_counts(void **state)
{
	struct run x;

	(void)state;
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("fail") SUM(2, 0, 0, 0, 0, 2, ""),
		    "agent's summary counts 2 ok, but 1 ok result(s) came");
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("fail") SUM(1, 0, 0, 1, 0, 2, ""),
		    "counts 0 fail, but 1 fail result(s) came");
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok") SUM(2, 0, 0, 0, 0, 3, ""),
		    "agent's summary says 3 task(s); the job has 2");
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok")
		    "{\"ronda\":1,\"type\":\"summary\",\"counts\":{\"ok\":2},\"tasks\":2}\n",
		    "agent's summary has no whole-number count of warn");
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok")
		    "{\"ronda\":1,\"type\":\"summary\",\"counts\":{\"ok\":\"2\",\"warn\":0,"
		    "\"fail\":0,\"error\":0,\"skipped\":0},\"tasks\":2}\n",
		    "no whole-number count of ok");
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok") "{\"ronda\":1,\"type\":\"summary\",\"tasks\":2}\n",
		    "no whole-number count of ok");
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok") SUM(2, 0, 0, 0, 0, 2.0, ""),
		    "summary says -1 task(s)");
	/* Without a job only the lines are checked (the accounting needs one). */
	parse_n(&x, 0, FACTS R_DISK("ok") SUM(5, 0, 0, 0, 0, 9, ""),
		strlen(FACTS R_DISK("ok") SUM(5, 0, 0, 0, 0, 9, "")));
	assert_null(x.h.agent_error);
	release(&x);
}

static void test_summary_lines(void **state)
{
	(void)state;
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok"), "agent stopped before its summary (2 result line(s))");
	AGENT_ERROR("", "agent stopped before its summary (0 result line(s))");
	AGENT_ERROR(FACTS R_DISK("ok") SUM(1, 0, 0, 0, 0, 2, "") R_LOAD("ok"),
		    "agent line 4 comes after its summary");
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok") SUM(2, 0, 0, 0, 0, 2, "") SUM(2, 0, 0, 0, 0, 2, ""),
		    "agent line 5 comes after its summary");
	AGENT_ERROR(FACTS FACTS R_DISK("ok") R_LOAD("ok") SUM(2, 0, 0, 0, 0, 2, ""),
		    "unexpected agent line 2 (facts)");
}

static void test_hostile_lines(void **state)
{
	static const char nul[] = FACTS "{\"ronda\":1,\"type\":\"re\0sult\"}\n" SUM(0, 0, 0, 0, 0, 2, "");
	struct buf big;
	struct run x;

	(void)state;
	AGENT_ERROR(FACTS "not json\n" SUM(0, 0, 0, 0, 0, 2, ""), "malformed agent line 2");
	AGENT_ERROR(FACTS "[1,2]\n", "malformed agent line 2: agent line is not a JSON object");
	AGENT_ERROR("{\"ronda\":2,\"type\":\"facts\"}\n", "protocol version 2");
	AGENT_ERROR(FACTS "{\"ronda\":1,\"type\":\"result\",\"task\":\"load\"}\n", "lacks task, check");
	AGENT_ERROR(FACTS RES("load", "load", "bogus", "m", "{}"), "malformed agent line 2");
	AGENT_ERROR(FACTS "{\"ronda\":1,\"type\":\"gossip\"}\n", "unknown type \"gossip\"");
	/* invalid UTF-8 inside the line: jansson refuses it */
	AGENT_ERROR(FACTS RES("load", "load", "ok", "ab\xff" "cd", "{}"), "malformed agent line 2");
	AGENT_ERROR(FACTS "{\"ronda\":1,\"ronda\":1,\"type\":\"facts\"}\n", "malformed agent line 2");
	agent_error(nul, sizeof(nul) - 1, "malformed agent line 2");
	AGENT_ERROR(FACTS R_DISK("ok") "{\"ronda\":1,\"type\":\"res", "agent output cut off mid-line");
	AGENT_ERROR(FACTS R_DISK("ok") R_LOAD("ok")
		    "{\"ronda\":1,\"type\":\"error\",\"code\":\"internal\",\"error\":\"boom\"}\n",
		    "agent refused the job: boom");
	/* A task name of 100 KiB: the message is cut, nothing overflows. */
	buf_init(&big, 1 << 20);
	assert_int_equal(buf_puts(&big, FACTS "{\"ronda\":1,\"type\":\"result\",\"task\":\""), RONDA_OK);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(buf_putc(&big, 'x'), RONDA_OK);
	assert_int_equal(buf_puts(&big, "\",\"check\":\"load\",\"verdict\":\"ok\",\"message\":\"\","
				  "\"values\":{},\"ms\":1}\n" SUM(1, 0, 0, 0, 0, 2, "")), RONDA_OK);
	parse_n(&x, 1, buf_data(&big), buf_len(&big));
	assert_non_null(x.h.agent_error);
	assert_non_null(strstr(x.h.agent_error, "\"xxxxxxxxxx"));
	assert_true(strlen(x.h.agent_error) < sizeof(x.why));
	release(&x);
	buf_release(&big);
}

/* A host's raw output goes once its lines are parsed: memory per host. */
static void test_raw_output_released(void **state)
{
	static const char out[] = "an rc file said hello\n\036RONDA run\n" FACTS R_DISK("ok") R_LOAD("ok") SUM(2, 0, 0, 0, 0, 2, "");
	struct agent_set agents = { .n = 1 };
	struct target t = { .name = (char *)(uintptr_t)"h", .port = 22 };
	struct patrol_plan plan;
	struct patrol_host h;
	struct host_result r;
	struct engine_step next;
	struct push_ctx pc;
	json_error_t je;

	(void)state;
	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	memset(&next, 0, sizeof(next));
	agents.v[0].data = (char *)(uintptr_t)"\177ELF";
	agents.v[0].len = 4;
	agents.v[0].arch = "x86_64";
	memset(agents.v[0].sha256, 'a', 64);
	patrol_plan_init(&plan);
	plan.tasks = json_loads("[{\"name\":\"disk /var\",\"check\":\"disk\",\"path\":\"/var\"},"
				"{\"check\":\"load\"}]", 0, &je);
	assert_non_null(plan.tasks);
	assert_int_equal(push_ctx_init(&pc, &agents, &plan, NULL, 1, &h, NULL), RONDA_OK);
	/* authenticated: the bootstrap is the first step */
	assert_int_equal(push_plan(&pc, 0, &t, &r, 0, &next), 1);
	buf_init(&r.out, 1 << 20);
	buf_init(&r.err, 1 << 20);
	/* stdout streams to the step's consumer, as the engine hands it over */
	assert_non_null(next.on_stdout);
	assert_int_equal(next.on_stdout(next.on_stdout_arg, 0, out, strlen(out)), RONDA_OK);
	assert_int_equal(buf_puts(&r.err, "agent: a diagnostic\n"), RONDA_OK);
	assert_int_equal(push_plan(&pc, 0, &t, &r, 1, &next), 0);
	assert_int_equal(r.status, RESULT_OK);
	assert_null(h.agent_error);
	assert_int_equal(h.n_results, 2);
	assert_null(r.out.mem);
	assert_null(r.err.mem);
	/* the job's tasks are what the results were held against */
	assert_int_equal(pc.expect.n_tasks, 2);
	assert_string_equal(pc.expect.tasks[1].name, "load");
	patrol_host_release(&h);
	host_result_release(&r);
	push_ctx_release(&pc);
	patrol_plan_release(&plan);
}

/* The host decoded from out fed in the pieces cut at cuts[0..n). */
static void feed_cut(struct run *x, const char *out, size_t len, const size_t *cuts, size_t n)
{
	struct results_parser p;
	size_t from = 0;

	run_init(x);
	results_init(&p, &x->h, &x->job);
	for (size_t i = 0; i <= n; i++) {
		size_t to = i < n ? cuts[i] : len;

		results_feed(&p, out + from, to - from);
		from = to;
	}
	results_finish(&p);
	results_release(&p);
}

static void same_host(const struct patrol_host *a, const struct patrol_host *b)
{
	if (a->agent_error || b->agent_error) {
		assert_non_null(a->agent_error);
		assert_non_null(b->agent_error);
		assert_string_equal(a->agent_error, b->agent_error);
	}
	assert_int_equal(a->n_results, b->n_results);
	for (size_t i = 0; i < a->n_results; i++) {
		assert_string_equal(a->results[i].task, b->results[i].task);
		assert_int_equal(a->results[i].verdict, b->results[i].verdict);
		assert_true(json_equal(a->results[i].line, b->results[i].line));
	}
	assert_true(!a->facts == !b->facts);
	assert_true(!a->facts || json_equal(a->facts, b->facts));
	assert_true(!a->summary == !b->summary);
	assert_true(!a->summary || json_equal(a->summary->line, b->summary->line));
}

/* Lines split at any byte give what the whole output gives, errors included. */
static void test_feed_any_split(void **state)
{
	static const char *const outs[] = {
		FACTS R_DISK("fail") R_LOAD("warn") SUM(0, 1, 1, 0, 0, 2, ""),
		FACTS R_DISK("ok") R_DISK("ok") SUM(2, 0, 0, 0, 0, 2, ""),
		FACTS R_DISK("ok") "{\"ronda\":1,\"type\":\"res",
		FACTS R_DISK("ok") R_LOAD("ok") SUM(2, 0, 0, 0, 0, 2, "") FACTS,
		FACTS "not json\n" R_LOAD("ok"),
	};
	struct run whole, cut;

	(void)state;
	for (size_t o = 0; o < sizeof(outs) / sizeof(outs[0]); o++) {
		size_t len = strlen(outs[o]), two[2], *bytes = calloc(len, sizeof(*bytes));

		assert_non_null(bytes);
		feed_cut(&whole, outs[o], len, NULL, 0);
		for (size_t k = 0; k <= len; k++) {
			feed_cut(&cut, outs[o], len, &k, 1);
			same_host(&whole.h, &cut.h);
			release(&cut);
			for (size_t j = k; j <= len; j += 7) {
				two[0] = k;
				two[1] = j;
				feed_cut(&cut, outs[o], len, two, 2);
				same_host(&whole.h, &cut.h);
				release(&cut);
			}
		}
		for (size_t k = 0; k < len; k++)
			bytes[k] = k;
		feed_cut(&cut, outs[o], len, bytes, len);	/* one byte at a time */
		same_host(&whole.h, &cut.h);
		release(&cut);
		/* and what push_parse_agent made of it */
		parse(&cut, outs[o]);
		same_host(&whole.h, &cut.h);
		release(&cut);
		release(&whole);
		free(bytes);
	}
}

/* A line longer than the limit is an agent error, whole or in pieces. */
static void test_feed_long_line(void **state)
{
	char line[300];
	struct run x;
	struct results_parser p;

	(void)state;
	memset(line, 'x', sizeof(line));
	for (int pieces = 1; pieces <= 3; pieces++) {
		memset(&x, 0, sizeof(x));
		x.conn.status = RESULT_OK;
		x.h.conn = &x.conn;
		results_init(&p, &x.h, NULL);
		p.line_max = 100;
		results_feed(&p, FACTS, strlen(FACTS));
		for (int i = 0; i < pieces; i++)
			results_feed(&p, line, sizeof(line) / (size_t)pieces);
		results_feed(&p, "\n", 1);
		assert_true(results_held(&p) <= 100);
		results_finish(&p);
		results_release(&p);
		assert_non_null(x.h.agent_error);
		assert_non_null(strstr(x.h.agent_error, "agent line 2 is longer than the protocol's limit of 100 bytes"));
		assert_int_equal(patrol_host_verdict(&x.h), PV_ERROR);
		patrol_host_release(&x.h);
	}
	/* 99 bytes and the newline: at the limit, fine */
	memset(&x, 0, sizeof(x));
	results_init(&p, &x.h, NULL);
	p.line_max = 100;
	line[0] = '\0';
	snprintf(line, sizeof(line), "{\"ronda\":1,\"type\":\"facts\",\"os\":\"%0*d\"}", 99 - 34, 7);
	assert_int_equal(strlen(line), 99);
	results_feed(&p, line, 50);
	results_feed(&p, line + 50, 49);
	results_feed(&p, "\n", 1);
	results_finish(&p);
	results_release(&p);
	assert_non_null(x.h.facts);
	assert_non_null(x.h.agent_error);
	assert_non_null(strstr(x.h.agent_error, "agent stopped before its summary"));
	patrol_host_release(&x.h);
}

/* Complete lines are not kept: memory stays that of one partial line. */
static void test_feed_bounded(void **state)
{
	static const char res[] = RES("load", "load", "ok", "m", "{}");
	struct patrol_host h;
	struct results_parser p;

	(void)state;
	memset(&h, 0, sizeof(h));
	results_init(&p, &h, NULL);
	results_feed(&p, FACTS, strlen(FACTS));
	for (int i = 0; i < 20000; i++) {
		results_feed(&p, res, sizeof(res) - 1);
		assert_int_equal(results_held(&p), 0);
	}
	/* a line in two pieces is held only until its newline */
	results_feed(&p, res, 10);
	assert_true(results_held(&p) >= 10);
	results_feed(&p, res + 10, sizeof(res) - 1 - 10);
	assert_int_equal(results_held(&p), 0);
	results_finish(&p);
	results_release(&p);
	assert_int_equal(h.n_results, 20001);
	assert_int_equal(h.results[20000].verdict, VERDICT_OK);
	patrol_host_release(&h);
}

/* The agent error is the host's own copy, not text a later step reuses. */
static void test_error_owned(void **state)
{
	struct run x;
	char copy[256];

	(void)state;
	parse(&x, FACTS R_DISK("ok"));
	assert_non_null(x.h.agent_error);
	snprintf(copy, sizeof(copy), "%s", x.h.agent_error);
	memset(x.why, 'z', sizeof(x.why) - 1);
	assert_string_equal(x.h.agent_error, copy);
	release(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_task_once),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_extra),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_summary_lines),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_raw_output_released),
		cmocka_unit_test(test_feed_any_split),
		cmocka_unit_test(test_feed_long_line),
		cmocka_unit_test(test_feed_bounded),
		cmocka_unit_test(test_error_owned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
