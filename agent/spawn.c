/*
 * spawn.c - posix_spawn runner with deadline and output caps; see spawner.h.
 *
 * Signals are turned into bytes on a self-pipe, so the one poll() that reads
 * the child's pipes also learns about SIGCHLD (leader exited), SIGTERM/HUP/
 * INT (stop everything) and EOF on the watched descriptor (the orchestrator
 * went away).  The leader's exit is detected with waitid(WNOWAIT), which
 * leaves it a zombie: its process group id stays reserved until we have
 * killed the rest of the group and reaped it.
 *
 * The self-pipe only helps code that polls.  A task that works in the agent
 * itself (compressing a log, walking a tree) or a bug that spins never
 * looks, so SIGALRM is the backstop: a stop signal arms it SPAWN_STOP_GRACE
 * seconds ahead, the job's deadline arms it too (spawn_deadline), and its
 * handler kills the running child's group and ends the agent.
 */
#include "spawner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "job.h"
#include "log.h"
#include "names.h"
#include "banned.h"

static char env_path[] =
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
static char env_lang[] = "LANG=C";
char *const spawn_env[] = { env_path, env_lang, NULL };

static int sig_pipe[2] = { -1, -1 };
static int watch = -1;
static int watch_out = -1;	/* spawn_watch_reader(): its reader gone = stop */
static volatile sig_atomic_t abort_reason;
static volatile pid_t running_group;	/* the child spawn_run() waits for */

/*
 * The one exit outside main: we get here only when the code that would
 * return is not running.  Rotation and cleanup are crash-safe, so ending
 * at any instant loses no data; the orchestrator sees a run without its
 * summary.
 */
static void on_alarm(int sig)
{
	static const char msg[] = "ronda-agent: still busy after a stop signal "
				  "or past the job's deadline; exiting\n";

	(void)sig;
	if (running_group > 0)
		kill(-running_group, SIGKILL);
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(AGENT_EXIT_STOPPED);
}

/* Arms SIGALRM secs ahead, unless it is already due sooner. */
static void arm_backstop(unsigned secs)
{
	unsigned left = alarm(0);

	alarm(left && left < secs ? left : secs);
}

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (sig != SIGCHLD) {
		abort_reason = sig;
		arm_backstop(SPAWN_STOP_GRACE);
	}
	/* Non-blocking: a full pipe already holds a wake-up. */
	(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

int spawn_init(int watch_fd)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGHUP, SIGINT };
	struct sigaction sa;

	if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return RONDA_ESYS;
	watch = watch_fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return RONDA_ESYS;
	}
	sa.sa_handler = on_alarm;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return RONDA_ESYS;
	/* A write to a vanished orchestrator must be an EPIPE, not a death. */
	signal(SIGPIPE, SIG_IGN);
	/* Orphans of our children come to us, so we can find and reap them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_debug("no subreaper: %s", strerror(errno));
	return RONDA_OK;
}

void spawn_res_init(struct spawn_res *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->out, SPAWN_CAP_DEFAULT);
	buf_init(&res->err, SPAWN_CAP_DEFAULT);
}

void spawn_res_release(struct spawn_res *res)
{
	buf_release(&res->out);
	buf_release(&res->err);
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Empties the self-pipe; abort_reason was set by the handler already. */
static void drain_sig_pipe(void)
{
	unsigned char tmp[64];

	while (read(sig_pipe[0], tmp, sizeof(tmp)) > 0)
		;
}

/* Reads what the watched descriptor has; EOF or error means stop. */
static void check_watch(short revents)
{
	char tmp[256];
	ssize_t n;

	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = read(watch, tmp, sizeof(tmp));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		if (!abort_reason)
			abort_reason = -1;
	}
}

void spawn_deadline(double secs)
{
	/* alarm() counts whole seconds; a job's timeout is at most a day. */
	if (!(secs >= 1))
		secs = 1;
	if (secs > 2 * 86400)
		secs = 2 * 86400;
	arm_backstop((unsigned)ceil(secs));
}

void spawn_deadline_clear(void)
{
	if (!abort_reason)
		alarm(0);
}

int spawn_signal_fd(void)
{
	return sig_pipe[0];
}

void spawn_watch_reader(int fd)
{
	watch_out = fd;
}

/*
 * The reader of watch_out went away: a pipe's write end then polls
 * POLLERR, a socket's POLLHUP, with no event asked for, so the bytes
 * waiting in either direction are neither read nor a cause to wake.
 */
static void check_reader(short revents)
{
	if ((revents & (POLLERR | POLLHUP)) && !abort_reason)
		abort_reason = -2;
}

int spawn_aborted(void)
{
	struct pollfd p;

	if (sig_pipe[0] >= 0)
		drain_sig_pipe();
	if (!abort_reason && watch >= 0) {
		p.fd = watch;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 0) > 0)
			check_watch(p.revents);
	}
	if (!abort_reason && watch_out >= 0) {
		p.fd = watch_out;
		p.events = 0;
		p.revents = 0;
		if (poll(&p, 1, 0) > 0)
			check_reader(p.revents);
	}
	return abort_reason;
}

/* Reads once from fd into b, dropping what passes the cap. 0 on EOF. */
static int read_capped(int fd, struct buf *b, int *truncated)
{
	char tmp[4096];
	ssize_t n;
	size_t room;

	n = read(fd, tmp, sizeof(tmp));
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 1 : 0;
	if (n == 0)
		return 0;
	room = b->max - buf_len(b);
	if ((size_t)n > room) {
		*truncated = 1;
		n = (ssize_t)room;
	}
	if (n > 0 && buf_append(b, tmp, (size_t)n) != RONDA_OK)
		*truncated = 1;
	return 1;
}

/*
 * The child gets no descriptor from 3 up.  glibc closes them in the child
 * (posix_spawn_file_actions_addclosefrom_np, close_range); musl has no such
 * action, so there each one /proc/self/fd lists gets a close action of its
 * own.  Without /proc nothing is spawned: no descriptor may leak.
 */
static int add_closefrom3(posix_spawn_file_actions_t *fa)
{
#ifdef __GLIBC__
	return posix_spawn_file_actions_addclosefrom_np(fa, 3);
#else
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char *end;
	long n;
	int r = 0;

	if (!d)
		return errno;
	while (!r && (e = readdir(d)) != NULL) {
		n = strtol(e->d_name, &end, 10);
		if (*end == '\0' && n >= 3 && n <= INT_MAX && n != dirfd(d))
			r = posix_spawn_file_actions_addclose(fa, (int)n);
	}
	closedir(d);
	return r;
#endif
}

static int start(const struct spawn_req *req, int out_w, int err_w, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all, none;
	int r, fa_ok = 0, at_ok = 0;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return RONDA_ENOMEM;
	fa_ok = 1;
	if (posix_spawnattr_init(&at) != 0) {
		r = RONDA_ENOMEM;
		goto out;
	}
	at_ok = 1;
	sigfillset(&all);
	sigemptyset(&none);
	r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	if (!r)
		r = add_closefrom3(&fa);
	if (!r)
		r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
					     POSIX_SPAWN_SETSIGDEF |
					     POSIX_SPAWN_SETSIGMASK);
	if (!r)
		r = posix_spawnattr_setpgroup(&at, 0);
	if (!r)
		r = posix_spawnattr_setsigdefault(&at, &all);
	if (!r)
		r = posix_spawnattr_setsigmask(&at, &none);
	if (!r)
		r = posix_spawn(pid, req->path, &fa, &at, req->argv, spawn_env);
	if (r) {
		errno = r;
		r = RONDA_ESYS;
		goto out;
	}
	r = RONDA_OK;
out:
	if (at_ok)
		posix_spawnattr_destroy(&at);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* Non-zero once the leader has exited; it stays a zombie (WNOWAIT). */
static int leader_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}

/*
 * Reaps the killed members of a group that were reparented to us (we are a
 * subreaper), until none is left or the time is up.  The zombies keep the
 * group id reserved, so this is safe after the leader was reaped.
 */
static void reap_group(pid_t pgid, double until)
{
	pid_t r;

	for (;;) {
		r = waitpid(-pgid, NULL, WNOHANG);
		if (r > 0)
			continue;
		if (r < 0 && errno != EINTR)
			return;		/* ECHILD: none of ours is left */
		if (now_mono() >= until)
			return;
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	}
}

int spawn_run(const struct spawn_req *req, struct spawn_res *res)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	double t0, deadline, kill_at = 0, drain_until = 0, grace, t;
	int exited = 0, termed = 0, killed = 0, aborted = 0;
	pid_t pid = -1;
	int r, status = 0;

	if (!req->path || req->path[0] != '/' || !req->argv || !req->argv[0] ||
	    !(req->timeout > 0))
		return RONDA_EINVAL;
	grace = req->grace > 0 ? req->grace : SPAWN_GRACE;
	res->out.max = req->out_max ? req->out_max : SPAWN_CAP_DEFAULT;
	res->err.max = req->err_max ? req->err_max : SPAWN_CAP_DEFAULT;
	/*
	 * Only our read ends are non-blocking: O_NONBLOCK on the child's
	 * write end would make its writes fail with EAGAIN when we lag.
	 */
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    fcntl(outp[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0) {
		r = RONDA_ESYS;
		goto out;
	}
	t0 = now_mono();
	deadline = t0 + req->timeout;
	r = start(req, outp[1], errp[1], &pid);
	if (r != RONDA_OK)
		goto out;
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	running_group = pid;
	log_debug("spawned %s as pid %d", req->path, (int)pid);

	while (!exited || outp[0] >= 0 || errp[0] >= 0) {
		struct pollfd p[4];
		int np = 0, i_out = -1, i_err = -1, i_watch = -1, i_reader = -1, wait_ms;
		double until;

		t = now_mono();
		if (!exited && !termed && t >= deadline) {
			kill(-pid, SIGTERM);
			termed = 1;
			kill_at = t + grace;
		}
		if (!exited && !killed && ((termed && t >= kill_at) || aborted)) {
			kill(-pid, SIGKILL);
			killed = 1;
		}
		/*
		 * The leader is gone and its group killed; pipes still open
		 * after the drain time are held by someone who left the group
		 * (setsid).  Stop reading rather than wait for them.
		 */
		if (exited && (aborted || t >= drain_until))
			break;
		until = exited ? drain_until : !termed ? deadline :
			!killed ? kill_at : t + 0.1;
		wait_ms = (int)((until - t) * 1000.0) + 1;
		if (wait_ms < 0)
			wait_ms = 0;
		if (outp[0] >= 0) {
			i_out = np;
			p[np++] = (struct pollfd){ .fd = outp[0], .events = POLLIN };
		}
		if (errp[0] >= 0) {
			i_err = np;
			p[np++] = (struct pollfd){ .fd = errp[0], .events = POLLIN };
		}
		p[np++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
		if (watch >= 0 && !aborted) {
			i_watch = np;
			p[np++] = (struct pollfd){ .fd = watch, .events = POLLIN };
		}
		if (watch_out >= 0 && !aborted) {
			i_reader = np;
			p[np++] = (struct pollfd){ .fd = watch_out, .events = 0 };
		}
		if (poll(p, (nfds_t)np, wait_ms) < 0 && errno != EINTR) {
			r = RONDA_ESYS;
			break;
		}
		if (i_out >= 0 && p[i_out].revents &&
		    !read_capped(outp[0], &res->out, &res->out_truncated)) {
			close(outp[0]);
			outp[0] = -1;
		}
		if (i_err >= 0 && p[i_err].revents &&
		    !read_capped(errp[0], &res->err, &res->err_truncated)) {
			close(errp[0]);
			errp[0] = -1;
		}
		if (i_watch >= 0)
			check_watch(p[i_watch].revents);
		if (i_reader >= 0)
			check_reader(p[i_reader].revents);
		drain_sig_pipe();
		if (abort_reason && !aborted) {
			aborted = 1;
			log_debug("stopping pid %d: told to stop", (int)pid);
		}
		if (!exited && leader_exited(pid)) {
			exited = 1;
			drain_until = now_mono() + grace;
			/* The rest of the group must not outlive its leader. */
			kill(-pid, SIGKILL);
		}
	}
	if (!exited)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	reap_group(pid, now_mono() + grace);
	running_group = 0;
	res->status = status;
	res->timed_out = termed;
	res->ms = (now_mono() - t0) * 1000.0;
	if (aborted) {
		errno = ECANCELED;
		r = RONDA_ESYS;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return r;
}

/*
 * Our children according to /proc (reparented orphans included).  Each
 * PID/stat is read with openat and read, not stdio: musl's fopen mallocs
 * its buffer (a map and an unmap a process, in its allocator) and adds an
 * fcntl for O_CLOEXEC, which open(2) does too; openat does not.
 */
static size_t list_children(pid_t *v, size_t cap)
{
	char path[64], line[512], *p;
	struct dirent *d;
	size_t n = 0;
	ssize_t got;
	long ppid;
	DIR *dir;
	int fd;

	dir = opendir("/proc");
	if (!dir)
		return 0;
	while (n < cap && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		if (snprintf(path, sizeof(path), "%s/stat", d->d_name) >= (int)sizeof(path))
			continue;
		fd = openat(dirfd(dir), path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			continue;
		got = read(fd, line, sizeof(line) - 1);
		close(fd);
		if (got <= 0)
			continue;
		line[got] = '\0';
		/* "pid (comm) S ppid": comm may hold spaces and parentheses. */
		if (!(p = strrchr(line, ')')) || p[1] == '\0')
			continue;
		errno = 0;
		ppid = strtol(p + 4, NULL, 10);
		if (errno == 0 && ppid == (long)getpid())
			v[n++] = (pid_t)strtol(d->d_name, NULL, 10);
	}
	closedir(dir);
	return n;
}

int spawn_reap_orphans(void)
{
	pid_t kids[256];
	size_t n;
	int killed = 0;
	double stop = now_mono() + 2.0;

	/* Bounded: a process stuck in D state cannot hold the agent forever. */
	while (now_mono() < stop) {
		pid_t w;

		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		/* No child at all (orphans are ours too, as subreaper): no
		 * need to walk /proc, which costs about 15 us a process. */
		if (w < 0 && errno == ECHILD)
			break;
		n = list_children(kids, sizeof(kids) / sizeof(kids[0]));
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (kill(kids[i], SIGKILL) == 0)
				killed++;
		}
		nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
	}
	if (killed)
		log_info("killed %d leftover process(es)", killed);
	return killed;
}

const char *spawn_failure(int r)
{
	if (r == RONDA_ESYS && errno == ECANCELED)
		return "stopped: the agent was told to stop";
	if (r == RONDA_ESYS)
		return strerror(errno);
	return ronda_strerror(r);
}

void spawn_describe(int status, int timed_out, char *out, size_t n)
{
	const char *name;

	if (WIFEXITED(status)) {
		snprintf(out, n, "%sexit %d", timed_out ? "timed out, " : "",
			 WEXITSTATUS(status));
		return;
	}
	if (!WIFSIGNALED(status)) {
		snprintf(out, n, "status 0x%x", (unsigned)status);
		return;
	}
	if (WTERMSIG(status) == SIGSYS) {
		snprintf(out, n, "killed by the sandbox (SIGSYS: a system call outside its profile)");
		return;
	}
	name = sig_abbrev(WTERMSIG(status));
	snprintf(out, n, "%skilled by SIG%s", timed_out ? "timed out, " : "",
		 name ? name : "?");
}
