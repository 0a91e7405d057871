/*
 * agent_spawn.c - the posix_spawn runner (agent/spawn.c): what the
 * child gets (environment, descriptors, signals, process group), output
 * caps, deadlines, and that nothing is left behind (checked in /proc).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "spawner.h"
#include "banned.h"

/* Runs sh -c script; returns spawn_run's result, res filled. */
static int sh(const char *script, double timeout, double grace, size_t cap,
	      struct spawn_res *res)
{
	char *argv[] = { spawn_arg("sh"), spawn_arg("-c"), spawn_arg(script), NULL };
	struct spawn_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.path = "/bin/sh";
	rq.argv = argv;
	rq.timeout = timeout;
	rq.grace = grace;
	rq.out_max = cap;
	spawn_res_init(res);
	return spawn_run(&rq, res);
}

/* Processes whose command line contains marker (a unique string). */
static int count_marked(const char *marker)
{
	char path[300], buf[4096];
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc");
	FILE *f;
	size_t len;

	assert_non_null(dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (size_t i = 0; i < len; i++)
			buf[i] = buf[i] ? buf[i] : ' ';
		buf[len] = '\0';
		if (strstr(buf, marker))
			n++;
	}
	closedir(dir);
	return n;
}

/* Our children in /proc that are zombies. */
static int zombie_children(void)
{
	char path[300], line[512], *p;
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc");
	FILE *f;

	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		p = fgets(line, sizeof(line), f);
		fclose(f);
		if (p && (p = strrchr(line, ')')) && p[2] == 'Z' &&
		    strtol(p + 4, NULL, 10) == getpid())
			n++;
	}
	closedir(dir);
	return n;
}

static void test_output_and_status(void **state)
{
	struct spawn_res r;

	(void)state;
	assert_int_equal(sh("echo out; echo err >&2; exit 3", 5, 0, 0, &r), RONDA_OK);
	assert_string_equal(buf_data(&r.out), "out\n");
	assert_string_equal(buf_data(&r.err), "err\n");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
	assert_false(r.timed_out);
	spawn_res_release(&r);
}

static void test_clean_child(void **state)
{
	struct spawn_res r;
	sigset_t block;

	(void)state;
	/* Junk in the parent that must not leak into the child. */
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	assert_int_equal(sh("env | sort; ls /proc/self/fd | tr '\\n' ' '; echo;"
			    "grep -E '^Sig(Blk|Ign)' /proc/self/status;"
			    "read x; echo \"stdin=[$x]\";"
			    "ps -o pid=,pgid= -p $$", 5, 0, 0, &r), RONDA_OK);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGUSR2, SIG_DFL);
	assert_non_null(strstr(buf_data(&r.out), "LANG=C\nPATH=/usr/local/sbin:"));
	assert_null(strstr(buf_data(&r.out), "HOME="));
	/* 0 1 2 and ls's own directory descriptor, nothing inherited. */
	assert_non_null(strstr(buf_data(&r.out), "\n0 1 2 3 \n"));
	assert_non_null(strstr(buf_data(&r.out), "SigBlk:\t0000000000000000"));
	assert_non_null(strstr(buf_data(&r.out), "stdin=[]"));
	{
		int pid = 0, pgid = 0;
		const char *p = strstr(buf_data(&r.out), "stdin=[]\n");

		assert_int_equal(sscanf(p + 9, "%d %d", &pid, &pgid), 2);
		assert_int_equal(pid, pgid);	/* a group of its own */
	}
	spawn_res_release(&r);
}

static void test_cap(void **state)
{
	struct spawn_res r;

	(void)state;
	assert_int_equal(sh("head -c 300000 /dev/zero | tr '\\0' x; echo done >&2",
			    5, 0, 1000, &r), RONDA_OK);
	assert_int_equal(buf_len(&r.out), 1000);
	assert_true(r.out_truncated);
	/* The child was drained, not blocked: it got to finish. */
	assert_string_equal(buf_data(&r.err), "done\n");
	assert_false(r.err_truncated);
	spawn_res_release(&r);
}

static void test_deadline_kills_group(void **state)
{
	struct spawn_res r;

	(void)state;
	assert_int_equal(sh("sleep 40.111 & sleep 40.111; echo never", 0.3, 0.2, 0, &r),
			 RONDA_OK);
	assert_true(r.timed_out);
	assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM);
	assert_true(r.ms < 2000);
	assert_int_equal(count_marked("40.111"), 0);
	assert_int_equal(zombie_children(), 0);
	spawn_res_release(&r);
}

static void test_term_ignored_then_kill(void **state)
{
	struct spawn_res r;

	(void)state;
	assert_int_equal(sh("trap '' TERM; sleep 40.222; sleep 40.222", 0.2, 0.2, 0, &r),
			 RONDA_OK);
	assert_true(r.timed_out);
	assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
	assert_true(r.ms >= 350 && r.ms < 2000);
	assert_int_equal(count_marked("40.222"), 0);
	spawn_res_release(&r);
}

static void test_leftovers_killed_when_leader_exits(void **state)
{
	struct spawn_res r;

	(void)state;
	/* The background job keeps no pipe open and would outlive sh. */
	assert_int_equal(sh("sleep 40.333 >/dev/null 2>&1 & exit 0", 5, 0, 0, &r),
			 RONDA_OK);
	assert_false(r.timed_out);
	assert_true(r.ms < 2000);
	usleep(50 * 1000);
	assert_int_equal(count_marked("40.333"), 0);
	spawn_res_release(&r);
}

static void test_setsid_escapee_reaped(void **state)
{
	struct spawn_res r;
	char cmd[512], flag[64];

	(void)state;
	/*
	 * setsid leaves our group; the subreaper sweep finds it.  The shell
	 * waits until the escapee has really left (it writes the flag after
	 * setsid), or on a loaded machine the group kill at the leader's exit
	 * could catch it still inside the group.
	 */
	snprintf(flag, sizeof(flag), "/tmp/ronda-escapee.%d", (int)getpid());
	unlink(flag);
	snprintf(cmd, sizeof(cmd),
		 "setsid sh -c 'echo x > %s; exec sleep 40.444' >/dev/null 2>&1 & "
		 "i=0; while [ ! -s %s ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; exit 0",
		 flag, flag);
	assert_int_equal(sh(cmd, 10, 0, 0, &r), RONDA_OK);
	unlink(flag);
	spawn_res_release(&r);
	assert_true(spawn_reap_orphans() >= 1);
	assert_int_equal(count_marked("40.444"), 0);
	assert_int_equal(zombie_children(), 0);
}

static void test_bad_requests(void **state)
{
	char *argv[] = { spawn_arg("x"), NULL };
	struct spawn_req rq = { .path = "relative", .argv = argv, .timeout = 1 };
	struct spawn_res r;

	(void)state;
	spawn_res_init(&r);
	assert_int_equal(spawn_run(&rq, &r), RONDA_EINVAL);
	rq.path = "/nonexistent/prog";
	assert_int_equal(spawn_run(&rq, &r), RONDA_ESYS);
	assert_int_equal(errno, ENOENT);
	rq.path = "/bin/true";
	rq.timeout = 0;
	assert_int_equal(spawn_run(&rq, &r), RONDA_EINVAL);
	spawn_res_release(&r);
}

static void test_describe(void **state)
{
	char s[128];

	(void)state;
	spawn_describe(3 << 8, 0, s, sizeof(s));
	assert_string_equal(s, "exit 3");
	spawn_describe(SIGKILL, 1, s, sizeof(s));
	assert_string_equal(s, "timed out, killed by SIGKILL");
	spawn_describe(SIGSYS, 0, s, sizeof(s));
	assert_non_null(strstr(s, "sandbox"));
}

static int setup(void **state)
{
	(void)state;
	return spawn_init(-1) == RONDA_OK ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_and_status),
		cmocka_unit_test(test_clean_child),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_deadline_kills_group),
		cmocka_unit_test(test_term_ignored_then_kill),
		cmocka_unit_test(test_leftovers_killed_when_leader_exits),
		cmocka_unit_test(test_setsid_escapee_reaped),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
