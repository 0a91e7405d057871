/*
 * inventory_jumps.c - a host's bastions, resolved once into
 * target_list.jumps.  Each hop is a host like any other (its inventory
 * settings, or a bare name with the defaults), with the user and port the
 * chain writes on top.  Command-line overrides are for the hosts asked
 * for, not their bastions, as ssh -l and -p are not for -J hops; nor does
 * a hop's own `via` apply: the chain says how it is reached.
 */
#include "inventory_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "jumpspec.h"
#include "settings.h"
#include "target.h"
#include "banned.h"

static int add_hop(const struct inventory *inv, struct target_list *l,
		   const struct hostspec *h, const char *chain, size_t via,
		   char **me, struct buf *err)
{
	char name[HOSTSPEC_TEXT_MAX + 1];
	struct inv_scratch x = { 0 };
	struct target t;
	int rc;

	hostspec_format(h, name);
	rc = inv_resolve_one(inv, h, NULL, me, &x, l, &t, err);
	if (!rc) {
		t.name = name;	/* as the chain writes it, user@ included */
		t.command_timeout = 0;
		t.become = 0;
		t.jump = (char *)(uintptr_t)chain;
		t.via = via;
		if (via)	/* the chain says how a later hop is reached */
			t.proxy_command = NULL;
		rc = target_list_add_jump(l, &t);
	}
	inv_scratch_release(&x);
	return rc;
}

int inv_resolve_jumps(const struct inventory *inv, struct target_list *l, size_t i,
		      char **me, struct buf *err)
{
	struct hostspec hops[JUMPSPEC_MAX_HOPS];
	struct buf chain;
	size_t n, via = 0;
	int rc;

	if (!l->v[i].jump)
		return RONDA_OK;
	if ((rc = jumpspec_parse(l->v[i].jump, hops, &n, err)))
		return rc;
	buf_init(&chain, JUMPSPEC_MAX_LEN * 2);
	for (size_t k = 0; k < n && !rc; k++) {
		size_t j;

		if (k)
			rc = buf_putc(&chain, ',');
		if (!rc) {
			char text[HOSTSPEC_TEXT_MAX + 1];

			hostspec_format(&hops[k], text);
			rc = buf_puts(&chain, text);
		}
		for (j = 0; !rc && j < l->n_jumps; j++)
			if (strcmp(l->jumps[j].jump, buf_data(&chain)) == 0)
				break;
		if (!rc && j == l->n_jumps)
			rc = add_hop(inv, l, &hops[k], buf_data(&chain), via, me, err);
		via = j + 1;
	}
	if (!rc)
		l->v[i].via = via;
	buf_release(&chain);
	return rc;
}
