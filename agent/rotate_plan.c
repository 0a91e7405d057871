/*
 * rotate_plan.c - listing a log's rotated files and planning its rotation;
 * see rotate_int.h.  Nothing here writes: a dry run and a real run share
 * the plan, and only rotate.c carries it out.
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsafe.h"
#include "rotate_int.h"
#include "grow.h"
#include "banned.h"

static int plan_op(struct plan *p, enum op_kind k, const char *from,
		   const char *to, int64_t size)
{
	struct op *o;

	if (p->n_ops >= MAX_OPS)
		return RONDA_ELIMIT;
	o = &p->ops[p->n_ops++];
	o->kind = k;
	snprintf(o->from, sizeof(o->from), "%s", from);
	snprintf(o->to, sizeof(o->to), "%s", to ? to : "");
	o->size = size;
	return RONDA_OK;
}

/* Days since 1970-01-01 of a calendar date (the time of day ignored). */
static long day_number(const struct tm *t)
{
	long y = t->tm_year + 1900L, m = t->tm_mon + 1, era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + t->tm_mday - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/*
 * Has the period changed between last and now?  As logrotate 3.21 decides
 * (its man page and findNeedRotating()), counting calendar days in local
 * time, never seconds:
 * - daily: another calendar day;
 * - weekly W: today is weekday W and the log was not rotated today, or the
 *   date advanced by 7 days or more (W = 7: only the latter);
 * - monthly, yearly: another month, another year.
 */
static int period_passed(const struct rot_opts *o, time_t last, time_t now)
{
	struct tm a, b;
	long days;

	if (o->freq == FREQ_NONE)
		return 0;
	localtime_r(&last, &a);
	localtime_r(&now, &b);
	days = day_number(&b) - day_number(&a);
	switch (o->freq) {
	case FREQ_DAILY:
		return days != 0;
	case FREQ_WEEKLY:
		return (b.tm_wday == o->weekday && days != 0) || days >= 7;
	case FREQ_MONTHLY:
		return a.tm_year != b.tm_year || a.tm_mon != b.tm_mon;
	case FREQ_YEARLY:
		return a.tm_year != b.tm_year;
	case FREQ_NONE:
		break;
	}
	return 0;
}

/* The logrotate rules for combining time and size. */
int rot_is_due(const struct rot_opts *o, time_t last, time_t now,
		  uint64_t size)
{
	int by_time = period_passed(o, last, now);

	if (o->size)
		return size >= o->size;
	if (o->maxsize && size >= o->maxsize)
		return 1;
	if (o->minsize && size < o->minsize)
		return 0;
	return by_time;
}

/* A fnmatch pattern for dateformat's output ("-%Y%m%d" -> "-[0-9]...") */
void rot_date_glob(const char *fmt, char *out, size_t n)
{
	static const char d[] = "[0-9]";
	size_t k = 0;

	for (; *fmt && k + 40 < n; fmt++) {
		int w = 0;

		if (*fmt != '%') {
			if (strchr("*?[\\", *fmt))
				out[k++] = '\\';
			out[k++] = *fmt;
			continue;
		}
		fmt++;
		w = *fmt == 'Y' ? 4 : *fmt == 's' ? 1 : 2;
		for (int i = 0; i < w; i++) {
			memcpy(out + k, d, 5);
			k += 5;
		}
		if (*fmt == 's')
			out[k++] = '*';
	}
	out[k] = '\0';
}

/* Highest index first: the order in which shifting cannot collide. */
static int cmp_rotated(const void *a, const void *b)
{
	const struct rotated *x = a, *y = b;

	if (x->idx != y->idx)
		return x->idx < y->idx ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Newest first: index 1, 2, ...; dates (which dateformat keeps sortable) descending. */
static int cmp_newest(const void *a, const void *b)
{
	const struct rotated *x = a, *y = b;

	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return strcmp(y->name, x->name);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void rot_index_release(struct dir_index *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		free(ix->names[i]);
	free(ix->names);
	ix->names = NULL;
	ix->n = 0;
}

int rot_index(int dfd, struct dir_index *ix)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int fd, r = RONDA_OK;

	ix->names = NULL;
	ix->n = 0;
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return RONDA_ESYS;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (GROW(ix->names, ix->n, cap, 256)) {
			r = RONDA_ENOMEM;
			break;
		}
		if (!(ix->names[ix->n] = strdup(de->d_name))) {
			r = RONDA_ENOMEM;
			break;
		}
		ix->n++;
	}
	closedir(d);
	if (r != RONDA_OK) {
		rot_index_release(ix);
		return r;
	}
	if (ix->n)
		qsort(ix->names, ix->n, sizeof(*ix->names), cmp_name);
	return RONDA_OK;
}

/* The first index of a name >= prefix. */
static size_t index_from(const struct dir_index *ix, const char *prefix)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->names[mid], prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* One name of tdir: a rotated file of log, a temporary file, or neither. */
static void list_one(int tdir, const char *name, const char *log,
		     const struct rot_opts *o, const char *pat, struct plan *p,
		     struct maint_report *m, const char *tpath)
{
	char base[NAME_MAX + 1], *end;
	size_t ll = strlen(log), bl = strlen(name), i;
	struct stat st;
	long idx;
	int gz;

	if (name[0] == '.' && strncmp(name + 1, log, ll) == 0 &&
	    bl > strlen(FSAFE_TMP) && strcmp(name + bl - strlen(FSAFE_TMP), FSAFE_TMP) == 0) {
		plan_op(p, OP_DROP, name, NULL, 0);
		return;
	}
	if (strncmp(name, log, ll) != 0 || !name[ll])
		return;
	gz = bl > 3 && strcmp(name + bl - 3, ".gz") == 0;
	snprintf(base, sizeof(base), "%.*s", (int)(gz ? bl - 3 : bl), name);
	idx = -1;
	if (o->dateext) {
		if (fnmatch(pat, base + ll, 0) != 0)
			return;
	} else {
		if (base[ll] != '.' || base[ll + 1] < '0' || base[ll + 1] > '9')
			return;
		idx = strtol(base + ll + 1, &end, 10);
		if (*end || idx < 1 || idx > 100000)
			return;
	}
	if (fstatat(tdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (fsafe_refuse(&st)) {
		maint_skip(m, tpath, name, "%s", fsafe_refuse(&st));
		return;
	}
	for (i = 0; i < p->n && strcmp(p->r[i].name, base) != 0; i++)
		;
	if (i == p->n) {
		if (p->n >= MAX_ROTATED)
			return;
		memset(&p->r[i], 0, sizeof(p->r[i]));
		snprintf(p->r[i].name, sizeof(p->r[i].name), "%s", base);
		p->r[i].idx = idx;
		p->n++;
	}
	if (gz)
		p->r[i].gz = 1;
	else
		p->r[i].raw = 1;
	p->r[i].size += st.st_size;
	if (st.st_mtime > p->r[i].mtime)
		p->r[i].mtime = st.st_mtime;
}

/* Lists the rotated files of log in tdir (regular files only). */
int rot_list(int tdir, const struct dir_index *ix, const char *log,
	     const struct rot_opts *o, struct plan *p, struct maint_report *m,
	     const char *tpath)
{
	char pat[400], dot[NAME_MAX + 2];
	struct dirent *de;
	size_t i;
	DIR *d;
	int fd;

	rot_date_glob(o->dateformat, pat, sizeof(pat));
	p->n = 0;
	if (ix) {
		/* The names log prefixes, then the temporary ones (".log..."). */
		for (i = index_from(ix, log); i < ix->n &&
		     strncmp(ix->names[i], log, strlen(log)) == 0; i++)
			list_one(tdir, ix->names[i], log, o, pat, p, m, tpath);
		snprintf(dot, sizeof(dot), ".%s", log);
		for (i = index_from(ix, dot); i < ix->n &&
		     strncmp(ix->names[i], dot, strlen(dot)) == 0; i++)
			list_one(tdir, ix->names[i], log, o, pat, p, m, tpath);
	} else {
		fd = openat(tdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || !(d = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			return RONDA_ESYS;
		}
		while ((de = readdir(d)))
			list_one(tdir, de->d_name, log, o, pat, p, m, tpath);
		closedir(d);
	}
	qsort(p->r, p->n, sizeof(*p->r), cmp_rotated);
	return RONDA_OK;
}

/* out = name + ".gz"; names that long cannot exist, so cutting is moot. */
static void with_gz(char *out, size_t n, const char *name)
{
	if (snprintf(out, n, "%s.gz", name) >= (int)n)
		out[0] = '\0';
}

/* name.gz when compressed (or planned so), else name. */
static const char *final_name(const struct rotated *r, char *buf, size_t n)
{
	if (r->gz && !r->raw) {
		with_gz(buf, n, r->name);
		return buf;
	}
	return r->name;
}

/*
 * Both name and name.gz: a compression finished but the original stayed.
 * The original goes only if the .gz holds exactly its bytes (compared here
 * for the plan, and again just before the removal); otherwise both stay and
 * the report says why.
 */
static void plan_heal(int tdir, struct plan *p, struct maint_report *m,
		      const char *tpath)
{
	const char *no;
	int r;

	for (size_t i = 0; i < p->n; i++) {
		struct rotated *rt = &p->r[i];

		if (!rt->raw || !rt->gz)
			continue;
		r = fsafe_heal(tdir, rt->name, 0, &no);
		if (r != RONDA_OK)
			maint_skip(m, tpath, rt->name, "%s", no ? no : ronda_strerror(r));
		else if (plan_op(p, OP_HEAL, rt->name, NULL, 0) == RONDA_OK)
			rt->raw = 0;
	}
}

/* Is name in tdir the source of an earlier step of the plan (so gone then)? */
static int moved_before(const struct plan *p, size_t upto, const char *name)
{
	for (size_t i = 0; i < upto; i++) {
		const struct op *op = &p->ops[i];

		if ((op->kind == OP_RENAME || op->kind == OP_DELETE || op->kind == OP_HEAL) &&
		    strcmp(op->from, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * Every name a step renames to must be free when its turn comes: absent now
 * or moved away by an earlier step.  Anything else (a name the listing
 * refused, such as a planted symlink or a hard link) blocks the whole plan
 * before anything moves, and why names it.
 */
static int plan_blocked(int tdir, const struct plan *p, const char *tpath,
			struct buf *why)
{
	struct stat st;

	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind != OP_RENAME && op->kind != OP_ROTATE)
			continue;
		if (fstatat(tdir, op->to, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !moved_before(p, i, op->to)) {
			buf_printf(why, "blocked by %s%s%s (%s, not a rotated file of ours; never overwritten)",
				   tpath, strcmp(tpath, "/") ? "/" : "", op->to,
				   fsafe_refuse(&st) ? fsafe_refuse(&st) : "it exists");
			return RONDA_EAGAIN;
		}
	}
	return RONDA_OK;
}

/* Builds the plan for a due log; tnew is the rotated name it gets. */
int rot_plan(int tdir, const char *log, int64_t log_size,
	     time_t log_mtime, const struct rot_opts *o, time_t now,
	     struct plan *p, struct maint_report *m, const char *tpath,
	     struct buf *why)
{
	char name[NAME_MAX + 1], to[NAME_MAX + 1], tmp[NAME_MAX + 1];
	struct rotated *r;
	struct tm tm;
	size_t i, live;
	int r_ok = RONDA_OK;

	/* A real run heals in its second pass (rot_plan_finish), where the
	 * removal stands alone; a dry run shows it here, with the rest. */
	if (o->dry)
		plan_heal(tdir, p, m, tpath);
	if (o->dateext) {
		localtime_r(&now, &tm);
		/* dateformat was checked in parse_opts: %Y %m %d %H %M %S %s only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (strftime(tmp, sizeof(tmp) - strlen(log) - 8, o->dateformat, &tm) == 0)
			return RONDA_ELIMIT;
#pragma GCC diagnostic pop
		snprintf(name, sizeof(name), "%s%s", log, tmp);
		for (i = 0; i < p->n; i++) {
			if (strcmp(p->r[i].name, name) == 0) {
				buf_printf(why, "%s already exists (already rotated in this period; never overwritten)",
					   final_name(&p->r[i], to, sizeof(to)));
				return RONDA_EAGAIN;
			}
		}
	} else {
		/* Past "rotate N" once shifted: delete (highest first). */
		for (i = 0; i < p->n; i++) {
			r = &p->r[i];
			if (r->idx < o->keep)
				continue;
			if (r->raw)
				r_ok |= plan_op(p, OP_DELETE, r->name, NULL, r->size);
			if (r->gz) {
				with_gz(to, sizeof(to), r->name);
				r_ok |= plan_op(p, OP_DELETE, to, NULL, r->size);
			}
			r->gone = 1;
		}
		for (i = 0; i < p->n; i++) {
			r = &p->r[i];
			if (r->gone)
				continue;
			snprintf(name, sizeof(name), "%s.%ld", log, r->idx + 1);
			if (r->raw)
				r_ok |= plan_op(p, OP_RENAME, r->name, name, r->size);
			if (r->gz) {
				with_gz(tmp, sizeof(tmp), r->name);
				with_gz(to, sizeof(to), name);
				r_ok |= plan_op(p, OP_RENAME, tmp, to, r->size);
			}
			snprintf(r->name, sizeof(r->name), "%s", name);
			r->idx++;
		}
		snprintf(name, sizeof(name), "%s.1", log);
	}
	r_ok |= plan_op(p, OP_ROTATE, log, name, log_size);
	if (r_ok != RONDA_OK || p->n >= MAX_ROTATED + 1)
		return RONDA_ELIMIT;
	/* The new rotated file goes to the front (it is the newest). */
	memmove(p->r + 1, p->r, p->n * sizeof(*p->r));
	memset(&p->r[0], 0, sizeof(p->r[0]));
	snprintf(p->r[0].name, sizeof(p->r[0].name), "%s", name);
	p->r[0].idx = o->dateext ? -1 : 1;
	p->r[0].raw = 1;
	p->r[0].size = log_size;
	p->r[0].mtime = log_mtime;
	p->n++;
	qsort(p->r + 1, p->n - 1, sizeof(*p->r), cmp_newest);
	/* Keep N (dateext: count them; index names were handled above). */
	for (i = 0, live = 0; i < p->n; i++) {
		r = &p->r[i];
		if (r->gone)
			continue;
		live++;
		if ((long)live > o->keep ||
		    (o->maxage >= 0 && i > 0 && (double)(now - r->mtime) > o->maxage * 86400)) {
			if (r->raw)
				r_ok |= plan_op(p, OP_DELETE, r->name, NULL, r->size);
			if (r->gz) {
				with_gz(to, sizeof(to), r->name);
				r_ok |= plan_op(p, OP_DELETE, to, NULL, r->size);
			}
			r->gone = 1;
		}
	}
	if (r_ok != RONDA_OK)
		return RONDA_ELIMIT;
	return plan_blocked(tdir, p, tpath, why);
}

int rot_plan_finish(int tdir, const struct rot_opts *o, struct plan *p, int heal,
		    struct maint_report *m, const char *tpath)
{
	struct rotated *r;
	int r_ok = RONDA_OK;
	size_t i;

	if (heal)
		plan_heal(tdir, p, m, tpath);
	qsort(p->r, p->n, sizeof(*p->r), cmp_newest);
	for (i = o->delaycompress ? 1 : 0; o->compress && i < p->n; i++) {
		r = &p->r[i];
		if (r->gone || !r->raw || r->gz)
			continue;
		r_ok |= plan_op(p, OP_COMPRESS, r->name, NULL, r->size);
	}
	return r_ok == RONDA_OK ? RONDA_OK : RONDA_ELIMIT;
}
