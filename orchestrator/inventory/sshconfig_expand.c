/*
 * sshconfig_expand.c - the small languages inside ssh_config values:
 * OpenSSH's patterns (match.c), %-tokens with ~ and ${VAR} (misc.c),
 * times (convtime) and algorithm lists with +, - and ^ (kex.c), written
 * from their documented behaviour and checked against ssh -G.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "sshconfig_int.h"
#include "banned.h"

int sc_match_pattern(const char *s, const char *p)
{
	for (;;) {
		if (!*p)
			return !*s;
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			for (; *s; s++)
				if ((*p == '?' || *p == *s) && sc_match_pattern(s, p))
					return 1;
			return 0;
		}
		if (!*s)
			return 0;
		if (*p != '?' && *p != *s)
			return 0;
		s++;
		p++;
	}
}

int sc_match_list(const char *s, const char *list, int dolower)
{
	char sub[1024], low[1024];
	int positive = 0;
	size_t n;

	if (dolower) {
		for (n = 0; s[n] && n + 1 < sizeof(low); n++)
			low[n] = (char)tolower((unsigned char)s[n]);
		low[n] = '\0';
		if (s[n])
			return 0;	/* longer than any host name */
		s = low;
	}
	while (*list) {
		int neg = *list == '!';
		size_t len;

		if (neg)
			list++;
		len = strcspn(list, ",");
		if (len < sizeof(sub)) {
			for (n = 0; n < len; n++)
				sub[n] = dolower ? (char)tolower((unsigned char)list[n]) : list[n];
			sub[len] = '\0';
			if (sc_match_pattern(s, sub)) {
				if (neg)
					return -1;
				positive = 1;
			}
		}
		list += len;
		if (*list == ',')
			list++;
	}
	return positive;
}

int sc_check_tokens(const char *in, const char *letters, const char **bad)
{
	for (const char *p = in; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (!p[1] || !strchr(letters, p[1])) {
			*bad = p + 1;
			return -1;
		}
		p++;
	}
	return 0;
}

int sc_expand(const char *in, const struct sc_tokens *t, const char *home, int tilde,
	      int dollar, char **out, struct buf *err)
{
	struct buf b;
	const char *p = in;
	int rc = RONDA_OK;

	buf_init(&b, 1 << 16);
	if (tilde && *p == '~') {
		size_t ul = strcspn(p + 1, "/");

		if (ul == 0) {
			rc = buf_puts(&b, home);
			p++;
		} else {
			char name[256];
			struct passwd *pw;

			if (ul >= sizeof(name)) {
				rc = buf_printf(err, "no such user in \"%s\"", in) ? RONDA_ENOMEM : RONDA_ECONFIG;
				goto out;
			}
			memcpy(name, p + 1, ul);
			name[ul] = '\0';
			if (!(pw = getpwnam(name))) {
				buf_printf(err, "no such user \"%s\" in \"%s\"", name, in);
				rc = RONDA_ECONFIG;
				goto out;
			}
			rc = buf_puts(&b, pw->pw_dir);
			p += 1 + ul;
		}
		/* ~/x over a home of "/" must not become //x */
		if (!rc && buf_len(&b) && buf_data(&b)[buf_len(&b) - 1] == '/' && *p == '/')
			p++;
	}
	for (; !rc && *p; p++) {
		if (dollar && p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}'), *v;
			char name[256];

			if (!end || end == p + 2 || (size_t)(end - p - 2) >= sizeof(name)) {
				buf_printf(err, "invalid environment variable in \"%s\"", in);
				rc = RONDA_ECONFIG;
				break;
			}
			memcpy(name, p + 2, (size_t)(end - p - 2));
			name[end - p - 2] = '\0';
			if (!(v = getenv(name))) {
				buf_printf(err, "environment variable ${%s} is not set", name);
				rc = RONDA_ECONFIG;
				break;
			}
			rc = buf_puts(&b, v);
			p = end;
		} else if (*p == '%' && t) {
			const char *k;

			if (p[1] == '%') {
				rc = buf_putc(&b, '%');
				p++;
				continue;
			}
			if (!p[1] || !(k = strchr(t->letters, p[1]))) {
				buf_printf(err, "unknown token %%%c in \"%s\"", p[1] ? p[1] : ' ', in);
				rc = RONDA_ECONFIG;
				break;
			}
			if (!t->values[k - t->letters]) {
				buf_printf(err, "token %%%c in \"%s\" is not supported by ronda", p[1], in);
				rc = RONDA_ECONFIG;
				break;
			}
			rc = buf_puts(&b, t->values[k - t->letters]);
			p++;
		} else {
			rc = buf_putc(&b, *p);
		}
	}
	if (!rc && !(*out = strdup(buf_data(&b))))
		rc = RONDA_ENOMEM;
out:
	buf_release(&b);
	return rc;
}

long sc_convtime(const char *s)
{
	long total = 0, v, mult;
	char *end;

	if (!*s)
		return -1;
	while (*s) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || v < 0)
			return -1;
		switch (*end) {
		case '\0': mult = 1; break;
		case 's': case 'S': mult = 1; end++; break;
		case 'm': case 'M': mult = 60; end++; break;
		case 'h': case 'H': mult = 3600; end++; break;
		case 'd': case 'D': mult = 86400; end++; break;
		case 'w': case 'W': mult = 604800; end++; break;
		default: return -1;
		}
		if (v > (INT_MAX - total) / mult)
			return -1;
		total += v * mult;
		s = end;
	}
	return total;
}

int sc_list_add(struct ssh_strlist *l, const char *s)
{
	char **nv = realloc(l->v, (l->n + 2) * sizeof(*nv));

	if (!nv)
		return RONDA_ENOMEM;
	l->v = nv;
	if (!(l->v[l->n] = strdup(s)))
		return RONDA_ENOMEM;
	l->v[++l->n] = NULL;
	return RONDA_OK;
}

void sc_list_release(struct ssh_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int sc_list_has(const struct ssh_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

/* OpenSSH 9.2p1's lists on Debian 12 (ssh -Q, and its defaults). */
static const char *const algo_all[] = {
	[SC_ALGO_CIPHER] = "3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,"
		"aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
	[SC_ALGO_MAC] = "hmac-sha1,hmac-sha1-96,hmac-sha2-256,hmac-sha2-512,hmac-md5,hmac-md5-96,"
		"umac-64@openssh.com,umac-128@openssh.com,hmac-sha1-etm@openssh.com,"
		"hmac-sha1-96-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
		"hmac-sha2-512-etm@openssh.com,hmac-md5-etm@openssh.com,hmac-md5-96-etm@openssh.com,"
		"umac-64-etm@openssh.com,umac-128-etm@openssh.com",
	[SC_ALGO_KEX] = "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
		"diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,"
		"diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,"
		"diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
		"ecdh-sha2-nistp521,curve25519-sha256,curve25519-sha256@libssh.org,"
		"sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com",
	[SC_ALGO_HOSTKEY] = "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,"
		"sk-ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,"
		"ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384,"
		"ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521,"
		"ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,"
		"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,"
		"ssh-dss,ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,"
		"rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,"
		"rsa-sha2-512-cert-v01@openssh.com",
};

static const char *const algo_default[] = {
	[SC_ALGO_CIPHER] = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
		"aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	[SC_ALGO_MAC] = "umac-64-etm@openssh.com,umac-128-etm@openssh.com,"
		"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,"
		"umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
	[SC_ALGO_KEX] = "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
		"curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
		"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
		"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
	[SC_ALGO_HOSTKEY] = "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
		"ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"
		"sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,"
		"rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,"
		"ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,"
		"sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
};

/* Is name (exactly) in the comma list? */
static int in_list(const char *name, size_t n, const char *list)
{
	while (*list) {
		size_t len = strcspn(list, ",");

		if (len == n && !memcmp(list, name, n))
			return 1;
		list += len;
		if (*list == ',')
			list++;
	}
	return 0;
}

/* Appends to b each name of list that matches pat and b lacks. */
static int add_matching(struct buf *b, const char *list, const char *pat, size_t plen)
{
	char p[256], name[256];

	if (plen >= sizeof(p))
		return RONDA_OK;
	memcpy(p, pat, plen);
	p[plen] = '\0';
	while (*list) {
		size_t len = strcspn(list, ",");

		if (len < sizeof(name)) {
			memcpy(name, list, len);
			name[len] = '\0';
			if (sc_match_pattern(name, p) && !in_list(name, len, buf_data(b))) {
				if (buf_len(b) && buf_putc(b, ','))
					return RONDA_ENOMEM;
				if (buf_append(b, name, len))
					return RONDA_ENOMEM;
			}
		}
		list += len;
		if (*list == ',')
			list++;
	}
	return RONDA_OK;
}

int sc_algos_valid(enum sc_algo kind, const char *spec)
{
	const char *p = spec;

	if (*p == '-')
		return 1;
	if (*p == '+' || *p == '^')
		p++;
	if (!*p)
		return 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		struct buf b;
		int ok;

		if (!len)
			return 0;
		/* only host key algorithms may be patterns that name some */
		if (kind == SC_ALGO_HOSTKEY && (memchr(p, '*', len) || memchr(p, '?', len))) {
			buf_init(&b, 1 << 16);
			ok = !add_matching(&b, algo_all[kind], p, len) && buf_len(&b);
			buf_release(&b);
		} else {
			ok = in_list(p, len, algo_all[kind]);
		}
		if (!ok)
			return 0;
		p += len;
		if (*p == ',' && !*++p)
			return 0;
	}
	return 1;
}

int sc_algos_resolve(enum sc_algo kind, const char *spec, char **out)
{
	struct buf list, res;
	const char *def = algo_default[kind], *p;
	int rc = RONDA_OK;

	buf_init(&list, 1 << 16);
	buf_init(&res, 1 << 16);
	if (!spec || !*spec) {
		rc = buf_puts(&res, def);
		goto done;
	}
	if (*spec == '-') {
		/* the default minus what the patterns name */
		for (p = def; *p;) {
			size_t len = strcspn(p, ",");
			char name[256];

			if (len < sizeof(name)) {
				memcpy(name, p, len);
				name[len] = '\0';
				if (sc_match_list(name, spec + 1, 0) != 1) {
					if (buf_len(&res))
						rc = buf_putc(&res, ',');
					if (!rc)
						rc = buf_puts(&res, name);
				}
			}
			p += len;
			if (*p == ',')
				p++;
		}
		goto done;
	}
	if (*spec == '+')
		rc = buf_printf(&list, "%s,%s", def, spec + 1);
	else if (*spec == '^')
		rc = buf_printf(&list, "%s,%s", spec + 1, def);
	else
		rc = buf_puts(&list, spec);
	for (p = buf_data(&list); !rc && *p;) {
		size_t len = strcspn(p, ",");

		rc = add_matching(&res, algo_all[kind], p, len);
		p += len;
		if (*p == ',')
			p++;
	}
done:
	if (!rc && !(*out = strdup(buf_data(&res))))
		rc = RONDA_ENOMEM;
	buf_release(&list);
	buf_release(&res);
	return rc;
}

/* ProxyJump's value: up to a #, without trailing blanks. */
char *sc_jump_clean(const char *rest)
{
	size_t n = strcspn(rest, "#");

	while (n && strchr(" \t\r\n", rest[n - 1]))
		n--;
	return strndup(rest, n);
}

/* [user@]host[:port] or ssh://[user@]host[:port], comma-separated; or none. */
int sc_jump_valid(const char *rest)
{
	char *s = sc_jump_clean(rest), *p, *e;
	int ok = 1;

	if (!s)
		return 0;
	if (!*s)
		ok = 0;
	if (ok && !strcasecmp(s, "none"))
		goto out;
	for (p = s; ok && *p; p = *e ? e + 1 : e) {
		char *hop, *at, *colon;

		e = p + strcspn(p, ",");
		hop = p;
		if (!strncmp(hop, "ssh://", 6))
			hop += 6;
		if (e == hop || memchr(hop, ' ', (size_t)(e - hop)) || memchr(hop, '\t', (size_t)(e - hop))) {
			ok = 0;
			break;
		}
		at = memchr(hop, '@', (size_t)(e - hop));
		if (at)
			hop = at + 1;
		colon = memchr(hop, ':', (size_t)(e - hop));
		if (hop == (colon ? colon : e))
			ok = 0;
		if (colon) {
			long v;
			char *end;

			errno = 0;
			v = strtol(colon + 1, &end, 10);
			if (errno || end != e || v < 1 || v > 65535)
				ok = 0;
		}
		if (*e == ',' && !e[1])
			ok = 0;
	}
out:
	free(s);
	return ok;
}
