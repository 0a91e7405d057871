/*
 * inventory_jumps.c - a host's bastions, resolved once into
 * target_list.jumps.  Each hop is a host like any other (its inventory
 * settings, or a bare name with the defaults), with the user and port the
 * chain writes on top.  Command-line overrides are for the hosts asked
 * for, not their bastions, as ssh -l and -p are not for -J hops; nor does
 * a hop's own `via` apply: the chain says how it is reached.
 */
#include "inventory_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "jumpspec.h"
#include "settings.h"
#include "target.h"
#include "banned.h"

/* The hop as written, canonical: user@host:port, [v6]:port. */
static int hop_text(struct buf *b, const struct jump_hop *h)
{
	int v6 = strchr(h->host, ':') != NULL, rc = RONDA_OK;

	if (h->user[0])
		rc = buf_printf(b, "%s@", h->user);
	if (!rc)
		rc = buf_printf(b, v6 && h->port ? "[%s]" : "%s", h->host);
	if (!rc && h->port)
		rc = buf_printf(b, ":%u", h->port);
	return rc;
}

static int add_hop(const struct inventory *inv, struct target_list *l,
		   const struct jump_hop *h, const char *chain, size_t via,
		   char **me, struct buf *err)
{
	struct target t;
	struct buf name;
	int rc;

	buf_init(&name, 512);
	rc = hop_text(&name, h);
	if (!rc)
		rc = inv_resolve_one(inv, h->host, NULL, me, &t, err);
	if (!rc) {
		t.name = (char *)(uintptr_t)buf_data(&name);
		if (h->user[0])
			t.user = (char *)(uintptr_t)h->user;
		if (h->port)
			t.port = h->port;
		t.command_timeout = 0;
		t.become = 0;
		t.jump = (char *)(uintptr_t)chain;
		t.via = via;
		rc = target_list_add_jump(l, &t);
	}
	buf_release(&name);
	return rc;
}

int inv_resolve_jumps(const struct inventory *inv, struct target_list *l, size_t i,
		      char **me, struct buf *err)
{
	struct jump_hop hops[JUMPSPEC_MAX_HOPS];
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
		if (!rc)
			rc = hop_text(&chain, &hops[k]);
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
