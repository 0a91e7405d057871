/* fuzz_frame.c - warm mode's frame reader, frame_parse(), on a stream as
 * both sides read it: the agent (jobs only) and the daemon (lines and
 * ends).  Each frame taken must lie inside the input, have a body that is
 * one line, be refused one byte short (a reader never takes a frame it
 * has not all of), and have the header frame_header() would write for it
 * (the numbers have one spelling). */
#include "fuzz.h"

#include "buf.h"
#include "err.h"
#include "frame.h"
#include "banned.h"

static void stream(const char *p, size_t n, unsigned accept, struct buf *err)
{
	struct frame f, g;
	char hdr[FRAME_HDR_MAX];
	size_t len, body;

	for (;;) {
		buf_reset(err);
		if (frame_parse(p, n, accept, &f, err) != RONDA_OK)
			return;
		body = f.body ? (size_t)f.n : 0;
		len = frame_header(hdr, f.type, f.id, f.n);
		if (f.size > n || len == 0 || len + body != f.size || memcmp(hdr, p, len) != 0)
			abort();
		if (body && (f.body != p + len || f.body[body - 1] != '\n' ||
			     memchr(f.body, '\n', body - 1)))
			abort();
		buf_reset(err);
		if (frame_parse(p, f.size - 1, accept, &g, err) != RONDA_EAGAIN)
			abort();
		p += f.size;
		n -= f.size;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err;

	fuzz_quiet();
	buf_init(&err, 4096);
	stream((const char *)data, size, FRAME_ACCEPT_JOB, &err);
	stream((const char *)data, size, FRAME_ACCEPT_LINE | FRAME_ACCEPT_END, &err);
	buf_release(&err);
	return 0;
}
