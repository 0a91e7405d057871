/*
 * files.c - see files.h.
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "inventory/hostlist.h"
#include "json.h"
#include "proto.h"
#include "report.h"
#include "summary.h"
#include "verdict.h"
#include "banned.h"

/* Host names become file names: nothing that could leave hosts/. */
static int file_name_ok(const char *s)
{
	return s[0] && s[0] != '.' && !strchr(s, '/') && strlen(s) <= 250;
}

int rundir_create(struct rundir *rd, const char *dir, const struct target_list *tl)
{
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int r = RONDA_ESYS;

	rd->dir = rd->hosts = -1;
	buf_init(&rd->path, 4096);
	for (size_t i = 0; i < tl->n; i++) {
		if (!file_name_ok(tl->v[i].name))
			return RONDA_EINVAL;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		goto out;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H%M%SZ", &tm);
	for (int n = 1; ; n++) {
		buf_reset(&rd->path);
		if (buf_printf(&rd->path, n == 1 ? "%s/%s" : "%s/%s-%d", dir, stamp, n)) {
			r = RONDA_ELIMIT;
			goto out;
		}
		if (mkdir(buf_data(&rd->path), 0755) == 0)
			break;
		if (errno != EEXIST || n == 100)
			goto out;
	}
	rd->dir = open(buf_data(&rd->path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd->dir < 0 || mkdirat(rd->dir, "hosts", 0755) < 0)
		goto out;
	rd->hosts = openat(rd->dir, "hosts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd->hosts < 0)
		goto out;
	r = RONDA_OK;
out:
	if (r)
		rundir_close(rd);
	return r;
}

int rundir_write(int dfd, const char *name, int (*fn)(FILE *, void *), void *arg)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	FILE *f;
	int r;

	if (fd < 0)
		return RONDA_ESYS;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return RONDA_ESYS;
	}
	r = fn(f, arg);
	if (fclose(f) != 0 && r == RONDA_OK)
		r = RONDA_ESYS;
	return r;
}

struct bytes {
	const char *p;
	size_t n;
};

static int put_bytes(FILE *f, void *arg)
{
	const struct bytes *b = arg;

	return fwrite(b->p, 1, b->n, f) == b->n ? RONDA_OK : RONDA_ESYS;
}

int rundir_write_bytes(int dfd, const char *name, const char *p, size_t n)
{
	struct bytes b = { p, n };

	return rundir_write(dfd, name, put_bytes, &b);
}

int rundir_finish(struct rundir *rd, int r, char *run_dir, size_t run_dir_len)
{
	if (r == RONDA_OK && buf_len(&rd->path) + 1 > run_dir_len)
		r = RONDA_ELIMIT;
	if (r == RONDA_OK)
		memcpy(run_dir, buf_data(&rd->path), buf_len(&rd->path) + 1);
	rundir_close(rd);
	return r;
}

void rundir_close(struct rundir *rd)
{
	if (rd->hosts >= 0)
		close(rd->hosts);
	if (rd->dir >= 0)
		close(rd->dir);
	rd->dir = rd->hosts = -1;
	buf_release(&rd->path);
}

/* A JSON string of any bytes: invalid UTF-8 is replaced (proto.h). */
static json_t *text(const char *s)
{
	struct buf b;
	json_t *j = NULL;

	buf_init(&b, BUF_DEFAULT_MAX);
	if (proto_utf8_clean(&b, s, strlen(s)) == RONDA_OK)
		j = json_stringn(buf_data(&b), buf_len(&b));
	buf_release(&b);
	return j;
}

int run_info_put(json_t *o, const struct run_info *ri)
{
	json_t *a;
	int r = 0;

	if (!ri)
		return RONDA_OK;
	if (ri->kind)
		r |= json_object_set_new(o, "kind", json_string(ri->kind));
	if (ri->pattern)
		r |= json_object_set_new(o, "pattern", text(ri->pattern));
	if (ri->playbook)
		r |= json_object_set_new(o, "playbook", text(ri->playbook));
	if (ri->name)
		r |= json_object_set_new(o, "name", text(ri->name));
	if (ri->checks) {
		r |= json_object_set_new(o, "checks", a = json_array());
		for (size_t i = 0; a && i < ri->n_checks; i++)
			r |= json_array_append_new(a, text(ri->checks[i]));
	}
	r |= json_object_set_new(o, "duration_s", json_real(ri->duration_s));
	if (ri->shard.n) {
		r |= json_object_set_new(o, "shard", json_pack("{s:i, s:i}", "k", (int)ri->shard.k,
							      "n", (int)ri->shard.n));
		r |= json_object_set_new(o, "selected", a = json_array());
		for (size_t i = 0; a && ri->selected && i < ri->selected->n; i++)
			r |= json_array_append_new(a, json_string(ri->selected->v[i]));
	}
	return r ? RONDA_ENOMEM : RONDA_OK;
}

/* ---- exec --out ---- */

struct run_ctx {
	const struct target_list *tl;
	const struct host_result *res;
	char *const *argv;
	size_t argc;
	const struct run_info *ri;
	size_t i;
};

/* hosts/HOST.json: the host's --json object, as check and run write theirs. */
static int write_exec_host(FILE *f, void *arg)
{
	const struct run_ctx *c = arg;

	return report_json_host(f, &c->tl->v[c->i], &c->res[c->i]);
}

static int write_exec_summary(FILE *f, void *arg)
{
	const struct run_ctx *c = arg;

	return report_summary(f, c->tl, c->res, 0);
}

/* run.json: when, what, and each host's result. */
static int write_exec_run(FILE *f, void *arg)
{
	const struct run_ctx *c = arg;
	json_t *o = json_pack("{s:i, s:s, s:I, s:[], s:{}}", "ronda", 1, "kind", "exec",
			      "time", (json_int_t)time(NULL), "command", "hosts");
	json_t *cmd = json_object_get(o, "command"), *hosts = json_object_get(o, "hosts");
	int r = RONDA_ENOMEM;

	if (!o)
		return r;
	for (size_t i = 0; i < c->argc; i++)
		if (json_array_append_new(cmd, text(c->argv[i])))
			goto out;
	for (size_t i = 0; i < c->tl->n; i++) {
		const struct host_result *h = &c->res[i];
		json_t *e = json_pack("{s:s, s:o, s:o}", "status", host_status_name(h->status),
				      "exit_code", h->has_exit ? json_integer(h->exit_code) : json_null(),
				      "error", h->why[0] ? text(h->why) : json_null());

		if (!e || json_object_set_new(hosts, c->tl->v[i].name, e))
			goto out;
	}
	if (run_info_put(o, c->ri))
		goto out;
	r = json_put_doc(f, o);
out:
	json_decref(o);
	return r;
}

int report_out(const char *dir, const struct target_list *tl,
	       const struct host_result *res, char *const argv[], size_t argc,
	       const struct run_info *ri, char *run_dir, size_t run_dir_len)
{
	struct run_ctx c = { .tl = tl, .res = res, .argv = argv, .argc = argc, .ri = ri };
	struct rundir rd;
	char name[300], code[16];
	int r = rundir_create(&rd, dir, tl);

	if (r)
		return r;
	for (size_t i = 0; i < tl->n && r == RONDA_OK; i++) {
		const struct host_result *h = &res[i];

		snprintf(name, sizeof(name), "%s.stdout", tl->v[i].name);
		r = rundir_write_bytes(rd.hosts, name, buf_data(&h->out), buf_len(&h->out));
		snprintf(name, sizeof(name), "%s.stderr", tl->v[i].name);
		if (r == RONDA_OK)
			r = rundir_write_bytes(rd.hosts, name, buf_data(&h->err), buf_len(&h->err));
		snprintf(name, sizeof(name), "%s.exit", tl->v[i].name);
		snprintf(code, sizeof(code), "%d\n", h->exit_code);
		if (r == RONDA_OK && h->has_exit)
			r = rundir_write_bytes(rd.hosts, name, code, strlen(code));
		snprintf(name, sizeof(name), "%s.json", tl->v[i].name);
		c.i = i;
		if (r == RONDA_OK)
			r = rundir_write(rd.hosts, name, write_exec_host, &c);
	}
	if (r == RONDA_OK)
		r = rundir_write(rd.dir, "summary.txt", write_exec_summary, &c);
	if (r == RONDA_OK)
		r = rundir_write(rd.dir, "run.json", write_exec_run, &c);
	return rundir_finish(&rd, r, run_dir, run_dir_len);
}

/* ---- patrol --out ---- */

struct out_ctx {
	const struct target_list *tl;
	const struct patrol_host *hosts;
	const struct run_info *ri;
	size_t i;
};

static int write_host(FILE *f, void *arg)
{
	const struct out_ctx *c = arg;
	const struct patrol_host *h = &c->hosts[c->i];
	json_t *o = patrol_host_json(&c->tl->v[c->i], h), *tasks = json_array();
	int r = RONDA_ENOMEM;

	if (!o || !tasks)
		goto out;
	for (size_t k = 0; k < h->n_results; k++) {
		json_t *t = patrol_task_json(c->tl->v[c->i].name, &h->results[k]);

		if (!t || json_array_append_new(tasks, t))
			goto out;
		json_object_del(t, "host");
		json_object_del(t, "type");
	}
	json_object_del(o, "type");
	json_object_set(o, "tasks", tasks);
	r = json_put_doc(f, o);
out:
	json_decref(o);
	json_decref(tasks);
	return r;
}

static int write_summary(FILE *f, void *arg)
{
	const struct out_ctx *c = arg;

	return patrol_report_summary(f, c->tl, c->hosts, 0);
}

/* run.json: when, and each host's verdict, for comparing runs. */
static int write_patrol_run(FILE *f, void *arg)
{
	const struct out_ctx *c = arg;
	json_t *o = json_pack("{s:i, s:I, s:{}}", "ronda", 1, "time", (json_int_t)time(NULL),
			      "hosts");
	int r = RONDA_ENOMEM;

	if (!o)
		return r;
	for (size_t i = 0; i < c->tl->n; i++)
		json_object_set_new(json_object_get(o, "hosts"), c->tl->v[i].name,
			json_string(patrol_verdict_name(patrol_host_verdict(&c->hosts[i]))));
	if (run_info_put(o, c->ri) == RONDA_OK)
		r = json_put_doc(f, o);
	json_decref(o);
	return r;
}

/* DIR/STAMP/ with hosts/HOST.json, summary.txt and run.json. */
int patrol_report_out(const char *dir, const struct target_list *tl,
		      const struct patrol_host *hosts, const struct run_info *ri,
		      char *run_dir, size_t run_dir_len)
{
	struct out_ctx c = { .tl = tl, .hosts = hosts, .ri = ri };
	struct rundir rd;
	char name[300];
	int r = rundir_create(&rd, dir, tl);

	if (r)
		return r;
	for (c.i = 0; c.i < tl->n && r == RONDA_OK; c.i++) {
		snprintf(name, sizeof(name), "%s.json", tl->v[c.i].name);
		r = rundir_write(rd.hosts, name, write_host, &c);
	}
	if (r == RONDA_OK)
		r = rundir_write(rd.dir, "summary.txt", write_summary, &c);
	if (r == RONDA_OK)
		r = rundir_write(rd.dir, "run.json", write_patrol_run, &c);
	return rundir_finish(&rd, r, run_dir, run_dir_len);
}
