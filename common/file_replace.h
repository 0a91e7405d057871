/*
 * file_replace.h - replacing a file's whole content at once.
 *
 * The new content goes into a temporary file beside the target, created
 * with O_EXCL|O_NOFOLLOW and then given exactly the mode asked for (umask
 * does not narrow it, and it is never wider while bytes go in); it is
 * written, fsync'd, closed, renamed over the target, and the directory is
 * fsync'd so that the rename survives a crash.  A reader sees the old file
 * or the whole new one, never a part.  On any failure the temporary file is
 * removed, the old file is untouched, and errno is the failing call's.
 *
 * The temporary name is either the caller's (a fixed name that a later run
 * recognises as a crash's leftover: the caller removes a stale one and holds
 * a lock so that two writers never share it) or, with NULL, a fresh
 * NAME.tmp.XXXXXX that concurrent writers never meet.  Locking is the
 * caller's business.
 */
#ifndef RONDA_FILE_REPLACE_H
#define RONDA_FILE_REPLACE_H

#include <sys/types.h>

#include "buf.h"

/*
 * Replaces name in the directory dfd with text, through tmp (a name in dfd
 * that must not exist) or a unique temporary name if tmp is NULL.
 * RONDA_ESYS with errno set on failure; RONDA_ELIMIT if a name is too long.
 */
int file_replace_at(int dfd, const char *name, const char *tmp,
		    const struct buf *text, mode_t mode);
/* The same for a path (its directory opened, symlinks followed as by open). */
int file_replace(const char *path, const struct buf *text, mode_t mode);

#endif
