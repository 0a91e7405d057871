/*
 * ident.h - identity files, read once per run.
 *
 * Every distinct identity file named by any target is read into memory once,
 * before the first connection, so a run over 2,000 hosts does not open the
 * same key 2,000 times, and a missing or unreadable key is an error before
 * any host is touched.  Targets without identities use the defaults that
 * exist among ~/.ssh/id_ed25519, id_ecdsa and id_rsa.
 *
 * A certificate KEY-cert.pub beside KEY is read with it, as ssh does, and
 * decoded once (sshcert.h) so a refusal can say when it expired.
 *
 * Keys are handed to libssh2 from memory.  A passphrase-protected key is
 * flagged here and unlocked once per run into a private agent (keyunlock.h),
 * never decrypted per host.
 */
#ifndef RONDA_IDENT_H
#define RONDA_IDENT_H

#include <stddef.h>

#include "inventory/target.h"
#include "sshcert.h"

struct ident {
	char *path;
	char *priv, *pub;	/* pub may be NULL: libssh2 derives it */
	size_t privlen, publen;
	char *cert;		/* KEY-cert.pub's text, or NULL */
	size_t certlen;
	char *cert_path;
	struct sshcert certinfo;	/* decoded from cert */
	int encrypted;		/* passphrase-protected: keyunlock.h */
};

struct ident_set {
	struct ident *v;
	size_t n, alloc;
	size_t n_defaults;	/* v[0..n_defaults) are the default keys */
};

void ident_set_init(struct ident_set *s);
void ident_set_release(struct ident_set *s);
/* Loads the identities of all targets (and the defaults if needed). */
int ident_set_load(struct ident_set *s, const struct target_list *tl);
/* Whether the private key text p is passphrase-protected. */
int ident_key_encrypted(const char *p, size_t n);
/* The identity for path, or NULL. */
const struct ident *ident_find(const struct ident_set *s, const char *path);

#endif
