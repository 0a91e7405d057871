/*
 * spread.h - each task's values across the fleet, for the on-call
 * question the summary answers even when every host is ok ("how full is
 * /var everywhere?"): the check's main value per host, its min, median
 * and max, and the worst hosts; and every host's value (`--values`).
 *
 *   struct spread s;
 *   rc = spread_build(tl, hosts, &s);       one row per task, in run order
 *   s.v[i]: counts, min/median/max, s.v[i].order[0..n_order) worst first
 *   spread_release(&s);
 *
 * A task's rows are the hosts that ran it.  Worst first means: worse task
 * verdict first (error, fail, warn, ok, skipped), then the value in the
 * direction that is bad for the check (disk, load, age: higher; memory,
 * process count: lower; clock: farther from 0), then the host's place.
 * Only hosts patrolled to the end (host verdict ok, warn or fail) with the
 * value give a number; the others are counted apart.
 */
#ifndef RONDA_SPREAD_H
#define RONDA_SPREAD_H

#include <stddef.h>
#include <stdio.h>

#include "inventory/target.h"
#include "patrol/results.h"

/* How a check's main value is found, shown, and which way is worse. */
struct main_value {
	const char *check, *key, *prefix, *unit, *short_unit;
	double scale;
	int decimals;
	int worse;		/* +1 higher is worse, -1 lower, 2 farther
				   from 0, 0 neither (sysctl) */
};
/* The check's main value; NULL if it has none (port, mount, service). */
const struct main_value *main_value_for(const char *check);
/* The result's main number (disk: its fullest filesystem); RONDA_ENOTFOUND if none. */
int main_value_of(const struct patrol_result *res, const struct main_value **how, double *v);
/*
 * "94%", "1.25/cpu", "exit 1" (trailing zeros off); compact: without
 * spaces, for columns ("94%", "1.25/cpu", "1").
 */
void main_value_put(char *out, size_t n, const struct main_value *how, double v, int compact);

#define SPREAD_WORST 5

/* One host's row of a task. */
struct spread_item {
	size_t host;				/* index in the target list */
	const struct patrol_result *res;	/* NULL: no result (host down) */
	double v;
	int has_value;
};

struct task_spread {
	const char *task;		/* as sent by the first host (raw) */
	const struct main_value *how;	/* NULL: the check has no main value */
	size_t n;			/* hosts with the value */
	size_t n_error;			/* task error (could not measure) */
	size_t n_down;			/* result from a host in error */
	size_t n_novalue;		/* skipped, or no value in the result */
	double min, median, max;	/* over the n values */
	struct spread_item *order;	/* every host with a result, worst first */
	size_t n_order, alloc_order;
};

struct spread {
	struct task_spread *v;
	size_t n;
};

int spread_build(const struct target_list *tl, const struct patrol_host *hosts, struct spread *out);
void spread_release(struct spread *s);

/*
 * The summary's spread table: one line per task whose check has a main
 * value: hosts with the value of all hosts, min, median, max and the
 * SPREAD_WORST worst hosts with their values (coloured by verdict when
 * color).  A host with a value is among the worst if its task did not
 * pass, or if it passed and some host shows a better value (so a fleet
 * where every host shows the same lists none: "-"); for a check where no
 * way is worse (sysctl), only hosts that did not pass.
 */
int spread_report(FILE *out, const struct target_list *tl, const struct spread *s, int color);

enum values_sort { VALUES_WORST, VALUES_HOST };
/*
 * --values: one line per host per task, "HOST  TASK  VALUE  VERDICT" in
 * columns, tasks in run order; by task and worst first (hosts without a
 * value last), or by host name then task.  Hosts that ran no task at all
 * (unreachable, refused) get one line per task with their verdict and
 * "-".  color: verdicts in colour (color.h).
 */
int patrol_report_values(FILE *out, const struct target_list *tl,
			 const struct patrol_host *hosts, enum values_sort sort, int color);

#endif
