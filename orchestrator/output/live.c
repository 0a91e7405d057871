/*
 * live.c - see live.h.
 */
#include "live.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "escape.h"
#include "banned.h"

/* Room for a piece escaped at 4 bytes a byte, and the host's name. */
#define LIVE_LINE_MAX (LINE_SPLIT_CAP * 4 + 4096)

struct live_put {
	struct live *lv;
	size_t i;
	int stream;	/* 0 stdout, 1 stderr */
};

int live_init(struct live *lv, const struct target_list *tl, FILE *out, FILE *err,
	      int raw_out, int raw_err)
{
	memset(lv, 0, sizeof(*lv));
	lv->split = calloc(tl->n ? 2 * tl->n : 1, sizeof(*lv->split));
	if (!lv->split)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < tl->n; i++) {
		line_split_init(&lv->split[2 * i], LINE_SPLIT_CAP, 0);
		line_split_init(&lv->split[2 * i + 1], LINE_SPLIT_CAP, 1);
	}
	lv->tl = tl;
	lv->f[0] = out;
	lv->f[1] = err;
	lv->raw[0] = raw_out;
	lv->raw[1] = raw_err;
	buf_init(&lv->line, LIVE_LINE_MAX);
	return RONDA_OK;
}

void live_release(struct live *lv)
{
	for (size_t i = 0; lv->split && i < 2 * lv->tl->n; i++)
		line_split_release(&lv->split[i]);
	free(lv->split);
	buf_release(&lv->line);
	memset(lv, 0, sizeof(*lv));
}

/* One line of host i: built whole, then one write, so nothing cuts into it. */
static int put_line(void *arg, const char *p, size_t n)
{
	const struct live_put *w = arg;
	struct live *lv = w->lv;
	struct buf *b = &lv->line;
	FILE *f = lv->f[w->stream];
	int r;

	buf_reset(b);
	r = buf_printf(b, "%s: ", lv->tl->v[w->i].name);
	if (r == RONDA_OK)
		r = lv->raw[w->stream] ? buf_append(b, p, n) : esc_append(b, p, n, 0);
	if (r == RONDA_OK)
		r = buf_putc(b, '\n');
	if (r)
		return r;
	if (fwrite(buf_data(b), 1, buf_len(b), f) != buf_len(b) || fflush(f) != 0)
		return RONDA_ESYS;
	return RONDA_OK;
}

static int feed(struct live *lv, size_t i, int stream, const char *p, size_t n)
{
	struct live_put w = { lv, i, stream };

	return line_split_feed(&lv->split[2 * i + stream], p, n, put_line, &w);
}

int live_stdout(void *arg, size_t i, const char *p, size_t n)
{
	return feed(arg, i, 0, p, n);
}

int live_stderr(void *arg, size_t i, const char *p, size_t n)
{
	return feed(arg, i, 1, p, n);
}

int live_host_done(struct live *lv, size_t i)
{
	struct live_put w = { lv, i, 0 };
	int r = line_split_end(&lv->split[2 * i], put_line, &w), r2;

	w.stream = 1;
	r2 = line_split_end(&lv->split[2 * i + 1], put_line, &w);
	return r ? r : r2;
}
