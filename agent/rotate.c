/*
 * rotate.c - the rotate task: logrotate's directives, safe by construction.
 *
 * For each path glob (globs in the last component only) the directory is
 * opened symlink-free and must be trusted (fsafe_dir_trusted); each matching
 * regular, singly linked file is a log.  A log is due when its period has
 * changed since the state file's last rotation (daily: another day, weekly:
 * a Sunday passed or 7 calendar days, monthly: another month), combined with the
 * size triggers as logrotate does: size alone ignores time, minsize must
 * also hold, maxsize is enough alone.  A log missing from the state takes
 * its rotation time from the newest rotated file on disk, else now: with no
 * rotated file it is not due by time (as in logrotate, which always takes
 * now; with rotated files on disk ronda may rotate at once, logrotate waits
 * a period; suite 64 shows it).
 *
 * A due log gets a plan, built from a listing of the rotated files before
 * anything changes: delete what falls past "rotate N", shift name.1 to
 * name.2 ... (or, with dateext, pick name-DATE), rotate the log (rename, then
 * create; or copytruncate), delete what is past maxage.  A dry run reports
 * the plan; otherwise it is carried out step by step and stops at the first
 * failure, so later steps never act on a state they did not plan for.
 *
 * Compression comes in a second pass over the same logs, after postrotate
 * (logrotate's order): each log's rotated files are listed again and every
 * raw one is compressed (all but the newest with delaycompress), so a file
 * an earlier run could not compress (a writer still held it) is finished by
 * the next run, due or not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "err.h"
#include "fsafe.h"
#include "maint.h"
#include "policy.h"
#include "rotate_int.h"
#include "rotate_state.h"
#include "spawner.h"
#include "grow.h"
#include "banned.h"

/* The user or group named by key (from file); -1 when absent. */
static int task_id(const struct proto_task *t, const char *key,
		   const char *file, unsigned long long *id, struct buf *err)
{
	const char *s = proto_task_str(t, key, NULL);

	*id = (unsigned long long)-1;
	if (s && ids_lookup(file, s, id) != RONDA_OK) {
		buf_printf(err, "\"%s\": no such name %s in %s", key, s, file);
		return RONDA_EINVAL;
	}
	return RONDA_OK;
}

static int parse_opts(const struct proto_task *t, const struct check_ctx *c,
		      struct rot_opts *o, struct buf *err)
{
	const char *f = proto_task_str(t, "frequency", NULL), *s;
	unsigned long long id;

	/* Ranges, words and patterns follow the schema (proto_schema.c); here
	 * only what the host can tell: users, groups. */
	memset(o, 0, sizeof(*o));
	o->freq = FREQ_NONE;
	if (f && strcmp(f, "daily") == 0)
		o->freq = FREQ_DAILY;
	else if (f && strcmp(f, "weekly") == 0)
		o->freq = FREQ_WEEKLY;
	else if (f && strcmp(f, "monthly") == 0)
		o->freq = FREQ_MONTHLY;
	else if (f && strcmp(f, "yearly") == 0)
		o->freq = FREQ_YEARLY;
	else if (f) {
		buf_printf(err, "\"frequency\" %s is not implemented by this agent", f);
		return RONDA_EINVAL;
	}
	/* logrotate's "weekly [weekday]" (the schema holds it to 0..7 and to
	 * weekly): 0 Sunday, the default, to 6; 7 every 7 days. */
	o->weekday = (int)proto_task_num(t, "weekday", 0);
	o->size = proto_task_size(t, "size", 0);
	o->minsize = proto_task_size(t, "minsize", 0);
	o->maxsize = proto_task_size(t, "maxsize", 0);
	if (!f && !o->size && !o->maxsize)
		o->freq = FREQ_DAILY;	/* logrotate's own default */
	o->keep = (long)proto_task_num(t, "rotate", 0);
	o->maxage = proto_task_num(t, "maxage", -1);
	o->compress = proto_task_bool(t, "compress", 0);
	o->level = (int)proto_task_num(t, "compress_level", 6);
	o->delaycompress = proto_task_bool(t, "delaycompress", 0);
	o->copytruncate = proto_task_bool(t, "copytruncate", 0);
	o->create = proto_task_bool(t, "create", 1);
	o->dateext = proto_task_bool(t, "dateext", 0);
	o->dateformat = proto_task_str(t, "dateformat", "-%Y%m%d");
	o->missingok = proto_task_bool(t, "missingok", 0);
	o->notifempty = proto_task_bool(t, "notifempty", 0);
	o->olddir = proto_task_str(t, "olddir", NULL);
	o->postrotate = proto_task_strs(t, "postrotate");
	o->state = proto_task_str(t, "state", ROT_STATE_DEFAULT);
	o->dry = maint_dry(t, c);
	o->create_mode = -1;
	s = proto_task_str(t, "create_mode", NULL);
	if (s)
		o->create_mode = strtol(s, NULL, 8);
	if (task_id(t, "owner", "/etc/passwd", &id, err) != RONDA_OK)
		return RONDA_EINVAL;
	o->uid = (uid_t)id;
	if (task_id(t, "group", "/etc/group", &id, err) != RONDA_OK)
		return RONDA_EINVAL;
	o->gid = (gid_t)id;
	return maint_su(t, &o->su_uid, &o->su_gid, err);
}

/* The globs of the task: "path" and "paths". */
static json_t *task_paths(const struct proto_task *t)
{
	json_t *a = json_array(), *v;
	size_t i;

	if (!a)
		return NULL;
	if (proto_task_has(t, "path"))
		json_array_append_new(a, json_string(proto_task_str(t, "path", "")));
	json_array_foreach(proto_task_strs(t, "paths"), i, v)
		json_array_append(a, v);
	return a;
}

static int rotate_prepare(const struct proto_task *t, const struct check_ctx *c,
			  struct buf *err)
{
	struct rot_opts o;

	/* path/paths, olddir and state follow the schema (proto_schema.c). */
	if (parse_opts(t, c, &o, err) != RONDA_OK)
		return RONDA_EINVAL;
	/*
	 * The sandbox made the state's directory if it is a write path; this
	 * covers a run without Landlock, and under Landlock fails (EACCES)
	 * for a state outside write_paths.
	 */
	if (c && c->job && !o.dry && rot_state_mkdir(o.state, err) != RONDA_OK)
		return RONDA_EINVAL;
	return RONDA_OK;
}

/* Bytes of the log and its rotated files as they are now. */
static int64_t log_bytes(int dfd, const char *log, struct plan *p)
{
	struct stat st;
	int64_t n = 0;

	if (fstatat(dfd, log, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		n = st.st_size;
	for (size_t i = 0; i < p->n; i++)
		n += p->r[i].size;
	return n;
}

/* A glob's logs that the second pass finishes (NULL: skipped). */
struct pending {
	char *dpath, *tpath;
	char **names;
	size_t n;
};

struct run {
	const struct rot_opts *o;
	struct rot_state *state;
	struct maint_report *m;
	struct check_result *res;
	struct plan plan;
	time_t now;
	int failed;
	struct pending *pending;	/* the globs' logs, for the second pass */
	size_t n_pending;
};

/* Bytes of the log and of the rotated files the plan left, as on disk now. */
static int64_t after_bytes(int dfd, const char *log, int tdir, const struct plan *p)
{
	char gz[NAME_MAX + 1];
	struct stat st;
	int64_t n = 0;

	if (fstatat(dfd, log, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		n = st.st_size;
	for (size_t i = 0; i < p->n; i++) {
		if (p->r[i].gone)
			continue;
		if (fstatat(tdir, p->r[i].name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			n += st.st_size;
		if (snprintf(gz, sizeof(gz), "%s.gz", p->r[i].name) < (int)sizeof(gz) &&
		    fstatat(tdir, gz, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			n += st.st_size;
	}
	return n;
}

/* A plan that stopped: EAGAIN is a skip (a warn), anything else a failure. */
static void stopped(struct run *ru, const char *dpath, const char *log, int r,
		    const struct buf *why)
{
	if (r == RONDA_OK)
		return;
	maint_skip(ru->m, dpath, log, "%s", buf_len(why) ? buf_data(why) : ronda_strerror(r));
	if (r != RONDA_EAGAIN)
		ru->failed = 1;
}

/*
 * One log: decide, plan, act, record; compression waits for the second pass
 * (finish_one), after postrotate.  Returns 1 if the second pass is to finish
 * the log (and count its bytes after), 0 if the log was skipped or, in a dry
 * run, planned whole.
 */
static int rotate_one(struct run *ru, int dfd, const char *dpath, int tdir,
		       const struct dir_index *ix, const char *tpath, const char *log)
{
	const struct rot_opts *o = ru->o;
	char full[PATH_MAX];
	struct buf why;
	struct stat st;
	int64_t before, freed0;
	double last;
	int r, finish = 0;

	buf_init(&why, 1024);
	if (snprintf(full, sizeof(full), "%s%s%s", dpath, strcmp(dpath, "/") ? "/" : "",
		     log) >= (int)sizeof(full)) {
		maint_skip(ru->m, dpath, log, "path too long");
		goto out;
	}
	if (fstatat(dfd, log, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		maint_skip(ru->m, dpath, log, "%s", strerror(errno));
		goto out;
	}
	if (fsafe_refuse(&st)) {
		maint_skip(ru->m, dpath, log, "%s", fsafe_refuse(&st));
		check_worse(ru->res, VERDICT_WARN);
		goto out;
	}
	ru->plan.n_ops = 0;
	if (rot_list(tdir, ix, log, o, &ru->plan, ru->m, tpath) != RONDA_OK) {
		maint_skip(ru->m, tpath, "", "cannot list: %s", strerror(errno));
		ru->failed = 1;
		goto out;
	}
	before = log_bytes(dfd, log, &ru->plan);
	freed0 = ru->m->freed;
	ru->m->before += before;
	if (rot_state_get(ru->state, full, &last) != RONDA_OK) {
		/* First seen (or the state was lost): rebuild from the disk. */
		last = (double)ru->now;
		for (size_t i = 0; i < ru->plan.n; i++) {
			if (i == 0 || (double)ru->plan.r[i].mtime > last)
				last = (double)ru->plan.r[i].mtime;
		}
		if (rot_state_set(ru->state, full, last) != RONDA_OK)
			ru->failed = 1;
	}
	finish = 1;
	if ((o->notifempty && st.st_size == 0) ||
	    !rot_is_due(o, (time_t)last, ru->now, (uint64_t)st.st_size))
		goto out;
	r = rot_plan(tdir, log, st.st_size, st.st_mtime, o, ru->now, &ru->plan, ru->m, tpath,
		     &why);
	/* A dry run shows the compressions that the rotation would lead to. */
	if (r == RONDA_OK && o->dry)
		r = rot_plan_finish(tdir, o, &ru->plan, 0, ru->m, tpath);
	if (r == RONDA_OK)
		r = rot_run_plan(dfd, dpath, &st, tdir, tpath, o, &ru->plan, ru->m, &why);
	if (r == RONDA_OK && !o->dry)
		if (rot_state_set(ru->state, full, (double)ru->now) != RONDA_OK)
			ru->failed = 1;
	stopped(ru, dpath, log, r, &why);
	if (o->dry) {
		/* Nothing moved: what was there, less what would be freed. */
		ru->m->after += before - (ru->m->freed - freed0);
		finish = 0;
	}
out:
	buf_release(&why);
	return finish;
}

/*
 * The second pass over a log that the first handled: heal and compress its
 * rotated files, those rotated now and any an earlier run left raw, then
 * count the bytes left.
 */
static void finish_one(struct run *ru, int dfd, const char *dpath, int tdir,
		       const struct dir_index *ix, const char *tpath, const char *log)
{
	struct maint_report quiet;
	struct buf why;
	int r;

	buf_init(&why, 1024);
	ru->plan.n_ops = 0;
	/* The listing's skips were reported by the first pass. */
	if (maint_report_init(&quiet, ru->o->dry) != RONDA_OK ||
	    rot_list(tdir, ix, log, ru->o, &ru->plan, &quiet, tpath) != RONDA_OK)
		goto out;
	r = rot_plan_finish(tdir, ru->o, &ru->plan, 1, ru->m, tpath);
	if (r == RONDA_OK)
		r = rot_run_plan(dfd, NULL, NULL, tdir, tpath, ru->o, &ru->plan, ru->m, &why);
	stopped(ru, dpath, log, r, &why);
	ru->m->after += after_bytes(dfd, log, tdir, &ru->plan);
out:
	json_decref(quiet.skipped);
	json_decref(quiet.actions);
	buf_release(&why);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A name a glob must not pick up: ours, rotated, compressed. */
static int not_a_log(const char *name)
{
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');

	if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
		return 1;
	if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1))
		return 1;
	return n > strlen(FSAFE_TMP) && strcmp(name + n - strlen(FSAFE_TMP), FSAFE_TMP) == 0;
}

/* Keeps a glob's logs for the second pass; names is the pass's then. */
static int pend(struct run *ru, const char *dpath, const char *tpath, char **names,
		size_t n)
{
	struct pending *more = realloc(ru->pending, (ru->n_pending + 1) * sizeof(*more)), *pe;

	if (!more)
		return RONDA_ENOMEM;
	ru->pending = more;
	pe = &ru->pending[ru->n_pending];
	pe->dpath = strdup(dpath);
	pe->tpath = strdup(tpath);
	if (!pe->dpath || !pe->tpath) {
		free(pe->dpath);
		free(pe->tpath);
		return RONDA_ENOMEM;
	}
	pe->names = names;
	pe->n = n;
	ru->n_pending++;
	return RONDA_OK;
}

/*
 * The second pass, after postrotate: the rotated files of every log of the
 * first are healed and compressed.  The directories are opened again (by
 * the same symlink-free walk) and must still be trusted.
 */
static void finish_all(struct run *ru)
{
	struct dir_index ix;
	struct buf why;
	int dfd, tdir;

	buf_init(&why, 1024);
	for (size_t k = 0; k < ru->n_pending; k++) {
		struct pending *pe = &ru->pending[k];

		dfd = tdir = -1;
		buf_reset(&why);
		if (fsafe_opendir(pe->dpath, &dfd, &why) != RONDA_OK ||
		    fsafe_dir_trusted(dfd, ru->o->su_uid, ru->o->su_gid, &why) != RONDA_OK ||
		    (strcmp(pe->dpath, pe->tpath) != 0 &&
		     (fsafe_opendir(pe->tpath, &tdir, &why) != RONDA_OK ||
		      fsafe_dir_trusted(tdir, ru->o->su_uid, ru->o->su_gid, &why) != RONDA_OK))) {
			maint_skip(ru->m, pe->tpath, "", "not compressed: %s", buf_data(&why));
			ru->failed = 1;
		} else {
			if (tdir < 0)
				tdir = dfd;
			if (rot_index(tdir, &ix) != RONDA_OK)
				ix.names = NULL;
			for (size_t i = 0; i < pe->n; i++)
				if (pe->names[i])
					finish_one(ru, dfd, pe->dpath, tdir, ix.names ? &ix : NULL,
						   pe->tpath, pe->names[i]);
			rot_index_release(&ix);
		}
		if (tdir >= 0 && tdir != dfd)
			close(tdir);
		if (dfd >= 0)
			close(dfd);
	}
	buf_release(&why);
}

static void pending_release(struct run *ru)
{
	for (size_t k = 0; k < ru->n_pending; k++) {
		for (size_t i = 0; i < ru->pending[k].n; i++)
			free(ru->pending[k].names[i]);
		free(ru->pending[k].names);
		free(ru->pending[k].dpath);
		free(ru->pending[k].tpath);
	}
	free(ru->pending);
	ru->pending = NULL;
	ru->n_pending = 0;
}

/* One path glob of the task. */
static void rotate_glob(struct run *ru, const char *glob)
{
	const struct rot_opts *o = ru->o;
	const char *slash = strrchr(glob, '/'), *pat = slash + 1;
	char dpath[PATH_MAX], tpath[PATH_MAX], **names = NULL;
	struct dir_index ix = { NULL, 0 };
	int dfd = -1, tdir = -1, fd, wild = strpbrk(pat, "*?[") != NULL, oom = 0;
	size_t n = 0, cap = 0;
	struct buf why;
	struct dirent *de;
	DIR *d;

	buf_init(&why, 1024);
	snprintf(dpath, sizeof(dpath), "%.*s", slash == glob ? 1 : (int)(slash - glob), glob);
	if (fsafe_opendir(dpath, &dfd, &why) != RONDA_OK && o->missingok && errno == ENOENT)
		goto out;	/* no such directory here: nothing to rotate */
	if (dfd < 0 || fsafe_dir_trusted(dfd, o->su_uid, o->su_gid, &why) != RONDA_OK) {
		maint_skip(ru->m, dpath, "", "%s", buf_data(&why));
		ru->failed = 1;
		goto out;
	}
	snprintf(tpath, sizeof(tpath), "%s", dpath);
	tdir = dfd;
	if (o->olddir) {
		buf_reset(&why);
		snprintf(tpath, sizeof(tpath), "%s", o->olddir);
		if (fsafe_opendir(o->olddir, &tdir, &why) != RONDA_OK ||
		    fsafe_dir_trusted(tdir, o->su_uid, o->su_gid, &why) != RONDA_OK) {
			maint_skip(ru->m, o->olddir, "", "olddir: %s", buf_data(&why));
			ru->failed = 1;
			goto out;
		}
	}
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		maint_skip(ru->m, dpath, "", "cannot list: %s", strerror(errno));
		ru->failed = 1;
		goto out;
	}
	/* Every match, however many: a log left out would be skipped silently. */
	while ((de = readdir(d))) {
		if (fnmatch(pat, de->d_name, FNM_PERIOD) != 0 || (wild && not_a_log(de->d_name)))
			continue;
		if (GROW(names, n, cap, 256)) {
			oom = 1;
			break;
		}
		if (!(names[n] = strdup(de->d_name))) {
			oom = 1;
			break;
		}
		n++;
	}
	closedir(d);
	if (oom) {
		maint_skip(ru->m, dpath, "", "out of memory listing the logs; none rotated");
		ru->failed = 1;
		goto out;
	}
	if (n == 0 && !o->missingok) {
		maint_skip(ru->m, glob, NULL, "no such log (missingok not set)");
		ru->failed = 1;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	/* One reading of the target directory for all the logs (without
	 * memory for it, each log reads the directory itself). */
	if (n && rot_index(tdir, &ix) != RONDA_OK)
		ix.names = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!rotate_one(ru, dfd, dpath, tdir, ix.names ? &ix : NULL, tpath, names[i])) {
			free(names[i]);
			names[i] = NULL;
		}
	}
	rot_index_release(&ix);
	if (n && pend(ru, dpath, tpath, names, n) == RONDA_OK) {
		names = NULL;
		n = 0;
	} else {
		/* Out of memory: finish now rather than never. */
		for (size_t i = 0; i < n; i++)
			if (names[i])
				finish_one(ru, dfd, dpath, tdir, NULL, tpath, names[i]);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (tdir >= 0 && tdir != dfd)
		close(tdir);
	if (dfd >= 0)
		close(dfd);
	buf_release(&why);
}

/* postrotate: once per task, through the trampoline like a command task. */
static void postrotate(const struct check_ctx *c, const struct rot_opts *o,
		       struct check_result *res)
{
	const char *a0 = json_string_value(json_array_get(o->postrotate, 0)), *why;
	char exe[PATH_MAX], how[160];
	struct spawn_res sr;
	int r;

	spawn_res_init(&sr);
	r = check_exe(c, a0, exe, sizeof(exe), &why);
	if (r == RONDA_ENOTFOUND) {
		check_add(res, VERDICT_FAIL, "postrotate: %s: no such executable", a0);
		goto out;
	}
	if (r != RONDA_OK) {
		check_add(res, VERDICT_FAIL, "postrotate: %s refused by host policy (%s)", exe, why);
		goto out;
	}
	/* Under maintain only: "systemctl reload" needs systemd's socket. */
	r = check_run_tramp(c, exe, o->postrotate, NULL, 1, 60, 4096, &sr);
	if (r != RONDA_OK) {
		check_add(res, VERDICT_FAIL, "postrotate: %s: %s", exe, spawn_failure(r));
		goto out;
	}
	spawn_describe(sr.status, sr.timed_out, how, sizeof(how));
	json_object_set_new(res->values, "postrotate", json_string(how));
	if (sr.timed_out || !WIFEXITED(sr.status) || WEXITSTATUS(sr.status) != 0)
		check_add(res, VERDICT_FAIL, "postrotate %s: %s", a0, how);
out:
	spawn_res_release(&sr);
}

static int rotate_run(const struct proto_task *t, const struct check_ctx *c,
		      struct check_result *res)
{
	struct rot_opts o;
	struct rot_state st;
	struct maint_report m;
	struct run ru;
	struct buf why;
	json_t *paths = NULL, *v;
	size_t i;

	buf_init(&why, 1024);
	memset(&ru, 0, sizeof(ru));
	memset(&st, 0, sizeof(st));
	st.dfd = -1;
	if (parse_opts(t, c, &o, &why) != RONDA_OK || !(paths = task_paths(t)) ||
	    maint_report_init(&m, o.dry) != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "%s", buf_len(&why) ? buf_data(&why) : "out of memory");
		json_decref(paths);
		goto out;
	}
	ru.plan.r = calloc(MAX_ROTATED + 2, sizeof(*ru.plan.r));
	ru.plan.ops = calloc(MAX_OPS, sizeof(*ru.plan.ops));
	if (!ru.plan.r || !ru.plan.ops ||
	    rot_state_open(o.state, !o.dry, &st, &why) != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "state file %s: %s", o.state,
			  buf_len(&why) ? buf_data(&why) : "out of memory");
		maint_report_finish(&m, res);
		goto done;
	}
	if (st.corrupt) {
		check_add(res, VERDICT_WARN, "state file %s was corrupt (%s); rebuilt from the files on disk",
			  o.state, buf_data(&why));
		json_object_set_new(res->values, "state", json_string("rebuilt"));
	}
	buf_reset(&why);
	ru.o = &o;
	ru.state = &st;
	ru.m = &m;
	ru.res = res;
	ru.now = check_now(c);
	json_array_foreach(paths, i, v)
		rotate_glob(&ru, json_string_value(v));
	if (!o.dry && rot_state_save(&st, &why) != RONDA_OK) {
		check_add(res, VERDICT_FAIL, "%s", buf_data(&why));
	}
	/* logrotate's order: rotate, postrotate, then compress (a daemon that
	 * holds its file until told to reopen has let go of it by then). */
	if (o.postrotate && m.rotated && !o.dry)
		postrotate(c, &o, res);
	finish_all(&ru);
	if (o.copytruncate && m.rotated)
		check_add(res, VERDICT_OK, "copytruncate: lines written during the copy may be lost");
	json_object_set_new(res->values, "copytruncate", json_boolean(o.copytruncate));
	if (ru.failed)
		check_worse(res, VERDICT_FAIL);
	if (json_array_size(m.skipped))
		check_worse(res, VERDICT_WARN);
	{
		char head[256];

		snprintf(head, sizeof(head), "%s%llu rotated, %llu compressed, %llu deleted, %lld bytes freed%s",
			 o.dry ? "dry run: " : "", (unsigned long long)m.rotated,
			 (unsigned long long)m.compressed, (unsigned long long)m.deleted,
			 (long long)m.freed, json_array_size(m.skipped) ? ", some skipped" : "");
		if (buf_len(&res->msg)) {
			struct buf tail;

			buf_init(&tail, 8192);
			buf_append(&tail, buf_data(&res->msg), buf_len(&res->msg));
			buf_reset(&res->msg);
			buf_printf(&res->msg, "%s; %s", head, buf_data(&tail));
			buf_release(&tail);
		} else {
			buf_puts(&res->msg, head);
		}
	}
	maint_report_finish(&m, res);
done:
	json_decref(paths);
	pending_release(&ru);
	rot_state_release(&st);
	free(ru.plan.r);
	free(ru.plan.ops);
out:
	buf_release(&why);
	return RONDA_OK;
}

/* The state file's directory, for the sandbox to create (see check.h). */
static int rotate_needs_dir(const struct proto_task *t, const struct check_ctx *c,
			    char *dir, size_t n)
{
	const char *state = proto_task_str(t, "state", ROT_STATE_DEFAULT);
	const char *slash = strrchr(state, '/');

	if (maint_dry(t, c) || state[0] != '/' || slash == state)
		return 0;
	return snprintf(dir, n, "%.*s", (int)(slash - state), state) < (int)n;
}

const struct check_ops check_rotate = { "rotate", 0, 600, rotate_prepare, rotate_run,
					rotate_needs_dir, NULL };
