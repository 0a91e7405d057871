/*
 * spawner.h - run one child program under a deadline, with captured output.
 * (The interface of spawn.c; named so as not to shadow the system <spawn.h>.)
 *
 * Every child of the agent starts here, through posix_spawn: in a process
 * group of its own, default signal dispositions and an empty mask, stdin from
 * /dev/null, stdout and stderr on pipes, every other descriptor closed, and
 * the environment PATH + LANG=C only.  Both pipes are read together (poll),
 * each up to its cap; bytes past the cap are read and dropped, and the result
 * says so.  At the deadline the whole group gets SIGTERM, then SIGKILL after a
 * grace period, and only then is the leader reaped, so that the group id
 * cannot be reused under us.  When the leader exits, what is left of its group
 * is killed too.
 *
 * A caller must:
 *   1. call spawn_init() once, before any spawn_run() (it installs SIGCHLD,
 *      SIGTERM, SIGHUP and SIGINT handlers and makes the agent a subreaper);
 *   2. call spawn_run() for each child; RONDA_ESYS with errno ECANCELED means
 *      the agent was told to stop (signal, or EOF on the watched descriptor)
 *      and the child has been killed and reaped;
 *   3. check spawn_aborted() between children, and before exiting call
 *      spawn_reap_orphans(), which kills and reaps whatever escaped its group
 *      (a child that called setsid and was reparented to us).
 * An agent still running SPAWN_STOP_GRACE seconds after a stop signal, or
 * past what spawn_deadline() set, is ended by SIGALRM (exit 75), whatever
 * it was doing.
 */
#ifndef RONDA_SPAWN_H
#define RONDA_SPAWN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SPAWN_GRACE 1.0		/* seconds between SIGTERM and SIGKILL */
#define SPAWN_STOP_GRACE 5	/* seconds from a stop signal to the forced exit */
#define SPAWN_CAP_DEFAULT ((size_t)64 << 10)

struct spawn_req {
	const char *path;	/* absolute path of the program */
	char *const *argv;	/* argv[0] included; NULL-terminated */
	double timeout;		/* seconds, > 0 */
	double grace;		/* seconds; 0 = SPAWN_GRACE */
	size_t out_max;		/* cap on captured stdout; 0 = default */
	size_t err_max;		/* cap on captured stderr; 0 = default */
};

struct spawn_res {
	struct buf out, err;
	int out_truncated, err_truncated;
	int status;		/* wait status of the leader */
	int timed_out;		/* the deadline passed and the group was killed */
	double ms;		/* wall time from spawn to reap */
};

/* watch_fd: a descriptor whose EOF means "stop everything" (or -1). */
int spawn_init(int watch_fd);

void spawn_res_init(struct spawn_res *res);
void spawn_res_release(struct spawn_res *res);

int spawn_run(const struct spawn_req *req, struct spawn_res *res);

/*
 * Non-zero once the agent was told to stop: the signal number, -1 for EOF
 * on the watched descriptor, -2 for the watched reader gone.  Polls
 * without blocking.
 */
int spawn_aborted(void);

/* Ends the agent (SIGALRM, exit 75) secs from now: the job's hard deadline. */
void spawn_deadline(double secs);

/*
 * fd (the agent's stdout, when stdin cannot be watched for EOF because it
 * carries more jobs: `serve`): once its reader is gone, stop as for EOF on
 * the watched descriptor; spawn_aborted() then says -2.
 */
void spawn_watch_reader(int fd);

/* Disarms what spawn_deadline() set, unless a stop signal armed it. */
void spawn_deadline_clear(void);

/*
 * A descriptor that becomes readable when a signal arrives, for a caller
 * that waits in poll() outside spawn_run(); spawn_aborted() then says
 * whether it was a stop.
 */
int spawn_signal_fd(void);

/* Kills and reaps every process left over; returns how many it killed. */
int spawn_reap_orphans(void);

/*
 * Describes a wait status for a person ("exit 3", "killed by SIGKILL",
 * "killed by the sandbox (SIGSYS)") into out.
 */
void spawn_describe(int status, int timed_out, char *out, size_t n);

/*
 * posix_spawn takes char *const argv[] but never writes through it; this
 * states that once instead of casting const away at every call.
 */
static inline char *spawn_arg(const char *s)
{
	return (char *)(uintptr_t)s;
}

/* Why spawn_run() failed, for a result message (reads errno). */
const char *spawn_failure(int r);

/* The fixed environment every child gets. */
extern char *const spawn_env[];

#endif
