/*
 * rotate_int.h - the parts of the rotate task that plan and act, shared by
 * rotate.c (which decides), rotate_plan.c (which lists the rotated files of
 * a log and turns a due log into a list of steps), rotate_act.c (which
 * carries the steps out), and the unit tests.
 */
#ifndef RONDA_ROTATE_INT_H
#define RONDA_ROTATE_INT_H

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "maint.h"

#define MAX_ROTATED PROTO_MAX_ROTATED	/* rotated files of one log we look at */
#define MAX_OPS (2 * MAX_ROTATED + 8)

enum freq { FREQ_NONE, FREQ_DAILY, FREQ_WEEKLY, FREQ_MONTHLY, FREQ_YEARLY };

struct rot_opts {
	enum freq freq;
	int weekday;		/* weekly: 0 Sunday .. 6 Saturday, 7 every 7 days */
	uint64_t size, minsize, maxsize;
	long keep;
	double maxage;		/* days; < 0: none */
	int compress, level, delaycompress, copytruncate, create;
	long create_mode;	/* -1: the old log's */
	uid_t uid, su_uid;	/* -1: the old log's / no su */
	gid_t gid, su_gid;
	int dateext, missingok, notifempty, dry;
	const char *dateformat, *olddir, *state;
	json_t *postrotate;
};

/* One rotated file of a log: name.N[.gz] or nameDATE[.gz]. */
struct rotated {
	char name[NAME_MAX + 1];	/* without .gz */
	long idx;			/* N, or -1 with dateext */
	int raw, gz;			/* which forms exist */
	int64_t size;
	time_t mtime;
	int gone;			/* deleted by the plan */
};

/* OP_HEAL: a .gz is complete but its original stayed; OP_DROP: a
 * temporary file of a killed run (never data: its source still exists). */
enum op_kind { OP_DELETE, OP_RENAME, OP_ROTATE, OP_COMPRESS, OP_HEAL, OP_DROP };

struct op {
	enum op_kind kind;
	char from[NAME_MAX + 1], to[NAME_MAX + 1];
	int64_t size;
};

struct plan {
	struct rotated *r;
	size_t n;
	struct op *ops;
	size_t n_ops;
};

/*
 * The names in a directory, sorted (strcmp), read once per path glob: a
 * log's rotated files are the names it prefixes, found by binary search,
 * so a directory of N logs is read once rather than N times.  Taken before
 * any log of the glob is rotated; rotating a log only changes names that
 * log prefixes, and logs go in sorted order, so a later log never meets a
 * name an earlier one changed (a name that has gone is skipped: it fails
 * fstatat).
 */
struct dir_index {
	char **names;
	size_t n;
};

/* Reads the directory dfd into ix (sorted); RONDA_ENOMEM or RONDA_ESYS. */
int rot_index(int dfd, struct dir_index *ix);
void rot_index_release(struct dir_index *ix);

/* Is the log due (logrotate's rules for combining time and size)? */
int rot_is_due(const struct rot_opts *o, time_t last, time_t now, uint64_t size);

/* A fnmatch pattern for dateformat's output ("-%Y%m%d" -> "-[0-9]..."). */
void rot_date_glob(const char *fmt, char *out, size_t n);

/*
 * Lists the rotated files of log in tdir (regular files; others skipped),
 * and plans the removal of temporary files a killed run left.  The names
 * come from ix, the index of tdir, or from reading tdir when ix is NULL.
 */
int rot_list(int tdir, const struct dir_index *ix, const char *log,
	     const struct rot_opts *o, struct plan *p, struct maint_report *m,
	     const char *tpath);

/*
 * Plans the rotation of a due log from the listing in p, up to the rotation
 * and the deletions past "rotate N" and maxage, never a compression
 * (rot_plan_finish plans those, to run after postrotate): RONDA_EAGAIN (why
 * set) when the target name exists already (rotated in this period), or a
 * name a step renames to is taken by a file that is not one of the log's
 * rotated files (why names it: tpath is tdir's path).  In a dry run, also
 * what rot_plan_finish's heal would remove (m says why a pair stays).
 */
int rot_plan(int tdir, const char *log, int64_t log_size, time_t log_mtime,
	     const struct rot_opts *o, time_t now, struct plan *p,
	     struct maint_report *m, const char *tpath, struct buf *why);

/*
 * Appends to p the steps that finish a log's rotated files, rotated now or
 * left by an earlier run (a writer that held the file, a kill): with heal,
 * the removal of raw files whose .gz holds the same bytes (see rot_plan);
 * with compress, the compression of every raw rotated file but the newest
 * under delaycompress.
 */
int rot_plan_finish(int tdir, const struct rot_opts *o, struct plan *p, int heal,
		    struct maint_report *m, const char *tpath);

/*
 * Carries out (or, dry, only reports) the plan's steps in order on the log
 * (in dfd, at dpath; lst its stat) and its rotated files (in tdir, at
 * tpath), counting into m; stops at the first failure with why set.
 * dpath and lst may be NULL for a plan without OP_ROTATE.
 */
int rot_run_plan(int dfd, const char *dpath, const struct stat *lst, int tdir,
		 const char *tpath, const struct rot_opts *o, struct plan *p,
		 struct maint_report *m, struct buf *why);

#endif
