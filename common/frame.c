/*
 * frame.c - warm mode's frames; see frame.h and PROTOCOL.md "Warm mode".
 *
 * The header is scanned byte by byte as far as it has arrived, so a stream
 * that is not frames (a cold job sent by mistake, noise) or a length past
 * the limit is refused at once, not after a timeout or a large read.
 */
#include "frame.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "proto.h"
#include "banned.h"

static unsigned type_bit(char t)
{
	switch (t) {
	case FRAME_JOB:		return FRAME_ACCEPT_JOB;
	case FRAME_LINE:	return FRAME_ACCEPT_LINE;
	case FRAME_END:		return FRAME_ACCEPT_END;
	default:		return 0;
	}
}

/*
 * Scans a decimal field starting at p[*i] and ending at the byte term.
 * RONDA_EAGAIN if the bytes ran out inside it.
 */
static int number(const char *p, size_t avail, size_t *i, char term, int digits,
		  const char *what, uint64_t *v, struct buf *err)
{
	size_t start = *i;

	*v = 0;
	for (; *i < avail; (*i)++) {
		char c = p[*i];

		if (c == term && *i > start) {
			(*i)++;
			return RONDA_OK;
		}
		if (c < '0' || c > '9') {
			buf_printf(err, "frame header: %s: not a decimal number (byte 0x%02x)",
				   what, (unsigned char)c);
			return RONDA_EPROTO;
		}
		if (*i > start && p[start] == '0') {
			buf_printf(err, "frame header: %s has a leading zero", what);
			return RONDA_EPROTO;
		}
		if ((int)(*i - start) >= digits) {
			buf_printf(err, "frame header: %s has more than %d digits", what, digits);
			return RONDA_EPROTO;
		}
		*v = *v * 10 + (uint64_t)(c - '0');
	}
	return RONDA_EAGAIN;
}

/* The limits and the body's shape for each type, once the header is whole. */
static int check_header(char type, uint64_t id, uint64_t n, struct buf *err)
{
	uint64_t max = type == FRAME_JOB ? PROTO_JOB_MAX :
		       type == FRAME_LINE ? PROTO_LINE_MAX : 255;

	if (type == FRAME_JOB && id == 0) {
		buf_puts(err, "job frame with id 0 (0 is the agent's own)");
		return RONDA_EPROTO;
	}
	if (n > max) {
		buf_printf(err, "%c frame of %llu %s is past the limit of %llu", type,
			   (unsigned long long)n, type == FRAME_END ? "(exit code)" : "bytes",
			   (unsigned long long)max);
		return RONDA_ELIMIT;
	}
	if (type != FRAME_END && n == 0) {
		buf_printf(err, "%c frame with an empty body", type);
		return RONDA_EPROTO;
	}
	return RONDA_OK;
}

int frame_parse(const char *p, size_t avail, unsigned accept, struct frame *f,
		struct buf *err)
{
	uint64_t id, n;
	size_t i = 2, body;
	const char *nl;
	int r;

	if (avail == 0)
		return RONDA_EAGAIN;
	if (!(type_bit(p[0]) & accept)) {
		buf_printf(err, "not a frame this side takes: starts with byte 0x%02x",
			   (unsigned char)p[0]);
		return RONDA_EPROTO;
	}
	if (avail < 2)
		return RONDA_EAGAIN;
	if (p[1] != ' ') {
		buf_puts(err, "frame header: no space after the type");
		return RONDA_EPROTO;
	}
	r = number(p, avail, &i, ' ', FRAME_ID_DIGITS, "id", &id, err);
	if (r != RONDA_OK)
		return r;
	r = number(p, avail, &i, '\n', FRAME_N_DIGITS, "length", &n, err);
	if (r != RONDA_OK)
		return r;
	r = check_header(p[0], id, n, err);
	if (r != RONDA_OK)
		return r;
	body = p[0] == FRAME_END ? 0 : (size_t)n;
	if (avail - i < body)
		return RONDA_EAGAIN;
	if (body) {
		/* One line: a newline at its end and none before. */
		nl = memchr(p + i, '\n', body);
		if (nl != p + i + body - 1) {
			buf_printf(err, "%c frame %llu: %s", p[0], (unsigned long long)id,
				   nl ? "a newline inside the body (one line per frame)"
				      : "the body does not end in a newline");
			return RONDA_EPROTO;
		}
	}
	f->type = p[0];
	f->id = id;
	f->n = n;
	f->body = body ? p + i : NULL;
	f->size = i + body;
	return RONDA_OK;
}

size_t frame_header(char *out, char type, uint64_t id, uint64_t n)
{
	char tmp[64];
	int len = snprintf(tmp, sizeof(tmp), "%c %llu %llu\n", type,
			   (unsigned long long)id, (unsigned long long)n);

	/* Only what a reader takes: at most 18 and 10 digits. */
	if (len <= 0 || len > FRAME_HDR_MAX || id >= 1000000000000000000ull ||
	    n >= 10000000000ull)
		return 0;
	memcpy(out, tmp, (size_t)len);
	return (size_t)len;
}

int frame_seal(struct buf *b, char type, uint64_t id, size_t *start)
{
	char hdr[FRAME_HDR_MAX];
	size_t len;

	if (buf_len(b) < FRAME_HDR_MAX)
		return RONDA_EINVAL;
	len = frame_header(hdr, type, id, buf_len(b) - FRAME_HDR_MAX);
	if (len == 0)
		return RONDA_EINVAL;
	/* The buffer's own bytes: buf_data() is const only for readers. */
	memcpy(b->mem + b->off + FRAME_HDR_MAX - len, hdr, len);
	*start = FRAME_HDR_MAX - len;
	return RONDA_OK;
}
