/*
 * policy.h - the host owner's say over command tasks: /etc/ronda/agent.cfg.
 *
 * The file is optional.  When present it must be a regular file owned by root
 * and writable by no one else, or the agent refuses every job (a policy that
 * anyone could edit is no policy).  Lines:
 *
 *     # comment
 *     allow /usr/bin/systemctl
 *     allow /usr/lib/nagios/plugins/check_*
 *     deny  /usr/bin/rm
 *     sandbox optional
 *
 * Patterns are fnmatch(3) globs matched against the canonical absolute path
 * of the executable.  deny wins; if there is any allow line, an executable
 * must match one of them.  Without the file every executable is allowed.
 *
 * "sandbox required" (the default) refuses to run a job when the kernel will
 * not load the seccomp filter; "sandbox optional" runs it unconfined
 * instead, saying so in the summary: for hosts that cannot confine, such as
 * an agent under qemu-user, which applies no filter for its guest.  The
 * last sandbox line wins.  no_new_privs is required either way.
 */
#ifndef RONDA_POLICY_H
#define RONDA_POLICY_H

#include <stddef.h>

#include "buf.h"

#define POLICY_PATH "/etc/ronda/agent.cfg"

struct policy {
	char **allow, **deny;
	size_t n_allow, n_deny;
	int present;		/* the file existed */
	int sandbox_optional;	/* "sandbox optional": run unconfined if the
				   kernel refuses the filter */
};

void policy_init(struct policy *p);
void policy_release(struct policy *p);
/* A missing file is an empty policy; a bad one is RONDA_ECONFIG (why in err). */
int policy_load(const char *path, struct policy *p, struct buf *err);
/* Parses policy text (no ownership checks); for policy_load and the tests. */
int policy_parse(const char *text, struct policy *p, struct buf *err);
/* Non-zero if exe may run; *why names the rule that refused it. */
int policy_permits(const struct policy *p, const char *exe, const char **why);

#endif
