/*
 * summary.c - what a patrol tells people and programs: each host's
 * worst verdict, the terminal summary, JSON Lines, the per-run directory and
 * the exit code.  The Prometheus textfile is in prom.c.
 *
 * The summary is built for fleets: hosts that could not be patrolled are
 * grouped by cause, and every task problem is grouped by (task, verdict),
 * with its hosts folded into ranges and the spread of the check's main
 * value (`disk /var  fail  web[03,17-19] (4)  94%…97%`), so thousands of
 * hosts with a dozen problems fit on one screen.  Grouping sorts an array
 * of small entries once (fold.h); nothing is quadratic in the number of
 * hosts.
 */
#include "summary.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "escape.h"
#include "proto.h"
#include "color.h"
#include "fold.h"
#include "grow.h"
#include "spread.h"
#include "banned.h"

/* Widest folded host list shown in the summary; the JSON has them all. */
#define SUMMARY_HOSTS_WIDTH 44
#define SUMMARY_TASK_WIDTH 24

/* One row to group: a host (class, cause) or a host's task problem. */
struct entry {
	size_t host;
	int rank;		/* sort key: worse first */
	size_t order;		/* task: first appearance in the run */
	const char *key;	/* task name, or cause */
	const struct patrol_result *res;	/* task result, or NULL */
};

/* A group's key (fold.h): worse first, then the task's order, or the cause. */
static int entry_cmp(size_t ia, size_t ib, void *arg)
{
	const struct entry *a = (const struct entry *)arg + ia, *b = (const struct entry *)arg + ib;

	if (a->rank != b->rank)
		return b->rank - a->rank;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return strcmp(a->key, b->key);
}

/*
 * The value column: "94%\u202697%" when every result has the check's main
 * number (plus the message when there is one host), else the message,
 * marked "(varies)" when the hosts do not all say the same.
 */
static void describe(const struct entry *e, const size_t *idx, size_t n, struct buf *out)
{
	const struct main_value *how = NULL;
	const char *msg0 = e[idx[0]].res->message;
	char lo_s[96], hi_s[96];
	double v, lo = 0, hi = 0;
	size_t have = 0;
	int same = 1;

	for (size_t i = 0; i < n; i++) {
		const char *m = e[idx[i]].res->message;

		if (!m || !msg0 || strcmp(m, msg0))
			same = 0;
		if (main_value_of(e[idx[i]].res, &how, &v) == RONDA_OK) {
			lo = have && lo < v ? lo : v;
			hi = have && hi > v ? hi : v;
			have++;
		}
	}
	if (have == n && how) {
		main_value_put(lo_s, sizeof(lo_s), how, lo, 0);
		main_value_put(hi_s, sizeof(hi_s), how, hi, 0);
		buf_puts(out, lo_s);
		if (strcmp(lo_s, hi_s))
			buf_printf(out, "\u2026%s", hi_s);
		if (n == 1 && msg0)
			buf_printf(out, "  %.*s", (int)esc_cut(msg0, strlen(msg0), 80), msg0);
		return;
	}
	msg0 = msg0 ? msg0 : "";
	buf_printf(out, "%.*s%s", (int)esc_cut(msg0, strlen(msg0), 80), msg0,
		   same ? "" : " (varies)");
}

/* Folded names of the hosts of e[idx[0..n)], complete. */
static int fold_hosts(const struct target_list *tl, const struct entry *e, const size_t *idx,
		      size_t n, char **out)
{
	size_t *host = malloc((n ? n : 1) * sizeof(*host));
	struct buf f;
	int r;

	if (!host)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < n; i++)
		host[i] = e[idx[i]].host;
	buf_init(&f, BUF_DEFAULT_MAX);
	r = fold_names(tl, host, n, &f);
	free(host);
	if (r == RONDA_OK && !(*out = strdup(buf_data(&f))))
		r = RONDA_ENOMEM;
	buf_release(&f);
	return r;
}

int patrol_hosts_cut(const char *folded, size_t n, size_t width, struct buf *out)
{
	size_t len = strlen(folded);

	/* ASCII, so that printf's byte widths keep columns straight */
	if (width > 3 && len > width)
		return buf_printf(out, "%.*s... (%zu)", (int)(width - 3), folded, n);
	return buf_printf(out, "%s (%zu)", folded, n);
}

/* Task problems, worse first: error 3, fail 2, warn 1; others are none. */
static int verdict_rank(enum proto_verdict v)
{
	return v == VERDICT_ERROR ? 3 : v == VERDICT_FAIL ? 2 : v == VERDICT_WARN ? 1 : 0;
}

/* Entries for every task problem (warn, fail, error) on every host. */
static int task_entries(const struct target_list *tl, const struct patrol_host *hosts,
			struct entry **out, size_t *n_out)
{
	struct entry *e = NULL;
	json_t *order = json_object();
	size_t n = 0, alloc = 0, i, k;

	if (!order)
		return RONDA_ENOMEM;
	for (i = 0; i < tl->n; i++) {
		for (k = 0; k < hosts[i].n_results; k++) {
			const struct patrol_result *r = &hosts[i].results[k];
			const char *task = r->task;
			int rank = verdict_rank(r->verdict);
			json_t *o;

			if (!task || rank == 0)
				continue;
			o = json_object_get(order, task);
			if (!o && json_object_set_new(order, task, o = json_integer((json_int_t)json_object_size(order))))
				goto nomem;
			if (GROW(e, n, alloc, 64))
				goto nomem;
			e[n++] = (struct entry){ .host = i, .rank = rank, .key = task, .res = r,
						 .order = (size_t)json_integer_value(o) };
		}
	}
	json_decref(order);
	*out = e;
	*n_out = n;
	return RONDA_OK;
nomem:
	json_decref(order);
	free(e);
	return RONDA_ENOMEM;
}

/*
 * Groups e[0..n) into g (fold.h): runs of equal rank and cause (down
 * hosts) or equal rank and task (task problems).
 */
static int group_entries(const struct target_list *tl, const struct entry *e, size_t n,
			 int tasks, struct patrol_group **out, size_t *n_out)
{
	struct patrol_group *g = calloc(n ? n : 1, sizeof(*g));
	size_t ng = 0, from, to, *idx = NULL;
	int r;

	if (!g)
		return RONDA_ENOMEM;
	r = fold_sort(n, entry_cmp, (void *)(uintptr_t)e, &idx);
	for (from = 0; from < n && r == RONDA_OK; from = to) {
		struct patrol_group *w = &g[ng++];
		const struct entry *first = &e[idx[from]];
		struct buf value;

		to = fold_end(idx, from, n, entry_cmp, (void *)(uintptr_t)e);
		w->n = to - from;
		w->verdict = tasks ? proto_verdict_name(first->res->verdict)
				   : patrol_verdict_name((enum patrol_verdict)first->rank);
		r = fold_hosts(tl, e, idx + from, w->n, &w->hosts);
		buf_init(&value, 4096);
		if (tasks)
			describe(e, idx + from, w->n, &value);
		/* causes, task names and messages may quote the host: shown escaped */
		if (r == RONDA_OK && (!(w->key = esc_strdup(first->key, 0)) ||
				      !(w->value = esc_strdup(buf_data(&value), 0))))
			r = RONDA_ENOMEM;
		buf_release(&value);
	}
	free(idx);
	*out = g;
	*n_out = ng;
	return r;
}

void patrol_groups_release(struct patrol_groups *g)
{
	for (size_t i = 0; i < g->n_down; i++) {
		free(g->down[i].key);
		free(g->down[i].hosts);
		free(g->down[i].value);
	}
	for (size_t i = 0; i < g->n_tasks; i++) {
		free(g->tasks[i].key);
		free(g->tasks[i].hosts);
		free(g->tasks[i].value);
	}
	free(g->down);
	free(g->tasks);
	memset(g, 0, sizeof(*g));
}

int patrol_groups_build(const struct target_list *tl, const struct patrol_host *hosts,
			struct patrol_groups *out)
{
	struct patrol_groups g = { 0 };
	struct entry *e = calloc(tl->n ? tl->n : 1, sizeof(*e)), *te = NULL;
	size_t n = 0, nt = 0;
	int r;

	if (!e)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < tl->n; i++) {
		enum patrol_verdict v = patrol_host_verdict(&hosts[i]);

		g.counts[v]++;
		if (v == PV_ERROR || v == PV_UNREACHABLE)
			e[n++] = (struct entry){ .host = i, .rank = (int)v,
						 .key = patrol_host_why(&hosts[i]) };
	}
	r = group_entries(tl, e, n, 0, &g.down, &g.n_down);
	if (r == RONDA_OK)
		r = task_entries(tl, hosts, &te, &nt);
	if (r == RONDA_OK)	/* te is NULL when no task had a problem: nt is 0 */
		r = group_entries(tl, te, nt, 1, &g.tasks, &g.n_tasks);
	free(e);
	free(te);
	if (r) {
		patrol_groups_release(&g);
		return r;
	}
	*out = g;
	return RONDA_OK;
}

/* "44 ok", its verdict in colour when color. */
static void count(FILE *out, int color, size_t n, const char *verdict, const char *sep)
{
	fprintf(out, "%zu ", n);
	color_word(out, color && n, verdict, 0);
	fputs(sep, out);
}

int patrol_report_summary(FILE *out, const struct target_list *tl,
			  const struct patrol_host *hosts, int color)
{
	struct patrol_groups g;
	struct spread sp;
	struct buf *cut = NULL, line;
	size_t tw = 4, hw = 5, i;
	int r;

	if ((r = patrol_groups_build(tl, hosts, &g)))
		return r;
	fprintf(out, "%zu host(s): ", tl->n);
	count(out, color, g.counts[PV_OK], "ok", ", ");
	count(out, color, g.counts[PV_WARN], "warn", ", ");
	count(out, color, g.counts[PV_FAIL], "fail", ", ");
	count(out, color, g.counts[PV_UNREACHABLE], "unreachable", ", ");
	count(out, color, g.counts[PV_ERROR], "error", "\n");
	buf_init(&line, BUF_DEFAULT_MAX);
	for (i = 0; i < g.n_down && r == RONDA_OK; i++) {
		buf_reset(&line);
		r = patrol_hosts_cut(g.down[i].hosts, g.down[i].n, SUMMARY_HOSTS_WIDTH, &line);
		color_word(out, color, g.down[i].verdict, 12);
		fprintf(out, " %s: %.*s\n", buf_data(&line),
			(int)esc_cut(g.down[i].key, strlen(g.down[i].key), 160), g.down[i].key);
	}
	buf_release(&line);
	cut = calloc(g.n_tasks ? g.n_tasks : 1, sizeof(*cut));
	if (!cut && r == RONDA_OK)
		r = RONDA_ENOMEM;
	/* Cells first, so the columns can be as wide as they need and no wider. */
	for (i = 0; cut && i < g.n_tasks; i++) {
		buf_init(&cut[i], BUF_DEFAULT_MAX);
		if (r == RONDA_OK)
			r = patrol_hosts_cut(g.tasks[i].hosts, g.tasks[i].n, SUMMARY_HOSTS_WIDTH, &cut[i]);
		tw = strlen(g.tasks[i].key) > tw ? strlen(g.tasks[i].key) : tw;
		hw = buf_len(&cut[i]) > hw ? buf_len(&cut[i]) : hw;
	}
	tw = tw > SUMMARY_TASK_WIDTH ? SUMMARY_TASK_WIDTH : tw;
	if (g.n_tasks && r == RONDA_OK)
		fprintf(out, "\n%-*s  %-7s  %-*s  %s\n", (int)tw, "TASK", "VERDICT",
			(int)hw, "HOSTS", "VALUE");
	for (i = 0; cut && i < g.n_tasks; i++) {
		if (r == RONDA_OK) {
			fprintf(out, "%-*.*s  ", (int)tw, (int)tw, g.tasks[i].key);
			color_word(out, color, g.tasks[i].verdict, 7);
			fprintf(out, "  %-*s  %s\n", (int)hw, buf_data(&cut[i]), g.tasks[i].value);
		}
		buf_release(&cut[i]);
	}
	free(cut);
	patrol_groups_release(&g);
	/* every task's spread, ok hosts included: the answer when all is well */
	if (r == RONDA_OK && (r = spread_build(tl, hosts, &sp)) == RONDA_OK) {
		r = spread_report(out, tl, &sp, color);
		spread_release(&sp);
	}
	return r;
}
