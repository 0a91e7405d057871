/*
 * sandbox.h - the agent confines itself (and, by inheritance, its children).
 *
 * Two implementations behind this interface, chosen at build time like
 * OpenSSH's sandboxes: sandbox-seccomp.c (no_new_privs + a libseccomp filter +
 * Landlock where the kernel has it) and sandbox-null.c (nothing; it says so).
 *
 * Profiles:
 *   inspect   an allow list (default: kill the process); opening for write or
 *             create, unlink, rename, chmod/chown, truncate, mkdir, utimes,
 *             xattr writes fail with EROFS; mount, ptrace, modules, bpf,
 *             kexec, reboot, swap, clock setting, namespaces are not on the
 *             list and kill.  A second filter (sandbox-args.c) narrows calls
 *             by their arguments, with EPERM: ioctl to a list of read-only
 *             requests, setpriority and setting prlimit64 to the caller,
 *             no kill(-1), sockets AF_UNIX/INET/INET6 and NETLINK_SOCK_DIAG
 *             only.  Landlock, where present, refuses writes and device
 *             ioctls (ABI 5), and scopes signals and abstract unix sockets
 *             to the agent's own processes (ABI 6).
 *   maintain  the same filters with file writes allowed; Landlock confines
 *             writes (and device ioctls) to the job's write_paths.  Signals
 *             are not scoped: postrotate must reach the daemon it reopens.
 *   command   a deny list (EPERM) installed by the trampoline on top of the
 *             inherited profile before it execs a command: mount, ptrace,
 *             kexec, modules, bpf, keyctl, reboot, swap, clock setting,
 *             namespace creation, TIOCSTI, netlink and unix sockets...
 *   command-unix  the same, with unix sockets (systemctl, and maintain's
 *             commands: postrotate's "systemctl reload").
 * Probe-only calls get an errno, not a kill: clone3, openat2 and io_uring
 * get ENOSYS (glibc then falls back), rseq is allowed.
 *
 * A caller must call sandbox_apply() before touching untrusted input; its
 * failure is fatal (RONDA_ESANDBOX), except where the kernel refused the
 * filter (seccomp_refused) and the host's policy says "sandbox optional"
 * (policy.h): then the caller may run unconfined, as the status says.  sandbox_landlock() is best effort and
 * records in the status why it could not apply.
 */
#ifndef RONDA_SANDBOX_H
#define RONDA_SANDBOX_H

#include <stddef.h>

#include "buf.h"

enum sandbox_profile {
	SANDBOX_INSPECT = 0,
	SANDBOX_MAINTAIN,
	SANDBOX_COMMAND,
	SANDBOX_COMMAND_UNIX,
};

/* Landlock features, as applied (sandbox_status.landlock_features). */
#define SANDBOX_LL_WRITE	(1u << 0)	/* file system writes (ABI 1) */
#define SANDBOX_LL_REFER	(1u << 1)	/* linking and renaming across dirs (2) */
#define SANDBOX_LL_TRUNCATE	(1u << 2)	/* truncate (3) */
#define SANDBOX_LL_IOCTL_DEV	(1u << 3)	/* ioctl on device files (5) */
#define SANDBOX_LL_SCOPE_SIGNAL	(1u << 4)	/* signals leave no domain (6) */
#define SANDBOX_LL_SCOPE_UNIX	(1u << 5)	/* nor abstract unix connects (6) */
#define SANDBOX_LL__COUNT	6

#define SANDBOX_MAX_MISSING 4

struct sandbox_status {
	const char *kind;	/* "seccomp" or "null" */
	const char *profile;	/* profile name, NULL before sandbox_apply */
	int no_new_privs;	/* 1 once set */
	int seccomp;		/* 1 once the filter is loaded */
	int seccomp_refused;	/* the kernel would not load it (missing says
				   why); the filter was built and is sound */
	int landlock;		/* 1 once a ruleset is enforced */
	int landlock_abi;	/* kernel's Landlock ABI, 0 if none */
	unsigned landlock_features; /* SANDBOX_LL_* enforced */
	size_t n_missing;	/* parts not applied, with the reason */
	struct { const char *part; char why[160]; } missing[SANDBOX_MAX_MISSING];
};

void sandbox_status_init(struct sandbox_status *st);
int sandbox_profile_from_name(const char *name, enum sandbox_profile *p);
const char *sandbox_profile_name(enum sandbox_profile p);

/* no_new_privs + seccomp filter for profile p. */
int sandbox_apply(enum sandbox_profile p, struct sandbox_status *st);

struct sandbox_paths {
	const char *const *write;	/* maintain: writes beneath these */
	size_t n_write;
	const char *const *make;	/* of those, directories to create first */
	size_t n_make;
};

/*
 * Landlock: refuse every write, except beneath paths->write (maintain).
 * Each write path is opened without following a symlink at any component:
 * a symlink is refused (RONDA_ESANDBOX, err names it), an absent path is
 * skipped (it only allows less), unless it is in paths->make, whose absent
 * last component is created (0700) first: the only change the agent makes
 * before it is confined.  paths may be NULL.  disabled (--no-landlock)
 * records Landlock as missing without trying.
 */
int sandbox_landlock(enum sandbox_profile p, const struct sandbox_paths *paths,
		     int disabled, struct sandbox_status *st, struct buf *err);

/* Name of one SANDBOX_LL_* bit ("scope_signal"), for the summary. */
const char *sandbox_landlock_feature(unsigned bit);

/* Records a part that was not applied (used by both implementations). */
void sandbox_missing(struct sandbox_status *st, const char *part,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Non-zero if every part that this build knows was applied. */
int sandbox_complete(const struct sandbox_status *st);

#endif
