/* fuzz_lines.c - exec's live line splitter (output/lines.c) on hostile host
 * output.  The first byte picks the cap (33 to 160) and the chunk size; the
 * rest is fed in chunks, and again whole.  Whatever the bytes: no line holds
 * a newline or passes the cap, the chunking changes nothing, the lines are
 * exactly the input without its newlines, and on the status stream the only
 * bytes missing are those of a status line the input ends in. */
#include "fuzz.h"

#include "buf.h"
#include "err.h"
#include "output/lines.h"
#include "ssh/remote.h"
#include "banned.h"

struct got {
	struct buf text;	/* the lines, each followed by '\n' */
	size_t cap;
};

static int take(void *arg, const char *line, size_t n)
{
	struct got *g = arg;

	if (n > g->cap || memchr(line, '\n', n))
		abort();
	if (buf_append(&g->text, line, n) || buf_putc(&g->text, '\n'))
		abort();
	return RONDA_OK;
}

static void split(const uint8_t *d, size_t n, size_t cap, size_t step, int status, struct got *g)
{
	struct line_split s;

	buf_init(&g->text, 2 * n + 16);
	g->cap = cap;
	line_split_init(&s, cap, status);
	for (size_t i = 0; i < n; i += step)
		if (line_split_feed(&s, (const char *)d + i, n - i < step ? n - i : step, take, g))
			abort();
	if (line_split_end(&s, take, g))
		abort();
	line_split_release(&s);
}

/* a without its newlines equals b[0..bn) without its newlines */
static int same_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < an && a[i] == '\n')
			i++;
		while (j < bn && b[j] == '\n')
			j++;
		if (i == an || j == bn)
			return i == an && j == bn;
		if (a[i++] != b[j++])
			return 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct got a, b;
	size_t cap, step, keep = 0, len;
	int code;

	if (size < 1)
		return 0;
	cap = REMOTE_STATUS_MAX + 1 + data[0] % 128;
	step = 1 + data[0] / 16;
	data++;
	size--;
	if (remote_parse_status((const char *)data, size, &code, &len) == RONDA_OK)
		keep = len;
	for (int status = 0; status < 2; status++) {
		split(data, size, cap, step, status, &a);
		split(data, size, cap, size ? size : 1, status, &b);
		if (buf_len(&a.text) != buf_len(&b.text) ||
		    memcmp(buf_data(&a.text), buf_data(&b.text), buf_len(&a.text)))
			abort();	/* chunking changed the lines */
		if (!same_bytes(buf_data(&a.text), buf_len(&a.text), (const char *)data,
				size - (status ? keep : 0)))
			abort();	/* bytes lost, added, or the status shown */
		buf_release(&a.text);
		buf_release(&b.text);
	}
	return 0;
}
