/*
 * inventory.c - the loaded inventory: hosts by name (an open-addressing
 * hash), groups by name (sorted, binary search), and resolving names into
 * targets by following where each host's settings come from, which
 * inventory_load.c has already worked out and checked.
 */
#include "inventory_int.h"

#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "hostlist.h"
#include "hostspec.h"
#include "target.h"
#include "grow.h"
#include "banned.h"

/* ---- hosts by name ---- */

static size_t hash_name(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int inv_htab_rebuild(struct inventory *inv, size_t want)
{
	size_t cap = 64, *t;

	while (cap < 2 * want + 2)
		cap *= 2;
	t = calloc(cap, sizeof(*t));
	if (!t)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < inv->n_hosts; i++) {
		size_t j = hash_name(inv->hosts[i].name) & (cap - 1);

		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = i + 1;
	}
	free(inv->htab);
	inv->htab = t;
	inv->hcap = cap;
	return RONDA_OK;
}

int inventory_find_host(const struct inventory *inv, const char *name, size_t *i)
{
	if (!inv->hcap)
		return RONDA_ENOTFOUND;
	for (size_t j = hash_name(name) & (inv->hcap - 1); inv->htab[j];
	     j = (j + 1) & (inv->hcap - 1)) {
		if (strcmp(inv->hosts[inv->htab[j] - 1].name, name) == 0) {
			*i = inv->htab[j] - 1;
			return RONDA_OK;
		}
	}
	return RONDA_ENOTFOUND;
}

int inv_add_host(struct inventory *inv, const char *name, size_t *idx)
{
	struct inv_host *h;
	int rc;

	if (inv->n_hosts >= INVENTORY_MAX_HOSTS)
		return RONDA_ELIMIT;
	if (GROW(inv->hosts, inv->n_hosts, inv->a_hosts, 64))
		return RONDA_ENOMEM;
	if (2 * (inv->n_hosts + 1) + 2 > inv->hcap) {
		rc = inv_htab_rebuild(inv, 2 * (inv->n_hosts + 1));
		if (rc)
			return rc;
	}
	h = &inv->hosts[inv->n_hosts];
	memset(h, 0, sizeof(*h));
	h->name = strdup(name);
	if (!h->name)
		return RONDA_ENOMEM;
	host_settings_init(&h->s);
	size_t j = hash_name(name) & (inv->hcap - 1);

	while (inv->htab[j])
		j = (j + 1) & (inv->hcap - 1);
	inv->htab[j] = ++inv->n_hosts;
	*idx = inv->n_hosts - 1;
	return RONDA_OK;
}

int inv_push_index(size_t **v, size_t *n, size_t *a, size_t x)
{
	if (GROW(*v, *n, *a, 4))
		return RONDA_ENOMEM;
	(*v)[(*n)++] = x;
	return RONDA_OK;
}

int inventory_empty(struct inventory **out)
{
	struct inventory *inv = calloc(1, sizeof(*inv));

	if (!inv)
		return RONDA_ENOMEM;
	host_settings_init(&inv->defaults);
	*out = inv;
	return RONDA_OK;
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n_hosts; i++) {
		free(inv->hosts[i].name);
		host_settings_release(&inv->hosts[i].s);
		free(inv->hosts[i].groups);
	}
	for (size_t g = 0; g < inv->n_groups; g++) {
		struct inv_group *ig = &inv->groups[g];

		free(ig->name);
		free(ig->file);
		host_settings_release(&ig->s);
		free(ig->hosts);
		free(ig->children);
		free(ig->child_line);
		free(ig->parents);
	}
	free(inv->groups);
	free(inv->hosts);
	free(inv->htab);
	free(inv->path);
	host_settings_release(&inv->defaults);
	free(inv);
}

const char *inventory_path(const struct inventory *inv)
{
	return inv->path;
}

size_t inventory_n_hosts(const struct inventory *inv)
{
	return inv->n_hosts;
}

const char *inventory_host_name(const struct inventory *inv, size_t i)
{
	return inv->hosts[i].name;
}

size_t inventory_n_groups(const struct inventory *inv)
{
	return inv->n_groups;
}

const char *inventory_group_name(const struct inventory *inv, size_t g)
{
	return inv->groups[g].name;
}

int inventory_groups_each(const struct inventory *inv, const size_t *g, size_t n,
			  void (*fn)(void *ctx, size_t host), void *ctx, size_t *calls)
{
	size_t sp = 0;
	size_t *stack = calloc(inv->n_groups + 1, sizeof(*stack));
	unsigned char *seen = calloc(inv->n_groups + 1, 1);
	int rc = RONDA_ENOMEM;

	if (!stack || !seen)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!seen[g[i]]) {
			seen[g[i]] = 1;
			stack[sp++] = g[i];
		}
	while (sp) {
		const struct inv_group *ig = &inv->groups[stack[--sp]];

		for (size_t j = 0; j < ig->n_hosts; j++)
			fn(ctx, ig->hosts[j]);
		*calls += ig->n_hosts;
		for (size_t j = 0; j < ig->n_children; j++)
			if (!seen[ig->children[j]]) {
				seen[ig->children[j]] = 1;
				stack[sp++] = ig->children[j];
			}
	}
	rc = RONDA_OK;
out:
	free(stack);
	free(seen);
	return rc;
}

/* The local user, as ssh(1) would log in by default. */
int inv_local_user(char **user, struct buf *err)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];

	if (getpwuid_r(geteuid(), &pw, tmp, sizeof(tmp), &res) != 0 || !res) {
		buf_printf(err, "cannot find the local user name for uid %u; give a user "
			   "with -u or in the inventory", (unsigned)geteuid());
		return RONDA_ECONFIG;
	}
	if (!inventory_valid_user(res->pw_name)) {
		buf_printf(err, "local user name '%.64s' is not a valid remote user; give "
			   "one with -u or in the inventory", res->pw_name);
		return RONDA_ECONFIG;
	}
	*user = strdup(res->pw_name);
	return *user ? RONDA_OK : RONDA_ENOMEM;
}

int inv_cmp_group_name(const void *a, const void *b)
{
	return strcmp(((const struct inv_group *)a)->name,
		      ((const struct inv_group *)b)->name);
}

int inventory_find_group(const struct inventory *inv, const char *name, size_t *g)
{
	struct inv_group key = { .name = (char *)(uintptr_t)name };
	const struct inv_group *f;

	if (!inv->n_groups)
		return RONDA_ENOTFOUND;
	f = bsearch(&key, inv->groups, inv->n_groups, sizeof(key), inv_cmp_group_name);
	if (!f)
		return RONDA_ENOTFOUND;
	*g = (size_t)(f - inv->groups);
	return RONDA_OK;
}

