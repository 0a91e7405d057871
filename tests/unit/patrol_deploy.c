/*
 * patrol_deploy.c - deploy's plan (push_plan) driven as the engine drives
 * it, with synthetic hosts: the bootstrap's status words (run, need ->
 * upload, which runs the agent it stored, unsupported, deploy, become refused,
 * garbage) each give the next step or the host's verdict; stdout reaches
 * the plan only through the step's on_stdout, and any split of it gives the
 * same host as one piece; the output cap and a flooding agent stay bounded.
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
#include "patrol/deploy.h"
#include "patrol/plan.h"
#include "patrol/results.h"
#include "patrol_fixture.h"
#include "secret.h"
#include "banned.h"

#define SUM2 "{\"ronda\":1,\"type\":\"summary\",\"counts\":{\"ok\":2,\"warn\":0,\"fail\":0," \
	"\"error\":0,\"skipped\":0},\"tasks\":2,\"ms\":3.5,\"agent\":\"0.1.0\"}\n"
#define R_DISK RES("disk /var", "disk", "ok", "m", "{}")
#define R_LOAD RES("load", "load", "ok", "m", "{}")
#define AGENT_OK FACTS R_DISK R_LOAD SUM2
#define RS "\036RONDA "

struct dep {
	struct agent_set agents;
	struct patrol_plan plan;
	struct patrol_host h;
	struct host_result r;
	struct engine_step next;
	struct push_ctx pc;
	struct target t;
	int step;
};

/*
 * A host just authenticated: its first step must be the bootstrap; bec
 * is --become-user and -K, or NULL.
 */
static void dep_init_as(struct dep *d, int become, const struct push_become *bec)
{
	json_error_t je;

	memset(d, 0, sizeof(*d));
	d->agents.n = 1;
	d->agents.v[0].data = (char *)(uintptr_t)"\177ELF";
	d->agents.v[0].len = 4;
	d->agents.v[0].arch = "x86_64";
	d->agents.v[0].gz_failed = 1;	/* raw unless a test makes the gzip */
	memset(d->agents.v[0].sha256, 'a', 64);
	d->t.name = (char *)(uintptr_t)"h";
	d->t.port = 22;
	d->t.become = become;
	patrol_plan_init(&d->plan);
	d->plan.tasks = json_loads("[{\"name\":\"disk /var\",\"check\":\"disk\",\"path\":\"/var\"},"
				   "{\"check\":\"load\"}]", 0, &je);
	assert_non_null(d->plan.tasks);
	assert_int_equal(push_ctx_init(&d->pc, &d->agents, &d->plan, NULL, 1, &d->h, bec), RONDA_OK);
	buf_init(&d->r.out, 1 << 20);
	buf_init(&d->r.err, 1 << 20);
	assert_int_equal(push_plan(&d->pc, 0, &d->t, &d->r, 0, &d->next), 1);
	assert_ptr_equal(d->next.cmd, buf_data(become ? &d->pc.run_become : &d->pc.run));
	assert_int_equal(d->next.eof_after_in, 0);
}

static void dep_init(struct dep *d, int become)
{
	dep_init_as(d, become, NULL);
}

static void dep_release(struct dep *d)
{
	patrol_host_release(&d->h);
	host_result_release(&d->r);
	push_ctx_release(&d->pc);
	patrol_plan_release(&d->plan);
}

/*
 * The step in d->next ran: its stdout out[0..n) arrives in pieces of at
 * most piece bytes (0: one piece), stderr is err.  Returns the plan's answer.
 */
static int dep_ran(struct dep *d, const char *out, size_t n, size_t piece, const char *err)
{
	struct engine_step st = d->next;

	assert_non_null(st.on_stdout);
	buf_reset(&d->r.out);
	buf_reset(&d->r.err);
	for (size_t off = 0; off < n;) {
		size_t k = piece && n - off > piece ? piece : n - off;

		assert_int_equal(st.on_stdout(st.on_stdout_arg, 0, out + off, k), RONDA_OK);
		off += k;
	}
	assert_int_equal(buf_len(&d->r.out), 0);	/* nothing kept by the engine */
	if (err)
		assert_int_equal(buf_puts(&d->r.err, err), RONDA_OK);
	d->r.status = RESULT_OK;
	memset(&d->next, 0, sizeof(d->next));
	return push_plan(&d->pc, 0, &d->t, &d->r, ++d->step, &d->next);
}

static int ran(struct dep *d, const char *out, const char *err)
{
	return dep_ran(d, out, strlen(out), 0, err);
}

static void test_cached_agent_runs(void **state)
{
	struct dep d;

	(void)state;
	dep_init(&d, 0);
	assert_int_equal(ran(&d, "rc-file noise without a newline" RS "run\n" AGENT_OK,
			     "agent: a diagnostic\n"), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	assert_string_equal(d.r.why, "");
	assert_null(d.h.agent_error);
	assert_non_null(d.h.facts);
	assert_non_null(d.h.summary);
	assert_int_equal(d.h.n_results, 2);
	assert_string_equal(d.h.results[1].task, "load");
	assert_int_equal(d.h.uploaded, 0);
	assert_ptr_equal(d.h.conn, &d.r);
	/* nothing raw is left once the host is done */
	assert_null(d.r.out.mem);
	assert_null(d.r.err.mem);
	dep_release(&d);
}

/*
 * The upload step's stdin, as the engine pulls it (in pieces of at most
 * piece bytes): it must be the length line, the bytes want[0..n), then,
 * with job, the host's job; then nothing more, with stdin left open for
 * --watch-stdin.
 */
static void upload_stdin_is(struct dep *d, const char *want, size_t n, size_t piece, int job)
{
	struct buf got, expect;
	const char *p;
	size_t k;

	assert_non_null(d->next.on_stdin);
	assert_null(d->next.in);
	assert_int_equal(d->next.eof_after_in, 0);
	buf_init(&got, 1 << 20);
	buf_init(&expect, 1 << 20);
	for (;;) {
		assert_int_equal(d->next.on_stdin(d->next.on_stdin_arg, 0, buf_len(&got), &p, &k),
				 RONDA_OK);
		if (!k)
			break;
		if (piece && k > piece)
			k = piece;
		assert_int_equal(buf_append(&got, p, k), RONDA_OK);
	}
	assert_int_equal(buf_printf(&expect, "%zu\n", n), RONDA_OK);
	assert_int_equal(buf_append(&expect, want, n), RONDA_OK);
	if (job) {
		assert_int_equal(buf_append(&expect, buf_data(&d->pc.jobs[0]),
					    buf_len(&d->pc.jobs[0])), RONDA_OK);
		assert_true(buf_len(&d->pc.jobs[0]) > 10);
	}
	assert_int_equal(buf_len(&got), buf_len(&expect));
	assert_memory_equal(buf_data(&got), buf_data(&expect), buf_len(&got));
	buf_release(&got);
	buf_release(&expect);
}

/* missing or tampered: upload, and the stored agent runs in the same step */
static void upload_then_run(const char *need)
{
	struct dep d;

	dep_init(&d, 0);
	assert_int_equal(ran(&d, need, NULL), 1);
	assert_ptr_equal(d.next.cmd, buf_data(&d.pc.upload[0][0][0]));
	upload_stdin_is(&d, d.agents.v[0].data, d.agents.v[0].len, 0, 0);
	/* the job goes only once the host says the stored agent runs */
	assert_int_equal(d.next.on_stdout(d.next.on_stdout_arg, 0, "noise" RS "ru",
						strlen("noise" RS "ru")), RONDA_OK);
	upload_stdin_is(&d, d.agents.v[0].data, d.agents.v[0].len, 0, 0);
	assert_int_equal(d.next.on_stdout(d.next.on_stdout_arg, 0, "n\n", 2), RONDA_OK);
	upload_stdin_is(&d, d.agents.v[0].data, d.agents.v[0].len, 0, 1);
	upload_stdin_is(&d, d.agents.v[0].data, d.agents.v[0].len, 3, 1);
	assert_int_equal(d.h.uploaded, 0);
	assert_int_equal(ran(&d, AGENT_OK, NULL), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	assert_int_equal(d.h.n_results, 2);
	assert_int_equal(d.h.uploaded, 4);	/* kept when the results came */
	dep_release(&d);
}

static void test_missing_uploads(void **state)
{
	(void)state;
	upload_then_run(RS "need missing x86_64 raw\n");
}

static void verdict(int become, const char *out, const char *err, enum host_status want,
		    const char *why);

/* A host with gzip gets the agent compressed; its size is what was sent. */
static void test_gzip_upload(void **state)
{
	struct dep d;
	char *gz;

	(void)state;
	dep_init(&d, 0);
	d.agents.v[0].gz_failed = 0;
	assert_int_equal(ran(&d, RS "need missing x86_64 gzip\n", NULL), 1);
	gz = d.agents.v[0].gz;
	assert_non_null(gz);
	assert_ptr_equal(d.next.cmd, buf_data(&d.pc.upload[0][1][0]));
	assert_non_null(strstr(d.next.cmd, "gzip -dc"));
	assert_non_null(strstr(d.next.cmd, " 'aaaa"));	/* the hash of the agent itself */
	upload_stdin_is(&d, gz, d.agents.v[0].gzlen, 0, 0);
	/* a gzip stream: magic, deflate */
	assert_true(d.agents.v[0].gzlen > 10);
	assert_int_equal((unsigned char)gz[0], 0x1f);
	assert_int_equal((unsigned char)gz[1], 0x8b);
	assert_int_equal(ran(&d, RS "run\n" AGENT_OK, NULL), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	assert_int_equal(d.h.uploaded, d.agents.v[0].gzlen);
	dep_release(&d);
	free(gz);
}

/* The bootstrap names the architecture; ronda sends that one's agent. */
static void test_upload_by_arch(void **state)
{
	static const char arm[] = "\177ELF-arm";
	struct dep d;

	(void)state;
	dep_init(&d, 0);
	/* run_script lists every agent's arch and hash */
	assert_non_null(strstr(buf_data(&d.pc.run), " 'x86_64' 'aaaa"));
	dep_release(&d);

	dep_init(&d, 0);
	push_ctx_release(&d.pc);
	d.agents.n = 2;
	d.agents.v[1] = d.agents.v[0];
	d.agents.v[1].arch = "aarch64";
	d.agents.v[1].data = (char *)(uintptr_t)arm;
	d.agents.v[1].len = sizeof(arm) - 1;
	memset(d.agents.v[1].sha256, 'b', 64);
	assert_int_equal(push_ctx_init(&d.pc, &d.agents, &d.plan, NULL, 1, &d.h, NULL), RONDA_OK);
	assert_non_null(strstr(buf_data(&d.pc.run), " 'x86_64' 'aaaa"));
	assert_non_null(strstr(buf_data(&d.pc.run), " 'aarch64' 'bbbb"));
	d.step = 0;
	assert_int_equal(push_plan(&d.pc, 0, &d.t, &d.r, 0, &d.next), 1);
	assert_int_equal(ran(&d, RS "need missing aarch64 raw\n", NULL), 1);
	assert_ptr_equal(d.next.cmd, buf_data(&d.pc.upload[1][0][0]));
	assert_non_null(strstr(d.next.cmd, " 'bbbb"));
	upload_stdin_is(&d, arm, sizeof(arm) - 1, 0, 0);
	assert_int_equal(ran(&d, RS "run\n" AGENT_OK, NULL), 0);
	assert_int_equal(d.h.uploaded, sizeof(arm) - 1);
	dep_release(&d);

	verdict(0, RS "need missing riscv64 gzip\n", NULL, RESULT_DEPLOY,
		"bootstrap asked for an agent ronda did not offer: riscv64");
	verdict(0, RS "need missing\n", NULL, RESULT_DEPLOY,
		"bootstrap asked for an agent without saying which: need missing");
	verdict(0, RS "need missing x86_64\n", NULL, RESULT_DEPLOY,
		"bootstrap asked for an agent without saying which: need missing x86_64");
}

static void test_hash_mismatch_uploads(void **state)
{
	(void)state;
	upload_then_run("welcome\n" RS "need tampered x86_64 gzip\n");
}

/* The host's verdict from one bootstrap answer. */
static void verdict(int become, const char *out, const char *err, enum host_status want,
		    const char *why)
{
	struct dep d;

	dep_init(&d, become);
	assert_int_equal(ran(&d, out, err), 0);
	assert_int_equal(d.r.status, want);
	assert_string_equal(d.r.why, why);
	assert_int_equal(d.h.n_results, 0);
	assert_null(d.h.facts);
	dep_release(&d);
}

static void test_bootstrap_words(void **state)
{
	(void)state;
	verdict(0, RS "unsupported riscv64\n", NULL, RESULT_UNSUPPORTED,
		"no agent for architecture riscv64");
	verdict(0, RS "deploy /root/.cache/ronda is a symbolic link\n", NULL, RESULT_DEPLOY,
		"/root/.cache/ronda is a symbolic link");
	verdict(1, "", "sudo: a password is required\n", RESULT_BECOME,
		"become: sudo: a password is required");
	verdict(1, RS "run\n", "sudo: a terminal is required\n", RESULT_BECOME,
		"become: sudo: a terminal is required");
	verdict(0, RS "run\n", "sh: 1: /root/.cache/ronda/agent-x: Permission denied\n",
		RESULT_DEPLOY, "cannot execute the agent from its cache (a noexec mount? use "
		"--remote-tmp DIR): sh: 1: /root/.cache/ronda/agent-x: Permission denied");
	verdict(0, "garbage\n", "first\nlast words\n\n", RESULT_DEPLOY,
		"bootstrap gave no status: last words");
	verdict(0, RS "\n" RS "run\n" AGENT_OK, "", RESULT_DEPLOY, "bootstrap gave no status: ");
	verdict(0, RS "run", "", RESULT_DEPLOY, "bootstrap gave no status: ");
	verdict(0, RS "frobnicate now\n", NULL, RESULT_DEPLOY,
		"unexpected bootstrap status: frobnicate");
	/* a word out of its step: the bootstrap never says stored */
	verdict(0, RS "stored\n", NULL, RESULT_DEPLOY, "unexpected bootstrap status: stored");
}

static void test_upload_fails(void **state)
{
	struct dep d;

	(void)state;
	dep_init(&d, 0);
	assert_int_equal(ran(&d, RS "need missing x86_64 raw\n", NULL), 1);
	assert_int_equal(ran(&d, RS "deploy upload arrived damaged: 3 bytes, sha256 ab\n", NULL), 0);
	assert_int_equal(d.r.status, RESULT_DEPLOY);
	assert_string_equal(d.r.why, "upload arrived damaged: 3 bytes, sha256 ab");
	assert_int_equal(d.h.uploaded, 0);	/* nothing was stored */
	dep_release(&d);

	dep_init(&d, 0);
	assert_int_equal(ran(&d, RS "need missing x86_64 raw\n", NULL), 1);
	assert_int_equal(ran(&d, RS "need missing x86_64 raw\n", NULL), 0);
	assert_int_equal(d.r.status, RESULT_DEPLOY);
	assert_string_equal(d.r.why, "agent still missing after upload");
	dep_release(&d);

	/* the upload runs as the user; the agent it stored through sudo -n */
	dep_init(&d, 1);
	assert_int_equal(ran(&d, RS "need missing x86_64 raw\n", NULL), 1);
	assert_ptr_equal(d.next.cmd, buf_data(&d.pc.upload[0][0][1]));
	assert_string_equal(d.next.cmd + strlen(d.next.cmd) - 7, " '1' ''");	/* become, user */
	assert_int_equal(ran(&d, "", "sudo: a password is required\n"), 0);
	assert_int_equal(d.r.status, RESULT_BECOME);
	assert_string_equal(d.r.why, "become: sudo: a password is required");
	dep_release(&d);
}

static void test_agent_error(void **state)
{
	struct dep d;

	(void)state;
	dep_init(&d, 0);
	assert_int_equal(ran(&d, RS "run\n" FACTS R_DISK SUM2, NULL), 0);
	assert_int_equal(d.r.status, RESULT_AGENT);
	assert_non_null(d.h.agent_error);
	assert_string_equal(d.r.why, d.h.agent_error);
	assert_non_null(strstr(d.r.why, "no result for task \"load\""));
	dep_release(&d);
}

/* The host as it ends, for comparing two deliveries of the same output. */
static void same_host(const struct dep *a, const struct dep *b)
{
	assert_int_equal(a->r.status, b->r.status);
	assert_string_equal(a->r.why, b->r.why);
	assert_int_equal(a->h.agent_error != NULL, b->h.agent_error != NULL);
	if (a->h.agent_error)
		assert_string_equal(a->h.agent_error, b->h.agent_error);
	assert_int_equal(a->h.facts != NULL, b->h.facts != NULL);
	assert_int_equal(a->h.summary != NULL, b->h.summary != NULL);
	assert_int_equal(a->h.n_results, b->h.n_results);
	for (size_t k = 0; k < a->h.n_results; k++) {
		assert_string_equal(a->h.results[k].task, b->h.results[k].task);
		assert_int_equal(a->h.results[k].verdict, b->h.results[k].verdict);
	}
}

/* Any split of the stream, the status line's mark included, is one piece. */
static void test_stream_pieces(void **state)
{
	static const char *const outs[] = {
		"noise" RS "run\n" AGENT_OK,
		RS "run\n" FACTS R_DISK R_DISK SUM2,
		"\036RON\036RONDA run\n" FACTS R_LOAD,
		"a\nb" RS "unsupported sparc\n" AGENT_OK,
		RS "run\nnot json\n",
	};
	static const size_t pieces[] = { 1, 2, 3, 7, 64 };

	(void)state;
	for (size_t o = 0; o < sizeof(outs) / sizeof(outs[0]); o++) {
		struct dep whole;

		dep_init(&whole, 0);
		assert_int_equal(dep_ran(&whole, outs[o], strlen(outs[o]), 0, NULL), 0);
		for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
			struct dep cut;

			dep_init(&cut, 0);
			assert_int_equal(dep_ran(&cut, outs[o], strlen(outs[o]), pieces[k], NULL), 0);
			same_host(&whole, &cut);
			dep_release(&cut);
		}
		dep_release(&whole);
	}
}

/* Past max_output the rest is dropped and the host says why. */
static void test_output_cap(void **state)
{
	static const char out[] = RS "run\n" AGENT_OK;
	struct dep d;

	(void)state;
	dep_init(&d, 0);
	d.pc.max_output = sizeof(out) - 20;
	assert_int_equal(dep_ran(&d, out, sizeof(out) - 1, 5, NULL), 0);
	assert_int_equal(d.r.status, RESULT_AGENT);
	assert_string_equal(d.r.why, "agent output passed --max-output");
	assert_string_equal(d.h.agent_error, "agent output passed --max-output");
	dep_release(&d);
	/* exactly the cap: whole, fine */
	dep_init(&d, 0);
	d.pc.max_output = sizeof(out) - 1;
	assert_int_equal(dep_ran(&d, out, sizeof(out) - 1, 5, NULL), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	dep_release(&d);
}

/* An agent that sends results without end keeps one more than the job has. */
static void test_result_flood(void **state)
{
	struct dep d;
	struct buf out;

	(void)state;
	buf_init(&out, 1 << 24);
	assert_int_equal(buf_puts(&out, RS "run\n" FACTS R_LOAD), RONDA_OK);
	for (int k = 0; k < 20000; k++)
		assert_int_equal(buf_puts(&out, R_DISK), RONDA_OK);
	dep_init(&d, 0);
	assert_int_equal(dep_ran(&d, buf_data(&out), buf_len(&out), 16384, NULL), 0);
	assert_int_equal(d.r.status, RESULT_AGENT);
	assert_string_equal(d.h.agent_error, "agent stopped before its summary (20001 result line(s))");
	assert_true(d.h.n_results <= 3);
	dep_release(&d);
	assert_int_equal(buf_puts(&out, SUM2), RONDA_OK);
	dep_init(&d, 0);
	assert_int_equal(dep_ran(&d, buf_data(&out), buf_len(&out), 16384, NULL), 0);
	assert_string_equal(d.h.agent_error, "agent sent two results for task \"disk /var\"");
	assert_true(d.h.n_results <= 3);
	dep_release(&d);
	buf_release(&out);
}

/* -K: a password that ends with the newline sudo -S reads up to */
#define PW "s3cr3t pw"

static void secret_of(struct secret *s, const char *pw)
{
	assert_int_equal(secret_init(s), RONDA_OK);
	memcpy(s->p, pw, strlen(pw));
	s->len = strlen(pw);
	s->p[s->len++] = '\n';
}

/*
 * What the step's stdin holds so far, pulled as the engine pulls it (in
 * pieces of at most piece bytes, 0: whole): exactly want.
 */
static void stdin_is(const struct dep *d, const char *want, size_t n, size_t piece)
{
	struct buf got;
	const char *p;
	size_t k;

	buf_init(&got, 1 << 20);
	if (!d->next.on_stdin) {
		assert_int_equal(buf_append(&got, d->next.in, d->next.inlen), RONDA_OK);
	} else {
		for (;;) {
			assert_int_equal(d->next.on_stdin(d->next.on_stdin_arg, 0, buf_len(&got),
							  &p, &k), RONDA_OK);
			if (!k)
				break;
			if (piece && k > piece)
				k = piece;
			assert_int_equal(buf_append(&got, p, k), RONDA_OK);
		}
	}
	assert_int_equal(buf_len(&got), n);
	assert_memory_equal(buf_data(&got), want, n);
	buf_release(&got);
}

/* stdin is the password lines and the job the host has asked for, in order */
static void stdin_has(const struct dep *d, int pass_lines, int job)
{
	struct buf want;

	buf_init(&want, 1 << 20);
	for (int k = 0; k < pass_lines; k++)
		assert_int_equal(buf_puts(&want, PW "\n"), RONDA_OK);
	if (job)
		assert_int_equal(buf_append(&want, buf_data(&d->pc.jobs[0]),
					    buf_len(&d->pc.jobs[0])), RONDA_OK);
	stdin_is(d, buf_data(&want), buf_len(&want), 0);
	stdin_is(d, buf_data(&want), buf_len(&want), 3);
	buf_release(&want);
}

static void feed(struct dep *d, const char *out)
{
	assert_int_equal(d->next.on_stdout(d->next.on_stdout_arg, 0, out, strlen(out)), RONDA_OK);
}

/*
 * -K, sudo wants a password: nothing goes before the host asks ("pass"),
 * then one line for the check, then ("run pass") the line again and the
 * job, whatever pieces the statuses come in.
 */
static void test_ask_pass(void **state)
{
	struct secret pw;
	struct push_become bec = { .user = NULL, .pass = &pw };
	struct dep d;

	(void)state;
	secret_of(&pw, PW);
	dep_init_as(&d, 1, &bec);
	assert_non_null(strstr(d.next.cmd, " 'K' '' '' 'x86_64'"));	/* -K, no tmp, sudo's user */
	assert_null(strstr(d.next.cmd, PW));	/* never in the command line */
	assert_null(d.next.in);
	stdin_has(&d, 0, 0);
	feed(&d, "rc noise" RS "pa");
	stdin_has(&d, 0, 0);
	feed(&d, "ss\n");
	stdin_has(&d, 1, 0);
	feed(&d, "Sorry, not a status\n" RS "run ");
	stdin_has(&d, 1, 0);
	feed(&d, "pass\n");
	stdin_has(&d, 2, 1);
	assert_int_equal(ran(&d, AGENT_OK, NULL), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	assert_int_equal(d.h.n_results, 2);
	dep_release(&d);

	/* both statuses in one piece, the agent's first line with them */
	dep_init_as(&d, 1, &bec);
	feed(&d, RS "pass\n" RS "run pass\n" FACTS);
	stdin_has(&d, 2, 1);
	assert_int_equal(ran(&d, R_DISK R_LOAD SUM2, NULL), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	assert_non_null(d.h.facts);
	dep_release(&d);
	secret_release(&pw);
}

/* -K, NOPASSWD: no password is sent at all, only the job */
static void test_ask_nopass(void **state)
{
	struct secret pw;
	struct push_become bec = { .user = "nobody", .pass = &pw };
	struct dep d;

	(void)state;
	secret_of(&pw, PW);
	dep_init_as(&d, 1, &bec);
	assert_non_null(strstr(d.next.cmd, " 'K' '' 'nobody'"));
	stdin_has(&d, 0, 0);
	feed(&d, RS "run nopass\n");
	stdin_has(&d, 0, 1);
	assert_int_equal(ran(&d, AGENT_OK, NULL), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	dep_release(&d);

	/* a host that does not become gets its job at once, and no password */
	dep_init_as(&d, 0, &bec);
	assert_null(d.next.on_stdin);
	stdin_has(&d, 0, 1);
	assert_null(strstr(d.next.cmd, "nobody"));
	assert_int_equal(ran(&d, RS "run\n" AGENT_OK, NULL), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	dep_release(&d);
	secret_release(&pw);
}

/* -K, a wrong password: become at once, with sudo's last line; no job sent */
static void test_ask_wrong(void **state)
{
	struct secret pw;
	struct push_become bec = { .user = NULL, .pass = &pw };
	struct dep d;

	(void)state;
	secret_of(&pw, PW);
	dep_init_as(&d, 1, &bec);
	feed(&d, RS "pass\n");
	stdin_has(&d, 1, 0);
	feed(&d, RS "become\n");
	stdin_has(&d, 1, 0);
	assert_int_equal(ran(&d, "", "Sorry, try again.\nsudo: 1 incorrect password attempt\n"), 0);
	assert_int_equal(d.r.status, RESULT_BECOME);
	assert_string_equal(d.r.why, "become: sudo: 1 incorrect password attempt");
	dep_release(&d);

	/* a second "pass" lets no third line go, and is no status the host may end on */
	dep_init_as(&d, 1, &bec);
	feed(&d, RS "pass\n" RS "pass\n");
	stdin_has(&d, 1, 0);
	assert_int_equal(ran(&d, "", NULL), 0);
	assert_int_equal(d.r.status, RESULT_DEPLOY);
	assert_string_equal(d.r.why, "unexpected bootstrap status: pass");
	dep_release(&d);

	/* "run pass" without "pass" first: the job, but no password line */
	dep_init_as(&d, 1, &bec);
	feed(&d, RS "run pass\n");
	stdin_has(&d, 0, 1);
	dep_release(&d);

	verdict(1, RS "become sudo is not installed\n", NULL, RESULT_BECOME,
		"become: sudo is not installed");
	secret_release(&pw);

	/* without -K, "pass" is not a word of the bootstrap */
	verdict(1, RS "pass\n", NULL, RESULT_DEPLOY, "unexpected bootstrap status: pass");
}

/* -K and an upload: the bytes, then the password as asked, then the job */
static void test_ask_upload(void **state)
{
	struct secret pw;
	struct push_become bec = { .user = "root", .pass = &pw };
	struct dep d;
	struct buf want;

	(void)state;
	secret_of(&pw, PW);
	buf_init(&want, 1 << 20);
	dep_init_as(&d, 1, &bec);
	assert_int_equal(ran(&d, RS "need missing x86_64 raw\n", NULL), 1);
	assert_ptr_equal(d.next.cmd, buf_data(&d.pc.upload[0][0][1]));
	assert_string_equal(d.next.cmd + strlen(d.next.cmd) - 11, " 'K' 'root'");
	assert_int_equal(buf_printf(&want, "4\n\177ELF"), RONDA_OK);
	stdin_is(&d, buf_data(&want), buf_len(&want), 0);
	feed(&d, RS "pass\n");
	assert_int_equal(buf_puts(&want, PW "\n"), RONDA_OK);
	stdin_is(&d, buf_data(&want), buf_len(&want), 0);
	feed(&d, RS "run pass\n");
	assert_int_equal(buf_puts(&want, PW "\n"), RONDA_OK);
	assert_int_equal(buf_append(&want, buf_data(&d.pc.jobs[0]), buf_len(&d.pc.jobs[0])),
			 RONDA_OK);
	stdin_is(&d, buf_data(&want), buf_len(&want), 0);
	stdin_is(&d, buf_data(&want), buf_len(&want), 2);
	assert_int_equal(ran(&d, AGENT_OK, NULL), 0);
	assert_int_equal(d.r.status, RESULT_OK);
	assert_int_equal(d.h.uploaded, 4);
	dep_release(&d);
	buf_release(&want);
	secret_release(&pw);
}

/* --become-user without -K: sudo -n -u USER; a user who cannot run the agent says so */
static void test_become_user(void **state)
{
	struct push_become bec = { .user = "nobody", .pass = NULL };
	struct dep d;

	(void)state;
	dep_init_as(&d, 1, &bec);
	assert_non_null(strstr(d.next.cmd, " '1' '' 'nobody'"));
	assert_non_null(strstr(buf_data(&d.pc.run), " '0' '' '' 'x86_64'"));
	stdin_has(&d, 0, 1);	/* the job at once, as with --become */
	assert_int_equal(ran(&d, RS "run\n", "sudo: unable to execute /h/.cache/ronda/agent-a: "
			     "Permission denied\n"), 0);
	assert_int_equal(d.r.status, RESULT_BECOME);
	assert_string_equal(d.r.why, "become: the agent's cache is the login user's alone, "
			    "nobody cannot run it: sudo: unable to execute /h/.cache/ronda/agent-a: "
			    "Permission denied");
	dep_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_agent_runs),
		cmocka_unit_test(test_missing_uploads),
		cmocka_unit_test(test_hash_mismatch_uploads),
		cmocka_unit_test(test_gzip_upload),
		cmocka_unit_test(test_upload_by_arch),
		cmocka_unit_test(test_bootstrap_words),
		cmocka_unit_test(test_upload_fails),
		cmocka_unit_test(test_agent_error),
		cmocka_unit_test(test_stream_pieces),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_result_flood),
		cmocka_unit_test(test_ask_pass),
		cmocka_unit_test(test_ask_nopass),
		cmocka_unit_test(test_ask_wrong),
		cmocka_unit_test(test_ask_upload),
		cmocka_unit_test(test_become_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
