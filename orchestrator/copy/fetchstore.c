/*
 * fetchstore.c - see fetchstore.h.
 */
#include "fetchstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "escape.h"
#include "banned.h"

static unsigned tmp_seq;

/* One more message about entry name (escaped: the host chose it). */
static void note_err(struct fetch_store *s, const char *name, const char *what)
{
	s->failed++;
	if (s->failed > FETCH_ERRS_MAX)
		return;
	if (esc_append(&s->errs, name, strlen(name), 0) == RONDA_OK)
		buf_printf(&s->errs, ": %s\n", what);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The directory that holds name's last component, made as needed, each
 * component opened with O_NOFOLLOW; *leaf points into name.  -1 with
 * errno set.
 */
static int open_parent(int root, const char *name, const char **leaf)
{
	char comp[256];
	const char *p = name, *slash;
	int cur = dup(root);

	if (cur < 0)
		return -1;
	while ((slash = strchr(p, '/'))) {
		size_t n = (size_t)(slash - p);
		int next;

		if (n >= sizeof(comp)) {
			close(cur);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (mkdirat(cur, comp, 0700) < 0 && errno != EEXIST) {
			close(cur);
			return -1;
		}
		next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		if (next < 0)
			return -1;
		cur = next;
		p = slash + 1;
	}
	*leaf = p;
	return cur;
}

static const char *why_errno(int e)
{
	/* O_DIRECTORY|O_NOFOLLOW on a link fails with ENOTDIR */
	return e == ELOOP || e == ENOTDIR ? "a symbolic link or a file is in the way" : strerror(e);
}

static int on_dir(void *arg, const char *name, unsigned mode)
{
	struct fetch_store *s = arg;
	const char *leaf;
	int pfd = open_parent(s->root, name, &leaf), dfd = -1;

	if (pfd < 0 || (mkdirat(pfd, leaf, 0700) < 0 && errno != EEXIST) ||
	    (dfd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fchmod(dfd, (mode & 0777) | 0700) < 0)
		note_err(s, name, why_errno(errno));
	else
		s->dirs++;
	close_fd(&dfd);
	close_fd(&pfd);
	return RONDA_OK;
}

static int on_file_begin(void *arg, const char *name, unsigned mode, uint64_t size)
{
	struct fetch_store *s = arg;
	const char *leaf;

	(void)size;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->mode = mode & 0777;
	s->skip = 1;
	if ((s->pfd = open_parent(s->root, name, &leaf)) < 0) {
		note_err(s, name, why_errno(errno));
		return RONDA_OK;
	}
	snprintf(s->leaf, sizeof(s->leaf), "%s", leaf);
	snprintf(s->tmp, sizeof(s->tmp), ".ronda-fetch.%ld.%u", (long)getpid(), tmp_seq++);
	s->fd = openat(s->pfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		note_err(s, name, why_errno(errno));
		close_fd(&s->pfd);
		return RONDA_OK;
	}
	s->skip = 0;
	return RONDA_OK;
}

/* Drops the file being written: its temporary goes. */
static void drop_file(struct fetch_store *s)
{
	if (s->fd >= 0) {
		close_fd(&s->fd);
		unlinkat(s->pfd, s->tmp, 0);
	}
	close_fd(&s->pfd);
	s->skip = 1;
}

static int on_file_data(void *arg, const char *p, size_t n)
{
	struct fetch_store *s = arg;

	if (s->skip)
		return RONDA_OK;
	if (buf_write_raw(p, n, s->fd) != RONDA_OK) {
		note_err(s, s->name, strerror(errno));
		drop_file(s);
	}
	return RONDA_OK;
}

static int on_file_end(void *arg, int intact)
{
	struct fetch_store *s = arg;
	struct stat st;

	if (s->skip)
		return RONDA_OK;
	if (!intact) {
		note_err(s, s->name, "changed while it was read (SHA-256 differs); not kept");
	} else if (fchmod(s->fd, s->mode) < 0 || fstat(s->fd, &st) < 0 ||
		   renameat(s->pfd, s->tmp, s->pfd, s->leaf) < 0) {
		note_err(s, s->name, strerror(errno));
	} else {
		close_fd(&s->fd);
		close_fd(&s->pfd);
		s->files++;
		s->bytes += (uint64_t)st.st_size;
		return RONDA_OK;
	}
	drop_file(s);
	return RONDA_OK;
}

static int on_link(void *arg, const char *name, const char *target)
{
	struct fetch_store *s = arg;
	const char *leaf;
	char tmp[64];
	int pfd = open_parent(s->root, name, &leaf);

	snprintf(tmp, sizeof(tmp), ".ronda-fetch.%ld.%u", (long)getpid(), tmp_seq++);
	if (pfd < 0 || symlinkat(target, pfd, tmp) < 0) {
		note_err(s, name, why_errno(errno));
	} else if (renameat(pfd, tmp, pfd, leaf) < 0) {
		note_err(s, name, strerror(errno));
		unlinkat(pfd, tmp, 0);
	} else {
		s->links++;
	}
	close_fd(&pfd);
	return RONDA_OK;
}

static int on_note(void *arg, const char *text, size_t n)
{
	struct fetch_store *s = arg;

	s->failed++;
	if (s->failed <= FETCH_ERRS_MAX && esc_append(&s->errs, text, n, 0) == RONDA_OK)
		buf_putc(&s->errs, '\n');
	return RONDA_OK;
}

const struct fetch_ops fetch_store_ops = {
	.dir = on_dir,
	.file_begin = on_file_begin,
	.file_data = on_file_data,
	.file_end = on_file_end,
	.link = on_link,
	.note = on_note,
};

int fetch_store_open(struct fetch_store *s, int top, const char *host, struct buf *err)
{
	memset(s, 0, sizeof(*s));
	s->root = s->pfd = s->fd = -1;
	buf_init(&s->errs, 64 * 1024);
	if (!host[0] || host[0] == '.' || strchr(host, '/') || strlen(host) > 250) {
		buf_printf(err, "host name '%.64s' cannot be a directory name", host);
		return RONDA_EINVAL;
	}
	if (mkdirat(top, host, 0755) < 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", host, strerror(errno));
		return RONDA_ESYS;
	}
	s->root = openat(top, host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->root < 0) {
		buf_printf(err, "%s: %s", host, why_errno(errno));
		return RONDA_ESYS;
	}
	return RONDA_OK;
}

void fetch_store_release(struct fetch_store *s)
{
	drop_file(s);
	close_fd(&s->root);
	buf_release(&s->errs);
}
