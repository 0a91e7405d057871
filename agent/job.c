/*
 * job.c - one run of the agent; see job.h for the order of things.  The
 * pieces serve.c shares (confine once, run a job's text, write lines, in
 * frames or not) are declared in job_int.h; job_main is `run`.
 *
 * Output lines are built in a buffer and written with one write(2) each, so
 * a line is never interleaved or half-written by us; a write error (the
 * orchestrator went away) stops the run like SIGTERM does.
 *
 * Every task gets a result line: strings are made valid UTF-8 first
 * (proto_string), and a result that still cannot be built, or would pass
 * PROTO_LINE_MAX, is replaced by a small `error` result that says why.  The
 * summary counts the verdicts of the lines actually written.
 */
#include "job_int.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "facts.h"
#include "frame.h"
#include "log.h"
#include "names.h"
#include "policy.h"
#include "sandbox.h"
#include "spawner.h"
#include "version.h"
#include "banned.h"

/* How long the orchestrator may take to send the job. */
#define JOB_READ_TIMEOUT_MS 30000

const char job_self_test[] =
	"{\"ronda\":1,\"tasks\":["
	"{\"check\":\"memory\"},"
	"{\"check\":\"load\",\"warn\":100,\"fail\":100},"
	"{\"check\":\"uptime\",\"reboot_required\":\"ok\"},"
	"{\"check\":\"disk\",\"path\":\"/\",\"warn\":100,\"fail\":100,"
	"\"inode_warn\":100,\"inode_fail\":100},"
	"{\"check\":\"process\",\"min\":1},"
	"{\"check\":\"port\",\"port\":1,\"expect\":\"closed\",\"proto\":\"udp\"},"
	"{\"check\":\"file\",\"path\":\"/proc/self\"},"
	"{\"check\":\"mount\",\"path\":\"/proc\",\"fstype\":\"proc\"},"
	"{\"check\":\"sysctl\",\"key\":\"kernel.ostype\",\"value\":\"Linux\"},"
	"{\"check\":\"command\",\"argv\":[\"true\"]},"
	"{\"check\":\"clock\"}"
	"]}";

double job_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double job_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double ms3(double ms)
{
	return round(ms * 1000) / 1000;
}

/*
 * Reads the job: up to the first newline (the orchestrator keeps stdin open
 * after it) or EOF (a file or a here-document), within the size limit and
 * JOB_READ_TIMEOUT_MS.
 */
static int read_job(int fd, struct buf *b, struct buf *err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double stop = job_mono() + JOB_READ_TIMEOUT_MS / 1000.0;
	size_t want;
	ssize_t n;
	int r;

	for (;;) {
		if (memchr(buf_data(b), '\n', buf_len(b)))
			return RONDA_OK;
		r = poll(&p, 1, (int)((stop - job_mono()) * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || job_mono() >= stop) {
			buf_printf(err, "no complete job on stdin within %d s",
				   JOB_READ_TIMEOUT_MS / 1000);
			return RONDA_ETIMEOUT;
		}
		/* One byte past the limit tells a job that is too large from one
		 * that fills it, whatever sizes the reads return. */
		want = PROTO_JOB_MAX + 1 - buf_len(b);
		if (want > 4096)
			want = 4096;
		if (buf_reserve(b, want) != RONDA_OK) {
			buf_puts(err, "out of memory for the job");
			return RONDA_ENOMEM;
		}
		n = read(fd, buf_space(b), want);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			buf_printf(err, "reading the job: %s", strerror(errno));
			return RONDA_ESYS;
		}
		if (n == 0)
			return RONDA_OK;
		buf_commit(b, (size_t)n);
		if (buf_len(b) > PROTO_JOB_MAX) {
			buf_printf(err, "job is larger than %zu bytes", PROTO_JOB_MAX);
			return RONDA_ELIMIT;
		}
	}
}

void job_out_init(struct job_out *o, int fd, int framed)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->framed = framed;
	/* Framed, the header goes in front of the line in the same buffer,
	 * so the line's own limit stays PROTO_LINE_MAX. */
	buf_init(&o->line, PROTO_LINE_MAX + (framed ? FRAME_HDR_MAX : 0));
}

void job_out_release(struct job_out *o)
{
	buf_release(&o->line);
}

int job_emit(struct job_out *o, const char *type, json_t *obj)
{
	static const char gap[FRAME_HDR_MAX];
	size_t start = 0;
	int r;

	buf_reset(&o->line);
	if (o->broken)
		return RONDA_ESYS;
	if (!obj)
		return RONDA_ENOMEM;
	if (o->framed && buf_append(&o->line, gap, sizeof(gap)) != RONDA_OK)
		return RONDA_ENOMEM;
	r = proto_line(type, obj, &o->line);
	if (r != RONDA_OK)
		return r;
	if (o->framed && frame_seal(&o->line, FRAME_LINE, o->id, &start) != RONDA_OK)
		return RONDA_ELIMIT;
	r = buf_write_raw(buf_data(&o->line) + start, buf_len(&o->line) - start, o->fd);
	if (r != RONDA_OK)
		o->broken = 1;
	return r;
}

void job_emit_error(struct job_out *o, const char *code, const char *msg)
{
	json_t *e = json_pack("{s:s, s:o, s:s}", "code", code, "error", proto_string(msg),
			      "agent", RONDA_VERSION);

	log_error("%s", msg);
	job_emit(o, "error", e);
	json_decref(e);
}

json_t *job_sandbox_json(const struct sandbox_status *st)
{
	json_t *s, *missing = json_array(), *ll = json_array();

	for (size_t i = 0; i < st->n_missing; i++)
		json_array_append_new(missing, json_pack("{s:s, s:s}",
			"part", st->missing[i].part, "why", st->missing[i].why));
	for (unsigned i = 0; i < SANDBOX_LL__COUNT; i++) {
		if (st->landlock_features & (1u << i))
			json_array_append_new(ll, json_string(sandbox_landlock_feature(1u << i)));
	}
	s = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:i, s:o, s:o}",
		      "kind", st->kind ? st->kind : "none",
		      "profile", st->profile ? st->profile : "none",
		      "complete", sandbox_complete(st),
		      "no_new_privs", st->no_new_privs, "seccomp", st->seccomp,
		      "landlock", st->landlock, "landlock_abi", st->landlock_abi,
		      "landlock_applied", ll, "missing", missing);
	return s;
}

const char *job_stop_name(int why)
{
	switch (why) {
	case -1:	return "stdin closed";
	case -2:	return "stdout closed";
	default:	return sig_abbrev(why) ? sig_abbrev(why) : "signal";
	}
}

/*
 * Maintain's Landlock: it needs the job's write_paths, so it comes after the
 * parse (which only reads memory) and before any task is prepared (which
 * reads and may write the disk).  The directories tasks need (the rotation
 * state's) are created by the sandbox itself, and only if they are write
 * paths.
 */
static int confine_maintain(const struct proto_job *job, const struct check_ctx *ctx,
			    int no_landlock, struct sandbox_status *sb, struct buf *err)
{
	struct sandbox_paths paths = { .write = job->write_paths,
				       .n_write = job->n_write_paths };
	char **make = calloc(job->n_tasks ? job->n_tasks : 1, sizeof(*make));
	char dir[4096];
	int r = RONDA_ENOMEM;

	if (!make)
		return r;
	for (size_t i = 0; i < job->n_tasks; i++) {
		const struct check_ops *ops = check_find(job->tasks[i].check->name);

		if (!ops->needs_dir || !ops->needs_dir(&job->tasks[i], ctx, dir, sizeof(dir)))
			continue;
		if (!(make[paths.n_make] = strdup(dir)))
			goto out;
		paths.n_make++;
	}
	paths.make = (const char *const *)make;
	r = sandbox_landlock(SANDBOX_MAINTAIN, &paths, no_landlock, sb, err);
out:
	for (size_t i = 0; i < paths.n_make; i++)
		free(make[i]);
	free(make);
	return r;
}

/* Writes one result line; see job_emit() for what it returns. */
static int emit_result(struct job_out *o, const struct proto_task *t, int verdict,
		       json_t *msg, json_t *values, double started, double ms)
{
	json_t *line = json_pack("{s:s, s:s, s:s, s:o, s:O, s:f, s:f}",
				 "task", t->name, "check", t->check->name,
				 "verdict", proto_verdict_name(verdict),
				 "message", msg, "values", values,
				 "started", round(started * 1000) / 1000, "ms", ms3(ms));
	int r = job_emit(o, "result", line);

	json_decref(line);
	return r;
}

/*
 * Runs (or, with skip_why, skips) one task and writes its result; returns
 * the verdict written, counted in counts[], or -1 if no line could be
 * written at all (out of memory, or stdout is gone).
 */
static int run_task(const struct proto_task *t, const struct check_ctx *ctx,
		    const char *skip_why, struct job_out *o, int counts[])
{
	const struct check_ops *ops = check_find(t->check->name);
	struct check_result res;
	double started = job_wall(), t0 = job_mono(), ms;
	struct buf why;
	json_t *empty;
	int verdict = -1, r;

	buf_init(&why, 1024);
	if (check_result_init(&res) != RONDA_OK) {
		buf_puts(&why, "the agent ran out of memory for this result");
		goto fallback;
	}
	if (skip_why)
		check_say(&res, VERDICT_SKIPPED, "%s", skip_why);
	else if (ops->isolate && (!ops->isolate_if || ops->isolate_if(t)))
		check_run_isolated(t, ctx, ops, &res);
	else
		ops->run(t, ctx, &res);
	ms = (job_mono() - t0) * 1000;
	r = emit_result(o, t, res.verdict, proto_stringn(buf_data(&res.msg), buf_len(&res.msg)),
			res.values, started, ms);
	if (r == RONDA_OK) {
		verdict = res.verdict;
		goto out;
	}
	if (r == RONDA_ESYS)
		goto out;
	/* Say why, and what the lost result said, in a line that fits. */
	buf_printf(&why, "the %s result could not be sent: %s%s; it said: %.200s",
		   proto_verdict_name(res.verdict),
		   r == RONDA_ELIMIT ? "its line is longer than the protocol's limit"
				     : "the agent ran out of memory building its line",
		   r == RONDA_ELIMIT ? " of " PROTO_LINE_MAX_TEXT : "", buf_data(&res.msg));
fallback:
	empty = json_object();
	if (empty && emit_result(o, t, VERDICT_ERROR, proto_string(buf_data(&why)), empty,
				 started, (job_mono() - t0) * 1000) == RONDA_OK)
		verdict = VERDICT_ERROR;
	json_decref(empty);
out:
	if (verdict >= 0)
		counts[verdict]++;
	check_result_release(&res);
	buf_release(&why);
	return verdict;
}

/*
 * Why task i must not run, written to why; NULL if it may run.  A task
 * whose condition names an earlier task runs only if that task's verdict
 * (verdicts[], already decided: conditions only look back) is one it lists.
 */
static const char *skip_reason(const struct proto_job *job, size_t i,
			       const int *verdicts, double t0, struct buf *why)
{
	const struct proto_task *t = &job->tasks[i];
	int v;

	if (job->timeout > 0 && job_mono() - t0 > job->timeout)
		return "the job's deadline passed";
	if (t->when_task < 0)
		return NULL;
	v = verdicts[t->when_task];
	if (t->when_verdicts & (1u << v))
		return NULL;
	buf_reset(why);
	buf_printf(why, "condition not met: %s was %s",
		   job->tasks[t->when_task].name, proto_verdict_name(v));
	return buf_data(why);
}

/*
 * sandbox_apply failed: may the job run unconfined?  Only if no_new_privs
 * holds, the kernel (or qemu-user) refused the filter itself, and the
 * host's policy says "sandbox optional".  Otherwise err says why not.
 */
static int unconfined_ok(const struct sandbox_status *sb, const struct policy *pol,
			 const char *policy_path, struct buf *err)
{
	const char *why = sb->n_missing ? sb->missing[sb->n_missing - 1].why : "";

	buf_reset(err);
	if (sb->no_new_privs && sb->seccomp_refused && pol->sandbox_optional) {
		log_warn("running unconfined, as the host's policy allows: %s", why);
		return 1;
	}
	if (!sb->no_new_privs)
		buf_puts(err, "cannot apply the sandbox: no_new_privs failed; refusing to run");
	else if (sb->seccomp_refused)
		buf_printf(err, "cannot apply the sandbox: %s; refusing to run unconfined "
			   "(\"sandbox optional\" in the host's %s would allow it)", why, policy_path);
	else
		buf_printf(err, "cannot apply the sandbox: %s; refusing to run",
			   why[0] ? why : "the seccomp filter could not be built");
	return 0;
}

void job_host_init(struct job_host *h, const struct agent_opts *opt)
{
	memset(h, 0, sizeof(*h));
	h->opt = opt;
	h->policy_path = opt->policy_path ? opt->policy_path : POLICY_PATH;
	sandbox_status_init(&h->sb);
	policy_init(&h->pol);
}

void job_host_release(struct job_host *h)
{
	policy_release(&h->pol);
}

int job_confine(struct job_host *h, int watch_fd, struct job_out *o)
{
	enum sandbox_profile sp = h->opt->profile == PROFILE_MAINTAIN ?
				  SANDBOX_MAINTAIN : SANDBOX_INSPECT;
	struct buf err;
	int rc = AGENT_EXIT_OK;

	buf_init(&err, 2048);
	if (spawn_init(watch_fd) != RONDA_OK) {
		job_emit_error(o, "internal", "cannot set up signal handling");
		rc = AGENT_EXIT_INTERNAL;
		goto out;
	}
	/* Confinement first: the job is still just bytes. */
	if (sandbox_apply(sp, &h->sb) != RONDA_OK) {
		if (!unconfined_ok(&h->sb, &h->pol, h->policy_path, &err)) {
			job_emit_error(o, "sandbox", buf_data(&err));
			rc = AGENT_EXIT_NOSANDBOX;
			goto out;
		}
		buf_reset(&err);
	}
	if (sp == SANDBOX_INSPECT)
		sandbox_landlock(sp, NULL, h->opt->no_landlock, &h->sb, &err);
out:
	buf_release(&err);
	return rc;
}

int job_run(struct job_host *h, const char *text, size_t len, double received,
	    double t0, struct job_out *o)
{
	const struct agent_opts *opt = h->opt;
	struct proto_job job;
	struct check_ctx ctx;
	struct check_procs procs = { 0 };
	struct buf err;
	int counts[VERDICT__COUNT] = { 0 };
	int rc = AGENT_EXIT_INTERNAL, r, stopped = 0, lost = 0;
	json_t *j = NULL, *facts;
	int *verdicts = NULL;
	const char *prof = proto_profile_name(opt->profile);
	enum sandbox_profile sp = opt->profile == PROFILE_MAINTAIN ?
				  SANDBOX_MAINTAIN : SANDBOX_INSPECT;

	memset(&job, 0, sizeof(job));
	buf_init(&err, 2048);
	r = proto_job_parse(text, len, &job, &err);
	if (r == RONDA_OK && job.profile != opt->profile && opt->serve) {
		buf_printf(&err, "ronda-agent serve runs %s jobs only; a %s job needs "
			   "ronda-agent run --profile %s", prof,
			   proto_profile_name(job.profile), proto_profile_name(job.profile));
		r = RONDA_EPARSE;
	} else if (r == RONDA_OK && job.profile != opt->profile) {
		buf_printf(&err, "job wants the %s profile but the agent runs with --profile %s",
			   proto_profile_name(job.profile), prof);
		r = RONDA_EPARSE;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.job = &job;
	ctx.received = received;
	ctx.now = opt->now;
	ctx.policy = &h->pol;
	ctx.self = opt->self;
	ctx.via = opt->via;
	ctx.unconfined = !h->sb.seccomp;
	ctx.procs = &procs;
	if (opt->builtin_job)
		job.now = received;
	if (r == RONDA_OK && sp == SANDBOX_MAINTAIN &&
	    confine_maintain(&job, &ctx, opt->no_landlock, &h->sb, &err) != RONDA_OK) {
		struct buf why;

		buf_init(&why, 4096);
		buf_printf(&why, "cannot confine writes to the job's write_paths%s%s",
			   buf_len(&err) ? ": " : "", buf_data(&err));
		job_emit_error(o, "sandbox", buf_data(&why));
		buf_release(&why);
		rc = AGENT_EXIT_NOSANDBOX;
		goto out;
	}
	for (size_t i = 0; r == RONDA_OK && i < job.n_tasks; i++) {
		const struct proto_task *t = &job.tasks[i];
		const struct check_ops *ops = check_find(t->check->name);

		if (!ops->prepare)
			continue;
		buf_printf(&err, "tasks[%zu] (\"%s\"): ", i, t->name);
		r = ops->prepare(t, &ctx, &err);
		if (r == RONDA_OK)
			buf_reset(&err);
	}
	if (r != RONDA_OK) {
		job_emit_error(o, "bad-job", buf_data(&err));
		rc = AGENT_EXIT_BADJOB;
		goto out;
	}

	/* Tasks after the deadline are skipped; one still busy at it is ended. */
	if (job.timeout > 0)
		spawn_deadline(job.timeout - (job_mono() - t0) + SPAWN_STOP_GRACE);
	verdicts = calloc(job.n_tasks ? job.n_tasks : 1, sizeof(*verdicts));
	if (!verdicts) {
		job_emit_error(o, "internal", "out of memory");
		goto out;
	}
	facts = facts_collect();
	job_emit(o, "facts", facts);
	json_decref(facts);
	for (size_t i = 0; i < job.n_tasks; i++) {
		int why = spawn_aborted();

		if (!why && o->broken)
			why = -2;
		if (why) {
			stopped = why;
			break;
		}
		verdicts[i] = run_task(&job.tasks[i], &ctx,
				       skip_reason(&job, i, verdicts, t0, &err),
				       o, counts);
		/* No line at all: the orchestrator will see the task missing. */
		if (verdicts[i] < 0) {
			lost++;
			verdicts[i] = VERDICT_ERROR;
		}
	}
	if (!stopped && spawn_aborted())
		stopped = spawn_aborted();
	spawn_reap_orphans();

	j = json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:i, s:f, s:s, s:o, s:b, s:s*}",
		      "counts", "ok", counts[VERDICT_OK], "warn", counts[VERDICT_WARN],
		      "fail", counts[VERDICT_FAIL], "error", counts[VERDICT_ERROR],
		      "skipped", counts[VERDICT_SKIPPED],
		      "tasks", (int)job.n_tasks, "ms", ms3((job_mono() - t0) * 1000),
		      "agent", RONDA_VERSION, "sandbox", job_sandbox_json(&h->sb),
		      "policy", h->pol.present, "stopped", stopped ? job_stop_name(stopped) : NULL);
	job_emit(o, "summary", j);
	if (stopped) {
		log_warn("stopped (%s); every child was killed", job_stop_name(stopped));
		rc = AGENT_EXIT_STOPPED;
	} else if (counts[VERDICT_FAIL] || counts[VERDICT_ERROR] || lost) {
		rc = AGENT_EXIT_FAILED;
	} else {
		rc = AGENT_EXIT_OK;
	}
out:
	free(verdicts);
	check_procs_release(&procs);
	json_decref(j);
	proto_job_release(&job);
	buf_release(&err);
	return rc;
}

int job_main(const struct agent_opts *opt, int in_fd, int out_fd)
{
	struct job_host h;
	struct job_out o;
	struct buf text, err;
	double t0 = job_mono(), received;
	int rc, r;

	job_host_init(&h, opt);
	job_out_init(&o, out_fd, 0);
	buf_init(&text, PROTO_JOB_MAX + 1);
	buf_init(&err, 2048);

	if (opt->builtin_job)
		r = buf_puts(&text, opt->builtin_job);
	else
		r = read_job(in_fd, &text, &err);
	received = job_wall();
	if (r != RONDA_OK) {
		job_emit_error(&o, "bad-job", buf_len(&err) ? buf_data(&err) : "cannot read the job");
		rc = AGENT_EXIT_BADJOB;
		goto out;
	}
	if (policy_load(h.policy_path, &h.pol, &err) != RONDA_OK) {
		job_emit_error(&o, "policy", buf_data(&err));
		rc = AGENT_EXIT_POLICY;
		goto out;
	}
	rc = job_confine(&h, opt->watch_stdin ? in_fd : -1, &o);
	if (rc == AGENT_EXIT_OK)
		rc = job_run(&h, buf_data(&text), buf_len(&text), received, t0, &o);
out:
	buf_release(&text);
	buf_release(&err);
	job_out_release(&o);
	job_host_release(&h);
	return rc;
}
