/*
 * report.c - see report.h.
 *
 * Folding groups hosts by an exact key (status, exit code, stdout, stderr,
 * cause), so two hosts share a block only if everything shown for them is
 * identical; the summary groups by status and cause (fold.h).
 */
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "color.h"
#include "err.h"
#include "escape.h"
#include "fold.h"
#include "banned.h"

static int cmp_buf(const struct buf *a, const struct buf *b)
{
	size_t la = buf_len(a), lb = buf_len(b);
	int c = memcmp(buf_data(a), buf_data(b), la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

static int cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

/* The summary's key (fold.h): status and cause. */
static int cmp_cause(size_t ia, size_t ib, void *arg)
{
	const struct host_result *a = (const struct host_result *)arg + ia,
				 *b = (const struct host_result *)arg + ib;
	int c = cmp_int((int)a->status, (int)b->status);

	return c ? c : strcmp(a->why, b->why);
}

/* --fold's key: everything shown, so exit code and output too. */
static int cmp_shown(size_t ia, size_t ib, void *arg)
{
	const struct host_result *a = (const struct host_result *)arg + ia,
				 *b = (const struct host_result *)arg + ib;
	int c;

	if ((c = cmp_cause(ia, ib, arg)))
		return c;
	if ((c = cmp_int(a->has_exit, b->has_exit)) || (c = cmp_int(a->exit_code, b->exit_code)) ||
	    (c = cmp_int(a->out_cut || a->err_cut, b->out_cut || b->err_cut)))
		return c;
	if ((c = cmp_buf(&a->out, &b->out)))
		return c;
	return cmp_buf(&a->err, &b->err);
}

/* Host bytes as they came (raw), or escaped for a terminal. */
static void put_host_text(FILE *out, const char *p, size_t n, unsigned flags, int raw)
{
	if (raw)
		fwrite(p, 1, n, out);
	else
		esc_fwrite(out, p, n, flags);
}

static void print_prefixed(FILE *out, const char *host, const struct buf *b, int raw)
{
	const char *p = buf_data(b), *end = p + buf_len(b);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		fprintf(out, "%s: ", host);
		put_host_text(out, p, n, 0, raw);
		fputc('\n', out);
		p = nl ? nl + 1 : end;
	}
}

static void print_block(FILE *out, const struct buf *b, int raw)
{
	put_host_text(out, buf_data(b), buf_len(b), ESC_KEEP_NL, raw);
	if (buf_len(b) && buf_data(b)[buf_len(b) - 1] != '\n')
		fputc('\n', out);
}

int report_outputs(FILE *out, const struct target_list *tl,
		   const struct host_result *res, int fold, int raw)
{
	size_t *idx;
	struct buf range;
	int r = RONDA_OK;

	if (!fold) {
		for (size_t i = 0; i < tl->n; i++) {
			print_prefixed(out, tl->v[i].name, &res[i].out, raw);
			print_prefixed(out, tl->v[i].name, &res[i].err, raw);
			if (res[i].out_cut || res[i].err_cut)
				fprintf(out, "%s: [output cut at %zu bytes per stream]\n",
					tl->v[i].name, res[i].out.max);
		}
		return RONDA_OK;
	}
	if ((r = fold_sort(tl->n, cmp_shown, (void *)(uintptr_t)res, &idx)))
		return r;
	buf_init(&range, BUF_DEFAULT_MAX);
	for (size_t from = 0, to; from < tl->n; from = to) {
		const struct host_result *h = &res[idx[from]];

		to = fold_end(idx, from, tl->n, cmp_shown, (void *)(uintptr_t)res);
		if (!buf_len(&h->out) && !buf_len(&h->err))
			continue;
		buf_reset(&range);
		r = fold_names(tl, idx + from, to - from, &range);
		if (r)
			break;
		fprintf(out, "---------------\n%s (%zu)\n---------------\n",
			buf_data(&range), to - from);
		print_block(out, &h->out, raw);
		print_block(out, &h->err, raw);
		if (h->out_cut || h->err_cut)
			fprintf(out, "[output cut at %zu bytes per stream]\n", h->out.max);
	}
	buf_release(&range);
	free(idx);
	return r;
}

int report_summary(FILE *out, const struct target_list *tl,
		   const struct host_result *res, int color)
{
	size_t *idx;
	struct buf range;
	int r;

	if ((r = fold_sort(tl->n, cmp_cause, (void *)(uintptr_t)res, &idx)))
		return r;
	buf_init(&range, BUF_DEFAULT_MAX);
	for (size_t from = 0, to; from < tl->n; from = to) {
		const struct host_result *h = &res[idx[from]];

		to = fold_end(idx, from, tl->n, cmp_cause, (void *)(uintptr_t)res);
		buf_reset(&range);
		r = fold_names(tl, idx + from, to - from, &range);
		if (r)
			break;
		color_word(out, color, host_status_name(h->status), 16);
		fprintf(out, " %5zu  %s%s", to - from, buf_data(&range), h->why[0] ? ": " : "");
		esc_fwrite(out, h->why, strlen(h->why), 0);	/* may quote the host */
		fputc('\n', out);
	}
	buf_release(&range);
	free(idx);
	return r;
}
