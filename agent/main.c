/*
 * main.c - ronda-agent, the static program run on every host.
 *
 * Modes for people and the orchestrator: --version, --help, --self-test,
 * run, and serve (warm mode: framed inspect jobs, one after another).  Modes the agent uses on itself: --probe (one check in a child under
 * a deadline) and --exec (the trampoline that stacks the command profile and
 * execs a command; --unix leaves it unix sockets).  Modes for tests and
 * benchmarks: --try-syscall and --bench-spawn.  Only this file decides to
 * exit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "job.h"
#include "log.h"
#include "sandbox.h"
#include "tryscall.h"
#include "version.h"
#include "banned.h"

#define SELF "/proc/self/exe"

/*
 * Sanitizer builds only: LeakSanitizer's check at exit stops the world with
 * ptrace and clone, which the seccomp filter refuses, so a confined agent
 * would spin in it forever.  The probe and exec children get a scrubbed
 * environment (no ASAN_OPTIONS), so the default must live in the binary.
 */
#if defined(__SANITIZE_ADDRESS__)
#define AGENT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AGENT_ASAN 1
#endif
#endif
#ifdef AGENT_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

static const char usage[] =
"usage: ronda-agent run [--profile inspect|maintain] [--watch-stdin]\n"
"                       [--no-landlock] [--policy FILE] [--now EPOCH]\n"
"                       [--via PROGRAM] [-v] < job.json\n"
"       ronda-agent serve [--profile inspect] [--no-landlock] [--policy FILE]\n"
"                       [--now EPOCH] [--via PROGRAM] [-v] < frames\n"
"       ronda-agent --self-test [--no-landlock] [--policy FILE] [--via PROGRAM] [-v]\n"
"       ronda-agent --version | --help\n"
"internal and test modes:\n"
"       ronda-agent --probe TASK-JSON [--unconfined]\n"
"       ronda-agent --exec [--unix] [--unconfined] -- /ABS/PATH [ARG...]\n"
"       ronda-agent --try-syscall PROFILE[,PROFILE...] NAME...\n"
"                         (none, inspect, maintain, command, command-unix, landlock)\n"
"       ronda-agent --bench-spawn N\n"
"       ronda-agent --bench-run N INPUT -- /ABS/PATH [ARG...]\n"
"\n"
"Reads one job (JSON, protocol version 1) on stdin and writes JSON Lines on\n"
"stdout: facts, one result per task, a summary.  serve reads framed inspect\n"
"jobs one after another and answers each in frames (PROTOCOL.md \"Warm mode\").\n"
"exit: 0 all ok/warn/skipped, 1 some fail/error, 64 usage, 65 malformed job,\n"
"      69 sandbox unavailable, 70 internal error, 75 stopped, 78 bad policy.\n";

/*
 * A child mode's confinement.  unconfined: the parent runs without a
 * filter because the kernel refused it and the policy allowed that
 * (--unconfined); the child then may too, for the same reason only.
 */
static int child_confine(enum sandbox_profile p, int unconfined)
{
	struct sandbox_status st;

	sandbox_status_init(&st);
	if (sandbox_apply(p, &st) == RONDA_OK)
		return RONDA_OK;
	return unconfined && st.no_new_privs && st.seccomp_refused ? RONDA_OK : RONDA_ESANDBOX;
}

/* The trampoline: confine with a command profile, then become argv[0]. */
static int exec_mode(enum sandbox_profile p, int unconfined, char **argv)
{
	if (!argv[0] || argv[0][0] != '/') {
		fputs("ronda-agent: --exec needs an absolute path\n", stderr);
		return 126;
	}
	if (child_confine(p, unconfined) != RONDA_OK) {
		fputs("ronda-agent: cannot apply the command profile; not running it\n", stderr);
		return 126;
	}
	execv(argv[0], argv);
	fprintf(stderr, "ronda-agent: exec %s: %s\n", argv[0], strerror(errno));
	return 127;
}

static int probe_mode(const char *task, int unconfined)
{
	/* Started by hand rather than by a confined agent: confine first. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0 &&
	    child_confine(SANDBOX_INSPECT, unconfined) != RONDA_OK)
		return AGENT_EXIT_NOSANDBOX;
	return check_probe_main(task) == RONDA_OK ? 0 : AGENT_EXIT_INTERNAL;
}

/* --exec [--unix] [--unconfined] -- /ABS/PATH [ARG...] */
static int exec_args(char **argv)
{
	enum sandbox_profile p = SANDBOX_COMMAND;
	int unconfined = 0, i = 2;

	if (argv[i] && strcmp(argv[i], "--unix") == 0) {
		p = SANDBOX_COMMAND_UNIX;
		i++;
	}
	if (argv[i] && strcmp(argv[i], "--unconfined") == 0) {
		unconfined = 1;
		i++;
	}
	if (!argv[i] || strcmp(argv[i], "--") != 0 || !argv[i + 1]) {
		fputs(usage, stderr);
		return AGENT_EXIT_USAGE;
	}
	return exec_mode(p, unconfined, argv + i + 1);
}

int main(int argc, char **argv)
{
	static char self_path[4096];
	struct agent_opts o;
	int i, level = RLOG_WARN, self_test = 0, serve = 0;
	ssize_t n;

	log_init("ronda-agent", RLOG_WARN, 2);
	memset(&o, 0, sizeof(o));
	o.self = SELF;
	if (argc < 2) {
		fputs(usage, stderr);
		return AGENT_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 && argc == 2) {
		printf("ronda-agent %s protocol %d\n", RONDA_VERSION, PROTO_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--probe") == 0 && argc == 3)
		return probe_mode(argv[2], 0);
	if (strcmp(argv[1], "--probe") == 0 && argc == 4 && strcmp(argv[3], "--unconfined") == 0)
		return probe_mode(argv[2], 1);
	if (strcmp(argv[1], "--exec") == 0)
		return exec_args(argv);
	if (strcmp(argv[1], "--try-syscall") == 0 && argc >= 4)
		return tryscall_main(argv[2], argv + 3);
	if (strcmp(argv[1], "--bench-spawn") == 0 && argc == 3)
		return bench_spawn_main(argv[2]);
	if (strcmp(argv[1], "--bench-run") == 0 && argc >= 6 && strcmp(argv[4], "--") == 0)
		return bench_run_main(argv[2], argv[3], argv + 5);
	if (strcmp(argv[1], "--self-test") == 0)
		self_test = 1;
	else if (strcmp(argv[1], "serve") == 0)
		serve = 1;
	else if (strcmp(argv[1], "run") != 0) {
		fprintf(stderr, "ronda-agent: unknown mode %s\n%s", argv[1], usage);
		return AGENT_EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc && !self_test) {
			if (proto_profile_from_name(argv[++i], (int *)&o.profile) != RONDA_OK) {
				fprintf(stderr, "ronda-agent: unknown profile %s\n", argv[i]);
				return AGENT_EXIT_USAGE;
			}
			if (serve && o.profile != PROFILE_INSPECT) {
				fputs("ronda-agent: serve runs the inspect profile only; maintain "
				      "jobs go through ronda-agent run --profile maintain\n", stderr);
				return AGENT_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--watch-stdin") == 0 && !self_test && !serve) {
			o.watch_stdin = 1;
		} else if (strcmp(argv[i], "--no-landlock") == 0) {
			o.no_landlock = 1;
		} else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
			o.policy_path = argv[++i];
		} else if (strcmp(argv[i], "--via") == 0 && i + 1 < argc) {
			if (argv[++i][0] != '/') {
				fprintf(stderr, "ronda-agent: --via wants an absolute path, not %s\n", argv[i]);
				return AGENT_EXIT_USAGE;
			}
			o.via = argv[i];
		} else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc && !self_test) {
			/* For tests: a static binary cannot be given a fake clock
			 * by faketime, so age and period decisions take it here. */
			char *end;

			errno = 0;
			o.now = strtod(argv[++i], &end);
			if (errno || end == argv[i] || *end || !(o.now > 0) || o.now > 1e11) {
				fprintf(stderr, "ronda-agent: --now wants Unix seconds, not %s\n", argv[i]);
				return AGENT_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "-v") == 0) {
			level++;
		} else {
			fprintf(stderr, "ronda-agent: unknown option %s\n%s", argv[i], usage);
			return AGENT_EXIT_USAGE;
		}
	}
	log_set_level(level);
	/* Through --via the agent is an argument, named by its own path
	 * (qemu-user shows the guest's path in /proc/self/exe). */
	if (o.via) {
		n = readlink(SELF, self_path, sizeof(self_path) - 1);
		if (n <= 0) {
			fprintf(stderr, "ronda-agent: --via: %s: %s\n", SELF, strerror(errno));
			return AGENT_EXIT_INTERNAL;
		}
		self_path[n] = '\0';
		o.self = self_path;
	}
	if (self_test)
		o.builtin_job = job_self_test;
	if (serve) {
		o.serve = 1;
		return serve_main(&o, 0, 1);
	}
	return job_main(&o, 0, 1);
}
