/*
 * inventory_trace.c - where each host's settings come from, worked out once
 * per group, top down: for group g and setting k, the distance to the
 * nearest groups at or above g that set k, one of them (rep), and two of
 * them that disagree (a, b; -1 when they all agree).  A group that sets k
 * is its own answer; otherwise its parents' answers, one step further, are
 * merged.  A host then merges only the groups that list it.  This is the
 * breadth-first search over each host's ancestors done for all hosts at
 * once, so it is linear in groups, child links and memberships.
 */
#include "inventory_int.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "banned.h"

struct near {
	uint32_t dist;		/* NEAR_NONE: no group above sets it */
	int32_t rep, a, b;
};

#define NEAR_NONE UINT32_MAX

/* Folds x, one step further than it says, into best; first found stays rep. */
static void near_merge(const struct inventory *inv, struct near *best,
		       const struct near *x, int k)
{
	if (x->dist == NEAR_NONE)
		return;
	if (best->dist == NEAR_NONE || x->dist + 1 < best->dist) {
		*best = *x;
		best->dist = x->dist + 1;
		return;
	}
	if (x->dist + 1 > best->dist || best->a >= 0)
		return;
	if (x->a >= 0) {
		best->a = x->a;
		best->b = x->b;
	} else if (!host_settings_equal(&inv->groups[best->rep].s, &inv->groups[x->rep].s,
					(enum host_setting_key)k)) {
		best->a = best->rep;
		best->b = x->rep;
	}
}

/* near[g * HS_COUNT + k] for every group, parents before children. */
static int trace_groups(const struct inventory *inv, struct near *near)
{
	size_t n = inv->n_groups, qn = 0;
	size_t *queue = calloc(n + 1, sizeof(*queue));
	size_t *pending = calloc(n + 1, sizeof(*pending));
	int rc = RONDA_ENOMEM;

	if (!queue || !pending)
		goto out;
	for (size_t g = 0; g < n; g++)
		if (!(pending[g] = inv->groups[g].n_parents))
			queue[qn++] = g;
	/* check_cycles has run, so every group enters the queue. */
	for (size_t qi = 0; qi < qn; qi++) {
		const struct inv_group *ig = &inv->groups[queue[qi]];
		struct near *me = &near[queue[qi] * HS_COUNT];

		for (int k = 0; k < HS_COUNT; k++) {
			me[k] = (struct near){ NEAR_NONE, -1, -1, -1 };
			if (ig->s.set & HS_BIT(k)) {
				me[k] = (struct near){ 0, (int32_t)queue[qi], -1, -1 };
				continue;
			}
			for (size_t j = 0; j < ig->n_parents; j++)
				near_merge(inv, &me[k], &near[ig->parents[j] * HS_COUNT + k], k);
		}
		for (size_t j = 0; j < ig->n_children; j++)
			if (--pending[ig->children[j]] == 0)
				queue[qn++] = ig->children[j];
	}
	rc = RONDA_OK;
out:
	free(queue);
	free(pending);
	return rc;
}

/*
 * Each setting of each host: the host, else the nearest groups above it,
 * else defaults, else built in.  Nearest groups that disagree are an error.
 */
int inv_trace(struct inventory *inv, struct buf *err)
{
	struct near *near = calloc(inv->n_groups * HS_COUNT + 1, sizeof(*near));
	int rc = RONDA_ENOMEM;

	if (!near || (rc = trace_groups(inv, near)))
		goto out;
	for (size_t hi = 0; hi < inv->n_hosts && !rc; hi++) {
		struct inv_host *h = &inv->hosts[hi];

		for (int k = 0; k < HS_COUNT && !rc; k++) {
			struct near best = { NEAR_NONE, -1, -1, -1 };
			const struct inv_group *a, *b;

			h->src[k] = (h->s.set & HS_BIT(k)) ? SRC_SELF :
				(inv->defaults.set & HS_BIT(k)) ? SRC_DEFAULTS : SRC_BUILTIN;
			if (h->src[k] == SRC_SELF)
				continue;
			for (size_t j = 0; j < h->n_groups; j++)
				near_merge(inv, &best, &near[h->groups[j] * HS_COUNT + k], k);
			if (best.dist == NEAR_NONE)
				continue;
			h->src[k] = best.rep;
			if (best.a < 0)
				continue;
			a = &inv->groups[best.a];
			b = &inv->groups[best.b];
			buf_printf(err, "%s:%u: host '%s' gets '%s' from groups '%s' "
				   "(%s:%u) and '%s', which disagree; set it on the host "
				   "or in a group that lists the host", b->file,
				   b->key_line[k], h->name, settings_keys[k].name, a->name,
				   a->file, a->key_line[k], b->name);
			rc = RONDA_ECONFIG;
		}
	}
out:
	free(near);
	return rc;
}
