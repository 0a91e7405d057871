/*
 * shard.c - see shard.h.
 */
#include "shard.h"

#include <string.h>

#include <openssl/sha.h>

#include "buf.h"
#include "err.h"
#include "target.h"
#include "banned.h"

/* Digits only, no sign, no spaces, at most 4 of them. */
static int parse_num(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return RONDA_EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return RONDA_EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return RONDA_OK;
}

int shard_parse(const char *arg, struct shard *out, struct buf *err)
{
	const char *slash = strchr(arg, '/');
	unsigned k, n;

	if (!slash || parse_num(arg, (size_t)(slash - arg), &k) ||
	    parse_num(slash + 1, strlen(slash + 1), &n)) {
		buf_printf(err, "--shard: '%.32s' is not K/N (shard K of N, K from 0)", arg);
		return RONDA_EINVAL;
	}
	if (n < 1 || n > SHARD_MAX || k >= n) {
		buf_printf(err, "--shard %u/%u: need 0 <= K < N <= %d (K counts from 0)",
			   k, n, SHARD_MAX);
		return RONDA_EINVAL;
	}
	out->k = k;
	out->n = n;
	return RONDA_OK;
}

/* The name's digest, hashed once for all k. */
static void name_digest(const char *name, unsigned char md[SHA256_DIGEST_LENGTH])
{
	SHA256((const unsigned char *)name, strlen(name), md);
}

static uint64_t weight_of(const unsigned char name_md[SHA256_DIGEST_LENGTH], unsigned k)
{
	unsigned char in[SHA256_DIGEST_LENGTH + 4], md[SHA256_DIGEST_LENGTH];
	uint64_t w = 0;

	memcpy(in, name_md, SHA256_DIGEST_LENGTH);
	in[SHA256_DIGEST_LENGTH] = (unsigned char)(k >> 24);
	in[SHA256_DIGEST_LENGTH + 1] = (unsigned char)(k >> 16);
	in[SHA256_DIGEST_LENGTH + 2] = (unsigned char)(k >> 8);
	in[SHA256_DIGEST_LENGTH + 3] = (unsigned char)k;
	SHA256(in, sizeof(in), md);
	for (int i = 0; i < 8; i++)
		w = w << 8 | md[i];
	return w;
}

uint64_t shard_weight(const char *name, unsigned k)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	name_digest(name, md);
	return weight_of(md, k);
}

unsigned shard_of(const char *name, unsigned n)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned best = 0;
	uint64_t top = 0;

	name_digest(name, md);
	for (unsigned k = 0; k < n; k++) {
		uint64_t w = weight_of(md, k);

		if (k == 0 || w > top) {
			top = w;
			best = k;
		}
	}
	return best;
}

void shard_filter(struct target_list *tl, const struct shard *s)
{
	size_t kept = 0;

	if (!s->n)
		return;
	for (size_t i = 0; i < tl->n; i++) {
		if (shard_of(tl->v[i].name, s->n) == s->k)
			tl->v[kept++] = tl->v[i];
		else
			target_release(&tl->v[i]);
	}
	tl->n = kept;
}
