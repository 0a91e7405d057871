/*
 * lines.h - a host's output stream cut into whole lines, for live output.
 *
 * Bytes come in chunks as the engine reads them; line_split_feed() hands
 * every complete line (without its newline) to a callback and keeps only
 * the unfinished one.  A line longer than the cap is handed over in pieces
 * of at most cap bytes (cut between UTF-8 characters where it can), each
 * as a line of its own; at the host's end line_split_end() hands over what
 * is left, a last line with no newline.  Lines are bytes: NULs, \r and
 * invalid UTF-8 pass as they came, for the printer to escape.
 *
 * The stream that carries the exec guard's status line (stderr under the
 * guard, remote.h) keeps back a complete line that ends in a status line
 * until more bytes follow it.  If none do, that was the status: line_split_end()
 * drops it and hands over only the text before it (a last line the
 * command left without a newline).  A host that prints the same text
 * mid-stream sees it printed, since more follows.  Memory per stream: at
 * most cap + REMOTE_STATUS_MAX bytes, freed by line_split_end().
 */
#ifndef RONDA_LINES_H
#define RONDA_LINES_H

#include <stddef.h>

#include "buf.h"

/* exec's cap: a line longer than 64 KiB is printed in 64 KiB pieces. */
#define LINE_SPLIT_CAP ((size_t)64 * 1024)

/* One line, n bytes without its newline; non-OK stops the feed and is returned. */
typedef int (*line_fn)(void *arg, const char *line, size_t n);

struct line_split {
	struct buf part;	/* the unfinished line, or the held one */
	size_t cap;
	int status;		/* this stream may end in the guard's status line */
	int held;		/* part is a whole line ending in a status line */
};

/* cap must be more than REMOTE_STATUS_MAX; status: see above. */
void line_split_init(struct line_split *s, size_t cap, int status);
/* Frees the memory; the splitter may be fed again. */
void line_split_release(struct line_split *s);
int line_split_feed(struct line_split *s, const char *p, size_t n, line_fn fn, void *arg);
/* The stream ended: the last line, if any, then the memory is freed. */
int line_split_end(struct line_split *s, line_fn fn, void *arg);

#endif
