/*
 * sshagent.c - see sshagent.h.
 */
#include "sshagent.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "banned.h"

#define AGENT_MSG_MAX (256 * 1024)
#define AGENTC_REQUEST_IDENTITIES 11
#define AGENT_IDENTITIES_ANSWER 12
#define AGENTC_SIGN_REQUEST 13
#define AGENT_SIGN_RESPONSE 14

static int put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

	return buf_append(b, x, 4);
}

static int put_str(struct buf *b, const void *p, size_t n)
{
	int r = put_u32(b, (uint32_t)n);

	return r ? r : buf_append(b, p, n);
}

/* A reader over a received message. */
struct rd {
	const unsigned char *p;
	size_t left;
};

static int get_u32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return RONDA_EPROTO;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return RONDA_OK;
}

static int get_str(struct rd *r, const unsigned char **s, size_t *n)
{
	uint32_t len;

	if (get_u32(r, &len) || len > r->left)
		return RONDA_EPROTO;
	*s = r->p;
	*n = len;
	r->p += len;
	r->left -= len;
	return RONDA_OK;
}

static int connect_agent(const char *path, int nonblock)
{
	struct sockaddr_un sa;
	int fd;

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A local socket connects at once or not at all. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Complete message in b (length-prefixed)? Returns its length or 0. */
static size_t message_ready(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)buf_data(b);
	uint32_t len;

	if (buf_len(b) < 4)
		return 0;
	len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return buf_len(b) >= 4 + (size_t)len ? 4 + len : 0;
}

/* Moves bytes: writes out, reads into in.  RONDA_OK or an error. */
static int pump(int fd, struct buf *out, struct buf *in)
{
	while (buf_len(out)) {
		ssize_t n = send(fd, buf_data(out), buf_len(out), MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? RONDA_OK : RONDA_ESYS;
		buf_consume(out, (size_t)n);
	}
	for (;;) {
		ssize_t n;
		int r = buf_reserve(in, 4096);

		if (r)
			return r;
		n = recv(fd, buf_space(in), 4096, 0);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? RONDA_OK : RONDA_ESYS;
		if (n == 0)
			return message_ready(in) ? RONDA_OK : RONDA_EPROTO;
		buf_commit(in, (size_t)n);
	}
}

static int usable_type(const unsigned char *blob, size_t n)
{
	struct rd r = { blob, n };
	const unsigned char *t;
	size_t tl;

	if (get_str(&r, &t, &tl))
		return 0;
	return (tl == 11 && memcmp(t, "ssh-ed25519", 11) == 0) ||
	       (tl > 11 && memcmp(t, "ecdsa-sha2-", 11) == 0);
}

void sshagent_keys_release(struct agent_keys *keys)
{
	for (size_t i = 0; i < keys->n; i++) {
		free(keys->v[i].blob);
		free(keys->v[i].comment);
	}
	free(keys->v);
	keys->v = NULL;
	keys->n = 0;
}

static int parse_identities(const struct buf *in, size_t msglen, struct agent_keys *keys)
{
	struct rd r = { (const unsigned char *)buf_data(in) + 4, msglen - 4 };
	uint32_t count;

	if (r.left < 1 || r.p[0] != AGENT_IDENTITIES_ANSWER)
		return RONDA_EPROTO;
	r.p++;
	r.left--;
	if (get_u32(&r, &count) || count > 1024)
		return RONDA_EPROTO;
	keys->v = calloc(count ? count : 1, sizeof(*keys->v));
	if (!keys->v)
		return RONDA_ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *b, *c;
		size_t bl, cl;
		struct agent_key *k = &keys->v[keys->n];

		if (get_str(&r, &b, &bl) || get_str(&r, &c, &cl))
			return RONDA_EPROTO;
		if (!usable_type(b, bl)) {
			log_debug("ssh-agent key %.*s: not ed25519 or ECDSA, skipped", (int)cl, c);
			continue;
		}
		k->blob = malloc(bl);
		k->comment = strndup((const char *)c, cl);
		if (!k->blob || !k->comment) {
			free(k->blob);
			free(k->comment);
			return RONDA_ENOMEM;
		}
		memcpy(k->blob, b, bl);
		k->bloblen = bl;
		keys->n++;
	}
	return RONDA_OK;
}

int sshagent_list(const char *path, double timeout, struct agent_keys *keys)
{
	struct buf out, in;
	struct timespec t0, t1;
	size_t len;
	int fd, r;

	memset(keys, 0, sizeof(*keys));
	if (!path)
		path = getenv("SSH_AUTH_SOCK");
	if (!path || !*path)
		return RONDA_OK;
	buf_init(&out, 64);
	buf_init(&in, AGENT_MSG_MAX);
	fd = connect_agent(path, 1);
	if (fd < 0) {
		log_warn("ssh-agent at %s: cannot connect: %s", path, strerror(errno));
		r = RONDA_OK;
		goto out;
	}
	r = put_u32(&out, 1);
	if (r == RONDA_OK)
		r = buf_putc(&out, AGENTC_REQUEST_IDENTITIES);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r == RONDA_OK && !(len = message_ready(&in))) {
		struct pollfd p = { fd, (short)(POLLIN | (buf_len(&out) ? POLLOUT : 0)), 0 };
		double left;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = timeout - ((double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (left <= 0) {
			r = RONDA_ETIMEOUT;
			break;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR) {
			r = RONDA_ESYS;
			break;
		}
		r = pump(fd, &out, &in);
	}
	if (r == RONDA_OK)
		r = parse_identities(&in, len, keys);
	if (r) {
		log_warn("ssh-agent at %s: %s; not using it", path, ronda_strerror(r));
		sshagent_keys_release(keys);
		r = RONDA_OK;
	}
out:
	if (fd >= 0)
		close(fd);
	buf_release(&out);
	buf_release(&in);
	return r;
}

void sshagent_sign_init(struct agent_sign *s)
{
	s->fd = -1;
	buf_init(&s->out, AGENT_MSG_MAX);
	buf_init(&s->in, AGENT_MSG_MAX);
}

void sshagent_sign_release(struct agent_sign *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	buf_release(&s->out);
	buf_release(&s->in);
}

int sshagent_fd(const struct agent_sign *s)
{
	return s->fd;
}

int sshagent_wants_write(const struct agent_sign *s)
{
	return buf_len(&s->out) > 0;
}

static int parse_signature(const struct buf *in, size_t msglen, unsigned char **sig,
			   size_t *siglen)
{
	struct rd r = { (const unsigned char *)buf_data(in) + 4, msglen - 4 };
	struct rd blob;
	const unsigned char *b, *fmt, *raw;
	size_t bl, fl, rl;

	if (r.left < 1 || r.p[0] != AGENT_SIGN_RESPONSE)
		return RONDA_EPROTO;	/* FAILURE: the agent refused */
	r.p++;
	r.left--;
	if (get_str(&r, &b, &bl))
		return RONDA_EPROTO;
	/* signature blob: string format, string raw signature */
	blob.p = b;
	blob.left = bl;
	if (get_str(&blob, &fmt, &fl) || get_str(&blob, &raw, &rl))
		return RONDA_EPROTO;
	*sig = malloc(rl ? rl : 1);	/* libssh2 frees it with its allocator: free */
	if (!*sig)
		return RONDA_ENOMEM;
	memcpy(*sig, raw, rl);
	*siglen = rl;
	return RONDA_OK;
}

int sshagent_sign(struct agent_sign *s, const char *path,
		  const struct agent_key *key, const unsigned char *data,
		  size_t datalen, unsigned char **sig, size_t *siglen)
{
	size_t len;
	int r;

	if (s->fd < 0) {
		if (!path)
			path = getenv("SSH_AUTH_SOCK");
		s->fd = connect_agent(path, 1);
		if (s->fd < 0)
			return RONDA_ESYS;
		buf_reset(&s->out);
		buf_reset(&s->in);
		r = put_u32(&s->out, (uint32_t)(1 + 4 + key->bloblen + 4 + datalen + 4));
		if (r == RONDA_OK)
			r = buf_putc(&s->out, AGENTC_SIGN_REQUEST);
		if (r == RONDA_OK)
			r = put_str(&s->out, key->blob, key->bloblen);
		if (r == RONDA_OK)
			r = put_str(&s->out, data, datalen);
		if (r == RONDA_OK)
			r = put_u32(&s->out, 0);	/* flags */
		if (r)
			return r;
	}
	r = pump(s->fd, &s->out, &s->in);
	if (r)
		goto done;
	len = message_ready(&s->in);
	if (!len)
		return RONDA_EAGAIN;
	r = parse_signature(&s->in, len, sig, siglen);
done:
	/* One exchange per connection: the next key starts afresh. */
	close(s->fd);
	s->fd = -1;
	buf_reset(&s->out);
	buf_reset(&s->in);
	return r;
}
