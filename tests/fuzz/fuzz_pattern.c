/* fuzz_pattern.c - host patterns and ranges: the input's first line is a
 * pattern selected against a small inventory, its second an exclusion; each
 * line also goes through hostlist_count/expand and the folded result back. */
#include "fuzz.h"

#include "buf.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/inventory.h"
#include "inventory/pattern.h"
#include "banned.h"

static const char inventory_text[] =
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostlist out;
	struct buf err;
	char *s, *nl, *ex = NULL;
	const char *inc;

	fuzz_quiet();
	buf_init(&err, 4096);
	if (!inv && inventory_load(fuzz_file((const uint8_t *)inventory_text,
					     sizeof(inventory_text) - 1), &inv, &err) != RONDA_OK)
		abort();
	if (!(s = fuzz_str(data, size)))
		return 0;
	if ((nl = strchr(s, '\n'))) {
		*nl = '\0';
		ex = nl + 1;
		if ((nl = strchr(ex, '\n')))
			*nl = '\0';
	}
	inc = s;
	hostlist_init(&out);
	buf_reset(&err);
	(void)pattern_select(inv, &inc, 1, (const char *const *)&ex, ex ? 1 : 0, &out, &err);
	hostlist_release(&out);
	ranges(s);
	if (ex)
		ranges(ex);
	buf_release(&err);
	free(s);
	return 0;
}
