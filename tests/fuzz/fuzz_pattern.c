/* fuzz_pattern.c - host patterns and ranges: the input's first line is a
 * pattern selected against a small inventory, its second an exclusion; each
 * line also goes through hostlist_count/expand and the folded result back,
 * and hostspec_parse.  The whole input is also selected as a host list (one
 * item a line).  Every name a selection gives must decode as hostspec text
 * whose display name it ends in, and resolve. */
#include "fuzz.h"

#include "buf.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/hostspec.h"
#include "inventory/target.h"
#include "inventory/inventory.h"
#include "inventory/pattern.h"
#include "banned.h"

static const char inventory_text[] =
	"defaults = { user = \"fuzz\"; };\n"
	"hosts = ( \"web01\", { name = \"db1.dc1\"; address = \"10.0.2.1\"; }, \"legacy1\" );\n"
	"groups = {\n"
	"  web = { hosts = [\"web[01-20]\"]; };\n"
	"  db = { hosts = [\"db[1-3].dc1\"]; };\n"
	"  prod = { children = [\"web\", \"db\"]; hosts = [\"node[001-050]\"]; };\n"
	"};\n";

static struct inventory *inv;

static void ranges(const char *word)
{
	struct hostlist l;
	struct buf err, folded;
	size_t count;

	hostlist_init(&l);
	buf_init(&err, 1024);
	buf_init(&folded, 1 << 20);
	if (hostlist_count(word, 5000, &count, &err) == RONDA_OK &&
	    hostlist_expand(word, 5000, &l, &err) == RONDA_OK) {
		if (l.n != count)
			abort();	/* count and expand must agree */
		hostlist_sort_unique(&l);
		(void)hostlist_fold(l.v, l.n, &folded);
	}
	(void)hostlist_has_range(word);
	buf_release(&folded);
	buf_release(&err);
	hostlist_release(&l);
}

/* A host: its canonical text decodes again to the same display name. */
static void spec(const char *word)
{
	char text[HOSTSPEC_TEXT_MAX + 1];
	struct hostspec h, again;
	struct buf err;

	buf_init(&err, 1024);
	if (hostspec_parse(word, &h, &err) == RONDA_OK) {
		hostspec_format(&h, text);
		if (hostspec_parse(text, &again, &err) != RONDA_OK ||
		    strcmp(again.display, h.display) || strcmp(hostspec_display_of(text), h.display))
			abort();
	}
	buf_release(&err);
}

/* What a selection gives is what inventory_resolve() can decode. */
static void check_names(const struct hostlist *names)
{
	struct target_list tl;
	struct buf err;

	buf_init(&err, 1024);
	target_list_init(&tl);
	for (size_t i = 0; i < names->n; i++) {
		struct hostspec h;

		if (hostspec_parse(names->v[i], &h, &err) != RONDA_OK ||
		    strcmp(hostspec_display_of(names->v[i]), h.display))
			abort();
	}
	/* Resolving a million names proves nothing more than ten thousand. */
	if (names->n <= 10000 &&
	    (inventory_resolve(inv, names, NULL, &tl, &err) != RONDA_OK || tl.n != names->n))
		abort();
	target_list_release(&tl);
	buf_release(&err);
}

/* The whole input as a host list, and its first line as an exclusion list. */
static void as_list(const char *text, const char *first)
{
	struct pattern_src inc = { text, "fuzz.txt" }, exc = { first, "ex.txt" };
	struct hostlist out;
	struct buf err;

	hostlist_init(&out);
	buf_init(&err, 4096);
	if (pattern_select_src(inv, &inc, 1, &exc, 1, &out, &err) == RONDA_OK)
		check_names(&out);
	hostlist_release(&out);
	buf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostlist out;
	struct buf err;
	char *s, *nl, *ex = NULL, *whole;
	const char *inc;

	fuzz_quiet();
	buf_init(&err, 4096);
	if (!inv && inventory_load(fuzz_file((const uint8_t *)inventory_text,
					     sizeof(inventory_text) - 1), &inv, &err) != RONDA_OK)
		abort();
	if (!(s = fuzz_str(data, size)))
		return 0;
	if (!(whole = strdup(s))) {
		free(s);
		return 0;
	}
	if ((nl = strchr(s, '\n'))) {
		*nl = '\0';
		ex = nl + 1;
		if ((nl = strchr(ex, '\n')))
			*nl = '\0';
	}
	inc = s;
	hostlist_init(&out);
	buf_reset(&err);
	if (pattern_select(inv, &inc, 1, (const char *const *)&ex, ex ? 1 : 0, &out, &err) ==
	    RONDA_OK)
		check_names(&out);
	hostlist_release(&out);
	ranges(s);
	spec(s);
	if (ex) {
		ranges(ex);
		spec(ex);
	}
	as_list(whole, s);
	free(whole);
	buf_release(&err);
	free(s);
	return 0;
}
