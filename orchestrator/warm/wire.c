/*
 * wire.c - frames on the daemon's socket, and the client's one call
 * (wire.h).
 */
#include "warm/wire.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "ssh/engine_cli.h"
#include "banned.h"

int wire_socket_path(const char *path, struct buf *out, struct buf *err)
{
	struct sockaddr_un sun;
	const char *run = getenv("XDG_RUNTIME_DIR");

	buf_reset(out);
	if (path) {
		if (buf_puts(out, path))
			return RONDA_ENOMEM;
	} else if (!run || run[0] != '/') {
		buf_printf(err, "XDG_RUNTIME_DIR is not set to a directory: give --socket PATH");
		return RONDA_EINVAL;
	} else if (buf_printf(out, "%s/ronda/serve.sock", run)) {
		return RONDA_ENOMEM;
	}
	if (buf_len(out) >= sizeof(sun.sun_path)) {
		buf_printf(err, "%s: too long for a Unix socket (at most %zu bytes)", buf_data(out),
			   sizeof(sun.sun_path) - 1);
		return RONDA_EINVAL;
	}
	return RONDA_OK;
}

int wire_frame(struct buf *out, const char *json, size_t n)
{
	unsigned char h[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
			       (unsigned char)(n >> 8), (unsigned char)n };

	if (n > UINT32_MAX)
		return RONDA_ELIMIT;
	return buf_append(out, h, 4) || buf_append(out, json, n) ? RONDA_ENOMEM : RONDA_OK;
}

int wire_unframe(const struct buf *in, size_t max, const char **body, size_t *n)
{
	const unsigned char *p = (const unsigned char *)buf_data(in);
	size_t len;

	if (buf_len(in) < 4)
		return RONDA_EAGAIN;
	len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	if (len > max)
		return RONDA_ELIMIT;
	if (buf_len(in) - 4 < len)
		return RONDA_EAGAIN;
	*body = buf_data(in) + 4;
	*n = len;
	return RONDA_OK;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		double left = deadline - engine_cli_now();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 1;
		if (r == 0)
			continue;
		if (errno != EINTR)
			return -1;
	}
}

int wire_open(struct wire_conn *wc, const char *path, const char *request, double timeout,
	      struct buf *err)
{
	struct sockaddr_un sun;
	struct buf out;
	size_t sent = 0;
	int rc;

	memset(wc, 0, sizeof(*wc));
	wc->path = path;
	wc->timeout = timeout;
	wc->deadline = engine_cli_now() + timeout;
	buf_init(&wc->in, WIRE_MAX_ANSWER + 4);
	buf_init(&out, WIRE_MAX_REQUEST + 4);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	wc->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (wc->fd < 0) {
		rc = RONDA_ESYS;
		buf_printf(err, "socket: %s", strerror(errno));
		goto out;
	}
	if (connect(wc->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		rc = RONDA_ESYS;
		buf_printf(err, "no warm daemon at %s: %s", path, strerror(errno));
		goto out;
	}
	rc = wire_frame(&out, request, strlen(request));
	if (rc)
		goto out;
	while (sent < buf_len(&out)) {
		ssize_t w = send(wc->fd, buf_data(&out) + sent, buf_len(&out) - sent, MSG_NOSIGNAL);

		if (w > 0) {
			sent += (size_t)w;
			continue;
		}
		/* a refusal comes before the request is read: go and read it */
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			break;
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			rc = RONDA_ESYS;
			buf_printf(err, "%s: cannot send the request: %s", path, strerror(errno));
			goto out;
		}
		if (wait_fd(wc->fd, POLLOUT, wc->deadline) <= 0) {
			rc = RONDA_ETIMEOUT;
			buf_printf(err, "%s: no answer within %gs", path, timeout);
			goto out;
		}
	}
out:
	buf_release(&out);
	if (rc)
		wire_close(wc);
	return rc;
}

int wire_next(struct wire_conn *wc, struct buf *answer, struct buf *err)
{
	const char *body;
	size_t n;
	int rc;

	buf_consume(&wc->in, wc->used);
	wc->used = 0;
	for (;;) {
		ssize_t r;

		rc = wire_unframe(&wc->in, WIRE_MAX_ANSWER, &body, &n);
		if (rc == RONDA_OK)
			break;
		if (rc == RONDA_ELIMIT) {
			buf_printf(err, "%s: an answer is larger than %zu bytes", wc->path, WIRE_MAX_ANSWER);
			return RONDA_EPROTO;
		}
		if (buf_reserve(&wc->in, 65536))
			return RONDA_ENOMEM;
		r = read(wc->fd, buf_space(&wc->in), 65536);
		if (r > 0) {
			buf_commit(&wc->in, (size_t)r);
			continue;
		}
		if (r == 0) {
			buf_printf(err, "%s: the daemon closed the connection before answering", wc->path);
			return RONDA_EPROTO;
		}
		if (errno != EAGAIN && errno != EINTR) {
			buf_printf(err, "%s: %s", wc->path, strerror(errno));
			return RONDA_ESYS;
		}
		if (wait_fd(wc->fd, POLLIN, wc->deadline) <= 0) {
			buf_printf(err, "%s: no answer within %gs", wc->path, wc->timeout);
			return RONDA_ETIMEOUT;
		}
	}
	wc->used = 4 + n;
	buf_reset(answer);
	return buf_append(answer, body, n) ? RONDA_ENOMEM : RONDA_OK;
}

void wire_close(struct wire_conn *wc)
{
	if (wc->fd >= 0)
		close(wc->fd);
	wc->fd = -1;
	buf_release(&wc->in);
}

int wire_call(const char *path, const char *request, double timeout,
	      struct buf *answer, struct buf *err)
{
	struct wire_conn wc;
	int rc = wire_open(&wc, path, request, timeout, err);

	if (rc)
		return rc;
	rc = wire_next(&wc, answer, err);
	wire_close(&wc);
	return rc;
}

int wire_b64_encode(const char *p, size_t n, struct buf *out)
{
	if (n > INT_MAX / 4 * 3 || buf_reserve(out, 4 * ((n + 2) / 3) + 1))
		return RONDA_ENOMEM;
	buf_commit(out, (size_t)EVP_EncodeBlock((unsigned char *)buf_space(out),
						 (const unsigned char *)(n ? p : ""), (int)n));
	return RONDA_OK;
}

int wire_b64_decode(const char *s, struct buf *out)
{
	size_t n = strlen(s), pad = 0;
	int got;

	if (n % 4 || n > INT_MAX || buf_reserve(out, n / 4 * 3 + 1))
		return n % 4 ? RONDA_EPARSE : RONDA_ENOMEM;
	if (!n)
		return RONDA_OK;
	got = EVP_DecodeBlock((unsigned char *)buf_space(out), (const unsigned char *)s, (int)n);
	if (got < 0)
		return RONDA_EPARSE;
	/* EVP_DecodeBlock counts the padding as bytes */
	pad = (s[n - 1] == '=') + (s[n - 2] == '=');
	buf_commit(out, (size_t)got - pad);
	return RONDA_OK;
}
