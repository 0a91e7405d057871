/*
 * manifest.h - what `ronda copy` pushes: the local files, directories and
 * symbolic links under each SRC, read once before any host is contacted.
 *
 *   struct copy_manifest m;
 *   copy_manifest_init(&m);
 *   rc = copy_manifest_add(&m, src, single, mode_or_-1, err);   each SRC
 *   rc = copy_manifest_text(&m, &text);   the start of the script's stdin
 *   ... per host: struct copy_stream s; copy_stream_init(&s, &m, need, n);
 *       copy_stream_pull(&s, off, &data, &n)  (engine_step.on_stdin)
 *       copy_stream_release(&s);
 *   copy_manifest_release(&m);
 *
 * A directory is walked without following any symbolic link in it: a link
 * is copied as a link with its target as it is (never followed, so it can
 * lead nowhere out of the tree on our side).  A SRC named on the command
 * line is followed if it is a link, as cp does.  Files are hashed here
 * (SHA-256, read in 64 KiB blocks) and read again with pread() while they
 * are sent, one chunk per host at a time: memory stays bounded whatever
 * their size.  Names with a newline cannot go through the line-based
 * protocol and are refused; fifos, sockets and devices are skipped.
 */
#ifndef RONDA_MANIFEST_H
#define RONDA_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define COPY_MAX_ENTRIES 1000000
#define COPY_CHUNK (64 * 1024)

struct copy_entry {
	char type;		/* 'd', 'f' or 'l' */
	unsigned mode;		/* permission bits, 07777 */
	uint64_t size;		/* 'f' */
	char sha256[65];	/* 'f', lowercase hex */
	char *rel;		/* path under DEST; "." is DEST itself */
	char *local;		/* path here */
	char *target;		/* 'l' */
};

struct copy_manifest {
	struct copy_entry *v;
	size_t n, alloc;
	uint64_t file_bytes;	/* all files together */
	size_t files;
};

void copy_manifest_init(struct copy_manifest *m);
void copy_manifest_release(struct copy_manifest *m);
/*
 * Adds SRC: single means it is the one file of the run and goes to DEST
 * itself (rel "."); mode >= 0 replaces every file's mode (--mode).  RONDA_EINVAL (usage) or RONDA_ESYS with a message in err.
 */
int copy_manifest_add(struct copy_manifest *m, const char *src, int single,
		      int mode, struct buf *err);
/* 32 bytes of digest as 64 lowercase hex digits and a NUL. */
void copy_hex(const unsigned char *md, char *out);
/* The manifest part of the script's stdin, its "." line included (copyproto.h). */
int copy_manifest_text(const struct copy_manifest *m, struct buf *out);

/* What follows one host's answers: the files it needs, in manifest order. */
struct copy_stream {
	const struct copy_manifest *m;
	const size_t *need;	/* manifest indices of files */
	size_t n_need;
	size_t k;		/* the file being sent */
	int in_data;		/* 0: its header, 1: its bytes */
	size_t seg_start;	/* stream offset of the current header or bytes */
	char hdr[8192];
	size_t hdr_len;
	int fd;			/* the file being sent, -1 */
	char *chunk;		/* COPY_CHUNK bytes, made on first use */
	uint64_t chunk_off;	/* file offset of chunk */
	size_t chunk_len;
	char why[256];		/* what went wrong, for the host's result */
};

void copy_stream_init(struct copy_stream *s, const struct copy_manifest *m,
		      const size_t *need, size_t n_need);
void copy_stream_release(struct copy_stream *s);
/*
 * The bytes at stream offset off (which only grows): *data, *n; *n = 0 at
 * the end.  RONDA_ESYS or RONDA_EPROTO (a file changed) with s->why set.
 */
int copy_stream_pull(struct copy_stream *s, size_t off, const char **data, size_t *n);

#endif
