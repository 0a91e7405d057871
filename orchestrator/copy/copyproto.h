/*
 * copyproto.h - what `ronda copy` and `ronda fetch` run on a host, and the
 * parser of the copy script's answers.
 *
 * Nothing beyond a POSIX sh and GNU coreutils is needed on the host (cat,
 * dd, head, mkdir, mv, chmod, chown, ln, readlink, sha256sum, stat, tr).
 *
 * copy runs one script on one channel of a host's session; its stdin has
 *   the manifest  (copy_manifest_text), one entry a line:
 *            d MODE PATH | f MODE SIZE SHA256 PATH | l PATH, then TARGET
 *          and a line "." after the last.  The script makes directories and
 *          symbolic links, and answers for each file whether the host has
 *          it already (size and SHA-256; then mode and owner are set in
 *          place if they differ).
 *   then, once every entry is answered, for each file it needs, in
 *          manifest order, "I MODE SIZE SHA256 UMASK C PATH\n" and exactly
 *          SIZE bytes, then EOF (UMASK makes dd create the file with
 *          MODE's rw bits; C is 1 when chmod must add x or special bits).
 *          Each file goes to a temporary name in its directory (GNU dd
 *          with iflag=count_bytes,fullblock reads exactly SIZE bytes, so
 *          the next header stays on stdin), is checked by size and
 *          SHA-256, gets its mode (and owner) and is renamed into place.
 * Answers are lines "\036RONDA WORD [INDEX [TEXT]]"; anything else (a
 * login shell's rc file printing) is ignored.  The script ends with
 * "\036RONDA done": without it the host's run did not finish.
 *
 * fetch runs one script that writes the stream fetchproto.h reads.
 */
#ifndef RONDA_COPYPROTO_H
#define RONDA_COPYPROTO_H

#include <stddef.h>

#include "buf.h"

/*
 * Appends the remote command line of the copy script: dest is DEST
 * (relative: from the remote $HOME), base non-NULL when one file is
 * copied (it goes into DEST under that name when DEST is a directory on
 * the host), owner the --owner value or NULL.  become: through sudo -n.
 */
int copy_command(struct buf *out, const char *dest, const char *base,
		 const char *owner, int become);
/* fetch of the remote paths (relative: from $HOME). */
int fetch_command(struct buf *out, const char *const *paths, size_t n, int become);

enum copy_word {
	COPY_SAME,	/* the host has the file already */
	COPY_META,	/* it had the bytes; mode or owner set in place */
	COPY_NEED,	/* send it */
	COPY_MADE,	/* a directory or link made (or already right) */
	COPY_SENT,	/* written, checked and renamed into place */
	COPY_ERR,	/* text says why */
	COPY_DONE,	/* the script finished (no index) */
};

struct copy_reply {
	enum copy_word word;
	size_t index;		/* into the manifest; 0 for COPY_DONE */
	const char *text;	/* COPY_ERR: the host's message, not NUL-ended */
	size_t text_len;
};

/*
 * The next answer in [*p, end), skipping lines that are not answers; *p
 * moves past it.  RONDA_OK with *r filled, RONDA_ENOTFOUND when none is
 * left, RONDA_EPARSE for an answer line that is not well formed (or an
 * index >= n_entries).  A last line without a newline is not an answer.
 */
int copy_reply_next(const char **p, const char *end, size_t n_entries,
		    struct copy_reply *r);

#endif
