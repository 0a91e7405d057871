/*
 * shard.h - `--shard K/N`: which hosts shard K of N patrols.
 *
 * Rendezvous (highest-random-weight) hashing of the host's shown name
 * (target.h: web01, or web01:2222): each host goes to the shard k in
 * 0..N-1 with the highest weight(name, k): the first 8 bytes, read
 * big-endian, of SHA-256(SHA-256(name) followed by k as 4 bytes
 * big-endian); equal weights go to the lower k.  The hash is fixed here
 * and does not depend on the machine, so every shard, anywhere, agrees on
 * who patrols what.  Adding or removing a host moves only that host;
 * going from N to N+1 shards moves only the hosts the new shard wins.
 *
 * K is 0-based (0 <= K < N), as Slurm's SLURM_ARRAY_TASK_ID with
 * --array=0-N-1 and Kubernetes' JOB_COMPLETION_INDEX are.
 */
#ifndef RONDA_SHARD_H
#define RONDA_SHARD_H

#include <stdint.h>

struct buf;
struct target_list;

#define SHARD_MAX 4096		/* N at most */

struct shard {
	unsigned k, n;		/* n == 0: not sharded */
};

/* "K/N" in decimal, 0 <= K < N <= SHARD_MAX.  RONDA_EINVAL with a message. */
int shard_parse(const char *arg, struct shard *out, struct buf *err);
uint64_t shard_weight(const char *name, unsigned k);
/* The shard of n (n >= 1) that patrols name. */
unsigned shard_of(const char *name, unsigned n);
/* Keeps in tl only the hosts of shard s (in their order); s->n == 0 keeps all. */
void shard_filter(struct target_list *tl, const struct shard *s);

#endif
