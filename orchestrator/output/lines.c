/*
 * lines.c - see lines.h.
 *
 * Every byte goes through s->part once: a chunk is taken up to its first
 * newline (or as much as fits), then settle() hands over what is whole.
 * The part may hold up to REMOTE_STATUS_MAX bytes past the cap, so that a
 * piece is never cut inside what may still become the status line.
 */
#include "lines.h"

#include <string.h>

#include "err.h"
#include "escape.h"
#include "ssh/remote.h"
#include "banned.h"

void line_split_init(struct line_split *s, size_t cap, int status)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap > REMOTE_STATUS_MAX ? cap : REMOTE_STATUS_MAX + 1;
	s->status = status;
	buf_init(&s->part, s->cap + REMOTE_STATUS_MAX + 1);
}

void line_split_release(struct line_split *s)
{
	buf_release(&s->part);
	buf_init(&s->part, s->cap + REMOTE_STATUS_MAX + 1);
	s->held = 0;
}

/* Bytes at the end of the part that are a whole status line, or 0. */
static size_t status_len(const struct line_split *s)
{
	int code;
	size_t len;

	if (!s->status ||
	    remote_parse_status(buf_data(&s->part), buf_len(&s->part), &code, &len) != RONDA_OK)
		return 0;
	return len;
}

/* Hands over the first n bytes of the part and drops skip more. */
static int emit(struct line_split *s, size_t n, size_t skip, line_fn fn, void *arg)
{
	int r = fn(arg, buf_data(&s->part), n);

	buf_consume(&s->part, n + skip);
	return r;
}

/*
 * Where a piece of an over-long part ends: at the cap, or before a \036
 * close enough to it to start a status line that the cut would split.
 */
static size_t piece_len(const struct line_split *s)
{
	const char *p = buf_data(&s->part);
	size_t n = esc_cut(p, buf_len(&s->part), s->cap);

	n = n ? n : s->cap;
	if (s->status) {
		size_t from = n > REMOTE_STATUS_MAX ? n - REMOTE_STATUS_MAX + 1 : 1;

		for (size_t q = n; q > from; q--)
			if (p[q - 1] == '\036')
				return q - 1;
	}
	return n;
}

static int settle(struct line_split *s, line_fn fn, void *arg)
{
	size_t len = buf_len(&s->part);
	int nl = len && buf_data(&s->part)[len - 1] == '\n', r = RONDA_OK;

	while (r == RONDA_OK && buf_len(&s->part) - (size_t)nl > s->cap)
		r = emit(s, piece_len(s), 0, fn, arg);
	if (r || !nl)
		return r;
	if (status_len(s)) {
		s->held = 1;
		return RONDA_OK;
	}
	return emit(s, buf_len(&s->part) - 1, 1, fn, arg);
}

int line_split_feed(struct line_split *s, const char *p, size_t n, line_fn fn, void *arg)
{
	int r = RONDA_OK;

	while (n > 0 && r == RONDA_OK) {
		size_t room, take;
		const char *nl;

		if (s->held) {	/* more came after it: not the status */
			s->held = 0;
			if ((r = emit(s, buf_len(&s->part) - 1, 1, fn, arg)))
				break;
		}
		room = s->cap + REMOTE_STATUS_MAX - buf_len(&s->part);
		take = n < room ? n : room;
		if ((nl = memchr(p, '\n', take)))
			take = (size_t)(nl - p) + 1;
		if ((r = buf_append(&s->part, p, take)))
			break;
		p += take;
		n -= take;
		r = settle(s, fn, arg);
	}
	return r;
}

int line_split_end(struct line_split *s, line_fn fn, void *arg)
{
	size_t len = buf_len(&s->part);
	int r = RONDA_OK;

	if (s->held)	/* the status; what came before it had no newline */
		len -= status_len(s);
	if (len)
		r = fn(arg, buf_data(&s->part), len);
	line_split_release(s);
	return r;
}
