/*
 * output_exec_golden.c - every exec output, byte for byte: synthetic host
 * results of every status, then report_outputs (plain and folded, raw and
 * escaped), the summary, JSON Lines, the --out files, the --prom textfile
 * and the exit codes, compared with tests/unit/golden/exec-* (what the code
 * wrote before exec and patrol shared their output stages).  The clock is
 * taken out first.  GOLDEN_WRITE=1 rewrites the files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "output/report.h"
#include "golden.h"
#include "banned.h"

struct host {
	const char *name, *address;
	enum host_status st;
	int has_exit, code;
	const char *out, *err, *why;
	int out_cut, err_cut;
	long ms;		/* every phase; -1: never reached */
};

/* Every status; some hosts share everything shown, so that they fold. */
static const struct host fleet_hosts[] = {
	{ "web01", "10.0.0.1", RESULT_OK, 1, 0, "same\n", "", NULL, 0, 0, 10 },
	{ "web02", "10.0.0.2", RESULT_OK, 1, 0, "same\n", "", NULL, 0, 0, 11 },
	{ "web03", NULL, RESULT_OK, 1, 0, "other \x1b[2J\xe2\x80\xae\nno newline", "", NULL, 0, 0, 12 },
	{ "web04", "10.0.0.4", RESULT_OK, 1, 0, "", "", NULL, 0, 0, 13 },
	{ "web05", "10.0.0.5", RESULT_FAILED, 1, 1, "same\n", "oops\n", NULL, 0, 0, 14 },
	{ "web06", "10.0.0.6", RESULT_FAILED, 1, 1, "same\n", "oops\n", NULL, 0, 0, 15 },
	{ "web07", "10.0.0.7", RESULT_FAILED, 1, 2, "bin \xff\xfe\n", "err \xc3\x28\n", NULL, 1, 0, 16 },
	{ "web08", "10.0.0.8", RESULT_FAILED, 1, 1, "same\n", "oops\n", NULL, 0, 1, 17 },
	{ "db01", "10.0.1.1", RESULT_UNREACHABLE, 0, 0, "", "", "connect: refused", 0, 0, -1 },
	{ "db02", "10.0.1.2", RESULT_UNREACHABLE, 0, 0, "", "", "connect: refused", 0, 0, -1 },
	{ "db03", "10.0.1.3", RESULT_TIMEOUT, 0, 0, "partial\n", "", "timed out", 0, 0, 20 },
	{ "db04", "10.0.1.4", RESULT_HOSTKEY_CHANGED, 0, 0, "", "", "host key changed", 0, 0, 21 },
	{ "db05", "10.0.1.5", RESULT_HOSTKEY_UNKNOWN, 0, 0, "", "", "", 0, 0, 22 },
	{ "db06", "10.0.1.6", RESULT_AUTH, 0, 0, "", "", "no identity \x1b]0;x\x07\nforged", 0, 0, 23 },
	{ "db07", "10.0.1.7", RESULT_PROTOCOL, 0, 0, "", "", "kex failed", 0, 0, 24 },
	{ "db08", "10.0.1.8", RESULT_ERROR, 0, 0, "", "", "out of memory", 0, 0, 25 },
	{ "db09", "10.0.1.9", RESULT_BECOME, 1, 1, "", "sudo: a password is required\n", "sudo -n refused", 0, 0, 26 },
	{ "db10", "10.0.1.10", RESULT_DEPLOY, 0, 0, "", "", "upload failed", 0, 0, 27 },
	{ "db11", "10.0.1.11", RESULT_UNSUPPORTED, 0, 0, "", "", "no agent for sparc64", 0, 0, 28 },
	{ "db12", "10.0.1.12", RESULT_AGENT, 0, 0, "", "", "bad-job", 0, 0, 29 },
	{ "db13", "10.0.1.13", RESULT_INTERRUPTED, 0, 0, "half", "", "interrupted", 0, 0, 30 },
};
#define N_HOSTS (sizeof(fleet_hosts) / sizeof(fleet_hosts[0]))

struct fleet {
	struct target_list tl;
	struct host_result res[N_HOSTS];
};

static void build(struct fleet *f)
{
	memset(f, 0, sizeof(*f));
	target_list_init(&f->tl);
	for (size_t i = 0; i < N_HOSTS; i++) {
		const struct host *h = &fleet_hosts[i];
		struct target t = { .name = (char *)(uintptr_t)h->name,
				    .address = (char *)(uintptr_t)h->address, .port = 22 + (unsigned)i };
		struct host_result *r = &f->res[i];

		assert_int_equal(target_list_add(&f->tl, &t), RONDA_OK);
		r->status = h->st;
		r->has_exit = h->has_exit;
		r->exit_code = h->code;
		buf_init(&r->out, 4096);
		buf_init(&r->err, 4096);
		assert_int_equal(buf_puts(&r->out, h->out), RONDA_OK);
		assert_int_equal(buf_puts(&r->err, h->err), RONDA_OK);
		r->out_cut = h->out_cut;
		r->err_cut = h->err_cut;
		r->attempts = 1 + (int)(i % 3);
		r->ms_start = h->ms < 0 ? -1 : 1;
		r->ms_connect = h->ms;
		r->ms_handshake = h->ms < 0 ? -1 : h->ms + 1;
		r->ms_auth = h->ms < 0 ? -1 : h->ms + 2;
		r->ms_run = h->ms < 0 ? -1 : h->ms + 3;
		r->ms_total = h->ms < 0 ? 1500 : 4 * h->ms + 6;
		snprintf(r->why, sizeof(r->why), "%s", h->why ? h->why : "");
		/* negotiated methods where a handshake happened; web07 disagrees
		   by direction, and db01 (no handshake) shows nulls */
		if (h->ms >= 0 && strcmp(h->name, "web07") == 0)
			golden_methods(r, "rsa-sha2-512", "aes128-ctr", "aes256-ctr",
				       "hmac-sha2-256-etm@openssh.com");
		else if (h->ms >= 0)
			golden_methods(r, "ssh-ed25519", "aes128-gcm@openssh.com",
				       "aes128-gcm@openssh.com", "<implicit>");

	}
}

static void release(struct fleet *f)
{
	for (size_t i = 0; i < N_HOSTS; i++)
		host_result_release(&f->res[i]);
	target_list_release(&f->tl);
}

enum what { OUTPUTS, SUMMARY, JSON };

static char *mem_report(enum what w, struct fleet *f, int fold, int raw)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	if (w == OUTPUTS)
		assert_int_equal(report_outputs(m, &f->tl, f->res, fold, raw), RONDA_OK);
	else if (w == SUMMARY)
		assert_int_equal(report_summary(m, &f->tl, f->res, 0), RONDA_OK);
	else
		assert_int_equal(report_json(m, &f->tl, f->res), RONDA_OK);
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

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The --out files, every host file in one golden file (name, then bytes). */
static void out_files(struct fleet *f)
{
	char dir[] = "/tmp/golden_exec.XXXXXX", run[512], p[800], *text;
	char *const argv[] = { (char *)(uintptr_t)"uname", (char *)(uintptr_t)"-r \xff" };
	struct dirent **ents;
	struct buf all;
	int n;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(report_out(dir, &f->tl, f->res, argv, 2, NULL, run, sizeof(run)), RONDA_OK);
	snprintf(p, sizeof(p), "%s/hosts", run);
	n = scandir(p, &ents, NULL, by_name);
	assert_true(n > 2);
	buf_init(&all, BUF_DEFAULT_MAX);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/hosts/%s", run, ents[i]->d_name);
			text = slurp(p);
			assert_non_null(text);
			buf_printf(&all, "== %s\n%s\n", ents[i]->d_name, text);
			free(text);
		}
		free(ents[i]);
	}
	free(ents);
	golden("exec-out-hosts.txt", buf_data(&all));
	buf_release(&all);
	snprintf(p, sizeof(p), "%s/run.json", run);
	text = slurp(p);
	assert_non_null(text);
	unclock(text, "\"time\": ", ',');
	golden("exec-run.json", text);
	free(text);
	assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void prom(struct fleet *f)
{
	char dir[] = "/tmp/golden_exec.XXXXXX", p[128], *text;

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/x.prom", dir);
	assert_int_equal(report_prom(p, &f->tl, f->res, 2.25), RONDA_OK);
	text = slurp(p);
	assert_non_null(text);
	unclock(text, "\nronda_exec_timestamp_seconds ", '\n');
	golden("exec.prom", text);
	free(text);
	unlink(p);
	rmdir(dir);
}

/*
 * The exit code of every prefix of the fleet, in order and reversed but
 * for the interrupted host (so that worse comes before better too), not interrupted and interrupted.
 */
static void exit_codes(struct fleet *f)
{
	struct host_result rev[N_HOSTS];
	struct buf b;

	for (size_t i = 0; i + 1 < N_HOSTS; i++)
		rev[i] = f->res[N_HOSTS - 2 - i];	/* shallow: only read */
	rev[N_HOSTS - 1] = f->res[N_HOSTS - 1];		/* interrupted stays last */
	buf_init(&b, BUF_DEFAULT_MAX);
	for (size_t n = 0; n <= N_HOSTS; n++)
		buf_printf(&b, "%zu %d %d  %d %d\n", n, report_exit_code(f->res, n, 0),
			   report_exit_code(f->res, n, 1), report_exit_code(rev, n, 0),
			   report_exit_code(rev, n, 1));
	/* one host of each status alone */
	for (size_t i = 0; i < N_HOSTS; i++)
		buf_printf(&b, "%s %d\n", fleet_hosts[i].name, report_exit_code(&f->res[i], 1, 0));
	golden("exec-exit", buf_data(&b));
	buf_release(&b);
}

static void test_exec_golden(void **state)
{
	static const char *const names[2][2] = {
		{ "exec-outputs.txt", "exec-outputs-raw.txt" },
		{ "exec-outputs-fold.txt", "exec-outputs-fold-raw.txt" },
	};
	struct fleet f;
	char *text;

	(void)state;
	build(&f);
	for (int fold = 0; fold < 2; fold++) {
		for (int raw = 0; raw < 2; raw++) {
			text = mem_report(OUTPUTS, &f, fold, raw);
			golden(names[fold][raw], text);
			free(text);
		}
	}
	text = mem_report(SUMMARY, &f, 0, 0);
	golden("exec-summary.txt", text);
	free(text);
	text = mem_report(JSON, &f, 0, 0);
	golden("exec.jsonl", text);
	free(text);
	out_files(&f);
	prom(&f);
	exit_codes(&f);
	release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
