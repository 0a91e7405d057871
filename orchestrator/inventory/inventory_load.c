/*
 * inventory_load.c - reading the libconfig inventory; see inventory.h for
 * what the file means and inventory/example.cfg for its form.
 *
 * Loading runs in passes over the parsed file: defaults, then `hosts`
 * (explicit hosts with settings), then `groups` twice (first create every
 * group so children may name groups defined later, then read members and
 * settings; names a group lists but `hosts` does not define become hosts
 * without settings of their own).  Then child groups are checked for
 * cycles, hosts are put in natural order, and every host's settings are
 * traced once to where each one comes from (inventory_trace.c), which is
 * where disagreeing groups are found.  After that the libconfig tree is dropped: resolving
 * only follows the recorded sources and cannot fail on the file.
 */
#include "inventory_int.h"

#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cfgutil.h"
#include "err.h"
#include "hostlist.h"
#include "settings.h"
#include "banned.h"

/* State for one load; the config tree lives as long as this does. */
struct loader {
	struct inventory *inv;
	const char *path;
	struct buf *err;
	struct hostlist words;	/* scratch for range expansion */
	size_t *child_of;	/* per group: 1 + the group that last listed it */
};

/* ---- errors with file and line ---- */

static int wrong_type(struct loader *ld, const config_setting_t *s, const char *want)
{
	return cfg_error(ld->err, ld->path, s, "'%s' must be %s, not %s",
			 config_setting_name(s) ? config_setting_name(s) : "element",
			 want, cfg_type_name(s));
}

/* ---- settings ---- */

static int get_seconds(struct loader *ld, const config_setting_t *m, double *v)
{
	if (cfg_is_int(m))
		*v = (double)config_setting_get_int64(m);
	else if (config_setting_type(m) == CONFIG_TYPE_FLOAT)
		*v = config_setting_get_float(m);
	else
		return wrong_type(ld, m, "a number of seconds");
	return RONDA_OK;
}

static int get_long(struct loader *ld, const config_setting_t *m, long *v)
{
	long long x;

	if (!cfg_is_int(m))
		return wrong_type(ld, m, "an integer");
	x = config_setting_get_int64(m);
	*v = x > 1000000 ? 1000000 : x < -1000000 ? -1000000 : (long)x;
	return RONDA_OK;
}

static int get_string(struct loader *ld, const config_setting_t *m, const char **v)
{
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return wrong_type(ld, m, "a string");
	*v = config_setting_get_string(m);
	return RONDA_OK;
}

/* SF_STRINGS: one string, or each string of a list in turn. */
static int set_strings(struct loader *ld, const config_setting_t *m, enum host_setting_key k,
		       struct host_settings *s, struct buf *why)
{
	struct setting_value v = { 0 };
	int n, rc;

	if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		v.str = config_setting_get_string(m);
		return host_settings_set(s, k, &v, why);
	}
	if (config_setting_type(m) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(m) != CONFIG_TYPE_LIST)
		return wrong_type(ld, m, "a string or an array of strings");
	n = config_setting_length(m);
	if (n == 0)
		return cfg_error(ld->err, ld->path, m, "'%s' is an empty list", settings_keys[k].name);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);

		rc = get_string(ld, e, &v.str);
		if (rc)
			return rc;
		rc = host_settings_set(s, k, &v, why);
		if (rc)
			return rc;
	}
	return RONDA_OK;
}

/*
 * Reads m, the setting k, into s: a value of k's form (type errors come
 * from here), then k's setter (value errors, which the command line
 * shares, get m's location in front).
 */
static int parse_setting(struct loader *ld, const config_setting_t *m,
			 enum host_setting_key k, struct host_settings *s, unsigned *lines)
{
	struct setting_value v = { 0 };
	struct buf why;
	int rc = RONDA_OK;

	buf_init(&why, 1024);
	switch (settings_keys[k].form) {
	case SF_STRING:
		if (!(rc = get_string(ld, m, &v.str)))
			rc = host_settings_set(s, k, &v, &why);
		break;
	case SF_INTEGER:
		if (!(rc = get_long(ld, m, &v.integer)))
			rc = host_settings_set(s, k, &v, &why);
		break;
	case SF_SECONDS:
		if (!(rc = get_seconds(ld, m, &v.seconds)))
			rc = host_settings_set(s, k, &v, &why);
		break;
	case SF_BOOL:
		if (config_setting_type(m) != CONFIG_TYPE_BOOL) {
			rc = wrong_type(ld, m, "true or false");
		} else {
			v.on = config_setting_get_bool(m);
			rc = host_settings_set(s, k, &v, &why);
		}
		break;
	case SF_STRINGS:
		rc = set_strings(ld, m, k, s, &why);
		break;
	}
	if (rc == RONDA_EINVAL)
		rc = cfg_error(ld->err, ld->path, m, "%s", buf_data(&why));
	else if (rc == RONDA_OK && lines)
		lines[k] = config_setting_source_line(m);
	buf_release(&why);
	return rc;
}

/*
 * Reads every member of block into s, except the names in `skip` (the
 * caller's own keys).  `what` names the block in messages; is_host says
 * whether it may hold host-only keys.  Settings are looked up in
 * settings.h's table: this file knows their forms, not their names.
 */
static int parse_block(struct loader *ld, const config_setting_t *block,
		       struct host_settings *s, unsigned *lines, const char *what,
		       int is_host, const char *const *skip)
{
	int n = config_setting_length(block), k, rc;

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(block, (unsigned)i);
		const char *name = config_setting_name(m);
		const char *const *sk;

		for (sk = skip; *sk && strcmp(*sk, name); sk++)
			;
		if (*sk)
			continue;
		k = settings_find_key(name);
		if (k >= 0 && settings_keys[k].host_only && !is_host)
			return cfg_error(ld->err, ld->path, m, "'%s' belongs to a host, not to %s",
					 name, what);
		if (k < 0)
			return cfg_error(ld->err, ld->path, m, "unknown key '%s' in %s", name, what);
		if ((rc = parse_setting(ld, m, (enum host_setting_key)k, s, lines)))
			return rc;
	}
	return RONDA_OK;
}

/* Expands one host word (name or range) into ld->words, checking names. */
static int expand_names(struct loader *ld, const config_setting_t *e, const char *word)
{
	struct buf why;
	int rc = RONDA_OK;

	hostlist_release(&ld->words);
	buf_init(&why, 1024);
	if (hostlist_has_range(word)) {
		rc = hostlist_expand(word, HOSTLIST_MAX_EXPAND, &ld->words, &why);
		if (rc == RONDA_EPARSE || rc == RONDA_ELIMIT)
			rc = cfg_error(ld->err, ld->path, e, "%s", buf_data(&why));
	} else {
		rc = hostlist_push(&ld->words, word, strlen(word));
	}
	for (size_t i = 0; !rc && i < ld->words.n; i++)
		if (!inventory_valid_host_name(ld->words.v[i]))
			rc = cfg_error(ld->err, ld->path, e, "invalid host name '%.64s': use letters, "
				       "digits, '.', '-', '_', starting with a letter or digit",
				       ld->words.v[i]);
	buf_release(&why);
	return rc;
}

static int host_for(struct loader *ld, const config_setting_t *e, const char *name,
		    size_t *idx)
{
	int rc;

	if (inventory_find_host(ld->inv, name, idx) == RONDA_OK)
		return RONDA_OK;
	rc = inv_add_host(ld->inv, name, idx);
	if (rc == RONDA_ELIMIT)
		return cfg_error(ld->err, ld->path, e, "more than %d hosts", INVENTORY_MAX_HOSTS);
	return rc;
}

static int load_hosts(struct loader *ld, const config_setting_t *list)
{
	static const char *const skip[] = { "name", NULL };
	int n, rc = RONDA_OK;
	struct host_settings s;

	if (config_setting_type(list) != CONFIG_TYPE_LIST &&
	    config_setting_type(list) != CONFIG_TYPE_ARRAY)
		return wrong_type(ld, list, "a list ( ) of names and { name = ...; } entries");
	host_settings_init(&s);
	n = config_setting_length(list);
	for (int i = 0; i < n && !rc; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		const config_setting_t *nm = e;
		const char *name = NULL;

		host_settings_release(&s);
		if (config_setting_is_group(e)) {
			nm = config_setting_get_member(e, "name");
			if (!nm) {
				rc = cfg_error(ld->err, ld->path, e, "host entry without a 'name'");
				break;
			}
			if ((rc = parse_block(ld, e, &s, NULL, "a host", 1, skip)))
				break;
		} else if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			rc = wrong_type(ld, e, "a host name or a { name = ...; } entry");
			break;
		}
		if ((rc = get_string(ld, nm, &name)) || (rc = expand_names(ld, nm, name)))
			break;
		if ((s.set & HS_BIT(HS_ADDRESS)) && ld->words.n > 1) {
			rc = cfg_error(ld->err, ld->path, e, "'address' given for the %zu hosts of '%.64s': "
				       "give each host its own entry", ld->words.n, name);
			break;
		}
		for (size_t w = 0; w < ld->words.n && !rc; w++) {
			size_t h;

			if (inventory_find_host(ld->inv, ld->words.v[w], &h) == RONDA_OK) {
				rc = cfg_error(ld->err, ld->path, nm, "host '%s' is defined twice (first at line %u)",
					       ld->words.v[w], ld->inv->hosts[h].line);
				break;
			}
			if ((rc = host_for(ld, nm, ld->words.v[w], &h)))
				break;
			ld->inv->hosts[h].line = config_setting_source_line(e);
			rc = host_settings_copy(&ld->inv->hosts[h].s, &s);
		}
	}
	host_settings_release(&s);
	return rc;
}

/* Pass 1: every group exists, sorted by name, before members are read. */
static int create_groups(struct loader *ld, const config_setting_t *groups)
{
	struct inventory *inv = ld->inv;
	int n;

	if (!config_setting_is_group(groups))
		return wrong_type(ld, groups, "a group { name = { ... }; ... }");
	n = config_setting_length(groups);
	inv->groups = calloc((size_t)n + 1, sizeof(*inv->groups));
	if (!inv->groups)
		return RONDA_ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(groups, (unsigned)i);
		struct inv_group *ig = &inv->groups[inv->n_groups];
		const char *name = config_setting_name(g);

		if (!inventory_valid_group_name(name))
			return cfg_error(ld->err, ld->path, g, "invalid group name '%s': use letters, "
					 "digits, '-', '_', starting with a letter", name);
		if (strcmp(name, "all") == 0)
			return cfg_error(ld->err, ld->path, g, "'all' is reserved: @all means every host");
		if (!config_setting_is_group(g))
			return wrong_type(ld, g, "a group { }");
		ig->name = strdup(name);
		ig->file = strdup(cfg_file(g, ld->path));
		ig->line = config_setting_source_line(g);
		host_settings_init(&ig->s);
		inv->n_groups++;
		if (!ig->name || !ig->file)
			return RONDA_ENOMEM;
	}
	qsort(inv->groups, inv->n_groups, sizeof(*inv->groups), inv_cmp_group_name);
	return RONDA_OK;
}

static int strings_of(struct loader *ld, const config_setting_t *m)
{
	if (config_setting_type(m) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(m) != CONFIG_TYPE_LIST)
		return wrong_type(ld, m, "an array [ ] of strings");
	return RONDA_OK;
}

static int group_hosts(struct loader *ld, struct inv_group *ig, const config_setting_t *m)
{
	int n = config_setting_length(m), rc = strings_of(ld, m);

	for (int i = 0; i < n && !rc; i++) {
		const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);
		const char *word = NULL;

		if ((rc = get_string(ld, e, &word)) || (rc = expand_names(ld, e, word)))
			break;
		for (size_t w = 0; w < ld->words.n && !rc; w++) {
			size_t h;

			rc = host_for(ld, e, ld->words.v[w], &h);
			if (!rc)
				rc = inv_push_index(&ig->hosts, &ig->n_hosts, &ig->a_hosts, h);
		}
	}
	return rc;
}

/* The children of group gi; ld->child_of finds one listed twice. */
static int group_children(struct loader *ld, size_t gi, const config_setting_t *m)
{
	struct inv_group *ig = &ld->inv->groups[gi];
	int n = config_setting_length(m), rc = strings_of(ld, m);

	if (rc)
		return rc;
	ig->children = calloc((size_t)n + 1, sizeof(*ig->children));
	ig->child_line = calloc((size_t)n + 1, sizeof(*ig->child_line));
	if (!ig->children || !ig->child_line)
		return RONDA_ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);
		const char *name = NULL;
		size_t c;

		if ((rc = get_string(ld, e, &name)))
			return rc;
		if (inventory_find_group(ld->inv, name, &c))
			return cfg_error(ld->err, ld->path, e, "unknown group '%.64s' in the children of '%s'",
					 name, ig->name);
		if (&ld->inv->groups[c] == ig)
			return cfg_error(ld->err, ld->path, e, "group '%s' lists itself as a child", name);
		if (ld->child_of[c] == gi + 1)
			return cfg_error(ld->err, ld->path, e, "group '%s' is listed twice in the "
					 "children of '%s'", name, ig->name);
		ld->child_of[c] = gi + 1;
		ig->child_line[ig->n_children] = config_setting_source_line(e);
		ig->children[ig->n_children++] = c;
	}
	return RONDA_OK;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Pass 2: members and settings of every group. */
static int load_groups(struct loader *ld, const config_setting_t *groups)
{
	static const char *const skip[] = { "hosts", "children", NULL };
	int n = config_setting_length(groups), rc = RONDA_ENOMEM;
	struct buf what;

	buf_init(&what, 256);
	ld->child_of = calloc(ld->inv->n_groups + 1, sizeof(*ld->child_of));
	if (!ld->child_of)
		goto out;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(groups, (unsigned)i);
		const config_setting_t *m;
		struct inv_group *ig;
		size_t gi, w = 0;

		if (inventory_find_group(ld->inv, config_setting_name(g), &gi))
			continue;	/* cannot happen: pass 1 made it */
		ig = &ld->inv->groups[gi];
		buf_reset(&what);
		buf_printf(&what, "group '%s'", ig->name);
		if ((rc = parse_block(ld, g, &ig->s, ig->key_line, buf_data(&what), 0, skip)))
			goto out;
		if ((m = config_setting_get_member(g, "hosts")) && (rc = group_hosts(ld, ig, m)))
			goto out;
		if ((m = config_setting_get_member(g, "children")) &&
		    (rc = group_children(ld, gi, m)))
			goto out;
		/* A host named twice in one group is one member. */
		if (ig->n_hosts)
			qsort(ig->hosts, ig->n_hosts, sizeof(size_t), cmp_size);
		for (size_t j = 0; j < ig->n_hosts; j++)
			if (!w || ig->hosts[w - 1] != ig->hosts[j])
				ig->hosts[w++] = ig->hosts[j];
		ig->n_hosts = w;
	}
	rc = RONDA_OK;
out:
	free(ld->child_of);
	ld->child_of = NULL;
	buf_release(&what);
	return rc;
}

/*
 * Child groups must form no cycle.  Depth-first search without recursion
 * (a long chain of groups must not exhaust the stack); a child that is on
 * the current path closes a cycle, which the message spells out.
 */
static int check_cycles(struct loader *ld)
{
	struct inventory *inv = ld->inv;
	size_t n = inv->n_groups, *stack, *next, sp;
	unsigned char *color;	/* 0 unseen, 1 on the path, 2 done */
	int rc = RONDA_ENOMEM;

	stack = calloc(n + 1, sizeof(*stack));
	next = calloc(n + 1, sizeof(*next));
	color = calloc(n + 1, 1);
	if (!stack || !next || !color)
		goto out;
	rc = RONDA_OK;
	for (size_t root = 0; root < n; root++) {
		if (color[root])
			continue;
		sp = 0;
		stack[sp++] = root;
		color[root] = 1;
		while (sp) {
			size_t g = stack[sp - 1], c;
			const struct inv_group *ig = &inv->groups[g];

			if (next[g] == ig->n_children) {
				color[g] = 2;
				sp--;
				continue;
			}
			c = ig->children[next[g]++];
			if (color[c] == 0) {
				color[c] = 1;
				stack[sp++] = c;
				continue;
			}
			if (color[c] == 2)
				continue;
			/* c is on the path: the cycle runs from c to g and back. */
			buf_printf(ld->err, "%s:%u: child groups form a cycle: ",
				   ig->file, ig->child_line[next[g] - 1]);
			size_t from = sp;

			while (from > 0 && stack[from - 1] != c)
				from--;
			for (size_t k = from - 1; k < sp; k++)
				buf_printf(ld->err, "%s -> ", inv->groups[stack[k]].name);
			buf_printf(ld->err, "%s", inv->groups[c].name);
			rc = RONDA_ECONFIG;
			goto out;
		}
	}
out:
	free(stack);
	free(next);
	free(color);
	return rc;
}

static int cmp_host_name(const void *a, const void *b)
{
	return hostlist_natural_cmp(((const struct inv_host *)a)->name,
				    ((const struct inv_host *)b)->name);
}

/*
 * Puts hosts in natural order (so selections come out sorted for free),
 * renumbering group members, and records each host's direct groups and
 * each group's parents.
 */
static int index_hosts(struct inventory *inv)
{
	size_t *newidx = NULL;
	int rc = RONDA_ENOMEM;

	/* n_groups is still unused: it carries each old position through the sort. */
	for (size_t i = 0; i < inv->n_hosts; i++)
		inv->hosts[i].n_groups = i;
	/* qsort and bsearch want a real array even for zero entries. */
	if (inv->n_hosts)
		qsort(inv->hosts, inv->n_hosts, sizeof(*inv->hosts), cmp_host_name);
	newidx = calloc(inv->n_hosts + 1, sizeof(*newidx));
	if (!newidx)
		goto out;
	for (size_t i = 0; i < inv->n_hosts; i++) {
		newidx[inv->hosts[i].n_groups] = i;
		inv->hosts[i].n_groups = 0;
	}
	if ((rc = inv_htab_rebuild(inv, inv->n_hosts)))
		goto out;
	for (size_t g = 0; g < inv->n_groups; g++) {
		struct inv_group *ig = &inv->groups[g];

		for (size_t j = 0; j < ig->n_hosts; j++) {
			struct inv_host *h = &inv->hosts[newidx[ig->hosts[j]]];

			ig->hosts[j] = newidx[ig->hosts[j]];
			if ((rc = inv_push_index(&h->groups, &h->n_groups, &h->a_groups, g)))
				goto out;
		}
		for (size_t j = 0; j < ig->n_children; j++) {
			struct inv_group *c = &inv->groups[ig->children[j]];

			if ((rc = inv_push_index(&c->parents, &c->n_parents, &c->a_parents, g)))
				goto out;
		}
	}
	rc = RONDA_OK;
out:
	free(newidx);
	return rc;
}

static int load_tree(struct loader *ld, const config_setting_t *root)
{
	static const char *const tops[] = { "defaults", "hosts", "groups" };
	const config_setting_t *m;
	int n = config_setting_length(root), rc;

	for (int i = 0; i < n; i++) {
		const char *name = config_setting_name(config_setting_get_elem(root, (unsigned)i));
		size_t k;

		for (k = 0; k < 3 && strcmp(name, tops[k]); k++)
			;
		if (k == 3)
			return cfg_error(ld->err, ld->path, config_setting_get_elem(root, (unsigned)i),
					 "unknown key '%s' (expected defaults, hosts or groups)",
					 name);
	}
	if ((m = config_setting_get_member(root, "defaults"))) {
		static const char *const none[] = { NULL };

		if (!config_setting_is_group(m))
			return wrong_type(ld, m, "a group { }");
		if ((rc = parse_block(ld, m, &ld->inv->defaults, NULL, "defaults", 0, none)))
			return rc;
	}
	if ((m = config_setting_get_member(root, "hosts")) && (rc = load_hosts(ld, m)))
		return rc;
	if ((m = config_setting_get_member(root, "groups"))) {
		if ((rc = create_groups(ld, m)) || (rc = load_groups(ld, m)))
			return rc;
	}
	if ((rc = check_cycles(ld)) || (rc = index_hosts(ld->inv)))
		return rc;
	return inv_trace(ld->inv, ld->err);
}

int inventory_load(const char *path, struct inventory **out, struct buf *err)
{
	struct loader ld = { .err = err };
	struct inventory *inv = NULL;
	config_t cf;
	int rc;

	if (!path) {
		if (access(INVENTORY_DEFAULT_PATH, F_OK) == 0)
			path = INVENTORY_DEFAULT_PATH;
		else if (access(INVENTORY_LOCAL_PATH, F_OK) == 0)
			path = INVENTORY_LOCAL_PATH;
		else
			return inventory_empty(out);
	}
	config_init(&cf);
	hostlist_init(&ld.words);
	ld.path = path;
	if ((rc = cfg_read_file(&cf, path, err)))
		goto out;
	if ((rc = inventory_empty(&inv)))
		goto out;
	ld.inv = inv;
	if (!(inv->path = strdup(path))) {
		rc = RONDA_ENOMEM;
		goto out;
	}
	rc = load_tree(&ld, config_root_setting(&cf));
out:
	config_destroy(&cf);
	hostlist_release(&ld.words);
	if (rc) {
		inventory_free(inv);
		return rc;
	}
	*out = inv;
	return RONDA_OK;
}

