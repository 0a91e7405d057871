/*
 * knownhosts.h - OpenSSH known_hosts, read and checked the way ssh does.
 *
 * We parse the file ourselves instead of using libssh2_knownhost_*: libssh2
 * 1.10 stops at the first line it cannot parse, ignores @revoked, and
 * matches a plain "host" entry for a "[host]:port" lookup by rules of its
 * own.  Here a bad line is skipped (and counted), @revoked keys are refused
 * for the names their patterns match, and hashed entries (|1|salt|hash) are
 * matched with HMAC-SHA1.  @cert-authority lines are read and matched like
 * the others, but vouch for no key: libssh2 1.11.1 cannot take a host
 * certificate, so knownhosts_ca() only says which line covers a host, for
 * an error that tells the truth.  On a port
 * other than 22 the name is "[host]:port"; when that name has no entry at
 * all, the plain "host" entry may vouch for the key, as in OpenSSH 9.2.
 *
 * A lookup gives OK (the key is known for the host), CHANGED (the host is
 * known with a different key of the same type), OTHER_TYPE (known only by
 * keys of other types: ssh calls it changed too), REVOKED, or UNKNOWN.  In
 * accept-new mode, new keys are remembered in memory at once (so a second
 * session in the same run sees them) and appended to the file by
 * knownhosts_save(), which re-reads the file under a lock on it, skips
 * entries another process already added, and appends the rest.
 */
#ifndef RONDA_KNOWNHOSTS_H
#define RONDA_KNOWNHOSTS_H

#include <stddef.h>

struct buf;

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
	KH_OTHER_TYPE,
};

struct knownhosts;

/* Reads path; a missing file is an empty set.  *bad counts skipped lines. */
int knownhosts_load(const char *path, struct knownhosts **out, size_t *bad);
/*
 * Adds the entries of another file (ssh_config's GlobalKnownHostsFile) to
 * be checked like the others; new keys are still written to the first
 * file only.  A missing file is no error.
 */
int knownhosts_load_more(struct knownhosts *kh, const char *path, size_t *bad);
void knownhosts_free(struct knownhosts *kh);

/*
 * Checks key (the raw SSH wire blob) for host:port.  host is an address or
 * a name as written in known_hosts.
 */
enum kh_result knownhosts_check(const struct knownhosts *kh, const char *host,
				unsigned port, const unsigned char *key,
				size_t keylen);

/*
 * Whether an @cert-authority line covers host:port (by the names and the
 * port-less fallback knownhosts_check() uses); *line is its line number.
 */
int knownhosts_ca(const struct knownhosts *kh, const char *host, unsigned port,
		  size_t *line);

/*
 * Appends to out (comma-separated, each once, in file order) the key types
 * known for host:port by the same names knownhosts_check() looks at.
 */
int knownhosts_types(const struct knownhosts *kh, const char *host,
		     unsigned port, struct buf *out);
/* The key type a key blob names first (its first SSH string). */
int knownhosts_key_type(const unsigned char *key, size_t len,
			const unsigned char **type, size_t *tlen);
/* Whether the comma list holds the word of n bytes. */
int knownhosts_list_has(const char *list, const char *word, size_t n);

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
