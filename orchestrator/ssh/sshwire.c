/*
 * sshwire.c - see sshwire.h.
 */
#include "sshwire.h"

#include <string.h>

#include <openssl/evp.h>

#include "err.h"
#include "banned.h"

void sshwire_init(struct sshwire *r, const void *p, size_t n)
{
	r->p = p;
	r->left = n;
}

int sshwire_u8(struct sshwire *r, uint8_t *v)
{
	if (r->left < 1)
		return RONDA_EPARSE;
	*v = r->p[0];
	r->p++;
	r->left--;
	return RONDA_OK;
}

int sshwire_u32(struct sshwire *r, uint32_t *v)
{
	if (r->left < 4)
		return RONDA_EPARSE;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return RONDA_OK;
}

int sshwire_u64(struct sshwire *r, uint64_t *v)
{
	uint64_t x = 0;

	if (r->left < 8)
		return RONDA_EPARSE;
	for (int i = 0; i < 8; i++)
		x = x << 8 | r->p[i];
	*v = x;
	r->p += 8;
	r->left -= 8;
	return RONDA_OK;
}

int sshwire_string(struct sshwire *r, const unsigned char **s, size_t *n)
{
	struct sshwire t = *r;
	uint32_t len;

	if (sshwire_u32(&t, &len) || len > t.left)
		return RONDA_EPARSE;
	*s = t.p;
	*n = len;
	r->p = t.p + len;
	r->left = t.left - len;
	return RONDA_OK;
}

int sshwire_sub(struct sshwire *r, struct sshwire *sub)
{
	const unsigned char *s;
	size_t n;
	int rc = sshwire_string(r, &s, &n);

	if (rc == RONDA_OK)
		sshwire_init(sub, s, n);
	return rc;
}

int sshwire_eq(const unsigned char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

int sshwire_put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

	return buf_append(b, x, 4);
}

int sshwire_put_string(struct buf *b, const void *p, size_t n)
{
	int r;

	if (n > UINT32_MAX)
		return RONDA_EINVAL;
	r = sshwire_put_u32(b, (uint32_t)n);
	return r ? r : buf_append(b, p, n);
}

static int b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int sshwire_b64_decode(const char *in, size_t inlen, unsigned char *out,
		       size_t outcap, size_t *outlen)
{
	size_t pad = 0;
	int n;

	if (inlen == 0 || inlen % 4 || inlen / 4 * 3 > outcap || inlen > 0x7fffffff)
		return RONDA_EPARSE;
	if (in[inlen - 1] == '=')
		pad = in[inlen - 2] == '=' ? 2 : 1;
	/* EVP_DecodeBlock skips blanks and stops at odd places: check first. */
	for (size_t i = 0; i < inlen - pad; i++)
		if (!b64_char((unsigned char)in[i]))
			return RONDA_EPARSE;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)inlen);
	if (n < 0 || (size_t)n < pad)
		return RONDA_EPARSE;
	/* EVP_DecodeBlock counts padding as zero bytes. */
	*outlen = (size_t)n - pad;
	return RONDA_OK;
}
