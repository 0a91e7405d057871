/*
 * tar.c - ustar headers and a gzip stream; see tar.h.
 */
#include "tar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "banned.h"

#define OUT (128 * 1024)

/* Octal, zero-padded, NUL-terminated in a field of n bytes. */
static int octal(unsigned char *f, size_t n, unsigned long long v)
{
	char tmp[32];

	if (snprintf(tmp, sizeof(tmp), "%0*llo", (int)(n - 1), v) != (int)(n - 1))
		return RONDA_ELIMIT;
	memcpy(f, tmp, n);	/* includes the NUL */
	return RONDA_OK;
}

int tar_header(unsigned char h[512], const char *name, const struct stat *st)
{
	size_t len = strlen(name), cut = 0;
	unsigned sum = 0;
	char ck[8];

	memset(h, 0, 512);
	if (len > 100) {
		/* Split at a '/' so the prefix fits 155 and the rest 100. */
		for (size_t i = len - 1; i > 0; i--) {
			if (name[i] == '/' && i <= 155 && len - i - 1 <= 100 && len - i - 1 > 0) {
				cut = i;
				break;
			}
		}
		if (!cut)
			return RONDA_ELIMIT;
		memcpy(h + 345, name, cut);
		memcpy(h, name + cut + 1, len - cut - 1);
	} else {
		memcpy(h, name, len);
	}
	if (octal(h + 100, 8, st->st_mode & 07777) ||
	    octal(h + 108, 8, st->st_uid <= 07777777 ? st->st_uid : 0) ||
	    octal(h + 116, 8, st->st_gid <= 07777777 ? st->st_gid : 0) ||
	    octal(h + 124, 12, (unsigned long long)st->st_size) ||
	    octal(h + 136, 12, st->st_mtime > 0 ? (unsigned long long)st->st_mtime : 0))
		return RONDA_ELIMIT;
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf(ck, sizeof(ck), "%06o", sum);
	memcpy(h + 148, ck, 7);	/* six digits, NUL, and the space stays */
	return RONDA_OK;
}

static int put(struct tar *t, const void *data, size_t n, int flush)
{
	size_t have;
	int zr;

	t->z.next_in = (unsigned char *)(uintptr_t)data;
	t->z.avail_in = (unsigned)n;
	do {
		t->z.next_out = t->out;
		t->z.avail_out = OUT;
		zr = deflate(&t->z, flush);
		if (zr == Z_STREAM_ERROR)
			return RONDA_EINVAL;
		have = OUT - t->z.avail_out;
		if (buf_write_raw(t->out, have, t->fd) != RONDA_OK)
			return RONDA_ESYS;
		t->out_bytes += have;
	} while (t->z.avail_out == 0);
	return RONDA_OK;
}

int tar_open(struct tar *t, int fd, int level)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->out = malloc(OUT);
	if (!t->out)
		return RONDA_ENOMEM;
	if (deflateInit2(&t->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return RONDA_ENOMEM;
	t->zinit = 1;
	return RONDA_OK;
}

int tar_add(struct tar *t, const char *name, int in_fd, const struct stat *st)
{
	unsigned char h[512], *b;
	uint64_t left = (uint64_t)st->st_size;
	ssize_t n;
	int r;

	r = tar_header(h, name, st);
	if (r == RONDA_OK)
		r = put(t, h, 512, Z_NO_FLUSH);
	if (r != RONDA_OK)
		return r;
	b = malloc(OUT);
	if (!b)
		return RONDA_ENOMEM;
	while (left) {
		n = read(in_fd, b, left < OUT ? (size_t)left : OUT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? RONDA_ESYS : RONDA_EAGAIN;
			goto out;
		}
		r = put(t, b, (size_t)n, Z_NO_FLUSH);
		if (r != RONDA_OK)
			goto out;
		left -= (uint64_t)n;
	}
	memset(b, 0, 512);
	if (st->st_size % 512)
		r = put(t, b, 512 - (size_t)(st->st_size % 512), Z_NO_FLUSH);
out:
	free(b);
	return r;
}

int tar_close(struct tar *t)
{
	static const unsigned char zero[1024];

	return put(t, zero, sizeof(zero), Z_FINISH);
}

void tar_release(struct tar *t)
{
	if (t->zinit)
		deflateEnd(&t->z);
	free(t->out);
	t->out = NULL;
	t->zinit = 0;
}
