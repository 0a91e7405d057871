/*
 * file_replace.c - temporary file, fsync, rename, fsync of the directory;
 * see file_replace.h.
 *
 * Only directory-relative calls (openat, fchmod, write, fsync, renameat,
 * unlinkat) are made on the caller's path, so that the agent's seccomp
 * filter and Landlock rules, which allow those in its state directory,
 * allow this too.  Unique names come from getrandom, only when asked for.
 */
#include "file_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "banned.h"

#define CREATE_FLAGS (O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)
#define UNIQUE_TRIES 100

/* Creates NAME.tmp.XXXXXX in dfd, as mkostemp does, but relative to dfd. */
static int create_unique(int dfd, const char *name, char *tmp, size_t n, int *fd)
{
	static const char abc[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct timespec ts;
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
	}
	for (int i = 0; i < UNIQUE_TRIES; i++) {
		char x[7];

		for (int k = 0; k < 6; k++, v /= sizeof(abc) - 1)
			x[k] = abc[v % (sizeof(abc) - 1)];
		x[6] = '\0';
		/* xorshift: the next try gets other letters. */
		v ^= v << 13;
		v ^= v >> 7;
		v ^= v << 17;
		v += (uint64_t)i + 1;
		if (snprintf(tmp, n, "%s.tmp.%s", name, x) >= (int)n) {
			errno = ENAMETOOLONG;
			return RONDA_ELIMIT;
		}
		*fd = openat(dfd, tmp, CREATE_FLAGS, 0600);
		if (*fd >= 0)
			return RONDA_OK;
		if (errno != EEXIST)
			return RONDA_ESYS;
	}
	return RONDA_ESYS;	/* errno is EEXIST */
}

int file_replace_at(int dfd, const char *name, const char *tmp,
		    const struct buf *text, mode_t mode)
{
	char own[NAME_MAX + 1];
	int fd = -1, r, saved;

	if (tmp) {
		fd = openat(dfd, tmp, CREATE_FLAGS, mode & 0777);
		r = fd < 0 ? RONDA_ESYS : RONDA_OK;
	} else {
		r = create_unique(dfd, name, own, sizeof(own), &fd);
		tmp = own;
	}
	if (r != RONDA_OK)
		return r;
	/* umask may have narrowed the mode; set it exactly. */
	r = RONDA_ESYS;
	if (fchmod(fd, mode) < 0 || buf_write_fd(text, fd) != RONDA_OK || fsync(fd) < 0)
		goto fail;
	r = close(fd);
	fd = -1;
	if (r < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		r = RONDA_ESYS;
		goto fail;
	}
	/* The content is in place; the directory's fsync makes the rename
	 * durable, and its failure would not undo the rename. */
	fsync(dfd);
	return RONDA_OK;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
	errno = saved;
	return r;
}

int file_replace(const char *path, const struct buf *text, mode_t mode)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	char dir[PATH_MAX];
	int dfd, r, saved;

	if (!*name) {
		errno = EISDIR;
		return RONDA_EINVAL;
	}
	if (snprintf(dir, sizeof(dir), "%.*s", !slash ? 1 : slash == path ? 1 :
		     (int)(slash - path), !slash ? "." : path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return RONDA_ELIMIT;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return RONDA_ESYS;
	r = file_replace_at(dfd, name, NULL, text, mode);
	saved = errno;
	close(dfd);
	errno = saved;
	return r;
}
