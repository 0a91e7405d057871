/*
 * patrol_playbook.c - playbook_load (orchestrator/patrol/playbook.c) and
 * patrol_plan_job: libconfig to agent JSON, every error with its line,
 * conditions, tag filtering, and the shipped playbooks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "patrol/playbook.h"
#include "proto.h"
#include "banned.h"

static char path[64];

/* Writes text to a temporary playbook and loads it. */
static int load(const char *text, const char *const *tags, const char *const *skip,
		struct patrol_plan *p, struct buf *err)
{
	int fd, r;

	snprintf(path, sizeof(path), "/tmp/test_playbook.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	patrol_plan_init(p);
	r = playbook_load(path, tags, skip, p, err);
	unlink(path);
	return r;
}

/* Loading must fail with "FILE:line: ...want...". */
static void refused(const char *text, int line, const char *want)
{
	struct patrol_plan p;
	struct buf err, exp;

	buf_init(&err, 4096);
	buf_init(&exp, 256);
	assert_int_equal(load(text, NULL, NULL, &p, &err), RONDA_ECONFIG);
	buf_printf(&exp, "%s:%d: ", path, line);
	if (line >= 0 && strncmp(buf_data(&err), buf_data(&exp), buf_len(&exp)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", buf_data(&err), buf_data(&exp));
	if (!strstr(buf_data(&err), want))
		fail_msg("error \"%s\" lacks \"%s\"", buf_data(&err), want);
	assert_null(p.tasks);
	buf_release(&err);
	buf_release(&exp);
}

static const char good[] =
	"name = \"t\";\n"
	"defaults = { timeout = 30; task_timeout = 5.5; become = true; };\n"
	"tasks = (\n"
	"  { name = \"root\"; check = \"disk\"; path = \"/\"; warn = 80; fail = 90.5;\n"
	"    tags = [ \"disk\" ]; },\n"
	"  { check = \"mount\"; path = \"/\"; options = [ \"rw\", \"relatime\" ]; tags = [\"disk\", \"x\"]; },\n"
	"  { name = \"sys\"; check = \"sysctl\"; key = \"vm.swappiness\"; value = 60; timeout = 2; },\n"
	"  { name = \"cmd\"; check = \"command\"; argv = (\"true\"); exit = 0;\n"
	"    when = { task = \"root\"; verdict = [\"fail\", \"warn\"]; }; tags = [\"x\"]; },\n"
	"  { name = \"one\"; check = \"load\"; when = { task = \"cmd\"; verdict = \"skipped\"; }; }\n"
	");\n";

static void test_good(void **state)
{
	struct patrol_plan p;
	struct buf err, job;
	json_t *t;

	(void)state;
	buf_init(&err, 4096);
	buf_init(&job, 1 << 20);
	assert_int_equal(load(good, NULL, NULL, &p, &err), RONDA_OK);
	assert_string_equal(p.name, "t");
	assert_string_equal(p.profile, "inspect");
	assert_true(p.timeout == 30);
	assert_int_equal(p.become, 1);
	assert_int_equal(json_array_size(p.tasks), 5);
	t = json_array_get(p.tasks, 0);
	assert_true(json_is_integer(json_object_get(t, "warn")));
	assert_true(json_is_real(json_object_get(t, "fail")));
	assert_true(json_real_value(json_object_get(t, "timeout")) == 5.5);
	assert_null(json_object_get(t, "tags"));
	t = json_array_get(p.tasks, 1);
	assert_string_equal(json_string_value(json_object_get(t, "check")), "mount");
	assert_string_equal(json_string_value(json_array_get(json_object_get(t, "options"), 1)), "relatime");
	t = json_array_get(p.tasks, 2);
	assert_int_equal(json_integer_value(json_object_get(t, "timeout")), 2);
	t = json_array_get(p.tasks, 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(t, "when"), "task")), "root");
	assert_int_equal(json_array_size(json_object_get(json_object_get(t, "when"), "verdict")), 2);
	/* The job is one line the agent's parser accepts, conditions included. */
	assert_int_equal(patrol_plan_job(&p, 1700000000.25, &job), RONDA_OK);
	assert_non_null(strstr(buf_data(&job), "{\"ronda\":1,\"profile\":\"inspect\",\"now\":1700000000.25,\"timeout\":30"));
	assert_int_equal(strchr(buf_data(&job), '\n') - buf_data(&job), (long)buf_len(&job) - 1);
	patrol_plan_release(&p);
	buf_release(&err);
	buf_release(&job);
}

static void test_tags(void **state)
{
	const char *disk[] = { "disk", NULL }, *x[] = { "x", NULL }, *nope[] = { "nope", NULL };
	struct patrol_plan p;
	struct buf err;

	(void)state;
	buf_init(&err, 4096);
	/* --tags disk: root and mount only (untagged tasks are left out too). */
	assert_int_equal(load(good, disk, NULL, &p, &err), RONDA_OK);
	assert_int_equal(json_array_size(p.tasks), 2);
	patrol_plan_release(&p);
	/* --skip-tags x drops mount and cmd, but "one" depends on cmd: that is
	 * refused, not silently dropped or run with an undecidable condition. */
	assert_int_equal(load(good, NULL, x, &p, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), ":10: task \"one\" depends on task \"cmd\""));
	buf_reset(&err);
	assert_int_equal(load(good, nope, NULL, &p, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), "no task has the tag \"nope\" (--tags)"));
	buf_reset(&err);
	assert_int_equal(load(good, NULL, nope, &p, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), "(--skip-tags)"));
	buf_reset(&err);
	/* --tags x: mount and cmd; cmd's condition names root, which is out. */
	assert_int_equal(load(good, x, NULL, &p, &err), RONDA_ECONFIG);
	assert_non_null(strstr(buf_data(&err), ":9: task \"cmd\" depends on task \"root\""));
	buf_reset(&err);
	{
		const char *t[] = { "a", NULL }, *s[] = { "b", NULL };
		const char *pb = "name=\"n\"; tasks=({check=\"load\"; tags=[\"a\"];},"
			"{name=\"m\"; check=\"memory\"; tags=[\"a\",\"b\"];},{name=\"u\"; check=\"uptime\";});";

		assert_int_equal(load(pb, t, s, &p, &err), RONDA_OK);
		assert_int_equal(json_array_size(p.tasks), 1);
		assert_string_equal(json_string_value(json_object_get(json_array_get(p.tasks, 0), "check")), "load");
		patrol_plan_release(&p);
		assert_int_equal(load(pb, NULL, s, &p, &err), RONDA_OK);
		assert_int_equal(json_array_size(p.tasks), 2);
		patrol_plan_release(&p);
		assert_int_equal(load("name=\"n\"; tasks=({check=\"load\"; tags=[\"a\"];});", NULL, t, &p, &err),
				 RONDA_ECONFIG);
		assert_non_null(strstr(buf_data(&err), "leave no task to run"));
	}
	buf_release(&err);
}

#define T(body) "name = \"n\";\ntasks = (\n" body "\n);\n"

static void test_errors(void **state)
{
	(void)state;
	refused("name = \"n\";\ntasks = ( { check = ; } );", 2, "syntax error");
	refused("name = \"n\"; tasks = ( { check = \"load\"; } );\nfoo = 1;", 2, "unknown key 'foo'");
	refused("tasks = ( { check = \"load\"; } );", -1, "has no 'name'");
	refused("name = 3;\ntasks = ( { check = \"load\"; } );", 1, "'name' must be a string, not an integer");
	refused("name = \"n\";", -1, "has no 'tasks'");
	refused("name = \"n\";\ntasks = ();", 2, "'tasks' is empty");
	refused("name = \"n\";\ntasks = [ 1 ];", 2, "'tasks' must be a list");
	refused("name = \"n\";\ndefaults = { timeout = 0; };\ntasks = ({check=\"load\";});", 2,
		"more than 0 and at most 86400");
	refused("name = \"n\";\ndefaults = { forks = 3; };\ntasks = ({check=\"load\";});", 2,
		"unknown key 'forks' in defaults");
	refused("name = \"n\";\ndefaults = { profile = \"root\"; };\ntasks = ({check=\"load\";});", 2,
		"unknown profile \"root\"");
	refused("name = \"n\";\ndefaults = { become = 1; };\ntasks = ({check=\"load\";});", 2,
		"'become' must be true or false, not an integer");
	refused("name = \"n\";\nwrite_paths = [\"/var/log\"];\ntasks = ({check=\"load\";});", 2,
		"needs profile = \"maintain\"");
	refused(T("  { check = \"load\"; },\n  { name = \"x\"; }"), 4, "task has no 'check'");
	refused(T("  { check = \"dsk\"; }"), 3, "unknown check \"dsk\" (disk, memory,");
	refused(T("  { check = \"cleanup\"; }"), 3, "missing key \"path\"");
	refused("name = \"n\";\ndefaults = { profile = \"inspect\"; };\ntasks = (\n"
		"  { check = \"rotate\"; path = \"/var/log/a.log\"; }\n);\n", 4,
		"a rotate task writes: it needs profile = \"maintain\"");
	refused(T("  { check = \"disk\";\n    pth = \"/\"; }"), 4,
		"unknown key 'pth' for a disk check (name, check, timeout, tags, when, path, warn");
	refused(T("  { check = \"disk\";\n    warn = \"80\"; }"), 4, "'warn' must be a number, not a string");
	refused(T("  { check = \"load\";\n    window = 5.0; }"), 4, "'window' must be an integer, not a number");
	refused(T("  { check = \"file\";\n    path = \"/x\"; exists = \"no\"; }"), 4, "'exists' must be true or false");
	refused(T("  { check = \"command\";\n    argv = \"true\"; }"), 4, "'argv' must be an array of strings");
	refused(T("  { check = \"command\";\n    argv = [ \"a\" ];\n    max_output = [ 1 ]; }"), 5,
		"'max_output' must be an integer");
	refused(T("  { check = \"command\";\n    argv = ( \"a\", 1 ); }"), 4, "'argv' must hold only strings");
	refused(T("  { check = \"port\"; }"), 3, "task \"port\": missing key \"port\"");
	refused(T("  { check = \"load\"; timeout = 100000; }"), 3, "\"timeout\" must be in (0, 86400]");
	refused(T("  { check = \"file\";\n    path = \"etc/passwd\"; }"), 4,
		"task \"file\": \"path\" must be an absolute path, not \"etc/passwd\"");
	refused(T("  { check = \"command\"; argv = [\"x\"];\n    match = \"(\"; }"), 4,
		"'match' is not a valid extended regular expression");
	refused(T("  { check = \"load\"; },\n  { check = \"load\"; }"), 4,
		"a task named \"load\" is already at line 3");
	refused(T("  { check = \"load\";\n    tags = \"a\"; }"), 4, "'tags' must be an array of strings");
	refused(T("  { check = \"load\";\n    tags = [ \"a b\" ]; }"), 4, "bad tag \"a b\"");
	refused(T("  { check = \"load\"; when = {\n    task = \"zz\"; verdict = \"fail\"; }; }"), 4,
		"'when' names task \"zz\", but no task before it");
	refused(T("  { check = \"load\"; when = {\n    task = \"m\"; verdict = \"fail\"; }; },\n"
		  "  { name = \"m\"; check = \"memory\"; }"), 4,
		"names task \"m\", which comes later (line 5)");
	refused(T("  { check = \"load\"; when = {\n    task = \"load\"; verdict = \"fail\"; }; }"), 4,
		"cannot depend on itself");
	/* a cycle needs a forward reference, so it is caught as one */
	refused(T("  { name = \"a\"; check = \"load\"; when = {\n    task = \"b\"; verdict = \"ok\"; }; },\n"
		  "  { name = \"b\"; check = \"memory\"; when = { task = \"a\"; verdict = \"ok\"; }; }"), 4,
		"which comes later");
	refused(T("  { check = \"load\"; },\n  { check = \"memory\"; when = { task = \"load\";\n    verdict = [ \"bad\" ]; }; }"),
		5, "unknown verdict \"bad\"");
	refused(T("  { check = \"load\"; },\n  { check = \"memory\"; when = { task = \"load\";\n    verdict = []; }; }"),
		5, "lists no verdict");
	refused(T("  { check = \"load\"; },\n  { check = \"memory\";\n    when = { task = \"load\"; }; }"),
		5, "'when' needs 'task' and 'verdict'");
	refused(T("  { check = \"load\"; },\n  { check = \"memory\"; when = { task = \"load\"; verdict = \"ok\";\n    if = 1; }; }"),
		5, "unknown key 'if' in 'when'");
	/* libconfig puts a scalar on the line where it saw the next token */
	refused(T("  \"load\""), -1, "each task must be a group { ... }, not a string");
}

/* The shipped playbooks load and make jobs the agent's parser accepts. */
static void test_shipped(void **state)
{
	const char *const files[] = { "playbooks/patrol.cfg", "playbooks/oncall.cfg",
				      "playbooks/logclean.cfg" };
	struct patrol_plan p;
	struct proto_job job;
	struct buf err, text;

	(void)state;
	buf_init(&err, 4096);
	buf_init(&text, 1 << 20);
	for (size_t i = 0; i < 3; i++) {
		patrol_plan_init(&p);
		if (playbook_load(files[i], NULL, NULL, &p, &err) != RONDA_OK)
			fail_msg("%s: %s", files[i], buf_data(&err));
		buf_reset(&text);
		assert_int_equal(patrol_plan_job(&p, 1700000000, &text), RONDA_OK);
		assert_int_equal(proto_job_parse(buf_data(&text), buf_len(&text), &job, &err), RONDA_OK);
		assert_true(job.n_tasks >= 3);
		proto_job_release(&job);
		patrol_plan_release(&p);
	}
	buf_release(&err);
	buf_release(&text);
}

static void test_missing_file(void **state)
{
	struct patrol_plan p;
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	patrol_plan_init(&p);
	assert_int_equal(playbook_load("/nonexistent/x.cfg", NULL, NULL, &p, &err), RONDA_ECONFIG);
	assert_string_equal(buf_data(&err), "/nonexistent/x.cfg: No such file or directory");
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
