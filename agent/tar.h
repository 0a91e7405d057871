/*
 * tar.h - a minimal ustar writer, gzip-compressed as it goes (zlib).
 *
 * POSIX ustar: one 512-byte header per file (name split into prefix/name
 * when longer than 100 bytes, numbers in octal, checksum over the header
 * with its own field as spaces), the contents padded to 512 bytes, and two
 * zero blocks at the end.  Only regular files under 8 GiB with names that
 * fit are written; anything else is refused so the caller can skip it.
 *
 * Usage: tar_open(&t, fd, 6); tar_add(&t, "a.log", in_fd, &st) ...;
 *        tar_close(&t) (writes the end and flushes); tar_release(&t) always.
 */
#ifndef RONDA_TAR_H
#define RONDA_TAR_H

#include <stdint.h>
#include <sys/stat.h>
#include <zlib.h>

struct tar {
	int fd;
	z_stream z;
	int zinit;
	unsigned char *out;
	uint64_t out_bytes;	/* compressed bytes written */
};

/* Fills a ustar header; RONDA_ELIMIT if the name or size cannot fit. */
int tar_header(unsigned char h[512], const char *name, const struct stat *st);

int tar_open(struct tar *t, int fd, int level);
/*
 * Appends a file: exactly st->st_size bytes read from in_fd.  RONDA_EAGAIN
 * if the file was shorter than that (it changed; the archive is then no
 * longer usable).
 */
int tar_add(struct tar *t, const char *name, int in_fd, const struct stat *st);
int tar_close(struct tar *t);
void tar_release(struct tar *t);

#endif
