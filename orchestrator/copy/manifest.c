/*
 * manifest.c - the local side of `ronda copy`; see manifest.h.
 */
#include "manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "banned.h"

#define REL_MAX 4096

void copy_manifest_init(struct copy_manifest *m)
{
	memset(m, 0, sizeof(*m));
}

void copy_manifest_release(struct copy_manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].rel);
		free(m->v[i].local);
		free(m->v[i].target);
	}
	free(m->v);
	copy_manifest_init(m);
}

void copy_hex(const unsigned char *md, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

/* SHA-256 and size of an open file, read to its end. */
static int hash_fd(int fd, char *sha, uint64_t *size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char *block = malloc(COPY_CHUNK);
	uint64_t total = 0;
	int r = RONDA_ENOMEM;

	if (!ctx || !block || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	for (;;) {
		ssize_t n = read(fd, block, COPY_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = RONDA_ESYS;
			goto out;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, block, (size_t)n))
			goto out;
		total += (uint64_t)n;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32)
		goto out;
	copy_hex(md, sha);
	*size = total;
	r = RONDA_OK;
out:
	free(block);
	EVP_MD_CTX_free(ctx);
	return r;
}

static int push(struct copy_manifest *m, struct copy_entry *e, struct buf *err)
{
	if (m->n == COPY_MAX_ENTRIES) {
		buf_printf(err, "more than %d files, directories and links", COPY_MAX_ENTRIES);
		return RONDA_ELIMIT;
	}
	if (m->n == m->alloc) {
		size_t na = m->alloc ? m->alloc * 2 : 64;
		struct copy_entry *nv = reallocarray(m->v, na, sizeof(*nv));

		if (!nv)
			return RONDA_ENOMEM;
		m->v = nv;
		m->alloc = na;
	}
	m->v[m->n++] = *e;
	return RONDA_OK;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(struct copy_manifest *m, const char *local, const char *rel,
		    int follow, int mode, struct buf *err);

/* The entries of directory local, sorted, each added under rel. */
static int add_dir_entries(struct copy_manifest *m, const char *local, const char *rel,
			   int mode, struct buf *err)
{
	int fd = open(local, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	int r = RONDA_ESYS;

	if (!d) {
		buf_printf(err, "%s: %s", local, strerror(errno));
		if (fd >= 0)
			close(fd);
		return RONDA_ESYS;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == alloc) {
			char **nv = reallocarray(names, alloc ? alloc * 2 : 32, sizeof(*nv));

			if (!nv) {
				r = RONDA_ENOMEM;
				goto out;
			}
			names = nv;
			alloc = alloc ? alloc * 2 : 32;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = RONDA_ENOMEM;
			goto out;
		}
		n++;
		errno = 0;
	}
	if (errno) {
		buf_printf(err, "%s: %s", local, strerror(errno));
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	r = RONDA_OK;
	for (size_t i = 0; i < n && r == RONDA_OK; i++) {
		char *l = join(local, names[i]), *rl = join(rel, names[i]);

		r = l && rl ? add_path(m, l, rl, 0, mode, err) : RONDA_ENOMEM;
		free(l);
		free(rl);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

static int add_path(struct copy_manifest *m, const char *local, const char *rel,
		    int follow, int mode, struct buf *err)
{
	struct copy_entry e;
	struct stat st;
	int fd = -1, r;

	memset(&e, 0, sizeof(e));
	if (strchr(rel, '\n') || strchr(local, '\n')) {
		buf_printf(err, "%s: a name with a newline cannot be copied", local);
		return RONDA_EINVAL;
	}
	if (strlen(rel) > REL_MAX) {
		buf_printf(err, "%s: the path passes %d bytes", local, REL_MAX);
		return RONDA_ELIMIT;
	}
	if ((follow ? stat(local, &st) : lstat(local, &st)) < 0) {
		buf_printf(err, "%s: %s", local, strerror(errno));
		return RONDA_ESYS;
	}
	e.mode = mode >= 0 && S_ISREG(st.st_mode) ? (unsigned)mode : (unsigned)(st.st_mode & 07777);
	if (S_ISREG(st.st_mode)) {
		e.type = 'f';
		fd = open(local, O_RDONLY | O_CLOEXEC | O_NOCTTY | (follow ? 0 : O_NOFOLLOW));
		if (fd < 0 || (r = hash_fd(fd, e.sha256, &e.size)) == RONDA_ESYS) {
			buf_printf(err, "%s: %s", local, strerror(errno));
			if (fd >= 0)
				close(fd);
			return RONDA_ESYS;
		}
		close(fd);
		if (r)
			return r;
		m->file_bytes += e.size;
		m->files++;
	} else if (S_ISDIR(st.st_mode)) {
		e.type = 'd';
	} else if (S_ISLNK(st.st_mode)) {
		char target[4097];
		ssize_t n = readlink(local, target, sizeof(target));

		if (n < 0 || (size_t)n >= sizeof(target)) {
			buf_printf(err, "%s: %s", local, n < 0 ? strerror(errno) : "link target too long");
			return RONDA_ESYS;
		}
		target[n] = '\0';
		if (!n || memchr(target, '\n', (size_t)n)) {
			buf_printf(err, "%s: a link target that is empty or has a newline cannot be copied", local);
			return RONDA_EINVAL;
		}
		e.type = 'l';
		if (!(e.target = strdup(target)))
			return RONDA_ENOMEM;
	} else {
		fprintf(stderr, "ronda copy: %s: not a file, directory or link; skipped\n", local);
		return RONDA_OK;
	}
	e.rel = strdup(rel);
	e.local = strdup(local);
	if (!e.rel || !e.local || (r = push(m, &e, err))) {
		free(e.rel);
		free(e.local);
		free(e.target);
		return e.rel && e.local ? r : RONDA_ENOMEM;
	}
	if (e.type == 'd')
		return add_dir_entries(m, local, rel, mode, err);
	return RONDA_OK;
}

int copy_manifest_add(struct copy_manifest *m, const char *src, int single,
		      int mode, struct buf *err)
{
	char *s = strdup(src), *base;
	size_t len;
	int r;

	if (!s)
		return RONDA_ENOMEM;
	len = strlen(s);
	while (len > 1 && s[len - 1] == '/')
		s[--len] = '\0';
	base = strrchr(s, '/');
	base = base ? base + 1 : s;
	if (!single && (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)) {
		buf_printf(err, "%s: name a directory by its name, not . or ..", src);
		free(s);
		return RONDA_EINVAL;
	}
	r = add_path(m, s, single ? "." : base, 1, mode, err);
	free(s);
	return r;
}

int copy_manifest_text(const struct copy_manifest *m, struct buf *out)
{
	int r = RONDA_OK;

	for (size_t i = 0; i < m->n && r == RONDA_OK; i++) {
		const struct copy_entry *e = &m->v[i];

		if (e->type == 'd')
			r = buf_printf(out, "d %o %s\n", e->mode, e->rel);
		else if (e->type == 'f')
			r = buf_printf(out, "f %o %llu %s %s\n", e->mode,
				       (unsigned long long)e->size, e->sha256, e->rel);
		else
			r = buf_printf(out, "l %s\n%s\n", e->rel, e->target);
	}
	return r ? r : buf_puts(out, ".\n");
}

void copy_stream_init(struct copy_stream *s, const struct copy_manifest *m,
		      const size_t *need, size_t n_need)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	s->need = need;
	s->n_need = n_need;
	s->fd = -1;
}

void copy_stream_release(struct copy_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->chunk);
	s->fd = -1;
	s->chunk = NULL;
}

/* Opens the file of s->k, which must still be the size it was hashed at. */
static int open_file(struct copy_stream *s, const struct copy_entry *e)
{
	struct stat st;

	s->fd = open(e->local, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		     (strcmp(e->rel, ".") ? O_NOFOLLOW : 0));
	if (s->fd < 0 || fstat(s->fd, &st) < 0) {
		snprintf(s->why, sizeof(s->why), "%s: %s", e->local, strerror(errno));
		return RONDA_ESYS;
	}
	if ((uint64_t)st.st_size != e->size) {
		snprintf(s->why, sizeof(s->why), "%s changed size since it was read", e->local);
		return RONDA_EPROTO;
	}
	s->chunk_len = 0;
	return RONDA_OK;
}

int copy_stream_pull(struct copy_stream *s, size_t off, const char **data, size_t *n)
{
	for (;;) {
		const struct copy_entry *e;
		size_t pos;
		int r;

		if (s->k == s->n_need) {
			*data = "";
			*n = 0;
			return RONDA_OK;
		}
		e = &s->m->v[s->need[s->k]];
		pos = off - s->seg_start;
		if (!s->in_data) {
			if (!s->hdr_len) {
				/* the umask that creates it with its rw bits; chmod for the rest */
				int len = snprintf(s->hdr, sizeof(s->hdr), "%zu %o %llu %s %03o %d %s\n",
						   s->need[s->k], e->mode, (unsigned long long)e->size,
						   e->sha256, ~e->mode & 0777u, (e->mode & ~0666u) != 0,
						   e->rel);

				if (len < 0 || (size_t)len >= sizeof(s->hdr))
					return RONDA_ELIMIT;
				s->hdr_len = (size_t)len;
			}
			if (pos < s->hdr_len) {
				*data = s->hdr + pos;
				*n = s->hdr_len - pos;
				return RONDA_OK;
			}
			s->seg_start += s->hdr_len;
			s->hdr_len = 0;
			s->in_data = 1;
			if ((r = open_file(s, e)))
				return r;
			continue;
		}
		if (pos >= e->size) {
			close(s->fd);
			s->fd = -1;
			s->seg_start += e->size;
			s->in_data = 0;
			s->k++;
			continue;
		}
		/*
		 * Read again from pos when less than half a chunk is left of
		 * one and the file goes on: libssh2 sends a packet per write,
		 * and a chunk's last few bytes would go as a packet of their own.
		 */
		if (pos < s->chunk_off || pos >= s->chunk_off + s->chunk_len ||
		    (s->chunk_off + s->chunk_len - pos < COPY_CHUNK / 2 &&
		     s->chunk_off + s->chunk_len < e->size)) {
			size_t want = e->size - pos < COPY_CHUNK ? (size_t)(e->size - pos) : COPY_CHUNK;
			ssize_t got;

			if (!s->chunk && !(s->chunk = malloc(COPY_CHUNK)))
				return RONDA_ENOMEM;
			do
				got = pread(s->fd, s->chunk, want, (off_t)pos);
			while (got < 0 && errno == EINTR);
			if (got <= 0) {
				snprintf(s->why, sizeof(s->why), "%s: %s", e->local,
					 got < 0 ? strerror(errno) : "shrank while it was sent");
				return got < 0 ? RONDA_ESYS : RONDA_EPROTO;
			}
			s->chunk_off = pos;
			s->chunk_len = (size_t)got;
		}
		*data = s->chunk + (pos - s->chunk_off);
		*n = s->chunk_len - (size_t)(pos - s->chunk_off);
		return RONDA_OK;
	}
}
