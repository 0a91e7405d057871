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
#include "sshcert.h"
#include "sshwire.h"
#include "banned.h"

#define AGENT_MSG_MAX (256 * 1024)
#define AGENTC_REQUEST_IDENTITIES 11
#define AGENT_IDENTITIES_ANSWER 12
#define AGENTC_SIGN_REQUEST 13
#define AGENT_SIGN_RESPONSE 14
#define AGENT_RSA_SHA2_256 2
#define AGENT_RSA_SHA2_512 4

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

/*
 * The key types libssh2 1.11.1 can sign with through us: ed25519, ECDSA,
 * RSA (with rsa-sha2, see sshagent_sign_flags) and their certificates.
 */
static int usable_type(const unsigned char *t, size_t tl)
{
	static const char *const prefixes[] = {
		"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521", "ssh-rsa",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);

		if (tl >= pl && memcmp(t, prefixes[i], pl) == 0 &&
		    (tl == pl || (sshcert_is_cert_type(t, tl) &&
				  tl == pl + strlen("-cert-v01@openssh.com"))))
			return 1;
	}
	return 0;
}

static void key_release(struct agent_key *k)
{
	free(k->blob);
	free(k->comment);
	free(k->type);
	if (k->is_cert)
		sshcert_release(&k->cert);
	memset(k, 0, sizeof(*k));
}

void sshagent_keys_release(struct agent_keys *keys)
{
	for (size_t i = 0; i < keys->n; i++)
		key_release(&keys->v[i]);
	free(keys->v);
	keys->v = NULL;
	keys->n = 0;
}

/* One identity of the answer into k; RONDA_ENOTFOUND: a type we skip. */
static int parse_identity(const unsigned char *b, size_t bl, const unsigned char *c,
			  size_t cl, struct agent_key *k)
{
	struct sshwire r;
	const unsigned char *t;
	size_t tl;
	int rc;

	sshwire_init(&r, b, bl);
	if (sshwire_string(&r, &t, &tl))
		return RONDA_EPROTO;
	if (!usable_type(t, tl)) {
		log_debug("ssh-agent key %.*s: type %.*s not supported, skipped",
			  (int)cl, (const char *)c, (int)tl, (const char *)t);
		return RONDA_ENOTFOUND;
	}
	if (sshcert_is_cert_type(t, tl)) {
		rc = sshcert_decode(b, bl, &k->cert);
		if (rc == RONDA_ENOMEM)
			return rc;
		if (rc) {
			log_warn("ssh-agent certificate %.*s: cannot be decoded, skipped",
				 (int)cl, (const char *)c);
			return RONDA_ENOTFOUND;
		}
		k->is_cert = 1;
	}
	k->blob = malloc(bl ? bl : 1);
	k->comment = strndup((const char *)c, cl);
	k->type = strndup((const char *)t, tl);
	if (!k->blob || !k->comment || !k->type)
		return RONDA_ENOMEM;
	memcpy(k->blob, b, bl);
	k->bloblen = bl;
	return RONDA_OK;
}

static int parse_identities(const struct buf *in, size_t msglen, struct agent_keys *keys)
{
	struct sshwire r;
	uint32_t count;
	uint8_t code;

	sshwire_init(&r, buf_data(in) + 4, msglen - 4);
	if (sshwire_u8(&r, &code) || code != AGENT_IDENTITIES_ANSWER)
		return RONDA_EPROTO;
	if (sshwire_u32(&r, &count) || count > 1024)
		return RONDA_EPROTO;
	keys->v = calloc(count ? count : 1, sizeof(*keys->v));
	if (!keys->v)
		return RONDA_ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *b, *c;
		size_t bl, cl;
		struct agent_key *k = &keys->v[keys->n];
		int rc;

		if (sshwire_string(&r, &b, &bl) || sshwire_string(&r, &c, &cl))
			return RONDA_EPROTO;
		rc = parse_identity(b, bl, c, cl, k);
		if (rc == RONDA_OK) {
			keys->n++;
			continue;
		}
		key_release(k);		/* the slot stays free for the next one */
		if (rc != RONDA_ENOTFOUND)
			return rc;
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
	r = sshwire_put_u32(&out, 1);
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

int sshagent_keys_take(struct agent_keys *into, struct agent_keys *from, const char *sock)
{
	struct agent_key *v;

	if (!from->n)
		return RONDA_OK;
	v = realloc(into->v, (into->n + from->n) * sizeof(*v));
	if (!v)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < from->n; i++) {
		v[into->n + i] = from->v[i];
		v[into->n + i].sock = sock;
	}
	into->v = v;
	into->n += from->n;
	free(from->v);
	memset(from, 0, sizeof(*from));
	return RONDA_OK;
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

/*
 * The signature algorithm libssh2 chose is in the data to sign (RFC 4252
 * section 7: session id, request type 50, user, service, "publickey",
 * TRUE, algorithm, key).  RSA keys sign with SHA-2 through agent flags
 * (draft-miller-ssh-agent 4.5.1); ssh-rsa itself would be SHA-1.
 */
int sshagent_sign_flags(const unsigned char *data, size_t n, uint32_t *flags,
			const unsigned char **alg, size_t *alglen)
{
	struct sshwire r;
	const unsigned char *s, *a;
	size_t sl, al;
	uint8_t code, has_sig;

	sshwire_init(&r, data, n);
	if (sshwire_string(&r, &s, &sl) || sshwire_u8(&r, &code) || code != 50 ||
	    sshwire_string(&r, &s, &sl) || sshwire_string(&r, &s, &sl) ||
	    sshwire_string(&r, &s, &sl) || !sshwire_eq(s, sl, "publickey") ||
	    sshwire_u8(&r, &has_sig) || sshwire_string(&r, &a, &al))
		return RONDA_EPARSE;
	*alg = a;
	*alglen = al;
	*flags = 0;
	if (sshwire_eq(a, al, "ssh-rsa") || sshwire_eq(a, al, "ssh-rsa-cert-v01@openssh.com"))
		return RONDA_EINVAL;
	if (al >= 12 && memcmp(a, "rsa-sha2-512", 12) == 0)
		*flags = AGENT_RSA_SHA2_512;
	else if (al >= 12 && memcmp(a, "rsa-sha2-256", 12) == 0)
		*flags = AGENT_RSA_SHA2_256;
	return RONDA_OK;
}

/* The raw signature, if its format is the algorithm asked for (less "-cert-v01@..."). */
static int parse_signature(const struct buf *in, size_t msglen, const unsigned char *alg,
			   size_t alglen, unsigned char **sig, size_t *siglen)
{
	struct sshwire r, blob;
	const unsigned char *fmt, *raw;
	size_t fl, rl;
	uint8_t code;

	sshwire_init(&r, buf_data(in) + 4, msglen - 4);
	if (sshwire_u8(&r, &code) || code != AGENT_SIGN_RESPONSE)
		return RONDA_EPROTO;	/* FAILURE: the agent refused */
	/* signature blob: string format, string raw signature */
	if (sshwire_sub(&r, &blob) || sshwire_string(&blob, &fmt, &fl) ||
	    sshwire_string(&blob, &raw, &rl))
		return RONDA_EPROTO;
	if (sshcert_is_cert_type(alg, alglen))
		alglen -= strlen("-cert-v01@openssh.com");
	/* An old agent ignoring the flags answers ssh-rsa: never send that. */
	if (fl != alglen || memcmp(fmt, alg, fl) != 0) {
		log_warn("ssh-agent signed with %.*s, not %.*s as asked; not used",
			 (int)fl, (const char *)fmt, (int)alglen, (const char *)alg);
		return RONDA_EPROTO;
	}
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
	const unsigned char *alg;
	size_t len, alglen;
	uint32_t flags;
	int r;

	r = sshagent_sign_flags(data, datalen, &flags, &alg, &alglen);
	if (r)
		return r;
	if (s->fd < 0) {
		if (!path)
			path = getenv("SSH_AUTH_SOCK");
		s->fd = connect_agent(path, 1);
		if (s->fd < 0)
			return RONDA_ESYS;
		buf_reset(&s->out);
		buf_reset(&s->in);
		r = sshwire_put_u32(&s->out, (uint32_t)(1 + 4 + key->bloblen + 4 + datalen + 4));
		if (r == RONDA_OK)
			r = buf_putc(&s->out, AGENTC_SIGN_REQUEST);
		if (r == RONDA_OK)
			r = sshwire_put_string(&s->out, key->blob, key->bloblen);
		if (r == RONDA_OK)
			r = sshwire_put_string(&s->out, data, datalen);
		if (r == RONDA_OK)
			r = sshwire_put_u32(&s->out, flags);
		if (r)
			return r;
	}
	r = pump(s->fd, &s->out, &s->in);
	if (r)
		goto done;
	len = message_ready(&s->in);
	if (!len)
		return RONDA_EAGAIN;
	r = parse_signature(&s->in, len, alg, alglen, sig, siglen);
done:
	/* One exchange per connection: the next key starts afresh. */
	close(s->fd);
	s->fd = -1;
	buf_reset(&s->out);
	buf_reset(&s->in);
	return r;
}
