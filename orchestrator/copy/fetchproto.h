/*
 * fetchproto.h - the stream a host sends for `ronda fetch`, decoded as it
 * arrives.  Whatever comes before the start line is a login shell's
 * noise and is skipped (at most 64 KiB of it); then:
 *
 *   \036RONDA fetch 1
 *   D MODE NAME                     a directory
 *   F MODE SIZE SHA256 NAME         a file, then exactly SIZE bytes
 *   L NAME                          a symbolic link, then its target line
 *   X TEXT                          the host could not send something
 *   Z                               the end; nothing may follow
 *
 * The host is not trusted: a NAME must be relative, without empty, "." or
 * ".." components, NUL or newline (fetch_name_ok); headers are bounded;
 * a file's bytes are hashed here and the sink told whether they match the
 * header's SHA-256; the bytes of all files together, and the entries, are
 * capped per host.  Anything else is a protocol error for that host.
 *
 *   struct fetch_parser p;
 *   fetch_parser_init(&p, &ops, arg, max_bytes);
 *   rc = fetch_parser_feed(&p, data, n);     as stdout arrives
 *   rc = fetch_parser_finish(&p);            the stream ended: was it whole?
 *   fetch_parser_release(&p);
 * On an error p.why says what, for the host's result.
 */
#ifndef RONDA_FETCHPROTO_H
#define RONDA_FETCHPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FETCH_NAME_MAX 4096
#define FETCH_NOISE_MAX (64 * 1024)
#define FETCH_MAX_ENTRIES 1000000

/*
 * What the sink is told, in stream order.  NAMEs have passed
 * fetch_name_ok.  A non-OK return stops the stream (the host's error);
 * a sink that cannot store one entry notes that itself and goes on.
 */
struct fetch_ops {
	int (*dir)(void *arg, const char *name, unsigned mode);
	int (*file_begin)(void *arg, const char *name, unsigned mode, uint64_t size);
	int (*file_data)(void *arg, const char *p, size_t n);
	/* intact: the bytes matched the header's SHA-256 */
	int (*file_end)(void *arg, int intact);
	int (*link)(void *arg, const char *name, const char *target);
	/* an X line: text is the host's, not NUL-ended */
	int (*note)(void *arg, const char *text, size_t n);
};

struct fetch_parser {
	const struct fetch_ops *ops;
	void *arg;
	int state;
	struct buf line;	/* noise, then the header line being read */
	char link_name[FETCH_NAME_MAX + 1];	/* an L waiting for its target */
	uint64_t left;		/* bytes of the current file still to come */
	char sha[65];		/* its header's SHA-256 */
	void *md;		/* EVP_MD_CTX of the current file */
	uint64_t bytes, max_bytes;
	size_t entries;
	char why[256];
};

/* A name a host may give: relative, normal components only. */
int fetch_name_ok(const char *name, size_t len);

int fetch_parser_init(struct fetch_parser *p, const struct fetch_ops *ops, void *arg,
		      uint64_t max_bytes);
void fetch_parser_release(struct fetch_parser *p);
/* RONDA_OK, RONDA_EPROTO or RONDA_ELIMIT (p->why), or a sink's error. */
int fetch_parser_feed(struct fetch_parser *p, const char *data, size_t n);
/* RONDA_OK if the stream ended with Z and nothing was cut. */
int fetch_parser_finish(struct fetch_parser *p);

#endif
