/*
 * jumpspec.c - ProxyJump chains; see jumpspec.h.
 */
#include "jumpspec.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "settings.h"
#include "banned.h"

static int bad(struct buf *err, const char *hop, size_t n, const char *why)
{
	buf_printf(err, "bastion '%.*s': %s", (int)(n > 64 ? 64 : n), hop, why);
	return RONDA_EINVAL;
}

static int parse_hop(const char *s, size_t n, struct jump_hop *h, struct buf *err)
{
	const char *at = memchr(s, '@', n), *host = s, *end = s + n, *colon = NULL;
	size_t hl;

	memset(h, 0, sizeof(*h));
	if (at) {
		if ((size_t)(at - s) >= sizeof(h->user))
			return bad(err, s, n, "user name too long");
		memcpy(h->user, s, at - s);
		if (!inventory_valid_user(h->user))
			return bad(err, s, n, "invalid user name");
		host = at + 1;
	}
	if (host < end && *host == '[') {
		const char *close = memchr(host, ']', end - host);

		if (!close)
			return bad(err, s, n, "no ']' after an IPv6 address");
		if (close + 1 < end && close[1] != ':')
			return bad(err, s, n, "text after ']'");
		colon = close + 1 < end ? close + 1 : NULL;
		host++;
		hl = close - host;
	} else {
		const char *c1 = memchr(host, ':', end - host);

		/* One ':' is a port; more are a bare IPv6 address. */
		if (c1 && !memchr(c1 + 1, ':', end - c1 - 1))
			colon = c1;
		hl = (colon ? colon : end) - host;
	}
	if (!hl || hl >= sizeof(h->host))
		return bad(err, s, n, hl ? "host name too long" : "no host");
	memcpy(h->host, host, hl);
	if (!inventory_valid_host_name(h->host) && !inventory_valid_address(h->host))
		return bad(err, s, n, "invalid host name");
	if (colon) {
		char num[8], *e;
		size_t pl = end - colon - 1;
		long p;

		if (!pl || pl >= sizeof(num))
			return bad(err, s, n, "invalid port");
		memcpy(num, colon + 1, pl);
		num[pl] = '\0';
		p = strtol(num, &e, 10);
		if (*e || p < 1 || p > 65535)
			return bad(err, s, n, "invalid port");
		h->port = (unsigned)p;
	}
	return RONDA_OK;
}

int jumpspec_parse(const char *spec, struct jump_hop *hops, size_t *n, struct buf *err)
{
	const char *p = spec;

	*n = 0;
	if (strlen(spec) > JUMPSPEC_MAX_LEN)
		return bad(err, spec, strlen(spec), "too long");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int rc;

		if (*n == JUMPSPEC_MAX_HOPS)
			return bad(err, spec, strlen(spec), "more than 8 hops");
		if ((rc = parse_hop(p, len, &hops[*n], err)))
			return rc;
		(*n)++;
		if (!comma)
			return RONDA_OK;
		p = comma + 1;
	}
}

int jumpspec_check(const char *spec, struct buf *err)
{
	struct jump_hop hops[JUMPSPEC_MAX_HOPS];
	size_t n;

	return jumpspec_parse(spec, hops, &n, err);
}
