/*
 * engine_jump.c - bastions: one authenticated session per bastion, and a
 * direct-tcpip channel on it for each host behind it.
 *
 * A bastion is a conn of its own (e->jumps), with the same states up to
 * auth; then it stays in ST_RELAY, where it opens channels for the hosts
 * that wait in its queue (at most --jump-channels at once) and pumps bytes
 * between each channel and the host's end of a socketpair.  The host runs
 * its own libssh2 session over that socketpair exactly as over TCP, so
 * every later state, deadline and verdict is the same as for a direct
 * host.  A bastion behind another one gets its socketpair the same way.
 *
 * Hosts never run inside the bastion's state function: the bastion wakes
 * them through the loop (conn_kick), and a host that ends while the
 * bastion pumps leaves the bastion's own end for when the pass is over.
 * When the bastion ends, every host behind it ends at once with
 * "via bastion NAME: why", without a retry of its own.
 */
#include "engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "banned.h"

#define RELAY_CHUNK 16384
#define RELAY_PENDING (64 * 1024)	/* bytes one side may hold for the other */

struct relay {
	struct conn *j;		/* the bastion */
	struct conn *c;		/* the host it carries; NULL once the host let go */
	LIBSSH2_CHANNEL *ch;	/* NULL once freed */
	int fd;			/* our end of the host's socketpair; -1 once closed */
	ev_io io;
	struct buf down;	/* from the channel, not yet taken by the socket */
	struct buf up;		/* from the socket, not yet taken by the channel */
	int down_eof;		/* the far end sent EOF: our socket's write side shut */
	int rx;			/* the socket was readable: worth a read() */
	int closing;		/* the channel is being closed */
	struct relay *next;
};

struct jump {
	struct conn *wait_head, *wait_tail;	/* hosts waiting for a channel */
	struct relay *relays;
	size_t n_relays;	/* channels open or closing */
	size_t users;		/* hosts and bastions behind it, not yet done */
	int rx_ready;		/* the socket may hold bytes: worth a recv() */
	int busy;		/* pumping: hosts' ends wait until the pass is over */
	int unused;		/* nobody is left: end after the pass */
	int dead;		/* the socket ended or failed */
	char dead_why[96];
	struct buf open_msg;	/* the direct-tcpip request under way */
};

int jump_init(struct conn *j)
{
	j->jump = calloc(1, sizeof(*j->jump));
	if (!j->jump)
		return RONDA_ENOMEM;
	buf_init(&j->jump->open_msg, 1024);
	j->jump->rx_ready = 1;
	return RONDA_OK;
}

static void relay_free(struct relay *r)
{
	struct ev_loop *loop = r->j->e->loop;

	ev_io_stop(loop, &r->io);
	if (r->fd >= 0)
		close(r->fd);
	if (r->ch)
		libssh2_channel_free(r->ch);
	buf_release(&r->down);
	buf_release(&r->up);
	if (r->c)
		r->c->relay = NULL;
	free(r);
}

void jump_free(struct conn *j)
{
	struct jump *jp = j->jump;

	if (!jp)
		return;
	while (jp->relays) {
		struct relay *r = jp->relays;

		jp->relays = r->next;
		relay_free(r);
	}
	buf_release(&jp->open_msg);
	free(jp);
	j->jump = NULL;
}

ssize_t jump_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract)
{
	struct conn *j = *abstract;
	struct jump *jp = j->jump;
	ssize_t n;

	/* Pumping asks every channel in turn; only the first recv() can find bytes. */
	if (jp && j->state == ST_RELAY && !jp->rx_ready)
		return -EAGAIN;
	n = recv(fd, buf, len, flags);
	if (n > 0 || !jp)	/* no jump: the session is being freed */
		return n >= 0 ? n : errno == EAGAIN ? -EAGAIN : -errno;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		jp->rx_ready = 0;
		return -EAGAIN;
	}
	if (!jp->dead) {
		jp->dead = 1;
		snprintf(jp->dead_why, sizeof(jp->dead_why), "%s",
			 n == 0 ? "the bastion closed the connection" : strerror(errno));
	}
	return n == 0 ? -ECONNRESET : -errno;
}

void jump_rx(struct conn *j)
{
	if (j->jump)
		j->jump->rx_ready = 1;
}

static void unqueue(struct conn *c)
{
	struct jump *jp = c->via->jump;
	struct conn **p = &jp->wait_head, *prev = NULL;

	for (; *p; prev = *p, p = &(*p)->wait_next) {
		if (*p != c)
			continue;
		*p = c->wait_next;
		if (jp->wait_tail == c)
			jp->wait_tail = prev;
		break;
	}
	c->wait_next = NULL;
	c->waiting = 0;
}

/* The host ends its side; the bastion closes the channel on its next pass. */
void jump_drop(struct conn *c)
{
	if (!c->via)
		return;
	if (c->waiting)
		unqueue(c);
	if (c->relay) {
		c->relay->c = NULL;
		c->relay = NULL;
		conn_kick(c->via);
	}
}

static int wake_later(struct conn *j)
{
	if (j->state == ST_QUEUED && !j->r->attempts) {
		conn_start_jump(j);
		return 1;
	}
	if (j->state == ST_RELAY)
		conn_kick(j);
	return 1;
}

enum advance jump_channel(struct conn *c)
{
	struct conn *j = c->via;

	if (c->fd >= 0)
		return GO;
	if (j->state == ST_DONE)
		return conn_fail(c, j->r->status == RESULT_INTERRUPTED ? RESULT_INTERRUPTED :
				 RESULT_UNREACHABLE, "via bastion %s: %s: %s", j->t->name,
				 host_status_name(j->r->status), j->r->why);
	if (!c->waiting) {
		c->waiting = 1;
		c->wait_next = NULL;
		if (j->jump->wait_tail)
			j->jump->wait_tail->wait_next = c;
		else
			j->jump->wait_head = c;
		j->jump->wait_tail = c;
		wake_later(j);
	}
	return WAIT;
}

void jump_use(struct conn *j)
{
	j->jump->users++;
}

void jump_release(struct conn *j)
{
	struct jump *jp = j->jump;

	if (!jp || !jp->users || --jp->users || j->state == ST_DONE)
		return;
	if (jp->busy)
		jp->unused = 1;
	else
		conn_finish_jump(j);
}

void jump_ended(struct conn *j)
{
	struct jump *jp = j->jump;
	enum host_status st = j->r->status == RESULT_INTERRUPTED ? RESULT_INTERRUPTED :
			      RESULT_UNREACHABLE;

	if (!jp)
		return;
	while (jp->wait_head) {
		struct conn *c = jp->wait_head;

		unqueue(c);
		conn_fail(c, st, "via bastion %s: %s: %s", j->t->name,
			  host_status_name(j->r->status), j->r->why);
	}
	/* Hosts in the middle of their session lose it, as when a link drops. */
	for (struct relay *r = jp->relays; r; r = r->next) {
		struct conn *c = r->c;

		if (c && c->state != ST_DONE && j->r->status != RESULT_OK)
			conn_fail(c, c->e->interrupted ? RESULT_INTERRUPTED : RESULT_PROTOCOL,
				  "via bastion %s: %s: %s", j->t->name,
				  host_status_name(j->r->status), j->r->why);
	}
	jump_free(j);
}

static int session_lost(int rc)
{
	return rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_SOCKET_RECV ||
	       rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_DECRYPT ||
	       rc == LIBSSH2_ERROR_PROTO || rc == LIBSSH2_ERROR_SOCKET_TIMEOUT ||
	       rc == LIBSSH2_ERROR_TIMEOUT || rc == LIBSSH2_ERROR_KEX_FAILURE ||
	       rc == LIBSSH2_ERROR_ALLOC || rc == LIBSSH2_ERROR_OUT_OF_BOUNDARY;
}

static void lost(struct conn *j, int rc)
{
	struct jump *jp = j->jump;

	if (jp->dead)
		return;
	jp->dead = 1;
	snprintf(jp->dead_why, sizeof(jp->dead_why), "%s (libssh2 error %d)",
		 conn_ssh_error(j), rc);
}

static void relay_io_cb(struct ev_loop *loop, ev_io *w, int revents);

/* The SSH string encoding (RFC 4251): a 32-bit length, then the bytes. */
static int put_string(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	unsigned char len[4] = { n >> 24, n >> 16, n >> 8, n };

	return buf_append(b, (const char *)len, 4) || buf_puts(b, s);
}

static int put_u32(struct buf *b, unsigned v)
{
	unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

	return buf_append(b, (const char *)x, 4);
}

/* A relay for the host at the head of the queue, on channel ch. */
static void relay_start(struct conn *j, struct conn *c, LIBSSH2_CHANNEL *ch)
{
	struct jump *jp = j->jump;
	struct relay *r = calloc(1, sizeof(*r));
	int sv[2];

	unqueue(c);
	if (!r || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		free(r);
		libssh2_channel_free(ch);
		conn_fail(c, RESULT_ERROR, "via bastion %s: socketpair: %s", j->t->name,
			  strerror(errno));
		return;
	}
	r->j = j;
	r->c = c;
	r->ch = ch;
	r->fd = sv[1];
	buf_init(&r->down, RELAY_PENDING);
	buf_init(&r->up, RELAY_PENDING);
	ev_io_init(&r->io, relay_io_cb, r->fd, EV_READ);
	r->io.data = r;
	ev_io_start(j->e->loop, &r->io);
	r->next = jp->relays;
	jp->relays = r;
	jp->n_relays++;
	libssh2_channel_set_blocking(ch, 0);
	c->fd = sv[0];
	c->relay = r;
	log_debug("%s: channel through bastion %s", c->t->name, j->t->name);
	conn_kick(c);
}

/* Opens channels for waiting hosts, one request at a time (libssh2 has one). */
static void open_channels(struct conn *j)
{
	struct jump *jp = j->jump;

	while (jp->wait_head && !jp->dead &&
	       jp->n_relays < (size_t)j->e->o->jump_channels) {
		struct conn *c = jp->wait_head;
		LIBSSH2_CHANNEL *ch;
		int rc;

		if (!buf_len(&jp->open_msg) &&
		    (put_string(&jp->open_msg, c->t->address) || put_u32(&jp->open_msg, c->t->port) ||
		     put_string(&jp->open_msg, "127.0.0.1") || put_u32(&jp->open_msg, 0))) {
			buf_reset(&jp->open_msg);
			unqueue(c);
			conn_fail(c, RESULT_ERROR, "out of memory");
			continue;
		}
		ch = libssh2_channel_open_ex(j->s, "direct-tcpip", sizeof("direct-tcpip") - 1,
					     CHANNEL_WINDOW, CHANNEL_PACKET,
					     buf_data(&jp->open_msg),
					     (unsigned)buf_len(&jp->open_msg));
		if (!ch && (rc = libssh2_session_last_errno(j->s)) == LIBSSH2_ERROR_EAGAIN)
			return;
		buf_reset(&jp->open_msg);
		if (ch) {
			relay_start(j, c, ch);
			continue;
		}
		if (session_lost(rc)) {
			lost(j, rc);
			return;
		}
		{
			char why[192];

			unqueue(c);
			snprintf(why, sizeof(why), "via bastion %s: no channel to %s port %u: %s",
				 j->t->name, c->t->address, c->t->port, conn_ssh_error(j));
			/* Refused like a TCP connect: the host may be booting. */
			conn_fail_transient(c, RESULT_UNREACHABLE, why);
		}
	}
}

/* Bytes from the channel into the socket; 1 if anything moved. */
static int pump_down(struct relay *r)
{
	char tmp[RELAY_CHUNK];
	ssize_t n, w;

	if (buf_len(&r->down)) {
		w = write(r->fd, buf_data(&r->down), buf_len(&r->down));
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		buf_consume(&r->down, (size_t)w);
		return w > 0;
	}
	if (r->down_eof)
		return 0;
	n = libssh2_channel_read(r->ch, tmp, sizeof(tmp));
	if (n == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (n < 0)
		return session_lost((int)n) ? (lost(r->j, (int)n), -1) : -1;
	if (n == 0) {
		if (!libssh2_channel_eof(r->ch))
			return 0;
		r->down_eof = 1;
		shutdown(r->fd, SHUT_WR);
		return 1;
	}
	w = write(r->fd, tmp, (size_t)n);
	if (w < 0 && errno != EAGAIN)
		return -1;
	if (w < 0)
		w = 0;
	if (w < n && buf_append(&r->down, tmp + w, (size_t)(n - w)))
		return -1;
	return 1;
}

/* Bytes from the socket into the channel; 1 if anything moved. */
static int pump_up(struct relay *r)
{
	char tmp[RELAY_CHUNK];
	ssize_t n, w;

	if (buf_len(&r->up)) {
		w = libssh2_channel_write(r->ch, buf_data(&r->up), buf_len(&r->up));
		if (w == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (w < 0)
			return session_lost((int)w) ? (lost(r->j, (int)w), -1) : -1;
		buf_consume(&r->up, (size_t)w);
		return w > 0;
	}
	/* a pass visits every relay: only those whose socket woke us read it */
	if (!r->rx)
		return 0;
	n = read(r->fd, tmp, sizeof(tmp));
	if (n < 0 && errno == EAGAIN)
		r->rx = 0;
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;	/* the host closed its end */
	w = libssh2_channel_write(r->ch, tmp, (size_t)n);
	if (w < 0 && w != LIBSSH2_ERROR_EAGAIN)
		return session_lost((int)w) ? (lost(r->j, (int)w), -1) : -1;
	if (w < 0)
		w = 0;
	if (w < n && buf_append(&r->up, tmp + w, (size_t)(n - w)))
		return -1;
	return 1;
}

/* What the relay's socket should wake us for. */
static void relay_watch(struct relay *r)
{
	int ev = (buf_len(&r->up) ? 0 : EV_READ) | (buf_len(&r->down) ? EV_WRITE : 0);
	struct ev_loop *loop = r->j->e->loop;

	if (r->fd < 0 || ev == 0) {
		ev_io_stop(loop, &r->io);
		return;
	}
	if (!ev_is_active(&r->io) || (r->io.events & (EV_READ | EV_WRITE)) != ev) {
		ev_io_stop(loop, &r->io);
		ev_io_set(&r->io, r->fd, ev);
		ev_io_start(loop, &r->io);
	}
}

/* The host's side is gone (or broken): close the socket, then the channel. */
static void relay_close(struct relay *r)
{
	if (r->fd >= 0) {
		ev_io_stop(r->j->e->loop, &r->io);
		close(r->fd);
		r->fd = -1;
	}
	if (r->c) {
		r->c->relay = NULL;
		r->c = NULL;
	}
	r->closing = 1;
}

/* Moves what can move for one relay; 1 if anything did. */
static int relay_step(struct relay *r)
{
	int d, u, any = 0;

	if (r->closing || !r->ch)
		return 0;
	if (!r->c) {
		relay_close(r);
		return 1;
	}
	do {
		d = pump_down(r);
		u = d < 0 ? 0 : pump_up(r);
		any |= d > 0 || u > 0;
	} while ((d > 0 || u > 0) && !r->j->jump->dead);
	/* A dead bastion is its hosts' verdict, not a channel's end (jump_ended). */
	if ((d < 0 || u < 0) && !r->j->jump->dead) {
		relay_close(r);
		return 1;
	}
	relay_watch(r);
	return any;
}

/* Closing channels finish when libssh2 has sent the close; then they go. */
static void reap(struct conn *j)
{
	struct jump *jp = j->jump;

	for (struct relay **p = &jp->relays; *p;) {
		struct relay *r = *p;
		int rc;

		if (!r->closing) {
			p = &r->next;
			continue;
		}
		rc = r->ch ? libssh2_channel_close(r->ch) : 0;
		if (rc == LIBSSH2_ERROR_EAGAIN && !jp->dead) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		jp->n_relays--;
		relay_free(r);
	}
}

static void relay_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct relay *r = w->data;

	(void)loop;
	if (revents & EV_READ)
		r->rx = 1;
	conn_kick(r->j);
}

enum advance st_relay(struct conn *j)
{
	struct jump *jp = j->jump;
	int moved, rounds = 0;

	jp->busy = 1;
	do {
		open_channels(j);
		moved = 0;
		for (struct relay *r = jp->relays; r && !jp->dead; r = r->next)
			moved |= relay_step(r);
		reap(j);
	} while (moved && !jp->dead && ++rounds < 16);
	jp->busy = 0;
	if (jp->dead)
		return conn_fail(j, RESULT_PROTOCOL, "lost: %s", jp->dead_why);
	if (jp->unused) {
		conn_finish_jump(j);
		return STOP;
	}
	return conn_wait_for(j, EV_READ | (libssh2_session_block_directions(j->s) &
					   LIBSSH2_SESSION_BLOCK_OUTBOUND ? EV_WRITE : 0));
}
