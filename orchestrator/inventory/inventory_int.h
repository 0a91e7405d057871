/*
 * inventory_int.h - the insides of the inventory module, which is three
 * files behind one interface (inventory.h):
 *
 *   inventory.c        the structure, lookups, resolving into targets
 *   inventory_load.c   reading the libconfig file into the structure
 *   inventory_trace.c  where each host's settings come from
 *
 * Nothing outside these three includes this header.  Settings themselves
 * (values, setters, checks) are settings.h, which the loader uses and
 * which knows nothing of the inventory.
 */
#ifndef RONDA_INVENTORY_INT_H
#define RONDA_INVENTORY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "inventory.h"
#include "settings.h"

/* Where a host's setting comes from: a group index, or one of these. */
#define SRC_BUILTIN (-1)
#define SRC_DEFAULTS (-2)
#define SRC_SELF (-3)

struct inv_host {
	char *name;
	struct host_settings s;
	unsigned line;		/* where `hosts` defines it; 0: only in groups */
	int32_t src[HS_COUNT];
	size_t *groups;		/* groups that list it directly */
	size_t n_groups, a_groups;
};

struct inv_group {
	char *name;
	char *file;
	unsigned line;
	struct host_settings s;
	unsigned key_line[HS_COUNT];
	size_t *hosts, n_hosts, a_hosts;
	size_t *children, n_children;
	unsigned *child_line;
	size_t *parents, n_parents, a_parents;
};

struct inventory {
	char *path;
	struct host_settings defaults;
	struct inv_host *hosts;
	size_t n_hosts, a_hosts;
	struct inv_group *groups;
	size_t n_groups;
	size_t *htab;		/* host index + 1; 0 is empty */
	size_t hcap;		/* power of two, > 2 * n_hosts */
	struct sshconfig *ssh;	/* ssh_config, consulted below groups; not owned */
};

int inv_htab_rebuild(struct inventory *inv, size_t want);
/* Adds a host without settings; RONDA_ELIMIT past INVENTORY_MAX_HOSTS. */
int inv_add_host(struct inventory *inv, const char *name, size_t *idx);
int inv_push_index(size_t **v, size_t *n, size_t *a, size_t x);
int inv_cmp_group_name(const void *a, const void *b);

/*
 * Sets every host's src[]: the host, else the nearest groups above it, else
 * defaults, else built in.  Nearest groups that disagree: RONDA_ECONFIG,
 * with both groups' file:line in err.  Child groups must form no cycle.
 */
int inv_trace(struct inventory *inv, struct buf *err);

struct target;
struct target_list;
/* The local user ssh(1) would log in as (a new string in *user). */
int inv_local_user(char **user, struct buf *err);
/*
 * Fills t (borrowed strings: from inv, over, hs and *me, which is looked up
 * once and then kept) with the host's settings, over on top when not NULL,
 * and the user and port hs writes on top of all.
 */
struct hostspec;
struct ssh_options;
/*
 * What one resolved host borrows until target_list_add() copies it: its
 * ssh_config options, and the identity files of them that exist.
 */
struct inv_scratch {
	struct ssh_options *so;		/* NULL: no ssh_config */
	char *ids[128];
};
void inv_scratch_release(struct inv_scratch *x);
/*
 * Fills t (borrowed strings: from inv, over, hs, x and *me, which is looked
 * up once and then kept) with the host's settings, strongest first: over,
 * the user@ and :port hs writes, the inventory host, its groups, ssh_config,
 * the inventory's defaults, the built-ins.  When l->want_sources, t->src[]
 * says where each came from.
 */
int inv_resolve_one(const struct inventory *inv, const struct hostspec *hs,
		    const struct host_settings *over, char **me, struct inv_scratch *x,
		    struct target_list *l, struct target *t, struct buf *err);
/* Resolves l->v[i]'s bastions (its jump) into l->jumps and sets its via (inventory_jumps.c). */
int inv_resolve_jumps(const struct inventory *inv, struct target_list *l, size_t i,
		      char **me, struct buf *err);

#endif
