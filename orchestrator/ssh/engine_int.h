/*
 * engine_int.h - what engine.c (the loop: timers, pacing, signals, the
 * life of a host) and engine_conn.c and engine_chan.c (the SSH states) share.  Not for use
 * outside the engine.
 */
#ifndef RONDA_ENGINE_INT_H
#define RONDA_ENGINE_INT_H

#include <sys/socket.h>

#include <ev.h>
#include <libssh2.h>

#include "engine.h"
#include "ident.h"
#include "remote.h"
#include "sshagent.h"

#define CHANNEL_WINDOW (256 * 1024)	/* not libssh2's 2 MiB: memory per host */
#define CHANNEL_PACKET 32768
#define CLOSE_GRACE 3.0			/* seconds for a killed command to close */
#define NODIR_RETRY 0.01		/* EAGAIN with no direction: poll again */
#define BACKOFF_BASE 0.5
#define BACKOFF_MAX 8.0

enum state {
	ST_QUEUED,
	ST_RESOLVE,
	ST_CONNECT,
	ST_HANDSHAKE,
	ST_HOSTKEY,
	ST_AUTH,
	ST_OPEN,
	ST_EXEC,
	ST_READ,
	ST_CLOSE,
	ST_DONE,
};


/*
 * What a state function tells the loop: GO, run the (new) state now; WAIT,
 * a watcher or timer calls again; STOP, the host left the machine
 * (finished, or queued for a retry).  "Step" means only the plan's step
 * (struct engine_step).
 */
enum advance { GO, WAIT, STOP };

struct engine;

struct conn {
	struct engine *e;
	size_t idx;
	const struct target *t;
	struct host_result *r;
	enum state state;
	int fd;
	LIBSSH2_SESSION *s;
	LIBSSH2_CHANNEL *ch;
	ev_io io;
	ev_timer deadline;	/* connect or command deadline */
	ev_timer tick;		/* no-direction poll, retry backoff */
	ev_timer ka;		/* keepalive while the command runs */
	const struct ident *ids[64];	/* identity files to offer, in order */
	size_t n_ids;
	struct agent_sign asign;	/* a signature under way at ssh-agent */
	ev_io agent_io;
	int agent_waiting;
	void *self;			/* libssh2's sign callback gets &self */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t ident;		/* next identity to try */
	double t0, t_phase;	/* attempt start, phase start */
	double t_first;		/* first attempt start, for ms_total */
	double last_rx;		/* last time the socket had data for us */
	char tail[REMOTE_STATUS_MAX];	/* last bytes of stderr */
	size_t tail_len;
	int killing;		/* we closed stdin to kill the command */
	int n_steps;		/* steps run so far on this host */
	struct engine_step step;	/* the current one */
	size_t in_off;		/* bytes of step.in written */
	int eof_sent;
	int timed_out;
	int in_flight;
};

struct engine {
	const struct engine_opts *o;
	struct ev_loop *loop;
	struct conn *conns;
	size_t n, next, running, finished;
	double next_start;	/* pacing: earliest time for the next start */
	double t_run;		/* the loop's start, for ms_start */
	ev_timer pacer;
	ev_signal sigint, sigterm;
	int interrupted;
	struct knownhosts *kh;
	struct ident_set ids;
	struct agent_keys akeys;	/* offered first, before identity files */
	struct dns *dns;	/* created on the first name that needs it */

};


/* The loop side (engine.c). */
void conn_set_state(struct conn *c, enum state s);
long conn_ms_since(struct conn *c, double t);
void conn_finish(struct conn *c);
enum advance conn_fail(struct conn *c, enum host_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Retried with backoff if attempts are left, else conn_fail(). */
enum advance conn_fail_transient(struct conn *c, enum host_status st, const char *why);
const char *conn_ssh_error(struct conn *c);
/* Waits for the socket in events (EV_READ|EV_WRITE); none: a short poll. */
enum advance conn_wait_for(struct conn *c, int events);
/* Waits in the directions libssh2 asks for. */
enum advance conn_wait_ssh(struct conn *c);

/* Asks the plan for the next step: ST_OPEN for another command, or the end. */
enum advance next_step(struct conn *c);

/* The SSH side (engine_conn.c): runs the function of c's state. */
enum advance engine_state_run(struct conn *c);

/* The channel states (engine_chan.c). */
enum advance st_open(struct conn *c);
enum advance st_exec(struct conn *c);
enum advance st_read(struct conn *c);
enum advance st_close(struct conn *c);

#endif
