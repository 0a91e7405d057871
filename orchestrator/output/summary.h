/*
 * summary.h - the patrol's summary for people: the groups it is made of
 * (shared by the terminal summary and the HTML page) and the terminal
 * table.  exec's summary is report_summary (report.h).
 */
#ifndef RONDA_SUMMARY_H
#define RONDA_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "inventory/target.h"
#include "patrol/results.h"
#include "verdict.h"

/*
 * The summary's groups: hosts that could not be patrolled grouped by
 * (verdict, cause), and task problems (warn, fail, error) grouped by
 * (task, verdict), worst first, tasks in the order they first appear.
 * Host lists are folded in full (fold.h).  Causes, task names and values
 * are for people: escaped (escape.h).
 */
struct patrol_group {
	char *key;		/* the cause, or the task name */
	const char *verdict;	/* host verdict name, or the task's verdict */
	size_t n;		/* hosts in the group */
	char *hosts;		/* folded names, "web[03,17-19]" */
	char *value;		/* task groups: spread of the main value
				   ("94%\u202697%") or the message; else "" */
};
struct patrol_groups {
	size_t counts[PV_UNREACHABLE + 1];	/* hosts per verdict */
	struct patrol_group *down, *tasks;
	size_t n_down, n_tasks;
};
int patrol_groups_build(const struct target_list *tl, const struct patrol_host *hosts,
			struct patrol_groups *out);
void patrol_groups_release(struct patrol_groups *g);
/* Appends "folded (n)", cut to width bytes (0: never) with "...". */
int patrol_hosts_cut(const char *folded, size_t n, size_t width, struct buf *out);

/*
 * Terminal summary: hosts ok / warn / fail / unreachable / error, then the
 * failing tasks grouped by task and verdict with hosts folded into ranges,
 * then every task's spread (spread.h).  color: verdicts in colour (color.h).
 */
int patrol_report_summary(FILE *out, const struct target_list *tl,
			  const struct patrol_host *hosts, int color);

#endif
