/*
 * engine.c - the loop of the engine (see engine.h): the queue of hosts,
 * starting them within --forks and --rate, deadlines, retries with
 * backoff, keepalives, Ctrl-C, and the table of states.  The state
 * functions live in engine_conn.c and engine_chan.c and reach the loop
 * only through the services of engine_int.h.
 *
 * A struct conn is one host in flight.  conn_advance() calls the function of the
 * current state until one says WAIT (libssh2 would block: arm ev_io for
 * the directions libssh2 asks for, or a short timer if it names none) or
 * STOP.  Each state function either advances c->state or finishes the
 * host through conn_fail().  Deadlines: the connect deadline covers TCP, banner,
 * key exchange and authentication; then the command deadline (if any) and
 * keepalives take over.
 */
#include "engine_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <libssh2.h>

#include "dns.h"
#include "err.h"
#include "ident.h"
#include "knownhosts.h"
#include "log.h"
#include "remote.h"
#include "sshagent.h"
#include "banned.h"

#define B STATE_BIT
/* where a host may end: done, or in warm mode resting before it connects again */
#define END (B(ST_DONE) | B(ST_REST))

/*
 * The state table: one entry per state, in enum order, no holes (the
 * assertion below and the unit test check it).  `next` documents where a
 * state may go; conn_set_state() complains about any other move.  Any
 * state before ST_OPEN may go back to ST_QUEUED: a transient failure, or
 * the connect deadline, retries the host.
 */
static const struct state_info states[] = {
	/* runs nothing: engine_start_more() or the retry timer moves it on */
	{ ST_QUEUED, "queued", NULL, B(ST_RESOLVE) | B(ST_CONNECT) | END },
	{ ST_RESOLVE, "resolve", st_resolve, B(ST_CONNECT) | END },
	{ ST_CONNECT, "connect", st_connect, B(ST_HANDSHAKE) | B(ST_QUEUED) | END },
	{ ST_HANDSHAKE, "handshake", st_handshake, B(ST_HOSTKEY) | B(ST_QUEUED) | END },
	{ ST_HOSTKEY, "hostkey", st_hostkey, B(ST_AUTH) | END },
	{ ST_AUTH, "auth", st_auth, B(ST_OPEN) | B(ST_RELAY) | B(ST_QUEUED) | END },
	{ ST_OPEN, "open", st_open, B(ST_EXEC) | END },
	{ ST_EXEC, "exec", st_exec, B(ST_READ) | END },
	{ ST_READ, "read", st_read, B(ST_CLOSE) | END },
	{ ST_CLOSE, "close", st_close, B(ST_OPEN) | END },
	{ ST_RELAY, "relay", st_relay, B(ST_DONE) },
	/* runs nothing: the rest timer connects it again (a new session) */
	{ ST_REST, "rest", NULL, B(ST_RESOLVE) | B(ST_DONE) },
	/* runs nothing: the host is finished */
	{ ST_DONE, "done", NULL, 0 },
};
_Static_assert(sizeof states / sizeof states[0] == ST_COUNT, "one entry per state");

#undef END
#undef B

const struct state_info *engine_state(enum state s)
{
	return (unsigned)s < ST_COUNT ? &states[s] : NULL;
}

enum hostkeys_mode conn_hostkeys(const struct conn *c)
{
	return c->t->hostkeys > 0 && !c->e->o->hostkeys_forced ?
		(enum hostkeys_mode)(c->t->hostkeys - 1) : c->e->o->hostkeys;
}

double conn_keepalive(const struct conn *c)
{
	if (c->t->keepalive_interval == 0 || c->e->o->keepalive_forced)
		return c->e->o->keepalive_interval;
	return c->t->keepalive_interval > 0 ? c->t->keepalive_interval : 0;
}

int conn_keepalive_count(const struct conn *c)
{
	return c->t->keepalive_count > 0 && !c->e->o->keepalive_forced ?
		c->t->keepalive_count : c->e->o->keepalive_count;
}

void conn_set_state(struct conn *c, enum state s)
{
	if (!(states[c->state].next & STATE_BIT(s)))
		log_error("%s: engine: undocumented state change %s -> %s", c->t->name,
			  states[c->state].name, states[s].name);
	log_debug("%s: %s -> %s", c->t->name, states[c->state].name, states[s].name);
	c->state = s;
}

double conn_now(const struct conn *c)
{
	return ev_now(c->e->loop);
}

long conn_ms_since(const struct conn *c, double t)
{
	return lround((ev_now(c->e->loop) - t) * 1000);
}


/* Frees every resource of the attempt; safe to call twice. */
void conn_drop_session(struct conn *c)
{
	struct ev_loop *loop = c->e->loop;

	ev_io_stop(loop, &c->io);
	ev_io_stop(loop, &c->agent_io);
	jump_drop(c);
	proxy_stop(c);
	sshagent_sign_release(&c->asign);
	sshagent_sign_init(&c->asign);
	ev_timer_stop(loop, &c->tick);
	ev_timer_stop(loop, &c->ka);
	ev_timer_stop(loop, &c->deadline);
	engine_sides_drop(c, c->e->interrupted ? RESULT_INTERRUPTED : RESULT_PROTOCOL,
			  c->e->interrupted ? "interrupted; command killed"
					    : "the held session ended while the command ran");
	if (c->ch) {
		libssh2_channel_free(c->ch);	/* best effort: may say EAGAIN */
		c->ch = NULL;
	}
	if (c->s) {
		/* Close the socket first so freeing cannot wait on the peer. */
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
		libssh2_session_free(c->s);
		c->s = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

static void conn_finish(struct conn *c)
{
	struct engine *e = c->e;

	if (e->o->hold && !e->interrupted && !c->jump) {
		conn_rest(c);
		return;
	}
	if (c->jump) {
		/* Its hosts first, while its session still holds their channels. */
		conn_set_state(c, ST_DONE);
		jump_ended(c);
		conn_drop_session(c);
		if (c->via)
			jump_release(c->via);
		return;
	}
	conn_drop_session(c);
	conn_set_state(c, ST_DONE);
	if (c->via)
		jump_release(c->via);
	if (c->r->attempts)
		c->r->ms_total = conn_ms_since(c, c->t_first);
	if (c->in_flight) {
		c->in_flight = 0;
		e->running--;
	}
	e->finished++;
	if (e->o->on_done)
		e->o->on_done(e->o->arg, c->idx, c->r);
	c->pool_next = e->graveyard;
	e->graveyard = c;
	if (!ev_is_active(&e->recycle))
		ev_timer_start(e->loop, &e->recycle);
	if (e->finished == e->n)
		ev_break(e->loop, EVBREAK_ALL);
	else
		engine_start_more(e);
}

enum advance conn_fail(struct conn *c, enum host_status st, const char *fmt, ...)
{
	va_list ap;

	c->r->status = st;
	va_start(ap, fmt);
	vsnprintf(c->r->why, sizeof(c->r->why), fmt, ap);
	va_end(ap);
	log_debug("%s: %s: %s", c->t->name, host_status_name(st), c->r->why);
	conn_finish(c);
	return STOP;
}

/*
 * Asks the caller's plan for the next step on this host: another command
 * on a fresh channel of the same session, or the end.
 */
enum advance conn_next_step(struct conn *c)
{
	struct engine_step st;
	int more;

	if (c->jump) {
		conn_set_state(c, ST_RELAY);
		return GO;
	}
	memset(&st, 0, sizeof(st));
	more = c->e->o->plan(c->e->o->plan_arg, c->idx, c->t, c->r, c->n_steps, &st);
	if (more <= 0 || c->e->interrupted) {
		if (more < 0 && c->r->status == RESULT_OK)
			c->r->status = RESULT_ERROR;
		if (c->n_steps)	/* a polite goodbye; do not wait for it */
			libssh2_session_disconnect(c->s, "done");
		conn_finish(c);
		return STOP;
	}
	c->n_steps++;
	c->step = st;
	c->in_off = 0;
	c->eof_sent = 0;
	c->tail_len = 0;
	c->r->has_exit = 0;
	buf_reset(&c->r->out);
	buf_reset(&c->r->err);
	c->r->out_cut = c->r->err_cut = 0;
	conn_set_state(c, ST_OPEN);
	return GO;
}

const char *conn_ssh_error(struct conn *c)
{
	char *msg = NULL;

	if (!c->s)
		return "no session";
	libssh2_session_last_error(c->s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown libssh2 error";
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	(void)revents;
	if (conn_attempt(c) == GO)
		conn_advance(c);
}

/*
 * Transient connect failures are retried with exponential backoff and
 * jitter, so a host that is rebooting or a burst that overflowed a listen
 * queue gets another chance, but many hosts do not retry in lock-step.
 */
enum advance conn_fail_transient(struct conn *c, enum host_status st,
				const char *why)
{
	double delay;

	if (c->r->attempts > c->t->retries || c->e->interrupted)
		return conn_fail(c, st, "%s (after %d attempt%s)", why, c->r->attempts,
			    c->r->attempts == 1 ? "" : "s");
	conn_drop_session(c);
	delay = BACKOFF_BASE * pow(2, c->r->attempts - 1);
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	delay *= 0.5 + (double)random() / RAND_MAX;
	log_debug("%s: %s; retry %d in %.2fs", c->t->name, why, c->r->attempts, delay);
	conn_set_state(c, ST_QUEUED);
	ev_timer_stop(c->e->loop, &c->tick);
	ev_set_cb(&c->tick, retry_cb);
	ev_timer_set(&c->tick, delay, 0);
	ev_timer_start(c->e->loop, &c->tick);
	return STOP;
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	if (revents & EV_READ) {
		c->last_rx = ev_now(c->e->loop);
		jump_rx(c);
	}
	conn_advance(c);
}

void conn_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	conn_advance(w->data);
}

/* Waits for the socket in the directions libssh2 (or connect) needs. */
enum advance conn_wait_for(struct conn *c, int events)
{
	struct ev_loop *loop = c->e->loop;

	if (!events) {
		/* libssh2 can report no direction (#1672): poll shortly. */
		ev_timer_stop(loop, &c->tick);
		ev_set_cb(&c->tick, conn_poll_cb);
		ev_timer_set(&c->tick, NODIR_RETRY, 0);
		ev_timer_start(loop, &c->tick);
		return WAIT;
	}
	/*
	 * sshd writes some replies as two segments (Nagle holds the second
	 * until the first is acknowledged); a delayed ACK here would cost 40 ms
	 * a round (seen after auth).  Quick ACKs end by themselves: re-arm.
	 */
	if ((events & EV_READ) && !c->via) {
		int one = 1;

		setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	}
	if (!ev_is_active(&c->io) || c->io.events != (events | EV__IOFDSET)) {
		ev_io_stop(loop, &c->io);
		ev_io_set(&c->io, c->fd, events);
		ev_io_start(loop, &c->io);
	}
	return WAIT;
}

enum advance conn_wait_ssh(struct conn *c)
{
	int d = libssh2_session_block_directions(c->s), ev = 0;

	if (d & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= EV_READ;
	if (d & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= EV_WRITE;
	return conn_wait_for(c, ev);
}


enum advance conn_wait_agent(struct conn *c, int fd, int events)
{
	ev_io_stop(c->e->loop, &c->agent_io);
	ev_io_set(&c->agent_io, fd, events);
	ev_io_start(c->e->loop, &c->agent_io);
	return WAIT;
}

void conn_unwatch(struct conn *c)
{
	ev_io_stop(c->e->loop, &c->io);
}

/* Runs the functions of the host's states until one waits or stops. */
void conn_advance(struct conn *c)
{
	enum advance r = GO;

	ev_timer_stop(c->e->loop, &c->tick);
	ev_io_stop(c->e->loop, &c->agent_io);
	while (r == GO && states[c->state].fn)
		r = states[c->state].fn(c);
	/* Waiting on a running command: keepalives watch the peer. */
	if (r == WAIT && c->state >= ST_READ && conn_keepalive(c) > 0 &&
	    !ev_is_active(&c->ka)) {
		ev_timer_set(&c->ka, conn_keepalive(c), 0);
		ev_timer_start(c->e->loop, &c->ka);
	}
}

/*
 * Stops the remote command: closing our side of its stdin makes the guard
 * kill its process group.  The channel then closes normally.
 */
static void kill_remote(struct conn *c)
{
	if (c->killing || !c->ch)
		return;
	c->killing = 1;
	libssh2_channel_send_eof(c->ch);	/* EAGAIN: retried by close */
	ev_timer_stop(c->e->loop, &c->deadline);
	ev_timer_set(&c->deadline, CLOSE_GRACE, 0);
	ev_timer_start(c->e->loop, &c->deadline);
}

static void deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	(void)revents;
	if (c->state < ST_OPEN) {
		char why[160];

		if (c->waiting)
			snprintf(why, sizeof(why), "no channel through bastion %s within %gs",
				 c->via->t->name, c->t->connect_timeout);
		else
			snprintf(why, sizeof(why), "no SSH session within %gs (stuck in %s)",
				 c->t->connect_timeout, states[c->state].name);
		conn_fail_transient(c, RESULT_TIMEOUT, why);
		return;
	}
	if (c->state >= ST_READ && !c->killing) {
		c->timed_out = 1;
		kill_remote(c);
		conn_advance(c);
		return;
	}
	/* Killing took too long, or the channel never opened. */
	conn_fail(c, c->e->interrupted ? RESULT_INTERRUPTED : RESULT_TIMEOUT,
	     c->killing ? "command killed; the host did not close the channel within %gs"
			: "no channel within %gs", c->killing ? CLOSE_GRACE : c->t->connect_timeout);
}

static void keepalive_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;
	int next = 0;

	(void)revents;
	if (ev_now(loop) - c->last_rx > conn_keepalive(c) * (conn_keepalive_count(c) + 1)) {
		conn_fail(c, RESULT_TIMEOUT, "peer silent for %.0fs; %d keepalives unanswered",
		     ev_now(loop) - c->last_rx, conn_keepalive_count(c));
		return;
	}
	libssh2_keepalive_send(c->s, &next);
	conn_advance(c);
}

enum advance conn_attempt(struct conn *c)
{
	struct ev_loop *loop = c->e->loop;

	if (!c->r->attempts++) {
		c->t_first = ev_now(loop);
		c->r->ms_start = conn_ms_since(c, c->e->t_run);
	}
	c->t0 = c->t_phase = ev_now(loop);
	c->fd = -1;
	c->ident = 0;
	c->in_auth = 0;
	c->auth_note[0] = '\0';
	c->tail_len = 0;
	conn_set_state(c, ST_CONNECT);
	ev_timer_set(&c->deadline, c->t->connect_timeout, 0);
	ev_timer_start(loop, &c->deadline);
	return GO;
}

void conn_resume(struct conn *c)
{
	conn_advance(c);
}

void conn_connected(struct conn *c)
{
	struct ev_loop *loop = c->e->loop;

	ev_timer_stop(loop, &c->deadline);
	if (c->t->command_timeout > 0) {
		ev_timer_set(&c->deadline, c->t->command_timeout, 0);
		ev_timer_start(loop, &c->deadline);
	}
	if (conn_keepalive(c) > 0)
		libssh2_keepalive_config(c->s, 1, (unsigned)ceil(conn_keepalive(c)));
	c->last_rx = ev_now(loop);
	c->rests = 0;
}

/* Starts a host or bastion: it leaves the queue for its first state. */
static void conn_start(struct conn *c)
{
	struct engine *e = c->e;

	if (!c->jump) {
		c->in_flight = 1;
		e->running++;
	}
	for (size_t i = 0; i < c->t->n_identities && c->n_ids < 64; i++)
		c->ids[c->n_ids++] = ident_find(&e->ids, c->t->identities[i]);
	for (size_t i = 0; !c->t->n_identities && i < e->ids.n_defaults; i++)
		c->ids[c->n_ids++] = &e->ids.v[i];
	conn_set_state(c, ST_RESOLVE);
	conn_advance(c);
}

static void jump_start_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *j = w->data;

	(void)loop;
	(void)revents;
	ev_set_cb(&j->tick, conn_poll_cb);
	if (j->state == ST_QUEUED && !j->r->attempts)
		conn_start(j);
}

void conn_start_jump(struct conn *j)
{
	if (ev_is_active(&j->tick) || j->r->attempts)
		return;
	ev_set_cb(&j->tick, jump_start_cb);
	ev_timer_set(&j->tick, 0, 0);
	ev_timer_start(j->e->loop, &j->tick);
}

void conn_finish_jump(struct conn *j)
{
	if (j->state == ST_DONE)
		return;
	j->r->status = RESULT_OK;
	j->r->why[0] = '\0';
	if (j->s && j->state == ST_RELAY)
		libssh2_session_disconnect(j->s, "done");
	conn_finish(j);
}

void conn_kick(struct conn *c)
{
	if (c->state == ST_QUEUED || c->state == ST_DONE || c->state == ST_REST)
		return;
	ev_feed_event(c->e->loop, &c->io, EV_CUSTOM);
}

static void pacer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	engine_start_more(w->data);
}

/* Starts queued hosts within --forks, the pool and the --rate pacing. */
void engine_start_more(struct engine *e)
{
	double now = ev_now(e->loop);

	if (e->interrupted)
		return;
	while (e->next < e->n && e->running < e->max_running && e->free) {
		if (e->o->rate > 0) {
			if (e->next_start > now) {
				if (!ev_is_active(&e->pacer)) {
					ev_timer_set(&e->pacer, e->next_start - now, 0);
					ev_timer_start(e->loop, &e->pacer);
				}
				return;
			}
			if (e->next_start < now - 1.0 / e->o->rate)
				e->next_start = now;
			e->next_start += 1.0 / e->o->rate;
		}
		conn_start(pool_take(e, e->next++));
	}
}

static void sig_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct engine *e = w->data;

	(void)revents;
	if (e->interrupted) {
		ev_break(loop, EVBREAK_ALL);	/* second time: now */
		return;
	}
	log_warn("interrupted: no new hosts; stopping the ones in flight (again to quit at once)");
	engine_interrupt(e);
}

void engine_interrupt(struct engine *e)
{
	if (e->interrupted)
		return;
	e->interrupted = 1;
	for (size_t i = 0; i < e->n_conns; i++) {
		struct conn *c = &e->conns[i];

		if (!c->t || c->state == ST_DONE)
			continue;
		if (c->state == ST_REST) {
			char was[sizeof(c->r->why)];

			/* the new reason quotes the old one, which it overwrites */
			snprintf(was, sizeof(was), "%s", c->r->why);
			ev_timer_stop(e->loop, &c->tick);
			conn_fail(c, RESULT_INTERRUPTED, "interrupted while resting: %.200s", was);
		} else if (c->state == ST_QUEUED) {
			conn_fail(c, RESULT_INTERRUPTED, "not started: interrupted");
		} else if (c->state >= ST_READ) {
			kill_remote(c);
			conn_advance(c);
		} else {
			conn_fail(c, RESULT_INTERRUPTED, "interrupted while connecting");
		}
	}
	pool_fail_unstarted(e, "not started: interrupted");
}

void conn_setup(struct conn *c, struct engine *e, size_t i,
		const struct target *t, struct host_result *r)
{
	memset(c, 0, sizeof(*c));
	c->e = e;
	c->idx = i;
	c->t = t;
	c->r = r;
	c->fd = -1;
	c->state = ST_QUEUED;
	ev_init(&c->tick, conn_poll_cb);
	ev_init(&c->ka, keepalive_cb);
	ev_init(&c->deadline, deadline_cb);
	ev_init(&c->io, io_cb);
	ev_init(&c->agent_io, io_cb);
	c->tick.data = c->ka.data = c->deadline.data = c->io.data = c;
	c->agent_io.data = c->self = c;
	sshagent_sign_init(&c->asign);
}


/*
 * The keys of each IdentityAgent that ssh_config names for a host, once
 * per socket, marked with it (the host's string: it outlives the run).
 */
static int other_agents(struct engine *e, const struct target_list *tl)
{
	for (size_t i = 0; i < tl->n + tl->n_jumps; i++) {
		const struct target *t = i < tl->n ? &tl->v[i] : &tl->jumps[i - tl->n];
		struct agent_keys mine;
		int seen = 0, r;

		if (!t->identity_agent)
			continue;
		for (size_t k = 0; k < e->akeys.n && !seen; k++)
			seen = e->akeys.v[k].sock && strcmp(e->akeys.v[k].sock, t->identity_agent) == 0;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct target *u = j < tl->n ? &tl->v[j] : &tl->jumps[j - tl->n];

			seen = u->identity_agent && strcmp(u->identity_agent, t->identity_agent) == 0;
		}
		if (seen)
			continue;
		memset(&mine, 0, sizeof(mine));
		sshagent_list(t->identity_agent, 2.0, &mine);
		r = sshagent_keys_take(&e->akeys, &mine, t->identity_agent);
		sshagent_keys_release(&mine);
		if (r)
			return r;
	}
	return RONDA_OK;
}

/* Bastions: a conn each, and every host and bastion behind one counted as its user. */
static int jumps_setup(struct engine *e, const struct target_list *tl)
{
	e->n_jumps = tl->n_jumps;
	if (!e->n_jumps)
		return RONDA_OK;
	e->jumps = calloc(e->n_jumps, sizeof(*e->jumps));
	e->jump_results = calloc(e->n_jumps, sizeof(*e->jump_results));
	if (!e->jumps || !e->jump_results)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < e->n_jumps; i++) {
		struct conn *j = &e->jumps[i];

		host_result_init(&e->jump_results[i], 4096);
		conn_setup(j, e, i, &tl->jumps[i], &e->jump_results[i]);
		if (jump_init(j))
			return RONDA_ENOMEM;
		if (tl->jumps[i].via) {
			j->via = &e->jumps[tl->jumps[i].via - 1];
			jump_use(j->via);
		}
	}
	/* every host counts from the start, so a bastion outlives the queue */
	for (size_t i = 0; i < e->n; i++)
		if (tl->v[i].via)
			jump_use(&e->jumps[tl->v[i].via - 1]);
	return RONDA_OK;
}

int engine_run(const struct engine_opts *o, const struct target_list *tl,
	       struct host_result *results)
{
	struct engine e;
	size_t bad = 0;
	int r;

	memset(&e, 0, sizeof(e));
	for (size_t i = 0; i < tl->n; i++)
		host_result_init(&results[i], o->max_output);
	/* Its failures are the crypto library's setup: out of resources. */
	if (libssh2_init(0))
		return RONDA_ENOMEM;
	e.o = o;
	e.n = tl->n;
	ident_set_init(&e.ids);
	keyunlock_init(&e.unlocked);
	e.loop = ev_default_loop(EVFLAG_AUTO);
	if (!e.loop) {
		libssh2_exit();
		return RONDA_ESYS;
	}
	e.tl = tl;
	e.results = results;
	e.max_running = o->hold ? tl->n : (size_t)(o->forks > 0 ? o->forks : 1);
	e.n_conns = tl->n < e.max_running ? tl->n : e.max_running;
	if (o->hold && tl->n_jumps) {
		log_error("warm mode does not reach hosts through bastions yet");
		r = RONDA_EINVAL;
		goto out;
	}
	if (o->hold && !(e.by_host = calloc(tl->n ? tl->n : 1, sizeof(*e.by_host)))) {
		r = RONDA_ENOMEM;
		goto out;
	}
	e.conns = calloc(e.n_conns ? e.n_conns : 1, sizeof(*e.conns));
	if (!e.conns) {
		r = RONDA_ENOMEM;
		goto out;
	}
	for (size_t i = e.n_conns; i-- > 0;) {
		e.conns[i].fd = -1;
		e.conns[i].pool_next = e.free;
		e.free = &e.conns[i];
	}
	ev_timer_init(&e.recycle, pool_recycle_cb, 0, 0);
	e.recycle.data = &e;
	r = knownhosts_load(o->known_hosts, &e.kh, &bad);
	if (r) {
		log_error("%s: cannot read: %s", o->known_hosts, ronda_strerror(r));
		goto out;
	}
	if (bad)
		log_warn("%s: %zu unreadable line(s) skipped", o->known_hosts, bad);
	for (size_t i = 0; i < o->n_global_known_hosts; i++) {
		r = knownhosts_load_more(e.kh, o->global_known_hosts[i], &bad);
		if (r) {
			log_error("%s: cannot read: %s", o->global_known_hosts[i], ronda_strerror(r));
			goto out;
		}
		if (bad)
			log_warn("%s: %zu unreadable line(s) skipped", o->global_known_hosts[i], bad);
	}
	r = ident_set_load(&e.ids, tl);
	if (r)
		goto out;
	if (o->use_agent) {
		sshagent_list(NULL, 2.0, &e.akeys);
		r = other_agents(&e, tl);
		if (r)
			goto out;
	}
	r = keyunlock_start(&e.unlocked, &e.ids, &e.akeys);
	if (r == RONDA_OK && e.unlocked.n_keys) {
		struct agent_keys mine;

		sshagent_list(e.unlocked.sock, 5.0, &mine);
		r = sshagent_keys_take(&e.akeys, &mine, e.unlocked.sock);
		sshagent_keys_release(&mine);
	}
	if (r)
		goto out;
	if (e.akeys.n)
		log_info("ssh-agent offers %zu usable key(s)", e.akeys.n);
	r = jumps_setup(&e, tl);
	if (r)
		goto out;
	ev_init(&e.pacer, pacer_cb);
	e.pacer.data = &e;
	ev_signal_init(&e.sigint, sig_cb, SIGINT);
	e.sigint.data = &e;
	ev_signal_start(e.loop, &e.sigint);
	ev_signal_init(&e.sigterm, sig_cb, SIGTERM);
	e.sigterm.data = &e;
	ev_signal_start(e.loop, &e.sigterm);
	ev_unref(e.loop);	/* signal watchers alone do not keep the loop */
	ev_unref(e.loop);
	ev_now_update(e.loop);
	e.next_start = e.t_run = ev_now(e.loop);
	if (o->on_start)
		o->on_start(o->start_arg, &e, e.loop);
	if (e.n)
		engine_start_more(&e);
	if (e.finished < e.n)
		ev_run(e.loop, 0);
	for (size_t i = 0; i < e.n_conns; i++) {
		struct conn *c = &e.conns[i];

		if (c->t && c->state != ST_DONE) {	/* second Ctrl-C */
			conn_drop_session(c);
			c->r->status = RESULT_INTERRUPTED;
			snprintf(c->r->why, sizeof(c->r->why), "interrupted");
		}
	}
	for (; e.next < e.n; e.next++) {
		results[e.next].status = RESULT_INTERRUPTED;
		snprintf(results[e.next].why, sizeof(results[e.next].why), "not started: interrupted");
	}
	ev_ref(e.loop);
	ev_ref(e.loop);
	ev_signal_stop(e.loop, &e.sigint);
	ev_signal_stop(e.loop, &e.sigterm);
	ev_timer_stop(e.loop, &e.pacer);
	ev_timer_stop(e.loop, &e.recycle);
	/* accept-new hosts (the run's or their own) recorded keys */
	if (knownhosts_pending(e.kh)) {
		int sr = knownhosts_save(e.kh);

		if (sr)
			log_error("%s: cannot record new host keys: %s", o->known_hosts,
				  sr == RONDA_ESYS ? strerror(errno) : ronda_strerror(sr));
	}
	r = e.interrupted ? RONDA_EAGAIN : RONDA_OK;
out:
	for (size_t i = 0; e.conns && i < e.n_conns; i++)
		if (e.conns[i].e)
			sshagent_sign_release(&e.conns[i].asign);
	for (size_t i = 0; e.jumps && i < e.n_jumps; i++) {
		struct conn *j = &e.jumps[i];

		if (!j->e)
			continue;
		jump_free(j);
		conn_drop_session(j);
		host_result_release(&e.jump_results[i]);
	}
	free(e.jumps);
	free(e.jump_results);
	proxy_reap_all(&e);
	sshagent_keys_release(&e.akeys);
	keyunlock_stop(&e.unlocked);
	dns_free(e.dns);
	knownhosts_free(e.kh);
	ident_set_release(&e.ids);
	free(e.conns);
	free(e.by_host);
	libssh2_exit();
	return r;
}
