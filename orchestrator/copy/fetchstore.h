/*
 * fetchstore.h - where `ronda fetch` puts what a host sends: under
 * LOCALDIR/HOST/, and nowhere else, whatever the host says.
 *
 *   int top = open(LOCALDIR, O_DIRECTORY...);   once per run
 *   struct fetch_store s;
 *   rc = fetch_store_open(&s, top, host, err);   mkdirat + O_NOFOLLOW
 *   fetch_parser_init(&p, &fetch_store_ops, &s, max);   (fetchproto.h)
 *   ... fetch_store_release(&s);   removes a file left half written
 *
 * Every path is walked one component at a time from the host's directory
 * descriptor with openat(O_DIRECTORY|O_NOFOLLOW): a symbolic link in
 * LOCALDIR (one the host made in an earlier entry, or anyone's) is never
 * followed.  A file is written to a temporary name beside its place
 * (O_CREAT|O_EXCL|O_NOFOLLOW), checked against the header's SHA-256 and
 * renamed into place; a link is made the same way.  Modes are kept to
 * their permission bits (never setuid, setgid or sticky); directories
 * stay writable and searchable by us.  An entry that cannot be stored is
 * noted (errs) and skipped; the stream goes on.
 */
#ifndef RONDA_FETCHSTORE_H
#define RONDA_FETCHSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fetchproto.h"

#define FETCH_ERRS_MAX 50	/* messages kept per host; more are counted */

struct fetch_store {
	int root;		/* LOCALDIR/HOST, -1 when closed */
	int pfd, fd;		/* the current file's directory and temporary */
	char tmp[64];		/* its temporary name in pfd */
	char leaf[256];		/* its final name in pfd */
	char name[FETCH_NAME_MAX + 1];	/* the whole name, for messages */
	unsigned mode;
	int skip;		/* the current file is not being stored */
	size_t files, dirs, links, failed;
	uint64_t bytes;
	struct buf errs;	/* one line per entry not stored (host text escaped) */
};

extern const struct fetch_ops fetch_store_ops;

/* Host names that could leave LOCALDIR are refused (RONDA_EINVAL). */
int fetch_store_open(struct fetch_store *s, int top, const char *host, struct buf *err);
void fetch_store_release(struct fetch_store *s);

#endif
