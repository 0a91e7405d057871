/*
 * agent_bin.h - the agent program a patrol deploys (deploy.h): its bytes
 * and their SHA-256, which names it in the hosts' caches.
 */
#ifndef RONDA_AGENT_BIN_H
#define RONDA_AGENT_BIN_H

#include <stddef.h>

#include "buf.h"

struct agent_bin {
	char *path;
	char *data;
	size_t len;
	char sha256[65];	/* hex */
};

/*
 * Loads the agent: path, or ronda-agent beside the running ronda.  Its
 * SHA-256 is computed once here.
 */
int agent_bin_load(const char *path, struct agent_bin *out, struct buf *err);
void agent_bin_release(struct agent_bin *a);

#endif
