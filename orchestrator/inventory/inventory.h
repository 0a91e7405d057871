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
struct hostlist;
struct target_list;

#define INVENTORY_DEFAULT_PATH "/etc/ronda/inventory.cfg"
#define INVENTORY_LOCAL_PATH "inventory.cfg"
/* Hosts in one inventory, all ranges expanded. */
#define INVENTORY_MAX_HOSTS 1000000

/* Built-in defaults. */
#define SETTINGS_DEFAULT_PORT 22
#define SETTINGS_DEFAULT_CONNECT_TIMEOUT 10.0
#define SETTINGS_DEFAULT_RETRIES 2
/* Sanity bounds, also applied to command-line values. */
#define SETTINGS_MAX_TIMEOUT (7 * 86400.0)
#define SETTINGS_MAX_RETRIES 100
#define SETTINGS_MAX_IDENTITIES 16

/* One bit per setting: which fields of a struct host_settings are given. */
enum host_setting_key {
	HS_ADDRESS,
	HS_PORT,
	HS_USER,
	HS_IDENTITY,
	HS_CONNECT_TIMEOUT,
	HS_COMMAND_TIMEOUT,
	HS_RETRIES,
	HS_BECOME,
	HS_COUNT
};
#define HS_BIT(k) (1u << (k))

/*
 * A partial set of settings: defaults, a group, a host, or the
 * command-line overrides.  Only fields whose bit is in `set` mean
 * anything.  Owns its strings.
 */
struct host_settings {
	unsigned set;
	char *address;
	unsigned port;
	char *user;
	char **identities;
	size_t n_identities;
	double connect_timeout;
	double command_timeout;	/* 0: none */
	int retries;
	int become;
};

void host_settings_init(struct host_settings *s);
void host_settings_release(struct host_settings *s);
/*
 * Setters that check the value the same way the inventory does, for the
 * command line.  On error they write a message (without a file name) to
 * err and return RONDA_EINVAL.  add_identity appends (repeatable -k);
 * "~/" at the start of a path means $HOME.
 */
int host_settings_set_user(struct host_settings *s, const char *user, struct buf *err);
int host_settings_set_port(struct host_settings *s, long port, struct buf *err);
int host_settings_add_identity(struct host_settings *s, const char *path, struct buf *err);
int host_settings_set_connect_timeout(struct host_settings *s, double secs, struct buf *err);
int host_settings_set_command_timeout(struct host_settings *s, double secs, struct buf *err);
int host_settings_set_retries(struct host_settings *s, long n, struct buf *err);
void host_settings_set_become(struct host_settings *s, int on);

/*
 * Strict name checks.  Host names: letters, digits, '.', '-', '_', starting
 * with a letter or digit, at most 253 bytes.  Addresses: the same plus ':'
 * for IPv6, and may start with ':'.  Users: letters, digits, '.', '-',
 * '_', starting with a letter or '_', at most 32 bytes.  Group names:
 * letters, digits, '-', '_', starting with a letter.  None can start with
 * '-', so none can be taken for an option.
 */
int inventory_valid_host_name(const char *s);
int inventory_valid_address(const char *s);
int inventory_valid_user(const char *s);
int inventory_valid_group_name(const char *s);

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
 * with the file's defaults; then overrides (may be NULL) on top.  Fails only
 * on memory or when no user can be found for the built-in default, and then
 * leaves out as it was.
 */
int inventory_resolve(const struct inventory *inv, const struct hostlist *names,
		      const struct host_settings *overrides,
		      struct target_list *out, struct buf *err);

#endif
