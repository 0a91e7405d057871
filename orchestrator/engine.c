/*
 * engine.c - the per-host SSH state machine on one libev loop; see engine.h.
 *
 * A struct conn is one host in flight.  step() calls the function of the
 * current state until one says WAIT (libssh2 would block: arm ev_io for
 * the directions libssh2 asks for, or a short timer if it names none) or
 * DONE.  Each state function either advances c->state or finishes the
 * host through fail().  Deadlines: the connect deadline covers TCP, banner,
 * key exchange and authentication; then the command deadline (if any) and
 * keepalives take over.
 */
#include "engine.h"

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

static const char *const state_names[] = {
	"queued", "resolve", "connect", "handshake", "hostkey", "auth", "open", "exec",
	"read", "close", "done",
};

enum step { GO, WAIT, DONE };

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
	double last_rx;		/* last time the socket had data for us */
	char tail[REMOTE_STATUS_MAX];	/* last bytes of stderr */
	size_t tail_len;
	int killing;		/* we closed stdin to kill the command */
	int stepno;		/* steps run so far on this host */
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
	ev_timer pacer;
	ev_signal sigint, sigterm;
	int interrupted;
	struct knownhosts *kh;
	struct ident_set ids;
	struct agent_keys akeys;	/* offered first, before identity files */
	struct dns *dns;	/* created on the first name that needs it */

};

static const char *const status_names[RESULT_COUNT] = {
	[RESULT_OK] = "ok",
	[RESULT_FAILED] = "failed",
	[RESULT_UNREACHABLE] = "unreachable",
	[RESULT_TIMEOUT] = "timeout",
	[RESULT_HOSTKEY_CHANGED] = "hostkey-changed",
	[RESULT_HOSTKEY_UNKNOWN] = "hostkey-unknown",
	[RESULT_AUTH] = "auth",
	[RESULT_PROTOCOL] = "protocol",
	[RESULT_ERROR] = "error",
	[RESULT_INTERRUPTED] = "interrupted",
	[RESULT_BECOME] = "become",
	[RESULT_DEPLOY] = "deploy",
	[RESULT_UNSUPPORTED] = "unsupported",
	[RESULT_AGENT] = "agent",
};

const char *host_status_name(enum host_status s)
{
	return (unsigned)s < RESULT_COUNT ? status_names[s] : "unknown";
}

void host_result_release(struct host_result *r)
{
	buf_release(&r->out);
	buf_release(&r->err);
}

void engine_opts_init(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->forks = 256;
	o->rate = 500;
	o->max_output = 1 << 20;
	o->hostkeys = HOSTKEYS_STRICT;
	o->keepalive_interval = 15;
	o->keepalive_count = 3;
	o->use_agent = 1;
}

static void set_state(struct conn *c, enum state s)
{
	log_debug("%s: %s -> %s", c->t->name, state_names[c->state], state_names[s]);
	c->state = s;
}

static long ms_since(struct conn *c, double t)
{
	return lround((ev_now(c->e->loop) - t) * 1000);
}

static void start_more(struct engine *e);

/* Frees every resource of the attempt; safe to call twice. */
static void drop_session(struct conn *c)
{
	struct ev_loop *loop = c->e->loop;

	ev_io_stop(loop, &c->io);
	ev_io_stop(loop, &c->agent_io);
	sshagent_sign_release(&c->asign);
	sshagent_sign_init(&c->asign);
	ev_timer_stop(loop, &c->tick);
	ev_timer_stop(loop, &c->ka);
	ev_timer_stop(loop, &c->deadline);
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

static void finish(struct conn *c)
{
	struct engine *e = c->e;

	drop_session(c);
	set_state(c, ST_DONE);
	if (c->in_flight) {
		c->in_flight = 0;
		e->running--;
	}
	e->finished++;
	if (e->o->on_done)
		e->o->on_done(e->o->arg, c->idx, c->r);
	if (e->finished == e->n)
		ev_break(e->loop, EVBREAK_ALL);
	else
		start_more(e);
}

static enum step fail(struct conn *c, enum host_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum step fail(struct conn *c, enum host_status st, const char *fmt, ...)
{
	va_list ap;

	c->r->status = st;
	va_start(ap, fmt);
	vsnprintf(c->r->why, sizeof(c->r->why), fmt, ap);
	va_end(ap);
	log_debug("%s: %s: %s", c->t->name, host_status_name(st), c->r->why);
	finish(c);
	return DONE;
}

static const char *ssh_error(struct conn *c)
{
	char *msg = NULL;

	if (!c->s)
		return "no session";
	libssh2_session_last_error(c->s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown libssh2 error";
}

static void attempt_start(struct conn *c);

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	(void)revents;
	attempt_start(c);
}

/*
 * Transient connect failures are retried with exponential backoff and
 * jitter, so a host that is rebooting or a burst that overflowed a listen
 * queue gets another chance, but many hosts do not retry in lock-step.
 */
static enum step fail_transient(struct conn *c, enum host_status st,
				const char *why)
{
	double delay;

	if (c->r->attempts > c->t->retries || c->e->interrupted)
		return fail(c, st, "%s (after %d attempt%s)", why, c->r->attempts,
			    c->r->attempts == 1 ? "" : "s");
	drop_session(c);
	delay = BACKOFF_BASE * pow(2, c->r->attempts - 1);
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	delay *= 0.5 + (double)random() / RAND_MAX;
	log_debug("%s: %s; retry %d in %.2fs", c->t->name, why, c->r->attempts, delay);
	set_state(c, ST_QUEUED);
	ev_timer_stop(c->e->loop, &c->tick);
	ev_set_cb(&c->tick, retry_cb);
	ev_timer_set(&c->tick, delay, 0);
	ev_timer_start(c->e->loop, &c->tick);
	return DONE;
}

static void step(struct conn *c);

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	if (revents & EV_READ)
		c->last_rx = ev_now(c->e->loop);
	step(c);
}

static void poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	step(w->data);
}

/* Waits for the socket in the directions libssh2 (or connect) needs. */
static enum step wait_for(struct conn *c, int events)
{
	struct ev_loop *loop = c->e->loop;

	if (!events) {
		/* libssh2 can report no direction (#1672): poll shortly. */
		ev_timer_stop(loop, &c->tick);
		ev_set_cb(&c->tick, poll_cb);
		ev_timer_set(&c->tick, NODIR_RETRY, 0);
		ev_timer_start(loop, &c->tick);
		return WAIT;
	}
	if (!ev_is_active(&c->io) || c->io.events != (events | EV__IOFDSET)) {
		ev_io_stop(loop, &c->io);
		ev_io_set(&c->io, c->fd, events);
		ev_io_start(loop, &c->io);
	}
	return WAIT;
}

static enum step wait_ssh(struct conn *c)
{
	int d = libssh2_session_block_directions(c->s), ev = 0;

	if (d & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= EV_READ;
	if (d & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= EV_WRITE;
	return wait_for(c, ev);
}

static int transient_errno(int err)
{
	return err == ECONNREFUSED || err == ECONNRESET || err == ETIMEDOUT ||
	       err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN ||
	       err == ECONNABORTED || err == EAGAIN;
}

static enum step st_connect(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->fd < 0) {
		int one = 1;

		c->fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			return fail(c, RESULT_ERROR, "socket: %s", strerror(errno));
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev_io_init(&c->io, io_cb, c->fd, 0);
		c->io.data = c;
		if (connect(c->fd, (struct sockaddr *)&c->addr, c->addrlen) == 0)
			goto connected;
		if (errno == EINPROGRESS)
			return wait_for(c, EV_WRITE);
		err = errno;
	} else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		err = errno;
	}
	if (err) {
		char why[128];

		snprintf(why, sizeof(why), "connect to %s port %u: %s",
			 c->t->address, c->t->port, strerror(err));
		if (transient_errno(err))
			return fail_transient(c, RESULT_UNREACHABLE, why);
		return fail(c, RESULT_UNREACHABLE, "%s", why);
	}
connected:
	c->r->ms_connect = ms_since(c, c->t_phase);
	c->t_phase = ev_now(c->e->loop);
	ev_io_stop(c->e->loop, &c->io);
	set_state(c, ST_HANDSHAKE);
	return GO;
}

static int set_prefs(LIBSSH2_SESSION *s);

static enum step st_handshake(struct conn *c)
{
	int rc;

	if (!c->s) {
		c->s = libssh2_session_init_ex(NULL, NULL, NULL, c);
		if (!c->s)
			return fail(c, RESULT_ERROR, "libssh2_session_init failed");
		libssh2_session_set_blocking(c->s, 0);
		if (set_prefs(c->s))
			return fail(c, RESULT_ERROR, "setting SSH algorithms: %s", ssh_error(c));
	}
	rc = libssh2_session_handshake(c->s, c->fd);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return wait_ssh(c);
	if (rc) {
		/* Not an SSH server, or it hung up: not worth a retry. */
		if (rc == LIBSSH2_ERROR_BANNER_RECV || rc == LIBSSH2_ERROR_BANNER_SEND)
			return fail(c, RESULT_PROTOCOL, "no SSH banner: %s", ssh_error(c));
		return fail(c, RESULT_PROTOCOL, "SSH handshake failed: %s", ssh_error(c));
	}
	set_state(c, ST_HOSTKEY);
	return GO;
}

static enum step st_hostkey(struct conn *c)
{
	size_t len = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(c->s, &len, &type);
	char fp[80] = "?";
	enum kh_result k;

	if (!key)
		return fail(c, RESULT_PROTOCOL, "server sent no host key");
	knownhosts_fingerprint((const unsigned char *)key, len, fp, sizeof(fp));
	if (c->e->o->hostkeys == HOSTKEYS_OFF)
		goto ok;
	k = knownhosts_check(c->e->kh, c->t->address, c->t->port,
			     (const unsigned char *)key, len);
	if (k == KH_UNKNOWN && strcmp(c->t->address, c->t->name) != 0)
		k = knownhosts_check(c->e->kh, c->t->name, c->t->port,
				     (const unsigned char *)key, len);
	switch (k) {
	case KH_OK:
		break;
	case KH_CHANGED:
		return fail(c, RESULT_HOSTKEY_CHANGED,
			    "HOST KEY CHANGED for %s port %u: now %s; not in %s",
			    c->t->address, c->t->port, fp, c->e->o->known_hosts);
	case KH_REVOKED:
		return fail(c, RESULT_HOSTKEY_CHANGED, "host key %s is marked @revoked in %s",
			    fp, c->e->o->known_hosts);
	case KH_UNKNOWN:
		if (c->e->o->hostkeys != HOSTKEYS_ACCEPT_NEW)
			return fail(c, RESULT_HOSTKEY_UNKNOWN,
				    "unknown host key %s for %s port %u (not in %s; see --hostkeys accept-new)",
				    fp, c->t->address, c->t->port, c->e->o->known_hosts);
		if (knownhosts_add(c->e->kh, c->t->address, c->t->port,
				   (const unsigned char *)key, len))
			return fail(c, RESULT_ERROR, "out of memory recording host key");
		log_info("%s: new host key %s accepted", c->t->name, fp);
		break;
	}
ok:
	c->r->ms_handshake = ms_since(c, c->t_phase);
	c->t_phase = ev_now(c->e->loop);
	set_state(c, ST_AUTH);
	return GO;
}

/*
 * Asks the caller's plan for the next step on this host: another command
 * on a fresh channel of the same session, or the end.
 */
static enum step next_step(struct conn *c)
{
	struct engine_step st;
	int more;

	memset(&st, 0, sizeof(st));
	more = c->e->o->plan(c->e->o->plan_arg, c->idx, c->t, c->r, c->stepno, &st);
	if (more <= 0 || c->e->interrupted) {
		if (more < 0 && c->r->status == RESULT_OK)
			c->r->status = RESULT_ERROR;
		if (c->stepno)	/* a polite goodbye; do not wait for it */
			libssh2_session_disconnect(c->s, "done");
		finish(c);
		return DONE;
	}
	c->stepno++;
	c->step = st;
	c->in_off = 0;
	c->eof_sent = 0;
	c->tail_len = 0;
	c->r->has_exit = 0;
	buf_reset(&c->r->out);
	buf_reset(&c->r->err);
	c->r->out_cut = c->r->err_cut = 0;
	set_state(c, ST_OPEN);
	return GO;
}

/*
 * libssh2 asks for a signature; the agent's answer may take a while, so a
 * pending one is RONDA_EAGAIN here and LIBSSH2_ERROR_EAGAIN to libssh2,
 * which calls again with the same data once we have waited on the agent.
 */
static int agent_sign_cb(LIBSSH2_SESSION *session, unsigned char **sig,
			 size_t *sig_len, const unsigned char *data, size_t data_len,
			 void **abstract)
{
	struct conn *c = *abstract;
	int r;

	(void)session;
	r = sshagent_sign(&c->asign, NULL, &c->e->akeys.v[c->ident], data, data_len,
			  sig, sig_len);
	c->agent_waiting = r == RONDA_EAGAIN;
	if (r == RONDA_EAGAIN)
		return LIBSSH2_ERROR_EAGAIN;
	return r == RONDA_OK ? 0 : -1;
}

static enum step wait_agent(struct conn *c)
{
	int ev = EV_READ | (sshagent_wants_write(&c->asign) ? EV_WRITE : 0);

	ev_io_stop(c->e->loop, &c->agent_io);
	ev_io_set(&c->agent_io, sshagent_fd(&c->asign), ev);
	ev_io_start(c->e->loop, &c->agent_io);
	return WAIT;
}

/* Keys from ssh-agent first, then identity files, as OpenSSH does. */
static enum step st_auth(struct conn *c)
{
	const char *user = c->t->user ? c->t->user : "root";
	size_t na = c->e->akeys.n;
	int rc;

	for (;;) {
		const char *what;

		if (c->ident >= na + c->n_ids)
			return fail(c, RESULT_AUTH, "%s@%s: no key accepted (tried %zu from ssh-agent, %zu file(s))",
				    user, c->t->address, na, c->n_ids);
		if (c->ident < na) {
			const struct agent_key *k = &c->e->akeys.v[c->ident];

			what = k->comment;
			rc = libssh2_userauth_publickey(c->s, user, k->blob, k->bloblen,
							agent_sign_cb, &c->self);
		} else {
			const struct ident *id = c->ids[c->ident - na];

			what = id->path;
			rc = libssh2_userauth_publickey_frommemory(c->s, user, strlen(user),
					id->pub, id->publen, id->priv, id->privlen, NULL);
		}
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return c->agent_waiting ? wait_agent(c) : wait_ssh(c);
		if (rc == 0)
			break;
		if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED &&
		    rc != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED &&
		    rc != LIBSSH2_ERROR_FILE && rc != LIBSSH2_ERROR_METHOD_NOT_SUPPORTED)
			return fail(c, RESULT_PROTOCOL, "authentication: %s", ssh_error(c));
		log_debug("%s: key %s refused", c->t->name, what);
		c->ident++;
	}
	c->r->ms_auth = ms_since(c, c->t_phase);
	c->t_phase = ev_now(c->e->loop);
	/* Connected: the connect deadline gives way to the command's. */
	ev_timer_stop(c->e->loop, &c->deadline);
	if (c->t->command_timeout > 0) {
		ev_timer_set(&c->deadline, c->t->command_timeout, 0);
		ev_timer_start(c->e->loop, &c->deadline);
	}
	if (c->e->o->keepalive_interval > 0)
		libssh2_keepalive_config(c->s, 1, (unsigned)ceil(c->e->o->keepalive_interval));
	c->last_rx = ev_now(c->e->loop);
	return next_step(c);
}

static enum step st_open(struct conn *c)
{
	c->ch = libssh2_channel_open_ex(c->s, "session", 7, CHANNEL_WINDOW,
					CHANNEL_PACKET, NULL, 0);
	if (!c->ch) {
		if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
			return wait_ssh(c);
		return fail(c, RESULT_PROTOCOL, "opening a channel: %s", ssh_error(c));
	}
	set_state(c, ST_EXEC);
	return GO;
}

static enum step st_exec(struct conn *c)
{
	const char *cmd = c->step.cmd;
	int rc = libssh2_channel_process_startup(c->ch, "exec", 4, cmd,
						 (unsigned)strlen(cmd));

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return wait_ssh(c);
	if (rc)
		return fail(c, RESULT_PROTOCOL, "starting the command: %s", ssh_error(c));
	set_state(c, ST_READ);
	return GO;
}

static void keep_tail(struct conn *c, const char *p, size_t n)
{
	if (n >= sizeof(c->tail)) {
		memcpy(c->tail, p + n - sizeof(c->tail), sizeof(c->tail));
		c->tail_len = sizeof(c->tail);
		return;
	}
	if (c->tail_len + n > sizeof(c->tail)) {
		size_t drop = c->tail_len + n - sizeof(c->tail);

		memmove(c->tail, c->tail + drop, c->tail_len - drop);
		c->tail_len -= drop;
	}
	memcpy(c->tail + c->tail_len, p, n);
	c->tail_len += n;
}

/*
 * Drains one stream until libssh2 has nothing more.  Output past the cap is
 * read and dropped, so the window keeps moving and the remote never blocks.
 * Returns bytes read (>= 0), or a libssh2 error; *eof is set at EOF.
 */
static ssize_t drain(struct conn *c, int stream, struct buf *b, int *cut)
{
	char chunk[16384];
	ssize_t total = 0;

	for (;;) {
		ssize_t n = libssh2_channel_read_ex(c->ch, stream, chunk, sizeof(chunk));

		if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
			return total;
		if (n < 0)
			return n;
		total += n;
		c->last_rx = ev_now(c->e->loop);
		if (stream == SSH_EXTENDED_DATA_STDERR)
			keep_tail(c, chunk, (size_t)n);
		if (!*cut) {
			size_t room = b->max - buf_len(b);
			size_t take = (size_t)n < room ? (size_t)n : room;

			if (buf_append(b, chunk, take) || take < (size_t)n)
				*cut = 1;
		}
	}
}

/* Feeds the step's stdin bytes, then EOF if the step asks for it. */
static int feed(struct conn *c)
{
	while (c->in_off < c->step.inlen) {
		ssize_t n = libssh2_channel_write(c->ch, c->step.in + c->in_off,
						  c->step.inlen - c->in_off);

		if (n == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		c->in_off += (size_t)n;
		c->r->bytes_in += (size_t)n;
	}
	if (c->step.eof_after_in && !c->eof_sent) {
		int rc = libssh2_channel_send_eof(c->ch);

		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0)
			return rc;
		c->eof_sent = 1;
	}
	return 0;
}

static enum step st_read(struct conn *c)
{
	ssize_t a, b;

	if (!c->killing && feed(c) < 0)
		return fail(c, c->timed_out ? RESULT_TIMEOUT : RESULT_PROTOCOL,
			    "connection lost while sending input: %s", ssh_error(c));

	/*
	 * Reading one stream can pull the other's packets off the socket into
	 * libssh2's queue; the socket then stays quiet although data waits.
	 * So drain both until a whole pass brings nothing.
	 */
	do {
		a = drain(c, 0, &c->r->out, &c->r->out_cut);
		b = a < 0 ? 0 : drain(c, SSH_EXTENDED_DATA_STDERR, &c->r->err,
				      &c->r->err_cut);
		if (a < 0 || b < 0)
			return fail(c, c->timed_out ? RESULT_TIMEOUT : RESULT_PROTOCOL,
				    "connection lost while the command ran: %s",
				    ssh_error(c));
	} while (a > 0 || b > 0);
	if (!libssh2_channel_eof(c->ch))
		return wait_ssh(c);
	set_state(c, ST_CLOSE);
	return GO;
}

static enum step st_close(struct conn *c)
{
	int rc = libssh2_channel_close(c->ch);
	int code;
	size_t len;

	if (rc == 0)
		rc = libssh2_channel_wait_closed(c->ch);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return wait_ssh(c);
	c->r->ms_run = ms_since(c, c->t_phase);
	libssh2_channel_free(c->ch);
	c->ch = NULL;
	/* The guard's status line is the only proof the command finished. */
	if (c->step.guarded &&
	    remote_parse_status(c->tail, c->tail_len, &code, &len) == RONDA_OK) {
		c->r->has_exit = 1;
		c->r->exit_code = code;
		if (!c->r->err_cut && buf_len(&c->r->err) >= len)
			buf_truncate(&c->r->err, buf_len(&c->r->err) - len);
	}
	if (c->timed_out)
		return fail(c, RESULT_TIMEOUT, "command still running after %gs; killed",
			    c->t->command_timeout);
	if (c->e->interrupted)
		return fail(c, RESULT_INTERRUPTED, "interrupted; command killed");
	if (c->step.guarded && !c->r->has_exit)
		return fail(c, RESULT_PROTOCOL, "the command ended without an exit status");
	c->r->why[0] = '\0';
	if (c->r->has_exit && c->r->exit_code != 0) {
		c->r->status = RESULT_FAILED;
		snprintf(c->r->why, sizeof(c->r->why), "exit code %d", c->r->exit_code);
	} else {
		c->r->status = RESULT_OK;
	}
	return next_step(c);
}

typedef enum step (*state_fn)(struct conn *c);

static const state_fn states[] = {
	[ST_CONNECT] = st_connect,
	[ST_HANDSHAKE] = st_handshake,
	[ST_HOSTKEY] = st_hostkey,
	[ST_AUTH] = st_auth,
	[ST_OPEN] = st_open,
	[ST_EXEC] = st_exec,
	[ST_READ] = st_read,
	[ST_CLOSE] = st_close,
};

static void step(struct conn *c)
{
	enum step r = GO;

	ev_timer_stop(c->e->loop, &c->tick);
	ev_io_stop(c->e->loop, &c->agent_io);
	while (r == GO && c->state > ST_QUEUED && c->state < ST_DONE)
		r = states[c->state](c);
	/* Waiting on a running command: keepalives watch the peer. */
	if (r == WAIT && c->state >= ST_READ && c->e->o->keepalive_interval > 0 &&
	    !ev_is_active(&c->ka)) {
		ev_timer_set(&c->ka, c->e->o->keepalive_interval, 0);
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
		char why[96];

		snprintf(why, sizeof(why), "no SSH session within %gs (stuck in %s)",
			 c->t->connect_timeout, state_names[c->state]);
		fail_transient(c, RESULT_TIMEOUT, why);
		return;
	}
	if (c->state >= ST_READ && !c->killing) {
		c->timed_out = 1;
		kill_remote(c);
		step(c);
		return;
	}
	/* Killing took too long, or the channel never opened. */
	fail(c, c->e->interrupted ? RESULT_INTERRUPTED : RESULT_TIMEOUT,
	     c->killing ? "command killed; the host did not close the channel within %gs"
			: "no channel within %gs", c->killing ? CLOSE_GRACE : c->t->connect_timeout);
}

static void keepalive_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;
	const struct engine_opts *o = c->e->o;
	int next = 0;

	(void)revents;
	if (ev_now(loop) - c->last_rx > o->keepalive_interval * (o->keepalive_count + 1)) {
		fail(c, RESULT_TIMEOUT, "peer silent for %.0fs; %d keepalives unanswered",
		     ev_now(loop) - c->last_rx, o->keepalive_count);
		return;
	}
	libssh2_keepalive_send(c->s, &next);
	step(c);
}

static void attempt_start(struct conn *c)
{
	struct ev_loop *loop = c->e->loop;

	c->r->attempts++;
	c->t0 = c->t_phase = ev_now(loop);
	c->fd = -1;
	c->ident = 0;
	c->tail_len = 0;
	set_state(c, ST_CONNECT);
	ev_timer_set(&c->deadline, c->t->connect_timeout, 0);
	ev_timer_start(loop, &c->deadline);
	step(c);
}

static void resolved(void *arg, int status, const struct sockaddr *sa,
		     socklen_t len, const char *reason)
{
	struct conn *c = arg;

	if (c->state != ST_RESOLVE)	/* gave up on it meanwhile */
		return;
	if (status != RONDA_OK || len > sizeof(c->addr)) {
		fail(c, RESULT_UNREACHABLE, "cannot resolve %s: %s", c->t->address,
		     reason ? reason : "bad address");
		return;
	}
	memcpy(&c->addr, sa, len);
	c->addrlen = len;
	attempt_start(c);
}

/* Addresses are used as they are; names go to c-ares, never blocking. */
static void conn_start(struct conn *c)
{
	struct engine *e = c->e;
	struct addrinfo hints, *ai = NULL;
	char port[8];

	c->in_flight = 1;
	e->running++;
	for (size_t i = 0; i < c->t->n_identities && c->n_ids < 64; i++)
		c->ids[c->n_ids++] = ident_find(&e->ids, c->t->identities[i]);
	for (size_t i = 0; !c->t->n_identities && i < e->ids.n_defaults; i++)
		c->ids[c->n_ids++] = &e->ids.v[i];
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", c->t->port);
	if (getaddrinfo(c->t->address, port, &hints, &ai) == 0 && ai) {
		memcpy(&c->addr, ai->ai_addr, ai->ai_addrlen);
		c->addrlen = ai->ai_addrlen;
		freeaddrinfo(ai);
		attempt_start(c);
		return;
	}
	if (!e->dns && dns_init(&e->dns, e->loop, c->t->connect_timeout)) {
		fail(c, RESULT_ERROR, "cannot start the resolver");
		return;
	}
	set_state(c, ST_RESOLVE);
	if (dns_resolve(e->dns, c->t->address, c->t->port, resolved, c))
		fail(c, RESULT_ERROR, "out of memory resolving %s", c->t->address);
}

static void pacer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	start_more(w->data);
}

/* Starts queued hosts within --forks and the --rate pacing. */
static void start_more(struct engine *e)
{
	double now = ev_now(e->loop);

	if (e->interrupted)
		return;
	while (e->next < e->n && e->running < (size_t)e->o->forks) {
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
		conn_start(&e->conns[e->next++]);
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
	e->interrupted = 1;
	log_warn("interrupted: no new hosts; stopping the ones in flight (again to quit at once)");
	for (size_t i = 0; i < e->n; i++) {
		struct conn *c = &e->conns[i];

		if (c->state == ST_DONE)
			continue;
		if (c->state == ST_QUEUED) {
			fail(c, RESULT_INTERRUPTED, "not started: interrupted");
		} else if (c->state >= ST_READ) {
			kill_remote(c);
			step(c);
		} else {
			fail(c, RESULT_INTERRUPTED, "interrupted while connecting");
		}
	}
}

/* Our algorithm preferences, filtered by what this libssh2 supports. */
static int set_pref(LIBSSH2_SESSION *s, int method, const char *want)
{
	const char **algs = NULL;
	int n = libssh2_session_supported_algs(s, method, &algs);
	char list[512] = "";
	size_t used = 0;
	const char *p = want;
	int rc;

	if (n <= 0)
		return -1;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		for (int i = 0; i < n; i++) {
			if (strlen(algs[i]) == len && memcmp(algs[i], p, len) == 0 &&
			    used + len + 2 < sizeof(list)) {
				if (used)
					list[used++] = ',';
				memcpy(list + used, p, len);
				used += len;
				list[used] = '\0';
			}
		}
		p = comma ? comma + 1 : p + len;
	}
	libssh2_free(s, algs);
	if (!used)
		return -1;
	rc = libssh2_session_method_pref(s, method, list);
	return rc;
}

static int set_prefs(LIBSSH2_SESSION *s)
{
	static const char kex[] =
		"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
		"ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group16-sha512,"
		"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,"
		"diffie-hellman-group-exchange-sha256";
	static const char hostkey[] =
		"ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
		"rsa-sha2-512,rsa-sha2-256";
	static const char cipher[] =
		"aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr";
	static const char mac[] =
		"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
		"hmac-sha2-256,hmac-sha2-512";

	if (set_pref(s, LIBSSH2_METHOD_KEX, kex) ||
	    set_pref(s, LIBSSH2_METHOD_HOSTKEY, hostkey) ||
	    set_pref(s, LIBSSH2_METHOD_CRYPT_CS, cipher) ||
	    set_pref(s, LIBSSH2_METHOD_CRYPT_SC, cipher) ||
	    set_pref(s, LIBSSH2_METHOD_MAC_CS, mac) ||
	    set_pref(s, LIBSSH2_METHOD_MAC_SC, mac))
		return -1;
	return 0;
}

static void result_init(struct host_result *r, size_t max_output)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, max_output);
	buf_init(&r->err, max_output);
	r->status = RESULT_ERROR;
	r->ms_connect = r->ms_handshake = r->ms_auth = r->ms_run = -1;
}

int engine_run(const struct engine_opts *o, const struct target_list *tl,
	       struct host_result *results)
{
	struct engine e;
	size_t bad = 0;
	int r;

	memset(&e, 0, sizeof(e));
	for (size_t i = 0; i < tl->n; i++)
		result_init(&results[i], o->max_output);
	e.o = o;
	e.n = tl->n;
	ident_set_init(&e.ids);
	e.loop = ev_default_loop(EVFLAG_AUTO);
	if (!e.loop)
		return RONDA_ESYS;
	e.conns = calloc(tl->n ? tl->n : 1, sizeof(*e.conns));
	if (!e.conns) {
		r = RONDA_ENOMEM;
		goto out;
	}
	r = knownhosts_load(o->known_hosts, &e.kh, &bad);
	if (r) {
		log_error("%s: cannot read: %s", o->known_hosts, ronda_strerror(r));
		goto out;
	}
	if (bad)
		log_warn("%s: %zu unreadable line(s) skipped", o->known_hosts, bad);
	r = ident_set_load(&e.ids, tl);
	if (r)
		goto out;
	if (o->use_agent)
		sshagent_list(NULL, 2.0, &e.akeys);
	if (e.akeys.n)
		log_info("ssh-agent offers %zu usable key(s)", e.akeys.n);
	for (size_t i = 0; i < tl->n; i++) {
		struct conn *c = &e.conns[i];

		c->e = &e;
		c->idx = i;
		c->t = &tl->v[i];
		c->r = &results[i];
		c->fd = -1;
		c->state = ST_QUEUED;
		ev_init(&c->tick, poll_cb);
		ev_init(&c->ka, keepalive_cb);
		ev_init(&c->deadline, deadline_cb);
		ev_init(&c->io, io_cb);
		ev_init(&c->agent_io, io_cb);
		c->tick.data = c->ka.data = c->deadline.data = c->io.data = c;
		c->agent_io.data = c->self = c;
		sshagent_sign_init(&c->asign);
	}
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
	e.next_start = ev_now(e.loop);
	if (e.n)
		start_more(&e);
	if (e.finished < e.n)
		ev_run(e.loop, 0);
	for (size_t i = 0; i < e.n; i++) {
		struct conn *c = &e.conns[i];

		if (c->state != ST_DONE) {	/* second Ctrl-C */
			drop_session(c);
			results[i].status = RESULT_INTERRUPTED;
			snprintf(results[i].why, sizeof(results[i].why), "interrupted");
		}
	}
	ev_ref(e.loop);
	ev_ref(e.loop);
	ev_signal_stop(e.loop, &e.sigint);
	ev_signal_stop(e.loop, &e.sigterm);
	ev_timer_stop(e.loop, &e.pacer);
	if (o->hostkeys == HOSTKEYS_ACCEPT_NEW && knownhosts_pending(e.kh)) {
		int sr = knownhosts_save(e.kh);

		if (sr)
			log_error("%s: cannot record new host keys: %s", o->known_hosts,
				  sr == RONDA_ESYS ? strerror(errno) : ronda_strerror(sr));
	}
	r = e.interrupted ? RONDA_EAGAIN : RONDA_OK;
out:
	for (size_t i = 0; e.conns && i < tl->n; i++)
		sshagent_sign_release(&e.conns[i].asign);
	sshagent_keys_release(&e.akeys);
	dns_free(e.dns);
	knownhosts_free(e.kh);
	ident_set_release(&e.ids);
	free(e.conns);
	return r;
}
