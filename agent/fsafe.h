/*
 * fsafe.h - file system steps for rotate and cleanup that cannot be tricked
 * into touching another file than the one they name.
 *
 * Every path is walked one component at a time from "/" with openat() and
 * O_NOFOLLOW|O_DIRECTORY, so a symlink at any depth stops the walk (openat2's
 * RESOLVE_NO_SYMLINKS does the same in one call, but the sandbox answers it
 * with ENOSYS so glibc-era tools fall back; one code path is simpler).  After
 * that, files are only ever named relative to a directory descriptor.
 *
 * New files are created with O_EXCL and their final mode (never wider than
 * the file they come from), chowned before any byte is written, fsync'd and
 * renamed into place with RENAME_NOREPLACE, so an existing name is never
 * overwritten and a crash leaves either the old file or a complete new one.
 */
#ifndef RONDA_FSAFE_H
#define RONDA_FSAFE_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"

/* Suffix of our temporary files; stale ones are ours to remove. */
#define FSAFE_TMP ".ronda-tmp"

/*
 * Opens the absolute directory path, refusing symlinks, "." and ".." at
 * every component.  On failure, why names the component that failed.
 */
int fsafe_opendir(const char *path, int *dfd, struct buf *why);

/*
 * RONDA_OK if the directory may be written in: not writable by a user other
 * than the agent's effective user, root, or the user the task names (su_uid,
 * (uid_t)-1 for none); group-writable only for gid 0 or su_gid.  Else why.
 */
int fsafe_dir_trusted(int dfd, uid_t su_uid, gid_t su_gid, struct buf *why);

/*
 * Why a file with this stat must not be rotated, archived or deleted (NULL
 * if it may): not a regular file, or more than one hard link.
 */
const char *fsafe_refuse(const struct stat *st);

/*
 * Opens name in dfd for reading (or for read-write with rw) with O_NOFOLLOW
 * and O_NONBLOCK (a FIFO must not block us), then checks it is the same
 * inode as *st (from fstatat) and passes fsafe_refuse.
 */
int fsafe_open_file(int dfd, const char *name, const struct stat *st, int rw,
		    int *fd, const char **why);

/*
 * Creates name in dfd with O_EXCL, mode (& 07777 minus setuid/setgid bits)
 * and owner uid/gid ((uid_t)-1 keeps ours); the file is ours at once, never
 * wider than asked.
 */
int fsafe_create(int dfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
		 int *fd);

/* renameat2 RENAME_NOREPLACE then fsync of both directories. */
int fsafe_rename(int from_dfd, const char *from, int to_dfd, const char *to);

/* Removes a stale temporary file of ours if it is there (a regular file). */
void fsafe_drop_tmp(int dfd, const char *name);

/*
 * gzip (RFC 1952, via zlib) of in_fd from its current offset to EOF into
 * out_fd; *in_n and *out_n count the bytes.  A write error (ENOSPC) is
 * RONDA_ESYS with errno kept.
 */
int fsafe_gzip_fd(int in_fd, int out_fd, int level, uint64_t *in_n,
		  uint64_t *out_n);

/*
 * RONDA_OK if gz_fd holds one complete gzip stream whose content is exactly
 * what raw_fd holds (both from their offsets to EOF); RONDA_EAGAIN if the
 * two differ, RONDA_EPARSE if the stream is broken or cut short.
 */
int fsafe_gzip_same(int gz_fd, int raw_fd);

/* Same inode, size, link count, mtime and ctime: nothing was written. */
int fsafe_unchanged(const struct stat *a, const struct stat *b);

/*
 * Unlinks name in dfd only if fd (open on it) is unchanged since *was
 * (fsafe_unchanged) and name still is that inode; RONDA_EAGAIN ("changed
 * since it was looked at; kept" in *why) otherwise.  A write that lands
 * between that check and the unlink is still lost: the window is two
 * system calls wide, not a whole copy.
 */
int fsafe_unlink_same(int dfd, const char *name, int fd, const struct stat *was,
		      const char **why);

/*
 * A compression that was killed after its rename left name and name.gz:
 * RONDA_OK if name.gz holds exactly name's bytes (and then, with remove,
 * name is unlinked, only if unchanged since it was compared); RONDA_EAGAIN
 * if they differ or name changed, RONDA_EPARSE if name.gz is not a whole
 * gzip stream: both kept, *why says which.
 */
int fsafe_heal(int dfd, const char *name, int remove, const char **why);

/*
 * Compresses name into name.gz in the same directory, crash-safely: a
 * temporary file with the source's mode and owner, fsync, rename into place
 * without replacing, and only then the original removed.  *saved is the
 * bytes freed (may be negative).  On failure the original is untouched, the
 * temporary file is gone, and why says what failed.
 */
int fsafe_compress(int dfd, const char *name, int level, int64_t *saved,
		   struct buf *why);

#endif
