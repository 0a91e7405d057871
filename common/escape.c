/*
 * escape.c - see escape.h.
 *
 * One pass over the input: each position is either a valid UTF-8 sequence
 * (kept, unless its code point is a control) or a lone byte (escaped).
 * Runs of plain text are appended in one piece.
 */
#include "escape.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "banned.h"

size_t utf8_next(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t len = p[0] < 0x80 ? 1 : (p[0] >> 5) == 6 ? 2 : (p[0] >> 4) == 14 ? 3 :
		     (p[0] >> 3) == 30 ? 4 : 0;
	unsigned c;

	if (len == 0 || len > n)
		return 0;
	c = len == 1 ? p[0] : len == 2 ? (p[0] & 0x1fu) : len == 3 ? (p[0] & 0x0fu) :
	    (p[0] & 0x07u);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3fu);
	}
	/* No overlong forms, surrogates or values past U+10FFFF. */
	if ((len == 2 && c < 0x80) || (len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

/* Code points a terminal or a text renderer acts on instead of showing. */
static int is_control(unsigned c, unsigned flags)
{
	if (c == '\t' || (c == '\n' && (flags & ESC_KEEP_NL)))
		return 0;
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	       c == 0x061c ||			/* arabic letter mark */
	       c == 0x200e || c == 0x200f ||	/* LRM, RLM */
	       c == 0x2028 || c == 0x2029 ||	/* line, paragraph separator */
	       (c >= 0x202a && c <= 0x202e) ||	/* embeddings and overrides */
	       (c >= 0x2066 && c <= 0x2069);	/* isolates */
}

/* Where escaped text goes: a buffer, or a fixed array that is cut short. */
struct sink {
	struct buf *b;
	char *a;
	size_t cap, len;
	int err;		/* buffer error, or RONDA_ELIMIT when the array is full */
};

static void put(struct sink *k, const void *p, size_t n)
{
	if (k->err)
		return;
	if (k->b) {
		k->err = buf_append(k->b, p, n);
		return;
	}
	if (n > k->cap - k->len) {
		n = esc_cut(p, n, k->cap - k->len);
		k->err = RONDA_ELIMIT;
	}
	memcpy(k->a + k->len, p, n);
	k->len += n;
}

static void escape(struct sink *k, const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
	char e[16];

	while (p < end && !k->err) {
		unsigned c = 0;
		size_t len = utf8_next(p, (size_t)(end - p), &c);

		if (len && !is_control(c, flags)) {
			p += len;
			continue;
		}
		put(k, run, (size_t)(p - run));
		if (!len || c < 0x80)
			snprintf(e, sizeof(e), "\\x%02x", p[0]);
		else
			snprintf(e, sizeof(e), "\\u%04x", c);
		/* an escape is shown whole or not at all */
		if (!k->b && strlen(e) > k->cap - k->len)
			k->err = RONDA_ELIMIT;
		put(k, e, strlen(e));
		p += len ? len : 1;
		run = p;
	}
	put(k, run, (size_t)(p - run));
}

int esc_append(struct buf *out, const char *s, size_t n, unsigned flags)
{
	struct sink k = { .b = out };

	escape(&k, s, n, flags);
	return k.err;
}

int esc_copy(char *dst, size_t cap, const char *s, size_t n, unsigned flags, size_t *len)
{
	struct sink k = { .a = dst, .cap = cap };

	escape(&k, s, n, flags);
	*len = k.len;
	return k.err;
}

int esc_puts(struct buf *out, const char *s, unsigned flags)
{
	return s ? esc_append(out, s, strlen(s), flags) : RONDA_OK;
}

char *esc_strdup(const char *s, unsigned flags)
{
	struct buf b;
	char *d;

	buf_init(&b, BUF_DEFAULT_MAX);
	d = esc_puts(&b, s, flags) == RONDA_OK ? strdup(buf_data(&b)) : NULL;
	buf_release(&b);
	return d;
}

int esc_fwrite(FILE *f, const char *s, size_t n, unsigned flags)
{
	struct buf b;
	int r = RONDA_OK;

	/* 64 KiB of input at a time, cut between characters: bounded memory */
	buf_init(&b, 4 * 65536 + 64);
	while (n && r == RONDA_OK) {
		size_t k = esc_cut(s, n, 65536);

		k = k ? k : n;
		buf_reset(&b);
		r = esc_append(&b, s, k, flags);
		if (r == RONDA_OK && fwrite(buf_data(&b), 1, buf_len(&b), f) != buf_len(&b))
			r = RONDA_ESYS;
		s += k;
		n -= k;
	}
	buf_release(&b);
	return r;
}

size_t esc_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	/* back off continuation bytes so the cut lands on a character start */
	for (size_t k = max; k > 0 && max - k < 4; k--) {
		if (((unsigned char)s[k] & 0xc0) != 0x80)
			return k;
	}
	return max;
}
