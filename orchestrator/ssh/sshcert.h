/*
 * sshcert.h - OpenSSH certificates (PROTOCOL.certkeys), decoded once.
 *
 * A certificate is a public key blob whose type ends in
 * "-cert-v01@openssh.com": the key, then serial, type, key id, principals
 * and the validity interval, then options, extensions and the CA's
 * signature.  ronda hands the blob to the server unchanged; it reads the
 * fields only to tell the operator why a server refused it (expired, not
 * yet valid).  The signature is not checked: that is the server's job.
 *
 * Time comes from the caller, so tests can pass a fixed "now".
 */
#ifndef RONDA_SSHCERT_H
#define RONDA_SSHCERT_H

#include <stddef.h>
#include <stdint.h>

#define SSHCERT_USER 1
#define SSHCERT_HOST 2
#define SSHCERT_FOREVER UINT64_MAX	/* valid_before of "-V always:forever" */

struct sshcert {
	char *type;		/* e.g. "ssh-ed25519-cert-v01@openssh.com" */
	uint64_t serial;
	uint32_t kind;		/* SSHCERT_USER or SSHCERT_HOST */
	char *key_id;
	char **principals;	/* none: any principal (as ssh-keygen -L says) */
	size_t n_principals;
	uint64_t valid_after, valid_before;	/* seconds since the epoch, UTC */
};

enum sshcert_time { SSHCERT_VALID, SSHCERT_EXPIRED, SSHCERT_NOT_YET };

/* Whether a key type names a certificate. */
int sshcert_is_cert_type(const unsigned char *t, size_t n);
/*
 * Decodes a certificate blob.  RONDA_EPARSE for anything malformed or not a
 * certificate (key ids and principals with NUL bytes included), RONDA_ENOMEM.
 * On success c owns its strings (sshcert_release).
 */
int sshcert_decode(const unsigned char *blob, size_t n, struct sshcert *c);
void sshcert_release(struct sshcert *c);
/*
 * The blob of a public key file's line "TYPE BASE64 [COMMENT]" (a
 * KEY-cert.pub), malloc'd; RONDA_EPARSE unless TYPE is the blob's own type.
 */
int sshcert_pubfile_blob(const char *text, size_t n, unsigned char **blob, size_t *bloblen);
/*
 * Whether certificate blob cert certifies the plain public key blob pub
 * (same key type, same key fields): how ssh_config's CertificateFile is
 * paired with an identity.
 */
int sshcert_certifies(const unsigned char *cert, size_t cn,
		      const unsigned char *pub, size_t pn);
/* Where now stands in c's interval: valid_after <= now < valid_before is valid. */
enum sshcert_time sshcert_check_time(const struct sshcert *c, uint64_t now);
/* t as "2020-01-02 00:00:00 UTC" ("forever" for SSHCERT_FOREVER) in out. */
void sshcert_format_time(uint64_t t, char *out, size_t outlen);

#endif
