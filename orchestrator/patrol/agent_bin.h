/*
 * agent_bin.h - the agent programs a patrol deploys (deploy.h), one per
 * architecture: their bytes and SHA-256, which names them in the hosts'
 * caches, and, made on the first upload that wants it, their gzip.
 *
 * Each agent's architecture is read from its ELF header (e_machine) and
 * named as `uname -m` names it: x86_64, aarch64.  By default the agents are
 * ronda-agent beside the running ronda, and ronda-agent.ARCH beside it for
 * every other architecture ronda knows, where present.
 */
#ifndef RONDA_AGENT_BIN_H
#define RONDA_AGENT_BIN_H

#include <stddef.h>

#include "buf.h"

#define AGENT_ARCH_MAX 4

struct agent_bin {
	char *path;
	char *data;
	size_t len;
	char sha256[65];	/* hex */
	const char *arch;	/* uname -m: "x86_64", "aarch64" */
	char *gz;		/* gzip of data, once agent_bin_gzip made it */
	size_t gzlen;
	int gz_failed;		/* it could not be made: upload raw */
};

struct agent_set {
	struct agent_bin v[AGENT_ARCH_MAX];
	size_t n;
};

/*
 * Loads the agents: paths[0..n) (--agent, any architectures, one file
 * each), or with n == 0 ronda-agent (which must exist) and ronda-agent.ARCH
 * beside the running ronda.  Two agents of one architecture are an error.
 */
int agent_set_load(struct agent_set *s, const char *const *paths, size_t n, struct buf *err);
void agent_set_release(struct agent_set *s);
/* The agent for a host whose `uname -m` said arch (arm64 = aarch64), or NULL. */
struct agent_bin *agent_set_find(struct agent_set *s, const char *arch, size_t len);

/* Architecture of an ELF image, as uname -m names it, or NULL if unknown. */
const char *agent_elf_arch(const char *data, size_t len);

/*
 * Makes a->gz (gzip -9) if it is not there yet; RONDA_OK once it is.  On
 * failure gz_failed is set and the agent goes raw.
 */
int agent_bin_gzip(struct agent_bin *a);

#endif
