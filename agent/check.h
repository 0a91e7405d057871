/*
 * check.h - the agent's check types.
 *
 * Each check type may have a prepare function, which validates what only
 * the host can tell (regexes compile, users exist, host policy; ranges,
 * words and patterns are the schema's, in proto_schema.c, shared with the
 * orchestrator) and runs for every task before any task runs (and after
 * the agent is fully confined), and has a run function, which measures and
 * fills a check_result: a verdict, a short message for people, and the
 * measured values as JSON numbers.
 *
 * Checks that can block in the kernel (statvfs or stat on a hung NFS mount,
 * reading /proc/PID/cmdline of a process stuck with its mm locked) are
 * marked isolate: the job runner runs them in a child (the agent itself,
 * "--probe") under a deadline.  Before each call that can block they name
 * what they are about to touch with check_progress(), so that a child killed
 * at its deadline gives an error that says what hung.
 */
#ifndef RONDA_CHECK_H
#define RONDA_CHECK_H

#include <jansson.h>
#include <time.h>

#include "buf.h"
#include "proto.h"

struct policy;

/*
 * The process table as the first in-process process task read it: the
 * job's other such tasks count from it instead of walking /proc again
 * (a walk reads every /proc/PID/stat, about 15 us each).  Owned by the
 * job; check_procs_release() frees it.
 */
struct proc_ent {
	int pid;
	unsigned uid;
	char state;		/* R S D Z ... from /proc/PID/stat */
	char comm[16];
};
struct check_procs {
	int taken;
	size_t n, cap;
	struct proc_ent *v;
};
void check_procs_release(struct check_procs *p);

struct check_ctx {
	const struct proto_job *job;	/* NULL inside a probe child */
	double received;		/* wall clock when the job was read */
	double now;			/* "now" of rotate and cleanup: --now
					 * (tests), else 0 = the clock */
	const struct policy *policy;	/* host policy, or NULL */
	const char *self;		/* path to exec the agent again */
	const char *via;		/* --via: exec it through this program
					   (an emulator), with self as its
					   first argument; NULL: directly */
	int unconfined;			/* no filter (policy: sandbox optional):
					   the children may run without one */
	struct check_procs *procs;	/* the job's process table, or NULL */
};

struct check_result {
	int verdict;
	struct buf msg;
	json_t *values;		/* object */
};

struct check_ops {
	const char *name;
	int isolate;		/* run in a probe child under a deadline */
	double timeout;		/* default deadline, seconds */
	int (*prepare)(const struct proto_task *t, const struct check_ctx *c,
		       struct buf *err);	/* NULL: the schema says it all */
	int (*run)(const struct proto_task *t, const struct check_ctx *c,
		   struct check_result *res);
	/*
	 * Optional: the directory this task needs to exist before the agent
	 * confines itself (Landlock can only name what exists), written to
	 * dir; 0 if none.  The sandbox creates it only if it is a write path.
	 */
	int (*needs_dir)(const struct proto_task *t, const struct check_ctx *c,
			 char *dir, size_t n);
	/*
	 * Optional, with isolate: whether this task can block at all; NULL
	 * means always.  A probe child costs the host a fork and an exec of
	 * the agent (about 1.5 ms), so a task that cannot hang runs in-process.
	 */
	int (*isolate_if)(const struct proto_task *t);
};

const struct check_ops *check_find(const char *name);

/* "now" for age and period decisions: c->now, or the clock without one. */
time_t check_now(const struct check_ctx *c);

int check_result_init(struct check_result *r);
void check_result_release(struct check_result *r);

/* Raises r's verdict to v if v is worse (ok < warn < fail < error). */
void check_worse(struct check_result *r, int v);
/* Sets the message (replacing it) and raises the verdict. */
void check_say(struct check_result *r, int v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends "; ..." to the message and raises the verdict. */
void check_add(struct check_result *r, int v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void check_value(struct check_result *r, const char *key, double v);
void check_value_str(struct check_result *r, const char *key, const char *s);

/* Verdict of value against thresholds where higher is worse (or lower). */
int check_above(double value, double warn, double fail);
int check_below(double value, double warn, double fail);

/* Tells the parent (probe mode) what is about to be touched. */
void check_progress(const char *what, const char *arg);
void check_set_probe_mode(int on);
/* Whether this process is a probe child (its parent is the agent). */
int check_in_probe(void);

/* Reads a small file (≤ max bytes) into b (replacing its contents). */
int check_read_file(const char *path, struct buf *b, size_t max);

/*
 * The start of the agent's own command line for a child mode: argv gets
 * "ronda-agent", or VIA and the agent's path; *path is what to exec.
 * Returns the number of slots used (1 or 2).
 */
size_t check_self_argv(const struct check_ctx *c, char **argv, const char **path);

/* Runs an isolated check in a child under its deadline. */
int check_run_isolated(const struct proto_task *t, const struct check_ctx *c,
		       const struct check_ops *ops, struct check_result *res);
/* Probe mode: runs one task given as JSON, prints the result JSON. */
int check_probe_main(const char *task_json);

/* Parses a non-negative decimal integer; RONDA_EINVAL if s is not one. */
int check_parse_u64(const char *s, unsigned long long *v);

#endif
