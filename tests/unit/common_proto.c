/*
 * common_proto.c - the job schema and protocol lines (common/proto.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proto.h"
#include "banned.h"

/* Parses text; on failure checks that the error mentions want. */
static int parse(const char *text, const char *want)
{
	struct proto_job job;
	struct buf err;
	int r;

	buf_init(&err, 1024);
	r = proto_job_parse(text, strlen(text), &job, &err);
	if (r == RONDA_OK)
		proto_job_release(&job);
	else if (want && !strstr(buf_data(&err), want))
		fail_msg("error \"%s\" lacks \"%s\"", buf_data(&err), want);
	buf_release(&err);
	return r;
}

static void test_good_job(void **state)
{
	const char *text = "{\"ronda\":1,\"profile\":\"inspect\",\"now\":1700000000.5,"
		"\"tasks\":[{\"name\":\"root\",\"check\":\"disk\",\"path\":\"/\",\"warn\":80},"
		"{\"check\":\"command\",\"argv\":[\"true\"],\"timeout\":2},"
		"{\"check\":\"sysctl\",\"key\":\"vm.swappiness\",\"value\":60}]}";
	struct proto_job job;
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(proto_job_parse(text, strlen(text), &job, &err), RONDA_OK);
	assert_int_equal(job.n_tasks, 3);
	assert_string_equal(job.tasks[0].name, "root");
	assert_string_equal(job.tasks[1].name, "command");
	assert_true(job.tasks[1].timeout == 2);
	assert_true(job.now == 1700000000.5);
	assert_string_equal(proto_task_str(&job.tasks[0], "path", "x"), "/");
	assert_true(proto_task_num(&job.tasks[0], "warn", 0) == 80);
	assert_true(proto_task_num(&job.tasks[0], "fail", 90) == 90);
	proto_job_release(&job);
	buf_release(&err);
}

static void test_bad_jobs(void **state)
{
	(void)state;
	assert_int_equal(parse("", "not valid JSON"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[", "not valid JSON"), RONDA_EPARSE);
	assert_int_equal(parse("[]", "must be a JSON object"), RONDA_EPARSE);
	assert_int_equal(parse("{\"tasks\":[]}", "missing key \"ronda\""), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":2,\"tasks\":[]}", "protocol version 2"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":{}}", "\"tasks\" must be an array"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[],\"x\":1}", "unknown key \"x\""), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"profile\":\"root\",\"tasks\":[]}", "unknown profile"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"dsk\"}]}", "unknown check \"dsk\""), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"disk\",\"pth\":\"/\"}]}",
			       "tasks[0] (\"disk\"): unknown key \"pth\""), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"disk\",\"warn\":\"80\"}]}",
			       "\"warn\" must be a number"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"port\"}]}",
			       "missing key \"port\""), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"command\",\"argv\":[1]}]}",
			       "array of strings"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"load\"},{\"check\":\"load\"}]}",
			       "duplicate task name"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"load\",\"timeout\":-1}]}",
			       "\"timeout\""), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"write_paths\":[\"/var/log\"],\"tasks\":[]}",
			       "needs the maintain profile"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"profile\":\"maintain\",\"write_paths\":[\"rel\"],\"tasks\":[]}",
			       "must be absolute"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[],\"ronda\":1}", "duplicate"), RONDA_EPARSE);
	/* rotate writes: maintain, unless it only reports (dry run). */
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"rotate\",\"path\":\"/l\"}]}",
			       "needs the maintain profile (or dry_run)"), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"cleanup\"}]}",
			       "missing key \"path\""), RONDA_EPARSE);
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"check\":\"rotate\",\"path\":\"/l\",\"dry_run\":true}]}",
			       NULL), RONDA_OK);
	assert_int_equal(parse("{\"ronda\":1,\"dry_run\":true,\"tasks\":[{\"check\":\"cleanup\",\"path\":\"/t\",\"older_than\":1}]}",
			       NULL), RONDA_OK);
}

static void test_every_check_is_in_the_table(void **state)
{
	static const char *const names[] = { "disk", "memory", "load", "uptime",
		"process", "port", "file", "mount", "sysctl", "service", "units", "command",
		"clock", "rotate", "cleanup" };
	size_t n;

	(void)state;
	proto_checks(&n);
	assert_int_equal(n, sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < n; i++)
		assert_non_null(proto_check_find(names[i]));
	assert_null(proto_check_find("reboot"));
	/* Only the tasks that write need maintain. */
	assert_true(proto_check_find("rotate")->maintain_only);
	assert_true(proto_check_find("cleanup")->maintain_only);
	assert_false(proto_check_find("disk")->maintain_only);
}

static void test_line_round_trip(void **state)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:{s:f}, s:f}", "task", "t",
			      "check", "disk", "verdict", "warn", "message", "m",
			      "values", "used_pct", 81.5, "ms", 0.25);
	struct buf line, err;
	json_t *back = NULL;
	const char *type;

	(void)state;
	buf_init(&line, 4096);
	buf_init(&err, 1024);
	assert_int_equal(proto_line("result", o, &line), RONDA_OK);
	assert_true(strncmp(buf_data(&line), "{\"ronda\":1,\"type\":\"result\",", 27) == 0);
	assert_int_equal(buf_data(&line)[buf_len(&line) - 1], '\n');
	assert_int_equal(proto_line_parse(buf_data(&line), buf_len(&line) - 1, &back,
					  &type, &err), RONDA_OK);
	assert_string_equal(type, "result");
	assert_true(json_real_value(json_object_get(json_object_get(back, "values"),
						    "used_pct")) == 81.5);
	json_decref(back);
	/* A truncated line is a protocol error, not a crash. */
	assert_int_equal(proto_line_parse(buf_data(&line), buf_len(&line) / 2, &back,
					  &type, &err), RONDA_EPROTO);
	json_decref(o);
	buf_release(&line);
	buf_release(&err);
}

static void test_line_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"{\"ronda\":2,\"type\":\"summary\"}",
		"{\"type\":\"summary\"}",
		"{\"ronda\":1,\"type\":\"gossip\"}",
		"{\"ronda\":1,\"type\":\"result\",\"task\":\"t\"}",
		"{\"ronda\":1,\"type\":\"result\",\"task\":\"t\",\"check\":\"c\",\"verdict\":\"great\","
		"\"message\":\"\",\"values\":{},\"ms\":1}",
		"{\"ronda\":1,\"type\":\"error\"}",
		"[1]",
		"\xff",
	};
	struct buf err;
	json_t *o;
	const char *type;

	(void)state;
	buf_init(&err, 1024);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&err);
		assert_int_equal(proto_line_parse(bad[i], strlen(bad[i]), &o, &type, &err),
				 RONDA_EPROTO);
		assert_true(buf_len(&err) > 0);
	}
	buf_release(&err);
}

static void test_names(void **state)
{
	int v;

	(void)state;
	for (int i = 0; i < VERDICT__COUNT; i++) {
		assert_int_equal(proto_verdict_from_name(proto_verdict_name(i), &v), RONDA_OK);
		assert_int_equal(v, i);
	}
	assert_int_equal(proto_verdict_from_name("meh", &v), RONDA_EINVAL);
	assert_int_equal(proto_profile_from_name("maintain", &v), RONDA_OK);
	assert_int_equal(v, PROFILE_MAINTAIN);
}

/* "when" names an earlier task and a set of its verdicts. */
static void test_when(void **state)
{
	const char *text = "{\"ronda\":1,\"tasks\":[{\"name\":\"root\",\"check\":\"disk\"},"
		"{\"name\":\"c\",\"check\":\"load\",\"when\":{\"task\":\"root\",\"verdict\":[\"fail\",\"warn\"]}}]}";
	struct proto_job job;
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(proto_job_parse(text, strlen(text), &job, &err), RONDA_OK);
	assert_int_equal(job.tasks[0].when_task, -1);
	assert_int_equal(job.tasks[1].when_task, 0);
	assert_int_equal(job.tasks[1].when_verdicts, (1u << VERDICT_FAIL) | (1u << VERDICT_WARN));
	proto_job_release(&job);
	buf_release(&err);

#define W(when) "{\"ronda\":1,\"tasks\":[{\"name\":\"a\",\"check\":\"load\"}," \
	"{\"name\":\"b\",\"check\":\"load\",\"when\":" when "}]}"
	assert_int_equal(parse(W("{\"task\":\"zz\",\"verdict\":[\"fail\"]}"),
			       "tasks[1] (\"b\"): \"when\": no earlier task is named \"zz\""), RONDA_EPARSE);
	assert_int_equal(parse(W("{\"task\":\"b\",\"verdict\":[\"fail\"]}"),
			       "no earlier task is named \"b\""), RONDA_EPARSE);
	assert_int_equal(parse(W("{\"task\":\"a\",\"verdict\":[\"bad\"]}"),
			       "unknown verdict \"bad\""), RONDA_EPARSE);
	assert_int_equal(parse(W("{\"task\":\"a\",\"verdict\":[]}"),
			       "at least one verdict"), RONDA_EPARSE);
	assert_int_equal(parse(W("{\"task\":\"a\"}"), "missing key \"verdict\""), RONDA_EPARSE);
	assert_int_equal(parse(W("{\"task\":\"a\",\"verdict\":\"fail\"}"),
			       "\"verdict\" must be an array of strings"), RONDA_EPARSE);
	assert_int_equal(parse(W("{\"task\":\"a\",\"verdict\":[\"ok\"],\"x\":1}"),
			       "unknown key \"x\""), RONDA_EPARSE);
	assert_int_equal(parse(W("\"a\""), "\"when\" must be an object"), RONDA_EPARSE);
	/* A task may not depend on a later one: the first task names the second. */
	assert_int_equal(parse("{\"ronda\":1,\"tasks\":[{\"name\":\"a\",\"check\":\"load\","
			       "\"when\":{\"task\":\"b\",\"verdict\":[\"ok\"]}},{\"name\":\"b\",\"check\":\"load\"}]}",
			       "no earlier task is named \"b\""), RONDA_EPARSE);
#undef W
}

static void test_utf8_clean(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(proto_utf8_clean(&b, "ok \xc3\xa9 \xe2\x82\xac", 9), RONDA_OK);
	assert_string_equal(buf_data(&b), "ok \xc3\xa9 \xe2\x82\xac");
	buf_reset(&b);
	/* a stray byte, an overlong '/', a surrogate, a NUL */
	assert_int_equal(proto_utf8_clean(&b, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\0e", 12), RONDA_OK);
	assert_string_equal(buf_data(&b), "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
			    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd" "e");
	buf_release(&b);
}

/* Every string of a line is valid UTF-8, whatever bytes the host holds. */
static void test_string(void **state)
{
	json_t *j = proto_string("ab\xff" "cd");
	char *text;

	(void)state;
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "ab\xef\xbf\xbd" "cd");
	text = json_dumps(j, JSON_ENCODE_ANY);
	assert_non_null(text);
	free(text);
	json_decref(j);
	j = proto_stringn("a\0b", 3);
	assert_int_equal(json_string_length(j), 5);
	assert_memory_equal(json_string_value(j), "a\xef\xbf\xbd" "b", 5);
	json_decref(j);
	j = proto_string(NULL);
	assert_string_equal(json_string_value(j), "");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_job),
		cmocka_unit_test(test_bad_jobs),
		cmocka_unit_test(test_every_check_is_in_the_table),
		cmocka_unit_test(test_line_round_trip),
		cmocka_unit_test(test_line_parse_rejects),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_utf8_clean),
		cmocka_unit_test(test_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
