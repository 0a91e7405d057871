/*
 * jumpspec.h - a chain of bastions as OpenSSH's ProxyJump and -J write it:
 * hops joined by ',', each [user@]host[:port], host an IPv6 literal in
 * brackets when it has a port ([2001:db8::1]:22).  The first hop is the
 * one ronda connects to; each next hop is reached through the one before.
 */
#ifndef RONDA_JUMPSPEC_H
#define RONDA_JUMPSPEC_H

#include <stddef.h>

struct buf;

#define JUMPSPEC_MAX_HOPS 8
#define JUMPSPEC_MAX_LEN 2048

struct jump_hop {
	char user[33];		/* empty: the hop's own settings decide */
	char host[254];
	unsigned port;		/* 0: the hop's own settings decide */
};

/*
 * Decodes spec into at most JUMPSPEC_MAX_HOPS hops.  RONDA_EINVAL with
 * "bastion 'x': why" in err for anything malformed; hosts, users and ports
 * are held to the inventory's name rules.
 */
int jumpspec_parse(const char *spec, struct jump_hop *hops, size_t *n, struct buf *err);
/* Whether spec parses (the same message). */
int jumpspec_check(const char *spec, struct buf *err);

#endif
