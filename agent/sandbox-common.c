/*
 * sandbox-common.c - the parts of the sandbox interface that do not depend
 * on the implementation: profile names and the status record.
 */
#include "sandbox.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "banned.h"

static const char *const names[] = {
	[SANDBOX_INSPECT] = "inspect",
	[SANDBOX_MAINTAIN] = "maintain",
	[SANDBOX_COMMAND] = "command",
	[SANDBOX_COMMAND_UNIX] = "command-unix",
};

static const char *const ll_names[SANDBOX_LL__COUNT] = {
	"fs_write", "refer", "truncate", "ioctl_dev", "scope_signal",
	"scope_abstract_unix_socket",
};

void sandbox_status_init(struct sandbox_status *st)
{
	memset(st, 0, sizeof(*st));
}

int sandbox_profile_from_name(const char *name, enum sandbox_profile *p)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*p = (enum sandbox_profile)i;
			return RONDA_OK;
		}
	}
	return RONDA_EINVAL;
}

const char *sandbox_profile_name(enum sandbox_profile p)
{
	if ((size_t)p >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[p];
}

void sandbox_missing(struct sandbox_status *st, const char *part,
		     const char *fmt, ...)
{
	va_list ap;

	if (st->n_missing >= SANDBOX_MAX_MISSING)
		return;
	st->missing[st->n_missing].part = part;
	va_start(ap, fmt);
	vsnprintf(st->missing[st->n_missing].why,
		  sizeof(st->missing[st->n_missing].why), fmt, ap);
	va_end(ap);
	st->n_missing++;
}

int sandbox_complete(const struct sandbox_status *st)
{
	return st->no_new_privs && st->seccomp && st->n_missing == 0;
}

const char *sandbox_landlock_feature(unsigned bit)
{
	for (unsigned i = 0; i < SANDBOX_LL__COUNT; i++) {
		if (bit == 1u << i)
			return ll_names[i];
	}
	return "?";
}
