/*
 * engine_conn.c - the states that get a host from a name to an
 * authenticated SSH session: resolve, connect, handshake, host key, auth.
 * Each advances c->state or ends the host through conn_fail(); waiting,
 * timers and the plan are the loop's services (engine_int.h).
 */
#include "engine_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "err.h"
#include "knownhosts.h"
#include "log.h"
#include "remote.h"
#include "sshagent.h"
#include "sshcert.h"
#include "banned.h"

static int set_prefs(struct conn *c);

#define CERT_SUFFIX "-cert-v01@openssh.com"

static void resolved(void *arg, int status, const struct sockaddr *sa,
		     socklen_t len, const char *reason)
{
	struct conn *c = arg;
	int asked = c->dns_asked;

	conn_dns_done(c);
	if (c->state != ST_RESOLVE)	/* gave up on it meanwhile */
		return;
	if (status != RONDA_OK || len > sizeof(c->addr)) {
		conn_fail(c, RESULT_UNREACHABLE, "cannot resolve %s: %s", c->t->address,
			  reason ? reason : "bad address");
		return;
	}
	memcpy(&c->addr, sa, len);
	c->addrlen = len;
	if (asked)	/* otherwise dns_resolve answered at once */
		conn_resume(c);
}

/*
 * Addresses are used as they are; names go to c-ares, never blocking.  The
 * address is kept for the host's retries.
 */
enum advance st_resolve(struct conn *c)
{
	struct engine *e = c->e;
	struct addrinfo hints, *ai = NULL;
	char port[8];
	int r;

	/* Behind a bastion, the bastion resolves the name. */
	if (c->addrlen || c->via || c->t->proxy_command)
		return conn_attempt(c);
	if (c->dns_asked)
		return WAIT;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = c->t->family ? c->t->family : AF_UNSPEC;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", c->t->port);
	if (getaddrinfo(c->t->address, port, &hints, &ai) == 0 && ai) {
		memcpy(&c->addr, ai->ai_addr, ai->ai_addrlen);
		c->addrlen = ai->ai_addrlen;
		freeaddrinfo(ai);
		return conn_attempt(c);
	}
	if (!e->dns && dns_init(&e->dns, e->loop, c->t->connect_timeout))
		return conn_fail(c, RESULT_ERROR, "cannot start the resolver");
	/* The answer may come at once, from inside dns_resolve. */
	r = dns_resolve(e->dns, c->t->address, c->t->port,
			c->t->family ? c->t->family : AF_UNSPEC, resolved, c);
	if (c->state != ST_RESOLVE)
		return STOP;
	if (r)
		return conn_fail(c, RESULT_ERROR, "out of memory resolving %s", c->t->address);
	if (c->addrlen)
		return conn_attempt(c);
	c->dns_asked = 1;
	return WAIT;
}

static int transient_errno(int err)
{
	return err == ECONNREFUSED || err == ECONNRESET || err == ETIMEDOUT ||
	       err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN ||
	       err == ECONNABORTED || err == EAGAIN;
}

enum advance st_connect(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->via) {
		enum advance a = jump_channel(c);

		if (a != GO)
			return a;
		goto connected;
	}
	if (c->t->proxy_command) {
		char why[160];

		if (proxy_start(c, why, sizeof(why)))
			return conn_fail(c, RESULT_ERROR, "%s", why);
		goto connected;
	}
	if (c->fd < 0) {
		int one = 1;

		c->fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			return conn_fail(c, RESULT_ERROR, "socket: %s", strerror(errno));
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c->fd, (struct sockaddr *)&c->addr, c->addrlen) == 0)
			goto connected;
		if (errno == EINPROGRESS)
			return conn_wait_for(c, EV_WRITE);
		err = errno;
	} else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		err = errno;
	}
	if (err) {
		char why[128];

		snprintf(why, sizeof(why), "connect to %s port %u: %s",
			 c->t->address, c->t->port, strerror(err));
		if (transient_errno(err))
			return conn_fail_transient(c, RESULT_UNREACHABLE, why);
		return conn_fail(c, RESULT_UNREACHABLE, "%s", why);
	}
connected:
	c->r->ms_connect = conn_ms_since(c, c->t_phase);
	c->t_phase = conn_now(c);
	conn_unwatch(c);
	conn_set_state(c, ST_HANDSHAKE);
	return GO;
}

/* A name from libssh2's static method tables, or a literal of ours. */
static const char *method_name(LIBSSH2_SESSION *s, int method)
{
	const char *v = libssh2_session_methods(s, method);

	/* libssh2's made-up name for the MAC of AES-GCM, which has none */
	if (v && strncmp(v, "INTEGRATED-", 11) == 0)
		v = "<implicit>";
	return v;
}

/* What was negotiated, for --json, and at -vv as ssh -v shows it. */
static void record_methods(struct conn *c)
{
	struct ssh_methods *m = &c->r->methods;
	char cipher[100], mac[100];

	m->kex = method_name(c->s, LIBSSH2_METHOD_KEX);
	m->hostkey = method_name(c->s, LIBSSH2_METHOD_HOSTKEY);
	m->cipher[0] = method_name(c->s, LIBSSH2_METHOD_CRYPT_CS);
	m->cipher[1] = method_name(c->s, LIBSSH2_METHOD_CRYPT_SC);
	m->mac[0] = method_name(c->s, LIBSSH2_METHOD_MAC_CS);
	m->mac[1] = method_name(c->s, LIBSSH2_METHOD_MAC_SC);
	ssh_method_pair(m->cipher[0], m->cipher[1], cipher, sizeof(cipher));
	ssh_method_pair(m->mac[0], m->mac[1], mac, sizeof(mac));
	log_debug("%s: kex %s, host key %s, cipher %s, mac %s", c->t->name,
		  m->kex ? m->kex : "", m->hostkey ? m->hostkey : "", cipher, mac);
}

/*
 * The certificate host key algorithm the key exchange settled on, or NULL.
 * libssh2 1.11.1 offers ssh-ed25519-cert-v01@openssh.com but cannot read
 * such a key: that method's init is hostkey_method_ssh_ed25519_init
 * (hostkey.c), which wants a blob that starts with "ssh-ed25519", so the
 * exchange fails ("Unable to initialize hostkey importer", kex.c, which
 * _libssh2_kex_exchange reports as LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE).
 * That is how a server with nothing but a certificate shows itself:
 * set_prefs asks for the certificate last.
 */
static const char *cert_hostkey(struct conn *c)
{
	const char *m = libssh2_session_methods(c->s, LIBSSH2_METHOD_HOSTKEY);
	size_t n = m ? strlen(m) : 0, sn = strlen(CERT_SUFFIX);

	return n > sn && strcmp(m + n - sn, CERT_SUFFIX) == 0 ? m : NULL;
}

enum advance st_handshake(struct conn *c)
{
	int rc;

	if (!c->s) {
		c->s = libssh2_session_init_ex(NULL, NULL, NULL, c);
		if (!c->s)
			return conn_fail(c, RESULT_ERROR, "libssh2_session_init failed");
		libssh2_session_set_blocking(c->s, 0);
		if (c->jump)
			libssh2_session_callback_set2(c->s, LIBSSH2_CALLBACK_RECV,
						      (libssh2_cb_generic *)jump_recv);
		if (set_prefs(c))
			return conn_fail(c, RESULT_ERROR, "setting SSH algorithms: %s", conn_ssh_error(c));
	}
	rc = libssh2_session_handshake(c->s, c->fd);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return conn_wait_ssh(c);
	if (rc == LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE && cert_hostkey(c))
		return conn_fail(c, RESULT_HOSTKEY_UNKNOWN,
			    "host offers a certificate (%s) and no plain host key ronda takes; certificate host keys are not supported by libssh2 %s",
			    cert_hostkey(c), libssh2_version(0));
	if (rc) {
		/* Not an SSH server, or it hung up: not worth a retry. */
		char note[64];

		proxy_note(c, note, sizeof(note));
		if (rc == LIBSSH2_ERROR_BANNER_RECV || rc == LIBSSH2_ERROR_BANNER_SEND)
			return conn_fail(c, RESULT_PROTOCOL, "no SSH banner: %s%s", conn_ssh_error(c), note);
		return conn_fail(c, RESULT_PROTOCOL, "SSH handshake failed: %s%s", conn_ssh_error(c), note);
	}
	record_methods(c);
	conn_set_state(c, ST_HOSTKEY);
	return GO;
}

/*
 * Who known_hosts knows the host as: its HostKeyAlias alone, as ssh looks
 * it up (no port, no address), else its address and then its name.
 */
static const char *kh_addr(const struct conn *c)
{
	return c->t->hostkey_alias ? c->t->hostkey_alias : c->t->address;
}

static unsigned kh_port(const struct conn *c)
{
	return c->t->hostkey_alias ? 22 : c->t->port;
}

static const char *kh_name(const struct conn *c)
{
	return c->t->hostkey_alias ? c->t->hostkey_alias : target_host(c->t);
}

/* The types known_hosts holds for the host, by address and by name. */
static int known_types(struct conn *c, struct buf *out)
{
	int r = knownhosts_types(c->e->kh, kh_addr(c), kh_port(c), out);

	if (r == RONDA_OK && strcmp(kh_addr(c), kh_name(c)) != 0)
		r = knownhosts_types(c->e->kh, kh_name(c), kh_port(c), out);
	return r;
}

/*
 * The host is known only by keys of other types.  ssh calls this a changed
 * key, and so do we: accept-new must not record a stranger's key.
 */
static enum advance hostkey_other_type(struct conn *c, const unsigned char *key,
				    size_t len, const char *fp)
{
	struct buf known;
	const unsigned char *type = (const unsigned char *)"?";
	size_t tlen = 1;
	enum advance st;

	if (knownhosts_key_type(key, len, &type, &tlen))
		tlen = 1;
	buf_init(&known, 4096);
	if (known_types(c, &known) || !buf_len(&known))
		buf_puts(&known, "?");
	st = conn_fail(c, RESULT_HOSTKEY_CHANGED,
		       "HOST KEY CHANGED for %s port %u: it offers %.*s key %s, but %s knows it only by %s",
		       c->t->address, c->t->port, (int)tlen, (const char *)type, fp,
		       c->e->o->known_hosts, buf_data(&known));
	buf_release(&known);
	return st;
}

/*
 * A CA line covers the host, by address or by name.  We cannot check the
 * certificate, and a plain key recorded by accept-new would silently stand
 * in for the CA the operator chose: such a host is refused.
 */
static int ca_covers(struct conn *c, size_t *line)
{
	return knownhosts_ca(c->e->kh, kh_addr(c), kh_port(c), line) ||
	       (strcmp(kh_addr(c), kh_name(c)) != 0 &&
		knownhosts_ca(c->e->kh, kh_name(c), kh_port(c), line));
}

enum advance st_hostkey(struct conn *c)
{
	size_t len = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(c->s, &len, &type);
	char fp[80] = "?";
	enum kh_result k;
	size_t line = 0;

	if (!key)
		return conn_fail(c, RESULT_PROTOCOL, "server sent no host key");
	knownhosts_fingerprint((const unsigned char *)key, len, fp, sizeof(fp));
	if (conn_hostkeys(c) == HOSTKEYS_OFF)
		goto ok;
	k = knownhosts_check(c->e->kh, kh_addr(c), kh_port(c),
			     (const unsigned char *)key, len);
	/* The name may vouch where the address says nothing or knows other types. */
	if ((k == KH_UNKNOWN || k == KH_OTHER_TYPE) &&
	    strcmp(kh_addr(c), kh_name(c)) != 0) {
		enum kh_result by_name = knownhosts_check(c->e->kh, kh_name(c), kh_port(c),
							  (const unsigned char *)key, len);

		if (by_name != KH_UNKNOWN)
			k = by_name;
	}
	switch (k) {
	case KH_OK:
		break;
	case KH_CHANGED:
		return conn_fail(c, RESULT_HOSTKEY_CHANGED,
			    "HOST KEY CHANGED for %s port %u: now %s; not in %s",
			    c->t->address, c->t->port, fp, c->e->o->known_hosts);
	case KH_OTHER_TYPE:
		return hostkey_other_type(c, (const unsigned char *)key, len, fp);
	case KH_REVOKED:
		return conn_fail(c, RESULT_HOSTKEY_CHANGED, "host key %s is marked @revoked in %s",
			    fp, c->e->o->known_hosts);
	case KH_UNKNOWN:
		if (ca_covers(c, &line))
			return conn_fail(c, RESULT_HOSTKEY_UNKNOWN,
				    "covered by @cert-authority at %s:%zu, but certificate host keys are not supported by libssh2 %s; add a plain entry: ssh-keyscan -p %u %s",
				    c->e->o->known_hosts, line, libssh2_version(0),
				    c->t->port, c->t->address);
		if (conn_hostkeys(c) != HOSTKEYS_ACCEPT_NEW)
			return conn_fail(c, RESULT_HOSTKEY_UNKNOWN,
				    "unknown host key %s for %s port %u (not in %s; see --hostkeys accept-new)",
				    fp, c->t->address, c->t->port, c->e->o->known_hosts);
		if (knownhosts_add(c->e->kh, kh_addr(c), kh_port(c),
				   (const unsigned char *)key, len))
			return conn_fail(c, RESULT_ERROR, "out of memory recording host key");
		log_info("%s: new host key %s accepted", c->t->name, fp);
		break;
	}
ok:
	c->r->ms_handshake = conn_ms_since(c, c->t_phase);
	c->t_phase = conn_now(c);
	conn_set_state(c, ST_AUTH);
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
	const struct agent_key *k = &c->e->akeys.v[c->ident];
	int r;

	(void)session;
	r = sshagent_sign(&c->asign, k->sock, k, data, data_len, sig, sig_len);
	c->agent_waiting = r == RONDA_EAGAIN;
	if (r == RONDA_EAGAIN)
		return LIBSSH2_ERROR_EAGAIN;
	if (r == RONDA_EINVAL) {
		snprintf(c->auth_note, sizeof(c->auth_note),
			 "ssh-agent key %s: the server takes RSA only as ssh-rsa (SHA-1), which ronda never signs",
			 k->comment);
		log_warn("%s: %s", c->t->name, c->auth_note);
	}
	return r == RONDA_OK ? 0 : -1;
}

static enum advance wait_agent(struct conn *c)
{
	return conn_wait_agent(c, sshagent_fd(&c->asign),
			       EV_READ | (sshagent_wants_write(&c->asign) ? EV_WRITE : 0));
}

/* A refused certificate outside its validity says so: that is why. */
static void note_cert_time(struct conn *c, const struct sshcert *cert, const char *what)
{
	char when[64];
	enum sshcert_time t = sshcert_check_time(cert, (uint64_t)time(NULL));

	if (t == SSHCERT_VALID)
		return;
	sshcert_format_time(t == SSHCERT_EXPIRED ? cert->valid_before : cert->valid_after,
			    when, sizeof(when));
	snprintf(c->auth_note, sizeof(c->auth_note), "certificate %s (id \"%s\") %s %s",
		 what, cert->key_id, t == SSHCERT_EXPIRED ? "expired at" : "is not valid before",
		 when);
}

/* The type of a public key file's text, its first word, for logs. */
static int pub_type(const char *pub, size_t n, const char **t)
{
	const char *sp = pub ? memchr(pub, ' ', n) : NULL;

	*t = sp ? pub : "unknown";
	return sp ? (int)(sp - pub) : 7;
}

/* Offers agent key k; logs it first and its refusal after. */
static int offer_agent(struct conn *c, const char *user, const struct agent_key *k)
{
	int rc;

	if (!c->in_auth)
		log_debug("%s: offering ssh-agent %s %s", c->t->name, k->type, k->comment);
	c->in_auth = 1;
	rc = libssh2_userauth_publickey(c->s, user, k->blob, k->bloblen, agent_sign_cb, &c->self);
	if (rc == LIBSSH2_ERROR_EAGAIN || rc == 0)
		return rc;
	log_debug("%s: ssh-agent %s %s refused: %s", c->t->name, k->type, k->comment,
		  conn_ssh_error(c));
	if (k->is_cert)
		note_cert_time(c, &k->cert, k->comment);
	return rc;
}

/* Offers identity file id, or its KEY-cert.pub when cert. */
static int offer_file(struct conn *c, const char *user, const struct ident *id, int cert)
{
	const char *what = cert ? id->cert_path : id->path, *type = id->certinfo.type;
	int tlen = cert ? (int)strlen(type) : pub_type(id->pub, id->publen, &type);
	int rc;

	if (!c->in_auth && cert)
		log_debug("%s: offering certificate %s (%s, id \"%s\")", c->t->name, what, type,
			  id->certinfo.key_id);
	else if (!c->in_auth)
		log_debug("%s: offering key %s (%.*s)", c->t->name, what, tlen, type);
	c->in_auth = 1;
	rc = libssh2_userauth_publickey_frommemory(c->s, user, strlen(user),
			cert ? id->cert : id->pub, cert ? id->certlen : id->publen,
			id->priv, id->privlen, NULL);
	if (rc == LIBSSH2_ERROR_EAGAIN || rc == 0)
		return rc;
	log_debug("%s: %s %s refused: %s", c->t->name, cert ? "certificate" : "key", what,
		  conn_ssh_error(c));
	if (cert)
		note_cert_time(c, &id->certinfo, what);
	return rc;
}

/*
 * Whether the host may be offered agent key k: ronda's own agent holds
 * only identity files it unlocked, so always; otherwise the keys of the
 * host's IdentityAgent, or of $SSH_AUTH_SOCK, and none with IdentitiesOnly
 * or IdentityAgent none.
 */
static int agent_key_for(const struct conn *c, const struct agent_key *k)
{
	const char *mine = c->e->unlocked.sock[0] ? c->e->unlocked.sock : NULL;

	if (k->sock && mine && strcmp(k->sock, mine) == 0)
		return 1;
	if (c->t->no_agent)
		return 0;
	if (c->t->identity_agent)
		return k->sock && strcmp(k->sock, c->t->identity_agent) == 0;
	return !k->sock;
}

/*
 * Keys from ssh-agent first, then identity files, as OpenSSH does; each
 * file's KEY-cert.pub before the key itself.  Slot c->ident counts agent
 * keys, then two per file (certificate, key).
 */
enum advance st_auth(struct conn *c)
{
	const char *user = c->t->user ? c->t->user : "root";
	size_t na = c->e->akeys.n;
	int rc;

	for (;;) {
		if (c->ident >= na + 2 * c->n_ids)
			return conn_fail(c, RESULT_AUTH, "%s@%s: %s%sno key accepted (tried %zu from ssh-agent, %zu file(s))",
				    user, c->t->address, c->auth_note, c->auth_note[0] ? "; " : "",
				    na, c->n_ids);
		if (c->ident < na) {
			const struct agent_key *k = &c->e->akeys.v[c->ident];

			if (!agent_key_for(c, k)) {
				c->ident++;
				continue;
			}
			rc = offer_agent(c, user, k);
		} else {
			const struct ident *id = c->ids[(c->ident - na) / 2];
			int cert = (c->ident - na) % 2 == 0;

			/* an encrypted key signs through ronda's agent (keyunlock.h) */
			if ((cert && !id->cert) || id->encrypted) {
				c->ident++;
				continue;
			}
			rc = offer_file(c, user, id, cert);
		}
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return c->agent_waiting ? wait_agent(c) : conn_wait_ssh(c);
		c->in_auth = 0;
		if (rc == 0)
			break;
		if (rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED &&
		    rc != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED &&
		    rc != LIBSSH2_ERROR_FILE && rc != LIBSSH2_ERROR_METHOD_NOT_SUPPORTED &&
		    rc != LIBSSH2_ERROR_METHOD_NONE)
			return conn_fail(c, RESULT_PROTOCOL, "authentication: %s", conn_ssh_error(c));
		c->ident++;
	}
	c->r->ms_auth = conn_ms_since(c, c->t_phase);
	c->t_phase = conn_now(c);
	conn_connected(c);
	return conn_next_step(c);
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

/* Whether host key algorithm alg uses keys of type kt. */
static int alg_of_type(const char *alg, size_t n, const char *known)
{
	if (knownhosts_list_has(known, alg, n))
		return 1;
	return n > 9 && memcmp(alg, "rsa-sha2-", 9) == 0 &&
	       knownhosts_list_has(known, "ssh-rsa", 7);
}

/*
 * Our host key algorithms with those of the types known for the host
 * first, as ssh's order_hostkeyalgs does: a host known by its ed25519 key
 * is asked for that key, not for another one accept-new would refuse.
 */
static int order_hostkeys(const char *pref, const char *known, struct buf *out)
{
	int r = RONDA_OK;

	for (int pass = 0; pass < 2 && r == RONDA_OK; pass++) {
		for (const char *p = pref; *p && r == RONDA_OK;) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);

			if (alg_of_type(p, n, known) == !pass)
				r = buf_printf(out, "%s%.*s", buf_len(out) ? "," : "",
					       (int)n, p);
			p = comma ? comma + 1 : p + n;
		}
	}
	return r;
}

static int set_prefs(struct conn *c)
{
	LIBSSH2_SESSION *s = c->s;
	struct buf known, hk;
	int r;

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

	buf_init(&known, 4096);
	buf_init(&hk, 4096);
	r = conn_hostkeys(c) == HOSTKEYS_OFF ? RONDA_OK : known_types(c, &known);
	if (r == RONDA_OK)
		r = order_hostkeys(c->t->hostkey_algorithms ? c->t->hostkey_algorithms : hostkey,
				   buf_len(&known) ? buf_data(&known) : "", &hk);
	/*
	 * Last, whatever known_hosts holds: chosen only by a server with no
	 * plain key, which then fails with a clear message (cert_hostkey).
	 * libssh2's RSA and ECDSA certificate methods have no sig_verify, so
	 * it never agrees on them at all.
	 */
	if (r == RONDA_OK && buf_len(&hk))
		r = buf_puts(&hk, ",ssh-ed25519" CERT_SUFFIX);
	if (r == RONDA_OK && buf_len(&hk) == 0)
		r = RONDA_EINVAL;
	if (r == RONDA_OK)
		r = set_pref(s, LIBSSH2_METHOD_HOSTKEY, buf_data(&hk));
	buf_release(&known);
	buf_release(&hk);
	if (r ||
	    set_pref(s, LIBSSH2_METHOD_KEX, c->t->kex ? c->t->kex : kex) ||
	    set_pref(s, LIBSSH2_METHOD_CRYPT_CS, c->t->ciphers ? c->t->ciphers : cipher) ||
	    set_pref(s, LIBSSH2_METHOD_CRYPT_SC, c->t->ciphers ? c->t->ciphers : cipher) ||
	    set_pref(s, LIBSSH2_METHOD_MAC_CS, c->t->macs ? c->t->macs : mac) ||
	    set_pref(s, LIBSSH2_METHOD_MAC_SC, c->t->macs ? c->t->macs : mac))
		return -1;
	/* RSA user keys: SHA-2 only; libssh2 has no list of these to filter by. */
	if (libssh2_session_method_pref(s, LIBSSH2_METHOD_SIGN_ALGO, "rsa-sha2-512,rsa-sha2-256"))
		return -1;
	return 0;
}
