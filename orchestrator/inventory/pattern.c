/*
 * pattern.c - evaluating host patterns; see pattern.h for the language.
 *
 * A pattern is split into items at operators outside brackets.  Because
 * precedence does not depend on order, evaluation needs no tree: every
 * item marks inventory hosts straight into one of three tallies (joined,
 * excluded, and a per-host count of the & items that contain it) and puts
 * bare names into matching lists.  A host is selected if it is joined, is
 * counted by every & item, and is not excluded.  That costs one pass over
 * the hosts per pattern however many items it has.
 */
#include "pattern.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hostlist.h"
#include "inventory.h"
#include "settings.h"
#include "grow.h"
#include "banned.h"

/* Host visits by globs and groups, summed over a whole selection. */
#define PATTERN_MAX_WORK (64u << 20)

enum op { OP_UNION, OP_INTER, OP_EXCL };

struct item {
	enum op op;
	const char *s;
	size_t len;
};

struct items {
	struct item *v;
	size_t n, alloc;
};

/* The tallies of one pattern's evaluation. */
struct tally {
	unsigned char *joined, *excluded;
	uint32_t *inter, *stamp;
	struct hostlist bare, bare_inter, bare_excl;
	uint32_t n_inter;	/* & items seen */
	enum op op;		/* of the item being evaluated */
};

struct eval {
	const struct inventory *inv;
	size_t nh;
	size_t names_left, work_left;
	struct hostlist words;
	struct buf *err;
};

static int push_item(struct items *it, enum op op, const char *s, size_t len)
{
	if (GROW(it->v, it->n, it->alloc, 8))
		return RONDA_ENOMEM;
	it->v[it->n].op = op;
	it->v[it->n].s = s;
	it->v[it->n].len = len;
	it->n++;
	return RONDA_OK;
}

static int perr(struct buf *err, const char *pat, size_t col, const char *why)
{
	buf_printf(err, "bad pattern '%.80s%s' at column %zu: %s", pat,
		   strlen(pat) > 80 ? "..." : "", col + 1, why);
	return RONDA_EPARSE;
}

static int is_op(char c)
{
	return c == ',' || c == '!' || c == '&';
}

/* Splits pat into items (pointing into pat) with the operator before each. */
static int tokenize(const char *pat, struct items *it, struct buf *err)
{
	size_t len = strlen(pat), i = 0, start = it->n;
	int expect = 1, after_op = 0, rc;
	enum op op = OP_UNION;

	if (len > PATTERN_MAX_LEN) {
		buf_printf(err, "pattern of %zu bytes is longer than %d", len, PATTERN_MAX_LEN);
		return RONDA_ELIMIT;
	}
	while (i < len) {
		char c = pat[i];

		if (isspace((unsigned char)c)) {
			i++;
			continue;
		}
		if (is_op(c)) {
			if (expect && (after_op || (c == ',' && it->n == start)))
				return perr(err, pat, i, "empty item");
			i++;
			op = c == ',' ? OP_UNION : c == '!' ? OP_EXCL : OP_INTER;
			if (c == ',') {
				while (isspace((unsigned char)pat[i]))
					i++;
				if (pat[i] == '!' || pat[i] == '&')
					op = pat[i++] == '!' ? OP_EXCL : OP_INTER;
			}
			expect = after_op = 1;
			continue;
		}
		if (!expect)
			return perr(err, pat, i, "missing ',' between items");
		size_t s = i, e;
		int in_br = 0;

		for (; i < len; i++) {
			if (pat[i] == '[')
				in_br = 1;
			else if (pat[i] == ']')
				in_br = 0;
			else if (!in_br && is_op(pat[i]))
				break;
		}
		for (e = i; e > s && isspace((unsigned char)pat[e - 1]); e--)
			;
		if ((rc = push_item(it, op, pat + s, e - s)))
			return rc;
		expect = after_op = 0;
		op = OP_UNION;
	}
	if (it->n == start)
		return perr(err, pat, 0, "empty pattern");
	if (expect)
		return perr(err, pat, len ? len - 1 : 0, "ends with an operator");
	return RONDA_OK;
}

static void mark(void *ctx, size_t h)
{
	struct tally *t = ctx;

	switch (t->op) {
	case OP_UNION: t->joined[h] = 1; break;
	case OP_EXCL: t->excluded[h] = 1; break;
	case OP_INTER:
		if (t->stamp[h] != t->n_inter) {
			t->stamp[h] = t->n_inter;
			t->inter[h]++;
		}
		break;
	}
}

static int spend(struct eval *ev, size_t *left, size_t n, const char *what)
{
	if (n > *left) {
		buf_printf(ev->err, "pattern %s more than %u names; narrow it down",
			   what, left == &ev->names_left ? PATTERN_MAX_NAMES :
			   PATTERN_MAX_WORK);
		return RONDA_ELIMIT;
	}
	*left -= n;
	return RONDA_OK;
}

static int has_glob(const char *w)
{
	return strpbrk(w, "*?") != NULL;
}

static int eval_group(struct eval *ev, struct tally *t, const char *w)
{
	size_t g, n = 0, calls = 0, *match = NULL;
	int rc;

	if (has_glob(w)) {
		/* Every matching group in one walk: nested matches cost nothing more. */
		match = calloc(inventory_n_groups(ev->inv) + 1, sizeof(*match));
		if (!match)
			return RONDA_ENOMEM;
		for (g = 0; g < inventory_n_groups(ev->inv); g++)
			if (fnmatch(w, inventory_group_name(ev->inv, g), 0) == 0)
				match[n++] = g;
		rc = inventory_groups_each(ev->inv, match, n, mark, t, &calls);
		free(match);
	} else if (inventory_find_group(ev->inv, w, &g) == RONDA_OK) {
		rc = inventory_groups_each(ev->inv, &g, 1, mark, t, &calls);
	} else {
		buf_printf(ev->err, "unknown group '@%.64s'%s", w,
			   inventory_path(ev->inv) ? "" : " (no inventory file was found)");
		return RONDA_ENOTFOUND;
	}
	return rc ? rc : spend(ev, &ev->work_left, calls, "visits");
}

static int eval_word(struct eval *ev, struct tally *t, const char *w, int group)
{
	struct hostlist *bare = t->op == OP_UNION ? &t->bare :
		t->op == OP_EXCL ? &t->bare_excl : &t->bare_inter;
	size_t h;
	int rc;

	if (strcmp(w, "all") == 0) {
		for (h = 0; h < ev->nh; h++)
			mark(t, h);
		return spend(ev, &ev->work_left, ev->nh, "visits");
	}
	if (group)
		return eval_group(ev, t, w);
	if (has_glob(w)) {
		if ((rc = spend(ev, &ev->work_left, ev->nh, "visits")))
			return rc;
		for (h = 0; h < ev->nh; h++)
			if (fnmatch(w, inventory_host_name(ev->inv, h), 0) == 0)
				mark(t, h);
		return RONDA_OK;
	}
	if (inventory_find_host(ev->inv, w, &h) == RONDA_OK) {
		mark(t, h);
		return RONDA_OK;
	}
	if (!inventory_valid_host_name(w)) {
		buf_printf(ev->err, "invalid host name '%.64s': use letters, digits, '.', "
			   "'-', '_', starting with a letter or digit", w);
		return RONDA_EPARSE;
	}
	return hostlist_push(bare, w, strlen(w));
}

static int eval_item(struct eval *ev, struct tally *t, const struct item *it)
{
	char *s = strndup(it->s, it->len), *body;
	size_t count = 1, mark_inter = t->bare_inter.n;
	int group, rc;

	if (!s)
		return RONDA_ENOMEM;
	group = s[0] == '@';
	body = s + group;
	for (const char *p = body; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr(".-_*?[],", *p)) {
			buf_printf(ev->err, "bad pattern item '%.64s': character '%c' is not "
				   "allowed", s, isprint((unsigned char)*p) ? *p : '?');
			rc = RONDA_EPARSE;
			goto out;
		}
	}
	hostlist_release(&ev->words);
	if (hostlist_has_range(body)) {
		size_t cap = ev->names_left < HOSTLIST_MAX_EXPAND ?
			ev->names_left : HOSTLIST_MAX_EXPAND;

		rc = hostlist_count(body, HOSTLIST_MAX_EXPAND, &count, ev->err);
		if (!rc)
			rc = spend(ev, &ev->names_left, count, "expands to");
		if (!rc)
			rc = hostlist_expand(body, cap, &ev->words, ev->err);
	} else {
		rc = spend(ev, &ev->names_left, 1, "expands to");
		if (!rc)
			rc = hostlist_push(&ev->words, body, strlen(body));
	}
	if (!rc && !body[0]) {
		buf_printf(ev->err, "bad pattern item '%s': no name after '@'", s);
		rc = RONDA_EPARSE;
	}
	for (size_t i = 0; i < ev->words.n && !rc; i++)
		rc = eval_word(ev, t, ev->words.v[i], group);
	if (!rc && t->op == OP_INTER && t->bare_inter.n > mark_inter) {
		/* Each & item counts a bare name once, however often it names it
		 * (none yet: bare_inter.v may still be NULL, and NULL + 0 is UB). */
		struct hostlist one;

		hostlist_init(&one);
		one.v = t->bare_inter.v + mark_inter;
		one.n = one.alloc = t->bare_inter.n - mark_inter;
		hostlist_sort_unique(&one);
		t->bare_inter.n = mark_inter + one.n;
	}
out:
	free(s);
	return rc;
}

static void tally_release(struct tally *t)
{
	free(t->joined);
	free(t->excluded);
	free(t->inter);
	free(t->stamp);
	hostlist_release(&t->bare);
	hostlist_release(&t->bare_inter);
	hostlist_release(&t->bare_excl);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_str(struct hostlist *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(char *), cmp_str);
}

static size_t count_in(const struct hostlist *sorted, const char *s)
{
	char *const *f;
	size_t n = 0;

	/* bsearch wants a real array even for zero entries. */
	if (!sorted->n)
		return 0;
	f = bsearch(&s, sorted->v, sorted->n, sizeof(char *), cmp_str);
	if (!f)
		return 0;
	while (f > sorted->v && strcmp(f[-1], s) == 0)
		f--;
	for (; f < sorted->v + sorted->n && strcmp(*f, s) == 0; f++)
		n++;
	return n;
}

/*
 * Evaluates items into sel (one byte per inventory host) and bare (sorted,
 * unique bare names).
 */
static int evaluate(struct eval *ev, const struct items *it, unsigned char *sel,
		    struct hostlist *bare)
{
	struct tally t = { 0 };
	size_t w = 0, unions = 0;
	int rc = RONDA_ENOMEM;

	hostlist_init(&t.bare);
	hostlist_init(&t.bare_inter);
	hostlist_init(&t.bare_excl);
	t.joined = calloc(ev->nh + 1, 1);
	t.excluded = calloc(ev->nh + 1, 1);
	t.inter = calloc(ev->nh + 1, sizeof(*t.inter));
	t.stamp = calloc(ev->nh + 1, sizeof(*t.stamp));
	if (!t.joined || !t.excluded || !t.inter || !t.stamp)
		goto out;
	for (size_t i = 0; i < it->n; i++) {
		t.op = it->v[i].op;
		if (t.op == OP_INTER)
			t.n_inter++;
		unions += t.op == OP_UNION;
		if ((rc = eval_item(ev, &t, &it->v[i])))
			goto out;
	}
	if (!unions) {
		buf_printf(ev->err, "pattern has only '!' or '&' items: say what to "
			   "start from, as in 'all,!web05'");
		rc = RONDA_EPARSE;
		goto out;
	}
	for (size_t h = 0; h < ev->nh; h++)
		sel[h] = t.joined[h] && !t.excluded[h] && t.inter[h] == t.n_inter;
	hostlist_sort_unique(&t.bare);
	sort_str(&t.bare_inter);
	sort_str(&t.bare_excl);
	for (size_t i = 0; i < t.bare.n; i++) {
		char *s = t.bare.v[i];

		if (count_in(&t.bare_excl, s) || count_in(&t.bare_inter, s) != t.n_inter)
			free(s);
		else
			t.bare.v[w++] = s;
	}
	t.bare.n = w;
	hostlist_release(bare);
	*bare = t.bare;
	hostlist_init(&t.bare);
	rc = RONDA_OK;
out:
	tally_release(&t);
	return rc;
}

int pattern_select(const struct inventory *inv,
		   const char *const *include, size_t n_include,
		   const char *const *exclude, size_t n_exclude,
		   struct hostlist *out, struct buf *err)
{
	struct eval ev = { .inv = inv, .nh = inventory_n_hosts(inv), .err = err,
			   .names_left = PATTERN_MAX_NAMES, .work_left = PATTERN_MAX_WORK };
	struct items it = { 0 };
	struct hostlist bare, xbare, res;
	unsigned char *sel = NULL, *xsel = NULL;
	int rc = RONDA_ENOMEM;

	hostlist_init(&ev.words);
	hostlist_init(&bare);
	hostlist_init(&xbare);
	hostlist_init(&res);
	sel = calloc(ev.nh + 1, 1);
	xsel = calloc(ev.nh + 1, 1);
	if (!sel || !xsel)
		goto out;
	for (size_t i = 0; i < n_include; i++)
		if ((rc = tokenize(include[i], &it, err)))
			goto out;
	if (!n_include) {
		buf_printf(err, "no pattern: say which hosts");
		rc = RONDA_EPARSE;
		goto out;
	}
	if ((rc = evaluate(&ev, &it, sel, &bare)))
		goto out;
	/* -x: each is a whole pattern, taken out of the result at the end. */
	for (size_t x = 0; x < n_exclude; x++) {
		size_t w = 0;

		it.n = 0;
		if ((rc = tokenize(exclude[x], &it, err)) ||
		    (rc = evaluate(&ev, &it, xsel, &xbare)))
			goto out;
		for (size_t h = 0; h < ev.nh; h++)
			sel[h] &= !xsel[h];
		sort_str(&xbare);
		for (size_t i = 0; i < bare.n; i++) {
			if (count_in(&xbare, bare.v[i]))
				free(bare.v[i]);
			else
				bare.v[w++] = bare.v[i];
		}
		bare.n = w;
	}
	rc = RONDA_OK;
	for (size_t h = 0; h < ev.nh && !rc; h++)
		if (sel[h])
			rc = hostlist_push(&res, inventory_host_name(inv, h),
					   strlen(inventory_host_name(inv, h)));
	for (size_t i = 0; i < bare.n && !rc; i++)
		rc = hostlist_push(&res, bare.v[i], strlen(bare.v[i]));
	if (rc)
		goto out;
	hostlist_sort_unique(&res);
	*out = res;
	hostlist_init(&res);
out:
	free(it.v);
	free(sel);
	free(xsel);
	hostlist_release(&ev.words);
	hostlist_release(&bare);
	hostlist_release(&xbare);
	hostlist_release(&res);
	return rc;
}
