/*
 * buf.c - bounded byte buffer; see buf.h.
 *
 * Invariant: if mem != NULL then off + len < alloc and mem[off + len] == 0.
 */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "banned.h"

void buf_init(struct buf *b, size_t max)
{
	b->mem = NULL;
	b->off = 0;
	b->len = 0;
	b->alloc = 0;
	/* Keeps len + extra + 1 and the doubling below free of overflow. */
	b->max = max > SIZE_MAX / 4 ? SIZE_MAX / 4 : max;
}

void buf_release(struct buf *b)
{
	free(b->mem);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->off = 0;
	b->len = 0;
	if (b->mem)
		b->mem[0] = '\0';
}

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, nalloc;
	char *nmem;

	if (extra > b->max || b->len > b->max - extra)
		return RONDA_ELIMIT;
	need = b->len + extra + 1;	/* +1 for the NUL */
	if (b->mem && b->off + need <= b->alloc)
		return RONDA_OK;
	/* Reclaim consumed space first when that is enough. */
	if (b->mem && need <= b->alloc) {
		memmove(b->mem, b->mem + b->off, b->len + 1);
		b->off = 0;
		return RONDA_OK;
	}
	nalloc = b->alloc ? b->alloc : 64;
	while (nalloc < need) {
		nalloc *= 2;
	}
	/* Never allocate far beyond the limit. */
	if (nalloc > b->max + 1 && need <= b->max + 1)
		nalloc = b->max + 1;
	if (b->off) {
		memmove(b->mem, b->mem + b->off, b->len + 1);
		b->off = 0;
	}
	nmem = realloc(b->mem, nalloc);
	if (!nmem)
		return RONDA_ENOMEM;
	if (!b->mem)
		nmem[0] = '\0';
	b->mem = nmem;
	b->alloc = nalloc;
	return RONDA_OK;
}

char *buf_space(struct buf *b)
{
	return b->mem + b->off + b->len;
}

void buf_commit(struct buf *b, size_t n)
{
	b->len += n;
	b->mem[b->off + b->len] = '\0';
}

int buf_append(struct buf *b, const void *data, size_t n)
{
	int r = buf_reserve(b, n);

	if (r != RONDA_OK)
		return r;
	if (n)
		memcpy(buf_space(b), data, n);
	buf_commit(b, n);
	return RONDA_OK;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, r;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return RONDA_EINVAL;
	r = buf_reserve(b, (size_t)n);
	if (r != RONDA_OK)
		return r;
	vsnprintf(buf_space(b), (size_t)n + 1, fmt, ap);
	buf_commit(b, (size_t)n);
	return RONDA_OK;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	b->off += n;
	b->len -= n;
}

void buf_truncate(struct buf *b, size_t n)
{
	if (n >= b->len)
		return;
	b->len = n;
	b->mem[b->off + n] = '\0';
}

int buf_peek_line(const struct buf *b, const char **line, size_t *n)
{
	const char *p, *nl;

	if (!b->len)
		return RONDA_EAGAIN;
	p = buf_data(b);
	nl = memchr(p, '\n', b->len);
	if (!nl)
		return RONDA_EAGAIN;
	*line = p;
	*n = (size_t)(nl - p);
	return RONDA_OK;
}

int buf_read_fd(struct buf *b, int fd)
{
	for (;;) {
		size_t chunk = b->max - b->len < 65536 ? b->max - b->len : 65536;
		ssize_t n;
		int r;

		/* One byte of room past the data tells EOF from a full buffer. */
		r = buf_reserve(b, chunk ? chunk : 1);
		if (r)
			return r;
		n = read(fd, buf_space(b), chunk ? chunk : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return RONDA_ESYS;
		if (n == 0)
			return RONDA_OK;
		buf_commit(b, (size_t)n);
	}
}

int buf_read_file(struct buf *b, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r, saved;

	if (fd < 0)
		return RONDA_ESYS;
	r = buf_read_fd(b, fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int buf_write_raw(const void *data, size_t n, int fd)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return RONDA_ESYS;
		}
		p += w;
		n -= (size_t)w;
	}
	return RONDA_OK;
}

int buf_write_fd(const struct buf *b, int fd)
{
	return buf_write_raw(buf_data(b), buf_len(b), fd);
}

void buf_move(struct buf *dst, struct buf *src)
{
	free(dst->mem);
	*dst = *src;
	buf_init(src, src->max);
}
