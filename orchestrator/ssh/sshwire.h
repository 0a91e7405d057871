/*
 * sshwire.h - the SSH wire encoding (RFC 4251 section 5), read and written.
 *
 * A reader is a cursor over bytes someone else owns: every get checks what
 * is left before it moves, so a truncated or lying length is an error, never
 * a read past the end.  Strings come back as pointers into the input.
 * Writers append to a struct buf.  The base64 decoder is the one ronda uses
 * for the blobs of known_hosts lines and public key files.
 */
#ifndef RONDA_SSHWIRE_H
#define RONDA_SSHWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sshwire {
	const unsigned char *p;
	size_t left;
};

void sshwire_init(struct sshwire *r, const void *p, size_t n);
/* Each returns RONDA_OK or RONDA_EPARSE (too short); r moves only on success. */
int sshwire_u8(struct sshwire *r, uint8_t *v);
int sshwire_u32(struct sshwire *r, uint32_t *v);
int sshwire_u64(struct sshwire *r, uint64_t *v);
int sshwire_string(struct sshwire *r, const unsigned char **s, size_t *n);
/* A string as a sub-reader. */
int sshwire_sub(struct sshwire *r, struct sshwire *sub);
/* Whether string s (n bytes) is exactly the C string lit. */
int sshwire_eq(const unsigned char *s, size_t n, const char *lit);

int sshwire_put_u32(struct buf *b, uint32_t v);
int sshwire_put_string(struct buf *b, const void *p, size_t n);

/*
 * Decodes padded base64 (in, inlen bytes, no whitespace) into out (outcap
 * bytes).  RONDA_EPARSE for anything else or when out is too small.
 */
int sshwire_b64_decode(const char *in, size_t inlen, unsigned char *out,
		       size_t outcap, size_t *outlen);

#endif
