/*
 * buf.h - the one byte buffer of ronda.
 *
 * A struct buf holds bytes [off, off+len) of a heap block, always followed by
 * a NUL so that text can be used as a C string.  Every buffer has a maximum
 * size, fixed at buf_init(); an append that would pass it fails with
 * RONDA_ELIMIT and leaves the buffer as it was, so a flood of remote output
 * can never grow memory without bound.  Reading from the front (buf_consume)
 * is O(1); the consumed space is reclaimed on the next growth.
 *
 * Usage:  struct buf b; buf_init(&b, 1 << 20); ... buf_release(&b);
 */
#ifndef RONDA_BUF_H
#define RONDA_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* Default limit for buffers that have no better-known bound. */
#define BUF_DEFAULT_MAX ((size_t)64 << 20)

struct buf {
	char *mem;	/* heap block, NULL until first growth */
	size_t off;	/* start of live data within mem */
	size_t len;	/* live data length */
	size_t alloc;	/* size of mem */
	size_t max;	/* limit on len */
};

void buf_init(struct buf *b, size_t max);
/* Frees the memory; the buffer may be reused after buf_init(). */
void buf_release(struct buf *b);
/* Drops the contents but keeps the memory. */
void buf_reset(struct buf *b);

/* Ensures room for extra more bytes. RONDA_ELIMIT or RONDA_ENOMEM on failure. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Removes n bytes (at most len) from the front. */
void buf_consume(struct buf *b, size_t n);
/* Shortens the contents to n bytes (no-op if already shorter). */
void buf_truncate(struct buf *b, size_t n);

/*
 * Writable space after the data, for read(2)-style producers: get a pointer
 * with buf_space() after buf_reserve(), write into it, then buf_commit().
 */
char *buf_space(struct buf *b);
void buf_commit(struct buf *b, size_t n);

static inline const char *buf_data(const struct buf *b)
{
	return b->mem ? b->mem + b->off : "";
}

static inline size_t buf_len(const struct buf *b)
{
	return b->len;
}

/*
 * Finds the first complete line (ending in '\n').  On success sets *line to
 * its start and *n to its length without the newline, and returns RONDA_OK;
 * the caller consumes n + 1 bytes when done.  RONDA_EAGAIN if no full line.
 */
int buf_peek_line(const struct buf *b, const char **line, size_t *n);

/*
 * Appends everything fd gives until end of file.  RONDA_ELIMIT if the
 * buffer's limit comes first, RONDA_ESYS (errno set) if a read fails.
 */
int buf_read_fd(struct buf *b, int fd);
/* The same for a file, opened O_RDONLY|O_CLOEXEC|O_NOCTTY: RONDA_ESYS with
 * errno set (ENOENT for a missing file) if it cannot be opened. */
int buf_read_file(struct buf *b, const char *path);

/*
 * Writes all n bytes of data to fd, resuming after short writes and EINTR.
 * RONDA_ESYS with errno set if a write fails (a write of nothing counts as
 * ENOSPC); what was written before stays written.
 */
int buf_write_raw(const void *data, size_t n, int fd);
/* The same for the contents of b (which are not consumed). */
int buf_write_fd(const struct buf *b, int fd);

/* Moves the contents of src to dst (dst's old contents are freed). */
void buf_move(struct buf *dst, struct buf *src);

#endif
