/*
 * output_diff.c - comparing two runs, on synthetic host objects as
 * --out writes them: each kind of change lands in its group with hosts
 * folded, boot-time jitter is not a reboot, and only new failures,
 * warnings and down hosts make a run worse.  The decoding edge: unknown or
 * malformed verdicts and a host given twice are errors naming the file;
 * missing fields keep their defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "output/diff.h"
#include "banned.h"

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);

	if (!o)
		fail_msg("bad test JSON: %s: %s", je.text, text);
	return o;
}

#define FACTS(kernel, boot) "\"facts\":{\"kernel\":\"" kernel "\",\"os_version\":\"12\",\"boot_time\":" #boot "}"
#define T(task, v) "{\"task\":\"" task "\",\"check\":\"disk\",\"verdict\":\"" v "\",\"message\":\"m\"}"
#define HOST(name, verdict, err, facts, tasks) "\"" name "\":{\"host\":\"" name "\",\"verdict\":\"" \
	verdict "\",\"error\":" err "," facts ",\"tasks\":[" tasks "]}"

static const char old_run[] = "{"
	HOST("web01", "ok", "null", FACTS("6.1.0-17", 1000), T("disk", "ok") "," T("load", "ok")) ","
	HOST("web02", "fail", "null", FACTS("6.1.0-17", 1000), T("disk", "fail") "," T("load", "ok")) ","
	HOST("web03", "ok", "null", FACTS("6.1.0-17", 1000), T("disk", "ok")) ","
	HOST("web04", "unreachable", "\"timed out\"", "\"facts\":null", "") ","
	HOST("web05", "ok", "null", FACTS("6.1.0-17", 1000), T("disk", "ok")) ","
	HOST("web06", "ok", "null", FACTS("6.1.0-17", 1000), T("disk", "ok")) ","
	HOST("web07", "warn", "null", FACTS("6.1.0-17", 1000), T("disk", "warn")) ","
	HOST("web08", "ok", "null", FACTS("6.1.0-17", 1000), T("disk", "skipped")) ","
	HOST("gone1", "ok", "null", FACTS("6.1.0-17", 1000), T("disk", "ok"))
	"}";

static const char new_run[] = "{"
	HOST("web01", "fail", "null", FACTS("6.1.0-18", 9000), T("disk", "fail") "," T("load", "warn")) ","
	HOST("web02", "ok", "null", FACTS("6.1.0-17", 1001), T("disk", "ok") "," T("load", "ok")) ","
	HOST("web03", "unreachable", "\"connection refused\"", "\"facts\":null", "") ","
	HOST("web04", "ok", "null", FACTS("6.1.0-17", 1000), T("disk", "ok")) ","
	HOST("web05", "ok", "null", FACTS("6.1.0-17", 999), T("disk", "ok")) ","
	HOST("web06", "fail", "null", FACTS("6.1.0-18", 9000), T("disk", "error")) ","
	HOST("web07", "fail", "null", FACTS("6.1.0-18", 9000), T("disk", "fail")) ","
	HOST("web08", "fail", "null", FACTS("6.1.0-17", 1000), T("disk", "fail") "," T("new", "fail")) ","
	HOST("new1", "ok", "null", FACTS("6.1.0-18", 1000), T("disk", "ok"))
	"}";

static json_t *diff_of(const char *a, const char *b)
{
	json_t *o = parse(a), *n = parse(b), *d = NULL;

	assert_int_equal(patrol_diff(o, n, &d), RONDA_OK);
	json_decref(o);
	json_decref(n);
	return d;
}

/* The group of list with task/fact/verdict field key = val. */
static json_t *group(json_t *d, const char *list, const char *key, const char *val,
		     const char *verdict)
{
	json_t *g;
	size_t i;

	json_array_foreach(json_object_get(d, list), i, g) {
		if (strcmp(json_string_value(json_object_get(g, key)), val) == 0 &&
		    (!verdict || strcmp(json_string_value(json_object_get(g, "verdict")), verdict) == 0))
			return g;
	}
	fail_msg("no %s group %s=%s", list, key, val);
	return NULL;
}

static const char *folded(const json_t *g)
{
	return json_string_value(json_object_get(g, "folded"));
}

static char *text_of(const json_t *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	assert_int_equal(patrol_diff_print(m, d), RONDA_OK);
	fclose(m);
	if (getenv("SHOW_DIFF"))
		fputs(text, stdout);
	return text;
}

/* Strings from the runs reach the terminal escaped: facts, errors, tasks. */
static void test_print_escapes(void **state)
{
	static const char a[] = "{"
		HOST("web01", "ok", "null", FACTS("6.1\\u001b]0;x\\u0007", 1000), T("d\\u202eisk", "ok")) ","
		HOST("web02", "ok", "null", FACTS("6.1", 1000), T("disk", "ok")) "}";
	static const char b[] = "{"
		HOST("web01", "fail", "null", FACTS("6.2\\u001b[2J", 1000), T("d\\u202eisk", "fail")) ","
		HOST("web02", "error", "\"agent said \\u001b[1A\\u009b2K\"", "\"facts\":null", "") "}";
	json_t *d = diff_of(a, b);
	char *text = text_of(d);

	(void)state;
	assert_null(strchr(text, 0x1b));
	assert_null(strchr(text, 0x07));
	assert_null(strstr(text, "\xe2\x80\xae"));
	assert_null(strstr(text, "\xc2\x9b"));
	assert_non_null(strstr(text, "6.1\\x1b]0;x\\x07 -> 6.2\\x1b[2J"));
	assert_non_null(strstr(text, "d\\u202eisk"));
	assert_non_null(strstr(text, "agent said \\x1b[1A\\u009b2K"));
	free(text);
	json_decref(d);
}

static void test_changes(void **state)
{
	json_t *d = diff_of(old_run, new_run), *g;
	char *text;

	(void)state;
	assert_true(json_is_true(json_object_get(d, "worse")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "hosts"), "old")), 9);
	/* disk: web01 was ok, web08 skipped (fail) and web06 ok (error): separate verdicts */
	g = group(d, "new_failures", "task", "disk", "fail");
	assert_string_equal(folded(g), "web[01,07-08]");
	assert_int_equal(json_array_size(json_object_get(g, "was")), 3);	/* ok, warn, skipped */
	assert_string_equal(folded(group(d, "new_failures", "task", "disk", "error")), "web06");
	/* a task the old run did not have, failing now */
	g = group(d, "new_failures", "task", "new", "fail");
	assert_string_equal(json_string_value(json_array_get(json_object_get(g, "was"), 0)), "none");
	assert_string_equal(folded(group(d, "new_warnings", "task", "load", "warn")), "web01");
	assert_string_equal(folded(group(d, "recovered", "task", "disk", "ok")), "web02");
	g = group(d, "down", "verdict", "unreachable", NULL);
	assert_string_equal(folded(g), "web03");
	assert_string_equal(json_string_value(json_object_get(g, "error")), "connection refused");
	assert_string_equal(folded(group(d, "back", "verdict", "ok", NULL)), "web04");
	assert_string_equal(folded(json_object_get(d, "added")), "new1");
	assert_string_equal(folded(json_object_get(d, "removed")), "gone1");
	/* a second of jitter (web02, web05) is not a reboot */
	assert_string_equal(folded(json_object_get(d, "rebooted")), "web[01,06-07]");
	g = group(d, "facts", "fact", "kernel", NULL);
	assert_string_equal(json_string_value(json_object_get(g, "old")), "6.1.0-17");
	assert_string_equal(json_string_value(json_object_get(g, "new")), "6.1.0-18");
	assert_string_equal(folded(g), "web[01,06-07]");
	assert_int_equal(json_array_size(json_object_get(d, "facts")), 1);

	text = text_of(d);
	assert_non_null(strstr(text, "hosts: 9 before, 9 now\n"));
	assert_non_null(strstr(text, "\nnew failures:\n  disk  fail     web[01,07-08] (3)  was ok,warn,skipped\n"));
	assert_non_null(strstr(text, "  new   fail     web08 (1)          was none\n"));
	assert_non_null(strstr(text, "\nnew warnings:\n  load  warn     web01 (1)  was ok\n"));
	assert_non_null(strstr(text, "\nrecovered:\n  disk  ok       web02 (1)  was fail\n"));
	assert_non_null(strstr(text, "  unreachable  web03 (1): connection refused (was ok)\n"));
	assert_non_null(strstr(text, "\npatrolled again:\n  ok           web04 (1) (was unreachable)\n"));
	assert_non_null(strstr(text, "\nhosts added: new1 (1)\n"));
	assert_non_null(strstr(text, "\nhosts removed: gone1 (1)\n"));
	assert_non_null(strstr(text, "\nrebooted: web[01,06-07] (3)\n"));
	assert_non_null(strstr(text, "  kernel       6.1.0-17 -> 6.1.0-18  web[01,06-07] (3)\n"));
	assert_non_null(strstr(text, "\nsomething got worse\n"));
	free(text);
	json_decref(d);
}

/* Identical runs, and runs where things only got better, are not worse. */
static void test_not_worse(void **state)
{
	json_t *d = diff_of(old_run, old_run);
	char *text;
	const char *key;
	json_t *v;

	(void)state;
	assert_false(json_is_true(json_object_get(d, "worse")));
	json_object_foreach(d, key, v) {
		if (json_is_array(v))
			assert_int_equal(json_array_size(v), 0);
		else if (strcmp(key, "added") == 0 || strcmp(key, "removed") == 0 ||
			 strcmp(key, "rebooted") == 0)
			assert_int_equal(json_array_size(json_object_get(v, "hosts")), 0);
	}
	text = text_of(d);
	assert_string_equal(text, "hosts: 9 before, 9 now\n\nnothing got worse\n");
	free(text);
	json_decref(d);

	/* the reverse of a run where web02 recovered: recovered, and back */
	d = diff_of("{" HOST("a", "fail", "null", "\"facts\":null", T("disk", "fail")) ","
		    HOST("b", "error", "\"cut short\"", "\"facts\":null", "") "}",
		    "{" HOST("a", "warn", "null", "\"facts\":null", T("disk", "warn")) ","
		    HOST("b", "ok", "null", "\"facts\":null", T("disk", "ok")) "}");
	assert_false(json_is_true(json_object_get(d, "worse")));
	assert_string_equal(folded(group(d, "recovered", "task", "disk", "warn")), "a");
	assert_string_equal(folded(group(d, "back", "verdict", "ok", NULL)), "b");
	json_decref(d);
}

/*
 * Long facts are compared whole: a kernel string of 260 bytes whose bytes
 * 255-256 are one character, and two values that differ only after byte 256.
 * The printed diff cuts long values, but never inside a character.
 */
static void test_long_facts(void **state)
{
	char head[400], a[2048], b[2048], *text;
	json_t *d, *g;
	size_t n = 0;

	(void)state;
	while (n < 254)
		head[n++] = 'k';
	head[n] = '\0';
	/* "k" x 254, then U+00E9 (two bytes: the 255th and 256th), then tails */
	snprintf(a, sizeof(a), "{" HOST("h", "ok", "null", "\"facts\":{\"kernel\":\"%s\\u00e9-old\"}", "") "}", head);
	snprintf(b, sizeof(b), "{" HOST("h", "ok", "null", "\"facts\":{\"kernel\":\"%s\\u00e9-new\"}", "") "}", head);
	d = diff_of(a, b);
	g = group(d, "facts", "fact", "kernel", NULL);
	assert_int_equal(strlen(json_string_value(json_object_get(g, "old"))), 254 + 2 + 4);
	assert_non_null(strstr(json_string_value(json_object_get(g, "new")), "\xc3\xa9-new"));
	json_decref(d);

	/* equal for 256 bytes, different after: a change, not "the same" */
	snprintf(a, sizeof(a), "{" HOST("h", "ok", "null", "\"facts\":{\"kernel\":\"%sxx-1\"}", "") "}", head);
	snprintf(b, sizeof(b), "{" HOST("h", "ok", "null", "\"facts\":{\"kernel\":\"%sxx-2\"}", "") "}", head);
	d = diff_of(a, b);
	assert_int_equal(json_array_size(json_object_get(d, "facts")), 1);
	json_decref(d);

	/* shown cut at 80 bytes, never inside the character at bytes 80-81 */
	head[79] = '\0';
	snprintf(a, sizeof(a), "{" HOST("h", "ok", "null", "\"facts\":{\"kernel\":\"%s\\u00e9-1\"}", "") "}", head);
	snprintf(b, sizeof(b), "{" HOST("h", "ok", "null", "\"facts\":{\"kernel\":\"%s\\u00e9-2\"}", "") "}", head);
	d = diff_of(a, b);
	text = text_of(d);
	assert_non_null(strstr(text, "kkk -> kkk"));
	assert_null(strchr(text, 0xc3));
	free(text);
	json_decref(d);
}

/* Many hosts, one change: one group, folded. */
static void test_fleet(void **state)
{
	json_t *o = json_object(), *n = json_object(), *d = NULL;
	char name[32];

	(void)state;
	for (int i = 1; i <= 2000; i++) {
		snprintf(name, sizeof(name), "node%04d", i);
		json_object_set_new(o, name, parse("{\"verdict\":\"ok\",\"tasks\":[" T("disk", "ok") "]}"));
		json_object_set_new(n, name, parse(i % 2 ? "{\"verdict\":\"fail\",\"tasks\":[" T("disk", "fail") "]}"
						    : "{\"verdict\":\"ok\",\"tasks\":[" T("disk", "ok") "]}"));
	}
	assert_int_equal(patrol_diff(o, n, &d), RONDA_OK);
	assert_int_equal(json_array_size(json_object_get(d, "new_failures")), 1);
	assert_int_equal(json_array_size(json_object_get(group(d, "new_failures", "task", "disk", "fail"),
							 "hosts")), 1000);
	assert_non_null(strstr(folded(group(d, "new_failures", "task", "disk", "fail")), "node[0001,0003,"));
	json_decref(d);
	json_decref(o);
	json_decref(n);
}

/* Decodes host object text as file `from` into run; the error, if any, in err. */
static int add_text(struct diff_run *run, const char *name, const char *text, const char *from,
		    struct buf *err)
{
	json_t *o = parse(text);
	int r = diff_run_add(run, name, strlen(name), o, from, err);

	json_decref(o);
	return r;
}

/* The error of decoding one host object, or NULL if it decodes. */
static char *decode_error(const char *text)
{
	struct diff_run run;
	struct buf err;
	char *msg = NULL;

	diff_run_init(&run);
	buf_init(&err, BUF_DEFAULT_MAX);
	if (add_text(&run, "web01", text, "r/hosts/web01.json", &err) != RONDA_OK) {
		assert_true(buf_len(&err) > 0);
		msg = strdup(buf_data(&err));
	} else {
		assert_int_equal(buf_len(&err), 0);
		assert_int_equal(run.n, 1);
	}
	diff_run_release(&run);
	buf_release(&err);
	return msg;
}

static void expect_error(const char *text, const char *want)
{
	char *msg = decode_error(text);

	if (!msg)
		fail_msg("decoded, but should not: %s", text);
	if (strcmp(msg, want))
		fail_msg("error \"%s\", want \"%s\"", msg, want);
	free(msg);
}

static void test_decode_bad_verdict(void **state)
{
	(void)state;
	expect_error("{\"verdict\":\"fine\",\"tasks\":[]}",
		     "r/hosts/web01.json: unknown verdict \"fine\" (ok, warn, fail, error or unreachable)");
	/* a task verdict is never a host verdict, nor the reverse */
	expect_error("{\"verdict\":\"skipped\"}",
		     "r/hosts/web01.json: unknown verdict \"skipped\" (ok, warn, fail, error or unreachable)");
	expect_error("{\"verdict\":\"ok\",\"tasks\":[" T("disk", "ok") "," T("load", "unreachable") "]}",
		     "r/hosts/web01.json: tasks[1] (\"load\"): unknown verdict \"unreachable\" "
		     "(ok, warn, fail, error or skipped)");
	expect_error("{\"verdict\":\"ok\",\"tasks\":[{\"task\":\"disk\",\"verdict\":2}]}",
		     "r/hosts/web01.json: tasks[0] (\"disk\"): unknown verdict (not a string) "
		     "(ok, warn, fail, error or skipped)");
	/* case, a NUL inside, and what a terminal would act on, shown escaped */
	expect_error("{\"verdict\":\"OK\"}",
		     "r/hosts/web01.json: unknown verdict \"OK\" (ok, warn, fail, error or unreachable)");
	expect_error("{\"verdict\":\"ok\",\"tasks\":[{\"task\":\"d\\u001b[2J\",\"verdict\":\"bad\\u0007\"}]}",
		     "r/hosts/web01.json: tasks[0] (\"d\\x1b[2J\"): unknown verdict \"bad\\x07\" "
		     "(ok, warn, fail, error or skipped)");
	/* a NUL inside (only JSON built in memory can hold one) */
	{
		json_t *o = json_pack("{s:s#}", "verdict", "ok\0x", (int)4);
		struct diff_run run;
		struct buf err;

		diff_run_init(&run);
		buf_init(&err, BUF_DEFAULT_MAX);
		assert_non_null(o);
		assert_int_equal(diff_run_add(&run, "h", 1, o, "mem", &err), RONDA_EPARSE);
		assert_string_equal(buf_data(&err), "mem: unknown verdict \"ok\\x00x\" "
				    "(ok, warn, fail, error or unreachable)");
		json_decref(o);
		diff_run_release(&run);
		buf_release(&err);
	}
	/* patrol_diff decodes too: a bad verdict in either run is refused */
	{
		json_t *good = parse("{" HOST("a", "ok", "null", "\"facts\":null", T("disk", "ok")) "}");
		json_t *bad = parse("{" HOST("a", "ok", "null", "\"facts\":null", T("disk", "meh")) "}");
		json_t *d = NULL;

		assert_int_equal(patrol_diff(good, bad, &d), RONDA_EPARSE);
		assert_int_equal(patrol_diff(bad, good, &d), RONDA_EPARSE);
		assert_null(d);
		json_decref(good);
		json_decref(bad);
	}
}

static void test_decode_missing(void **state)
{
	struct diff_run run;
	struct buf err;

	(void)state;
	expect_error("[]", "r/hosts/web01.json: not a host result (no verdict)");
	expect_error("{\"host\":\"web01\"}", "r/hosts/web01.json: not a host result (no verdict)");
	expect_error("{\"verdict\":null}", "r/hosts/web01.json: not a host result (no verdict)");
	/* no error, facts or tasks; a task without a name; a task without a verdict */
	diff_run_init(&run);
	buf_init(&err, BUF_DEFAULT_MAX);
	assert_int_equal(add_text(&run, "a", "{\"verdict\":\"error\"}", "a.json", &err), RONDA_OK);
	assert_int_equal(add_text(&run, "b", "{\"verdict\":\"ok\",\"facts\":[],\"tasks\":["
				  "{\"verdict\":\"meh\"},{\"task\":\"disk\"},7," T("load", "warn") "]}",
				  "b.json", &err), RONDA_OK);
	assert_int_equal(diff_run_seal(&run, &err), RONDA_OK);
	assert_int_equal(buf_len(&err), 0);
	assert_int_equal(run.n, 2);
	assert_string_equal(run.v[0].name, "a");
	assert_int_equal(run.v[0].verdict, PV_ERROR);
	assert_string_equal(run.v[0].error, "");
	assert_null(run.v[0].facts);
	assert_int_equal(run.v[0].n_tasks, 0);
	assert_int_equal(run.v[1].verdict, PV_OK);
	assert_null(run.v[1].facts);
	assert_int_equal(run.v[1].n_tasks, 2);
	assert_string_equal(run.v[1].tasks[0].name, "disk");
	assert_int_equal(run.v[1].tasks[0].verdict, VERDICT_ERROR);
	assert_string_equal(run.v[1].tasks[1].name, "load");
	assert_int_equal(run.v[1].tasks[1].verdict, VERDICT_WARN);
	diff_run_release(&run);
	buf_release(&err);
}

/* Two files for one host (by their "host" or by the file name): an error naming both. */
static void test_decode_host_twice(void **state)
{
	struct diff_run run;
	struct buf err;

	(void)state;
	diff_run_init(&run);
	buf_init(&err, BUF_DEFAULT_MAX);
	assert_int_equal(add_text(&run, "web02", "{\"verdict\":\"ok\"}", "r/hosts/web02.json", &err), RONDA_OK);
	assert_int_equal(add_text(&run, "web01", "{\"verdict\":\"ok\"}", "r/hosts/web01.json", &err), RONDA_OK);
	assert_int_equal(add_text(&run, "web01", "{\"verdict\":\"fail\"}", "r/hosts/copy.json", &err), RONDA_OK);
	assert_int_equal(diff_run_seal(&run, &err), RONDA_EPARSE);
	assert_non_null(strstr(buf_data(&err), "host web01 twice: in r/hosts/"));
	assert_non_null(strstr(buf_data(&err), "r/hosts/web01.json"));
	assert_non_null(strstr(buf_data(&err), "r/hosts/copy.json"));
	assert_null(strstr(buf_data(&err), "web02"));
	diff_run_release(&run);
	buf_release(&err);

	/* names equal in natural order but not the same (web1, web01) are two hosts */
	diff_run_init(&run);
	buf_init(&err, BUF_DEFAULT_MAX);
	assert_int_equal(add_text(&run, "web01", "{\"verdict\":\"ok\"}", "a", &err), RONDA_OK);
	assert_int_equal(add_text(&run, "web1", "{\"verdict\":\"ok\"}", "b", &err), RONDA_OK);
	assert_int_equal(add_text(&run, "web001", "{\"verdict\":\"ok\"}", "c", &err), RONDA_OK);
	assert_int_equal(diff_run_seal(&run, &err), RONDA_OK);
	assert_int_equal(run.n, 3);
	diff_run_release(&run);
	buf_release(&err);
}

/* A task given twice in the old run: the last one counts (as before the edge). */
static void test_task_twice(void **state)
{
	json_t *d;

	(void)state;
	d = diff_of("{" HOST("a", "fail", "null", "\"facts\":null", T("disk", "ok") "," T("disk", "fail")) "}",
		    "{" HOST("a", "fail", "null", "\"facts\":null", T("disk", "fail")) "}");
	assert_int_equal(json_array_size(json_object_get(d, "new_failures")), 0);
	json_decref(d);
	d = diff_of("{" HOST("a", "fail", "null", "\"facts\":null", T("disk", "fail") "," T("disk", "ok")) "}",
		    "{" HOST("a", "fail", "null", "\"facts\":null", T("disk", "fail")) "}");
	assert_string_equal(folded(group(d, "new_failures", "task", "disk", "fail")), "a");
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_escapes),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_not_worse),
		cmocka_unit_test(test_fleet),
		cmocka_unit_test(test_long_facts),
		cmocka_unit_test(test_decode_bad_verdict),
		cmocka_unit_test(test_decode_missing),
		cmocka_unit_test(test_decode_host_twice),
		cmocka_unit_test(test_task_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
