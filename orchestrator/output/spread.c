/*
 * spread.c - see spread.h.
 *
 * One pass over every host's results makes one row per task (tasks in the
 * order they first appear), then each task's rows are sorted once, worst
 * first, and its numbers once, for the median: O(n log n) per task, for
 * fleets of thousands of hosts.
 */
#include "spread.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "color.h"
#include "err.h"
#include "escape.h"
#include "grow.h"
#include "inventory/hostlist.h"
#include "verdict.h"
#include "banned.h"

#define SPREAD_TASK_WIDTH 40	/* ad hoc task names are their specs */

static const struct main_value main_values[] = {
	{ "disk", "used_pct", "", "%", "%", 1, 1, 1 },		/* worst filesystem */
	{ "memory", "available_pct", "", "% avail", "%", 1, 1, -1 },
	{ "load", "per_cpu", "", "/cpu", "/cpu", 1, 2, 1 },
	{ "uptime", "uptime_s", "", "d", "d", 1.0 / 86400, 1, 1 },	/* up long: no new kernel */
	{ "process", "count", "", " procs", "", 1, 0, -1 },	/* a missing process */
	{ "clock", "offset_s", "", "s", "s", 1, 3, 2 },
	{ "sysctl", "value", "", "", "", 1, 6, 0 },
	{ "command", "exit", "exit ", "", "", 1, 0, 1 },
	{ "file", "age_s", "age ", "s", "s", 1, 0, 1 },		/* a stale file */
};

const struct main_value *main_value_for(const char *check)
{
	for (size_t i = 0; check && i < sizeof(main_values) / sizeof(main_values[0]); i++) {
		if (strcmp(check, main_values[i].check) == 0)
			return &main_values[i];
	}
	return NULL;
}

int main_value_of(const struct patrol_result *res, const struct main_value **how, double *v)
{
	const struct main_value *m = main_value_for(res->check);
	const json_t *vals = res->values, *fs, *x;
	size_t i;
	int found = 0;

	if (!m)
		return RONDA_ENOTFOUND;
	*how = m;
	if (strcmp(m->check, "disk") == 0) {
		/* A task over every filesystem: the fullest one is the story. */
		json_array_foreach(json_object_get(vals, "filesystems"), i, fs) {
			x = json_object_get(fs, "used_pct");
			if (json_is_number(x) && (!found || json_number_value(x) > *v)) {
				*v = json_number_value(x);
				found = 1;
			}
		}
		return found ? RONDA_OK : RONDA_ENOTFOUND;
	}
	x = json_object_get(vals, m->key);
	if (!json_is_number(x))
		return RONDA_ENOTFOUND;
	*v = json_number_value(x) * m->scale;
	return RONDA_OK;
}

void main_value_put(char *out, size_t n, const struct main_value *how, double v, int compact)
{
	char num[64];
	size_t k;

	snprintf(num, sizeof(num), "%.*f", how->decimals, v);
	if (strchr(num, '.')) {
		for (k = strlen(num); num[k - 1] == '0'; k--)
			num[k - 1] = '\0';
		if (num[k - 1] == '.')
			num[k - 1] = '\0';
	}
	snprintf(out, n, "%s%s%s", compact ? "" : how->prefix, strcmp(num, "-0") ? num : "0",
		 compact ? how->short_unit : how->unit);
}

/* Task verdicts, worse first: error 4, fail 3, warn 2, ok 1, skipped 0. */
static int rank(const struct patrol_result *r)
{
	if (!r)
		return -1;
	switch (r->verdict) {
	case VERDICT_ERROR: return 4;
	case VERDICT_FAIL: return 3;
	case VERDICT_WARN: return 2;
	case VERDICT_OK: return 1;
	case VERDICT_SKIPPED:
	case VERDICT__COUNT:
		break;
	}
	return 0;
}

/* How bad v is for the check: greater is worse. */
static double badness(const struct main_value *how, double v)
{
	if (!how)
		return 0;
	switch (how->worse) {
	case 1: return v;
	case -1: return -v;
	case 2: return fabs(v);
	default: return 0;
	}
}

struct sort_ctx {
	const struct main_value *how;
};

/* Worst first: values before none, then verdict, badness, host. */
static int item_cmp(const void *pa, const void *pb, void *arg)
{
	const struct spread_item *a = pa, *b = pb;
	const struct sort_ctx *c = arg;
	double ba, bb;

	if (a->has_value != b->has_value)
		return b->has_value - a->has_value;
	if (rank(a->res) != rank(b->res))
		return rank(b->res) - rank(a->res);
	if (a->has_value) {
		ba = badness(c->how, a->v);
		bb = badness(c->how, b->v);
		if (ba != bb)
			return ba > bb ? -1 : 1;
	}
	return (a->host > b->host) - (a->host < b->host);
}

static int dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

void spread_release(struct spread *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].order);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The row of task name, made at its first appearance; NULL: no memory. */
static struct task_spread *task_row(struct spread *s, size_t *alloc, json_t *index,
				    const struct patrol_result *r)
{
	json_t *at = json_object_get(index, r->task);

	if (at)
		return &s->v[json_integer_value(at)];
	if (GROW(s->v, s->n, *alloc, 8))
		return NULL;
	if (json_object_set_new(index, r->task, json_integer((json_int_t)s->n)))
		return NULL;
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	s->v[s->n].task = r->task;
	s->v[s->n].how = main_value_for(r->check);
	return &s->v[s->n++];
}

/* The counts, the worst-first order and min, median, max of one row. */
static int finish_row(struct task_spread *t)
{
	struct sort_ctx c = { t->how };
	double *v = malloc((t->n ? t->n : 1) * sizeof(*v));
	size_t k = 0;

	if (!v)
		return RONDA_ENOMEM;
	qsort_r(t->order, t->n_order, sizeof(*t->order), item_cmp, &c);
	for (size_t i = 0; i < t->n_order; i++)
		if (t->order[i].has_value)
			v[k++] = t->order[i].v;
	qsort(v, k, sizeof(*v), dbl_cmp);
	if (k) {
		t->min = v[0];
		t->max = v[k - 1];
		t->median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	}
	free(v);
	return RONDA_OK;
}

int spread_build(const struct target_list *tl, const struct patrol_host *hosts, struct spread *out)
{
	struct spread s = { 0 };
	json_t *index = json_object();
	size_t alloc = 0;
	int r = RONDA_ENOMEM;

	if (!index)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < tl->n; i++) {
		enum patrol_verdict hv = patrol_host_verdict(&hosts[i]);

		for (size_t k = 0; k < hosts[i].n_results; k++) {
			const struct patrol_result *res = &hosts[i].results[k];
			const struct main_value *how = NULL;
			struct task_spread *t;
			struct spread_item it = { .host = i, .res = res };
			int has = 0;

			if (!res->task)
				continue;
			if (!(t = task_row(&s, &alloc, index, res)))
				goto out;
			/* the row's check is its first host's; another check has no value here */
			has = main_value_of(res, &how, &it.v) == RONDA_OK && how == t->how;
			if (hv == PV_ERROR || hv == PV_UNREACHABLE) {
				t->n_down++;
			} else if (res->verdict == VERDICT_ERROR) {
				t->n_error++;
			} else if (!has) {
				t->n_novalue++;
			} else {
				it.has_value = 1;
				t->n++;
			}
			if (GROW(t->order, t->n_order, t->alloc_order, 16))
				goto out;
			t->order[t->n_order++] = it;
		}
	}
	r = RONDA_OK;
	for (size_t i = 0; i < s.n && r == RONDA_OK; i++)
		r = finish_row(&s.v[i]);
out:
	json_decref(index);
	if (r) {
		spread_release(&s);
		return r;
	}
	*out = s;
	return RONDA_OK;
}

/* "node0101 97%, node0107 96%": the worst hosts with a value, at most SPREAD_WORST. */
static int worst_cell(const struct target_list *tl, const struct task_spread *t, int color,
		      struct buf *out)
{
	const struct spread_item *best = NULL;
	size_t shown = 0;
	char v[64], best_s[64] = "";
	int r = RONDA_OK;

	for (size_t i = 0; i < t->n_order; i++) {
		const struct spread_item *it = &t->order[i];

		if (it->has_value && (!best || badness(t->how, it->v) < badness(t->how, best->v)))
			best = it;
	}
	if (best)
		main_value_put(best_s, sizeof(best_s), t->how, best->v, 1);

	for (size_t i = 0; i < t->n_order && shown < SPREAD_WORST && r == RONDA_OK; i++) {
		const struct spread_item *it = &t->order[i];
		const char *verdict = proto_verdict_name(it->res->verdict);

		if (!it->has_value)
			break;	/* they come last */
		main_value_put(v, sizeof(v), t->how, it->v, 1);
		/*
		 * A host that passed is worst only if some host shows a better
		 * value (rounding is monotonic, so the rest show the best too),
		 * and never when no way is worse.
		 */
		if (rank(it->res) <= 1 && (t->how->worse == 0 || strcmp(v, best_s) == 0))
			break;
		r = buf_printf(out, "%s%s%s %s%s", shown ? ", " : "", color ? color_sgr(verdict) : "",
			       tl->v[it->host].name, v, color ? COLOR_RESET : "");
		shown++;
	}
	if (!shown && r == RONDA_OK)
		r = buf_puts(out, "-");
	return r;
}

struct spread_cells {
	char *task;
	char hosts[48], min[64], median[64], max[64];
	struct buf worst;
};

int spread_report(FILE *out, const struct target_list *tl, const struct spread *s, int color)
{
	struct spread_cells *c = calloc(s->n ? s->n : 1, sizeof(*c));
	size_t w[5] = { 4, 5, 3, 6, 3 }, rows = 0, i;
	int r = RONDA_OK;

	if (!c)
		return RONDA_ENOMEM;
	/* Cells first, so the columns can be as wide as they need and no wider. */
	for (i = 0; i < s->n; i++) {
		const struct task_spread *t = &s->v[i];

		buf_init(&c[i].worst, BUF_DEFAULT_MAX);
		if (!t->how || r != RONDA_OK)
			continue;
		rows++;
		if (!(c[i].task = esc_strdup(t->task, 0))) {
			r = RONDA_ENOMEM;
			continue;
		}
		snprintf(c[i].hosts, sizeof(c[i].hosts), "%zu/%zu", t->n, tl->n);
		if (t->n) {
			main_value_put(c[i].min, sizeof(c[i].min), t->how, t->min, 1);
			main_value_put(c[i].median, sizeof(c[i].median), t->how, t->median, 1);
			main_value_put(c[i].max, sizeof(c[i].max), t->how, t->max, 1);
		} else {
			snprintf(c[i].min, sizeof(c[i].min), "-");
			snprintf(c[i].median, sizeof(c[i].median), "-");
			snprintf(c[i].max, sizeof(c[i].max), "-");
		}
		r = worst_cell(tl, t, color, &c[i].worst);
		w[0] = strlen(c[i].task) > w[0] ? strlen(c[i].task) : w[0];
		w[1] = strlen(c[i].hosts) > w[1] ? strlen(c[i].hosts) : w[1];
		w[2] = strlen(c[i].min) > w[2] ? strlen(c[i].min) : w[2];
		w[3] = strlen(c[i].median) > w[3] ? strlen(c[i].median) : w[3];
		w[4] = strlen(c[i].max) > w[4] ? strlen(c[i].max) : w[4];
	}
	w[0] = w[0] > SPREAD_TASK_WIDTH ? SPREAD_TASK_WIDTH : w[0];
	if (rows && r == RONDA_OK)
		fprintf(out, "\n%-*s  %*s  %-*s  %-*s  %-*s  %s\n", (int)w[0], "TASK", (int)w[1], "HOSTS",
			(int)w[2], "MIN", (int)w[3], "MEDIAN", (int)w[4], "MAX", "WORST");
	for (i = 0; i < s->n; i++) {
		if (c[i].task && r == RONDA_OK)
			fprintf(out, "%-*.*s  %*s  %-*s  %-*s  %-*s  %s\n", (int)w[0], (int)w[0], c[i].task,
				(int)w[1], c[i].hosts, (int)w[2], c[i].min, (int)w[3], c[i].median,
				(int)w[4], c[i].max, buf_data(&c[i].worst));
		free(c[i].task);
		buf_release(&c[i].worst);
	}
	free(c);
	return r;
}

/* One --values line. */
struct value_line {
	size_t host, task, seq;
	const char *verdict;
	char value[64];
};

static int line_by_host(const void *pa, const void *pb, void *arg)
{
	const struct value_line *a = pa, *b = pb;
	const struct target_list *tl = arg;
	int c;

	if (a->host != b->host &&
	    (c = hostlist_natural_cmp(tl->v[a->host].name, tl->v[b->host].name)))
		return c;
	if (a->host != b->host)
		return (a->host > b->host) - (a->host < b->host);
	if (a->task != b->task)
		return (a->task > b->task) - (a->task < b->task);
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* The lines of task ti (every host, worst first), appended to *v. */
static int task_lines(const struct target_list *tl, const struct patrol_host *hosts,
		      const struct spread *s, size_t ti, unsigned char *seen,
		      struct value_line **v, size_t *n, size_t *alloc)
{
	const struct task_spread *t = ti < s->n ? &s->v[ti] : NULL;
	const struct main_value *how;
	double x;

	memset(seen, 0, tl->n ? tl->n : 1);
	for (size_t i = 0; t && i < t->n_order; i++) {
		const struct spread_item *it = &t->order[i];
		struct value_line *l;

		if (GROW(*v, *n, *alloc, 64))
			return RONDA_ENOMEM;
		l = &(*v)[*n];
		*l = (struct value_line){ .host = it->host, .task = ti, .seq = *n,
					  .verdict = proto_verdict_name(it->res->verdict) };
		if (main_value_of(it->res, &how, &x) == RONDA_OK && how == t->how)
			main_value_put(l->value, sizeof(l->value), how, x, 1);
		else
			snprintf(l->value, sizeof(l->value), "-");
		seen[it->host] = 1;
		(*n)++;
	}
	/* hosts that sent no result for the task: their own verdict */
	for (size_t h = 0; h < tl->n; h++) {
		if (seen[h])
			continue;
		if (GROW(*v, *n, *alloc, 64))
			return RONDA_ENOMEM;
		(*v)[*n] = (struct value_line){ .host = h, .task = ti, .seq = *n,
						.verdict = patrol_verdict_name(patrol_host_verdict(&hosts[h])) };
		snprintf((*v)[*n].value, sizeof((*v)[*n].value), "-");
		(*n)++;
	}
	return RONDA_OK;
}

int patrol_report_values(FILE *out, const struct target_list *tl,
			 const struct patrol_host *hosts, enum values_sort sort, int color)
{
	struct spread s;
	struct value_line *v = NULL;
	unsigned char *seen = malloc(tl->n ? tl->n : 1);
	char **task = NULL;
	size_t n = 0, alloc = 0, n_tasks, hw = 1, tw = 1, vw = 1, i;
	int r;

	if (!seen)
		return RONDA_ENOMEM;
	if ((r = spread_build(tl, hosts, &s))) {
		free(seen);
		return r;
	}
	n_tasks = s.n ? s.n : 1;	/* no host ran a task: one line per host */
	task = calloc(n_tasks, sizeof(*task));
	if (!task)
		r = RONDA_ENOMEM;
	for (i = 0; i < n_tasks && r == RONDA_OK; i++) {
		if (!(task[i] = esc_strdup(s.n ? s.v[i].task : "-", 0)))
			r = RONDA_ENOMEM;
		else
			r = task_lines(tl, hosts, &s, i, seen, &v, &n, &alloc);
	}
	if (r == RONDA_OK && sort == VALUES_HOST)
		qsort_r(v, n, sizeof(*v), line_by_host, (void *)(uintptr_t)tl);
	for (i = 0; i < n && r == RONDA_OK; i++) {
		hw = strlen(tl->v[v[i].host].name) > hw ? strlen(tl->v[v[i].host].name) : hw;
		tw = strlen(task[v[i].task]) > tw ? strlen(task[v[i].task]) : tw;
		vw = strlen(v[i].value) > vw ? strlen(v[i].value) : vw;
	}
	for (i = 0; i < n && r == RONDA_OK; i++) {
		fprintf(out, "%-*s  %-*s  %-*s  ", (int)hw, tl->v[v[i].host].name, (int)tw,
			task[v[i].task], (int)vw, v[i].value);
		color_word(out, color, v[i].verdict, 0);
		fputc('\n', out);
	}
	for (i = 0; task && i < n_tasks; i++)
		free(task[i]);
	free(task);
	free(v);
	free(seen);
	spread_release(&s);
	return r;
}
