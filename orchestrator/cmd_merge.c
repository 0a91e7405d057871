/*
 * cmd_merge.c - `ronda merge OUTDIR RUNDIR...`: the --out runs of the
 * shards of one run (--shard K/N) joined into one run directory.
 *
 * Steps: read each RUNDIR/run.json and decode it (output/merge.h); plan
 * the merge: the runs must be shards of one run, every host of the
 * pattern in exactly one of them; read each host's hosts/HOST.json back
 * into the structs the outputs are made of (output/runread.h); write a
 * new run directory under OUTDIR (files.h) with every host file copied
 * as it is, and summary.txt, run.json, ronda.prom (and report.html for a
 * patrol) made by the same code a run uses.  Hosts of a missing shard are
 * "not patrolled (shard K missing)", and the exit status says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/target.h"
#include "output/color.h"
#include "output/exitcode.h"
#include "output/files.h"
#include "output/html.h"
#include "output/json.h"
#include "output/merge.h"
#include "output/prom.h"
#include "output/report.h"
#include "output/runread.h"
#include "output/summary.h"
#include "banned.h"

/* A hosts/HOST.json holds one host's results; anything bigger is not ours. */
#define HOST_FILE_MAX (64u << 20)
/* run.json names every host of the pattern: 100,000 hosts are ~3 MiB. */
#define RUN_FILE_MAX (256u << 20)

static const char merge_help[] =
	"usage: ronda merge [--prom FILE] [--html FILE] OUTDIR RUNDIR...\n"
	"\n"
	"Joins the --out runs of the shards of one run (exec, check or run with\n"
	"--shard K/N) into one new run directory OUTDIR/YYYY-MM-DDTHHMMSSZ, as if\n"
	"one ronda had patrolled every host: hosts/ (each host's files, copied),\n"
	"summary.txt, run.json, ronda.prom, and for check and run report.html.\n"
	"`ronda diff` and --rerun-failed read it like any run.\n"
	"\n"
	"Every host the pattern selected must be in exactly one run.  The runs\n"
	"must be of one kind, pattern, playbook (or checks, or command) and N;\n"
	"a shard given twice, or a host in two runs, is refused naming both.\n"
	"The hosts of a shard with no run are listed as not patrolled (shard K\n"
	"missing) in the summary and in run.json, and named on stderr.\n"
	"\n"
	"Options:\n"
	"      --prom FILE          also write the metrics to FILE (for node_exporter's\n"
	"                           textfile collector)\n"
	"      --html FILE          also write the page to FILE (check and run)\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 all ok; 1 some command, check or task failed or warned;\n"
	"2 some host unreachable or errored; 4 incomplete: some host of the\n"
	"pattern was not patrolled (a shard missing; over 1 and 2); 64 usage;\n"
	"70 internal; 78 a run cannot be read, or the runs are not the shards\n"
	"of one run (the message names them).\n";

struct merge {
	struct merge_run *runs;
	size_t n_runs;
	struct merge_plan plan;
	int patrol;			/* check or run */
	struct target_list tl;		/* every host of the pattern */
	struct host_result *res;
	struct patrol_host *hosts;	/* patrol only */
	double duration_s;		/* the slowest shard's */
	const char *prom, *html;	/* --prom FILE, --html FILE: copies elsewhere */
};

/* A file of at most max bytes from dfd, decoded.  RONDA_EPARSE, why in err. */
static int load_json_at(int dfd, const char *name, const char *shown, size_t max,
			json_t **out, struct buf *err)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	json_error_t je;
	struct stat st;
	int rc = RONDA_EPARSE;

	if (fd < 0) {
		buf_printf(err, "%s: %s", shown, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		buf_printf(err, "%s: not a regular file of at most %zu bytes", shown, max);
		goto out;
	}
	*out = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	if (!*out) {
		buf_printf(err, "%s:%d: %s", shown, je.line, je.text);
		goto out;
	}
	rc = RONDA_OK;
out:
	close(fd);
	return rc;
}

static int load_runs(struct merge *m, char **dirs, struct buf *err)
{
	struct buf shown;
	int rc = RONDA_OK;

	buf_init(&shown, 8192);
	for (size_t i = 0; i < m->n_runs && rc == RONDA_OK; i++) {
		json_t *o = NULL;

		buf_reset(&shown);
		if ((rc = buf_printf(&shown, "%s/run.json", dirs[i])))
			break;
		rc = load_json_at(AT_FDCWD, buf_data(&shown), buf_data(&shown), RUN_FILE_MAX, &o, err);
		if (rc == RONDA_OK)
			rc = merge_run_decode(o, dirs[i], &m->runs[i], err);
		json_decref(o);
		if (rc == RONDA_OK && m->runs[i].duration_s > m->duration_s)
			m->duration_s = m->runs[i].duration_s;
	}
	buf_release(&shown);
	return rc;
}

/* Host i, read back from the run that has it, or marked not patrolled. */
static int load_host(struct merge *m, size_t i, struct buf *err)
{
	const struct merge_plan *p = &m->plan;
	struct target t = { .name = (char *)(uintptr_t)p->names[i], .port = 22 };
	struct host_result *r = &m->res[i];
	struct buf file, why;
	json_t *o = NULL;
	const char *address = NULL;
	int rc;

	if (p->owner[i] < 0) {
		r->status = RESULT_NOT_STARTED;
		snprintf(r->why, sizeof(r->why), p->shard_present[p->shard[i]] ?
			 "not patrolled (absent from shard %u's run)" : "not patrolled (shard %u missing)",
			 p->shard[i]);
		if (m->patrol)
			m->hosts[i].conn = r;
		return target_list_add(&m->tl, &t);
	}
	buf_init(&file, 8192);
	buf_init(&why, 4096);
	rc = buf_printf(&file, "%s/hosts/%s.json", m->runs[p->owner[i]].from, p->names[i]);
	if (rc == RONDA_OK)
		rc = load_json_at(AT_FDCWD, buf_data(&file), buf_data(&file), HOST_FILE_MAX, &o, err);
	if (rc == RONDA_OK) {
		rc = m->patrol ? runread_patrol_host(o, &m->hosts[i], r, &why)
			       : runread_exec_host(o, r, &why);
		if (rc == RONDA_EPARSE)
			buf_printf(err, "%s: %s", buf_data(&file), buf_data(&why));
	}
	if (rc == RONDA_OK) {
		runread_address(o, &address, &t.port);
		t.address = (char *)(uintptr_t)address;
		rc = target_list_add(&m->tl, &t);
	}
	json_decref(o);
	buf_release(&file);
	buf_release(&why);
	return rc;
}

/* Copies the open file in arg to f. */
static int copy_fd(FILE *f, void *arg)
{
	int fd = *(int *)arg;
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fwrite(chunk, 1, (size_t)n, f) != (size_t)n)
			return RONDA_ESYS;
	}
	return RONDA_OK;
}

/* hosts/HOST.{json,stdout,stderr,exit} as the shard wrote them. */
static int copy_host_files(const struct merge *m, size_t i, int to, struct buf *err)
{
	static const char *const ext[] = { ".json", ".stdout", ".stderr", ".exit" };
	char name[300], from[8192];
	int rc = RONDA_OK;

	for (size_t e = 0; e < sizeof(ext) / sizeof(ext[0]) && rc == RONDA_OK; e++) {
		int fd;

		snprintf(name, sizeof(name), "%s%s", m->plan.names[i], ext[e]);	/* names <= 250 */
		if ((size_t)snprintf(from, sizeof(from), "%s/hosts/%s", m->runs[m->plan.owner[i]].from,
				     name) >= sizeof(from)) {
			buf_printf(err, "%.64s...: path too long", from);
			return RONDA_EPARSE;
		}
		fd = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		if (fd < 0 && errno == ENOENT && e > 0)
			continue;	/* exec only, or no exit code came */
		if (fd < 0) {
			buf_printf(err, "%s: %s", from, strerror(errno));
			return RONDA_EPARSE;
		}
		rc = rundir_write(to, name, copy_fd, &fd);
		if (rc)
			buf_printf(err, "cannot copy %s: %s", from, strerror(errno));
		close(fd);
	}
	return rc;
}

static int write_summary(FILE *f, void *arg)
{
	const struct merge *m = arg;

	return m->patrol ? patrol_report_summary(f, &m->tl, m->hosts, 0)
			 : report_summary(f, &m->tl, m->res, 0);
}

/* run.json: what the shards say, once, and every host of the pattern. */
static int write_run(FILE *f, void *arg)
{
	static const char *const keep[] = {
		"kind", "pattern", "playbook", "name", "checks", "command",
	};
	const struct merge *m = arg;
	const struct merge_plan *p = &m->plan;
	json_t *o = json_pack("{s:i}", "ronda", 1), *hosts = json_object(), *from = json_array();
	json_t *present = json_array(), *missing = json_array();
	double first = 0;
	int r = RONDA_ENOMEM;

	if (!o || !hosts || !from || !present || !missing)
		goto out;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		json_t *v = json_object_get(m->runs[0].obj, keep[i]);

		if (v && json_object_set(o, keep[i], v))
			goto out;
	}
	for (size_t i = 0; i < m->n_runs; i++) {
		if (json_array_append_new(from, json_string(m->runs[i].from)))
			goto out;
		if (!i || m->runs[i].time < first)
			first = m->runs[i].time;
	}
	for (unsigned k = 0; k < p->n_shards; k++)
		if (json_array_append_new(p->shard_present[k] ? present : missing, json_integer(k)))
			goto out;
	for (size_t i = 0; i < p->n; i++) {
		json_t *v;

		if (p->owner[i] >= 0)
			v = json_incref(json_object_get(m->runs[p->owner[i]].hosts, p->names[i]));
		else if (m->patrol)
			v = json_string("not patrolled");
		else
			v = json_pack("{s:s, s:n, s:s}", "status", "not patrolled", "exit_code",
				      "error", m->res[i].why);
		if (json_object_set_new(hosts, p->names[i], v))
			goto out;
	}
	if (json_object_set_new(o, "time", json_integer((json_int_t)first)) ||
	    json_object_set_new(o, "duration_s", json_real(m->duration_s)) ||
	    json_object_set_new(o, "shard", json_pack("{s:i, s:O, s:O}", "n", (int)p->n_shards,
						      "merged", present, "missing", missing)) ||
	    json_object_set(o, "merged_from", from) || json_object_set(o, "hosts", hosts))
		goto out;
	r = json_put_doc(f, o);
out:
	json_decref(o);
	json_decref(hosts);
	json_decref(from);
	json_decref(present);
	json_decref(missing);
	return r;
}

/* The metrics (and for a patrol the page) at path, by the run's own writers. */
static int write_report(const struct merge *m, const char *path, int html, struct buf *err)
{
	const char *name = json_string_value(json_object_get(m->runs[0].obj, "name"));
	int rc;

	if (html)
		rc = patrol_report_html(path, name ? name : "ronda merge", &m->tl, m->hosts,
					m->duration_s);
	else
		rc = m->patrol ? patrol_report_prom(path, name, &m->tl, m->hosts, m->duration_s)
			       : report_prom(path, &m->tl, m->res, m->duration_s);
	if (rc)
		buf_printf(err, "cannot write %s", path);
	return rc;
}

/* ronda.prom and report.html beside the rest, and where --prom, --html say. */
static int write_reports(const struct merge *m, const char *dir, struct buf *err)
{
	struct buf path;
	int rc;

	buf_init(&path, 8192);
	rc = buf_printf(&path, "%s/ronda.prom", dir);
	if (rc == RONDA_OK)
		rc = write_report(m, buf_data(&path), 0, err);
	if (rc == RONDA_OK && m->patrol) {
		buf_reset(&path);
		rc = buf_printf(&path, "%s/report.html", dir);
		if (rc == RONDA_OK)
			rc = write_report(m, buf_data(&path), 1, err);
	}
	if (rc == RONDA_OK && m->prom)
		rc = write_report(m, m->prom, 0, err);
	if (rc == RONDA_OK && m->html && m->patrol)
		rc = write_report(m, m->html, 1, err);
	buf_release(&path);
	return rc;
}

static int write_merged(struct merge *m, const char *outdir, char *run_dir, size_t len,
			struct buf *err)
{
	struct rundir rd;
	int rc = rundir_create(&rd, outdir, &m->tl);

	if (rc) {
		buf_printf(err, "cannot make a run directory under %s: %s", outdir,
			   rc == RONDA_ESYS ? strerror(errno) : ronda_strerror(rc));
		return rc;
	}
	for (size_t i = 0; i < m->plan.n && rc == RONDA_OK; i++)
		if (m->plan.owner[i] >= 0)
			rc = copy_host_files(m, i, rd.hosts, err);
	if (rc == RONDA_OK && (rc = rundir_write(rd.dir, "summary.txt", write_summary, m)))
		buf_puts(err, "cannot write summary.txt");
	if (rc == RONDA_OK && (rc = rundir_write(rd.dir, "run.json", write_run, m)))
		buf_puts(err, "cannot write run.json");
	if (rc == RONDA_OK)
		rc = write_reports(m, buf_data(&rd.path), err);
	return rundir_finish(&rd, rc, run_dir, len);
}

/* On stderr, per missing shard: its hosts, folded. */
static void say_missing(const struct merge *m)
{
	const struct merge_plan *p = &m->plan;
	struct hostlist names;
	struct buf folded;

	for (unsigned k = 0; k < p->n_shards; k++) {
		hostlist_init(&names);
		buf_init(&folded, BUF_DEFAULT_MAX);
		for (size_t i = 0; i < p->n; i++)
			if (p->owner[i] < 0 && p->shard[i] == k)
				hostlist_push(&names, p->names[i], strlen(p->names[i]));
		if (names.n && hostlist_fold(names.v, names.n, &folded) == RONDA_OK)
			fprintf(stderr, "ronda merge: shard %u/%u %s: %zu host(s) not patrolled: %s\n",
				k, p->n_shards, p->shard_present[k] ? "is incomplete" : "missing",
				names.n, buf_data(&folded));
		else if (!p->shard_present[k])
			fprintf(stderr, "ronda merge: shard %u/%u missing (it has no host)\n", k,
				p->n_shards);
		buf_release(&folded);
		hostlist_release(&names);
	}
}

static void merge_release(struct merge *m)
{
	for (size_t i = 0; m->hosts && i < m->plan.n; i++)
		patrol_host_release(&m->hosts[i]);
	for (size_t i = 0; m->res && i < m->plan.n; i++)
		host_result_release(&m->res[i]);
	free(m->hosts);
	free(m->res);
	target_list_release(&m->tl);
	merge_plan_release(&m->plan);
	for (size_t i = 0; m->runs && i < m->n_runs; i++)
		merge_run_release(&m->runs[i]);
	free(m->runs);
}

static int merge(struct merge *m, const char *outdir, char **dirs, struct buf *err)
{
	char run_dir[4096];
	size_t n;
	int rc;

	if ((rc = load_runs(m, dirs, err)) || (rc = merge_plan(m->runs, m->n_runs, &m->plan, err)))
		return rc == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_CONFIG;
	n = m->plan.n;
	m->patrol = m->runs[0].kind != MERGE_EXEC;
	m->res = calloc(n ? n : 1, sizeof(*m->res));
	m->hosts = m->patrol ? calloc(n ? n : 1, sizeof(*m->hosts)) : NULL;
	if (!m->res || (m->patrol && !m->hosts))
		return EXIT_SOFTWARE;
	for (size_t i = 0; i < n; i++)
		host_result_init(&m->res[i], 0);
	for (size_t i = 0; i < n && rc == RONDA_OK; i++)
		rc = load_host(m, i, err);
	if (rc == RONDA_OK)
		rc = write_merged(m, outdir, run_dir, sizeof(run_dir), err);
	if (rc)
		return rc == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_CONFIG;
	if (m->patrol)
		patrol_report_summary(stdout, &m->tl, m->hosts, color_use(COLOR_AUTO, STDOUT_FILENO));
	else
		report_summary(stdout, &m->tl, m->res, color_use(COLOR_AUTO, STDOUT_FILENO));
	fflush(stdout);
	say_missing(m);
	fprintf(stderr, "ronda merge: %zu host(s) from %zu run(s) of %u shard(s) in %s\n",
		n - m->plan.n_missing, m->n_runs, m->plan.n_shards, run_dir);
	if (m->plan.n_missing)
		return EXIT_INCOMPLETE;
	return m->patrol ? patrol_exit_code(m->hosts, n) : report_exit_code(m->res, n, 0);
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prom", required_argument, NULL, 'P' },
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct merge m;
	struct buf err;
	int c, code = EXIT_USAGE;

	memset(&m, 0, sizeof(m));
	target_list_init(&m.tl);
	buf_init(&err, 8192);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'P') {
			m.prom = optarg;
			continue;
		}
		if (c == 'H') {
			m.html = optarg;
			continue;
		}
		if (c == 'h') {
			fputs(merge_help, stdout);
			code = EXIT_OK;
		} else {
			fputs("ronda merge: see --help\n", stderr);
		}
		goto out;
	}
	if (argc - optind < 2) {
		fputs("usage: ronda merge OUTDIR RUNDIR... (see --help)\n", stderr);
		goto out;
	}
	m.n_runs = (size_t)(argc - optind - 1);
	m.runs = calloc(m.n_runs, sizeof(*m.runs));
	if (!m.runs) {
		code = EXIT_SOFTWARE;
		goto out;
	}
	code = merge(&m, argv[optind], argv + optind + 1, &err);
	if (code == EXIT_CONFIG || code == EXIT_SOFTWARE)
		fprintf(stderr, "ronda merge: %s\n", buf_len(&err) ? buf_data(&err) : "out of memory");
out:
	merge_release(&m);
	buf_release(&err);
	return code;
}
