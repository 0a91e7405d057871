/*
 * sshcert.c - see sshcert.h.
 *
 * The key part of a certificate differs by key type; it is skipped by
 * counting its strings (mpints are strings on the wire), so the fields
 * after it are read from the same offsets OpenSSH writes them at.
 */
#include "sshcert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "sshwire.h"
#include "banned.h"

#define CERT_SUFFIX "-cert-v01@openssh.com"
#define CERT_MAX (64 * 1024)
#define PRINCIPALS_MAX 256

/* The strings of each certified key type between the nonce and the serial. */
static const struct {
	const char *type;
	int n_strings;
} key_parts[] = {
	{ "ssh-ed25519-cert-v01@openssh.com", 1 },
	{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", 2 },
	{ "ecdsa-sha2-nistp384-cert-v01@openssh.com", 2 },
	{ "ecdsa-sha2-nistp521-cert-v01@openssh.com", 2 },
	{ "ssh-rsa-cert-v01@openssh.com", 2 },
	{ "ssh-dss-cert-v01@openssh.com", 4 },
	{ "sk-ssh-ed25519-cert-v01@openssh.com", 2 },
	{ "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", 3 },
};

int sshcert_is_cert_type(const unsigned char *t, size_t n)
{
	size_t sl = strlen(CERT_SUFFIX);

	return n > sl && memcmp(t + n - sl, CERT_SUFFIX, sl) == 0;
}

/* A string that must hold text: no NUL inside. */
static int text(const unsigned char *s, size_t n, char **out)
{
	if (memchr(s, '\0', n))
		return RONDA_EPARSE;
	*out = strndup((const char *)s, n);
	return *out ? RONDA_OK : RONDA_ENOMEM;
}

void sshcert_release(struct sshcert *c)
{
	free(c->type);
	free(c->key_id);
	for (size_t i = 0; i < c->n_principals; i++)
		free(c->principals[i]);
	free(c->principals);
	memset(c, 0, sizeof(*c));
}

static int principals(const unsigned char *s, size_t n, struct sshcert *c)
{
	struct sshwire r, count;
	const unsigned char *p;
	size_t pl, k = 0;
	int rc;

	sshwire_init(&count, s, n);
	while (count.left) {
		if (sshwire_string(&count, &p, &pl) || ++k > PRINCIPALS_MAX)
			return RONDA_EPARSE;
	}
	if (!k)
		return RONDA_OK;
	c->principals = calloc(k, sizeof(*c->principals));
	if (!c->principals)
		return RONDA_ENOMEM;
	sshwire_init(&r, s, n);
	while (r.left) {
		(void)sshwire_string(&r, &p, &pl);	/* counted above */
		rc = text(p, pl, &c->principals[c->n_principals]);
		if (rc)
			return rc;
		c->n_principals++;
	}
	return RONDA_OK;
}

int sshcert_decode(const unsigned char *blob, size_t n, struct sshcert *out)
{
	struct sshcert c;
	struct sshwire r;
	const unsigned char *t, *s;
	size_t tl, sl;
	int parts = -1, rc;

	memset(&c, 0, sizeof(c));
	if (n > CERT_MAX)
		return RONDA_EPARSE;
	sshwire_init(&r, blob, n);
	rc = sshwire_string(&r, &t, &tl);
	if (rc)
		goto out;
	for (size_t i = 0; i < sizeof(key_parts) / sizeof(key_parts[0]); i++)
		if (sshwire_eq(t, tl, key_parts[i].type))
			parts = key_parts[i].n_strings;
	rc = RONDA_EPARSE;
	if (parts < 0)
		goto out;
	rc = text(t, tl, &c.type);
	if (rc)
		goto out;
	rc = sshwire_string(&r, &s, &sl);	/* nonce */
	for (int i = 0; rc == RONDA_OK && i < parts; i++)
		rc = sshwire_string(&r, &s, &sl);
	if (rc == RONDA_OK)
		rc = sshwire_u64(&r, &c.serial);
	if (rc == RONDA_OK)
		rc = sshwire_u32(&r, &c.kind);
	if (rc == RONDA_OK && c.kind != SSHCERT_USER && c.kind != SSHCERT_HOST)
		rc = RONDA_EPARSE;
	if (rc == RONDA_OK)
		rc = sshwire_string(&r, &s, &sl);
	if (rc == RONDA_OK)
		rc = text(s, sl, &c.key_id);
	if (rc == RONDA_OK)
		rc = sshwire_string(&r, &s, &sl);
	if (rc == RONDA_OK)
		rc = principals(s, sl, &c);
	if (rc == RONDA_OK)
		rc = sshwire_u64(&r, &c.valid_after);
	if (rc == RONDA_OK)
		rc = sshwire_u64(&r, &c.valid_before);
	/* critical options, extensions, reserved, CA key, signature: must be there */
	for (int i = 0; rc == RONDA_OK && i < 5; i++)
		rc = sshwire_string(&r, &s, &sl);
	if (rc == RONDA_OK && r.left)
		rc = RONDA_EPARSE;	/* trailing bytes */
	if (rc)
		goto out;
	*out = c;
	memset(&c, 0, sizeof(c));
out:
	sshcert_release(&c);
	return rc;
}

int sshcert_certifies(const unsigned char *cert, size_t cn,
		      const unsigned char *pub, size_t pn)
{
	static const char suffix[] = "-cert-v01@openssh.com";
	struct sshwire c, p;
	const unsigned char *t, *pt, *s, *key;
	size_t tl, ptl, sl, sn = sizeof(suffix) - 1;
	int parts = -1;

	sshwire_init(&c, cert, cn);
	sshwire_init(&p, pub, pn);
	if (sshwire_string(&c, &t, &tl) || sshwire_string(&p, &pt, &ptl))
		return 0;
	for (size_t i = 0; i < sizeof(key_parts) / sizeof(key_parts[0]); i++)
		if (sshwire_eq(t, tl, key_parts[i].type))
			parts = key_parts[i].n_strings;
	/* the plain type is the certificate's without its suffix */
	if (parts < 0 || tl <= sn || ptl != tl - sn || memcmp(t, pt, ptl) != 0)
		return 0;
	if (sshwire_string(&c, &s, &sl))	/* nonce */
		return 0;
	key = c.p;
	for (int i = 0; i < parts; i++)
		if (sshwire_string(&c, &s, &sl))
			return 0;
	return (size_t)(c.p - key) == p.left && memcmp(key, p.p, p.left) == 0;
}

int sshcert_pubfile_blob(const char *txt, size_t n, unsigned char **blob, size_t *bloblen)
{
	const char *sp1, *b64, *end;
	unsigned char *b = NULL;
	const unsigned char *t;
	struct sshwire r;
	size_t bl, tl;
	int rc = RONDA_EPARSE;

	while (n && (txt[n - 1] == '\n' || txt[n - 1] == '\r' || txt[n - 1] == ' '))
		n--;
	sp1 = memchr(txt, ' ', n);
	if (!sp1 || n > CERT_MAX * 2)
		goto out;
	b64 = sp1 + 1;
	end = memchr(b64, ' ', n - (size_t)(b64 - txt));
	if (!end)
		end = txt + n;
	b = malloc((size_t)(end - b64) / 4 * 3 + 1);
	if (!b) {
		rc = RONDA_ENOMEM;
		goto out;
	}
	rc = sshwire_b64_decode(b64, (size_t)(end - b64), b, (size_t)(end - b64) / 4 * 3, &bl);
	if (rc)
		goto out;
	sshwire_init(&r, b, bl);
	rc = sshwire_string(&r, &t, &tl);
	if (rc == RONDA_OK && (tl != (size_t)(sp1 - txt) || memcmp(t, txt, tl) != 0))
		rc = RONDA_EPARSE;
	if (rc)
		goto out;
	*blob = b;
	*bloblen = bl;
	b = NULL;
out:
	free(b);
	return rc;
}

enum sshcert_time sshcert_check_time(const struct sshcert *c, uint64_t now)
{
	if (now < c->valid_after)
		return SSHCERT_NOT_YET;
	if (now >= c->valid_before)
		return SSHCERT_EXPIRED;
	return SSHCERT_VALID;
}

void sshcert_format_time(uint64_t t, char *out, size_t outlen)
{
	struct tm tm;
	time_t tt;

	if (t == SSHCERT_FOREVER || t > (uint64_t)INT64_MAX / 2) {
		snprintf(out, outlen, "forever");
		return;
	}
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || !strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, outlen, "%llu", (unsigned long long)t);
}
