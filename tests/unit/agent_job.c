/*
 * agent_job.c - one run of the agent (agent/job.c) on a job line: a good
 * job gives facts, results and a summary; every kind of bad job (not JSON,
 * unknown profile or version, a bad task, too large, hostile values, empty)
 * gives exactly one "error" line with code bad-job and exit 65, with
 * nothing run; and the sandbox is in place before the job is parsed.
 *
 * job_main confines the process for good, so each run is a forked child
 * that talks to the test through pipes and, once job_main returns, adds a
 * line saying whether it was confined (no_new_privs and seccomp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "job.h"
#include "banned.h"

struct outcome {
	int exit;		/* job_main's return */
	int nnp, seccomp;	/* after it returned */
	char *out;		/* every line it wrote */
	size_t n_lines;
};

static void outcome_release(struct outcome *o)
{
	free(o->out);
	memset(o, 0, sizeof(*o));
}

/*
 * Runs job_main in a child on the bytes of job (lead bytes first, then a
 * pause, so the agent reads them alone), with policy_path as its policy.
 */
static void run_job(const char *lead, const char *job, size_t len, const char *policy_path,
		    enum proto_profile profile, struct outcome *res)
{
	int in[2], out[2], status;
	struct buf b;
	pid_t pid;
	char tail[64];
	size_t off = 0;

	memset(res, 0, sizeof(*res));
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct agent_opts opt;
		char line[64];
		int rc, n;

		close(in[1]);
		close(out[0]);
		memset(&opt, 0, sizeof(opt));
		opt.profile = profile;
		opt.policy_path = policy_path;
		opt.self = "/nonexistent/ronda-agent";
		opt.no_landlock = 1;
		rc = job_main(&opt, in[0], out[1]);
		n = snprintf(line, sizeof(line), "exit=%d nnp=%d seccomp=%d\n", rc,
			     prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
		if (write(out[1], line, (size_t)n) != n)
			_exit(99);
		_exit(0);
	}
	close(in[0]);
	close(out[1]);
	signal(SIGPIPE, SIG_IGN);
	if (lead) {
		assert_int_equal(write(in[1], lead, strlen(lead)), (ssize_t)strlen(lead));
		nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
	}
	/* The agent may stop reading (too large): a write error ends ours. */
	while (off < len) {
		ssize_t n = write(in[1], job + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	buf_init(&b, (size_t)64 << 20);
	for (;;) {
		ssize_t n;

		assert_int_equal(buf_reserve(&b, 65536), RONDA_OK);
		n = read(out[0], buf_space(&b), 65536);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		buf_commit(&b, (size_t)n);
	}
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The child's own last line. */
	{
		const char *d = buf_data(&b), *last;
		size_t l = buf_len(&b);

		assert_true(l > 0 && d[l - 1] == '\n');
		last = l >= 2 ? memrchr(d, '\n', l - 1) : NULL;
		last = last ? last + 1 : d;
		assert_true(strlen(last) < sizeof(tail));
		memcpy(tail, last, strlen(last) + 1);
		assert_int_equal(sscanf(tail, "exit=%d nnp=%d seccomp=%d", &res->exit, &res->nnp,
					&res->seccomp), 3);
		res->out = strndup(d, (size_t)(last - d));
		assert_non_null(res->out);
		for (const char *p = res->out; *p; p++)
			res->n_lines += *p == '\n';
	}
	buf_release(&b);
}

static void run_text(const char *job, struct outcome *res)
{
	run_job(NULL, job, strlen(job), "/nonexistent/agent.cfg", PROFILE_INSPECT, res);
}

static int has(const struct outcome *o, const char *s)
{
	return strstr(o->out, s) != NULL;
}

/* One error line, code bad-job, with msg in it, exit 65, nothing run. */
static void bad_job(const struct outcome *o, const char *msg)
{
	if (o->exit != AGENT_EXIT_BADJOB || o->n_lines != 1 ||
	    !has(o, "\"type\":\"error\",\"code\":\"bad-job\"") || !has(o, msg))
		fail_msg("exit %d, %zu line(s): %s (want '%s')", o->exit, o->n_lines, o->out, msg);
	assert_false(has(o, "\"type\":\"facts\""));
	assert_false(has(o, "\"type\":\"result\""));
	assert_false(has(o, "\"type\":\"summary\""));
}

static void test_good_job(void **state)
{
	struct outcome o;

	(void)state;
	run_text("{\"ronda\":1,\"tasks\":[{\"name\":\"self\",\"check\":\"mount\",\"path\":\"/proc\","
		 "\"fstype\":\"proc\"},{\"check\":\"sysctl\",\"key\":\"kernel.ostype\","
		 "\"value\":\"Linux\"}]}\n", &o);
	if (o.exit != AGENT_EXIT_OK)
		fail_msg("exit %d: %s", o.exit, o.out);
	assert_int_equal(o.n_lines, 4);
	assert_true(strncmp(o.out, "{\"ronda\":1,\"type\":\"facts\",", 26) == 0);
	assert_true(has(&o, "{\"ronda\":1,\"type\":\"result\",\"task\":\"self\",\"check\":\"mount\","
			"\"verdict\":\"ok\""));
	assert_true(has(&o, "\"type\":\"summary\",\"counts\":{\"ok\":2,\"warn\":0,\"fail\":0,"
			"\"error\":0,\"skipped\":0},\"tasks\":2"));
	assert_true(has(&o, "\"policy\":false"));
	assert_true(o.nnp == 1 && o.seccomp == 2);
	outcome_release(&o);

	/* Without a newline, EOF ends the job (a file, a here-document). */
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"mount\",\"path\":\"/proc\"}]}", &o);
	assert_int_equal(o.exit, AGENT_EXIT_OK);
	outcome_release(&o);

	/* A failing task: the job ran, exit 1. */
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"sysctl\",\"key\":\"kernel.ostype\","
		 "\"value\":\"Plan9\"}]}\n", &o);
	assert_int_equal(o.exit, AGENT_EXIT_FAILED);
	assert_true(has(&o, "\"verdict\":\"fail\""));
	outcome_release(&o);
}

static void test_bad_json(void **state)
{
	struct outcome o;

	(void)state;
	run_text("{\"ronda\":1,\"tasks\":[\n", &o);
	bad_job(&o, "\"error\":\"job is not valid JSON: ");
	outcome_release(&o);
	run_text("", &o);
	bad_job(&o, "job is not valid JSON");
	outcome_release(&o);
	run_text("[1,2]\n", &o);
	bad_job(&o, "job must be a JSON object");
	outcome_release(&o);
	run_text("{\"ronda\":1,\"ronda\":1,\"tasks\":[]}\n", &o);	/* duplicate key */
	bad_job(&o, "job is not valid JSON");
	outcome_release(&o);
}

static void test_bad_profile_and_version(void **state)
{
	struct outcome o;

	(void)state;
	run_text("{\"ronda\":1,\"profile\":\"root\",\"tasks\":[{\"check\":\"memory\"}]}\n", &o);
	bad_job(&o, "job: unknown profile \\\"root\\\" (inspect or maintain)");
	outcome_release(&o);
	run_text("{\"ronda\":2,\"tasks\":[{\"check\":\"memory\"}]}\n", &o);
	bad_job(&o, "job has protocol version 2; this agent speaks 1");
	outcome_release(&o);
	/* The job and the agent's --profile must agree. */
	run_text("{\"ronda\":1,\"profile\":\"maintain\",\"write_paths\":[\"/tmp\"],"
		 "\"tasks\":[{\"check\":\"memory\"}]}\n", &o);
	bad_job(&o, "job wants the maintain profile but the agent runs with --profile inspect");
	outcome_release(&o);
	/* A maintenance task needs the maintain profile. */
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"cleanup\",\"path\":\"/tmp/x\","
		 "\"older_than\":1}]}\n", &o);
	bad_job(&o, "tasks[0] (\\\"cleanup\\\"): check \\\"cleanup\\\" needs the maintain profile");
	outcome_release(&o);
}

static void test_bad_task(void **state)
{
	struct outcome o;

	(void)state;
	/* One bad task refuses the whole job: the good one before it does not run. */
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"memory\"},{\"check\":\"disk\",\"pth\":\"/\"}]}\n",
		 &o);
	bad_job(&o, "tasks[1] (\\\"disk\\\"): unknown key \\\"pth\\\"");
	outcome_release(&o);
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"rm-rf\"}]}\n", &o);
	bad_job(&o, "tasks[0]");
	assert_true(has(&o, "rm-rf"));
	outcome_release(&o);
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"load\",\"warn\":\"high\"}]}\n", &o);
	bad_job(&o, "tasks[0] (\\\"load\\\")");
	outcome_release(&o);
	/* Errors found while preparing (after the parse) are bad jobs too. */
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"process\",\"match\":\"(\",\"min\":1}]}\n", &o);
	bad_job(&o, "tasks[0] (\\\"process\\\"): ");
	outcome_release(&o);
}

static void test_oversize(void **state)
{
	size_t len = PROTO_JOB_MAX + 4096;
	char *big = malloc(len + 1);
	struct outcome o;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', len);		/* JSON whitespace, no newline */
	big[len] = '\0';
	run_job(NULL, big, len, "/nonexistent/agent.cfg", PROFILE_INSPECT, &o);
	bad_job(&o, "job is larger than 1048576 bytes");
	outcome_release(&o);
	free(big);
}

/*
 * A job just under the limit is read whole, however the reads come (a
 * first short read used to make the last 4 KiB look like too much).
 */
static void test_near_limit(void **state)
{
	const char *job = "{\"ronda\":1,\"tasks\":[{\"check\":\"mount\",\"path\":\"/proc\"}]}\n";
	size_t len = PROTO_JOB_MAX - 10, pad = len - strlen(job);
	char *text = malloc(len + 1);
	struct outcome o;

	(void)state;
	assert_non_null(text);
	memset(text, ' ', pad);
	memcpy(text + pad, job, strlen(job) + 1);
	run_job(" ", text, len - 1, "/nonexistent/agent.cfg", PROFILE_INSPECT, &o);
	if (o.exit != AGENT_EXIT_OK)
		fail_msg("exit %d: %s", o.exit, o.out);
	outcome_release(&o);
	free(text);
}

static void test_hostile_values(void **state)
{
	static const char nul_job[] = "{\"ronda\":1,\"tasks\":[{\"check\":\"memory\",\"name\":\"a\0b\"}]}\n";
	struct buf deep;
	struct outcome o;

	(void)state;
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"command\",\"argv\":[\"sh\",\"-c\",\"id\"],"
		 "\"timeout\":-5}]}\n", &o);
	bad_job(&o, "tasks[0]");
	outcome_release(&o);
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"command\",\"argv\":[\"../../bin/sh\"]}]}\n", &o);
	bad_job(&o, "tasks[0]");
	outcome_release(&o);
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"port\",\"port\":70000}]}\n", &o);
	bad_job(&o, "tasks[0]");
	outcome_release(&o);
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"memory\",\"warn\":1e999}]}\n", &o);
	bad_job(&o, "\"bad-job\"");
	outcome_release(&o);
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"memory\",\"name\":\"\\u0000x\"}]}\n", &o);
	bad_job(&o, "\"bad-job\"");
	outcome_release(&o);
	/* A raw NUL inside the line. */
	run_job(NULL, nul_job, sizeof(nul_job) - 1, "/nonexistent/agent.cfg", PROFILE_INSPECT, &o);
	bad_job(&o, "\"bad-job\"");
	outcome_release(&o);
	/* Invalid UTF-8 is refused, and the error line is still valid UTF-8. */
	run_text("{\"ronda\":1,\"tasks\":[{\"check\":\"memory\",\"name\":\"\xff\xfe\"}]}\n", &o);
	bad_job(&o, "\"bad-job\"");
	assert_null(strchr(o.out, '\xff'));
	outcome_release(&o);
	/* Nesting deep enough to overflow a naive recursive parser. */
	buf_init(&deep, (size_t)1 << 20);
	buf_puts(&deep, "{\"ronda\":1,\"x\":");
	for (int i = 0; i < 100000; i++)
		buf_putc(&deep, '[');
	buf_putc(&deep, '\n');
	run_job(NULL, buf_data(&deep), buf_len(&deep), "/nonexistent/agent.cfg", PROFILE_INSPECT, &o);
	bad_job(&o, "\"bad-job\"");
	outcome_release(&o);
	buf_release(&deep);
	/* More tasks than the protocol allows. */
	buf_init(&deep, PROTO_JOB_MAX);
	buf_puts(&deep, "{\"ronda\":1,\"tasks\":[");
	for (int i = 0; i <= PROTO_MAX_TASKS; i++)
		buf_puts(&deep, i ? ",{\"check\":\"memory\"}" : "{\"check\":\"memory\"}");
	buf_puts(&deep, "]}\n");
	run_job(NULL, buf_data(&deep), buf_len(&deep), "/nonexistent/agent.cfg", PROFILE_INSPECT, &o);
	bad_job(&o, "\"bad-job\"");
	outcome_release(&o);
	buf_release(&deep);
}

/*
 * The sandbox comes after the job and the policy are read and before the
 * job is parsed: a job that does not parse meets a confined process, and a
 * policy that cannot be used stops the run before anything is confined or
 * parsed.
 */
static void test_sandbox_before_parse(void **state)
{
	char dir[] = "/tmp/test_job.XXXXXX", path[64];
	struct outcome o;
	FILE *f;

	(void)state;
	run_text("not json at all\n", &o);
	bad_job(&o, "job is not valid JSON");
	assert_int_equal(o.nnp, 1);
	assert_int_equal(o.seccomp, 2);
	outcome_release(&o);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/agent.cfg", dir);
	assert_non_null(f = fopen(path, "we"));
	fputs("permit /bin/sh\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0644), 0);
	run_job(NULL, "not json\n", 9, path, PROFILE_INSPECT, &o);
	assert_int_equal(o.exit, AGENT_EXIT_POLICY);
	assert_int_equal(o.n_lines, 1);
	assert_true(has(&o, "\"code\":\"policy\""));
	assert_true(has(&o, "unknown directive"));
	assert_false(has(&o, "JSON"));		/* never parsed */
	assert_int_equal(o.nnp, 0);
	assert_int_equal(o.seccomp, 0);
	outcome_release(&o);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_job),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_bad_profile_and_version),
		cmocka_unit_test(test_bad_task),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_near_limit),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_sandbox_before_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
