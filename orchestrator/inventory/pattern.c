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
#include "hostspec.h"
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
	const char *file;	/* a host list's name, for messages; NULL: a pattern */
	unsigned line;
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
	it->v[it->n].file = NULL;
	it->v[it->n].line = 0;
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

/*
 * Splits a host list into items, one a line: '#' starts a comment at the
 * start of a line or after a space, blank lines are skipped, and a line
 * that joins items with an operator is refused, so each error names one
 * line.
 */
static int tokenize_lines(const struct pattern_src *src, struct items *it,
			  struct buf *err)
{
	const char *p = src->text, *end = p + strlen(p);
	unsigned line = 0;
	int rc;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p;
		int in_br = 0;

		if (++line > PATTERN_MAX_NAMES) {
			buf_printf(err, "%s: more than %d lines", src->file, PATTERN_MAX_NAMES);
			return RONDA_ELIMIT;
		}
		for (const char *q = p; q < e; q++)
			if (*q == '#' && (q == p || isspace((unsigned char)q[-1]))) {
				e = q;
				break;
			}
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		for (const char *q = s; q < e; q++) {
			if (*q == '[')
				in_br = 1;
			else if (*q == ']')
				in_br = 0;
			else if (!in_br && is_op(*q)) {
				buf_printf(err, "%s:%u: one host or pattern item a line ('%c' "
					   "joins items)", src->file, line, *q);
				return RONDA_EPARSE;
			}
		}
		if (s < e) {
			if ((rc = push_item(it, OP_UNION, s, (size_t)(e - s))))
				return rc;
			it->v[it->n - 1].file = src->file;
			it->v[it->n - 1].line = line;
		}
		p = nl ? nl + 1 : end;
	}
	return RONDA_OK;
}

static int tokenize_src(const struct pattern_src *src, struct items *it, struct buf *err)
{
	return src->file ? tokenize_lines(src, it, err) : tokenize(src->text, it, err);
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

/*
 * user@host, host:port and IPv6 addresses go into the bare lists as
 * canonical text (hostspec.h), so the user and port reach
 * inventory_resolve().  ! and & items compare display names only; one that
 * is an inventory host (root@web01) is marked in the tallies like the
 * plain name.
 */
static int eval_spec(struct eval *ev, struct tally *t, const char *w,
		     struct hostlist *bare)
{
	char text[HOSTSPEC_TEXT_MAX + 1];
	struct hostspec hs;
	size_t h;
	int rc;

	if (has_glob(w)) {
		buf_printf(ev->err, "bad pattern item '%.64s': a glob takes no user@ or :port", w);
		return RONDA_EPARSE;
	}
	if ((rc = hostspec_parse(w, &hs, ev->err)))
		return rc;
	if (strcmp(hs.host, "all") == 0) {
		buf_printf(ev->err, "bad pattern item '%.64s': all takes no user@ or :port", w);
		return RONDA_EPARSE;
	}
	if (t->op != OP_UNION) {
		if (inventory_find_host(ev->inv, hs.display, &h) == RONDA_OK) {
			mark(t, h);
			return RONDA_OK;
		}
		return hostlist_push(bare, hs.display, strlen(hs.display));
	}
	hostspec_format(&hs, text);
	return hostlist_push(bare, text, strlen(text));
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
	if (hostspec_has_extra(w))
		return eval_spec(ev, t, w, bare);
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
		if (!isalnum((unsigned char)*p) && !strchr(".-_*?[],@:", *p)) {
			buf_printf(ev->err, "bad pattern item '%.64s': character '%c' is not "
				   "allowed", s, isprint((unsigned char)*p) ? *p : '?');
			rc = RONDA_EPARSE;
			goto out;
		}
	}
	if (group && strpbrk(body, "@:")) {
		buf_printf(ev->err, "bad pattern item '%.64s': a @group takes no user@ or "
			   ":port", s);
		rc = RONDA_EPARSE;
		goto out;
	}
	hostlist_release(&ev->words);
	/* [2001:db8::1]:22 is an address, not a range. */
	if (hostlist_has_range(body) && !hostspec_is_v6(body, strlen(body))) {
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

/* A host list's item: its messages say "file:line: " first. */
static int eval_listed(struct eval *ev, struct tally *t, const struct item *it)
{
	struct buf *err = ev->err, why;
	int rc;

	buf_init(&why, 4096);
	ev->err = &why;
	rc = eval_item(ev, t, it);
	ev->err = err;
	if (rc)
		buf_printf(err, "%s:%u: %s", it->file, it->line, buf_data(&why));
	buf_release(&why);
	return rc;
}

/* The inventory host a bare entry's display name is, if it is one. */
static int bare_host(const struct eval *ev, const char *s, size_t *h)
{
	return inventory_find_host(ev->inv, hostspec_display_of(s), h) == RONDA_OK;
}

/*
 * Evaluates items into sel (one byte per inventory host) and bare (sorted,
 * unique bare entries).  A bare root@web01 whose web01 is an inventory host
 * stays in bare for its user, and is also set in sel, so that whoever takes
 * sel out (-x) takes it out too.
 */
static int evaluate(struct eval *ev, const struct items *it, unsigned char *sel,
		    struct hostlist *bare)
{
	struct tally t = { 0 };
	size_t w = 0, unions = 0, h;
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
		rc = it->v[i].file ? eval_listed(ev, &t, &it->v[i]) :
			eval_item(ev, &t, &it->v[i]);
		if (rc)
			goto out;
	}
	/* An empty host list selects nothing; a pattern is never empty. */
	if (!unions && it->n) {
		buf_printf(ev->err, "pattern has only '!' or '&' items: say what to "
			   "start from, as in 'all,!web05'");
		rc = RONDA_EPARSE;
		goto out;
	}
	for (h = 0; h < ev->nh; h++)
		sel[h] = t.joined[h] && !t.excluded[h] && t.inter[h] == t.n_inter;
	hostlist_sort_unique(&t.bare);
	sort_str(&t.bare_inter);
	sort_str(&t.bare_excl);
	for (size_t i = 0; i < t.bare.n; i++) {
		char *s = t.bare.v[i];
		const char *d = hostspec_display_of(s);
		int keep;

		if (bare_host(ev, s, &h))
			keep = sel[h] = !t.excluded[h] && t.inter[h] == t.n_inter;
		else
			keep = !count_in(&t.bare_excl, d) && count_in(&t.bare_inter, d) == t.n_inter;
		if (keep)
			t.bare.v[w++] = s;
		else
			free(s);
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

static int cmp_display(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = hostlist_natural_cmp(hostspec_display_of(x), hostspec_display_of(y));

	return c ? c : strcmp(x, y);
}

/*
 * Sorts by display name and keeps one entry for each: the one with a user
 * if any (root@web01 over web01); two different users are an error.
 */
static int unique_display(struct hostlist *l, struct buf *err)
{
	size_t w = 0;

	if (l->n)
		qsort(l->v, l->n, sizeof(char *), cmp_display);
	for (size_t i = 0; i < l->n; i++) {
		char *s = l->v[i], *prev = w ? l->v[w - 1] : NULL;
		const char *d = hostspec_display_of(s);

		if (!prev || strcmp(hostspec_display_of(prev), d) != 0) {
			l->v[w++] = s;
			continue;
		}
		if (prev != hostspec_display_of(prev) && s != d && strcmp(prev, s) != 0) {
			buf_printf(err, "host '%.64s' is given with two users: '%.64s' and "
				   "'%.64s'", d, prev, s);
			/* Keep what is not freed yet, for the caller to release. */
			while (i < l->n)
				l->v[w++] = l->v[i++];
			l->n = w;
			return RONDA_EPARSE;
		}
		if (prev == hostspec_display_of(prev)) {
			l->v[w - 1] = s;
			s = prev;
		}
		free(s);
	}
	l->n = w;
	return RONDA_OK;
}

int pattern_select(const struct inventory *inv,
		   const char *const *include, size_t n_include,
		   const char *const *exclude, size_t n_exclude,
		   struct hostlist *out, struct buf *err)
{
	struct pattern_src *src = calloc(n_include + n_exclude + 1, sizeof(*src));
	int rc;

	if (!src)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < n_include; i++)
		src[i].text = include[i];
	for (size_t i = 0; i < n_exclude; i++)
		src[n_include + i].text = exclude[i];
	rc = pattern_select_src(inv, src, n_include, src + n_include, n_exclude, out, err);
	free(src);
	return rc;
}

int pattern_select_src(const struct inventory *inv,
		       const struct pattern_src *include, size_t n_include,
		       const struct pattern_src *exclude, size_t n_exclude,
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
		if ((rc = tokenize_src(&include[i], &it, err)))
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
		size_t w = 0, h;

		it.n = 0;
		if ((rc = tokenize_src(&exclude[x], &it, err)) ||
		    (rc = evaluate(&ev, &it, xsel, &xbare)))
			goto out;
		for (h = 0; h < ev.nh; h++)
			sel[h] &= !xsel[h];
		/* Compared by display name: -x web01:22 takes out root@web01:22. */
		for (size_t i = 0; i < xbare.n; i++) {
			const char *d = hostspec_display_of(xbare.v[i]);

			memmove(xbare.v[i], d, strlen(d) + 1);
		}
		sort_str(&xbare);
		for (size_t i = 0; i < bare.n; i++) {
			if (bare_host(&ev, bare.v[i], &h) ? xsel[h] :
			    count_in(&xbare, hostspec_display_of(bare.v[i])) > 0)
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
	if (rc || (rc = unique_display(&res, err)))
		goto out;
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
