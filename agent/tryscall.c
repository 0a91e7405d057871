/*
 * tryscall.c - the try-syscall helper and the spawn benchmark; see
 * tryscall.h.  Each call is chosen so that, when the filter lets it through,
 * the kernel fails it without touching anything (or does something that
 * dies with this short-lived process, such as unshare).
 */
#include "tryscall.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "names.h"
#include "sandbox.h"
#include "spawner.h"
#include "banned.h"

#define NOPATH "/nonexistent-ronda/x"
/* A pid no process has (pid_max is at most 2^22). */
#define NOPID 0x7ffffff0

static char abstract_name[64];

/* Listens on an abstract socket before the profile goes on (outside it). */
static int abstract_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int n = snprintf(abstract_name, sizeof(abstract_name), "ronda-tryscall-%d",
			 (int)getpid());

	memcpy(sa.sun_path + 1, abstract_name, (size_t)n);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) < 0 ||
	    listen(fd, 1) < 0)
		return -1;
	return fd;
}

static long try_abstract_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(abstract_name);
	long r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memcpy(sa.sun_path + 1, abstract_name, n);
	r = connect(fd, (struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
	close(fd);
	return r;
}

static long try_socket(int domain, int type, int proto)
{
	int fd = socket(domain, type | SOCK_CLOEXEC, proto);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Sets a limit or a priority to what it already is: a no-op if let through. */
static long try_prlimit(pid_t pid, int set)
{
	struct rlimit cur;

	if (getrlimit(RLIMIT_NOFILE, &cur) < 0)
		return -1;
	return syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, set ? &cur : NULL,
		       set ? NULL : &cur);
}

static long try_setpriority(long which, long who)
{
	int cur;

	errno = 0;
	cur = getpriority(PRIO_PROCESS, 0);
	if (cur == -1 && errno)
		return -1;
	return syscall(SYS_setpriority, which, who, (long)cur);
}

static long try_open_write(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/ronda-tryscall.%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return fd;
}

static long try_clone_ns(void)
{
	long r = syscall(SYS_clone, (long)(CLONE_NEWNS | SIGCHLD), 0L, 0L, 0L, 0L);

	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return r;
}

static long try_spawn(void)
{
	char *argv[] = { spawn_arg("true"), NULL };
	pid_t pid;
	int st, r;

	r = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, spawn_env);
	if (r) {
		errno = r;
		return -1;
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

/* creat(2) exists on x86-64 only; aarch64 has just openat. */
static long try_creat(void)
{
#ifdef SYS_creat
	return syscall(SYS_creat, NOPATH, 0600);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static long call(const char *n)
{
	if (!strcmp(n, "getpid"))	return syscall(SYS_getpid);
	if (!strcmp(n, "open_read"))	return open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (!strcmp(n, "open_write"))	return try_open_write();
	if (!strcmp(n, "open_trunc"))	return open(NOPATH, O_RDONLY | O_TRUNC | O_CLOEXEC);
	if (!strcmp(n, "creat"))	return try_creat();
	if (!strcmp(n, "unlink"))	return unlink(NOPATH);
	if (!strcmp(n, "rename"))	return rename(NOPATH, NOPATH "2");
	if (!strcmp(n, "chmod"))	return chmod(NOPATH, 0600);
	if (!strcmp(n, "chown"))	return chown(NOPATH, 0, 0);
	if (!strcmp(n, "truncate"))	return truncate(NOPATH, 0);
	if (!strcmp(n, "mkdir"))	return mkdir(NOPATH, 0700);
	if (!strcmp(n, "mount"))	return mount("none", NOPATH, "tmpfs", 0, NULL);
	if (!strcmp(n, "ptrace"))	return ptrace(PTRACE_ATTACH, 0x7fffffff, NULL, NULL);
	if (!strcmp(n, "kexec_load"))	return syscall(SYS_kexec_load, 0L, 0L, NULL, 0xdead0000L);
	if (!strcmp(n, "init_module"))	return syscall(SYS_init_module, NULL, 0L, "");
	if (!strcmp(n, "finit_module"))	return syscall(SYS_finit_module, -1, "", 0);
	if (!strcmp(n, "bpf"))		return syscall(SYS_bpf, -1, NULL, 0);
	if (!strcmp(n, "reboot"))	return syscall(SYS_reboot, 0L, 0L, 0L, NULL);
	if (!strcmp(n, "swapon"))	return swapon(NOPATH, 0);
	if (!strcmp(n, "clock_settime")) return syscall(SYS_clock_settime, CLOCK_REALTIME, NULL);
	if (!strcmp(n, "unshare"))	return unshare(CLONE_NEWUTS);
	if (!strcmp(n, "clone_newns"))	return try_clone_ns();
	if (!strcmp(n, "setns"))	return setns(-1, 0);
	if (!strcmp(n, "keyctl"))	return syscall(SYS_keyctl, 0L, -9999L, 0L);
	if (!strcmp(n, "perf_event_open")) return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	if (!strcmp(n, "clone3"))	return syscall(SYS_clone3, NULL, 0L);
	if (!strcmp(n, "io_uring_setup")) return syscall(SYS_io_uring_setup, 0, NULL);
	if (!strcmp(n, "rseq"))		return syscall(SYS_rseq, NULL, 0, 0, 0);
	if (!strcmp(n, "x32_getpid"))	return syscall(0x40000000L | SYS_getpid);
	if (!strcmp(n, "tiocsti"))	return ioctl(0, TIOCSTI, "x");
	if (!strcmp(n, "spawn"))	return try_spawn();
	/* fd -1: a request the filter lets through fails with EBADF. */
	if (!strcmp(n, "ioctl_tcgets"))	return ioctl(-1, TCGETS, NULL);
	if (!strcmp(n, "ioctl_fionread")) return ioctl(-1, FIONREAD, NULL);
	if (!strcmp(n, "ioctl_getflags")) return ioctl(-1, FS_IOC_GETFLAGS, NULL);
	if (!strcmp(n, "ioctl_setflags")) return ioctl(-1, FS_IOC_SETFLAGS, NULL);
	if (!strcmp(n, "ioctl_getflags_hi")) return syscall(SYS_ioctl, -1L,
		(long)((1UL << 32) | FS_IOC_GETFLAGS), NULL);
	if (!strcmp(n, "ioctl_siocsifmtu")) return ioctl(-1, SIOCSIFMTU, NULL);
	if (!strcmp(n, "setpriority_self")) return try_setpriority(PRIO_PROCESS, 0);
	if (!strcmp(n, "setpriority_pgrp")) return try_setpriority(PRIO_PGRP, 0);
	if (!strcmp(n, "setpriority_other")) return try_setpriority(PRIO_PROCESS, NOPID);
	if (!strcmp(n, "setpriority_other_hi")) return try_setpriority(PRIO_PROCESS,
		(long)((1UL << 32) | NOPID));
	if (!strcmp(n, "setpriority_user")) return try_setpriority(PRIO_USER, NOPID);
	if (!strcmp(n, "prlimit_self"))	return try_prlimit(0, 1);
	if (!strcmp(n, "prlimit_other")) return try_prlimit(NOPID, 1);
	if (!strcmp(n, "prlimit_other_read")) return try_prlimit(NOPID, 0);
	if (!strcmp(n, "kill_self"))	return kill(getpid(), 0);
	if (!strcmp(n, "kill_init"))	return kill(1, 0);
	if (!strcmp(n, "kill_all"))	return kill(-1, 0);
	if (!strcmp(n, "socket_inet"))	return try_socket(AF_INET, SOCK_STREAM, 0);
	if (!strcmp(n, "socket_unix"))	return try_socket(AF_UNIX, SOCK_STREAM, 0);
	if (!strcmp(n, "socket_sock_diag")) return try_socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
	if (!strcmp(n, "socket_netlink_route")) return try_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (!strcmp(n, "socket_packet")) return try_socket(AF_PACKET, SOCK_DGRAM, 0);
	if (!strcmp(n, "abstract_connect")) return try_abstract_connect();
	errno = EINVAL;
	return -2;
}

static int apply(const char *profiles)
{
	struct sandbox_status st;
	enum sandbox_profile p;
	char list[128], *tok, *save = NULL;

	if (snprintf(list, sizeof(list), "%s", profiles) >= (int)sizeof(list))
		return RONDA_EINVAL;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		sandbox_status_init(&st);
		if (!strcmp(tok, "none"))
			continue;
		if (!strcmp(tok, "landlock")) {
			if (sandbox_landlock(SANDBOX_INSPECT, NULL, 0, &st, NULL) != RONDA_OK ||
			    !st.landlock) {
				fprintf(stderr, "try-syscall: landlock not applied\n");
				return RONDA_ESANDBOX;
			}
			continue;
		}
		if (sandbox_profile_from_name(tok, &p) != RONDA_OK) {
			fprintf(stderr, "try-syscall: unknown profile %s\n", tok);
			return RONDA_EINVAL;
		}
		if (sandbox_apply(p, &st) != RONDA_OK)
			return RONDA_ESANDBOX;
	}
	return RONDA_OK;
}

int tryscall_main(const char *profiles, char **names)
{
	char line[128];
	long r;
	int n;

	for (char **p = names; *p; p++) {
		if (!strcmp(*p, "abstract_connect") && abstract_listen() < 0) {
			fprintf(stderr, "try-syscall: abstract socket: %s\n", strerror(errno));
			return 70;
		}
	}
	if (apply(profiles) != RONDA_OK)
		return 69;
	for (; *names; names++) {
		errno = 0;
		r = call(*names);
		if (r == -2 && errno == EINVAL) {
			fprintf(stderr, "try-syscall: unknown call %s\n", *names);
			return 64;
		}
		if (r >= 0)
			n = snprintf(line, sizeof(line), "%s ok\n", *names);
		else
			n = snprintf(line, sizeof(line), "%s errno=E%s\n", *names,
				     errno_name(errno) ? errno_name(errno) + 1 : "?");
		/* One write per line: the next call may kill us. */
		if (n > 0)
			(void)!write(1, line, (size_t)n);
	}
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_run_main(const char *count, const char *input, char **argv)
{
	posix_spawn_file_actions_t fa;
	unsigned long long n;
	double *v, t;
	pid_t pid;
	int st, rc = 1;

	if (check_parse_u64(count, &n) != RONDA_OK || n == 0 || n > 100000 ||
	    !argv[0] || argv[0][0] != '/') {
		fputs("bench-run: N must be 1 to 100000, the program an absolute path\n", stderr);
		return 64;
	}
	v = calloc(n, sizeof(*v));
	if (!v || posix_spawn_file_actions_init(&fa) != 0) {
		free(v);
		return 1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, input, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (size_t i = 0; i < n; i++) {
		t = now_us();
		if (posix_spawn(&pid, argv[0], &fa, NULL, argv, spawn_env) != 0 ||
		    waitpid(pid, &st, 0) < 0)
			goto out;
		v[i] = now_us() - t;
	}
	printf("runs %llu\nmedian_us %.1f\n", n, median(v, n));
	rc = 0;
out:
	posix_spawn_file_actions_destroy(&fa);
	free(v);
	return rc;
}

int bench_spawn_main(const char *count)
{
	char *argv[] = { spawn_arg("/bin/true"), NULL };
	unsigned long long n;
	struct spawn_req rq;
	struct spawn_res sr;
	double *ps, *fe, *sp, t;
	pid_t pid;
	int st, rc = 1;

	if (check_parse_u64(count, &n) != RONDA_OK || n == 0 || n > 100000) {
		fputs("bench-spawn: N must be 1 to 100000\n", stderr);
		return 64;
	}
	ps = calloc(n, sizeof(*ps));
	fe = calloc(n, sizeof(*fe));
	sp = calloc(n, sizeof(*sp));
	if (!ps || !fe || !sp || spawn_init(-1) != RONDA_OK)
		goto out;
	memset(&rq, 0, sizeof(rq));
	rq.path = "/bin/true";
	rq.argv = argv;
	rq.timeout = 10;
	for (size_t i = 0; i < n; i++) {
		t = now_us();
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, spawn_env) != 0 ||
		    waitpid(pid, &st, 0) < 0)
			goto out;
		ps[i] = now_us() - t;

		t = now_us();
		pid = fork();
		if (pid == 0) {
			execve("/bin/true", argv, spawn_env);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0)
			goto out;
		fe[i] = now_us() - t;

		spawn_res_init(&sr);
		t = now_us();
		if (spawn_run(&rq, &sr) != RONDA_OK)
			goto out;
		sp[i] = now_us() - t;
		spawn_res_release(&sr);
	}
	printf("spawns %llu\nposix_spawn_median_us %.1f\nfork_exec_median_us %.1f\n"
	       "spawn_run_median_us %.1f\n", n, median(ps, n), median(fe, n),
	       median(sp, n));
	rc = 0;
out:
	free(ps);
	free(fe);
	free(sp);
	return rc;
}
