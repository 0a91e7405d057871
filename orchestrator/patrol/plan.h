/*
 * plan.h - what a patrol is made of: a job for the agent, from a playbook
 * (playbook.h) or from `ronda check` specs (checkspec.h).
 *
 * Flow (cmd_patrol.c):
 *   playbook_load() or checkspec_parse() -> struct patrol_plan
 *   patrol_plan_job()                      -> the job JSON line for the agent
 *   the deploy steps push and run the agent (deploy.h)
 *   results.h decodes what it sends back    -> struct patrol_host per host
 *   output/ (summary.h, json.h, files.h...) -> terminal, JSON Lines, files
 *
 * The job and the agent's lines follow common/PROTOCOL.md.
 */
#ifndef RONDA_PLAN_H
#define RONDA_PLAN_H

#include <stddef.h>

#include <jansson.h>

struct buf;
struct proto_job;

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

/* The job line (one JSON object and a newline) for the agent. */
int patrol_plan_job(const struct patrol_plan *p, double now, struct buf *out);
/* The job as the agent will see it (names defaulted): its task list, for
   the results to be held against (results.h). */
int patrol_plan_expect(const struct patrol_plan *p, struct proto_job *job);

#endif
