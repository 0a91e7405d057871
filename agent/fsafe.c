/*
 * fsafe.c - symlink-proof walks, trusted directories, exclusive creation,
 * non-replacing renames and crash-safe gzip; see fsafe.h.
 *
 * The order inside fsafe_compress is the crash-safety argument: until the
 * rename the only new thing on disk is a temporary file that the next run
 * removes; after the rename the .gz is complete (fsync'd before), so the
 * original may go.  A kill at any instant leaves every byte in the original
 * or in a complete .gz, possibly in both.
 */
#include "fsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "err.h"
#include "maint.h"
#include "banned.h"

#define CHUNK (128 * 1024)

int fsafe_opendir(const char *path, int *dfd, struct buf *why)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *e;
	int fd, next, r = RONDA_ESYS;
	size_t n;

	if (path[0] != '/') {
		buf_printf(why, "%s: not an absolute path", path);
		return RONDA_EINVAL;
	}
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(why, "/: %s", strerror(errno));
		return RONDA_ESYS;
	}
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n > NAME_MAX) {
			buf_printf(why, "%s: name too long", path);
			r = RONDA_ELIMIT;
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			buf_printf(why, "%s: \".\" and \"..\" are not allowed", path);
			r = RONDA_EINVAL;
			goto out;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			/* ELOOP or ENOTDIR: O_NOFOLLOW met a symlink. */
			buf_printf(why, "%.*s: %s", (int)(p + n - path), path,
				   errno == ELOOP || errno == ENOTDIR ?
				   "a symlink or not a directory (never followed)" :
				   strerror(errno));
			goto out;
		}
		close(fd);
		fd = next;
		p += n;
	}
	*dfd = fd;
	return RONDA_OK;
out:
	close(fd);
	return r;
}

int fsafe_dir_trusted(int dfd, uid_t su_uid, gid_t su_gid, struct buf *why)
{
	struct stat st;
	uid_t me = geteuid();

	if (fstat(dfd, &st) < 0) {
		buf_printf(why, "fstat: %s", strerror(errno));
		return RONDA_ESYS;
	}
	if ((st.st_mode & S_IWUSR) && st.st_uid != me && st.st_uid != 0 &&
	    st.st_uid != su_uid) {
		buf_printf(why, "directory is writable by uid %u (name it with \"su\" to allow)",
			   (unsigned)st.st_uid);
		return RONDA_EINVAL;
	}
	if ((st.st_mode & S_IWGRP) && st.st_gid != 0 && st.st_gid != su_gid) {
		buf_printf(why, "directory is writable by group %u (name it with \"su\" to allow)",
			   (unsigned)st.st_gid);
		return RONDA_EINVAL;
	}
	if (st.st_mode & S_IWOTH) {
		buf_puts(why, "directory is writable by everyone");
		return RONDA_EINVAL;
	}
	return RONDA_OK;
}

const char *fsafe_refuse(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "symlink (never followed)";
	if (S_ISFIFO(st->st_mode))
		return "FIFO";
	if (S_ISSOCK(st->st_mode))
		return "socket";
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return "device";
	if (S_ISDIR(st->st_mode))
		return "directory";
	if (!S_ISREG(st->st_mode))
		return "not a regular file";
	if (st->st_nlink > 1)
		return "has more than one hard link";
	return NULL;
}

int fsafe_open_file(int dfd, const char *name, const struct stat *st, int rw,
		    int *fd, const char **why)
{
	struct stat now;
	int f;

	*why = fsafe_refuse(st);
	if (*why)
		return RONDA_EINVAL;
	f = openat(dfd, name, (rw ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK |
		   O_NOCTTY | O_CLOEXEC);
	if (f < 0) {
		*why = strerror(errno);
		return RONDA_ESYS;
	}
	if (fstat(f, &now) < 0 || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev || (*why = fsafe_refuse(&now))) {
		if (!*why)
			*why = "replaced while we looked at it";
		close(f);
		return RONDA_EINVAL;
	}
	*fd = f;
	return RONDA_OK;
}

int fsafe_create(int dfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
		 int *fd)
{
	int f, saved;

	mode &= 01777;
	f = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		   mode);
	if (f < 0)
		return RONDA_ESYS;
	/* umask may have narrowed the mode; set exactly, owner first. */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(f, uid, gid) < 0)
		goto fail;
	if (fchmod(f, mode) < 0)
		goto fail;
	*fd = f;
	return RONDA_OK;
fail:
	saved = errno;
	close(f);
	unlinkat(dfd, name, 0);
	errno = saved;
	return RONDA_ESYS;
}

int fsafe_rename(int from_dfd, const char *from, int to_dfd, const char *to)
{
	if (renameat2(from_dfd, from, to_dfd, to, RENAME_NOREPLACE) < 0)
		return RONDA_ESYS;
	/* The rename is durable only once the directories are. */
	fsync(to_dfd);
	if (from_dfd != to_dfd)
		fsync(from_dfd);
	return RONDA_OK;
}

void fsafe_drop_tmp(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		unlinkat(dfd, name, 0);
}

int fsafe_gzip_fd(int in_fd, int out_fd, int level, uint64_t *in_n,
		  uint64_t *out_n)
{
	unsigned char *in = NULL, *out = NULL;
	uint64_t nin = 0, nout = 0;
	z_stream z;
	ssize_t n;
	int flush, zr, r = RONDA_ENOMEM, zinit = 0;

	memset(&z, 0, sizeof(z));
	in = malloc(CHUNK);
	out = malloc(CHUNK);
	if (!in || !out)
		goto out;
	/* 15 + 16: a gzip wrapper rather than zlib's. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		goto out;
	zinit = 1;
	do {
		n = read(in_fd, in, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = RONDA_ESYS;
			goto out;
		}
		nin += (uint64_t)n;
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = in;
		z.avail_in = (unsigned)n;
		do {
			z.next_out = out;
			z.avail_out = CHUNK;
			zr = deflate(&z, flush);
			if (zr == Z_STREAM_ERROR) {
				r = RONDA_EINVAL;
				goto out;
			}
			r = buf_write_raw(out, CHUNK - z.avail_out, out_fd);
			if (r != RONDA_OK)
				goto out;
			nout += CHUNK - z.avail_out;
		} while (z.avail_out == 0);
	} while (flush != Z_FINISH);
	*in_n = nin;
	*out_n = nout;
	r = RONDA_OK;
out:
	if (zinit)
		deflateEnd(&z);
	free(in);
	free(out);
	return r;
}

int fsafe_unchanged(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size && a->st_nlink == b->st_nlink &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int fsafe_unlink_same(int dfd, const char *name, int fd, const struct stat *was,
		      const char **why)
{
	struct stat now, named;

	*why = NULL;
	if (fstat(fd, &now) < 0 || fstatat(dfd, name, &named, AT_SYMLINK_NOFOLLOW) < 0) {
		*why = strerror(errno);
		return RONDA_ESYS;
	}
	if (!fsafe_unchanged(&now, was) || named.st_ino != was->st_ino ||
	    named.st_dev != was->st_dev) {
		*why = "changed since it was looked at; kept";
		return RONDA_EAGAIN;
	}
	if (unlinkat(dfd, name, 0) < 0) {
		*why = strerror(errno);
		return RONDA_ESYS;
	}
	return RONDA_OK;
}

/* Reads up to n bytes (fewer only at EOF). */
static ssize_t read_full(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;
	ssize_t k;

	while (got < n) {
		k = read(fd, p + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

int fsafe_gzip_same(int gz_fd, int raw_fd)
{
	unsigned char *in = NULL, *out = NULL, *raw = NULL;
	z_stream z;
	ssize_t n, k;
	int zr = Z_OK, r = RONDA_ENOMEM, zinit = 0;

	memset(&z, 0, sizeof(z));
	in = malloc(CHUNK);
	out = malloc(CHUNK);
	raw = malloc(CHUNK);
	if (!in || !out || !raw || inflateInit2(&z, 15 + 16) != Z_OK)
		goto out;
	zinit = 1;
	while (zr != Z_STREAM_END) {
		n = read(gz_fd, in, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		r = RONDA_EPARSE;
		if (n <= 0)
			goto out;	/* cut short */
		z.next_in = in;
		z.avail_in = (unsigned)n;
		while (z.avail_in && zr != Z_STREAM_END) {
			z.next_out = out;
			z.avail_out = CHUNK;
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END)
				goto out;
			n = CHUNK - (ssize_t)z.avail_out;
			r = RONDA_ESYS;
			if ((k = read_full(raw_fd, raw, (size_t)n)) < 0)
				goto out;
			r = RONDA_EAGAIN;
			if (k != n || memcmp(raw, out, (size_t)n) != 0)
				goto out;
		}
	}
	/* The raw file must end where the stream does. */
	r = (k = read_full(raw_fd, raw, 1)) < 0 ? RONDA_ESYS : k ? RONDA_EAGAIN : RONDA_OK;
out:
	if (zinit)
		inflateEnd(&z);
	free(in);
	free(out);
	free(raw);
	return r;
}

int fsafe_heal(int dfd, const char *name, int remove, const char **why)
{
	char gz[NAME_MAX + 1];
	struct stat st;
	int rfd = -1, gfd = -1, r;

	*why = NULL;
	if (snprintf(gz, sizeof(gz), "%s.gz", name) >= (int)sizeof(gz))
		return RONDA_ELIMIT;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		*why = strerror(errno);
		return RONDA_ESYS;
	}
	r = fsafe_open_file(dfd, name, &st, 0, &rfd, why);
	if (r != RONDA_OK)
		return r;
	gfd = openat(dfd, gz, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	r = gfd < 0 ? RONDA_ESYS : fsafe_gzip_same(gfd, rfd);
	if (r == RONDA_ESYS)
		*why = strerror(errno);
	else if (r == RONDA_EAGAIN)
		*why = "its .gz holds other content; both kept";
	else if (r == RONDA_EPARSE)
		*why = "its .gz is not one complete gzip stream; both kept";
	else if (remove) {
		MAINT_HOOK("heal: unlink", dfd, name);
		r = fsafe_unlink_same(dfd, name, rfd, &st, why);
		if (r == RONDA_OK)
			fsync(dfd);
	}
	if (gfd >= 0)
		close(gfd);
	close(rfd);
	return r;
}

int fsafe_compress(int dfd, const char *name, int level, int64_t *saved,
		   struct buf *why)
{
	char gz[NAME_MAX + 1], tmp[NAME_MAX + 1];
	struct stat st, after;
	uint64_t nin, nout;
	const char *no;
	int in = -1, out = -1, r, made = 0;

	if (snprintf(gz, sizeof(gz), "%s.gz", name) >= (int)sizeof(gz) ||
	    snprintf(tmp, sizeof(tmp), ".%s%s", gz, FSAFE_TMP) >= (int)sizeof(tmp)) {
		buf_printf(why, "%s: name too long", name);
		return RONDA_ELIMIT;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		buf_printf(why, "%s: %s", name, strerror(errno));
		return RONDA_ESYS;
	}
	r = fsafe_open_file(dfd, name, &st, 0, &in, &no);
	if (r != RONDA_OK) {
		buf_printf(why, "%s: %s", name, no);
		return r;
	}
	fsafe_drop_tmp(dfd, tmp);
	r = fsafe_create(dfd, tmp, st.st_mode & 0777, st.st_uid, st.st_gid, &out);
	if (r != RONDA_OK) {
		buf_printf(why, "creating %s: %s", tmp, strerror(errno));
		goto out;
	}
	made = 1;
	r = fsafe_gzip_fd(in, out, level, &nin, &nout);
	/* The .gz keeps the original's times, as gzip and logrotate do: maxage
	 * and the state rebuild read them, and delaycompress must not make a
	 * rotated file look a day younger than it is. */
	if (r == RONDA_OK && futimens(out, (struct timespec[2]){ st.st_atim, st.st_mtim }) < 0)
		r = RONDA_ESYS;
	if (r == RONDA_OK && fsync(out) < 0)
		r = RONDA_ESYS;
	if (r != RONDA_OK) {
		buf_printf(why, "compressing %s: %s", name,
			   r == RONDA_ESYS ? strerror(errno) : ronda_strerror(r));
		goto out;
	}
	/* Whatever was appended after our read would be lost: refuse. */
	if (fstat(in, &after) < 0 || after.st_size != st.st_size ||
	    after.st_mtim.tv_sec != st.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != st.st_mtim.tv_nsec || nin != (uint64_t)st.st_size) {
		buf_printf(why, "%s changed while it was compressed; kept", name);
		r = RONDA_EAGAIN;
		goto out;
	}
	if (close(out) < 0) {
		out = -1;
		buf_printf(why, "compressing %s: %s", name, strerror(errno));
		r = RONDA_ESYS;
		goto out;
	}
	out = -1;
	r = fsafe_rename(dfd, tmp, dfd, gz);
	if (r != RONDA_OK) {
		buf_printf(why, "%s: %s", gz, errno == EEXIST ?
			   "already exists (never overwritten)" : strerror(errno));
		goto out;
	}
	made = 0;
	/* A write between the check above and here stays: then both are kept
	 * (the next run compares them before it removes either). */
	r = fsafe_unlink_same(dfd, name, in, &st, &no);
	if (r != RONDA_OK) {
		buf_printf(why, "%s compressed but not removed: %s", name, no);
		goto out;
	}
	fsync(dfd);
	*saved = (int64_t)st.st_size - (int64_t)nout;
	r = RONDA_OK;
out:
	if (out >= 0)
		close(out);
	if (made)
		unlinkat(dfd, tmp, 0);
	close(in);
	return r;
}

