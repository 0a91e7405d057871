/*
 * sandbox-null.c - the sandbox that does nothing, for builds without
 * seccomp (make AGENT_SANDBOX=null).  It applies no_new_privs, which every
 * Linux has, and reports everything else as missing so that the summary line
 * never claims a confinement that is not there.
 */
#include "sandbox.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "err.h"
#include "banned.h"

int sandbox_apply(enum sandbox_profile p, struct sandbox_status *st)
{
	st->kind = "null";
	st->profile = sandbox_profile_name(p);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return RONDA_ESANDBOX;
	st->no_new_privs = 1;
	sandbox_missing(st, "seccomp", "agent built with the null sandbox");
	return RONDA_OK;
}

int sandbox_landlock(enum sandbox_profile p, const struct sandbox_paths *paths,
		     int disabled, struct sandbox_status *st, struct buf *err)
{
	(void)p;
	(void)paths;
	(void)disabled;
	(void)err;
	sandbox_missing(st, "landlock", "agent built with the null sandbox");
	return RONDA_OK;
}
