/*
 * patrol.h - what a patrol is made of: a job for the agent (from a playbook
 * or from `ronda check` specs), and per-host results that come back.
 *
 * Flow (cmd_run.c / cmd_check.c):
 *   playbook_load() or checkspec_parse() -> struct patrol_plan
 *   patrol_plan_job()                      -> the job JSON line for the agent
 *   engine pushes and runs the agent       -> struct patrol_host per host
 *   patrol_report_*()                      -> terminal, JSON Lines, files
 *
 * The job and the agent's lines follow common/PROTOCOL.md.
 */
#ifndef RONDA_PATROL_H
#define RONDA_PATROL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "ssh/engine.h"
#include "inventory/target.h"

struct buf;

/* A playbook or a set of ad hoc checks, ready to become a job. */
struct patrol_plan {
	char *name;		/* playbook name, or "check" */
	char *profile;		/* "inspect" or "maintain" */
	double timeout;		/* whole job, seconds; 0: agent default */
	int become;		/* run the agent through sudo -n */
	json_t *tasks;		/* array of task objects, in agent format */
	json_t *write_paths;	/* array, maintain only; may be NULL */
	int dry_run;		/* rotation and cleanup only report what they
				   would do, under the read-only inspect profile */
};

/*
 * `ronda run --preview`: a dry run on the hosts.  The job is sent under the
 * inspect profile with "dry_run": rotation and cleanup only report, and
 * every other task (command included) runs under the same read-only rules.
 */
void patrol_plan_preview(struct patrol_plan *p);

/* The profile the agent runs the plan's job under. */
const char *patrol_plan_profile(const struct patrol_plan *p);

void patrol_plan_init(struct patrol_plan *p);
void patrol_plan_release(struct patrol_plan *p);

/*
 * Loads a libconfig playbook.  Errors name file and line in err and return
 * RONDA_ECONFIG.  tags/skip_tags (NULL-terminated, may be NULL) filter
 * tasks by their tags.
 */
int playbook_load(const char *path, const char *const *tags,
		  const char *const *skip_tags, struct patrol_plan *out,
		  struct buf *err);

/*
 * Parses one ad hoc check written on the command line (see `ronda check
 * --help`), e.g. "disk:/var:90%", "load:2", "proc:nginx", "port:443",
 * and appends its task to plan->tasks.  RONDA_EINVAL with a message.
 */
int checkspec_parse(const char *spec, struct patrol_plan *plan, struct buf *err);
extern const char checkspec_help[];

/* The job line (one JSON object and a newline) for the agent. */
int patrol_plan_job(const struct patrol_plan *p, double now, struct buf *out);

/* What one host sent back. */
struct patrol_host {
	const struct host_result *conn;	/* connection status and timings */
	json_t *facts;			/* the agent's facts line, or NULL */
	json_t *results;		/* array of result lines, in task order */
	json_t *summary;		/* the summary line, or NULL */
	const char *agent_error;	/* the agent's error line, or why the
					   agent could not run; NULL if fine */
	size_t uploaded;		/* agent bytes sent to this host */
};

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
/*
 * Prometheus textfile, written atomically (temp file + rename).  Every
 * sample carries playbook="..." (unless NULL), so that the files of two
 * scheduled playbooks never hold the same series.
 */
int patrol_report_prom(const char *path, const char *playbook,
		       const struct target_list *tl, const struct patrol_host *hosts,
		       double duration_s);
/*
 * Self-contained HTML report (inline CSS, no scripts, everything escaped),
 * written atomically.  title: the playbook's name.
 */
int patrol_report_html(const char *path, const char *title, const struct target_list *tl,
		       const struct patrol_host *hosts, double duration_s);
/* One directory per run under dir: per-host JSON files and the summary. */
int patrol_report_out(const char *dir, const struct target_list *tl,
		      const struct patrol_host *hosts, char *run_dir,
		      size_t run_dir_len);
/* 0 all ok, 1 some warn or fail, 2 some host unreachable or errored. */
int patrol_exit_code(const struct patrol_host *hosts, size_t n);

#endif
