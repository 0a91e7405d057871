/*
 * jumpspec.h - a chain of bastions as OpenSSH's ProxyJump and -J write it:
 * hops joined by ',', each one host as hostspec.h reads it
 * ([user@]host[:port], [v6]:port).  The first hop is the one ronda
 * connects to; each next hop is reached through the one before.
 */
#ifndef RONDA_JUMPSPEC_H
#define RONDA_JUMPSPEC_H

#include <stddef.h>

#include "hostspec.h"

struct buf;

#define JUMPSPEC_MAX_HOPS 8
#define JUMPSPEC_MAX_LEN 2048

/*
 * Decodes spec into at most JUMPSPEC_MAX_HOPS hops.  RONDA_EINVAL with
 * "bastion 'x': why" in err for anything malformed.
 */
int jumpspec_parse(const char *spec, struct hostspec *hops, size_t *n, struct buf *err);
/* Whether spec parses (the same message). */
int jumpspec_check(const char *spec, struct buf *err);

#endif
