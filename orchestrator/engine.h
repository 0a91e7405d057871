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
 * to targets->v[i] and is released with host_result_release().
 */
#ifndef RONDA_ENGINE_H
#define RONDA_ENGINE_H

#include <stddef.h>

#include "buf.h"
#include "knownhosts.h"
#include "target.h"

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
	RESULT_COUNT
};

/* Stable names used in JSON and summaries. */
const char *host_status_name(enum host_status s);

struct host_result {
	enum host_status status;
	int has_exit;		/* exit_code is real */
	int exit_code;
	struct buf out, err;
	int out_cut, err_cut;	/* output passed --max-output */
	int attempts;
	/* milliseconds per phase, -1 when not reached */
	long ms_connect, ms_handshake, ms_auth, ms_run;
	char why[256];		/* the cause, for people; empty when ok */
};

void host_result_release(struct host_result *r);

struct engine_opts {
	int forks;			/* sessions in flight */
	double rate;			/* new connections per second, 0 = no limit */
	size_t max_output;		/* per stream, per host */
	const char *known_hosts;	/* file */
	enum hostkeys_mode hostkeys;
	double keepalive_interval;	/* seconds, 0 = off */
	int keepalive_count;		/* missed intervals before giving up */
	/* Called when a host finishes (for progress); may be NULL. */
	void (*on_done)(void *arg, size_t i, const struct host_result *r);
	void *arg;
};

void engine_opts_init(struct engine_opts *o);

/*
 * Runs remote_cmd (already quoted) on every target, or remote_cmd_become
 * on targets with become set.  results must have
 * targets->n elements; engine_run initialises them.  Returns RONDA_OK when
 * the run completed (whatever the hosts did), RONDA_EAGAIN if it was
 * interrupted, or an error for a failure that stopped the run itself.
 */
int engine_run(const struct engine_opts *o, const struct target_list *targets,
	       const char *remote_cmd, const char *remote_cmd_become,
	       struct host_result *results);

#endif
