/*
 * ident.c - see ident.h.
 */
#include "ident.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "grow.h"
#include "sshwire.h"
#include "banned.h"

#define KEY_MAX (64 * 1024)

void ident_set_init(struct ident_set *s)
{
	memset(s, 0, sizeof(*s));
}

void ident_set_release(struct ident_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		if (s->v[i].priv)
			explicit_bzero(s->v[i].priv, s->v[i].privlen);
		free(s->v[i].priv);
		free(s->v[i].pub);
		free(s->v[i].cert);
		free(s->v[i].cert_path);
		sshcert_release(&s->v[i].certinfo);
	}
	free(s->v);
	ident_set_init(s);
}

const struct ident *ident_find(const struct ident_set *s, const char *path)
{
	for (size_t i = s->n_defaults; i < s->n; i++)
		if (strcmp(s->v[i].path, path) == 0)
			return &s->v[i];
	return NULL;
}

/* Reads a whole small file; RONDA_ENOTFOUND if it does not exist. */
static int slurp(const char *path, char **out, size_t *len)
{
	struct buf b;
	int r;

	buf_init(&b, KEY_MAX);
	r = buf_read_file(&b, path);
	if (r == RONDA_ESYS && errno == ENOENT)
		r = RONDA_ENOTFOUND;
	if (r == RONDA_OK) {
		/* nothing was consumed, so the data starts the block */
		*len = buf_len(&b);
		*out = b.mem ? b.mem : strdup("");
		return *out ? RONDA_OK : RONDA_ENOMEM;
	}
	buf_release(&b);
	return r;
}

/*
 * KEY-cert.pub into id, if it exists and is a certificate we can read; one
 * that cannot be decoded is left out with a warning, the key still offered.
 */
/* The certificate in cpath for id: a missing file is no error; an unreadable one is said. */
static int load_cert(struct ident *id, const char *cpath)
{
	unsigned char *blob = NULL;
	size_t bloblen;
	int r;

	r = slurp(cpath, &id->cert, &id->certlen);
	if (r == RONDA_ENOTFOUND)
		return RONDA_OK;
	if (r) {
		log_warn("certificate %s: %s; not offered", cpath,
			 r == RONDA_ESYS ? strerror(errno) : ronda_strerror(r));
		r = RONDA_OK;
		goto drop;
	}
	r = sshcert_pubfile_blob(id->cert, id->certlen, &blob, &bloblen);
	if (r == RONDA_OK)
		r = sshcert_decode(blob, bloblen, &id->certinfo);
	if (r == RONDA_ENOMEM)
		goto out;
	if (r) {
		log_warn("certificate %s: not an OpenSSH certificate we can read; not offered",
			 cpath);
		r = RONDA_OK;
		goto drop;
	}
	id->cert_path = strdup(cpath);
	r = id->cert_path ? RONDA_OK : RONDA_ENOMEM;
	goto out;
drop:
	free(id->cert);
	id->cert = NULL;
	id->certlen = 0;
out:
	free(blob);
	return r;
}

static int add_cert(struct ident *id, const char *path)
{
	struct buf cp;
	int r;

	buf_init(&cp, 4096);
	r = buf_printf(&cp, "%s-cert.pub", path);
	if (r == RONDA_OK)
		r = load_cert(id, buf_data(&cp));
	buf_release(&cp);
	return r;
}

/*
 * ssh_config's CertificateFile: given to the identity whose key it
 * certifies (by the key's .pub), unless that one has a KEY-cert.pub
 * already.  A certificate no identity file matches is said, not offered.
 */
static int add_certificate_file(struct ident_set *s, const char *cpath)
{
	char *text = NULL;
	unsigned char *cb = NULL;
	size_t tl = 0, cl = 0;
	int r = slurp(cpath, &text, &tl), found = 0;

	if (r == RONDA_OK)
		r = sshcert_pubfile_blob(text, tl, &cb, &cl);
	for (size_t i = 0; r == RONDA_OK && i < s->n && !found; i++) {
		struct ident *id = &s->v[i];
		unsigned char *pb = NULL;
		size_t pl = 0;

		if (!id->pub || (id->cert_path && strcmp(id->cert_path, cpath) == 0))
			continue;
		if (sshcert_pubfile_blob(id->pub, id->publen, &pb, &pl) == RONDA_OK &&
		    sshcert_certifies(cb, cl, pb, pl)) {
			found = 1;
			if (!id->cert)
				r = load_cert(id, cpath);
		}
		free(pb);
	}
	if (r == RONDA_ENOMEM)
		goto out;
	if (r || !found)
		log_warn("CertificateFile %s: %s; not offered", cpath,
			 r ? "not a certificate ronda can read" :
			 "no identity file (with its .pub beside it) holds its key");
	r = RONDA_OK;
out:
	free(text);
	free(cb);
	return r;
}

/*
 * Whether a private key file is passphrase-protected: PEM says so in its
 * headers; OpenSSH's format names its cipher after the magic
 * ("openssh-key-v1\0", then the cipher name as an SSH string).
 */
int ident_key_encrypted(const char *p, size_t n)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	const char *q = memmem(p, n, begin, sizeof(begin) - 1), *end = p + n;
	char b64[64];
	unsigned char raw[48];
	size_t got = 0, rawlen;
	struct sshwire w;
	const unsigned char *name;
	size_t namelen;

	if (memmem(p, n, "Proc-Type: 4,ENCRYPTED", 22) ||
	    memmem(p, n, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37))
		return 1;
	if (!q)
		return 0;
	for (q += sizeof(begin) - 1; q < end && got < sizeof(b64) && *q != '-'; q++)
		if (*q != '\n' && *q != '\r')
			b64[got++] = *q;
	if (got < sizeof(b64) ||
	    sshwire_b64_decode(b64, sizeof(b64), raw, sizeof(raw), &rawlen) ||
	    rawlen < 15 || memcmp(raw, "openssh-key-v1", 15))
		return 0;
	sshwire_init(&w, raw + 15, rawlen - 15);
	if (sshwire_string(&w, &name, &namelen))
		return 0;
	return !sshwire_eq(name, namelen, "none");
}

static int add(struct ident_set *s, const char *path, int must_exist)
{
	struct ident id;
	struct buf pubpath;
	int r;

	memset(&id, 0, sizeof(id));
	buf_init(&pubpath, 4096);
	r = slurp(path, &id.priv, &id.privlen);
	if (r == RONDA_ENOTFOUND && !must_exist) {
		r = RONDA_OK;
		goto out;
	}
	if (r) {
		log_error("identity file %s: %s", path,
			  r == RONDA_ENOTFOUND ? "no such file" :
			  r == RONDA_ESYS ? strerror(errno) : ronda_strerror(r));
		goto out;
	}
	r = buf_printf(&pubpath, "%s.pub", path);
	if (r)
		goto out;
	r = slurp(buf_data(&pubpath), &id.pub, &id.publen);
	if (r == RONDA_ENOTFOUND)
		r = RONDA_OK;
	if (r == RONDA_OK)
		r = add_cert(&id, path);
	id.encrypted = ident_key_encrypted(id.priv, id.privlen);
	if (r)
		goto out;
	id.path = strdup(path);
	if (!id.path) {
		r = RONDA_ENOMEM;
		goto out;
	}
	if (GROW(s->v, s->n, s->alloc, 8)) {
		r = RONDA_ENOMEM;
		goto out;
	}
	s->v[s->n++] = id;
	memset(&id, 0, sizeof(id));
out:
	buf_release(&pubpath);
	free(id.path);
	free(id.priv);
	free(id.pub);
	free(id.cert);
	free(id.cert_path);
	sshcert_release(&id.certinfo);
	return r;
}

/* The hosts, then their bastions. */
static const struct target *nth(const struct target_list *tl, size_t i)
{
	return i < tl->n ? &tl->v[i] : &tl->jumps[i - tl->n];
}

int ident_set_load(struct ident_set *s, const struct target_list *tl)
{
	int need_defaults = 0, r;

	for (size_t i = 0; i < tl->n + tl->n_jumps; i++)
		need_defaults |= nth(tl, i)->n_identities == 0;
	if (need_defaults) {
		static const char *const names[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
		const char *home = getenv("HOME");
		struct buf p;

		buf_init(&p, 4096);
		for (size_t k = 0; home && k < sizeof(names) / sizeof(names[0]); k++) {
			buf_reset(&p);
			r = buf_printf(&p, "%s/.ssh/%s", home, names[k]);
			if (r == RONDA_OK)
				r = add(s, buf_data(&p), 0);
			if (r) {
				buf_release(&p);
				return r;
			}
		}
		buf_release(&p);
		s->n_defaults = s->n;
	}
	for (size_t i = 0; i < tl->n + tl->n_jumps; i++) {
		for (size_t k = 0; k < nth(tl, i)->n_identities; k++) {
			const char *path = nth(tl, i)->identities[k];

			if (ident_find(s, path))
				continue;
			r = add(s, path, 1);
			if (r)
				return r;
		}
	}
	for (size_t i = 0; i < tl->n + tl->n_jumps; i++) {
		const struct target *t = nth(tl, i);

		for (size_t k = 0; k < t->n_certificates; k++) {
			int seen = 0;

			for (size_t j = 0; j < s->n && !seen; j++)
				seen = s->v[j].cert_path && strcmp(s->v[j].cert_path, t->certificates[k]) == 0;
			if (!seen && (r = add_certificate_file(s, t->certificates[k])))
				return r;
		}
	}
	return RONDA_OK;
}
