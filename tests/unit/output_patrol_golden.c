/*
 * output_patrol_golden.c - every patrol output, byte for byte: agent output
 * decoded as a patrol decodes it (push_parse_agent), then the terminal
 * summary, JSON Lines, the Prometheus textfile, the HTML page, the --out
 * files and the diff of two such runs, compared with the files in
 * tests/unit/golden/ (what the code wrote before the results were typed).
 * The clock is taken out first.  GOLDEN_WRITE=1 rewrites the files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "output/prom.h"
#include "output/html.h"
#include "output/exitcode.h"
#include "output/files.h"
#include "output/json.h"
#include "output/summary.h"
#include "patrol/deploy.h"
#include "output/diff.h"
#include "proto.h"
#include "golden.h"
#include "banned.h"

#define L(type, rest) "{\"ronda\":1,\"type\":\"" type "\"" rest "}\n"
#define FACTS(k) L("facts", ",\"hostname\":\"h\",\"kernel\":\"" k "\",\"arch\":\"x86_64\",\"os\":\"Debian\"," \
	"\"os_version\":\"12\",\"cpus\":4,\"memory_bytes\":1000,\"uptime_s\":90000,\"boot_time\":1700000000")
#define RES(task, check, verdict, msg, values) L("result", ",\"task\":\"" task "\",\"check\":\"" check \
	"\",\"verdict\":\"" verdict "\",\"message\":\"" msg "\",\"values\":" values \
	",\"started\":1700000000.5,\"ms\":1.25")
#define SUM(ok, warn, fail, error, skipped, tasks, extra) L("summary", ",\"counts\":{\"ok\":" #ok \
	",\"warn\":" #warn ",\"fail\":" #fail ",\"error\":" #error ",\"skipped\":" #skipped "},\"tasks\":" \
	#tasks ",\"ms\":3.5,\"agent\":\"0.1.0\",\"sandbox\":{\"kind\":\"seccomp\",\"complete\":true}" extra)
#define DISK(pct, v) RES("root", "disk", v, "used " #pct "%", \
	"{\"filesystems\":[{\"path\":\"/\",\"used_pct\":" #pct ",\"size_bytes\":100,\"ro\":false}," \
	"{\"path\":\"/var\",\"used_pct\":12.5,\"size_bytes\":200}]}")
#define LOAD(x, v) RES("load", "load", v, "load " #x, "{\"per_cpu\":" #x ",\"load1\":" #x ",\"bad.key\":1}")

struct host {
	const char *name;
	enum host_status st;
	const char *why;
	const char *out;
	int held;		/* held against the two-task job */
};

static const char job_text[] =
	"{\"ronda\":1,\"profile\":\"inspect\",\"tasks\":["
	"{\"name\":\"root\",\"check\":\"disk\",\"path\":\"/\"},"
	"{\"name\":\"load\",\"check\":\"load\"}]}";

static const struct host run_a[] = {
	{ "web01", RESULT_OK, NULL, FACTS("6.1") DISK(50, "ok") LOAD(0.5, "ok") SUM(2, 0, 0, 0, 0, 2, ""), 1 },
	{ "web02", RESULT_OK, NULL, FACTS("6.1") DISK(94, "fail") LOAD(1.75, "warn") SUM(0, 1, 1, 0, 0, 2, ""), 1 },
	{ "web03", RESULT_OK, NULL, FACTS("6.1") DISK(97.5, "fail") LOAD(0.1, "ok") SUM(1, 0, 1, 0, 0, 2, ""), 1 },
	{ "web04", RESULT_UNREACHABLE, "connect: refused", NULL, 1 },
	{ "web05", RESULT_OK, NULL, FACTS("6.1") DISK(50, "ok") SUM(1, 0, 0, 0, 0, 2, ""), 1 },
	{ "web06", RESULT_OK, NULL, FACTS("6.1") DISK(50, "ok") LOAD(0.1, "ok") LOAD(0.1, "ok"), 1 },
	{ "db01", RESULT_OK, NULL, L("error", ",\"code\":\"bad-job\",\"error\":\"tasks[0]: no\\nforged\",\"agent\":\"0.1.0\""), 1 },
	{ "db02", RESULT_OK, NULL, FACTS("6.1") DISK(50, "ok") "{\"ronda\":1,\"type\":\"res", 1 },
	{ "db03", RESULT_OK, NULL, FACTS("6.1") RES("root", "disk", "error", "cannot \\u001b[2J read", "{}")
	  RES("load", "load", "skipped", "no", "{}") SUM(0, 0, 0, 1, 1, 2, ",\"stopped\":\"TERM\""), 1 },
	{ "db04", RESULT_OK, NULL, FACTS("6.1") RES("cmd <b>", "command", "fail", "exit 3 \\u202e & <i>", "{\"exit\":3,\"ok\":true}")
	  SUM(0, 0, 1, 0, 0, 1, ""), 0 },
	{ "db05", RESULT_TIMEOUT, "timed out", FACTS("6.1") DISK(95, "fail"), 0 },
};

static const struct host run_b[] = {
	{ "web01", RESULT_OK, NULL, FACTS("6.2") DISK(95, "fail") LOAD(0.5, "ok") SUM(1, 0, 1, 0, 0, 2, ""), 1 },
	{ "web02", RESULT_OK, NULL, FACTS("6.1") DISK(50, "ok") LOAD(1.75, "warn") SUM(1, 1, 0, 0, 0, 2, ""), 1 },
	{ "web03", RESULT_UNREACHABLE, "connect: refused", NULL, 1 },
	{ "web04", RESULT_OK, NULL, FACTS("6.1") DISK(50, "ok") LOAD(0.1, "ok") SUM(2, 0, 0, 0, 0, 2, ""), 1 },
	{ "web07", RESULT_OK, NULL, FACTS("6.1") DISK(50, "ok") LOAD(3, "warn") SUM(1, 1, 0, 0, 0, 2, ""), 1 },
	{ "db01", RESULT_OK, NULL, FACTS("6.1") DISK(50, "ok") LOAD(0.1, "ok") SUM(2, 0, 0, 0, 0, 2, ""), 1 },
};

struct fleet {
	struct target_list tl;
	struct patrol_host h[16];
	struct host_result conn[16];
	char why[16][512];
	size_t n;
};

static void build(struct fleet *f, const struct host *hs, size_t n, const struct proto_job *job)
{
	memset(f, 0, sizeof(*f));
	target_list_init(&f->tl);
	for (size_t i = 0; i < n; i++) {
		struct target t = { .name = (char *)(uintptr_t)hs[i].name, .port = 22 };
		struct host_result *c = &f->conn[i];

		assert_int_equal(target_list_add(&f->tl, &t), RONDA_OK);
		c->status = hs[i].st;
		c->attempts = 1;
		c->ms_connect = 12;
		c->ms_handshake = 30;
		c->ms_auth = hs[i].st == RESULT_UNREACHABLE ? -1 : 5;
		c->ms_run = hs[i].out ? 40 : -1;
		snprintf(c->why, sizeof(c->why), "%s", hs[i].why ? hs[i].why : "");
		if (hs[i].st != RESULT_UNREACHABLE)
			golden_methods(c, "ssh-ed25519", "aes256-gcm@openssh.com",
				       "aes256-gcm@openssh.com", "<implicit>");
		f->h[i].conn = c;
		f->h[i].uploaded = i * 1000;
		if (hs[i].out)
			push_parse_agent(hs[i].out, strlen(hs[i].out), hs[i].held ? job : NULL,
					 &f->h[i], f->why[i], sizeof(f->why[i]));
	}
	f->n = n;
}

static void release(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++)
		patrol_host_release(&f->h[i]);
	target_list_release(&f->tl);
}

static char *mem_report(int json, struct fleet *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	if (json)
		assert_int_equal(patrol_report_json(m, &f->tl, f->h), RONDA_OK);
	else
		assert_int_equal(patrol_report_summary(m, &f->tl, f->h, 0), RONDA_OK);
	fclose(m);
	return text;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The --out files of f, golden-checked, and the run as `ronda diff` reads it. */
static json_t *out_files(struct fleet *f, const char *tag)
{
	char dir[] = "/tmp/golden_out.XXXXXX", run[512], p[700], name[64];
	json_t *hosts = json_object();
	json_error_t je;
	char *text;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(patrol_report_out(dir, &f->tl, f->h, NULL, run, sizeof(run)), RONDA_OK);
	for (size_t i = 0; i < f->n; i++) {
		snprintf(p, sizeof(p), "%s/hosts/%s.json", run, f->tl.v[i].name);
		text = slurp(p);
		assert_non_null(text);
		snprintf(name, sizeof(name), "%s-host-%s.json", tag, f->tl.v[i].name);
		golden(name, text);
		free(text);
		json_object_set_new(hosts, f->tl.v[i].name, json_load_file(p, 0, &je));
	}
	snprintf(p, sizeof(p), "%s/summary.txt", run);
	text = slurp(p);
	snprintf(name, sizeof(name), "%s-summary.txt", tag);
	golden(name, text);
	free(text);
	snprintf(p, sizeof(p), "%s/run.json", run);
	text = slurp(p);
	unclock(text, "\"time\": ", ',');
	snprintf(name, sizeof(name), "%s-run.json", tag);
	golden(name, text);
	free(text);
	assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	return hosts;
}

static void outputs(struct fleet *f, const char *tag)
{
	char dir[] = "/tmp/golden.XXXXXX", p[128], name[64], *text;

	text = mem_report(0, f);
	snprintf(name, sizeof(name), "%s-summary.txt", tag);
	golden(name, text);
	free(text);
	text = mem_report(1, f);
	snprintf(name, sizeof(name), "%s.jsonl", tag);
	golden(name, text);
	free(text);
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/x.prom", dir);
	assert_int_equal(patrol_report_prom(p, "daily", &f->tl, f->h, 1.5), RONDA_OK);
	text = slurp(p);
	unclock(text, "ronda_run_timestamp_seconds{playbook=\"daily\"} ", '\n');
	snprintf(name, sizeof(name), "%s.prom", tag);
	golden(name, text);
	free(text);
	unlink(p);
	snprintf(p, sizeof(p), "%s/x.html", dir);
	assert_int_equal(patrol_report_html(p, "daily <x>", &f->tl, f->h, 1.5), RONDA_OK);
	text = slurp(p);
	unclock(text, "<p class=\"meta\">", '&');
	snprintf(name, sizeof(name), "%s.html", tag);
	golden(name, text);
	free(text);
	unlink(p);
	rmdir(dir);
	snprintf(name, sizeof(name), "%s-exit", tag);
	snprintf(p, sizeof(p), "%d\n", patrol_exit_code(f->h, f->n));
	golden(name, p);
}

static void test_golden(void **state)
{
	struct proto_job job;
	struct fleet a, b;
	struct buf err;
	json_t *ra, *rb, *d;
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(proto_job_parse(job_text, sizeof(job_text) - 1, &job, &err), RONDA_OK);
	build(&a, run_a, sizeof(run_a) / sizeof(run_a[0]), &job);
	build(&b, run_b, sizeof(run_b) / sizeof(run_b[0]), &job);
	outputs(&a, "a");
	outputs(&b, "b");
	ra = out_files(&a, "a");
	rb = out_files(&b, "b");
	assert_int_equal(patrol_diff(ra, rb, &d), RONDA_OK);
	text = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	golden("diff.json", text);
	free(text);
	text = NULL;
	m = open_memstream(&text, &len);
	assert_non_null(m);
	assert_int_equal(patrol_diff_print(m, d), RONDA_OK);
	fclose(m);
	golden("diff.txt", text);
	free(text);
	json_decref(d);
	json_decref(ra);
	json_decref(rb);
	release(&a);
	release(&b);
	proto_job_release(&job);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
