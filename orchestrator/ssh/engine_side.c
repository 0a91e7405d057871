/*
 * engine_side.c - warm mode's side channels (engine.h, engine_side_start):
 * a command on another channel of a held session, beside the plan's step
 * (the resident agent), driven from that step's read state whenever the
 * session's socket or a kick wakes it.
 *
 * libssh2 keeps the state of a channel being opened in the session, so
 * only one side channel of a host opens at a time; the others wait their
 * turn.  A side that passes its timeout has its stdin closed, which makes
 * the guard kill the command (remote.h); one that does not close within
 * CLOSE_GRACE after that is dropped.  When the session ends, every side
 * ends with it, saying so.
 */
#include "engine_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "remote.h"
#include "banned.h"

enum side_state { SIDE_OPEN, SIDE_EXEC, SIDE_READ, SIDE_CLOSE };

struct side {
	struct conn *c;
	char *cmd, *in;		/* copies: the caller's may go first */
	size_t inlen, in_off;
	size_t max_output;
	double timeout;
	void (*on_end)(void *arg, size_t i, const struct host_result *r);
	void *arg;
	enum side_state st;
	LIBSSH2_CHANNEL *ch;
	int eof_sent, killing, timed_out;
	char tail[REMOTE_STATUS_MAX];	/* last bytes of stderr: the guard's status */
	size_t tail_len;
	double t0;
	ev_timer deadline;
	struct host_result r;
	struct side *next;
};

/* The side's end: reported, unlinked, freed. */
static void side_end(struct side *s, enum host_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void side_end(struct side *s, enum host_status st, const char *fmt, ...)
{
	struct conn *c = s->c;
	struct side **p;
	va_list ap;

	for (p = &c->sides; *p && *p != s; p = &(*p)->next)
		;
	if (*p)
		*p = s->next;
	ev_timer_stop(c->e->loop, &s->deadline);
	if (s->ch) {
		libssh2_channel_free(s->ch);	/* best effort, as conn_drop_session */
		s->ch = NULL;
	}
	s->r.status = st;
	s->r.why[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(s->r.why, sizeof(s->r.why), fmt, ap);
		va_end(ap);
	}
	s->r.ms_run = (long)((conn_now(c) - s->t0) * 1000);
	s->on_end(s->arg, c->idx, &s->r);
	host_result_release(&s->r);
	free(s->cmd);
	free(s->in);
	free(s);
}

static void side_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct side *s = w->data;
	struct conn *c = s->c;

	(void)revents;
	if (s->killing || !s->ch) {
		side_end(s, RESULT_TIMEOUT, s->ch ? "command killed; the host did not close "
			 "the channel within %gs" : "no channel within %gs",
			 s->ch ? CLOSE_GRACE : s->timeout);
		return;
	}
	/* closing its stdin makes the guard kill the command's process group */
	s->timed_out = s->killing = 1;
	libssh2_channel_send_eof(s->ch);	/* EAGAIN: sent again by the read state */
	ev_timer_set(&s->deadline, CLOSE_GRACE, 0);
	ev_timer_start(loop, &s->deadline);
	conn_kick(c);
}

int engine_side_start(struct engine *e, size_t i, const struct engine_side_req *req)
{
	struct conn *c = conn_of_host(e, i);
	struct side *s, **tail;

	if (!c || c->state != ST_READ || !c->s)
		return RONDA_EAGAIN;
	s = calloc(1, sizeof(*s));
	if (!s)
		return RONDA_ENOMEM;
	s->cmd = strdup(req->cmd);
	s->in = req->inlen ? malloc(req->inlen) : NULL;
	if (!s->cmd || (req->inlen && !s->in)) {
		free(s->cmd);
		free(s->in);
		free(s);
		return RONDA_ENOMEM;
	}
	if (req->inlen)
		memcpy(s->in, req->in, req->inlen);
	s->c = c;
	s->inlen = req->inlen;
	s->max_output = req->max_output;
	s->timeout = req->timeout;
	s->on_end = req->on_end;
	s->arg = req->arg;
	s->t0 = conn_now(c);
	host_result_init(&s->r, req->max_output);
	ev_timer_init(&s->deadline, side_deadline_cb, req->timeout, 0);
	s->deadline.data = s;
	ev_timer_start(e->loop, &s->deadline);
	for (tail = &c->sides; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	conn_kick(c);
	return RONDA_OK;
}

/* Reads what the channel has; 1 once it is at its end, -1 on a lost link. */
static int side_drain(struct side *s)
{
	static const int streams[2] = { 0, SSH_EXTENDED_DATA_STDERR };
	char chunk[16384];

	for (int k = 0; k < 2; k++) {
		struct buf *b = k ? &s->r.err : &s->r.out;
		int *cut = k ? &s->r.err_cut : &s->r.out_cut;

		for (;;) {
			ssize_t n = libssh2_channel_read_ex(s->ch, streams[k], chunk, sizeof(chunk));

			if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
				break;
			if (n < 0)
				return -1;
			s->c->last_rx = conn_now(s->c);
			if (k)
				engine_keep_tail(s->tail, &s->tail_len, sizeof(s->tail), chunk, (size_t)n);
			host_result_keep(b, cut, chunk, (size_t)n);
		}
	}
	return libssh2_channel_eof(s->ch) ? 1 : 0;
}

/*
 * Its stdin; stdin stays open, since the guard kills the command when it
 * closes: EOF goes only to kill one that timed out.
 */
static int side_feed(struct side *s)
{
	while (!s->killing && s->in_off < s->inlen) {
		ssize_t n = libssh2_channel_write(s->ch, s->in + s->in_off, s->inlen - s->in_off);

		if (n == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		s->in_off += (size_t)n;
	}
	if (s->killing && !s->eof_sent) {
		int rc = libssh2_channel_send_eof(s->ch);

		if (rc == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (rc < 0)
			return -1;
		s->eof_sent = 1;
	}
	return 0;
}

/*
 * The side's states, one function each: SIDE_WAIT (EAGAIN: a socket event
 * or a kick comes back), SIDE_ENDED (side_end was called), or SIDE_GO (it
 * moved on: run the next state now).
 */
enum { SIDE_WAIT, SIDE_ENDED, SIDE_GO };

static int side_open(struct side *s, int *opening)
{
	struct conn *c = s->c;

	if (*opening)
		return SIDE_WAIT;	/* libssh2 opens one channel of a session at a time */
	s->ch = libssh2_channel_open_ex(c->s, "session", 7, CHANNEL_WINDOW, CHANNEL_PACKET, NULL, 0);
	if (!s->ch) {
		if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN) {
			*opening = 1;
			return SIDE_WAIT;
		}
		side_end(s, RESULT_PROTOCOL, "opening a channel beside the resident: %s",
			 conn_ssh_error(c));
		return SIDE_ENDED;
	}
	s->st = SIDE_EXEC;
	return SIDE_GO;
}

static int side_exec(struct side *s)
{
	int rc = libssh2_channel_process_startup(s->ch, "exec", 4, s->cmd, (unsigned)strlen(s->cmd));

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return SIDE_WAIT;
	if (rc) {
		side_end(s, RESULT_PROTOCOL, "starting the command: %s", conn_ssh_error(s->c));
		return SIDE_ENDED;
	}
	s->st = SIDE_READ;
	return SIDE_GO;
}

static int side_read(struct side *s)
{
	int rc;

	if (side_feed(s) < 0 || (rc = side_drain(s)) < 0) {
		side_end(s, RESULT_PROTOCOL, "connection lost while the command ran: %s",
			 conn_ssh_error(s->c));
		return SIDE_ENDED;
	}
	if (!rc)
		return SIDE_WAIT;
	s->st = SIDE_CLOSE;
	return SIDE_GO;
}

/* The exit status, from the guard's status line, as st_close reads it. */
static int side_close(struct side *s)
{
	int rc = libssh2_channel_close(s->ch);

	if (rc == 0)
		rc = libssh2_channel_wait_closed(s->ch);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return SIDE_WAIT;
	engine_guard_status(&s->r, s->tail, s->tail_len);
	if (s->timed_out)
		side_end(s, RESULT_TIMEOUT, "command still running after %gs; killed", s->timeout);
	else if (!s->r.has_exit)
		side_end(s, RESULT_PROTOCOL, "the command ended without an exit status");
	else if (s->r.exit_code)
		side_end(s, RESULT_FAILED, "exit code %d", s->r.exit_code);
	else
		side_end(s, RESULT_OK, NULL);
	return SIDE_ENDED;
}

/* One side as far as it goes without waiting; 1: it ended. */
static int side_step(struct side *s, int *opening)
{
	int r = SIDE_GO;

	while (r == SIDE_GO) {
		switch (s->st) {
		case SIDE_OPEN: r = side_open(s, opening); break;
		case SIDE_EXEC: r = side_exec(s); break;
		case SIDE_READ: r = side_read(s); break;
		case SIDE_CLOSE: r = side_close(s); break;
		}
	}
	return r == SIDE_ENDED;
}

int engine_sides_run(struct conn *c)
{
	int opening = 0, any = 0;
	struct side *s = c->sides;

	while (s) {
		struct side *next = s->next;

		any |= side_step(s, &opening);
		s = next;
	}
	return any;
}

void engine_sides_drop(struct conn *c, enum host_status st, const char *why)
{
	while (c->sides)
		side_end(c->sides, st, "%s", why);
}
