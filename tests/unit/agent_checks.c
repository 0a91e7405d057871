/*
 * agent_checks.c - the parsers the checks stand on, the host policy,
 * and the probe child's deadline (a fake probe that hangs like a statvfs on
 * a dead NFS server must give an error naming what hung).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "checks.h"
#include "err.h"
#include "facts.h"
#include "policy.h"
#include "spawner.h"
#include "banned.h"

static void test_meminfo(void **state)
{
	const char *t = "MemTotal:       16318412 kB\nMemFree:  1 kB\n"
			"MemAvailable:   9000000 kB\nSwapTotal: 0 kB\n";
	unsigned long long kb;

	(void)state;
	assert_int_equal(meminfo_get(t, "MemTotal", &kb), RONDA_OK);
	assert_int_equal(kb, 16318412);
	assert_int_equal(meminfo_get(t, "MemAvailable", &kb), RONDA_OK);
	assert_int_equal(kb, 9000000);
	assert_int_equal(meminfo_get(t, "Mem", &kb), RONDA_ENOTFOUND);
	assert_int_equal(meminfo_get(t, "Hugepages", &kb), RONDA_ENOTFOUND);
}

static void test_mounts_unescape(void **state)
{
	char s[] = "/mnt/with\\040space\\011tab\\134x";

	(void)state;
	mounts_unescape(s);
	assert_string_equal(s, "/mnt/with space\ttab\\x");
}

static void test_procnet(void **state)
{
	uint8_t a[16];
	size_t alen;
	unsigned port, st;

	(void)state;
	assert_int_equal(procnet_parse("  sl  local_address rem_address   st", a, &alen,
				       &port, &st), RONDA_EPARSE);
	assert_int_equal(procnet_parse("   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0",
				       a, &alen, &port, &st), RONDA_OK);
	assert_int_equal(alen, 4);
	assert_int_equal(port, 22);
	assert_int_equal(st, 10);
	assert_memory_equal(a, "\x7f\x00\x00\x01", 4);
	assert_int_equal(procnet_parse("   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 0",
				       a, &alen, &port, &st), RONDA_OK);
	assert_int_equal(alen, 16);
	assert_int_equal(port, 8080);
	assert_int_equal(a[15], 1);	/* ::1 */
}

static void test_os_release(void **state)
{
	const char *t = "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID='12'\n";
	char v[64];

	(void)state;
	assert_int_equal(facts_os_release_get(t, "ID", v, sizeof(v)), RONDA_OK);
	assert_string_equal(v, "debian");
	assert_int_equal(facts_os_release_get(t, "VERSION_ID", v, sizeof(v)), RONDA_OK);
	assert_string_equal(v, "12");
	assert_int_equal(facts_os_release_get(t, "NAME", v, sizeof(v)), RONDA_OK);
	assert_string_equal(v, "Debian GNU/Linux");
	assert_int_equal(facts_os_release_get(t, "VERSION", v, sizeof(v)), RONDA_ENOTFOUND);
}

static void test_policy(void **state)
{
	struct policy p;
	struct buf err;
	const char *why = NULL;

	(void)state;
	buf_init(&err, 1024);
	policy_init(&p);
	assert_int_equal(policy_parse("# host policy\n\nallow /usr/bin/*\n  deny /usr/bin/rm  \n",
				      &p, &err), RONDA_OK);
	assert_true(policy_permits(&p, "/usr/bin/systemctl", &why));
	assert_false(policy_permits(&p, "/usr/bin/rm", &why));
	assert_string_equal(why, "/usr/bin/rm");
	assert_false(policy_permits(&p, "/opt/x/bin/tool", &why));
	policy_release(&p);

	assert_true(policy_permits(&p, "/anything", &why));	/* empty: all */
	assert_int_equal(policy_parse("allow usr/bin/x\n", &p, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), "line 1"));
	policy_release(&p);
	buf_reset(&err);
	assert_int_equal(policy_parse("allow /a\npermit /b\n", &p, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), "line 2"));
	policy_release(&p);
	buf_release(&err);
}

static void test_policy_file_must_be_root_only(void **state)
{
	char path[] = "/tmp/ronda-policy-XXXXXX";
	struct policy p;
	struct buf err;
	int fd;

	(void)state;
	buf_init(&err, 1024);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "deny /usr/bin/rm\n", 17), 17);
	close(fd);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(policy_load(path, &p, &err), getuid() == 0 ? RONDA_OK : RONDA_ECONFIG);
	if (getuid() == 0) {
		assert_true(p.present);
		assert_int_equal(p.n_deny, 1);
		policy_release(&p);
	}
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(policy_load(path, &p, &err), RONDA_ECONFIG);
	unlink(path);
	assert_int_equal(policy_load("/nonexistent/agent.cfg", &p, &err), RONDA_OK);
	assert_false(p.present);
	buf_release(&err);
}

static void test_resolve_exe(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(resolve_exe("sh", out, sizeof(out)), RONDA_OK);
	assert_true(out[0] == '/');
	assert_int_equal(resolve_exe("./sh", out, sizeof(out)), RONDA_EINVAL);
	assert_int_equal(resolve_exe("no-such-program-ronda", out, sizeof(out)),
			 RONDA_ENOTFOUND);
}

/* A probe that names what it is about to touch and then hangs. */
static void test_isolated_hang_names_what_hung(void **state)
{
	char path[] = "/tmp/ronda-fakeprobe-XXXXXX";
	const char *text = "{\"ronda\":1,\"tasks\":[{\"check\":\"disk\",\"path\":\"/mnt/nfs\",\"timeout\":0.3}]}";
	struct proto_job job;
	struct check_result res;
	struct check_ctx ctx;
	struct buf err;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, "#!/bin/sh\necho 'statvfs /mnt/nfs' >&2\nexec sleep 30\n", 51) == 51);
	close(fd);
	chmod(path, 0700);
	buf_init(&err, 1024);
	assert_int_equal(proto_job_parse(text, strlen(text), &job, &err), RONDA_OK);
	memset(&ctx, 0, sizeof(ctx));
	ctx.self = path;
	assert_int_equal(check_result_init(&res), RONDA_OK);
	assert_int_equal(check_run_isolated(&job.tasks[0], &ctx, check_find("disk"), &res),
			 RONDA_OK);
	unlink(path);
	assert_int_equal(res.verdict, VERDICT_ERROR);
	assert_non_null(strstr(buf_data(&res.msg), "hung"));
	assert_non_null(strstr(buf_data(&res.msg), "statvfs /mnt/nfs"));
	check_result_release(&res);
	proto_job_release(&job);
	buf_release(&err);
}

static void test_thresholds(void **state)
{
	(void)state;
	assert_int_equal(check_above(79, 80, 90), VERDICT_OK);
	assert_int_equal(check_above(80, 80, 90), VERDICT_WARN);
	assert_int_equal(check_above(95, 80, 90), VERDICT_FAIL);
	assert_int_equal(check_above(95, -1, -1), VERDICT_OK);
	assert_int_equal(check_below(11, 10, 5), VERDICT_OK);
	assert_int_equal(check_below(7, 10, 5), VERDICT_WARN);
	assert_int_equal(check_below(5, 10, 5), VERDICT_FAIL);
}

static void test_units_parse(void **state)
{
	const char *out = "ssh.service     loaded failed failed OpenBSD Secure Shell server\n"
			  "user@1000.service loaded failed failed User Manager for UID 1000\n"
			  "\n   \n"
			  "  cron.service loaded failed failed Regular background program\n"
			  "no-newline.mount loaded failed failed x";
	json_t *names = json_array(), *ignore = json_pack("[s]", "user@*.service");

	(void)state;
	assert_int_equal(units_parse(out, NULL, names), RONDA_OK);
	assert_int_equal(json_array_size(names), 4);
	assert_string_equal(json_string_value(json_array_get(names, 0)), "ssh.service");
	assert_string_equal(json_string_value(json_array_get(names, 2)), "cron.service");
	assert_string_equal(json_string_value(json_array_get(names, 3)), "no-newline.mount");
	json_array_clear(names);
	assert_int_equal(units_parse(out, ignore, names), RONDA_OK);
	assert_int_equal(json_array_size(names), 3);
	assert_string_equal(json_string_value(json_array_get(names, 1)), "cron.service");
	json_array_clear(names);
	assert_int_equal(units_parse("", ignore, names), RONDA_OK);
	assert_int_equal(json_array_size(names), 0);
	json_decref(names);
	json_decref(ignore);
}

/* Only "match" reads cmdline, which can hang: only it needs a probe. */
static void test_process_isolation(void **state)
{
	const char *text = "{\"ronda\":1,\"tasks\":[{\"name\":\"a\",\"check\":\"process\",\"comm\":\"init\"},"
			   "{\"name\":\"b\",\"check\":\"process\",\"match\":\"^/sbin\"},"
			   "{\"name\":\"c\",\"check\":\"process\"}]}";
	const struct check_ops *ops = check_find("process");
	struct proto_job job;
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(proto_job_parse(text, strlen(text), &job, &err), RONDA_OK);
	assert_true(ops->isolate && ops->isolate_if);
	assert_false(ops->isolate_if(&job.tasks[0]));
	assert_true(ops->isolate_if(&job.tasks[1]));
	assert_false(ops->isolate_if(&job.tasks[2]));
	proto_job_release(&job);
	buf_release(&err);
}

/*
 * Two in-process process tasks of one job count from one table: a child
 * started between them is not seen by the second, and the table holds
 * this process's parent (in-process, the login's sshd counts) but not
 * this process.
 */
static void test_process_table_shared(void **state)
{
	const char *text = "{\"ronda\":1,\"tasks\":[{\"name\":\"a\",\"check\":\"process\"},"
			   "{\"name\":\"b\",\"check\":\"process\"}]}";
	struct check_procs procs = { 0 };
	struct check_result r1, r2;
	struct proto_job job;
	struct check_ctx ctx;
	struct buf err;
	int self = 0, parent = 0;
	pid_t kid;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(proto_job_parse(text, strlen(text), &job, &err), RONDA_OK);
	memset(&ctx, 0, sizeof(ctx));
	ctx.procs = &procs;
	assert_int_equal(check_result_init(&r1), RONDA_OK);
	assert_int_equal(check_result_init(&r2), RONDA_OK);
	check_find("process")->run(&job.tasks[0], &ctx, &r1);
	assert_true(procs.taken);
	for (size_t i = 0; i < procs.n; i++) {
		self |= procs.v[i].pid == (int)getpid();
		parent |= procs.v[i].pid == (int)getppid();
	}
	assert_false(self);
	assert_true(parent);
	kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		pause();
		_exit(0);
	}
	check_find("process")->run(&job.tasks[1], &ctx, &r2);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	assert_int_equal(r1.verdict, VERDICT_OK);
	assert_true(json_equal(json_object_get(r1.values, "count"),
			       json_object_get(r2.values, "count")));
	check_result_release(&r1);
	check_result_release(&r2);
	check_procs_release(&procs);
	assert_null(procs.v);
	proto_job_release(&job);
	buf_release(&err);
}

static int setup(void **state)
{
	(void)state;
	return spawn_init(-1) == RONDA_OK ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_mounts_unescape),
		cmocka_unit_test(test_procnet),
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_file_must_be_root_only),
		cmocka_unit_test(test_resolve_exe),
		cmocka_unit_test(test_isolated_hang_names_what_hung),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_units_parse),
		cmocka_unit_test(test_process_isolation),
		cmocka_unit_test(test_process_table_shared),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
