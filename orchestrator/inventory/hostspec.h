/*
 * hostspec.h - one host as pdsh, clush and ssh users write it:
 *
 *   host             web01  10.0.0.5
 *   user@host        root@web01
 *   host:port        web01:2222   (port 1-65535)
 *   user@host:port   root@10.0.0.5:2222
 *   IPv6             2001:db8::1  ::1      two or more ':' make a bare
 *                                          address, which takes no port
 *   [IPv6]:port      [::1]:2222  root@[2001:db8::1]:22
 *
 * A host is shown and compared by its display name: the host without
 * user@, with :port when one was given (web01 and web01:2222 are two
 * hosts), an IPv6 address in inet_ntop's form, bracketed when a port
 * follows.  The canonical text is "user@" (if any) then the display name;
 * pattern_select() hands that text to inventory_resolve(), which decodes it
 * here once into these typed fields.
 */
#ifndef RONDA_HOSTSPEC_H
#define RONDA_HOSTSPEC_H

#include <stddef.h>

#include "hostlist.h"

struct buf;

#define HOSTSPEC_USER_MAX 32
/* "[" host "]:65535" */
#define HOSTSPEC_DISPLAY_MAX (HOSTLIST_NAME_MAX + 8)

struct hostspec {
	char user[HOSTSPEC_USER_MAX + 1];	/* "": none given */
	char host[HOSTLIST_NAME_MAX + 1];	/* name or address, no brackets */
	unsigned port;				/* 0: none given */
	int v6;					/* host is an IPv6 address */
	char display[HOSTSPEC_DISPLAY_MAX + 1];
};

/*
 * Parses s (a host, not a range or glob).  RONDA_EPARSE with a message in
 * err for a bad user, host, address or port; *out is set only on success.
 */
int hostspec_parse(const char *s, struct hostspec *out, struct buf *err);

/* "user@" then the display name. */
#define HOSTSPEC_TEXT_MAX (HOSTSPEC_USER_MAX + 1 + HOSTSPEC_DISPLAY_MAX)

/* Writes the canonical text, [user@]display, into out. */
void hostspec_format(const struct hostspec *h, char out[HOSTSPEC_TEXT_MAX + 1]);

/* The display name inside canonical text: what follows "user@", if any. */
const char *hostspec_display_of(const char *canonical);

/* Whether the n bytes at s, after any user@, write an IPv6 address: a
 * bracket group holding ':', or two or more ':' outside brackets.  Such
 * brackets are not a range. */
int hostspec_is_v6(const char *s, size_t n);

/* Whether s carries a user@ or a :port (so it is not a plain name). */
int hostspec_has_extra(const char *s);

#endif
