/*
 * engine_int.h - what the engine's files share; not for use outside it.
 *
 * engine.c is the loop: the queue, timers, pacing, retries, signals and the
 * life of a host; it runs the function of a host's state from the table.
 * engine_pool.c is part of it: the conns, one per session in flight, and
 * warm mode's rest.  engine_conn.c (resolve .. auth) and engine_chan.c (open .. close) hold
 * the state functions; they call only the loop's services declared here,
 * never each other.
 */
#ifndef RONDA_ENGINE_INT_H
#define RONDA_ENGINE_INT_H

#include <sys/socket.h>
#include <sys/types.h>

#include <ev.h>
#include <libssh2.h>

#include "engine.h"
#include "ident.h"
#include "keyunlock.h"
#include "remote.h"
#include "sshagent.h"

#define CHANNEL_WINDOW (256 * 1024)	/* not libssh2's 2 MiB: memory per host */
#define CHANNEL_PACKET 32768
#define NEAR_RTT_US 1000		/* engine_step.in_flight: hosts nearer (us) */
#define CLOSE_GRACE 3.0			/* seconds for a killed command to close */
#define NODIR_RETRY 0.01		/* EAGAIN with no direction: poll again */
#define BACKOFF_BASE 0.5
#define BACKOFF_MAX 8.0

/*
 * The states of a host, in the order a host goes through them.  Every
 * value has an entry in engine.c's table (name, function, the states it
 * may move to); two run no function: the loop moves a host out of them.
 */
enum state {
	ST_QUEUED,	/* waiting for a slot or a retry (no function) */
	ST_RESOLVE,	/* the address: as given, or from c-ares (engine_conn.c) */
	ST_CONNECT,	/* TCP (engine_conn.c) */
	ST_HANDSHAKE,	/* banner and key exchange (engine_conn.c) */
	ST_HOSTKEY,	/* against known_hosts (engine_conn.c) */
	ST_AUTH,	/* ssh-agent keys, then identity files (engine_conn.c) */
	ST_OPEN,	/* a channel for the plan's step (engine_chan.c) */
	ST_EXEC,	/* the step's command (engine_chan.c) */
	ST_READ,	/* stdin in, stdout and stderr out (engine_chan.c) */
	ST_CLOSE,	/* exit status; then the plan's next step (engine_chan.c) */
	ST_RELAY,	/* a bastion: carries its hosts' channels (engine_jump.c) */
	ST_REST,	/* warm mode: ended, to connect again after a backoff (no function) */
	ST_DONE,	/* finished, the result filled (no function) */
	ST_COUNT
};

/*
 * What a state function tells the loop: GO, run the (new) state now; WAIT,
 * a watcher or timer calls again; STOP, the host left the machine
 * (finished, or queued for a retry).  "Step" means only the plan's step
 * (struct engine_step).
 */
enum advance { GO, WAIT, STOP };

struct conn;
typedef enum advance (*state_fn)(struct conn *c);
struct jump;
struct relay;
struct side;

struct state_info {
	enum state state;	/* its own index, checked by the unit test */
	const char *name;	/* in debug logs */
	state_fn fn;		/* NULL: no function runs in this state */
	unsigned next;		/* STATE_BIT()s of the states it may move to */
};
#define STATE_BIT(s) (1u << (s))

/* Indexed by enum state, every value filled (engine.c). */
const struct state_info *engine_state(enum state s);

struct engine;

/*
 * One host.  The SSH states (engine_conn.c, engine_chan.c) read and write
 * the session part; the watchers and the bookkeeping are the loop's, which
 * the states reach only through the services below.
 */
struct conn {
	/* Who: set once by engine_run. */
	struct engine *e;
	size_t idx;		/* for callbacks: opts.first_index + its own */
	const struct target *t;
	struct host_result *r;
	enum state state;

	/* The SSH session (the states). */
	int fd;
	LIBSSH2_SESSION *s;
	LIBSSH2_CHANNEL *ch;
	struct sockaddr_storage addr;
	socklen_t addrlen;	/* 0 until resolved */
	int dns_asked;		/* a c-ares query is out */
	const struct ident *ids[64];	/* identity files to offer, in order */
	size_t n_ids;
	size_t ident;		/* next key to offer: agent keys, then a cert and a key per file */
	int in_auth;		/* the key at c->ident is being offered */
	char auth_note[256];	/* why a key was refused, for the final error */
	struct agent_sign asign;	/* a signature under way at ssh-agent */
	int agent_waiting;
	void *self;			/* libssh2's sign callback gets &self */
	char tail[REMOTE_STATUS_MAX];	/* last bytes of stderr */
	size_t tail_len;
	struct engine_step step;	/* the plan's current step */
	int n_steps;		/* steps run so far on this host */
	size_t in_off;		/* bytes of step.in written */
	unsigned long win0;	/* the server's window when the step's command
				   started; 0: step.in_flight does not apply */
	int eof_sent;
	int sink_err;		/* step.on_stdout's or on_stderr's refusal */

	/* The loop's: watchers, timers, clocks. */
	ev_io io;
	ev_io agent_io;
	ev_timer deadline;	/* connect or command deadline */
	ev_timer tick;		/* no-direction poll, retry backoff */
	ev_timer ka;		/* keepalive while the command runs */
	double t0, t_phase;	/* attempt start, phase start */
	double t_first;		/* first attempt start, for ms_total */
	double last_rx;		/* last time the socket had data for us */
	int killing;		/* we closed stdin to kill the command */
	int timed_out;
	int in_flight;
	int rests;		/* warm mode: ends since the last session was up */
	struct conn *pool_next;	/* the engine's free list or graveyard */
	struct side *sides;	/* warm mode: commands beside the step (engine_side.c) */

	/* Bastions (engine_jump.c). */
	struct conn *via;	/* the bastion it is reached through, or NULL */
	struct conn *wait_next;	/* in via's queue for a channel */
	int waiting;		/* in that queue */
	struct relay *relay;	/* its channel through via, once open */
	struct jump *jump;	/* set on a bastion's own conn */
	pid_t proxy_pid;	/* its ProxyCommand, 0: none (engine_proxy.c) */
};

/* Shared by every host of one engine_run. */
struct engine {
	const struct engine_opts *o;
	struct ev_loop *loop;
	/*
	 * A pool of conns, one per session in flight (at most --forks), not
	 * one per host: a host waiting or done costs only its target and its
	 * result.  A finished conn goes to the graveyard and is reused only
	 * from the loop (recycle), never while a callback of its old host may
	 * still be on the stack.
	 */
	struct conn *conns;
	size_t n_conns;
	struct conn *free, *graveyard;
	ev_timer recycle;
	struct conn **by_host;	/* warm mode: each host's conn, by its own index */
	const struct target_list *tl;
	struct host_result *results;
	size_t n, next, running, finished;
	size_t max_running;	/* --forks; every host in warm mode */
	double next_start;	/* pacing: earliest time for the next start */
	double t_run;		/* the loop's start, for ms_start */
	ev_timer pacer;
	ev_signal sigint, sigterm;
	int interrupted;
	/* read by the states */
	struct knownhosts *kh;
	struct ident_set ids;
	struct agent_keys akeys;	/* offered first, before identity files */
	struct keyunlock unlocked;	/* ronda's agent for encrypted keys */
	struct dns *dns;	/* created on the first name that needs it */
	struct conn *jumps;	/* the bastions, n_jumps of them, not in conns */
	struct host_result *jump_results;
	size_t n_jumps;
	pid_t *proxies;		/* ProxyCommands told to stop, not yet reaped */
	size_t n_proxies, alloc_proxies;
};

/*
 * The loop's services (engine.c), the only way the states touch timers,
 * watchers and the life of a host.  Those returning enum advance give the
 * value the state function returns.
 */
void conn_set_state(struct conn *c, enum state s);
double conn_now(const struct conn *c);
long conn_ms_since(const struct conn *c, double t);
/* Ends the host with st and a reason for people; STOP. */
enum advance conn_fail(struct conn *c, enum host_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Retried with backoff if attempts are left, else conn_fail(); STOP. */
enum advance conn_fail_transient(struct conn *c, enum host_status st, const char *why);
const char *conn_ssh_error(struct conn *c);
/* Waits for the socket in events (EV_READ|EV_WRITE); none: a short poll. */
enum advance conn_wait_for(struct conn *c, int events);
/* Waits in the directions libssh2 asks for. */
enum advance conn_wait_ssh(struct conn *c);
/* Waits on ssh-agent's socket (c->asign) in events. */
enum advance conn_wait_agent(struct conn *c, int fd, int events);
/* The socket is no longer watched (the next wait sets it again). */
void conn_unwatch(struct conn *c);
/* The address is known: counts an attempt, arms the connect deadline; GO in ST_CONNECT. */
enum advance conn_attempt(struct conn *c);
/* Runs the host's states now, from a callback no loop watcher made (the resolver). */
void conn_resume(struct conn *c);
/* The resolver has answered a host it had been asked for (c->dns_asked cleared). */
void conn_dns_done(struct conn *c);
/* Authenticated: the connect deadline gives way to the command's, keepalives start. */
void conn_connected(struct conn *c);
/* Asks the plan for the next step: GO in ST_OPEN, or the host ends (STOP). */
enum advance conn_next_step(struct conn *c);

/*
 * The loop's own (engine.c), shared with its pool (engine_pool.c) only;
 * the states never call these.
 */
void conn_setup(struct conn *c, struct engine *e, size_t i,
		const struct target *t, struct host_result *r);
void conn_drop_session(struct conn *c);	/* every resource of the attempt; twice is safe */
void conn_advance(struct conn *c);	/* runs the host's states until one waits or stops */
void conn_poll_cb(struct ev_loop *loop, ev_timer *w, int revents);
void engine_start_more(struct engine *e);	/* within --forks, the pool and --rate */
/* The pool (engine_pool.c). */
struct conn *pool_take(struct engine *e, size_t i);	/* set up for host i; e->free not empty */
void pool_recycle_cb(struct ev_loop *loop, ev_timer *w, int revents);	/* e->recycle */
void pool_fail_unstarted(struct engine *e, const char *why);
void conn_rest(struct conn *c);	/* warm mode: reports the end, connects again later */

/* Starts a queued bastion (its first attempt) from the loop, not from a caller's state. */
void conn_start_jump(struct conn *j);
/* Finishes a bastion nobody needs any more: a goodbye, no verdict. */
void conn_finish_jump(struct conn *j);
/* Runs the host's states from the loop soon (not from inside another host's). */
void conn_kick(struct conn *c);
/* Warm mode: host i's conn (its callback index), or NULL (engine_pool.c). */
struct conn *conn_of_host(struct engine *e, size_t i);

/* engine_side.c: runs the host's side channels as far as they go (1: one
   ended); drops them all, each ending with st and why. */
int engine_sides_run(struct conn *c);
void engine_sides_drop(struct conn *c, enum host_status st, const char *why);
/* Keeps the last cap bytes of a stream in tail (engine_chan.c). */
void engine_keep_tail(char *tail, size_t *len, size_t cap, const char *p, size_t n);
/* The guarded command's exit code from its stderr's tail, into r (engine_chan.c). */
void engine_guard_status(struct host_result *r, const char *tail, size_t tail_len);

/*
 * Bastions (engine_jump.c).  A host behind one asks it for a channel in
 * ST_CONNECT; GO once c->fd is its end of a socketpair the bastion pumps.
 */
enum advance jump_channel(struct conn *c);
/* The host lets go of its bastion: out of the queue, its channel closed. */
void jump_drop(struct conn *c);
/* One more host or bastion is behind j. */
void jump_use(struct conn *j);
/* A host or bastion behind j is done; j ends when none is left. */
void jump_release(struct conn *j);
/* j has ended: every host still behind it gets "via bastion j: why". */
void jump_ended(struct conn *j);
int jump_init(struct conn *j);
void jump_free(struct conn *j);
/* The recv() of a bastion's session: skips the call when the socket has nothing. */
ssize_t jump_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract);
/* The bastion's socket is readable. */
void jump_rx(struct conn *j);

/*
 * ProxyCommand (engine_proxy.c).  proxy_start: c->fd becomes the command's
 * stdin and stdout; on error, why says so.  proxy_note: "; ProxyCommand
 * exited with status N" once it has, for the host's error.  proxy_stop:
 * TERM to its group (from drop_session); proxy_reap_all at the run's end.
 */
int proxy_start(struct conn *c, char *why, size_t n);
const char *proxy_note(struct conn *c, char *buf, size_t n);
void proxy_stop(struct conn *c);
void proxy_reap_all(struct engine *e);

/* The host's own setting (ssh_config) unless the command line forces the run's. */
enum hostkeys_mode conn_hostkeys(const struct conn *c);
double conn_keepalive(const struct conn *c);	/* seconds, 0: off */
int conn_keepalive_count(const struct conn *c);

/* The states (engine_conn.c, engine_chan.c), for the table. */
enum advance st_resolve(struct conn *c);
enum advance st_connect(struct conn *c);
enum advance st_handshake(struct conn *c);
enum advance st_hostkey(struct conn *c);
enum advance st_auth(struct conn *c);
enum advance st_open(struct conn *c);
enum advance st_exec(struct conn *c);
enum advance st_read(struct conn *c);
enum advance st_close(struct conn *c);
enum advance st_relay(struct conn *c);

#endif
