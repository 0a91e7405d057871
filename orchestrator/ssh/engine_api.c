/*
 * engine_api.c - the engine's plain parts, apart from the loop: status
 * names, the options' defaults, results, and which libssh2 it runs on.
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include <libssh2.h>

#include "err.h"

#include "banned.h"

static const char *const status_names[RESULT_COUNT] = {
	[RESULT_OK] = "ok",
	[RESULT_FAILED] = "failed",
	[RESULT_UNREACHABLE] = "unreachable",
	[RESULT_TIMEOUT] = "timeout",
	[RESULT_HOSTKEY_CHANGED] = "hostkey-changed",
	[RESULT_HOSTKEY_UNKNOWN] = "hostkey-unknown",
	[RESULT_AUTH] = "auth",
	[RESULT_PROTOCOL] = "protocol",
	[RESULT_ERROR] = "error",
	[RESULT_INTERRUPTED] = "interrupted",
	[RESULT_BECOME] = "become",
	[RESULT_DEPLOY] = "deploy",
	[RESULT_UNSUPPORTED] = "unsupported",
	[RESULT_AGENT] = "agent",
	[RESULT_NOT_STARTED] = "not-started",
};

const char *host_status_name(enum host_status s)
{
	return (unsigned)s < RESULT_COUNT ? status_names[s] : "unknown";
}

int host_status_from_name(const char *name, enum host_status *s)
{
	for (unsigned i = 0; name && i < RESULT_COUNT; i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*s = (enum host_status)i;
			return RONDA_OK;
		}
	}
	return RONDA_EINVAL;
}

void ssh_method_pair(const char *cs, const char *sc, char *out, size_t n)
{
	cs = cs ? cs : "";
	sc = sc ? sc : "";
	if (strcmp(cs, sc) == 0)
		snprintf(out, n, "%s", cs);
	else
		snprintf(out, n, "%s/%s", cs, sc);
}

void host_result_init(struct host_result *r, size_t max_output)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, max_output);
	buf_init(&r->err, max_output);
	r->status = RESULT_ERROR;
	r->ms_connect = r->ms_handshake = r->ms_auth = r->ms_run = r->ms_total = -1;
	r->ms_start = -1;
}

void host_result_release(struct host_result *r)
{
	buf_release(&r->out);
	buf_release(&r->err);
}

void host_result_keep(struct buf *b, int *cut, const char *p, size_t n)
{
	size_t room = b->max - buf_len(b);
	size_t take = n < room ? n : room;

	if (*cut)
		return;
	if (buf_append(b, p, take) || take < n)
		*cut = 1;
}

void engine_opts_init(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->forks = 256;
	o->rate = 500;
	o->max_output = 1 << 20;
	o->hostkeys = HOSTKEYS_STRICT;
	o->keepalive_interval = 15;
	o->keepalive_count = 3;
	o->hold_backoff = 1.0;
	o->hold_backoff_max = 30.0;
	o->use_agent = 1;
	o->jump_channels = 64;
}

const char *engine_ssh_library(void)
{
	static char text[96];

	/* the library's own word, not the header's: they differ when the
	   system's .so was upgraded under us */
	snprintf(text, sizeof(text), "libssh2 %s (%s)", libssh2_version(0),
#ifdef RONDA_LIBSSH2_BUILT
		 "Debian 13 source package, linked statically"
#else
		 "system"
#endif
		 );
	return text;
}
