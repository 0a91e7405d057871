/*
 * job.h - one run of the agent: read a job, confine, check, report.
 *
 * The order matters and is the point of this module:
 *   1. read the job's bytes (bounded in size and time) and the host policy;
 *   2. apply no_new_privs + seccomp (and Landlock for inspect) - before the
 *      job is parsed, so a parser bug meets a confined process;
 *   3. parse and validate the whole job and prepare every task; any error
 *      is one "error" line and exit AGENT_EXIT_BADJOB, with nothing run;
 *   4. Landlock for maintain (it needs the job's write_paths);
 *   5. facts line, one result line per task (each written whole, as soon as
 *      it is known), summary line.
 */
#ifndef RONDA_JOB_H
#define RONDA_JOB_H

#include "proto.h"

/* Exit codes of ronda-agent (sysexits.h values where one fits). */
enum agent_exit {
	AGENT_EXIT_OK = 0,		/* ran; no fail or error verdict */
	AGENT_EXIT_FAILED = 1,		/* ran; some task failed or errored */
	AGENT_EXIT_USAGE = 64,		/* bad command line */
	AGENT_EXIT_BADJOB = 65,		/* malformed job; nothing ran */
	AGENT_EXIT_NOSANDBOX = 69,	/* sandbox could not be applied; nothing ran */
	AGENT_EXIT_INTERNAL = 70,	/* the agent's own failure */
	AGENT_EXIT_STOPPED = 75,	/* signal, orchestrator gone; children killed */
	AGENT_EXIT_POLICY = 78,		/* host policy file unusable; nothing ran */
};

struct agent_opts {
	enum proto_profile profile;	/* --profile; the job must agree */
	int watch_stdin;		/* EOF on stdin after the job = stop */
	int no_landlock;		/* --no-landlock */
	const char *policy_path;	/* --policy, default POLICY_PATH */
	const char *self;		/* how to exec the agent again */
	const char *via;		/* --via PROGRAM: exec it through that
					   (check_ctx.via) */
	const char *builtin_job;	/* --self-test: the job text */
	double now;			/* --now EPOCH (tests); 0 = the clock */
	int serve;			/* `serve`: framed jobs, inspect only */
};

/* Runs one job from in_fd, writes lines to out_fd; returns the exit code. */
int job_main(const struct agent_opts *o, int in_fd, int out_fd);

/*
 * `serve`: confines once, then runs framed jobs from in_fd one after
 * another, answering each in frames on out_fd, until EOF (0), a broken
 * frame (65) or a stop (75).  See PROTOCOL.md "Warm mode".
 */
int serve_main(const struct agent_opts *o, int in_fd, int out_fd);

/* The --self-test job. */
extern const char job_self_test[];

#endif
