/*
 * rotate_act.c - carrying out a rotation plan (rotate_plan.c builds it):
 * each step in turn, through fsafe's exclusive creates and non-replacing
 * renames, stopping at the first failure; a dry run only reports the steps.
 * See rotate_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsafe.h"
#include "maint.h"
#include "rotate_int.h"
#include "banned.h"

/* copytruncate: copy the log to tdir/to (exclusive, synced), then truncate. */
static int copy_truncate(int dfd, const char *log, const struct stat *st,
			 int tdir, const char *to, struct buf *why)
{
	char tmp[NAME_MAX + 1], *b = NULL;
	const char *no;
	int in = -1, out = -1, r, made = 0;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), ".%.200s%s", to, FSAFE_TMP);
	r = fsafe_open_file(dfd, log, st, 1, &in, &no);
	if (r != RONDA_OK) {
		buf_printf(why, "%s: %s", log, no);
		return r;
	}
	fsafe_drop_tmp(tdir, tmp);
	r = RONDA_ENOMEM;
	if (!(b = malloc(1 << 17)))
		goto out;
	r = fsafe_create(tdir, tmp, st->st_mode & 0777, st->st_uid, st->st_gid, &out);
	if (r != RONDA_OK)
		goto fail;
	made = 1;
	while ((n = read(in, b, 1 << 17)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_write_raw(b, (size_t)n, out) != RONDA_OK) {
			r = RONDA_ESYS;
			goto fail;
		}
	}
	if (fsync(out) < 0 || fsafe_rename(tdir, tmp, tdir, to) != RONDA_OK) {
		r = RONDA_ESYS;
		goto fail;
	}
	made = 0;
	if (ftruncate(in, 0) < 0) {
		r = RONDA_ESYS;
		goto fail;
	}
	r = RONDA_OK;
	goto out;
fail:
	buf_printf(why, "copytruncate %s: %s", log, errno == EEXIST ?
		   "target exists (never overwritten)" : strerror(errno));
out:
	if (out >= 0)
		close(out);
	if (made)
		unlinkat(tdir, tmp, 0);
	close(in);
	free(b);
	return r;
}

/*
 * rename the log into tdir, then create a fresh one with its mode/owner.  A
 * writer may create the log again in between: its file is kept (never
 * replaced) and the rotation stands.
 */
static int rename_create(int dfd, const char *log, const struct stat *st,
			 int tdir, const char *to, const struct rot_opts *o,
			 struct maint_report *m, const char *dpath, struct buf *why)
{
	int fd;

	if (fsafe_rename(dfd, log, tdir, to) != RONDA_OK) {
		buf_printf(why, "rename %s: %s", log, errno == EEXIST ?
			   "target exists (never overwritten)" : strerror(errno));
		return RONDA_ESYS;
	}
	if (!o->create)
		return RONDA_OK;
	MAINT_HOOK("rotate: create", dfd, log);
	if (fsafe_create(dfd, log, o->create_mode >= 0 ? (mode_t)o->create_mode :
			 st->st_mode & 0777, o->uid != (uid_t)-1 ? o->uid : st->st_uid,
			 o->gid != (gid_t)-1 ? o->gid : st->st_gid, &fd) != RONDA_OK) {
		if (errno == EEXIST) {
			maint_action(m, "keep %s%s%s: its writer created it again during the rotation",
				     dpath, strcmp(dpath, "/") ? "/" : "", log);
			return RONDA_OK;
		}
		buf_printf(why, "create %s: %s", log, strerror(errno));
		return RONDA_ESYS;
	}
	fsync(fd);
	close(fd);
	fsync(dfd);
	return RONDA_OK;
}

int rot_run_plan(int dfd, const char *dpath, const struct stat *lst, int tdir,
		 const char *tpath, const struct rot_opts *o, struct plan *p,
		 struct maint_report *m, struct buf *why)
{
	struct stat st;
	const char *no;
	int64_t saved;
	int r = RONDA_OK;

	for (size_t i = 0; i < p->n_ops && r == RONDA_OK; i++) {
		struct op *op = &p->ops[i];

		switch (op->kind) {
		case OP_DROP:
			if (!o->dry)
				fsafe_drop_tmp(tdir, op->from);
			break;
		case OP_HEAL:
			maint_action(m, "remove %s/%s (its .gz holds the same bytes)", tpath, op->from);
			if (o->dry) {
				m->recovered++;
				break;
			}
			/* Compared again: it may have been written since the plan.
			 * Then both stay; no later step depends on the removal. */
			if (fsafe_heal(tdir, op->from, 1, &no) == RONDA_OK)
				m->recovered++;
			else
				maint_skip(m, tpath, op->from, "%s", no ? no : strerror(errno));
			break;
		case OP_DELETE:
			maint_action(m, "delete %s/%s", tpath, op->from);
			if (o->dry) {
				m->freed += op->size;
				m->deleted++;
				break;
			}
			if (fstatat(tdir, op->from, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    fsafe_refuse(&st) || unlinkat(tdir, op->from, 0) < 0) {
				buf_printf(why, "delete %s: %s", op->from,
					   errno ? strerror(errno) : fsafe_refuse(&st));
				r = RONDA_ESYS;
				break;
			}
			fsync(tdir);
			m->deleted++;
			m->freed += st.st_size;
			break;
		case OP_RENAME:
			maint_action(m, "rename %s/%s -> %s", tpath, op->from, op->to);
			if (!o->dry && fsafe_rename(tdir, op->from, tdir, op->to) != RONDA_OK) {
				buf_printf(why, "rename %s -> %s: %s", op->from, op->to,
					   errno == EEXIST ? "target exists (never overwritten)" :
					   strerror(errno));
				r = RONDA_ESYS;
			}
			break;
		case OP_ROTATE:
			maint_action(m, "%s %s/%s -> %s/%s", o->copytruncate ?
				     "copytruncate" : "rotate", dpath, op->from, tpath, op->to);
			m->rotated++;
			if (o->dry)
				break;
			r = o->copytruncate ?
			    copy_truncate(dfd, op->from, lst, tdir, op->to, why) :
			    rename_create(dfd, op->from, lst, tdir, op->to, o, m, dpath, why);
			if (r != RONDA_OK)
				m->rotated--;
			break;
		case OP_COMPRESS:
			maint_action(m, "compress %s/%s", tpath, op->from);
			m->compressed++;
			if (o->dry)
				break;
			saved = 0;
			r = fsafe_compress(tdir, op->from, o->level, &saved, why);
			if (r != RONDA_OK)
				m->compressed--;
			else
				m->freed += saved;
			break;
		}
	}
	return r;
}
