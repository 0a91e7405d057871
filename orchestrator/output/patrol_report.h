/*
 * patrol_report.h - what a patrol tells people and programs: each host's
 * worst verdict and why, the summary's groups, the terminal summary, JSON
 * Lines, the per-run directory and the exit code.
 */
#ifndef RONDA_PATROL_REPORT_H
#define RONDA_PATROL_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "exitcode.h"
#include "inventory/target.h"
#include "patrol/results.h"

/* Worst outcome, for exit codes and the summary table. */
enum patrol_verdict {
	PV_OK, PV_WARN, PV_FAIL, PV_ERROR, PV_UNREACHABLE
};
enum patrol_verdict patrol_host_verdict(const struct patrol_host *h);
/* "ok", "warn", "fail", "error", "unreachable" (JSON, files, metrics). */
const char *patrol_verdict_name(enum patrol_verdict v);

/* Why a host is unreachable or in error, for people; "" otherwise. */
const char *patrol_host_why(const struct patrol_host *h);

/*
 * The summary's groups, shared by the terminal summary and the HTML report:
 * hosts that could not be patrolled grouped by (verdict, cause), and task
 * problems (warn, fail, error) grouped by (task, verdict), worst first,
 * tasks in the order they first appear.  Host lists are folded in full.
 * Causes, task names and values are for people: escaped (escape.h).
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
 * failing tasks grouped by task and verdict with hosts folded into ranges.
 */
int patrol_report_summary(FILE *out, const struct target_list *tl,
			  const struct patrol_host *hosts);
/* JSON Lines: one object per host per task, plus one per host. */
int patrol_report_json(FILE *out, const struct target_list *tl,
		       const struct patrol_host *hosts);
/* One directory per run under dir: per-host JSON files and the summary. */
int patrol_report_out(const char *dir, const struct target_list *tl,
		      const struct patrol_host *hosts, char *run_dir,
		      size_t run_dir_len);
/* The exit code, patrol_exit_code, is in exitcode.h. */

#endif
