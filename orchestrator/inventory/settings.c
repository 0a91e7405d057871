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
#include "banned.h"

void host_settings_init(struct host_settings *s)
{
	memset(s, 0, sizeof(*s));
}

void host_settings_release(struct host_settings *s)
{
	free(s->address);
	free(s->user);
	for (size_t i = 0; i < s->n_identities; i++)
		free(s->identities[i]);
	free(s->identities);
	host_settings_init(s);
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

int host_settings_set_user(struct host_settings *s, const char *user, struct buf *err)
{
	char *c;

	if (!inventory_valid_user(user)) {
		buf_printf(err, "invalid user '%.64s': use letters, digits, '.', '-', '_', "
			   "starting with a letter or '_', at most 32", user);
		return RONDA_EINVAL;
	}
	c = strdup(user);
	if (!c)
		return RONDA_ENOMEM;
	free(s->user);
	s->user = c;
	s->set |= HS_BIT(HS_USER);
	return RONDA_OK;
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
