/*
 * sandbox-seccomp.c - no_new_privs, libseccomp filters and Landlock; see sandbox.h.
 *
 * The filters are built from name lists, resolved with libseccomp for the
 * native architecture only: any other architecture token (x32 included, whose
 * numbers carry bit 30 on x86-64) takes the bad-arch action, which kills.
 * Names that this libseccomp does not know are skipped: on such a kernel the
 * call falls to the default action.  Argument tests use masks on the 32 bits
 * the kernel reads (open flags are an int), never 64-bit equality, so high
 * garbage bits cannot slip past them.
 *
 * Filters stack: inspect and maintain load this allow list and the argument
 * filter of sandbox-args.c; the trampoline adds the command deny list on
 * top of the inherited pair, and the strictest answer wins.
 *
 * Landlock: what the kernel enforces is what its ABI knows.  Writes (ABI 1,
 * truncate from 3), ioctl on device files (5), and under inspect the
 * signal and abstract-unix-socket scopes (6), which keep signals and
 * abstract connects inside the agent's own processes (itself, its probes,
 * its commands and their children).  Without ABI 6 nothing in the kernel
 * stops a signal to another process of the same user (or any, as root)
 * but kill(-1): the summary then lists the scope as missing.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "sandbox_int.h"
#include "banned.h"

/* Debian 12's kernel headers predate Landlock ABI 3 (Linux 6.2). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
/* ... and ABI 5 (Linux 6.10) and 6 (Linux 6.12). */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels take the zeros. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

/* What ordinary read-only tools (and the agent) need. */
static const char *const allow_base[] = {
	"read", "readv", "pread64", "preadv", "preadv2", "write", "writev",
	"pwrite64", "pwritev", "pwritev2", "lseek", "close", "close_range",
	"fstat", "stat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getdents", "getdents64", "getcwd", "chdir", "fchdir", "fcntl",
	"dup", "dup2", "dup3", "pipe", "pipe2", "poll", "ppoll", "select",
	"pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd",
	"signalfd4", "timerfd_create", "timerfd_settime", "timerfd_gettime",
	"inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	"mmap", "munmap", "mprotect", "mremap", "madvise", "mincore", "brk",
	"msync", "mlock", "munlock", "memfd_create", "membarrier",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigtimedwait", "rt_sigsuspend", "rt_sigqueueinfo", "sigaltstack",
	"pause", "alarm", "getitimer", "setitimer", "kill", "tgkill", "tkill",
	"pidfd_open", "pidfd_send_signal", "getpid", "getppid", "gettid",
	"getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid",
	"getresgid", "setuid", "setgid", "setreuid", "setregid", "setresuid",
	"setresgid", "setgroups", "setfsuid", "setfsgid", "capget", "capset",
	"getpgrp", "getpgid", "setpgid", "getsid", "setsid", "umask", "uname",
	"sysinfo", "getrlimit", "setrlimit", "prlimit64", "getrusage", "times",
	"getpriority", "setpriority", "clock_gettime", "clock_getres",
	"clock_nanosleep", "nanosleep", "gettimeofday", "time", "futex",
	"futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address",
	"arch_prctl", "prctl", "rseq", "exit", "exit_group", "wait4", "waitid",
	"vfork", "fork", "execve", "execveat", "getrandom",
	"sched_getaffinity", "sched_yield", "sched_getparam",
	"sched_getscheduler", "sched_get_priority_max",
	"sched_get_priority_min", "getcpu", "ioctl", "flock", "fsync",
	"fdatasync", "fadvise64", "readahead", "sendfile", "splice", "tee",
	"socket", "socketpair", "connect", "bind", "listen", "accept",
	"accept4", "shutdown", "sendto", "recvfrom", "sendmsg", "recvmsg",
	"sendmmsg", "recvmmsg", "getsockname", "getpeername", "getsockopt",
	"setsockopt", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
	"llistxattr", "flistxattr", "name_to_handle_at", "kcmp",
	"seccomp", "landlock_create_ruleset", "landlock_add_rule",
	"landlock_restrict_self", "ioprio_get", "get_mempolicy",
	"set_mempolicy",	/* procps (ps, top) sets its own NUMA policy */
	"restart_syscall", NULL,
};

/* Calls that change the file system; EROFS under inspect. */
static const char *const fs_writes[] = {
	"creat", "unlink", "unlinkat", "rename", "renameat", "renameat2",
	"link", "linkat", "symlink", "symlinkat", "mkdir", "mkdirat", "rmdir",
	"mknod", "mknodat", "chmod", "fchmod", "fchmodat", "chown", "fchown",
	"lchown", "fchownat", "truncate", "ftruncate", "fallocate", "utime",
	"utimes", "utimensat", "futimesat", "setxattr", "lsetxattr",
	"fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "sync",
	"syncfs", NULL,
};

/* Calls libc or tools probe; ENOSYS makes them take the old way. */
static const char *const probes[] = {
	"clone3", "openat2", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "pidfd_getfd", "process_madvise", NULL,
};

/* The command profile's deny list (EPERM), in the spirit of Docker's. */
static const char *const command_deny[] = {
	"mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen",
	"fsmount", "fsconfig", "fspick", "mount_setattr", "ptrace",
	"process_vm_readv", "process_vm_writev", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module",
	"bpf", "keyctl", "add_key", "request_key", "reboot", "swapon",
	"swapoff", "clock_settime", "clock_adjtime", "settimeofday", "adjtimex",
	"unshare", "setns", "perf_event_open", "userfaultfd",
	"open_by_handle_at", "acct", "quotactl", "iopl", "ioperm", "syslog",
	"sethostname", "setdomainname", "lookup_dcookie", "vhangup",
	"nfsservctl", "chroot", "personality", "fanotify_init", NULL,
};

static int add_list(scmp_filter_ctx ctx, uint32_t action,
		    const char *const *names)
{
	int nr, r;

	for (; *names; names++) {
		nr = seccomp_syscall_resolve_name(*names);
		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, action, nr, 0);
		if (r < 0) {
			log_error("seccomp: rule for %s: %s", *names, strerror(-r));
			return RONDA_ESANDBOX;
		}
	}
	return RONDA_OK;
}

/* open/openat: allowed without write flags; EROFS with any of them. */
static int add_opens(scmp_filter_ctx ctx, int writes_ok)
{
	static const uint32_t wr[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC };
	const uint32_t mask = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC;
	int r;

	if (writes_ok) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 0);
		if (!r)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 0);
		return r ? RONDA_ESANDBOX : RONDA_OK;
	}
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
			     SCMP_A1(SCMP_CMP_MASKED_EQ, mask, 0));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, mask, 0));
	for (size_t i = 0; !r && i < sizeof(wr) / sizeof(wr[0]); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EROFS), SCMP_SYS(open), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, wr[i], wr[i]));
		if (!r)
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EROFS),
					     SCMP_SYS(openat), 1,
					     SCMP_A2(SCMP_CMP_MASKED_EQ, wr[i], wr[i]));
	}
	if (r)
		log_error("seccomp: open rules: %s", strerror(-r));
	return r ? RONDA_ESANDBOX : RONDA_OK;
}

static const uint32_t ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
	CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};
#define NS_MASK (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
		 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* clone is allowed without namespace flags; with them it falls to the kill. */
static int add_clone(scmp_filter_ctx ctx)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				 SCMP_A0(SCMP_CMP_MASKED_EQ, NS_MASK, 0));

	if (r)
		log_error("seccomp: clone rule: %s", strerror(-r));
	return r ? RONDA_ESANDBOX : RONDA_OK;
}

/*
 * Refused in the command profiles: clone with namespace flags, TIOCSTI,
 * netlink sockets (ip link set, ss -K: only the agent's port check reads
 * sock_diag) and, unless unix_ok, unix sockets (systemctl, D-Bus, docker:
 * anything behind them may change the host).
 */
static int add_command_args(scmp_filter_ctx ctx, int unix_ok)
{
	const uint32_t *ns = ns_flags;
	int r = 0;

	for (size_t i = 0; !r && i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_NETLINK));
	if (!r && !unix_ok)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, AF_UNIX));
	if (r)
		log_error("seccomp: command rules: %s", strerror(-r));
	return r ? RONDA_ESANDBOX : RONDA_OK;
}

static int build(enum sandbox_profile p, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx;
	uint32_t deflt;
	int r = RONDA_ESANDBOX;

	deflt = p == SANDBOX_COMMAND || p == SANDBOX_COMMAND_UNIX ?
		SCMP_ACT_ALLOW : SCMP_ACT_KILL_PROCESS;
	ctx = seccomp_init(deflt);
	if (!ctx)
		return RONDA_ESANDBOX;
	/* We set no_new_privs ourselves, and want to know if it failed. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0)
		goto out;
	switch (p) {
	case SANDBOX_INSPECT:
	case SANDBOX_MAINTAIN:
		r = add_list(ctx, SCMP_ACT_ALLOW, allow_base);
		if (r == RONDA_OK)
			r = add_list(ctx, p == SANDBOX_MAINTAIN ? SCMP_ACT_ALLOW :
				     SCMP_ACT_ERRNO(EROFS), fs_writes);
		if (r == RONDA_OK)
			r = add_opens(ctx, p == SANDBOX_MAINTAIN);
		if (r == RONDA_OK)
			r = add_clone(ctx);
		if (r == RONDA_OK)
			r = add_list(ctx, SCMP_ACT_ERRNO(ENOSYS), probes);
		break;
	case SANDBOX_COMMAND:
	case SANDBOX_COMMAND_UNIX:
		r = add_list(ctx, SCMP_ACT_ERRNO(EPERM), command_deny);
		if (r == RONDA_OK)
			r = add_command_args(ctx, p == SANDBOX_COMMAND_UNIX);
		if (r == RONDA_OK)
			r = add_list(ctx, SCMP_ACT_ERRNO(ENOSYS), probes);
		break;
	}
	if (r != RONDA_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
out:
	if (ctx)
		seccomp_release(ctx);
	return r;
}

/*
 * The filter was not loaded: recorded with the reason.  Only a kernel
 * without seccomp filters, or qemu-user, which loads none for its guest
 * (EINVAL, ENOSYS), sets seccomp_refused: the caller then decides by the
 * host's policy whether to run unconfined.  Anything else stays fatal.
 */
static int refused(struct sandbox_status *st, const char *which, int neg_errno)
{
	int none = neg_errno == -EINVAL || neg_errno == -ENOSYS;

	st->seccomp_refused = none;
	sandbox_missing(st, "seccomp", "the kernel refused the %s filter: %s%s", which,
			strerror(-neg_errno),
			none ? " (no seccomp filters here; qemu-user applies none for its guest)" : "");
	return RONDA_ESANDBOX;
}

/*
 * build() failed.  libseccomp asks the kernel which actions it has: where
 * seccomp(2) itself is missing (qemu-user: ENOSYS) the filter cannot even
 * be built, which is the kernel's refusal, not ours.
 */
static int unbuilt(struct sandbox_status *st, enum sandbox_profile p)
{
	uint32_t act = SECCOMP_RET_KILL_PROCESS;

	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) < 0 &&
	    (errno == ENOSYS || errno == EINVAL))
		return refused(st, sandbox_profile_name(p), -errno);
	sandbox_missing(st, "seccomp", "the %s filter could not be built",
			sandbox_profile_name(p));
	return RONDA_ESANDBOX;
}

int sandbox_apply(enum sandbox_profile p, struct sandbox_status *st)
{
	scmp_filter_ctx ctx = NULL;
	int r;

	st->kind = "seccomp";
	st->profile = sandbox_profile_name(p);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_error("no_new_privs: %s", strerror(errno));
		return RONDA_ESANDBOX;
	}
	st->no_new_privs = 1;
	r = build(p, &ctx);
	if (r != RONDA_OK)
		return unbuilt(st, p);
	/* First, while the allow list does not yet stand between us and prctl. */
	if ((p == SANDBOX_INSPECT || p == SANDBOX_MAINTAIN) &&
	    sandbox_args_load() != RONDA_OK) {
		r = -errno;
		seccomp_release(ctx);
		return refused(st, "argument", r);
	}
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		log_error("seccomp: loading the %s filter: %s",
			  sandbox_profile_name(p), strerror(-r));
		return refused(st, sandbox_profile_name(p), r);
	}
	st->seccomp = 1;
	return RONDA_OK;
}

/* Write-type rights known to each Landlock ABI. */
static uint64_t landlock_writes(int abi)
{
	uint64_t a = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		a |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return a;
}

static int in_list(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, v[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * Opens path O_PATH one component at a time from "/", never following a
 * symlink (O_PATH|O_NOFOLLOW opens the link itself, which fstat shows).
 * make: an absent last component is created as a directory first.
 * RONDA_ENOTFOUND if a component is absent; otherwise why says what failed.
 */
static int open_nofollow(const char *path, int make, int *out, struct buf *why)
{
	char comp[NAME_MAX + 1];
	const char *p = path;
	struct stat stb;
	int fd, next, r = RONDA_ESYS;
	size_t n;

	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(why, "/: %s", strerror(errno));
		return RONDA_ESYS;
	}
	for (;;) {
		p += strspn(p, "/");
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX || (n <= 2 && strncmp(p, "..", n) == 0)) {
			buf_printf(why, "%s: a name is \".\", \"..\" or too long", path);
			r = RONDA_EINVAL;
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && make && !p[strspn(p, "/")]) {
			if (mkdirat(fd, comp, 0700) < 0 && errno != EEXIST) {
				buf_printf(why, "creating %s: %s", path, strerror(errno));
				goto out;
			}
			next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			r = errno == ENOENT ? RONDA_ENOTFOUND : RONDA_ESYS;
			buf_printf(why, "%.*s: %s", (int)(p - path), path, strerror(errno));
			goto out;
		}
		close(fd);
		fd = next;
		if (fstat(fd, &stb) < 0) {
			buf_printf(why, "%.*s: %s", (int)(p - path), path, strerror(errno));
			goto out;
		}
		if (S_ISLNK(stb.st_mode)) {
			buf_printf(why, "%.*s is a symlink (write paths are never followed: name the real directory)",
				   (int)(p - path), path);
			r = RONDA_EINVAL;
			goto out;
		}
		if (p[strspn(p, "/")] && !S_ISDIR(stb.st_mode)) {
			buf_printf(why, "%.*s: not a directory", (int)(p - path), path);
			r = RONDA_EINVAL;
			goto out;
		}
	}
	*out = fd;
	return RONDA_OK;
out:
	close(fd);
	return r;
}

/* Grants access beneath path (what applies to a file, if it is one). */
static int landlock_allow(int ruleset, const char *path, int make,
			  uint64_t access, struct buf *why)
{
	struct landlock_path_beneath_attr pb;
	struct stat stb;
	int fd, r;

	r = open_nofollow(path, make, &fd, why);
	if (r != RONDA_OK)
		return r;
	r = RONDA_ESYS;
	if (fstat(fd, &stb) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* Rights about directory entries apply to directories only. */
	if (!S_ISDIR(stb.st_mode))
		access &= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
			  LANDLOCK_ACCESS_FS_IOCTL_DEV;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
		    &pb, 0) < 0) {
		buf_printf(why, "%s: landlock_add_rule: %s", path, strerror(errno));
		goto out;
	}
	r = RONDA_OK;
out:
	close(fd);
	return r;
}

/* The SANDBOX_LL_* bits a ruleset enforces, and what the kernel lacks. */
static unsigned landlock_features(enum sandbox_profile p, int abi,
				  const struct ll_ruleset_attr *ra,
				  struct sandbox_status *st)
{
	unsigned f = SANDBOX_LL_WRITE;

	if (ra->handled_access_fs & LANDLOCK_ACCESS_FS_REFER)
		f |= SANDBOX_LL_REFER;
	if (ra->handled_access_fs & LANDLOCK_ACCESS_FS_TRUNCATE)
		f |= SANDBOX_LL_TRUNCATE;
	if (ra->handled_access_fs & LANDLOCK_ACCESS_FS_IOCTL_DEV)
		f |= SANDBOX_LL_IOCTL_DEV;
	else
		sandbox_missing(st, "landlock-ioctl-dev", "Landlock ABI %d < 5: device ioctls are limited by seccomp's list only", abi);
	if (ra->scoped & LANDLOCK_SCOPE_SIGNAL)
		f |= SANDBOX_LL_SCOPE_SIGNAL;
	if (ra->scoped & LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET)
		f |= SANDBOX_LL_SCOPE_UNIX;
	if (p == SANDBOX_INSPECT && !ra->scoped)
		sandbox_missing(st, "landlock-scope", "Landlock ABI %d < 6: signals and abstract unix sockets may reach processes outside the job", abi);
	return f;
}

int sandbox_landlock(enum sandbox_profile p, const struct sandbox_paths *paths,
		     int disabled, struct sandbox_status *st, struct buf *err)
{
	struct ll_ruleset_attr ra;
	struct buf why;
	int abi, fd = -1, r = RONDA_OK;

	buf_init(&why, 1024);
	if (disabled) {
		sandbox_missing(st, "landlock", "turned off (--no-landlock)");
		goto out;
	}
	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	if (abi <= 0) {
		sandbox_missing(st, "landlock", "kernel has no Landlock (%s)",
				strerror(errno));
		goto out;
	}
	st->landlock_abi = abi;
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = landlock_writes(abi);
	/* Maintain's postrotate must signal the daemon it reopens. */
	if (p == SANDBOX_INSPECT && abi >= 6)
		ra.scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	fd = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0);
	if (fd < 0) {
		sandbox_missing(st, "landlock", "create_ruleset: %s", strerror(errno));
		goto out;
	}
	if (p == SANDBOX_MAINTAIN) {
		/* Tools write their noise to /dev/null. */
		if (landlock_allow(fd, "/dev/null", 0, ra.handled_access_fs, &why) != RONDA_OK)
			log_debug("landlock: %s", buf_data(&why));
		for (size_t i = 0; paths && i < paths->n_write; i++) {
			const char *w = paths->write[i];

			buf_reset(&why);
			r = landlock_allow(fd, w, in_list(w, paths->make, paths->n_make),
					   ra.handled_access_fs, &why);
			/* A path this host lacks (no nginx here) grants
			 * nothing; skipping it only allows less. */
			if (r == RONDA_ENOTFOUND) {
				log_debug("landlock: write path %s: absent", w);
				r = RONDA_OK;
				continue;
			}
			if (r != RONDA_OK) {
				log_error("landlock: write path %s: %s", w, buf_data(&why));
				if (err)
					buf_printf(err, "write path %s: %s", w, buf_data(&why));
				r = RONDA_ESANDBOX;
				goto out;
			}
		}
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		sandbox_missing(st, "landlock", "restrict_self: %s", strerror(errno));
		goto out;
	}
	st->landlock = 1;
	st->landlock_features = landlock_features(p, abi, &ra, st);
out:
	if (fd >= 0)
		close(fd);
	buf_release(&why);
	return r;
}
