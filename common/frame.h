/*
 * frame.h - the frames of warm mode (`ronda-agent serve`), shared by the
 * agent and the daemon that feeds it; PROTOCOL.md "Warm mode" is the spec.
 *
 * A frame is a header line "T ID N\n" and, for J and L, N bytes of body:
 *   J ID LEN  daemon -> agent: one job; the body is the job line, newline
 *             included, exactly what `ronda-agent run` reads on stdin;
 *   L ID LEN  agent -> daemon: one agent line, newline included, exactly
 *             what `run` writes for that job (ID 0: the agent's own lines);
 *   E ID CODE agent -> daemon: the answer to job ID is complete, and CODE
 *             is the exit status `run` would have had (no body).
 * Numbers are decimal without leading zeros; a header is at most
 * FRAME_HDR_MAX bytes, so a reader refuses garbage or a hostile length
 * after a few bytes, before buffering any body.
 *
 * Usage (reader):  struct frame f;
 *     r = frame_parse(buf_data(&in), buf_len(&in), FRAME_ACCEPT_JOB, &f, &err);
 *     RONDA_OK: use f, then buf_consume(&in, f.size); RONDA_EAGAIN: read
 *     more; anything else: the stream is broken, err says why.
 * Usage (writer):  reserve FRAME_HDR_MAX bytes at the front of a buffer,
 *     append the body, frame_seal() it, write from the offset it gives.
 */
#ifndef RONDA_FRAME_H
#define RONDA_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FRAME_HDR_MAX 32	/* "T " + 18-digit id + " " + 10-digit n + "\n" */
#define FRAME_ID_DIGITS 18
#define FRAME_N_DIGITS 10

enum frame_type {
	FRAME_JOB = 'J',
	FRAME_LINE = 'L',
	FRAME_END = 'E',
};

/* Which types a reader takes (the agent: jobs; the daemon: lines, ends). */
#define FRAME_ACCEPT_JOB 1u
#define FRAME_ACCEPT_LINE 2u
#define FRAME_ACCEPT_END 4u

struct frame {
	char type;		/* enum frame_type */
	uint64_t id;		/* the job's id; 0 = the agent itself */
	uint64_t n;		/* J, L: body length; E: the exit status */
	const char *body;	/* J, L: the body, in the reader's bytes; E: NULL */
	size_t size;		/* header + body: what the reader consumes */
};

/*
 * Looks for one whole frame at the start of p[0..avail).  RONDA_OK: f is
 * filled.  RONDA_EAGAIN: what is there is a valid start, read more.
 * RONDA_EPROTO (not a frame, a type not in accept, a body that does not end
 * in its one newline) or RONDA_ELIMIT (a body past its limit: a job past
 * PROTO_JOB_MAX, a line past PROTO_LINE_MAX, a code past 255): one line
 * in err; the stream cannot be trusted after it.
 */
int frame_parse(const char *p, size_t avail, unsigned accept, struct frame *f,
		struct buf *err);

/* Writes the header "T ID N\n" to out (FRAME_HDR_MAX bytes); its length. */
size_t frame_header(char *out, char type, uint64_t id, uint64_t n);

/*
 * b holds FRAME_HDR_MAX reserved bytes and then a body: writes the header
 * for (type, id, body length) right before the body and sets *start to
 * where the frame begins in buf_data(b).  RONDA_EINVAL if b is too short.
 */
int frame_seal(struct buf *b, char type, uint64_t id, size_t *start);

#endif
