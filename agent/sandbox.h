/*
 * sandbox.h - the agent confines itself (and, by inheritance, its children).
 *
 * Two implementations behind this interface, chosen at build time like
 * OpenSSH's sandboxes: sandbox.c (no_new_privs + a libseccomp filter +
 * Landlock where the kernel has it) and sandbox-null.c (nothing; it says so).
 *
 * Profiles:
 *   inspect   an allow list (default: kill the process); opening for write or
 *             create, unlink, rename, chmod/chown, truncate, mkdir, utimes,
 *             xattr writes fail with EROFS; mount, ptrace, modules, bpf,
 *             kexec, reboot, swap, clock setting, namespaces are not on the
 *             list and kill.  Landlock, where present, also refuses writes.
 *   maintain  the same allow list with file writes allowed; Landlock confines
 *             them to the job's write_paths.
 *   command   a deny list (EPERM) installed by the trampoline on top of the
 *             inherited profile before it execs a command: mount, ptrace,
 *             kexec, modules, bpf, keyctl, reboot, swap, clock setting,
 *             namespace creation, TIOCSTI...
 * Probe-only calls get an errno, not a kill: clone3, openat2 and io_uring
 * get ENOSYS (glibc then falls back), rseq is allowed.
 *
 * A caller must call sandbox_apply() before touching untrusted input; its
 * failure is fatal (RONDA_ESANDBOX).  sandbox_landlock() is best effort and
 * records in the status why it could not apply.
 */
#ifndef RONDA_SANDBOX_H
#define RONDA_SANDBOX_H

#include <stddef.h>

enum sandbox_profile {
	SANDBOX_INSPECT = 0,
	SANDBOX_MAINTAIN,
	SANDBOX_COMMAND,
};

#define SANDBOX_MAX_MISSING 4

struct sandbox_status {
	const char *kind;	/* "seccomp" or "null" */
	const char *profile;	/* profile name, NULL before sandbox_apply */
	int no_new_privs;	/* 1 once set */
	int seccomp;		/* 1 once the filter is loaded */
	int landlock;		/* 1 once a ruleset is enforced */
	int landlock_abi;	/* kernel's Landlock ABI, 0 if none */
	size_t n_missing;	/* parts not applied, with the reason */
	struct { const char *part; char why[160]; } missing[SANDBOX_MAX_MISSING];
};

void sandbox_status_init(struct sandbox_status *st);
int sandbox_profile_from_name(const char *name, enum sandbox_profile *p);
const char *sandbox_profile_name(enum sandbox_profile p);

/* no_new_privs + seccomp filter for profile p. */
int sandbox_apply(enum sandbox_profile p, struct sandbox_status *st);

/*
 * Landlock: refuse every write, except beneath write_paths (maintain).
 * disabled (--no-landlock) records Landlock as missing without trying.
 */
int sandbox_landlock(enum sandbox_profile p, const char *const *write_paths,
		     size_t n, int disabled, struct sandbox_status *st);

/* Records a part that was not applied (used by both implementations). */
void sandbox_missing(struct sandbox_status *st, const char *part,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Non-zero if every part that this build knows was applied. */
int sandbox_complete(const struct sandbox_status *st);

#endif
