/*
 * hostlist.c - range expansion and folding; see hostlist.h.
 *
 * A word is parsed once into segments (literal spans and bracket groups of
 * ranges).  Counting multiplies the group sizes with an overflow-safe cap;
 * expansion then walks the groups like an odometer, so it needs no
 * recursion however many groups a word has.  Folding sorts names by
 * (prefix, suffix, number), then grows runs of consecutive numbers whose
 * padding can be written with one width.
 */
#include "hostlist.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "grow.h"
#include "banned.h"

/* Numbers in ranges: 18 digits always fit an unsigned long long. */
#define NUM_DIGITS_MAX 18
/* Bracket groups in one word; more is surely a mistake. */
#define GROUPS_MAX 16

void hostlist_init(struct hostlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->alloc = 0;
}

void hostlist_release(struct hostlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	hostlist_init(l);
}

int hostlist_push(struct hostlist *l, const char *s, size_t n)
{
	char *c;

	if (GROW(l->v, l->n, l->alloc, 16))
		return RONDA_ENOMEM;
	c = strndup(s, n);
	if (!c)
		return RONDA_ENOMEM;
	l->v[l->n++] = c;
	return RONDA_OK;
}

int hostlist_natural_cmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *q) {
		if (isdigit(*p) && isdigit(*q)) {
			const unsigned char *ps, *qs;
			size_t lp, lq;
			int c;

			while (*p == '0' && isdigit(p[1]))
				p++;
			while (*q == '0' && isdigit(q[1]))
				q++;
			for (ps = p; isdigit(*p); p++)
				;
			for (qs = q; isdigit(*q); q++)
				;
			lp = (size_t)(p - ps);
			lq = (size_t)(q - qs);
			if (lp != lq)
				return lp < lq ? -1 : 1;
			c = memcmp(ps, qs, lp);
			if (c)
				return c;
			continue;
		}
		if (*p != *q)
			return *p < *q ? -1 : 1;
		p++;
		q++;
	}
	if (*p || *q)
		return *p ? 1 : -1;
	return strcmp(a, b);
}

static int cmp_natural_ptr(const void *x, const void *y)
{
	return hostlist_natural_cmp(*(char *const *)x, *(char *const *)y);
}

void hostlist_sort_unique(struct hostlist *l)
{
	size_t w = 0;

	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_natural_ptr);
	for (size_t i = 0; i < l->n; i++) {
		if (w && strcmp(l->v[w - 1], l->v[i]) == 0) {
			free(l->v[i]);
			continue;
		}
		l->v[w++] = l->v[i];
	}
	l->n = w;
}

/* ---- parsing a word ---- */

struct range {
	unsigned long long lo, hi;
	int width;		/* 0: no padding */
};

struct group {
	size_t lit_off, lit_len;	/* literal text before this group */
	struct range *r;
	size_t n;
};

struct word {
	struct group g[GROUPS_MAX];
	size_t n_groups;
	size_t tail_off, tail_len;	/* literal text after the last group */
};

static void word_release(struct word *w)
{
	for (size_t i = 0; i < w->n_groups; i++)
		free(w->g[i].r);
	w->n_groups = 0;
}

static int bad(struct buf *err, const char *word, size_t col, const char *why)
{
	buf_printf(err, "bad range in '%.80s%s' at column %zu: %s", word,
		   strlen(word) > 80 ? "..." : "", col + 1, why);
	return RONDA_EPARSE;
}

/* Parses digits at word[*i]; sets value and how many digits. */
static int parse_num(const char *word, size_t *i, unsigned long long *v,
		     size_t *len, struct buf *err)
{
	size_t s = *i;
	unsigned long long x = 0;

	while (isdigit((unsigned char)word[*i])) {
		if (*i - s >= NUM_DIGITS_MAX)
			return bad(err, word, s, "number has more than 18 digits");
		x = x * 10 + (unsigned long long)(word[*i] - '0');
		(*i)++;
	}
	if (*i == s)
		return bad(err, word, s, !word[s] ? "'[' is never closed" :
			   word[s] == ',' || word[s] == ']' ? "empty item" :
			   "expected a number");
	*v = x;
	*len = *i - s;
	return RONDA_OK;
}

static int parse_range(const char *word, size_t *i, struct range *r,
		       struct buf *err)
{
	size_t s = *i, llo, lhi;
	int rc;

	rc = parse_num(word, i, &r->lo, &llo, err);
	if (rc)
		return rc;
	r->width = (llo > 1 && word[s] == '0') ? (int)llo : 0;
	r->hi = r->lo;
	if (word[*i] != '-')
		return RONDA_OK;
	(*i)++;
	size_t hs = *i;
	rc = parse_num(word, i, &r->hi, &lhi, err);
	if (rc)
		return rc;
	if (r->hi < r->lo)
		return bad(err, word, s, "range goes backwards");
	if (lhi > 1 && word[hs] == '0' && lhi != llo)
		return bad(err, word, hs, "both ends of a padded range need the same width");
	return RONDA_OK;
}

static int parse_word(const char *word, struct word *w, struct buf *err)
{
	size_t i = 0, lit = 0;
	int rc;

	memset(w, 0, sizeof(*w));
	while (word[i]) {
		if (word[i] == ']') {
			rc = bad(err, word, i, "']' without '['");
			goto out;
		}
		if (word[i] != '[') {
			i++;
			continue;
		}
		if (w->n_groups == GROUPS_MAX) {
			rc = bad(err, word, i, "more than 16 bracket groups");
			goto out;
		}
		struct group *g = &w->g[w->n_groups++];
		size_t alloc = 0;

		g->lit_off = lit;
		g->lit_len = i - lit;
		i++;
		for (;;) {
			if (word[i] == '[') {
				rc = bad(err, word, i, "brackets do not nest");
				goto out;
			}
			if (!word[i]) {
				rc = bad(err, word, i, "'[' is never closed");
				goto out;
			}
			if (GROW(g->r, g->n, alloc, 4)) {
				rc = RONDA_ENOMEM;
				goto out;
			}
			rc = parse_range(word, &i, &g->r[g->n], err);
			if (rc)
				goto out;
			g->n++;
			if (word[i] == ']')
				break;
			if (word[i] != ',') {
				rc = bad(err, word, i, !word[i] ? "'[' is never closed" :
					 word[i] == '[' ? "brackets do not nest" :
					 "expected ',', '-' or ']'");
				goto out;
			}
			i++;
		}
		i++;
		lit = i;
	}
	w->tail_off = lit;
	w->tail_len = i - lit;
	return RONDA_OK;
out:
	word_release(w);
	return rc;
}

static int word_count(const struct word *w, const char *word, size_t max,
		      size_t *count, struct buf *err)
{
	size_t total = 1;

	for (size_t k = 0; k < w->n_groups; k++) {
		size_t n = 0;

		for (size_t j = 0; j < w->g[k].n; j++) {
			unsigned long long span = w->g[k].r[j].hi - w->g[k].r[j].lo;

			if (span >= max || n + span + 1 > max)
				goto big;
			n += (size_t)span + 1;
		}
		if (n > max / total)
			goto big;
		total *= n;
	}
	*count = total;
	return RONDA_OK;
big:
	buf_printf(err, "range '%.80s%s' expands to more than %zu names",
		   word, strlen(word) > 80 ? "..." : "", max);
	return RONDA_ELIMIT;
}

int hostlist_has_range(const char *word)
{
	return strchr(word, '[') != NULL || strchr(word, ']') != NULL;
}

int hostlist_count(const char *word, size_t max, size_t *count, struct buf *err)
{
	struct word w;
	int rc = parse_word(word, &w, err);

	if (rc)
		return rc;
	rc = word_count(&w, word, max, count, err);
	word_release(&w);
	return rc;
}

int hostlist_expand(const char *word, size_t max, struct hostlist *out,
		    struct buf *err)
{
	struct word w;
	size_t count, start = out->n;
	size_t ri[GROUPS_MAX] = { 0 };
	unsigned long long val[GROUPS_MAX];
	struct buf name;
	int rc;

	buf_init(&name, 4096);
	rc = parse_word(word, &w, err);
	if (rc)
		goto done;
	rc = word_count(&w, word, max, &count, err);
	if (rc)
		goto out;
	for (size_t k = 0; k < w.n_groups; k++)
		val[k] = w.g[k].r[0].lo;
	for (size_t made = 0; made < count; made++) {
		size_t k;

		buf_reset(&name);
		for (k = 0; k < w.n_groups; k++) {
			const struct group *g = &w.g[k];

			rc = buf_append(&name, word + g->lit_off, g->lit_len);
			if (!rc)
				rc = buf_printf(&name, "%0*llu", g->r[ri[k]].width, val[k]);
			if (rc)
				goto out;
		}
		rc = buf_append(&name, word + w.tail_off, w.tail_len);
		if (!rc)
			rc = hostlist_push(out, buf_data(&name), buf_len(&name));
		if (rc)
			goto out;
		/* Advance the odometer, last group fastest. */
		for (k = w.n_groups; k-- > 0;) {
			const struct group *g = &w.g[k];

			if (val[k] < g->r[ri[k]].hi) {
				val[k]++;
				break;
			}
			if (ri[k] + 1 < g->n) {
				ri[k]++;
				val[k] = g->r[ri[k]].lo;
				break;
			}
			ri[k] = 0;
			val[k] = g->r[0].lo;
		}
	}
	rc = RONDA_OK;
out:
	word_release(&w);
done:
	if (rc) {
		while (out->n > start)
			free(out->v[--out->n]);
	}
	buf_release(&name);
	return rc;
}

/* ---- folding ---- */

struct fname {
	const char *s;
	size_t pre;		/* prefix length; the number starts here */
	size_t dlen;		/* digits in the number; 0: no number */
	unsigned long long v;
	int lz;			/* the number has a leading zero */
};

static int fname_key_cmp(const struct fname *a, const struct fname *b)
{
	int c;

	if (a->dlen == 0 || b->dlen == 0) {
		if (a->dlen != b->dlen)
			return a->dlen ? 1 : -1;
		return strcmp(a->s, b->s);
	}
	if (a->pre != b->pre)
		return a->pre < b->pre ? -1 : 1;
	c = memcmp(a->s, b->s, a->pre);
	if (c)
		return c;
	return strcmp(a->s + a->pre + a->dlen, b->s + b->pre + b->dlen);
}

static int fname_cmp(const void *x, const void *y)
{
	const struct fname *a = x, *b = y;
	int c = fname_key_cmp(a, b);

	if (c)
		return c;
	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	if (a->dlen != b->dlen)
		return a->dlen < b->dlen ? -1 : 1;
	return strcmp(a->s, b->s);
}

/* Finds the run of digits `run` places from the end (0: the last). */
static void fname_parse(const char *s, int run, struct fname *f)
{
	size_t end = strlen(s), beg = end;
	const char *colon = strchr(s, ':');

	memset(f, 0, sizeof(*f));
	f->s = s;
	/* IPv6 addresses stay whole: their brackets are not ranges. */
	if (strchr(s, '[') || (colon && strchr(colon + 1, ':')))
		return;
	for (int r = 0; r <= run; r++) {
		end = beg;
		while (end > 0 && !isdigit((unsigned char)s[end - 1]))
			end--;
		beg = end;
		while (beg > 0 && isdigit((unsigned char)s[beg - 1]))
			beg--;
	}
	if (end == beg || end - beg > NUM_DIGITS_MAX)
		return;
	f->pre = beg;
	f->dlen = end - beg;
	f->lz = f->dlen > 1 && s[beg] == '0';
	for (size_t i = beg; i < end; i++)
		f->v = f->v * 10 + (unsigned long long)(s[i] - '0');
}

/* A run of consecutive numbers and the widths that can print all of it. */
struct run {
	unsigned long long lo, hi;
	size_t pmin, pmax;
};

struct fgroup {
	size_t first, n;	/* slice of the sorted fname array */
	const char *min;	/* naturally smallest name, for output order */
};

static int run_cmp(const void *x, const void *y)
{
	const struct run *a = x, *b = y;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->pmin < b->pmin ? -1 : a->pmin > b->pmin;
}

/* Writes one group (names sharing prefix and suffix) as text. */
static int fold_group(const struct fname *f, size_t n, struct run *runs,
		      struct buf *out)
{
	size_t nr = 0, open = 0;
	int rc;

	if (f[0].dlen == 0 || n == 1)
		return buf_puts(out, f[0].s);
	for (size_t i = 0; i < n; i++) {
		size_t lo = f[i].lz ? f[i].dlen : 0, hi = f[i].dlen;
		size_t k;

		/* Runs that ended before v - 1 can never grow again. */
		for (k = open; k < nr; k++) {
			struct run *r = &runs[k];

			if (r->hi + 1 == f[i].v && lo <= r->pmax && hi >= r->pmin) {
				r->hi = f[i].v;
				r->pmin = lo > r->pmin ? lo : r->pmin;
				r->pmax = hi < r->pmax ? hi : r->pmax;
				break;
			}
		}
		if (k == nr) {
			runs[nr].lo = runs[nr].hi = f[i].v;
			runs[nr].pmin = lo;
			runs[nr].pmax = hi;
			nr++;
		}
		while (open < nr && runs[open].hi + 1 < f[i].v)
			open++;
	}
	qsort(runs, nr, sizeof(*runs), run_cmp);
	rc = buf_append(out, f[0].s, f[0].pre);
	if (!rc)
		rc = buf_putc(out, '[');
	for (size_t k = 0; k < nr && !rc; k++) {
		int w = (int)runs[k].pmin;

		rc = buf_printf(out, "%s%0*llu", k ? "," : "", w, runs[k].lo);
		if (!rc && runs[k].hi != runs[k].lo)
			rc = buf_printf(out, "-%0*llu", w, runs[k].hi);
	}
	if (!rc)
		rc = buf_putc(out, ']');
	if (!rc)
		rc = buf_puts(out, f[0].s + f[0].pre + f[0].dlen);
	return rc;
}

/* Deepest digit run (counted from the end) that folding tries. */
#define FOLD_RUNS 4

struct chunk {
	char *text;
	const char *min;
};

static int chunk_cmp(const void *x, const void *y)
{
	return hostlist_natural_cmp(((const struct chunk *)x)->min,
				    ((const struct chunk *)y)->min);
}

/*
 * Folds names on digit run `run`: groups of two or more become chunks;
 * names left alone are put back in names[0..*n) for the next run (or, at
 * the last run, become chunks as they are).
 */
static int fold_run(const char **names, size_t *n, int run, struct fname *f,
		    struct fgroup *g, struct run *runs, struct chunk *ch, size_t *nch)
{
	size_t ng = 0, m = *n, left = 0;
	struct buf b;
	int rc = RONDA_OK;

	for (size_t i = 0; i < m; i++)
		fname_parse(names[i], run, &f[i]);
	qsort(f, m, sizeof(*f), fname_cmp);
	for (size_t i = 0; i < m; i++) {
		if (ng && f[i].dlen && fname_key_cmp(&f[g[ng - 1].first], &f[i]) == 0) {
			g[ng - 1].n++;
			if (hostlist_natural_cmp(f[i].s, g[ng - 1].min) < 0)
				g[ng - 1].min = f[i].s;
			continue;
		}
		g[ng].first = i;
		g[ng].n = 1;
		g[ng].min = f[i].s;
		ng++;
	}
	buf_init(&b, BUF_DEFAULT_MAX);
	for (size_t k = 0; k < ng && !rc; k++) {
		if (g[k].n == 1 && run + 1 < FOLD_RUNS) {
			names[left++] = g[k].min;
			continue;
		}
		buf_reset(&b);
		rc = fold_group(f + g[k].first, g[k].n, runs, &b);
		if (rc)
			break;
		ch[*nch].min = g[k].min;
		ch[*nch].text = strdup(buf_data(&b));
		if (!ch[*nch].text)
			rc = RONDA_ENOMEM;
		else
			(*nch)++;
	}
	buf_release(&b);
	*n = left;
	return rc;
}

int hostlist_fold(char *const *names, size_t n, struct buf *out)
{
	struct fname *f = NULL;
	struct fgroup *g = NULL;
	struct run *runs = NULL;
	struct chunk *ch = NULL;
	const char **todo = NULL;
	size_t m = 0, nch = 0;
	int rc = RONDA_ENOMEM;

	if (n == 0)
		return RONDA_OK;
	f = calloc(n, sizeof(*f));
	g = calloc(n, sizeof(*g));
	runs = calloc(n, sizeof(*runs));
	ch = calloc(n, sizeof(*ch));
	todo = calloc(n, sizeof(*todo));
	if (!f || !g || !runs || !ch || !todo)
		goto out;
	/* Unique names; the order does not matter, chunks are sorted last. */
	for (size_t i = 0; i < n; i++)
		todo[i] = names[i];
	qsort(todo, n, sizeof(*todo), cmp_natural_ptr);
	for (size_t i = 0; i < n; i++)
		if (m == 0 || strcmp(todo[m - 1], todo[i]) != 0)
			todo[m++] = todo[i];
	rc = RONDA_OK;
	for (int run = 0; run < FOLD_RUNS && m && !rc; run++)
		rc = fold_run(todo, &m, run, f, g, runs, ch, &nch);
	if (rc)
		goto out;
	qsort(ch, nch, sizeof(*ch), chunk_cmp);
	for (size_t k = 0; k < nch && !rc; k++) {
		if (k)
			rc = buf_putc(out, ',');
		if (!rc)
			rc = buf_puts(out, ch[k].text);
	}
out:
	for (size_t k = 0; ch && k < nch; k++)
		free(ch[k].text);
	free(f);
	free(g);
	free(runs);
	free(ch);
	free(todo);
	return rc;
}
