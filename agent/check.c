/*
 * check.c - the check table, result helpers and probe children; see check.h.
 *
 * A probe child is the agent run again as "ronda-agent --probe TASK-JSON".
 * It inherits the parent's sandbox, runs the one check in-process and prints
 * {"verdict", "message", "values"} on stdout; its stderr carries progress
 * lines ("statvfs /mnt/nfs"), the last of which names what hung if the
 * deadline kills it.
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"
#include "err.h"
#include "log.h"
#include "spawner.h"
#include "banned.h"

static const struct check_ops *const table[] = {
	&check_disk, &check_memory, &check_load, &check_uptime,
	&check_process, &check_port, &check_file, &check_mount,
	&check_sysctl, &check_service, &check_units, &check_command, &check_clock,
	&check_rotate, &check_cleanup,
};

static int probe_mode;

time_t check_now(const struct check_ctx *c)
{
	return c && c->now > 0 ? (time_t)c->now : time(NULL);
}

const struct check_ops *check_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	}
	return NULL;
}

int check_result_init(struct check_result *r)
{
	r->verdict = VERDICT_OK;
	buf_init(&r->msg, 4096);
	r->values = json_object();
	return r->values ? RONDA_OK : RONDA_ENOMEM;
}

void check_result_release(struct check_result *r)
{
	buf_release(&r->msg);
	json_decref(r->values);
	r->values = NULL;
}

/* ok < skipped < warn < fail < error, for "which is worse". */
static int rank(int v)
{
	switch (v) {
	case VERDICT_OK:	return 0;
	case VERDICT_SKIPPED:	return 1;
	case VERDICT_WARN:	return 2;
	case VERDICT_FAIL:	return 3;
	default:		return 4;
	}
}

void check_worse(struct check_result *r, int v)
{
	if (rank(v) > rank(r->verdict))
		r->verdict = v;
}

void check_say(struct check_result *r, int v, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&r->msg);
	va_start(ap, fmt);
	buf_vprintf(&r->msg, fmt, ap);	/* a cut message is still a message */
	va_end(ap);
	check_worse(r, v);
}

void check_add(struct check_result *r, int v, const char *fmt, ...)
{
	va_list ap;

	if (buf_len(&r->msg))
		buf_puts(&r->msg, "; ");
	va_start(ap, fmt);
	buf_vprintf(&r->msg, fmt, ap);
	va_end(ap);
	check_worse(r, v);
}

void check_value(struct check_result *r, const char *key, double v)
{
	/* Whole numbers stay integers in JSON, so consumers need not guess. */
	if (v == (double)(long long)v && v < 9e15 && v > -9e15)
		json_object_set_new(r->values, key, json_integer((json_int_t)v));
	else
		json_object_set_new(r->values, key, json_real(v));
}

void check_value_str(struct check_result *r, const char *key, const char *s)
{
	json_object_set_new(r->values, key, proto_string(s));
}

int check_above(double value, double warn, double fail)
{
	if (fail >= 0 && value >= fail)
		return VERDICT_FAIL;
	if (warn >= 0 && value >= warn)
		return VERDICT_WARN;
	return VERDICT_OK;
}

int check_below(double value, double warn, double fail)
{
	if (fail >= 0 && value <= fail)
		return VERDICT_FAIL;
	if (warn >= 0 && value <= warn)
		return VERDICT_WARN;
	return VERDICT_OK;
}

void check_set_probe_mode(int on)
{
	probe_mode = on;
}

int check_in_probe(void)
{
	return probe_mode;
}

void check_progress(const char *what, const char *arg)
{
	char line[512];
	int n;

	if (!probe_mode)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", what, arg);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(2, line, (size_t)n);
}

int check_read_file(const char *path, struct buf *b, size_t max)
{
	size_t chunk;
	ssize_t n;
	int fd, r;

	buf_reset(b);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return RONDA_ESYS;
	while (buf_len(b) < max) {
		chunk = max - buf_len(b) < 4096 ? max - buf_len(b) : 4096;
		r = buf_reserve(b, chunk);
		if (r != RONDA_OK)
			goto out;
		n = read(fd, buf_space(b), chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = RONDA_ESYS;
			goto out;
		}
		if (n == 0)
			break;
		buf_commit(b, (size_t)n);
	}
	r = RONDA_OK;
out:
	close(fd);
	return r;
}

int check_parse_u64(const char *s, unsigned long long *v)
{
	char *end;
	unsigned long long x;

	if (!s || *s < '0' || *s > '9')
		return RONDA_EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return RONDA_EINVAL;
	*v = x;
	return RONDA_OK;
}

/* Last non-empty line of text, for "what hung". */
static void last_line(const struct buf *b, char *out, size_t n)
{
	const char *s = buf_data(b), *e = s + buf_len(b), *p;

	while (e > s && (e[-1] == '\n' || e[-1] == ' '))
		e--;
	for (p = e; p > s && p[-1] != '\n'; p--)
		;
	snprintf(out, n, "%.*s", (int)(e - p), p);
}

size_t check_self_argv(const struct check_ctx *c, char **argv, const char **path)
{
	if (!c->via) {
		argv[0] = spawn_arg("ronda-agent");
		*path = c->self;
		return 1;
	}
	argv[0] = spawn_arg(c->via);
	argv[1] = spawn_arg(c->self);
	*path = c->via;
	return 2;
}

int check_run_isolated(const struct proto_task *t, const struct check_ctx *c,
		       const struct check_ops *ops, struct check_result *res)
{
	struct spawn_res sr;
	struct spawn_req rq;
	char *task_json = NULL, what[256], how[128];
	char *argv[6];
	size_t k;
	json_t *o = NULL, *v;
	json_error_t jerr;
	int r;

	spawn_res_init(&sr);
	task_json = json_dumps(t->obj, JSON_COMPACT);
	if (!task_json) {
		r = RONDA_ENOMEM;
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	k = check_self_argv(c, argv, &rq.path);
	argv[k++] = spawn_arg("--probe");
	argv[k++] = task_json;
	if (c->unconfined)
		argv[k++] = spawn_arg("--unconfined");
	argv[k] = NULL;
	rq.argv = argv;
	rq.timeout = t->timeout > 0 ? t->timeout : ops->timeout;
	rq.grace = 0.2;
	rq.out_max = (size_t)1 << 20;
	rq.err_max = 4096;
	r = spawn_run(&rq, &sr);
	if (r != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "%s probe: %s", ops->name, spawn_failure(r));
		goto out;
	}
	if (sr.timed_out) {
		last_line(&sr.err, what, sizeof(what));
		check_say(res, VERDICT_ERROR, "%s hung: no answer after %gs (%s)",
			  ops->name, rq.timeout, what[0] ? what : "before its first step");
		check_value_str(res, "hung", what);
		goto out;
	}
	if (!WIFEXITED(sr.status) || WEXITSTATUS(sr.status) != 0) {
		spawn_describe(sr.status, 0, how, sizeof(how));
		last_line(&sr.err, what, sizeof(what));
		check_say(res, VERDICT_ERROR, "%s probe failed: %s%s%s", ops->name,
			  how, what[0] ? ", last step: " : "", what);
		goto out;
	}
	o = json_loadb(buf_data(&sr.out), buf_len(&sr.out), 0, &jerr);
	v = json_object_get(o, "verdict");
	if (!json_is_string(v) || proto_verdict_from_name(json_string_value(v),
							  &res->verdict) ||
	    !json_is_string(json_object_get(o, "message")) ||
	    !json_is_object(json_object_get(o, "values"))) {
		check_say(res, VERDICT_ERROR, "%s probe gave no valid answer",
			  ops->name);
		goto out;
	}
	buf_reset(&res->msg);
	buf_puts(&res->msg, json_string_value(json_object_get(o, "message")));
	json_decref(res->values);
	res->values = json_incref(json_object_get(o, "values"));
out:
	json_decref(o);
	free(task_json);
	spawn_res_release(&sr);
	return r;
}

int check_probe_main(const char *task_json)
{
	struct proto_job job;
	struct check_result res;
	struct check_ctx ctx;
	const struct check_ops *ops;
	struct buf text, err;
	json_t *out = NULL;
	char *line = NULL;
	int r;

	buf_init(&text, PROTO_JOB_MAX + 64);
	buf_init(&err, 1024);
	memset(&job, 0, sizeof(job));
	r = buf_printf(&text, "{\"ronda\":%d,\"tasks\":[%s]}", PROTO_VERSION,
		       task_json);
	if (r == RONDA_OK)
		r = proto_job_parse(buf_data(&text), buf_len(&text), &job, &err);
	if (r != RONDA_OK || job.n_tasks != 1) {
		log_error("probe: %s", buf_len(&err) ? buf_data(&err) : "bad task");
		r = RONDA_EPARSE;
		goto out;
	}
	ops = check_find(job.tasks[0].check->name);
	memset(&ctx, 0, sizeof(ctx));
	check_set_probe_mode(1);
	r = check_result_init(&res);
	if (r != RONDA_OK)
		goto out;
	if (ops->prepare && ops->prepare(&job.tasks[0], &ctx, &err) != RONDA_OK)
		check_say(&res, VERDICT_ERROR, "%s", buf_data(&err));
	else
		ops->run(&job.tasks[0], &ctx, &res);
	out = json_pack("{s:s, s:o, s:O}", "verdict", proto_verdict_name(res.verdict),
			"message", proto_stringn(buf_data(&res.msg), buf_len(&res.msg)),
			"values", res.values);
	check_result_release(&res);
	line = out ? json_dumps(out, JSON_COMPACT) : NULL;
	if (!line || puts(line) == EOF || fflush(stdout) == EOF) {
		r = RONDA_ESYS;
		goto out;
	}
	r = RONDA_OK;
out:
	free(line);
	json_decref(out);
	proto_job_release(&job);
	buf_release(&text);
	buf_release(&err);
	return r;
}
