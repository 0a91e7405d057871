/*
 * jumpspec.c - ProxyJump chains; see jumpspec.h.
 */
#include "jumpspec.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "banned.h"

static int bad(struct buf *err, const char *hop, size_t n, const char *why)
{
	buf_printf(err, "bastion '%.*s': %s", (int)(n > 64 ? 64 : n), hop, why);
	return RONDA_EINVAL;
}

int jumpspec_parse(const char *spec, struct hostspec *hops, size_t *n, struct buf *err)
{
	const char *p = spec;
	size_t total = strlen(spec);

	*n = 0;
	if (total > JUMPSPEC_MAX_LEN)
		return bad(err, spec, total, "too long");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char one[HOSTSPEC_TEXT_MAX + 1];
		struct buf why;
		int rc;

		if (*n == JUMPSPEC_MAX_HOPS)
			return bad(err, spec, total, "more than 8 hops");
		if (!len)
			return bad(err, spec, total, "an empty hop");
		if (len > HOSTSPEC_TEXT_MAX)
			return bad(err, p, len, "too long");
		memcpy(one, p, len);
		one[len] = '\0';
		buf_init(&why, 512);
		rc = hostspec_parse(one, &hops[*n], &why);
		if (rc)
			bad(err, one, len, buf_data(&why));
		buf_release(&why);
		if (rc)
			return RONDA_EINVAL;
		(*n)++;
		if (!comma)
			return RONDA_OK;
		p = comma + 1;
	}
}

int jumpspec_check(const char *spec, struct buf *err)
{
	struct hostspec hops[JUMPSPEC_MAX_HOPS];
	size_t n;

	return jumpspec_parse(spec, hops, &n, err);
}
