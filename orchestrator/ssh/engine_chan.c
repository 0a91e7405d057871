/*
 * engine_chan.c - the states that run one plan step on a fresh channel of
 * the host's session: open, exec, read (stdin in, output out), close (the
 * exit status).  Then the loop asks the plan for the next step.
 */
#include "engine_int.h"

#include <linux/tcp.h>	/* tcpi_min_rtt, which glibc's tcp_info lacks */
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "remote.h"
#include "banned.h"

enum advance st_open(struct conn *c)
{
	c->ch = libssh2_channel_open_ex(c->s, "session", 7, CHANNEL_WINDOW,
					CHANNEL_PACKET, NULL, 0);
	if (!c->ch) {
		if (libssh2_session_last_errno(c->s) == LIBSSH2_ERROR_EAGAIN)
			return conn_wait_ssh(c);
		return conn_fail(c, RESULT_PROTOCOL, "opening a channel: %s", conn_ssh_error(c));
	}
	conn_set_state(c, ST_EXEC);
	return GO;
}

/*
 * Whether engine_step.in_flight may hold this host's stdin back.
 * OpenSSH credits a channel's window as soon as three packets are
 * outstanding and some of them were consumed (channels.c,
 * channel_check_window, the same from OpenSSH 4 to 10), so a sender that
 * holds its unacknowledged bytes to in_flight never starves it.  Another
 * server may wait until half its window is used: it gets the whole window.
 * As OpenSSH's compat.c does, the peer is known by its banner.  Only near
 * hosts, whose shortest TCP round trip is under a millisecond (256 KiB a
 * round trip is then 256 MB/s; the smoothed one grows with a busy host's
 * load): far ones need the window to fill the path, and their bytes come
 * slowly enough for the host to read them as they come.  Not through a
 * bastion or a ProxyCommand (no TCP socket of ours to ask).
 */
static int may_hold_back(struct conn *c)
{
	const char *b = libssh2_session_banner_get(c->s);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (!c->step.in_flight || c->via || c->proxy_pid ||
	    !b || strncmp(b, "SSH-2.0-OpenSSH_", 16) != 0)
		return 0;
	memset(&ti, 0, sizeof(ti));
	return getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	       len >= offsetof(struct tcp_info, tcpi_min_rtt) + sizeof(ti.tcpi_min_rtt) &&
	       ti.tcpi_min_rtt > 0 && ti.tcpi_min_rtt < NEAR_RTT_US;
}

enum advance st_exec(struct conn *c)
{
	const char *cmd = c->step.cmd;
	int rc = libssh2_channel_process_startup(c->ch, "exec", 4, cmd,
						 (unsigned)strlen(cmd));

	if (rc == LIBSSH2_ERROR_EAGAIN)
		return conn_wait_ssh(c);
	if (rc)
		return conn_fail(c, RESULT_PROTOCOL, "starting the command: %s", conn_ssh_error(c));
	c->win0 = may_hold_back(c) ? libssh2_channel_window_write(c->ch) : 0;
	conn_set_state(c, ST_READ);
	return GO;
}

/*
 * The guard's status line is the only proof the command finished: its
 * exit code, and the line taken off stderr.
 */
void engine_guard_status(struct host_result *r, const char *tail, size_t tail_len)
{
	int code;
	size_t len;

	if (remote_parse_status(tail, tail_len, &code, &len) != RONDA_OK)
		return;
	r->has_exit = 1;
	r->exit_code = code;
	if (!r->err_cut && buf_len(&r->err) >= len)
		buf_truncate(&r->err, buf_len(&r->err) - len);
}

void engine_keep_tail(char *tail, size_t *len, size_t cap, const char *p, size_t n)
{
	if (n >= cap) {
		memcpy(tail, p + n - cap, cap);
		*len = cap;
		return;
	}
	if (*len + n > cap) {
		size_t drop = *len + n - cap;

		memmove(tail, tail + drop, *len - drop);
		*len -= drop;
	}
	memcpy(tail + *len, p, n);
	*len += n;
}

#define DRAIN_REFUSED 1	/* the step's on_stdout/on_stderr said no: c->sink_err */

/*
 * Drains one stream until libssh2 has nothing more, adding the bytes read
 * to *got.  Output past the cap is read and dropped, so the window keeps
 * moving and the remote never blocks.  A step's on_stdout (on_stderr) gets
 * the stream instead, uncut: its consumer bounds itself; with keep_output
 * it is kept as well.  Returns 0, a libssh2 error, or DRAIN_REFUSED.
 */
static int drain(struct conn *c, int stream, struct buf *b, int *cut, size_t *got)
{
	char chunk[16384];
	int (*sink)(void *, size_t, const char *, size_t) =
		stream == 0 ? c->step.on_stdout : c->step.on_stderr;
	void *sink_arg = stream == 0 ? c->step.on_stdout_arg : c->step.on_stderr_arg;
	int keep = !sink || c->step.keep_output;

	for (;;) {
		ssize_t n = libssh2_channel_read_ex(c->ch, stream, chunk, sizeof(chunk));

		if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
			return 0;
		if (n < 0)
			return (int)n;
		*got += (size_t)n;
		c->last_rx = conn_now(c);
		if (stream == SSH_EXTENDED_DATA_STDERR)
			engine_keep_tail(c->tail, &c->tail_len, sizeof(c->tail), chunk, (size_t)n);
		if (sink) {
			c->sink_err = sink(sink_arg, c->idx, chunk, (size_t)n);
			if (c->sink_err != RONDA_OK)
				return DRAIN_REFUSED;
		}
		if (keep)
			host_result_keep(b, cut, chunk, (size_t)n);
	}
}

#define FEED_REFUSED 1	/* the step's on_stdin said no: c->sink_err */

/* The step's next stdin bytes: from on_stdin, or what is left of `in`. */
static int next_in(struct conn *c, const char **p, size_t *n)
{
	if (c->step.on_stdin)
		return c->step.on_stdin(c->step.on_stdin_arg, c->idx, c->in_off, p, n);
	*p = c->step.in + c->in_off;
	*n = c->step.inlen - c->in_off;
	return RONDA_OK;
}

/* The server holds step.in_flight bytes of ours it has not credited back. */
static int held_back(struct conn *c)
{
	unsigned long win;

	if (!c->step.in_flight || !c->win0)
		return 0;
	win = libssh2_channel_window_write(c->ch);
	return win < c->win0 && c->win0 - win >= c->step.in_flight;
}

/* Feeds the step's stdin bytes, then EOF if the step asks for it. */
static int feed(struct conn *c)
{
	for (;;) {
		const char *p = NULL;
		size_t len = 0;
		ssize_t n;

		if (held_back(c))
			return 0;	/* its window adjustment wakes us */
		c->sink_err = next_in(c, &p, &len);
		if (c->sink_err == RONDA_EAGAIN)
			return 0;	/* on_stdin: nothing yet, and no EOF */
		if (c->sink_err != RONDA_OK)
			return FEED_REFUSED;
		if (!len)
			break;
		n = libssh2_channel_write(c->ch, p, len);
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

/* Bytes libssh2 has taken off the socket for this channel but not handed out. */
static int queued(struct conn *c)
{
	unsigned long avail = 0;

	libssh2_channel_window_read_ex(c->ch, &avail, NULL);
	return avail > 0;
}

/* feed()'s failure as the host's end, or 0. */
static int feed_failed(struct conn *c, int frc, enum advance *a)
{
	if (frc == FEED_REFUSED)
		*a = conn_fail(c, RESULT_ERROR, "the input of step %d failed: %s",
			       c->n_steps, ronda_strerror(c->sink_err));
	else if (frc < 0)
		*a = conn_fail(c, c->timed_out ? RESULT_TIMEOUT : RESULT_PROTOCOL,
			       "connection lost while sending input: %s", conn_ssh_error(c));
	return frc == FEED_REFUSED || frc < 0;
}

enum advance st_read(struct conn *c)
{
	enum advance a;

	if (feed_failed(c, c->killing ? 0 : feed(c), &a))
		return a;

	/*
	 * Reading one stream can pull the other's packets off the socket into
	 * libssh2's queue; the socket then stays quiet although data waits,
	 * and the host would sit until the keepalive woke it.  So drain both
	 * until a pass brings nothing and libssh2 holds nothing more for the
	 * channel.  A second empty pass ends it whatever is queued: data on
	 * an extended stream other than stderr is never read.
	 */
	for (int idle = 0; idle < 2;) {
		size_t got = 0;
		int rc = drain(c, 0, &c->r->out, &c->r->out_cut, &got);

		if (rc == 0)
			rc = drain(c, SSH_EXTENDED_DATA_STDERR, &c->r->err,
				   &c->r->err_cut, &got);
		if (rc == DRAIN_REFUSED)
			return conn_fail(c, RESULT_ERROR, "the output of step %d was refused: %s",
					 c->n_steps, ronda_strerror(c->sink_err));
		if (rc < 0)
			return conn_fail(c, c->timed_out ? RESULT_TIMEOUT : RESULT_PROTOCOL,
				    "connection lost while the command ran: %s",
				    conn_ssh_error(c));
		if (got > 0)
			idle = 0;
		else if (queued(c))
			idle++;
		else
			break;
	}
	/*
	 * What came out may have made more input ready (on_stdin: a deploy
	 * sends the job once the host says its upload is stored); no socket
	 * event would ask again.
	 */
	if (c->step.on_stdin && feed_failed(c, c->killing ? 0 : feed(c), &a))
		return a;
	/*
	 * Warm mode's side channels share the socket: reading them may queue
	 * the step's packets, and the other way round, so once a side has
	 * ended the step is read again.
	 */
	if (c->sides && engine_sides_run(c))
		return GO;
	if (!libssh2_channel_eof(c->ch))
		return conn_wait_ssh(c);
	conn_set_state(c, ST_CLOSE);
	return GO;
}

enum advance st_close(struct conn *c)
{
	int rc = libssh2_channel_close(c->ch);

	if (rc == 0)
		rc = libssh2_channel_wait_closed(c->ch);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return conn_wait_ssh(c);
	c->r->ms_run = conn_ms_since(c, c->t_phase);
	libssh2_channel_free(c->ch);
	c->ch = NULL;
	if (c->step.guarded)
		engine_guard_status(c->r, c->tail, c->tail_len);
	if (c->timed_out)
		return conn_fail(c, RESULT_TIMEOUT, "command still running after %gs; killed",
			    c->t->command_timeout);
	if (c->e->interrupted)
		return conn_fail(c, RESULT_INTERRUPTED, "interrupted; command killed");
	if (c->step.guarded && !c->r->has_exit)
		return conn_fail(c, RESULT_PROTOCOL, "the command ended without an exit status");
	c->r->why[0] = '\0';
	if (c->r->has_exit && c->r->exit_code != 0) {
		c->r->status = RESULT_FAILED;
		snprintf(c->r->why, sizeof(c->r->why), "exit code %d", c->r->exit_code);
	} else {
		c->r->status = RESULT_OK;
	}
	return conn_next_step(c);
}
