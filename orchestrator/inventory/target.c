/*
 * target.c - owning list of resolved targets; see target.h.
 */
#include "target.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grow.h"
#include "banned.h"

void target_list_init(struct target_list *l)
{
	l->v = NULL;
	l->n = 0;
	l->alloc = 0;
	l->jumps = NULL;
	l->n_jumps = l->alloc_jumps = 0;
	l->want_sources = 0;
	l->sources = NULL;
	l->n_sources = l->alloc_sources = 0;
}

const char *target_list_source(struct target_list *l, const char *text)
{
	/* few distinct lines feed many hosts: the newest first */
	for (size_t i = l->n_sources; i-- > 0;)
		if (strcmp(l->sources[i], text) == 0)
			return l->sources[i];
	if (GROW(l->sources, l->n_sources, l->alloc_sources, 16))
		return NULL;
	if (!(l->sources[l->n_sources] = strdup(text)))
		return NULL;
	return l->sources[l->n_sources++];
}

static const char *const field_names[TF_COUNT] = {
	[TF_ADDRESS] = "address", [TF_PORT] = "port", [TF_USER] = "user",
	[TF_IDENTITY] = "identities", [TF_CONNECT_TIMEOUT] = "connect_timeout",
	[TF_COMMAND_TIMEOUT] = "command_timeout", [TF_RETRIES] = "retries",
	[TF_BECOME] = "become", [TF_VIA] = "via", [TF_PROXY_COMMAND] = "proxy_command",
	[TF_KEEPALIVE] = "keepalive", [TF_KEEPALIVE_COUNT] = "keepalive_count",
	[TF_HOSTKEYS] = "hostkeys", [TF_NO_AGENT] = "no_agent",
	[TF_HOSTKEY_ALIAS] = "hostkey_alias", [TF_KNOWN_HOSTS] = "known_hosts",
	[TF_KEX] = "kex", [TF_HOSTKEY_ALGORITHMS] = "hostkey_algorithms",
	[TF_CIPHERS] = "ciphers", [TF_MACS] = "macs", [TF_FAMILY] = "address_family",
	[TF_GLOBAL_KNOWN_HOSTS] = "global_known_hosts", [TF_IDENTITY_AGENT] = "identity_agent",
	[TF_CERTIFICATES] = "certificates",
};

const char *target_field_name(enum target_field f)
{
	return (unsigned)f < TF_COUNT ? field_names[f] : "?";
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A deep copy of n strings; on failure *dn says how many *dv holds. */
static int dup_list(char *const *v, size_t n, char ***dv, size_t *dn)
{
	*dv = NULL;
	*dn = 0;
	if (!n)
		return RONDA_OK;
	if (!(*dv = calloc(n, sizeof(char *))))
		return RONDA_ENOMEM;
	for (; *dn < n; (*dn)++)
		if (!((*dv)[*dn] = strdup(v[*dn])))
			return RONDA_ENOMEM;
	return RONDA_OK;
}

void target_release(struct target *t)
{
	free(t->name);
	free(t->address);
	free(t->user);
	free(t->jump);
	free(t->proxy_command);
	free(t->hostkey_alias);
	free(t->identity_agent);
	free(t->known_hosts);
	free(t->kex);
	free(t->hostkey_algorithms);
	free(t->ciphers);
	free(t->macs);
	free(t->host);
	free_list(t->identities, t->n_identities);
	free_list(t->global_known_hosts, t->n_global);
	free_list(t->certificates, t->n_certificates);
	memset(t, 0, sizeof(*t));
}

void target_list_release(struct target_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		target_release(&l->v[i]);
	free(l->v);
	for (size_t i = 0; i < l->n_jumps; i++)
		target_release(&l->jumps[i]);
	free(l->jumps);
	for (size_t i = 0; i < l->n_sources; i++)
		free(l->sources[i]);
	free(l->sources);
	target_list_init(l);
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return RONDA_OK;
	*out = strdup(s);
	return *out ? RONDA_OK : RONDA_ENOMEM;
}

static int copy_target(struct target *dst, const struct target *t)
{
	struct target c;
	int r = RONDA_ENOMEM;

	memset(&c, 0, sizeof(c));
	c.port = t->port;
	c.connect_timeout = t->connect_timeout;
	c.command_timeout = t->command_timeout;
	c.retries = t->retries;
	c.become = t->become;
	c.via = t->via;
	c.keepalive_interval = t->keepalive_interval;
	c.keepalive_count = t->keepalive_count;
	c.hostkeys = t->hostkeys;
	c.no_agent = t->no_agent;
	c.family = t->family;
	memcpy(c.src, t->src, sizeof(c.src));
	if (dup_opt(t->name, &c.name) || dup_opt(t->address, &c.address) ||
	    dup_opt(t->user, &c.user) || dup_opt(t->jump, &c.jump) ||
	    dup_opt(t->proxy_command, &c.proxy_command) || dup_opt(t->host, &c.host) ||
	    dup_opt(t->hostkey_alias, &c.hostkey_alias) ||
	    dup_opt(t->identity_agent, &c.identity_agent) ||
	    dup_opt(t->known_hosts, &c.known_hosts) || dup_opt(t->kex, &c.kex) ||
	    dup_opt(t->hostkey_algorithms, &c.hostkey_algorithms) ||
	    dup_opt(t->ciphers, &c.ciphers) || dup_opt(t->macs, &c.macs))
		goto out;
	if (dup_list(t->identities, t->n_identities, &c.identities, &c.n_identities) ||
	    dup_list(t->global_known_hosts, t->n_global, &c.global_known_hosts, &c.n_global) ||
	    dup_list(t->certificates, t->n_certificates, &c.certificates, &c.n_certificates))
		goto out;
	*dst = c;
	return RONDA_OK;
out:
	target_release(&c);
	return r;
}

int target_list_add(struct target_list *l, const struct target *t)
{
	int r;

	if (GROW(l->v, l->n, l->alloc, 16))
		return RONDA_ENOMEM;
	if (!(r = copy_target(&l->v[l->n], t)))
		l->n++;
	return r;
}

int target_list_add_jump(struct target_list *l, const struct target *t)
{
	int r;

	if (GROW(l->jumps, l->n_jumps, l->alloc_jumps, 4))
		return RONDA_ENOMEM;
	if (!(r = copy_target(&l->jumps[l->n_jumps], t)))
		l->n_jumps++;
	return r;
}

const char *target_host(const struct target *t)
{
	return t->host ? t->host : t->name;
}

static int by_name_cmp(const void *a, const void *b, void *arg)
{
	const struct target_list *l = arg;

	return strcmp(l->v[*(const size_t *)a].name, l->v[*(const size_t *)b].name);
}

size_t *target_list_by_name(const struct target_list *l)
{
	size_t *idx = calloc(l->n ? l->n : 1, sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		idx[i] = i;
	qsort_r(idx, l->n, sizeof(*idx), by_name_cmp, (void *)(uintptr_t)l);
	return idx;
}

long target_list_find(const struct target_list *l, const size_t *by_name, const char *name)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, l->v[by_name[mid]].name);

		if (!c)
			return (long)by_name[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}
