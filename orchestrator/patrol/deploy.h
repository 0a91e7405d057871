/*
 * deploy.h - getting the agent onto a host and running it there, over the
 * host's one SSH session, as steps of the engine (engine.h).
 *
 * Step "run": a POSIX sh bootstrap picks the agent for the host's
 * architecture (uname -m) and checks the cache directory
 * $HOME/.cache/ronda, or REMOTE_TMP/ronda-UID with --remote-tmp
 * (created with umask 077; refused if it is a symlink, or not ours and
 * 0700), verifies the cached agent-<sha256> by its
 * hash, and execs it with the job already waiting on stdin.  If the agent
 * is missing or does not match its hash, it says so instead, and whether
 * the host has gzip.
 * Step "upload": the agent's bytes, gzip-compressed where the host has gzip,
 * go to a temporary name (unpacked), are checked by their hash, and are
 * renamed into place; older agents are pruned to the newest two.  The job
 * follows the bytes on stdin, and the stored agent runs at once, in the
 * same step.
 * With --become the agent runs under sudo -n; with -K, under sudo -S once
 * the host has said its sudo wants a password (see struct push_become).
 *
 * So a second patrol of the same hosts uploads nothing, concurrent runs
 * never see a partial agent, and a tampered cached agent is replaced, never
 * run.  The bootstrap prints one "RONDA <word> ..." line before anything
 * else (with -K, "RONDA pass" may come first, then the line); the
 * agent's JSON Lines follow (common/PROTOCOL.md).
 *
 * Every step's stdout streams in (engine_step.on_stdout): the status line
 * is picked out of it, and the agent's lines are decoded as they arrive
 * (results.h), so no host's raw output is ever held whole.  At most
 * max_output bytes of a step's stdout are taken; past that the host is an
 * agent error saying so.
 */
#ifndef RONDA_DEPLOY_H
#define RONDA_DEPLOY_H

#include <stddef.h>

#include "agent_bin.h"
#include "buf.h"
#include "ssh/engine.h"
#include "plan.h"
#include "results.h"
#include "proto.h"
#include "secret.h"

/* Where a host is in its deploy sequence: the step that runs (or ended). */
enum deploy_state {
	DEPLOY_CONNECTED,	/* authenticated, nothing run yet */
	DEPLOY_RUN,		/* the bootstrap: runs the cached agent */
	DEPLOY_UPLOAD,		/* the agent's bytes, to the cache, then it runs */
	DEPLOY_DONE		/* the host's verdict is set */
};

struct push_host;

/*
 * --become-user and -K (ssh/become.h).  With pass, a host that becomes
 * asks for the password only if its sudo wants one (the bootstrap's "pass"
 * status, then "run pass" or "run nopass"): the line goes on the channel's
 * stdin, read in place from its page, before the job; a wrong one is
 * RESULT_BECOME at once.  Both must outlive the push_ctx.
 */
struct push_become {
	const char *user;		/* sudo -u USER, or NULL: sudo's default */
	const struct secret *pass;	/* -K: the password and its newline, or NULL */
};

/*
 * Warm mode (ronda serve): the bootstrap and the upload start the resident
 * agent, `ronda-agent serve` (common/PROTOCOL.md "Warm mode"), instead of
 * `run` with a job.  Once the host says it runs, started is called, and
 * from then on its stdout goes to out and its stdin comes from in, whose
 * off counts from the agent's first byte.  The step never ends while the
 * agent lives: when it does end, the host does, RESULT_AGENT with the last
 * line of its stderr.  A non-OK return from out or in ends the host as
 * engine_step's callbacks say.  Must outlive the push_ctx.
 */
struct push_serve {
	void (*started)(void *arg, size_t i);
	int (*out)(void *arg, size_t i, const char *data, size_t n);
	int (*in)(void *arg, size_t i, size_t off, const char **data, size_t *n);
	void *arg;
};

struct push_ctx {
	struct agent_set *agents;	/* one per architecture; gzip made
					   on the first upload that wants it */
	const struct patrol_plan *plan;	/* the job, made per host when sent */
	struct buf *jobs;		/* per host: the job line as sent */
	size_t n;
	const char *profile;		/* inspect or maintain */
	struct patrol_host *hosts;	/* one per target, filled as hosts end */
	struct push_host *host;		/* per host: its state and its step's
					   output so far (deploy.c) */
	size_t max_output;		/* stdout bytes taken per step
					   (--max-output); SIZE_MAX by default */
	struct buf run, run_become;	/* the remote command lines */
	struct buf upload[AGENT_ARCH_MAX][2][2];	/* per agent: raw, gzip; user, become */
	struct proto_job expect;	/* the job's tasks, to hold results against */
	struct push_become bec;
	const struct push_serve *serve;	/* warm mode, or NULL */
};

/*
 * Prepares the remote command lines; hosts has n entries; bec may be NULL
 * (plain --become: sudo -n as sudo's default user).
 * Each host's job is made when it is sent, so its "now" is the moment the
 * agent receives it and the clock check measures skew, not queueing.
 */
int push_ctx_init(struct push_ctx *p, struct agent_set *agents,
		  const struct patrol_plan *plan, const char *remote_tmp, size_t n,
		  struct patrol_host *hosts, const struct push_become *bec);
/* Warm mode: the same for the resident agent (no plan, no job, no -K). */
int push_ctx_init_serve(struct push_ctx *p, struct agent_set *agents,
			const char *remote_tmp, size_t n, struct patrol_host *hosts,
			const struct push_serve *serve);
void push_ctx_release(struct push_ctx *p);

/* The options of every command that pushes the agent (check, run, serve):
   --agent FILE into v[*n] (at most AGENT_ARCH_MAX), --remote-tmp DIR. */
int push_opt_agent(const char **v, size_t *n, const char *arg, struct buf *err);
int push_opt_remote_tmp(const char **dir, const char *arg, struct buf *err);

/* The engine plan (engine_plan_fn) of a patrol; arg is a struct push_ctx. */
int push_plan(void *arg, size_t i, const struct target *t,
	      struct host_result *r, int step, struct engine_step *next);

#endif
