/* fuzz_inventory.c - the inventory loader (libconfig text), then a pattern
 * over what it loaded and the resolution of every host to a target. */
#include "fuzz.h"

#include "buf.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/inventory.h"
#include "inventory/settings.h"
#include "inventory/pattern.h"
#include "inventory/target.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const all[] = { "*" };
	struct inventory *inv = NULL;
	struct hostlist names;
	struct target_list tl;
	struct host_settings none;
	struct buf err;

	fuzz_quiet();
	buf_init(&err, 4096);
	hostlist_init(&names);
	target_list_init(&tl);
	host_settings_init(&none);
	if (inventory_load(fuzz_file(data, size), &inv, &err) == RONDA_OK) {
		/* Each group's members (its children's included), a few groups. */
		for (size_t g = 0; g < inventory_n_groups(inv) && g < 8; g++) {
			struct hostlist members;
			char at[300];
			const char *pat = at;

			snprintf(at, sizeof(at), "@%s", inventory_group_name(inv, g));
			hostlist_init(&members);
			buf_reset(&err);
			(void)pattern_select(inv, &pat, 1, NULL, 0, &members, &err);
			hostlist_release(&members);
		}
		buf_reset(&err);
		if (pattern_select(inv, all, 1, NULL, 0, &names, &err) == RONDA_OK)
			(void)inventory_resolve(inv, &names, &none, &tl, &err);
		inventory_free(inv);
	}
	host_settings_release(&none);
	target_list_release(&tl);
	hostlist_release(&names);
	buf_release(&err);
	return 0;
}
