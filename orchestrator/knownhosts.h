/*
 * knownhosts.h - OpenSSH known_hosts, read and checked the way ssh does.
 *
 * We parse the file ourselves instead of using libssh2_knownhost_*: libssh2
 * 1.10 stops at the first line it cannot parse, ignores @revoked, and lets
 * a "[host]:port" lookup fall back to a plain "host" entry, which OpenSSH
 * never does.  Here a bad line is skipped (and counted), @revoked keys are
 * refused, @cert-authority lines are ignored, hashed entries (|1|salt|hash)
 * are matched with HMAC-SHA1, and a non-22 port only matches "[host]:port".
 *
 * A lookup gives OK (the key is known for the host), CHANGED (the host is
 * known with a different key of the same type), REVOKED, or UNKNOWN.  In
 * accept-new mode, new keys are remembered in memory at once (so a second
 * session in the same run sees them) and appended to the file by
 * knownhosts_save(), which re-reads the file under a lock, skips entries
 * another process already added, and replaces it atomically.
 */
#ifndef RONDA_KNOWNHOSTS_H
#define RONDA_KNOWNHOSTS_H

#include <stddef.h>

/* What to do with a host key that known_hosts does not vouch for. */
enum hostkeys_mode {
	HOSTKEYS_STRICT,	/* refuse unknown and changed keys (default) */
	HOSTKEYS_ACCEPT_NEW,	/* record unknown keys, refuse changed ones */
	HOSTKEYS_OFF,		/* no checking: --insecure-no-hostkey-check */
};

enum kh_result {
	KH_OK,
	KH_UNKNOWN,
	KH_CHANGED,
	KH_REVOKED,
};

struct knownhosts;

/* Reads path; a missing file is an empty set.  *bad counts skipped lines. */
int knownhosts_load(const char *path, struct knownhosts **out, size_t *bad);
void knownhosts_free(struct knownhosts *kh);

/*
 * Checks key (the raw SSH wire blob) for host:port.  host is an address or
 * a name as written in known_hosts.
 */
enum kh_result knownhosts_check(const struct knownhosts *kh, const char *host,
				unsigned port, const unsigned char *key,
				size_t keylen);

/* Remembers key for host:port (accept-new); written by knownhosts_save(). */
int knownhosts_add(struct knownhosts *kh, const char *host, unsigned port,
		   const unsigned char *key, size_t keylen);
/* Number of keys added and not yet saved. */
size_t knownhosts_pending(const struct knownhosts *kh);
int knownhosts_save(struct knownhosts *kh);

/* "SHA256:..." fingerprint of a key blob, as ssh prints it. */
int knownhosts_fingerprint(const unsigned char *key, size_t keylen,
			   char *out, size_t outlen);

#endif
