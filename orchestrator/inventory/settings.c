/*
 * settings.c - struct host_settings, its checked setters and the strict
 * name checks; see settings.h.
 */
#include "settings.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hostlist.h"
#include "jumpspec.h"
#include "banned.h"

void host_settings_init(struct host_settings *s)
{
	memset(s, 0, sizeof(*s));
}

void host_settings_release(struct host_settings *s)
{
	free(s->address);
	free(s->user);
	free(s->via);
	for (size_t i = 0; i < s->n_identities; i++)
		free(s->identities[i]);
	free(s->identities);
	host_settings_init(s);
}

int host_settings_copy(struct host_settings *d, const struct host_settings *s)
{
	host_settings_init(d);
	*d = *s;
	d->address = NULL;
	d->user = NULL;
	d->via = NULL;
	d->identities = NULL;
	d->n_identities = 0;
	if ((s->address && !(d->address = strdup(s->address))) ||
	    (s->user && !(d->user = strdup(s->user))) ||
	    (s->via && !(d->via = strdup(s->via))))
		goto nomem;
	if (s->n_identities) {
		d->identities = calloc(s->n_identities, sizeof(char *));
		if (!d->identities)
			goto nomem;
		for (; d->n_identities < s->n_identities; d->n_identities++)
			if (!(d->identities[d->n_identities] =
			      strdup(s->identities[d->n_identities])))
				goto nomem;
	}
	return RONDA_OK;
nomem:
	host_settings_release(d);
	return RONDA_ENOMEM;
}

int host_settings_equal(const struct host_settings *a, const struct host_settings *b,
			enum host_setting_key k)
{
	switch (k) {
	case HS_ADDRESS: return strcmp(a->address, b->address) == 0;
	case HS_PORT: return a->port == b->port;
	case HS_USER: return strcmp(a->user, b->user) == 0;
	case HS_IDENTITY:
		if (a->n_identities != b->n_identities)
			return 0;
		for (size_t i = 0; i < a->n_identities; i++)
			if (strcmp(a->identities[i], b->identities[i]))
				return 0;
		return 1;
	case HS_CONNECT_TIMEOUT: return a->connect_timeout == b->connect_timeout;
	case HS_COMMAND_TIMEOUT: return a->command_timeout == b->command_timeout;
	case HS_RETRIES: return a->retries == b->retries;
	case HS_BECOME: return a->become == b->become;
	case HS_VIA: return strcmp(a->via, b->via) == 0;
	case HS_COUNT: break;
	}
	return 1;
}

/* The one list of settings: tests/integration/70-man.sh checks the man page against it. */
const struct setting_key settings_keys[HS_COUNT] = {
	[HS_ADDRESS] = { "address", SF_STRING, 1 },
	[HS_PORT] = { "port", SF_INTEGER, 0 },
	[HS_USER] = { "user", SF_STRING, 0 },
	[HS_IDENTITY] = { "identity", SF_STRINGS, 0 },
	[HS_CONNECT_TIMEOUT] = { "connect_timeout", SF_SECONDS, 0 },
	[HS_COMMAND_TIMEOUT] = { "command_timeout", SF_SECONDS, 0 },
	[HS_RETRIES] = { "retries", SF_INTEGER, 0 },
	[HS_BECOME] = { "become", SF_BOOL, 0 },
	[HS_VIA] = { "via", SF_STRING, 0 },
};

int settings_find_key(const char *name)
{
	for (int k = 0; k < HS_COUNT; k++)
		if (strcmp(name, settings_keys[k].name) == 0)
			return k;
	return -1;
}

int host_settings_set(struct host_settings *s, enum host_setting_key k,
		      const struct setting_value *v, struct buf *err)
{
	switch (k) {
	case HS_ADDRESS: return host_settings_set_address(s, v->str, err);
	case HS_PORT: return host_settings_set_port(s, v->integer, err);
	case HS_USER: return host_settings_set_user(s, v->str, err);
	case HS_IDENTITY: return host_settings_add_identity(s, v->str, err);
	case HS_CONNECT_TIMEOUT: return host_settings_set_connect_timeout(s, v->seconds, err);
	case HS_COMMAND_TIMEOUT: return host_settings_set_command_timeout(s, v->seconds, err);
	case HS_RETRIES: return host_settings_set_retries(s, v->integer, err);
	case HS_BECOME: host_settings_set_become(s, v->on); return RONDA_OK;
	case HS_VIA: return host_settings_set_via(s, v->str, err);
	case HS_COUNT: break;
	}
	return RONDA_EINVAL;
}

static int name_chars(const char *s, size_t max, const char *extra)
{
	size_t n = 0;

	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= max)
			return 0;
		if (!isalnum(c) && !strchr(extra, c))
			return 0;
	}
	return n > 0;
}

int inventory_valid_host_name(const char *s)
{
	return isalnum((unsigned char)s[0]) &&
		name_chars(s, HOSTLIST_NAME_MAX, ".-_");
}

int inventory_valid_address(const char *s)
{
	return (isalnum((unsigned char)s[0]) || s[0] == ':') &&
		name_chars(s, HOSTLIST_NAME_MAX, ".-_:");
}

int inventory_valid_user(const char *s)
{
	return (isalpha((unsigned char)s[0]) || s[0] == '_') &&
		name_chars(s, 32, ".-_");
}

int inventory_valid_group_name(const char *s)
{
	return isalpha((unsigned char)s[0]) && name_chars(s, 64, "-_");
}

/* Stores a copy of v in *field, for key k. */
static int set_string(struct host_settings *s, char **field, enum host_setting_key k,
		      const char *v)
{
	char *c = strdup(v);

	if (!c)
		return RONDA_ENOMEM;
	free(*field);
	*field = c;
	s->set |= HS_BIT(k);
	return RONDA_OK;
}

int host_settings_set_address(struct host_settings *s, const char *address, struct buf *err)
{
	if (!inventory_valid_address(address)) {
		buf_printf(err, "invalid address '%.64s': use letters, digits, "
			   "'.', '-', '_', ':'", address);
		return RONDA_EINVAL;
	}
	return set_string(s, &s->address, HS_ADDRESS, address);
}

int host_settings_set_user(struct host_settings *s, const char *user, struct buf *err)
{
	if (!inventory_valid_user(user)) {
		buf_printf(err, "invalid user '%.64s': use letters, digits, '.', '-', '_', "
			   "starting with a letter or '_', at most 32", user);
		return RONDA_EINVAL;
	}
	return set_string(s, &s->user, HS_USER, user);
}

int host_settings_set_port(struct host_settings *s, long port, struct buf *err)
{
	if (port < 1 || port > 65535) {
		buf_printf(err, "invalid port %ld: must be 1-65535", port);
		return RONDA_EINVAL;
	}
	s->port = (unsigned)port;
	s->set |= HS_BIT(HS_PORT);
	return RONDA_OK;
}

int host_settings_add_identity(struct host_settings *s, const char *path, struct buf *err)
{
	const char *home = NULL;
	char **nv;
	struct buf p;
	int rc;

	if (!path[0] || path[0] == '-' || strlen(path) > 4096) {
		buf_printf(err, "invalid identity file '%.64s'", path);
		return RONDA_EINVAL;
	}
	if (s->n_identities >= SETTINGS_MAX_IDENTITIES) {
		buf_printf(err, "more than %d identity files", SETTINGS_MAX_IDENTITIES);
		return RONDA_EINVAL;
	}
	if (strncmp(path, "~/", 2) == 0) {
		home = getenv("HOME");
		if (!home || !home[0]) {
			buf_printf(err, "identity file '%.64s': HOME is not set", path);
			return RONDA_EINVAL;
		}
	}
	buf_init(&p, 8192);
	rc = home ? buf_printf(&p, "%s/%s", home, path + 2) : buf_puts(&p, path);
	if (rc)
		goto out;
	rc = RONDA_ENOMEM;
	nv = reallocarray(s->identities, s->n_identities + 1, sizeof(*nv));
	if (!nv)
		goto out;
	s->identities = nv;
	nv[s->n_identities] = strdup(buf_data(&p));
	if (!nv[s->n_identities])
		goto out;
	s->n_identities++;
	s->set |= HS_BIT(HS_IDENTITY);
	rc = RONDA_OK;
out:
	buf_release(&p);
	return rc;
}

static int check_timeout(double secs, double min, const char *what, struct buf *err)
{
	/* The negated test also refuses NaN. */
	if (!(secs >= min && secs <= SETTINGS_MAX_TIMEOUT) || (min > 0 && secs == 0)) {
		buf_printf(err, "invalid %s %g: must be %s and at most %.0f seconds",
			   what, secs, min > 0 ? "more than 0" : "0 (none) or more",
			   SETTINGS_MAX_TIMEOUT);
		return RONDA_EINVAL;
	}
	return RONDA_OK;
}

int host_settings_set_connect_timeout(struct host_settings *s, double secs, struct buf *err)
{
	int rc = check_timeout(secs, 0.001, "connect timeout", err);

	if (rc)
		return rc;
	s->connect_timeout = secs;
	s->set |= HS_BIT(HS_CONNECT_TIMEOUT);
	return RONDA_OK;
}

int host_settings_set_command_timeout(struct host_settings *s, double secs, struct buf *err)
{
	int rc = check_timeout(secs, 0, "command timeout", err);

	if (rc)
		return rc;
	s->command_timeout = secs;
	s->set |= HS_BIT(HS_COMMAND_TIMEOUT);
	return RONDA_OK;
}

int host_settings_set_retries(struct host_settings *s, long n, struct buf *err)
{
	if (n < 0 || n > SETTINGS_MAX_RETRIES) {
		buf_printf(err, "invalid retries %ld: must be 0-%d", n, SETTINGS_MAX_RETRIES);
		return RONDA_EINVAL;
	}
	s->retries = (int)n;
	s->set |= HS_BIT(HS_RETRIES);
	return RONDA_OK;
}

void host_settings_set_become(struct host_settings *s, int on)
{
	s->become = !!on;
	s->set |= HS_BIT(HS_BECOME);
}

int host_settings_set_via(struct host_settings *s, const char *via, struct buf *err)
{
	char *copy;
	int rc = strcmp(via, "none") == 0 ? RONDA_OK : jumpspec_check(via, err);

	if (rc)
		return rc;
	if (!(copy = strdup(via)))
		return RONDA_ENOMEM;
	free(s->via);
	s->via = copy;
	s->set |= HS_BIT(HS_VIA);
	return RONDA_OK;
}
