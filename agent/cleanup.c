/*
 * cleanup.c - the cleanup task: the sweep of old files in one directory.
 *
 * The directory is opened symlink-free and must be trusted.  The walk reads
 * it (and, with recurse, its subdirectories, opened with O_NOFOLLOW relative
 * to their parent, never on another file system unless cross_mounts) and
 * collects the regular, singly linked files whose names match the glob.
 * Selected: those older than older_than days, then, while the matching
 * files still total more than max_total, the oldest of the rest.  Each
 * selected file is deleted, or first written into one .tar.gz beside them
 * (temporary name, fsync, rename without replacing) and deleted only once
 * the archive is in place and the file had not changed while it was read
 * nor since (fsafe_unlink_same).
 * Before deleting, each file is looked up again by name and must still be
 * the same inode, so a file swapped in during the walk is never removed.
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
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "err.h"
#include "fsafe.h"
#include "maint.h"
#include "tar.h"
#include "banned.h"

#define MAX_FILES 100000
#define MAX_DEPTH 32
#define ARCHIVE_PREFIX "ronda-archive-"

struct cl_opts {
	const char *path, *match;
	double older_than;	/* days; < 0: none */
	uint64_t max_total;	/* 0: none */
	int archive, level, recurse, cross_mounts, dry;
	uid_t su_uid;
	gid_t su_gid;
};

struct cl_file {
	char *rel;		/* relative to the task's directory */
	struct stat st;		/* as the walk saw it, then as archived */
	int64_t size;
	time_t mtime;
	int selected;
};

struct walk {
	const struct cl_opts *o;
	struct maint_report *m;
	struct cl_file *f;
	size_t n;
	dev_t root_dev;
	int failed;
};

static int parse_opts(const struct proto_task *t, const struct check_ctx *c,
		      struct cl_opts *o, struct buf *err)
{
	memset(o, 0, sizeof(*o));
	o->path = proto_task_str(t, "path", "");
	o->match = proto_task_str(t, "glob", "*");
	o->older_than = proto_task_num(t, "older_than", -1);
	o->archive = proto_task_bool(t, "archive", 0);
	o->level = (int)proto_task_num(t, "compress_level", 6);
	o->recurse = proto_task_bool(t, "recurse", 0);
	o->cross_mounts = proto_task_bool(t, "cross_mounts", 0);
	o->dry = maint_dry(t, c);
	/* path, glob, older_than or max_total, compress_level: the schema's
	 * (proto_schema.c); su is the host's. */
	o->max_total = proto_task_size(t, "max_total", 0);
	return maint_su(t, &o->su_uid, &o->su_gid, err);
}

static int cleanup_prepare(const struct proto_task *t, const struct check_ctx *c,
			   struct buf *err)
{
	struct cl_opts o;

	return parse_opts(t, c, &o, err);
}

static int is_ours(const char *name)
{
	size_t n = strlen(name), k = strlen(FSAFE_TMP);

	return strncmp(name, ARCHIVE_PREFIX, strlen(ARCHIVE_PREFIX)) == 0 ||
	       (name[0] == '.' && n > k && strcmp(name + n - k, FSAFE_TMP) == 0);
}

/* Walks dfd (rel is its path below the root, "" for the root). */
static void walk_dir(struct walk *w, int dfd, const char *rel, int depth)
{
	const struct cl_opts *o = w->o;
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	struct buf why;
	int fd, cfd;
	DIR *d;

	buf_init(&why, 512);
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		maint_skip(w->m, o->path, rel, "cannot list: %s", strerror(errno));
		w->failed = 1;
		goto out;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "",
			     de->d_name) >= (int)sizeof(sub))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!o->recurse)
				continue;
			if (st.st_dev != w->root_dev && !o->cross_mounts) {
				maint_skip(w->m, o->path, sub, "another file system (cross_mounts not set)");
				continue;
			}
			if (depth >= MAX_DEPTH) {
				maint_skip(w->m, o->path, sub, "deeper than %d levels", MAX_DEPTH);
				continue;
			}
			cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			buf_reset(&why);
			if (cfd < 0 || fsafe_dir_trusted(cfd, o->su_uid, o->su_gid, &why) != RONDA_OK) {
				maint_skip(w->m, o->path, sub, "%s", cfd < 0 ? strerror(errno) : buf_data(&why));
			} else {
				walk_dir(w, cfd, sub, depth + 1);
			}
			if (cfd >= 0)
				close(cfd);
			continue;
		}
		if (fnmatch(o->match, de->d_name, FNM_PERIOD) != 0 ||
		    (o->archive && is_ours(de->d_name)))
			continue;
		if (fsafe_refuse(&st)) {
			maint_skip(w->m, o->path, sub, "%s", fsafe_refuse(&st));
			continue;
		}
		if (w->n >= MAX_FILES) {
			maint_skip(w->m, o->path, sub, "more than %d files; rest not looked at", MAX_FILES);
			break;
		}
		w->f[w->n].rel = strdup(sub);
		if (!w->f[w->n].rel)
			break;
		w->f[w->n].st = st;
		w->f[w->n].size = st.st_size;
		w->f[w->n].mtime = st.st_mtime;
		w->f[w->n].selected = 0;
		w->n++;
	}
	closedir(d);
out:
	buf_release(&why);
}

static int cmp_age(const void *a, const void *b)
{
	const struct cl_file *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

/* Opens the directory holding rel (below root) symlink-free; *base its name. */
static int open_parent(int root, const char *rel, int *dfd, const char **base)
{
	char comp[NAME_MAX + 1];
	const char *p = rel, *slash;
	int fd = fcntl(root, F_DUPFD_CLOEXEC, 0), next;

	if (fd < 0)
		return RONDA_ESYS;
	while ((slash = strchr(p, '/'))) {
		snprintf(comp, sizeof(comp), "%.*s", (int)(slash - p), p);
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return RONDA_ESYS;
		fd = next;
		p = slash + 1;
	}
	*dfd = fd;
	*base = p;
	return RONDA_OK;
}

/*
 * Deletes rel if it is still the file the walk saw (or, archived, the file
 * as it was written into the archive): same inode, not written since.
 */
static int delete_file(int root, const struct cl_file *f, const char **why)
{
	const char *base;
	struct stat st;
	int dfd, fd = -1, r = RONDA_ESYS;

	*why = NULL;
	if (open_parent(root, f->rel, &dfd, &base) != RONDA_OK) {
		*why = strerror(errno);
		return RONDA_ESYS;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		*why = strerror(errno);
	} else if (st.st_ino != f->st.st_ino || st.st_dev != f->st.st_dev) {
		*why = "replaced since it was looked at; kept";
	} else if ((r = fsafe_open_file(dfd, base, &st, 0, &fd, why)) == RONDA_OK) {
		MAINT_HOOK("cleanup: unlink", dfd, base);
		r = fsafe_unlink_same(dfd, base, fd, &f->st, why);
	}
	if (fd >= 0)
		close(fd);
	close(dfd);
	return r;
}

/*
 * Archives the selected files into root/ronda-archive-STAMP.tar.gz.  Files
 * that could not be archived whole are unselected (and reported).
 */
static int archive(int root, struct walk *w, time_t now, struct buf *why)
{
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1];
	unsigned char hdr[512];
	const char *base, *no;
	struct tar t;
	struct tm tm;
	struct stat st, after;
	int fd = -1, in, dfd, r, made = 0;

	localtime_r(&now, &tm);
	strftime(name, sizeof(name), ARCHIVE_PREFIX "%Y%m%d-%H%M%S.tar.gz", &tm);
	memset(&t, 0, sizeof(t));
	if (snprintf(tmp, sizeof(tmp), ".%s%s", name, FSAFE_TMP) >= (int)sizeof(tmp))
		return RONDA_ELIMIT;	/* cannot happen: the name is ours */
	fsafe_drop_tmp(root, tmp);
	/* 0600: an archive of many owners' files is readable by us only. */
	r = fsafe_create(root, tmp, 0600, (uid_t)-1, (gid_t)-1, &fd);
	if (r != RONDA_OK) {
		buf_printf(why, "creating %s: %s", tmp, strerror(errno));
		return r;
	}
	made = 1;
	r = tar_open(&t, fd, w->o->level);
	for (size_t i = 0; r == RONDA_OK && i < w->n; i++) {
		struct cl_file *f = &w->f[i];

		if (!f->selected)
			continue;
		in = -1;
		if (open_parent(root, f->rel, &dfd, &base) != RONDA_OK) {
			maint_skip(w->m, w->o->path, f->rel, "%s", strerror(errno));
			f->selected = 0;
			continue;
		}
		if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_ino != f->st.st_ino ||
		    tar_header(hdr, f->rel, &st) != RONDA_OK ||
		    fsafe_open_file(dfd, base, &st, 0, &in, &no) != RONDA_OK) {
			maint_skip(w->m, w->o->path, f->rel, "cannot archive%s; kept",
				   st.st_ino == f->st.st_ino ? " (a name or size ustar cannot hold, or unreadable)" : "");
			f->selected = 0;
			close(dfd);
			continue;
		}
		close(dfd);
		r = tar_add(&t, f->rel, in, &st);
		if (r == RONDA_OK && (fstat(in, &after) < 0 || !fsafe_unchanged(&after, &st))) {
			maint_skip(w->m, w->o->path, f->rel, "changed while archived; kept");
			f->selected = 0;
		}
		/* The delete then checks nothing was written after this. */
		f->st = st;
		f->size = st.st_size;
		close(in);
	}
	if (r == RONDA_OK)
		r = tar_close(&t);
	if (r == RONDA_OK && fsync(fd) < 0)
		r = RONDA_ESYS;
	if (r == RONDA_ESYS || r == RONDA_EAGAIN)
		buf_printf(why, "writing %s: %s", name, r == RONDA_ESYS ? strerror(errno) :
			   "a file shrank while it was read");
	if (r == RONDA_OK && close(fd) < 0) {
		buf_printf(why, "writing %s: %s", name, strerror(errno));
		r = RONDA_ESYS;
	}
	fd = -1;
	if (r == RONDA_OK && fsafe_rename(root, tmp, root, name) != RONDA_OK) {
		buf_printf(why, "%s: %s", name, errno == EEXIST ?
			   "already exists (never overwritten)" : strerror(errno));
		r = RONDA_ESYS;
	}
	if (r == RONDA_OK) {
		made = 0;
		w->m->freed -= (int64_t)t.out_bytes;
		maint_action(w->m, "archive into %s/%s", w->o->path, name);
	}
	if (fd >= 0)
		close(fd);
	if (made)
		unlinkat(root, tmp, 0);
	tar_release(&t);
	return r;
}

static int cleanup_run(const struct proto_task *t, const struct check_ctx *c,
		       struct check_result *res)
{
	struct cl_opts o;
	struct maint_report m;
	struct walk w;
	struct buf why;
	struct stat rst;
	time_t now = check_now(c);
	int64_t total = 0;
	int root = -1, m_ok = 0;
	const char *no;

	buf_init(&why, 1024);
	memset(&w, 0, sizeof(w));
	if (parse_opts(t, c, &o, &why) != RONDA_OK || maint_report_init(&m, o.dry) != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "%s", buf_len(&why) ? buf_data(&why) : "out of memory");
		goto out;
	}
	m_ok = 1;
	w.o = &o;
	w.m = &m;
	w.f = calloc(MAX_FILES, sizeof(*w.f));
	if (!w.f) {
		check_say(res, VERDICT_ERROR, "out of memory");
		goto out;
	}
	if (fsafe_opendir(o.path, &root, &why) != RONDA_OK && errno == ENOENT) {
		/* Like logrotate's missingok: not every host has every directory. */
		check_say(res, VERDICT_SKIPPED, "%s: no such directory", o.path);
		goto out;
	}
	if (root < 0 ||
	    fsafe_dir_trusted(root, o.su_uid, o.su_gid, &why) != RONDA_OK ||
	    fstat(root, &rst) < 0) {
		check_say(res, VERDICT_FAIL, "%s: %s", o.path, buf_data(&why));
		goto out;
	}
	w.root_dev = rst.st_dev;
	walk_dir(&w, root, "", 0);
	qsort(w.f, w.n, sizeof(*w.f), cmp_age);
	for (size_t i = 0; i < w.n; i++) {
		total += w.f[i].size;
		if (o.older_than >= 0 && (double)(now - w.f[i].mtime) > o.older_than * 86400)
			w.f[i].selected = 1;
	}
	m.before = total;
	/* Over budget: the oldest of what is left go first. */
	int64_t left = total;

	for (size_t i = 0; i < w.n; i++) {
		if (w.f[i].selected)
			left -= w.f[i].size;
	}
	for (size_t i = 0; o.max_total && i < w.n && left > (int64_t)o.max_total; i++) {
		if (!w.f[i].selected) {
			w.f[i].selected = 1;
			left -= w.f[i].size;
		}
	}
	if (o.archive && !o.dry) {
		size_t any = 0;

		for (size_t i = 0; i < w.n; i++)
			any += (size_t)w.f[i].selected;
		if (any && archive(root, &w, now, &why) != RONDA_OK) {
			check_say(res, VERDICT_FAIL, "archive failed, nothing deleted: %s", buf_data(&why));
			m.after = m.before;
			goto report;
		}
	}
	for (size_t i = 0; i < w.n; i++) {
		struct cl_file *f = &w.f[i];

		if (!f->selected)
			continue;
		if (o.archive)
			maint_action(&m, "archive and delete %s/%s", o.path, f->rel);
		else
			maint_action(&m, "delete %s/%s", o.path, f->rel);
		if (!o.dry && delete_file(root, f, &no) != RONDA_OK) {
			maint_skip(&m, o.path, f->rel, "%s", no);
			continue;
		}
		m.archived += (uint64_t)o.archive;
		m.deleted++;
		m.freed += f->size;
		total -= f->size;
	}
	m.after = total;
report:
	if (json_array_size(m.skipped))
		check_worse(res, VERDICT_WARN);
	{
		char head[256];

		snprintf(head, sizeof(head), "%s%llu deleted%s, %lld bytes freed%s",
			 o.dry ? "dry run: " : "", (unsigned long long)m.deleted,
			 o.archive ? " (archived first)" : "", (long long)m.freed,
			 json_array_size(m.skipped) ? ", some skipped" : "");
		if (buf_len(&res->msg))
			check_add(res, VERDICT_OK, "%s", head);
		else
			check_say(res, VERDICT_OK, "%s", head);
	}
out:
	if (m_ok)
		maint_report_finish(&m, res);
	for (size_t i = 0; w.f && i < w.n; i++)
		free(w.f[i].rel);
	free(w.f);
	if (root >= 0)
		close(root);
	buf_release(&why);
	return RONDA_OK;
}

const struct check_ops check_cleanup = { "cleanup", 0, 600, cleanup_prepare, cleanup_run, NULL, NULL };
