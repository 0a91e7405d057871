/*
 * escape.h - text that came from a host, made safe to show to a person.
 *
 * A host can send anything: escape sequences that set the window title,
 * clear the screen or move the cursor to rewrite lines already shown, bidi
 * controls that make text read in another order, bytes that are not UTF-8.
 * esc_append() keeps what a terminal shows as text (valid UTF-8, tabs, and
 * newlines when asked) and writes everything a terminal would act on as a
 * visible escape: C0 controls and DEL as \x1b, C1 controls as \u009b, bidi
 * and line-separator controls as \u202e, each byte that is not part of
 * valid UTF-8 as \xff.  A backslash stays as it is, so the result is for
 * reading, not for decoding.  Every printer of host text uses it: the
 * terminal, the log, summary files, the HTML report and `ronda diff`.
 */
#ifndef RONDA_ESCAPE_H
#define RONDA_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

struct buf;

/* Newlines pass (blocks of command output); otherwise they show as \x0a. */
#define ESC_KEEP_NL 1u

/*
 * The code point at p[0..n): its length in bytes (1 to 4), or 0 when the
 * bytes there are not valid UTF-8 (truncated, overlong, a surrogate, past
 * U+10FFFF).  n must be at least 1.
 */
size_t utf8_next(const unsigned char *p, size_t n, unsigned *cp);

/* Appends s[0..n), escaped; RONDA_OK or the buffer's error. */
int esc_append(struct buf *out, const char *s, size_t n, unsigned flags);
/*
 * The same into dst[0..cap) without allocating (for the log): sets *len to
 * the bytes written (no NUL) and returns RONDA_ELIMIT when the text was cut,
 * always before an escape or a character that would not fit whole.
 */
int esc_copy(char *dst, size_t cap, const char *s, size_t n, unsigned flags, size_t *len);
/* The same for a C string (NULL appends nothing). */
int esc_puts(struct buf *out, const char *s, unsigned flags);

/* An escaped copy of the C string s, to free(); NULL if out of memory. */
char *esc_strdup(const char *s, unsigned flags);
/* Writes s[0..n) escaped to f, in pieces; RONDA_ESYS if a write fails. */
int esc_fwrite(FILE *f, const char *s, size_t n, unsigned flags);

/*
 * The longest prefix of s[0..n) of at most max bytes that does not split a
 * UTF-8 character, for cutting long messages before escaping them.
 */
size_t esc_cut(const char *s, size_t n, size_t max);

#endif
