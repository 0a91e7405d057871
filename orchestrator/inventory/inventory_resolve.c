/*
 * inventory_resolve.c - one host's settings, from every place that can
 * give them, strongest first:
 *
 *   1. the command line (-u -p -k --connect-timeout ... -J);
 *   2. what the pattern writes for this host (user@, :port);
 *   3. the inventory host;
 *   4. its inventory groups (nearest first; inventory_trace.c);
 *   5. ssh_config (sshconfig.h), for the name as typed;
 *   6. the inventory's `defaults`;
 *   7. the built-ins.
 *
 * ssh_config also gives what the inventory has no key for (ProxyCommand,
 * ServerAlive*, StrictHostKeyChecking, HostKeyAlias, UserKnownHostsFile,
 * IdentitiesOnly, IdentityAgent none, the algorithm lists); a keyword
 * ronda cannot honour for one host is a warning, never silence.
 */
#include "inventory_int.h"

#include <stdint.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "hostspec.h"
#include "log.h"
#include "sshconfig.h"
#include "target.h"
#include "banned.h"

/* Where a key's inventory value comes from; NULL: no inventory value. */
static const struct host_settings *source(const struct inventory *inv,
					  const struct inv_host *h, int k, int32_t *from)
{
	int32_t s = h ? h->src[k] :
		(inv->defaults.set & HS_BIT(k)) ? SRC_DEFAULTS : SRC_BUILTIN;

	*from = s;
	switch (s) {
	case SRC_SELF: return &h->s;
	case SRC_DEFAULTS: return &inv->defaults;
	case SRC_BUILTIN: return NULL;
	}
	return &inv->groups[s].s;
}

/* The 7 places of the header, for src[]. */
enum place { P_CLI, P_PATTERN, P_HOST, P_GROUP, P_SSH, P_DEFAULTS, P_BUILTIN };

struct origin {
	enum place p;
	int32_t group;		/* P_GROUP */
	const char *ssh;	/* P_SSH: "FILE:LINE" */
};

static void note(const struct inventory *inv, const struct inv_host *h,
		 struct target_list *l, struct target *t, enum target_field f,
		 const struct origin *o, int k)
{
	char text[4200];

	if (!l->want_sources)
		return;
	switch (o->p) {
	case P_CLI: snprintf(text, sizeof(text), "command line"); break;
	case P_PATTERN: snprintf(text, sizeof(text), "pattern"); break;
	case P_HOST:
		snprintf(text, sizeof(text), "inventory:%s:%u", inv->path ? inv->path : "?",
			 h ? h->line : 0);
		break;
	case P_GROUP:
		snprintf(text, sizeof(text), "inventory:%s:%u (group %s)",
			 inv->groups[o->group].file ? inv->groups[o->group].file : inv->path,
			 k >= 0 ? inv->groups[o->group].key_line[k] : inv->groups[o->group].line,
			 inv->groups[o->group].name);
		break;
	case P_SSH: snprintf(text, sizeof(text), "ssh_config:%s", o->ssh); break;
	case P_DEFAULTS:
		snprintf(text, sizeof(text), "inventory:%s (defaults)", inv->path ? inv->path : "?");
		break;
	case P_BUILTIN: snprintf(text, sizeof(text), "default"); break;
	}
	t->src[f] = target_list_source(l, text);
}

/*
 * The winner for inventory key k, with ssh_config field f (or -1) placed
 * between the groups and the defaults.  Returns the host_settings to read,
 * or NULL when ssh_config (*use_ssh) or the built-in wins.
 */
static const struct host_settings *pick(const struct inventory *inv, const struct inv_host *h,
					const struct host_settings *over, const struct ssh_options *so,
					int k, int f, int *use_ssh, struct origin *o)
{
	const struct host_settings *s;
	int32_t from;

	*use_ssh = 0;
	if (over && (over->set & HS_BIT(k))) {
		o->p = P_CLI;
		return over;
	}
	s = source(inv, h, k, &from);
	if (s && (from == SRC_SELF || from >= 0)) {
		o->p = from == SRC_SELF ? P_HOST : P_GROUP;
		o->group = from;
		return s;
	}
	if (so && f >= 0 && so->src[f]) {
		o->p = P_SSH;
		o->ssh = so->src[f];
		*use_ssh = 1;
		return NULL;
	}
	o->p = s ? P_DEFAULTS : P_BUILTIN;
	return s;
}

void inv_scratch_release(struct inv_scratch *x)
{
	if (x->so) {
		ssh_options_release(x->so);
		free(x->so);
		x->so = NULL;
	}
}

/* ssh_config's own settings, which the inventory has no key for. */
static void from_ssh_only(const struct inventory *inv, struct target_list *l,
			  struct target *t, const struct ssh_options *so)
{
	struct origin o = { .p = P_SSH };

#define SSH_SRC(f, sf) do { o.ssh = so->src[sf]; note(inv, NULL, l, t, f, &o, -1); } while (0)
	if (so->src[SSHO_PROXYCOMMAND] && so->proxy_command && !t->jump) {
		t->proxy_command = so->proxy_command;
		SSH_SRC(TF_PROXY_COMMAND, SSHO_PROXYCOMMAND);
	}
	if (so->src[SSHO_SERVERALIVEINTERVAL]) {
		t->keepalive_interval = so->server_alive_interval > 0 ? so->server_alive_interval : -1;
		SSH_SRC(TF_KEEPALIVE, SSHO_SERVERALIVEINTERVAL);
	}
	if (so->src[SSHO_SERVERALIVECOUNTMAX]) {
		t->keepalive_count = so->server_alive_count_max > 0 ? so->server_alive_count_max : 1;
		SSH_SRC(TF_KEEPALIVE_COUNT, SSHO_SERVERALIVECOUNTMAX);
	}
	if (so->src[SSHO_STRICTHOSTKEYCHECKING]) {
		/* 1 + enum hostkeys_mode (ssh/knownhosts.h): strict 0, accept-new 1 */
		t->hostkeys = so->strict_host_key_checking == SSH_STRICT_YES ||
			      so->strict_host_key_checking == SSH_STRICT_ASK ? 1 : 2;
		if (so->strict_host_key_checking == SSH_STRICT_NO)
			log_warn("%s: StrictHostKeyChecking no is taken as accept-new: ronda "
				 "never logs in to a host whose key changed", so->src[SSHO_STRICTHOSTKEYCHECKING]);
		SSH_SRC(TF_HOSTKEYS, SSHO_STRICTHOSTKEYCHECKING);
	}
	if ((so->src[SSHO_IDENTITIESONLY] && so->identities_only) ||
	    (so->src[SSHO_IDENTITYAGENT] && so->identity_agent &&
	     strcmp(so->identity_agent, "none") == 0)) {
		t->no_agent = 1;
		SSH_SRC(TF_NO_AGENT, so->src[SSHO_IDENTITIESONLY] && so->identities_only ?
			SSHO_IDENTITIESONLY : SSHO_IDENTITYAGENT);
	}
	if (so->src[SSHO_IDENTITYAGENT] && so->identity_agent &&
	    strcmp(so->identity_agent, "none") != 0 && !t->no_agent &&
	    !(getenv("SSH_AUTH_SOCK") && strcmp(so->identity_agent, getenv("SSH_AUTH_SOCK")) == 0)) {
		t->identity_agent = so->identity_agent;
		SSH_SRC(TF_IDENTITY_AGENT, SSHO_IDENTITYAGENT);
	}
	if (so->src[SSHO_HOSTKEYALIAS] && so->host_key_alias) {
		t->hostkey_alias = so->host_key_alias;
		SSH_SRC(TF_HOSTKEY_ALIAS, SSHO_HOSTKEYALIAS);
	}
	if (so->src[SSHO_USERKNOWNHOSTSFILE] && so->user_known_hosts.n) {
		t->known_hosts = so->user_known_hosts.v[0];
		SSH_SRC(TF_KNOWN_HOSTS, SSHO_USERKNOWNHOSTSFILE);
	}
	if (so->src[SSHO_CERTIFICATEFILE] && so->certificate_files.n) {
		t->certificates = so->certificate_files.v;
		t->n_certificates = so->certificate_files.n;
		SSH_SRC(TF_CERTIFICATES, SSHO_CERTIFICATEFILE);
	}
	if (so->src[SSHO_GLOBALKNOWNHOSTSFILE] && so->global_known_hosts.n) {
		t->global_known_hosts = so->global_known_hosts.v;
		t->n_global = so->global_known_hosts.n;
		SSH_SRC(TF_GLOBAL_KNOWN_HOSTS, SSHO_GLOBALKNOWNHOSTSFILE);
	}
	if (so->src[SSHO_KEXALGORITHMS]) {
		t->kex = so->kex_algorithms;
		SSH_SRC(TF_KEX, SSHO_KEXALGORITHMS);
	}
	if (so->src[SSHO_HOSTKEYALGORITHMS]) {
		t->hostkey_algorithms = so->hostkey_algorithms;
		SSH_SRC(TF_HOSTKEY_ALGORITHMS, SSHO_HOSTKEYALGORITHMS);
	}
	if (so->src[SSHO_CIPHERS]) {
		t->ciphers = so->ciphers;
		SSH_SRC(TF_CIPHERS, SSHO_CIPHERS);
	}
	if (so->src[SSHO_ADDRESSFAMILY] && so->address_family != SSH_AF_ANY) {
		t->family = so->address_family == SSH_AF_INET ? AF_INET : AF_INET6;
		SSH_SRC(TF_FAMILY, SSHO_ADDRESSFAMILY);
	}
	if (so->src[SSHO_MACS]) {
		t->macs = so->macs;
		SSH_SRC(TF_MACS, SSHO_MACS);
	}
#undef SSH_SRC
}

/* What ronda takes from ssh_config only in part: said once per line. */
static void unsupported(const struct ssh_options *so)
{
	for (size_t i = 0; i < so->warnings.n; i++)
		log_warn("%s", so->warnings.v[i]);
	for (size_t i = 0; i < so->notes.n; i++)
		log_info("%s", so->notes.v[i]);
}

/* ssh_config for this host, with the user and port already decided above it. */
static int ask_ssh(const struct inventory *inv, const struct hostspec *hs,
		   const char *user, unsigned port, char **me, struct inv_scratch *x,
		   struct buf *err)
{
	int rc;

	if (!inv->ssh || sshconfig_empty(inv->ssh) || hs->v6)
		return RONDA_OK;
	if (!*me && (rc = inv_local_user(me, err)))
		return rc;
	x->so = calloc(1, sizeof(*x->so));
	if (!x->so)
		return RONDA_ENOMEM;
	rc = sshconfig_resolve(inv->ssh, hs->host, user, port, *me, x->so, err);
	if (rc) {
		free(x->so);
		x->so = NULL;
		return rc;
	}
	unsupported(x->so);
	return RONDA_OK;
}

int inv_resolve_one(const struct inventory *inv, const struct hostspec *hs,
		    const struct host_settings *over, char **me, struct inv_scratch *x,
		    struct target_list *l, struct target *t, struct buf *err)
{
	const struct host_settings *s;
	const struct inv_host *h = NULL;
	const struct ssh_options *so;
	const char *user = NULL;
	unsigned port = 0;
	struct origin o, ou, op;
	size_t hi;
	int ssh, rc;

	memset(t, 0, sizeof(*t));
	x->so = NULL;
	if (!hs->v6 && inventory_find_host(inv, hs->host, &hi) == RONDA_OK)
		h = &inv->hosts[hi];
	/* the user and port above ssh_config are what ssh's -l and -p are to it */
	if (hs->user[0]) {
		user = hs->user;
		ou.p = P_PATTERN;
	} else if ((s = pick(inv, h, over, NULL, HS_USER, -1, &ssh, &ou)) && ou.p != P_DEFAULTS) {
		user = s->user;
	}
	if (hs->port) {
		port = hs->port;
		op.p = P_PATTERN;
	} else if ((s = pick(inv, h, over, NULL, HS_PORT, -1, &ssh, &op)) && op.p != P_DEFAULTS) {
		port = s->port;
	}
	if ((rc = ask_ssh(inv, hs, user, port, me, x, err)))
		return rc;
	so = x->so;
	t->name = (char *)(uintptr_t)hs->display;
	t->host = hs->port ? (char *)(uintptr_t)hs->host : NULL;

	s = pick(inv, h, over, so, HS_ADDRESS, SSHO_HOSTNAME, &ssh, &o);
	t->address = s ? s->address : ssh ? so->hostname : (char *)(uintptr_t)hs->host;
	note(inv, h, l, t, TF_ADDRESS, &o, HS_ADDRESS);

	if (user) {
		t->user = (char *)(uintptr_t)user;
	} else {
		s = pick(inv, h, over, so, HS_USER, SSHO_USER, &ssh, &ou);
		if (s) {
			t->user = s->user;
		} else if (ssh) {
			t->user = so->user;
		} else {
			if (!*me && (rc = inv_local_user(me, err)))
				return rc;
			t->user = *me;
		}
	}
	note(inv, h, l, t, TF_USER, &ou, HS_USER);

	if (port) {
		t->port = port;
	} else {
		s = pick(inv, h, over, so, HS_PORT, SSHO_PORT, &ssh, &op);
		t->port = s ? s->port : ssh ? so->port : SETTINGS_DEFAULT_PORT;
	}
	note(inv, h, l, t, TF_PORT, &op, HS_PORT);

	s = pick(inv, h, over, so, HS_IDENTITY, SSHO_IDENTITYFILE, &ssh, &o);
	if (s) {
		t->identities = s->identities;
		t->n_identities = s->n_identities;
	} else if (ssh) {
		/* as ssh: a file that is not there is skipped */
		for (size_t i = 0; i < so->identity_files.n &&
		     t->n_identities < sizeof(x->ids) / sizeof(x->ids[0]); i++) {
			if (access(so->identity_files.v[i], R_OK) == 0)
				x->ids[t->n_identities++] = so->identity_files.v[i];
			else
				log_debug("%s: %s: no such identity file; skipped", o.ssh,
					  so->identity_files.v[i]);
		}
		t->identities = t->n_identities ? x->ids : NULL;
	}
	note(inv, h, l, t, TF_IDENTITY, &o, HS_IDENTITY);

	s = pick(inv, h, over, so, HS_CONNECT_TIMEOUT, SSHO_CONNECTTIMEOUT, &ssh, &o);
	t->connect_timeout = s ? s->connect_timeout :
		ssh && so->connect_timeout > 0 ? so->connect_timeout : SETTINGS_DEFAULT_CONNECT_TIMEOUT;
	note(inv, h, l, t, TF_CONNECT_TIMEOUT, &o, HS_CONNECT_TIMEOUT);

	s = pick(inv, h, over, so, HS_COMMAND_TIMEOUT, -1, &ssh, &o);
	t->command_timeout = s ? s->command_timeout : 0;
	note(inv, h, l, t, TF_COMMAND_TIMEOUT, &o, HS_COMMAND_TIMEOUT);

	s = pick(inv, h, over, so, HS_RETRIES, SSHO_CONNECTIONATTEMPTS, &ssh, &o);
	t->retries = s ? s->retries : ssh ? so->connection_attempts - 1 : SETTINGS_DEFAULT_RETRIES;
	note(inv, h, l, t, TF_RETRIES, &o, HS_RETRIES);

	s = pick(inv, h, over, so, HS_BECOME, -1, &ssh, &o);
	t->become = s ? s->become : 0;
	note(inv, h, l, t, TF_BECOME, &o, HS_BECOME);

	/* ProxyJump none in ssh_config is "direct", as via = "none" */
	s = pick(inv, h, over, so, HS_VIA, SSHO_PROXYJUMP, &ssh, &o);
	if (s && strcmp(s->via, "none") != 0)
		t->jump = s->via;
	else if (ssh && so->proxy_jump)
		t->jump = so->proxy_jump;
	note(inv, h, l, t, TF_VIA, &o, HS_VIA);
	if (so)
		from_ssh_only(inv, l, t, so);
	return RONDA_OK;
}

int inventory_resolve(const struct inventory *inv, const struct hostlist *names,
		      const struct host_settings *over, struct target_list *out,
		      struct buf *err)
{
	size_t start = out->n;
	char *me = NULL;
	int rc = RONDA_OK;

	for (size_t i = 0; i < names->n && !rc; i++) {
		struct inv_scratch x = { 0 };
		struct hostspec hs;
		struct target t;

		rc = hostspec_parse(names->v[i], &hs, err);
		if (!rc)
			rc = inv_resolve_one(inv, &hs, over, &me, &x, out, &t, err);
		if (!rc)
			rc = target_list_add(out, &t);
		inv_scratch_release(&x);
	}
	for (size_t i = start; i < out->n && !rc; i++)
		rc = inv_resolve_jumps(inv, out, i, &me, err);
	free(me);
	/* All or nothing: the caller's list is as it was (bastions may stay). */
	while (rc && out->n > start)
		target_release(&out->v[--out->n]);
	return rc;
}

void inventory_use_sshconfig(struct inventory *inv, struct sshconfig *cfg)
{
	inv->ssh = cfg;
}
