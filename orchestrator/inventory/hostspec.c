/*
 * hostspec.c - user@host:port and IPv6 literals; see hostspec.h.
 *
 * The user goes up to the only '@'.  What follows is a bracketed IPv6
 * address with an optional :port, or text whose ':' count decides: none a
 * name, one a name and port, more a bare IPv6 address.  Names are held to
 * the inventory's rule, addresses to inet_pton, and an address is kept in
 * inet_ntop's form so that 2001:DB8::1 and 2001:db8:0::1 are one host.
 */
#include "hostspec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "settings.h"
#include "banned.h"

static int bad(struct buf *err, const char *s, const char *why)
{
	buf_printf(err, "bad host '%.80s%s': %s", s, strlen(s) > 80 ? "..." : "", why);
	return RONDA_EPARSE;
}

/* Copies n bytes of s into dst of cap bytes; 0 if they do not fit. */
static int copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 1;
}

static int parse_port(const char *s, const char *p, unsigned *port, struct buf *err)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; p[n]; n++) {
		if (p[n] < '0' || p[n] > '9' || n >= 5)
			return bad(err, s, "the port must be a number 1-65535");
		v = v * 10 + (unsigned long)(p[n] - '0');
	}
	if (!n || v < 1 || v > 65535)
		return bad(err, s, "the port must be a number 1-65535");
	*port = (unsigned)v;
	return RONDA_OK;
}

static int parse_v6(const char *s, struct hostspec *h, struct buf *err)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, h->host, &a) != 1)
		return bad(err, s, "not an IPv6 address (a name takes at most one ':', "
			   "before its port)");
	if (!inet_ntop(AF_INET6, &a, h->host, sizeof(h->host)))
		return bad(err, s, "not an IPv6 address");
	h->v6 = 1;
	return RONDA_OK;
}

int hostspec_parse(const char *s, struct hostspec *out, struct buf *err)
{
	struct hostspec h;
	const char *at = strchr(s, '@'), *rest = s, *port = NULL;
	int rc;

	memset(&h, 0, sizeof(h));
	if (at) {
		if (!copy(h.user, sizeof(h.user), s, (size_t)(at - s)) ||
		    !inventory_valid_user(h.user))
			return bad(err, s, "invalid user: use letters, digits, '.', '-', '_', "
				   "starting with a letter or '_', at most 32");
		rest = at + 1;
		if (strchr(rest, '@'))
			return bad(err, s, "more than one '@'");
	}
	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');

		if (!close || !copy(h.host, sizeof(h.host), rest + 1, (size_t)(close - rest - 1)))
			return bad(err, s, "'[' without ']'");
		if (!strchr(h.host, ':'))
			return bad(err, s, "brackets here hold an IPv6 address, as in [::1]:22");
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return bad(err, s, "expected ':PORT' after ']'");
		if ((rc = parse_v6(s, &h, err)))
			return rc;
	} else {
		const char *c = strchr(rest, ':');

		if (c && strchr(c + 1, ':')) {
			if (!copy(h.host, sizeof(h.host), rest, strlen(rest)))
				return bad(err, s, "not an IPv6 address");
			if ((rc = parse_v6(s, &h, err)))
				return rc;
		} else {
			if (!copy(h.host, sizeof(h.host), rest, c ? (size_t)(c - rest) : strlen(rest)) ||
			    !inventory_valid_host_name(h.host))
				return bad(err, s, "invalid host name: use letters, digits, '.', "
					   "'-', '_', starting with a letter or digit");
			if (c)
				port = c + 1;
		}
	}
	if (port && (rc = parse_port(s, port, &h.port, err)))
		return rc;
	if (h.port)
		snprintf(h.display, sizeof(h.display), h.v6 ? "[%s]:%u" : "%s:%u", h.host, h.port);
	else
		snprintf(h.display, sizeof(h.display), "%s", h.host);
	*out = h;
	return RONDA_OK;
}

void hostspec_format(const struct hostspec *h, char out[HOSTSPEC_TEXT_MAX + 1])
{
	snprintf(out, HOSTSPEC_TEXT_MAX + 1, "%s%s%s", h->user, h->user[0] ? "@" : "",
		 h->display);
}

const char *hostspec_display_of(const char *canonical)
{
	const char *at = strchr(canonical, '@');

	return at ? at + 1 : canonical;
}

int hostspec_is_v6(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t colons = 0;
	int in_br = 0;

	if (at) {
		n -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '[')
			in_br = 1;
		else if (s[i] == ']')
			in_br = 0;
		else if (s[i] == ':' && (in_br || ++colons >= 2))
			return 1;
	}
	return 0;
}

int hostspec_has_extra(const char *s)
{
	return strpbrk(s, "@:") != NULL;
}
