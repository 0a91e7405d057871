/*
 * inventory.h - the libconfig inventory: hosts, groups and their settings,
 * and turning a selection of names into resolved targets (target.h).
 *
 * Steps for a caller (the engine and `ronda hosts` both do this):
 *
 *   struct inventory *inv;
 *   inventory_load(path_or_NULL, &inv, &err);       parse and check all
 *   pattern_select(inv, ...names...);               see pattern.h
 *   inventory_resolve(inv, &names, &overrides, &targets, &err);
 *   ... connect to targets ...
 *   inventory_free(inv);
 *
 * Settings, most specific first: command-line overrides, then the host,
 * then its groups (a group that lists the host beats that group's parents;
 * two groups at the same distance that disagree are a configuration
 * error), then `defaults`, then built-in defaults (port 22, the local user,
 * connect timeout 10 s, no command timeout, 2 retries, no become).
 * Everything is checked at load, so resolving cannot fail on the file.
 * Errors name the file and line: "inv.cfg:12: unknown key 'prot' in host".
 */
#ifndef RONDA_INVENTORY_H
#define RONDA_INVENTORY_H

#include <stddef.h>

struct buf;
struct host_settings;
struct hostlist;
struct target_list;

#define INVENTORY_DEFAULT_PATH "/etc/ronda/inventory.cfg"
#define INVENTORY_LOCAL_PATH "inventory.cfg"
/* Hosts in one inventory, all ranges expanded. */
#define INVENTORY_MAX_HOSTS 1000000

struct inventory;

/*
 * Loads path, or with path NULL the first of INVENTORY_DEFAULT_PATH and
 * ./INVENTORY_LOCAL_PATH that exists; with neither, an empty inventory (bare
 * hosts still work).  A named file that does not exist is an error.
 * RONDA_ECONFIG with "file:line: why" in err for anything wrong in the
 * file.  *out is set only on success.
 */
int inventory_load(const char *path, struct inventory **out, struct buf *err);
/* An inventory with no hosts and no groups. */
int inventory_empty(struct inventory **out);
void inventory_free(struct inventory *inv);

/* The file loaded, or NULL when there was none. */
const char *inventory_path(const struct inventory *inv);

/* Hosts, numbered 0..n-1 in natural order of their names. */
size_t inventory_n_hosts(const struct inventory *inv);
const char *inventory_host_name(const struct inventory *inv, size_t i);
/* RONDA_OK and *i set, or RONDA_ENOTFOUND. */
int inventory_find_host(const struct inventory *inv, const char *name, size_t *i);

size_t inventory_n_groups(const struct inventory *inv);
const char *inventory_group_name(const struct inventory *inv, size_t g);
int inventory_find_group(const struct inventory *inv, const char *name, size_t *g);
/*
 * Calls fn for every host of the n groups in g and of their child groups,
 * recursively, visiting each group once (a host in several groups may come
 * more than once), and adds the number of calls to *calls, so callers can
 * bound their work.  One walk for all of them: `@web*` costs what the
 * groups it names hold, not that times how deep they nest.
 */
int inventory_groups_each(const struct inventory *inv, const size_t *g, size_t n,
			  void (*fn)(void *ctx, size_t host), void *ctx, size_t *calls);

/*
 * Appends one target per name to out, in the order given: inventory
 * hosts with their settings, other names as bare hosts (address = name)
 * with the file's defaults; then overrides (may be NULL) on top, and last
 * the user and port a name carries (names are hostspec.h's canonical text,
 * as pattern_select() gives them: root@web01:2222 is inventory host web01,
 * shown as web01:2222).  Fails on memory, on a name that is not such text,
 * or when no user can be found for the built-in default, and then leaves
 * out as it was.
 */
/*
 * ssh_config (sshconfig.h) to consult for every name, between the groups
 * and the defaults (inventory_resolve.c); not owned, NULL for none.
 */
struct sshconfig;
void inventory_use_sshconfig(struct inventory *inv, struct sshconfig *cfg);

int inventory_resolve(const struct inventory *inv, const struct hostlist *names,
		      const struct host_settings *overrides,
		      struct target_list *out, struct buf *err);

#endif
