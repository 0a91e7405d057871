/*
 * output_patrol_report.c - host verdicts, the summary, JSON Lines, the run
 * directory, the Prometheus textfile (checked line by line against the text
 * format) and exit codes, on synthetic fleets built from agent lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <ftw.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "output/prom.h"
#include "output/exitcode.h"
#include "output/files.h"
#include "output/json.h"
#include "output/summary.h"
#include "output/verdict.h"
#include "proto.h"
#include "patrol_fixture.h"
#include "banned.h"

/* Everything the summary printed. */
static char *summary(struct fleet *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	assert_int_equal(patrol_report_summary(m, &f->tl, f->h, 0), RONDA_OK);
	fclose(m);
	if (getenv("SHOW_SUMMARY"))
		fputs(text, stdout);
	return text;
}


/*
 * What a host sent reaches the summary escaped: a task's message with a
 * title OSC, a clear screen and a bidi override, and an agent error whose
 * newline would forge a summary line.
 */
static void test_summary_escapes_host_text(void **state)
{
	struct fleet f;
	char *text;

	(void)state;
	fleet_init(&f, 2);
	add(&f, "web01", RESULT_FAILED, NULL, FACTS
	    RES("cmd \\u001b[31mred", "command", "fail", "out: \\u001b]0;pwned\\u0007\\u001b[2J\\u202eok",
		"{\"stdout\":\"x\"}") SUMMARY);
	add(&f, "web02", RESULT_FAILED, NULL,
	    "{\"ronda\":1,\"type\":\"error\",\"code\":\"bad-job\",\"error\":\"no\\nerror        web03 (1): forged\","
	    "\"agent\":\"0.1.0\"}\n");
	text = summary(&f);
	assert_null(strchr(text, 0x1b));
	assert_null(strchr(text, 0x07));
	assert_null(strstr(text, "\xe2\x80\xae"));
	assert_non_null(strstr(text, "cmd \\x1b[31mred"));
	assert_non_null(strstr(text, "out: \\x1b]0;pwned\\x07\\x1b[2J\\u202eok"));
	assert_non_null(strstr(text, "no\\x0aerror        web03 (1): forged\n"));
	assert_null(strstr(text, "\nerror        web03"));
	free(text);
	fleet_release(&f);
}

static void test_verdicts(void **state)
{
	struct fleet f;

	(void)state;
	mixed(&f);
	assert_int_equal(patrol_host_verdict(&f.h[0]), PV_OK);
	assert_int_equal(patrol_host_verdict(&f.h[1]), PV_FAIL);
	assert_int_equal(patrol_host_verdict(&f.h[2]), PV_FAIL);
	assert_int_equal(patrol_host_verdict(&f.h[3]), PV_UNREACHABLE);
	assert_int_equal(patrol_host_verdict(&f.h[5]), PV_UNREACHABLE);
	assert_int_equal(patrol_host_verdict(&f.h[6]), PV_ERROR);	/* no summary */
	assert_int_equal(patrol_host_verdict(&f.h[7]), PV_ERROR);	/* refused job */
	assert_string_equal(patrol_verdict_name(PV_UNREACHABLE), "unreachable");
	assert_int_equal(patrol_exit_code(f.h, 1), 0);
	assert_int_equal(patrol_exit_code(f.h, 3), 1);
	assert_int_equal(patrol_exit_code(f.h, f.n), 2);
	fleet_release(&f);

	/* a warn alone is 1; a stopped agent is an error; a task error is a fail */
	fleet_init(&f, 3);
	add(&f, "a", RESULT_OK, NULL, FACTS RES("l", "load", "warn", "x", "{}") SUMMARY);
	add(&f, "b", RESULT_FAILED, NULL, FACTS RES("s", "service", "error", "no systemd", "{}") SUMMARY);
	add(&f, "c", RESULT_FAILED, NULL, FACTS "{\"ronda\":1,\"type\":\"summary\",\"counts\":{},\"stopped\":\"TERM\"}\n");
	assert_int_equal(patrol_host_verdict(&f.h[0]), PV_WARN);
	assert_int_equal(patrol_exit_code(f.h, 1), 1);
	assert_int_equal(patrol_host_verdict(&f.h[1]), PV_FAIL);
	assert_int_equal(patrol_host_verdict(&f.h[2]), PV_ERROR);
	fleet_release(&f);
}

static void test_summary(void **state)
{
	struct fleet f;
	char *s;

	(void)state;
	mixed(&f);
	s = summary(&f);
	assert_non_null(strstr(s, "8 host(s): 1 ok, 0 warn, 2 fail, 3 unreachable, 2 error\n"));
	assert_non_null(strstr(s, "unreachable  web[04-05] (2): connection refused\n"));
	assert_non_null(strstr(s, "unreachable  web06 (1): no identity accepted\n"));
	assert_non_null(strstr(s, "error        db01 (1): tasks[0]: nope\n"));
	assert_non_null(strstr(s, "error        web07 (1): timed out\n"));
	/* web07's disk result came before the cut: it counts among the problems */
	if (!strstr(s, "disk /var  fail     web[02-03,07] (3)  94%") || !strstr(s, "94%\u202697.5%"))
		fail_msg("summary:\n%s", s);
	assert_non_null(strstr(s, "load       warn     web03 (1)"));
	assert_non_null(strstr(s, "1.75/cpu  load high"));
	/* fail before warn */
	assert_true(strstr(s, "disk /var") < strstr(s, "load       warn"));
	free(s);
	fleet_release(&f);
}

/* 2,000 hosts, 12 distinct problems: the summary fits on one screen. */
static void test_big_fleet(void **state)
{
	struct fleet f;
	char name[32], *s;
	size_t lines = 0;

	(void)state;
	fleet_init(&f, 2000);
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "node%04d", i + 1);
		if (i % 173 == 5)
			add(&f, name, RESULT_UNREACHABLE, "connection timed out", NULL);
		else if (i >= 100 && i < 110)
			add(&f, name, RESULT_FAILED, NULL, FACTS DISK(95, "fail") SUMMARY);
		else if (i % 250 == 7)
			add(&f, name, RESULT_FAILED, NULL, FACTS DISK(50, "ok")
			    RES("ntp", "clock", "warn", "clock off", "{\"offset_s\":1.5}")
			    RES("sshd", "process", "fail", "0 process(es) named sshd", "{\"count\":0}")
			    RES("cron", "service", "fail", "inactive", "{}") SUMMARY);
		else
			add(&f, name, RESULT_OK, NULL, FACTS DISK(40, "ok") SUMMARY);
	}
	s = summary(&f);
	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	if (lines > 24)
		fail_msg("%zu lines:\n%s", lines, s);
	assert_non_null(strstr(s, "2000 host(s): "));
	assert_non_null(strstr(s, "node[0101-0110] (10)"));
	assert_non_null(strstr(s, "unreachable  node[0006,0179,"));
	for (const char *p = s; *p; ) {		/* no line wider than a wide terminal */
		const char *nl = strchr(p, '\n');

		assert_true(nl - p <= 160);
		p = nl + 1;
	}
	free(s);
	fleet_release(&f);
}

static void test_json(void **state)
{
	struct fleet f;
	char *text = NULL, *p;
	size_t len = 0, n = 0;
	FILE *m;

	(void)state;
	mixed(&f);
	m = open_memstream(&text, &len);
	assert_int_equal(patrol_report_json(m, &f.tl, f.h), RONDA_OK);
	fclose(m);
	for (p = text; *p; n++) {
		char *nl = strchr(p, '\n');
		json_error_t je;
		json_t *o = json_loadb(p, (size_t)(nl - p), 0, &je);
		const char *type;

		assert_non_null(o);
		type = json_string_value(json_object_get(o, "type"));
		assert_non_null(json_string_value(json_object_get(o, "host")));
		if (strcmp(type, "host") == 0) {
			assert_non_null(json_object_get(o, "verdict"));
			assert_non_null(json_object_get(o, "status"));
			assert_true(json_is_object(json_object_get(o, "ms")));
			assert_true(json_is_integer(json_object_get(o, "uploaded_bytes")));
			assert_non_null(json_object_get(o, "facts"));
			assert_non_null(json_object_get(o, "error"));
		} else {
			assert_string_equal(type, "task");
			assert_null(json_object_get(o, "ronda"));
			assert_non_null(json_object_get(o, "verdict"));
			assert_true(json_is_object(json_object_get(o, "values")));
		}
		json_decref(o);
		p = nl + 1;
	}
	/* 8 host lines and 5 task lines */
	assert_int_equal(n, 13);
	assert_non_null(strstr(text, "{\"type\":\"host\",\"host\":\"web04\",\"verdict\":\"unreachable\","));
	assert_non_null(strstr(text, "\"status\":\"unreachable\",\"error\":\"connection refused\""));
	assert_non_null(strstr(text, "\"ms\":{\"connect\":12,\"handshake\":30,\"auth\":null,\"run\":null}"));
	assert_non_null(strstr(text, "{\"type\":\"task\",\"host\":\"web03\",\"task\":\"load\",\"check\":\"load\",\"verdict\":\"warn\""));
	assert_non_null(strstr(text, "\"host\":\"web07\",\"verdict\":\"error\""));
	free(text);
	fleet_release(&f);
}

/*
 * The text exposition format, line by line: HELP and TYPE once per metric
 * and before its samples, samples of a metric together, names and labels
 * well formed, label values escaped, values numbers, no series twice.
 */
static void check_prom(const char *text)
{
	regex_t sample_re, help_re, type_re;
	json_t *seen = json_object(), *series = json_object();
	const char *p = text, *cur = NULL;
	char name[256];
	int lineno = 0;

	assert_int_equal(regcomp(&sample_re, "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
		"(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\\\\\"n])*\""
		"(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\[\\\\\"n])*\")*\\})? "
		"(-?[0-9.]+(e[-+]?[0-9]+)?|NaN|[-+]Inf)$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&help_re, "^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]*$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&type_re, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$", REG_EXTENDED), 0);
	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[4096];
		regmatch_t m[2];

		assert_non_null(nl);
		assert_true((size_t)(nl - p) < sizeof(line));
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		lineno++;
		if (regexec(&help_re, line, 2, m, 0) == 0) {
			snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
			if (json_object_get(seen, name))
				fail_msg("line %d: metric %s comes twice", lineno, name);
			json_object_set_new(seen, name, json_true());
			cur = json_object_iter_key(json_object_iter_at(seen, name));
		} else if (regexec(&type_re, line, 2, m, 0) == 0) {
			if (!cur || strncmp(line + m[1].rm_so, cur, strlen(cur)))
				fail_msg("line %d: TYPE without its HELP: %s", lineno, line);
		} else if (regexec(&sample_re, line, 2, m, 0) == 0) {
			snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line);
			if (!cur || strcmp(name, cur))
				fail_msg("line %d: sample of %s outside its family: %s", lineno, name, line);
			{
				const char *sp = strrchr(line, ' ');
				char key[4096];

				snprintf(key, sizeof(key), "%.*s", (int)(sp - line), line);
				if (json_object_get(series, key))
					fail_msg("line %d: series twice: %s", lineno, key);
				json_object_set_new(series, key, json_true());
			}
		} else {
			fail_msg("line %d is not in the text format: %s", lineno, line);
		}
		p = nl + 1;
	}
	regfree(&sample_re);
	regfree(&help_re);
	regfree(&type_re);
	json_decref(seen);
	json_decref(series);
}


static void test_prom(void **state)
{
	char dir[] = "/tmp/test_prom.XXXXXX", path[64];
	struct fleet f;
	struct stat st;
	char *text;
	DIR *d;
	struct dirent *e;
	int files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ronda.prom", dir);
	mixed(&f);
	/* label values that need escaping: quote, backslash, newline */
	add(&f, "odd", RESULT_OK, NULL, FACTS
	    RES("say \\\"hi\\\" \\\\ back\\nslash", "command", "ok", "x", "{\"exit\":0,\"stdout\":\"x\",\"run_ms\":2.5}")
	    SUMMARY);
	assert_int_equal(patrol_report_prom(path, NULL, &f.tl, f.h, 12.5), RONDA_OK);
	text = slurp(path);
	check_prom(text);
	assert_non_null(strstr(text, "# TYPE ronda_task_verdict gauge\n"));
	assert_non_null(strstr(text, "ronda_run_duration_seconds 12.5\n"));
	assert_non_null(strstr(text, "ronda_hosts{verdict=\"unreachable\"} 3\n"));
	assert_non_null(strstr(text, "ronda_host_verdict{host=\"web04\"} 4\n"));
	assert_non_null(strstr(text, "ronda_task_verdict{host=\"web02\",task=\"disk /var\",check=\"disk\"} 2\n"));
	assert_non_null(strstr(text, "ronda_disk_used_pct{host=\"web03\",task=\"disk /var\",path=\"/var\"} 97.5\n"));
	assert_non_null(strstr(text, "ronda_load_per_cpu{host=\"web03\",task=\"load\"} 1.75\n"));
	assert_non_null(strstr(text, "task=\"say \\\"hi\\\" \\\\ back\\nslash\",check=\"command\"} 0\n"));
	assert_non_null(strstr(text, "ronda_command_run_ms{host=\"odd\""));
	assert_null(strstr(text, "ronda_command_stdout"));
	assert_non_null(strstr(text, "ronda_host_phase_seconds{host=\"web01\",phase=\"connect\"} 0.012\n"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	free(text);
	/* a second run replaces the file; no temporary file is left behind */
	assert_int_equal(patrol_report_prom(path, "nightly", &f.tl, f.h, 1), RONDA_OK);
	/* and labels every sample with its playbook */
	text = slurp(path);
	check_prom(text);
	assert_non_null(strstr(text, "ronda_run_duration_seconds{playbook=\"nightly\"} 1\n"));
	assert_non_null(strstr(text, "ronda_host_verdict{playbook=\"nightly\",host=\"web04\"} 4\n"));
	assert_null(strstr(text, "\nronda_hosts{verdict"));
	free(text);
	d = opendir(dir);
	while ((e = readdir(d)))
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);
	/* an unwritable place fails cleanly */
	assert_int_equal(patrol_report_prom("/nonexistent/dir/x.prom", NULL, &f.tl, f.h, 1), RONDA_ESYS);
	unlink(path);
	rmdir(dir);
	fleet_release(&f);
}

/* patrol_report_prom's file and its log, for hosts f. */
static char *prom_of(struct fleet *f, char *log, size_t cap)
{
	char dir[] = "/tmp/test_prom.XXXXXX", path[64];
	char *text;
	int p[2];
	ssize_t n;
	size_t got = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ronda.prom", dir);
	assert_int_equal(pipe(p), 0);
	log_init("t", RLOG_WARN, p[1]);
	assert_int_equal(patrol_report_prom(path, NULL, &f->tl, f->h, 1), RONDA_OK);
	close(p[1]);
	while ((n = read(p[0], log + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	log[got] = '\0';
	log_init("ronda", RLOG_WARN, 2);
	text = slurp(path);
	unlink(path);
	rmdir(dir);
	return text;
}

/*
 * A host whose value key holds a newline must not start a line of its own
 * and forge samples for another host (here: web02 shown ok while it fails).
 */
static void test_prom_value_key_cannot_forge(void **state)
{
	struct fleet f;
	char log[1024], *text;

	(void)state;
	fleet_init(&f, 2);
	add(&f, "evil", RESULT_OK, NULL, FACTS
	    RES("c", "command", "ok", "x", "{\"exit\":0,\"x 1\\nronda_host_verdict{host=\\\"web02\\\"} 0\\n# \":1,"
		"\"dot.ted\":2,\"sp ace\":3,\"quo\\\"te\":4,\"good_key9\":5}") SUMMARY);
	add(&f, "web02", RESULT_FAILED, NULL, FACTS DISK(94, "fail") SUMMARY);
	text = prom_of(&f, log, sizeof(log));
	check_prom(text);
	assert_null(strstr(text, "ronda_host_verdict{host=\"web02\"} 0\n"));
	assert_non_null(strstr(text, "ronda_host_verdict{host=\"web02\"} 2\n"));
	assert_non_null(strstr(text, "ronda_command_good_key9{host=\"evil\",task=\"c\"} 5\n"));
	assert_non_null(strstr(text, "ronda_command_exit{host=\"evil\",task=\"c\"} 0\n"));
	assert_null(strstr(text, "dot"));
	assert_null(strstr(text, "ace"));
	assert_null(strstr(text, "quo"));
	assert_non_null(strstr(log, ": 4 value(s) skipped, named outside [a-zA-Z0-9_]"));
	free(text);
	fleet_release(&f);
}

/* A result with 40,000 values gives 256 samples, and says so. */
static void test_prom_values_bounded_per_result(void **state)
{
	struct fleet f;
	char log[1024], *text, k[32];
	json_t *vals = json_object(), *fs = json_array();
	size_t samples = 0;

	(void)state;
	fleet_init(&f, 1);
	add(&f, "big", RESULT_OK, NULL, FACTS DISK(50, "ok") SUMMARY);
	/* 39,990 values, and 10 more in 5 filesystems: one budget for the result */
	for (int i = 0; i < 39990; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		json_object_set_new(vals, k, json_integer(i));
	}
	for (int i = 0; i < 5; i++)
		json_array_append_new(fs, json_pack("{s:s, s:i, s:i}", "path", "/x", "a", i, "b", i));
	json_object_set_new(vals, "filesystems", fs);
	json_object_set_new(f.h[0].results[0].line, "values", vals);
	f.h[0].results[0].values = vals;
	text = prom_of(&f, log, sizeof(log));
	for (const char *p = text; (p = strstr(p, "{host=\"big\",task=\"disk /var\"")); p++)
		samples++;
	/* + task verdict and duration, which are not values */
	assert_int_equal(samples, 256 + 2);
	assert_non_null(strstr(log, "; 39744 past 256 per result"));
	free(text);
	fleet_release(&f);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_out(void **state)
{
	char dir[] = "/tmp/test_out.XXXXXX", run1[512], run2[512], p[700];
	struct fleet f;
	char *text;
	json_t *o;
	json_error_t je;

	(void)state;
	assert_non_null(mkdtemp(dir));
	mixed(&f);
	assert_int_equal(patrol_report_out(dir, &f.tl, f.h, NULL, run1, sizeof(run1)), RONDA_OK);
	assert_int_equal(patrol_report_out(dir, &f.tl, f.h, NULL, run2, sizeof(run2)), RONDA_OK);
	assert_string_not_equal(run1, run2);
	assert_int_equal(strncmp(run1, dir, strlen(dir)), 0);
	snprintf(p, sizeof(p), "%s/hosts/web03.json", run1);
	o = json_load_file(p, 0, &je);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "fail");
	assert_int_equal(json_array_size(json_object_get(o, "tasks")), 2);
	assert_null(json_object_get(json_array_get(json_object_get(o, "tasks"), 0), "host"));
	json_decref(o);
	snprintf(p, sizeof(p), "%s/summary.txt", run1);
	text = slurp(p);
	assert_non_null(strstr(text, "8 host(s): 1 ok"));
	free(text);
	snprintf(p, sizeof(p), "%s/run.json", run2);
	o = json_load_file(p, 0, &je);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "hosts"), "web04")), "unreachable");
	json_decref(o);
	/* too small a buffer for the name */
	assert_int_equal(patrol_report_out(dir, &f.tl, f.h, NULL, run1, 4), RONDA_ELIMIT);
	fleet_release(&f);
	assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_big_fleet),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_summary_escapes_host_text),
		cmocka_unit_test(test_prom),
		cmocka_unit_test(test_prom_value_key_cannot_forge),
		cmocka_unit_test(test_prom_values_bounded_per_result),
		cmocka_unit_test(test_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
