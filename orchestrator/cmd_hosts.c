/*
 * cmd_hosts.c - `ronda hosts`: which hosts a pattern selects.
 *
 * It goes through exactly what `ronda exec` will (cli_targets), so what it
 * prints is what a run would reach, settings included with -v or --json.
 * --list and --json write each host's line as it is made (through stdio's
 * buffer), so a pattern of a million hosts needs no buffer of its size; the
 * folded form is one line and is built whole.
 */
#include <jansson.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/inventory.h"
#include "inventory/target.h"
#include "banned.h"

enum { OPT_LIST = 1000, OPT_GROUPS };

static const struct option hosts_long[] = {
	{ "list", no_argument, NULL, OPT_LIST },
	{ "groups", no_argument, NULL, OPT_GROUPS },
	{ NULL, 0, NULL, 0 },
};

static const char hosts_help[] =
	"usage: ronda hosts [OPTIONS] PATTERN\n"
	"\n"
	"Prints the hosts PATTERN selects, folded into ranges (node[001-003,007]),\n"
	"as a run of ronda exec or ronda check would reach them.\n"
	"\n"
	"Patterns (no spaces needed; quote them for the shell):\n"
	"  web01             a host; a name the inventory lacks is a bare host\n"
	"  root@web01:2222   a host with a user and/or port; [::1]:22 and ::1\n"
	"                    are IPv6 addresses (a bare one takes no port)\n"
	"  web[01-20,25]     a range; leading zeros set the width\n"
	"  *.dc1  web?       globs over inventory host names\n"
	"  @web   @rack*     a group, with its child groups; all or @all: every host\n"
	"  A,B               union\n"
	"  A,&B   A&B        intersection\n"
	"  A,!B   A!B        exclusion\n"
	"Union is taken first, then every & item, then every ! item, whatever\n"
	"their order: 'a,!b,c' is a and c without b.  -x PATTERN removes what\n"
	"PATTERN selects at the very end; -w PATTERN adds to the selection.\n"
	"! and & compare hosts as shown: without user@, with :port.  Globs and\n"
	"groups take no user@ or :port.  -w ^FILE, --hostfile FILE or - (stdin)\n"
	"read a host list: one item a line, '#' comments, blank lines ignored.\n"
	"A range may give at most 100000 names; a pattern at most 1000000.\n"
	"\n"
	"Options:\n"
	"      --list               one host per line; with -v also address:port\n"
	"                           and user\n"
	"      --json               one JSON object per host with every setting\n"
	"      --groups             the inventory's group names, one per line (no\n"
	"                           PATTERN; for shell completion and scripts)\n"
	"%s"
	"\n"
	"Exit status: 0 the pattern was evaluated (even when it selects no host,\n"
	"which is also said on stderr); 64 bad usage or pattern (unknown group,\n"
	"malformed range, too many names, a bad line in a host list); 78\n"
	"configuration error in the inventory (the message names file and line)\n"
	"or a host list that cannot be read; 70 internal error.\n"
	"\n"
	"Examples:\n"
	"  ronda hosts -i inventory/example.cfg '@web,!web03'\n"
	"  ronda hosts -i inventory/example.cfg --list -v '@dc1&@db'\n"
	"  ronda hosts -u root -p 2222 'node[1-3]'      # no inventory: bare hosts\n"
	"  ronda hosts --json 'root@[::1]:2222'\n"
	"  ronda hosts --list -v -w ^hosts.txt\n";

struct hosts_ctx {
	int list;
	int groups;
};

static int hosts_extra(void *ctx, int val, const char *arg, struct buf *err)
{
	struct hosts_ctx *h = ctx;

	(void)arg;
	if (val == OPT_LIST) {
		h->list = 1;
		return RONDA_OK;
	}
	if (val == OPT_GROUPS) {
		h->groups = 1;
		return RONDA_OK;
	}
	buf_printf(err, "unexpected option");
	return RONDA_EINVAL;
}

static int set_str(json_t *o, const char *key, const char *v)
{
	return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

/* What ssh_config added, when it did, and where every setting came from. */
static int extras(json_t *o, const struct target *t)
{
	static const char *const hostkeys[] = { "strict", "accept-new", "off" };
	json_t *src = json_object();
	int rc = !src;

	rc = rc || set_str(o, "proxy_command", t->proxy_command) ||
	     (t->keepalive_interval != 0 &&
	      json_object_set_new(o, "keepalive", json_real(t->keepalive_interval > 0 ?
							   t->keepalive_interval : 0))) ||
	     (t->keepalive_count && json_object_set_new(o, "keepalive_count",
							json_integer(t->keepalive_count))) ||
	     (t->hostkeys > 0 && t->hostkeys <= 3 &&
	      json_object_set_new(o, "hostkeys", json_string(hostkeys[t->hostkeys - 1]))) ||
	     (t->no_agent && json_object_set_new(o, "no_agent", json_true())) ||
	     set_str(o, "hostkey_alias", t->hostkey_alias) ||
	     set_str(o, "identity_agent", t->identity_agent) ||
	     set_str(o, "known_hosts", t->known_hosts) || set_str(o, "kex", t->kex) ||
	     set_str(o, "hostkey_algorithms", t->hostkey_algorithms) ||
	     set_str(o, "ciphers", t->ciphers) || set_str(o, "macs", t->macs) ||
	     (t->family && json_object_set_new(o, "address_family",
					       json_string(t->family == AF_INET ? "inet" : "inet6")));
	for (int f = 0; f < TF_COUNT && !rc; f++)
		rc = set_str(src, target_field_name((enum target_field)f), t->src[f]);
	if (!rc && json_object_size(src))
		rc = json_object_set(o, "sources", src);
	json_decref(src);
	return rc ? RONDA_ENOMEM : RONDA_OK;
}

static int json_line(const struct target *t, struct buf *out)
{
	json_t *o = json_object(), *ids = json_array();
	char *s = NULL;
	int rc = RONDA_ENOMEM;

	if (!o || !ids)
		goto out;
	for (size_t i = 0; i < t->n_identities; i++)
		if (json_array_append_new(ids, json_string(t->identities[i])))
			goto out;
	if (json_object_set_new(o, "host", json_string(t->name)) ||
	    json_object_set_new(o, "address", json_string(t->address)) ||
	    json_object_set_new(o, "port", json_integer(t->port)) ||
	    json_object_set_new(o, "user", json_string(t->user)) ||
	    json_object_set(o, "identities", ids) ||
	    json_object_set_new(o, "connect_timeout", json_real(t->connect_timeout)) ||
	    json_object_set_new(o, "command_timeout", json_real(t->command_timeout)) ||
	    json_object_set_new(o, "retries", json_integer(t->retries)) ||
	    json_object_set_new(o, "become", json_boolean(t->become)) ||
	    json_object_set_new(o, "via", t->jump ? json_string(t->jump) : json_null()) ||
	    extras(o, t))
		goto out;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		goto out;
	rc = buf_printf(out, "%s\n", s);
out:
	free(s);
	json_decref(ids);
	json_decref(o);
	return rc;
}

/* Writes out's bytes to stdout and empties it; RONDA_ESYS when that fails. */
static int flush_line(struct buf *out)
{
	size_t n = buf_len(out);

	if (fwrite(buf_data(out), 1, n, stdout) != n)
		return RONDA_ESYS;
	buf_reset(out);
	return RONDA_OK;
}

/* --list and --json go line by line to stdout; the fold goes into out. */
static int render(const struct cli_opts *o, const struct hosts_ctx *h,
		  const struct target_list *tl, struct buf *out)
{
	char **names = NULL;
	int rc = RONDA_OK;

	if (o->json || h->list) {
		for (size_t i = 0; i < tl->n && !rc; i++) {
			const struct target *t = &tl->v[i];

			if (o->json)
				rc = json_line(t, out);
			else if (o->verbose)
				rc = buf_printf(out, strchr(t->address, ':') ?
						"%s [%s]:%u %s\n" : "%s %s:%u %s\n",
						t->name, t->address, t->port, t->user);
			else
				rc = buf_printf(out, "%s\n", t->name);
			if (!rc)
				rc = flush_line(out);
		}
		return rc;
	}
	if (!tl->n)
		return RONDA_OK;
	names = calloc(tl->n, sizeof(*names));
	if (!names)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < tl->n; i++)
		names[i] = tl->v[i].name;
	rc = hostlist_fold(names, tl->n, out);
	if (!rc)
		rc = buf_putc(out, '\n');
	free(names);
	return rc;
}

/* --groups: every group of the inventory, as the pattern @NAME names it. */
static int print_groups(const struct cli_opts *o, struct buf *out, struct buf *err)
{
	struct inventory *inv = NULL;
	int r = inventory_load(o->inventory, &inv, err);

	for (size_t g = 0; r == RONDA_OK && g < inventory_n_groups(inv); g++)
		r = buf_printf(out, "%s\n", inventory_group_name(inv, g));
	inventory_free(inv);
	return r;
}

int cmd_hosts(int argc, char **argv)
{
	struct hosts_ctx h = { 0 };
	struct cli_opts o;
	struct target_list tl;
	struct buf err, out;
	int rc;

	cli_opts_init(&o);
	target_list_init(&tl);
	buf_init(&err, 8192);
	buf_init(&out, BUF_DEFAULT_MAX);
	rc = cli_parse(&o, argc, argv, hosts_long, "", hosts_extra, &h, &err);
	if (rc == RONDA_OK && o.help) {
		printf(hosts_help, cli_common_help);
		goto out;
	}
	if (rc == RONDA_OK && h.groups) {
		rc = print_groups(&o, &out, &err);
		if (rc == RONDA_OK && fwrite(buf_data(&out), 1, buf_len(&out), stdout) != buf_len(&out))
			rc = RONDA_ESYS;
		if (rc && rc != RONDA_ESYS)
			fprintf(stderr, "ronda hosts: %s\n", buf_data(&err));
		goto out;
	}
	if (rc == RONDA_OK && (o.n_args || o.has_dashdash)) {
		buf_printf(&err, "ronda hosts takes one PATTERN (quote it; join several with ',')");
		rc = RONDA_EINVAL;
	}
	if (rc == RONDA_OK && !o.n_include) {
		buf_printf(&err, "no PATTERN given");
		rc = RONDA_EINVAL;
	}
	o.want_sources = o.json;
	if (rc == RONDA_OK)
		rc = cli_targets(&o, &tl, &err);
	if (rc == RONDA_OK && (rc = render(&o, &h, &tl, &out)) == RONDA_ESYS) {
		perror("ronda hosts: stdout");
		goto out;
	}
	if (rc) {
		fprintf(stderr, "ronda hosts: %s\n", buf_len(&err) ? buf_data(&err) :
			ronda_strerror(rc));
		if (rc == RONDA_EINVAL)
			fputs("Try 'ronda hosts --help'.\n", stderr);
		goto out;
	}
	if (!tl.n)
		fputs("ronda hosts: the pattern selects no host\n", stderr);
	if (fwrite(buf_data(&out), 1, buf_len(&out), stdout) != buf_len(&out) ||
	    fflush(stdout) != 0) {
		perror("ronda hosts: stdout");
		rc = RONDA_ESYS;
	}
out:
	cli_opts_release(&o);
	target_list_release(&tl);
	buf_release(&err);
	buf_release(&out);
	return rc == RONDA_ESYS ? EXIT_SOFTWARE : cli_exit_code(rc);
}
