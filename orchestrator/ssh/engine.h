/*
 * engine.h - run one command on many hosts over SSH, concurrently.
 *
 * One libev loop drives every host.  Each host is a small state machine
 * (connect -> handshake -> host key -> auth -> open channel -> exec -> read
 * -> close), one function per state; a state that would block returns and
 * re-arms its ev_io from libssh2_session_block_directions(), and every host
 * has its own deadline timer, so no host can stall another.  Transient
 * connect failures are retried with backoff; nothing after the command
 * started is ever retried.
 *
 * Usage: fill struct engine_opts (engine_opts_init gives defaults), call
 * engine_run() with the targets and the remote command; results[i] belongs
 * to targets->v[i] and is released with host_result_release().  Commands
 * go through engine_cli_run() (engine_cli.h), which adds the progress line.
 */
#ifndef RONDA_ENGINE_H
#define RONDA_ENGINE_H

#include <stddef.h>

#include "buf.h"
#include "knownhosts.h"
#include "inventory/target.h"

enum host_status {
	RESULT_OK,			/* ran, exit 0 */
	RESULT_FAILED,		/* ran, non-zero exit */
	RESULT_UNREACHABLE,		/* name, route or port: no SSH server reached */
	RESULT_TIMEOUT,		/* a deadline passed, or the peer vanished */
	RESULT_HOSTKEY_CHANGED,	/* key differs from known_hosts (or revoked) */
	RESULT_HOSTKEY_UNKNOWN,	/* no key known and checking is strict */
	RESULT_AUTH,		/* no identity accepted */
	RESULT_PROTOCOL,		/* not SSH, key exchange failed, link lost */
	RESULT_ERROR,		/* local error */
	RESULT_INTERRUPTED,		/* stopped by Ctrl-C */
	RESULT_BECOME,		/* sudo -n refused (needs a password, not allowed) */
	RESULT_DEPLOY,		/* the agent could not be put on the host or run */
	RESULT_UNSUPPORTED,	/* no agent for the host's architecture */
	RESULT_AGENT,		/* the agent refused the job or broke protocol */
	RESULT_NOT_STARTED,	/* never started: --max-fail stopped the batches */
	RESULT_COUNT
};

/* Stable names used in JSON and summaries. */
const char *host_status_name(enum host_status s);
/* The status of that name back (run files, the warm daemon); RONDA_EINVAL
   for a name that is none, NULL included. */
int host_status_from_name(const char *name, enum host_status *s);

/*
 * What the SSH handshake agreed on, so that an operator can audit a fleet's
 * crypto in one run.  Empty strings until a handshake has succeeded.  The
 * MAC of an AEAD cipher (AES-GCM) is "<implicit>", as ssh -v says.
 */
struct ssh_methods {
	/* libssh2's names live in its static method tables, so a pointer
	   outlives the session: 48 bytes a host instead of 304.  NULL until
	   a handshake has succeeded. */
	const char *kex;
	const char *hostkey;	/* the host key algorithm, e.g. rsa-sha2-512 */
	const char *cipher[2];	/* [0] client to server, [1] server to client */
	const char *mac[2];
};

/* "a" when both directions agree, else "a/b" (OpenSSH's ssh -v shows both);
   NULL is "". */
void ssh_method_pair(const char *cs, const char *sc, char *out, size_t n);

struct host_result {
	enum host_status status;
	int has_exit;		/* exit_code is real */
	int exit_code;
	struct buf out, err;
	int out_cut, err_cut;	/* output passed --max-output */
	int attempts;
	/* milliseconds per phase, -1 when not reached */
	long ms_connect, ms_handshake, ms_auth, ms_run;
	long ms_total;		/* first attempt started to host done, retries
				   and backoff included; -1 if never started */
	long ms_start;		/* the run's start to the first attempt (queue
				   and pacing); -1 if never started */
	char why[256];		/* the cause, for people; empty when ok */
	size_t bytes_in;	/* stdin bytes sent to the host, all steps */
	struct ssh_methods methods;
};

/* An empty result (status RESULT_ERROR, no phase reached); engine_run
   makes its own. */
void host_result_init(struct host_result *r, size_t max_output);
void host_result_release(struct host_result *r);
/* Appends what of p[0..n) fits under b->max; *cut once something did not. */
void host_result_keep(struct buf *b, int *cut, const char *p, size_t n);

/*
 * One command on a host: a fresh channel of the host's session.  A host
 * runs a sequence of steps, decided one at a time by the caller's plan.
 */
struct engine_step {
	const char *cmd;	/* remote command line, already quoted */
	const char *in;		/* bytes for its stdin, or NULL */
	size_t inlen;
	int eof_after_in;	/* close stdin once `in` is written; otherwise
				   stdin stays open until the command ends */
	int guarded;		/* cmd runs under the exec guard (remote.h): its
				   status line gives the exit code */
	/* If set, stdout is handed to on_stdout as it arrives, in order, instead
	   of being kept in r->out (which stays empty for this step).  A non-OK
	   return ends the host with RESULT_ERROR and the message in r->why.
	   --max-output does not cut this stream: the consumer bounds itself. */
	int (*on_stdout)(void *arg, size_t i, const char *data, size_t n);
	void *on_stdout_arg;
	/* If set, stdin is pulled from on_stdin instead of `in`: called with
	   off, the bytes of this step's stdin written so far, it points *data
	   at the next *n bytes, valid until its next call.  *n = 0: nothing
	   more for now (it is asked again after every pass that read output,
	   so output may release more input); with eof_after_in, the end.
	   RONDA_EAGAIN: nothing for now even with eof_after_in (asked again
	   the same way; copy waits for the host's answers so).
	   The producer keeps one chunk per host (copy reads files with pread),
	   so a large stdin never sits in memory whole.  Any other non-OK
	   return ends the host with RESULT_ERROR, as on_stdout's does. */
	int (*on_stdin)(void *arg, size_t i, size_t off, const char **data, size_t *n);
	void *on_stdin_arg;
	/* The same for stderr, status line included (a guarded step's exit
	   code is still read from it). */
	int (*on_stderr)(void *arg, size_t i, const char *data, size_t n);
	void *on_stderr_arg;
	/* With on_stdout/on_stderr: keep the output in r->out and r->err too,
	   as without them (cut at --max-output, the status line removed). */
	int keep_output;
	/* If set, at most about this many stdin bytes (one write more) not yet
	   credited back by the server's window adjustments, for an OpenSSH
	   server less than a millisecond away (engine_chan.c): what the
	   command has not read waits on our side, not in sshd's channel
	   buffer, which grows by copying itself (quadratic in what it holds).
	   0, or any other server: the whole window. */
	size_t in_flight;
};

/*
 * Called after authentication (step 0) and after each step's channel has
 * closed, with r->out and r->err holding that step's output and r->status
 * RESULT_OK or RESULT_FAILED (guarded steps).  Returns 1 with *next filled
 * to run another step, 0 to finish the host with r as it stands (the plan
 * may set r->status and r->why), or -1 on a local error.
 */
typedef int (*engine_plan_fn)(void *arg, size_t i, const struct target *t,
			      struct host_result *r, int step,
			      struct engine_step *next);

struct engine;

struct engine_opts {
	engine_plan_fn plan;		/* what to run on each host */
	void *plan_arg;
	int forks;			/* sessions in flight */
	double rate;			/* new connections per second, 0 = no limit */
	size_t max_output;		/* per stream, per host; not for a step's
					   on_stdout, which bounds itself */
	const char *known_hosts;	/* file */
	const char *const *global_known_hosts;	/* also checked, never written */
	size_t n_global_known_hosts;
	enum hostkeys_mode hostkeys;
	int hostkeys_forced;		/* beats a host's StrictHostKeyChecking */
	double keepalive_interval;	/* seconds, 0 = off */
	int keepalive_count;		/* missed intervals before giving up */
	int keepalive_forced;		/* beats a host's ServerAlive* */
	int use_agent;			/* offer ssh-agent keys (SSH_AUTH_SOCK) */
	int jump_channels;		/* hosts in flight through one bastion */
	/* Called when a host finishes (for progress); may be NULL. */
	void (*on_done)(void *arg, size_t i, const struct host_result *r);
	void *arg;
	/* The index every callback (plan, on_done, a step's on_stdout,
	   on_stderr, on_stdin) gets for targets->v[0]: 0, or where a batch
	   starts in a longer list (--serial). */
	size_t first_index;
	/*
	 * Warm mode (ronda serve): every host holds its session.  A host that
	 * ends, for any reason, rests and connects again (host key checked
	 * again) after a backoff with jitter: hold_backoff doubling up to
	 * hold_backoff_max, from 0 again once a session is up.  on_done
	 * reports each end; the run ends only when interrupted
	 * (engine_interrupt, SIGINT, SIGTERM).  --forks is taken as the
	 * number of hosts; bastions are not supported here.
	 */
	int hold;
	double hold_backoff, hold_backoff_max;	/* seconds */
	/* Called once, when the loop exists and before any host starts: the
	   caller adds its own watchers to loop (an ev_loop) and keeps e for
	   engine_kick() and engine_interrupt(). */
	void (*on_start)(void *arg, struct engine *e, void *loop);
	void *start_arg;
};

void engine_opts_init(struct engine_opts *o);

/*
 * Warm mode: host i (its callback index) has new input for its step's
 * on_stdin; the engine asks for it soon.  Nothing happens to a host
 * that is not in a session (connecting, resting).
 */
void engine_kick(struct engine *e, size_t i);
/*
 * Warm mode: a command on another channel of host i's held session, beside
 * its plan's step (ronda serve's exec --warm).  cmd is quoted and guarded
 * (remote.h); in, if inlen, is its stdin, which stays open (closing it
 * makes the guard kill the command: a timeout does so).  Each stream keeps at
 * most max_output bytes.  on_end is called once, from the loop, with the
 * result: OK, or FAILED with the guard's exit code, TIMEOUT (killed after
 * timeout seconds), PROTOCOL (the channel, or the session ended); r is
 * gone after it returns.  Everything given is copied.  RONDA_EAGAIN: the
 * host holds no session now.
 */
struct engine_side_req {
	const char *cmd;
	const char *in;
	size_t inlen;
	size_t max_output;
	double timeout;
	void (*on_end)(void *arg, size_t i, const struct host_result *r);
	void *arg;
};

int engine_side_start(struct engine *e, size_t i, const struct engine_side_req *req);

/* Stops the run as a first Ctrl-C does: no new hosts, the ones in flight stopped. */
void engine_interrupt(struct engine *e);

/*
 * Connects to every target and runs the steps o->plan gives.  results must
 * have targets->n elements; engine_run initialises them.  Returns RONDA_OK when
 * the run completed (whatever the hosts did), RONDA_EAGAIN if it was
 * interrupted, or an error for a failure that stopped the run itself
 * (RONDA_ENOMEM also when libssh2 cannot initialise).  It calls
 * libssh2_init and libssh2_exit itself: callers need no libssh2 at all.
 */
int engine_run(const struct engine_opts *o, const struct target_list *targets,
	       struct host_result *results);

/*
 * Which libssh2 this ronda runs on, for --version: "libssh2 1.11.1
 * (Debian 13 source package, linked statically)" or "(system)".
 */
const char *engine_ssh_library(void);

#endif
