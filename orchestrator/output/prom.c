/*
 * prom.c - the patrol as a Prometheus textfile, for node_exporter's
 * textfile collector (text exposition format 0.0.4).
 *
 * Metrics (all gauges; README "Prometheus textfile" lists them):
 *   ronda_run_duration_seconds, ronda_run_timestamp_seconds,
 *   ronda_hosts{verdict}, ronda_host_verdict{host},
 *   ronda_host_phase_seconds{host,phase}, ronda_host_agent_uploaded_bytes{host},
 *   ronda_task_verdict{host,task,check}, ronda_task_duration_seconds{host,task,check},
 *   and every numeric or boolean value a check reports as
 *   ronda_<check>_<value>{host,task[,path]} (disk: one series per filesystem).
 * For exec (report_prom), the same machinery writes ronda_exec_duration_seconds,
 * ronda_exec_timestamp_seconds, ronda_exec_hosts{status},
 * ronda_exec_host_status{host,status} (1), ronda_exec_host_exit_code{host}
 * and ronda_exec_host_duration_seconds{host}, and ronda_host_phase_seconds
 * as a patrol does.
 * Verdicts are numbers, worse is higher: task 0 ok, 1 warn, 2 fail, 3 error,
 * 4 skipped; host 0 ok, 1 warn, 2 fail, 3 error, 4 unreachable.
 *
 * Only check names and value keys of [a-zA-Z0-9_] (at most 64 bytes) become
 * metric names, and at most 256 values per result: others are skipped and
 * counted in one warning.  HELP text and label values are escaped, so no
 * host can start a line of its own (and forge another host's samples).
 *
 * The format wants all samples of a metric together under its HELP and
 * TYPE, so samples are collected per family first (found through a hash
 * table, so 40,000 names cost no more per name than 40) and written at the
 * end.
 * The file is written to a temporary name beside the target and renamed
 * over it (file_replace), so the collector never reads half a file.
 */
#include "prom.h"
#include "verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "file_replace.h"
#include "log.h"
#include "proto.h"
#include "report.h"
#include "grow.h"
#include "banned.h"

/* Numeric values turned into samples per result, filesystems included. */
#define PROM_VALUES_MAX 256
/* Longest check name and value key that may become part of a metric name. */
#define PROM_KEY_MAX 64

struct family {
	char *name;
	char *help;
	struct buf samples;
};

struct prom {
	struct family *f;
	size_t n, alloc;
	json_t *index;		/* family name -> its place in f */
	int err;		/* first failure; later calls do nothing */
	const char *playbook;	/* on every sample: two timers' files must
				   not hold the same series */
	size_t bad_keys;	/* values skipped: name outside [a-zA-Z0-9_] */
	size_t over;		/* values skipped: past PROM_VALUES_MAX */
};

static struct family *family(struct prom *p, const char *name, const char *help)
{
	json_t *at = json_object_get(p->index, name);

	if (at)
		return &p->f[json_integer_value(at)];
	if (GROW(p->f, p->n, p->alloc, 32))
		return NULL;
	p->f[p->n].name = strdup(name);
	p->f[p->n].help = strdup(help);
	buf_init(&p->f[p->n].samples, BUF_DEFAULT_MAX);
	if (!p->f[p->n].name || !p->f[p->n].help ||
	    json_object_set_new(p->index, name, json_integer((json_int_t)p->n))) {
		free(p->f[p->n].name);
		free(p->f[p->n].help);
		return NULL;
	}
	return &p->f[p->n++];
}

/*
 * Text as the format wants it: \\ and \n escaped, so that it stays on its
 * line (HELP), and \" too inside a label value.
 */
static void put_escaped(struct buf *b, const char *s, int quotes)
{
	for (; *s; s++) {
		if (*s == '\\' || (quotes && *s == '"'))
			buf_putc(b, '\\'), buf_putc(b, *s);
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
}

static void put_label(struct buf *b, const char *name, const char *v)
{
	buf_printf(b, "%s=\"", name);
	put_escaped(b, v, 1);
	buf_putc(b, '"');
}

/*
 * One sample: labels come as NULL-terminated name, value pairs (a NULL
 * value skips its label).
 */
static void sample(struct prom *p, const char *name, const char *help,
		   const char *const *labels, double v)
{
	struct family *f;
	struct buf *b;
	int first = 1;

	if (p->err)
		return;
	f = family(p, name, help);
	if (!f) {
		p->err = RONDA_ENOMEM;
		return;
	}
	b = &f->samples;
	buf_puts(b, name);
	if (p->playbook) {
		buf_putc(b, '{');
		put_label(b, "playbook", p->playbook);
		first = 0;
	}
	for (; labels && labels[0]; labels += 2) {
		if (!labels[1])
			continue;
		buf_putc(b, first ? '{' : ',');
		put_label(b, labels[0], labels[1]);
		first = 0;
	}
	if (!first)
		buf_putc(b, '}');
	if (buf_printf(b, " %.15g\n", v) != RONDA_OK)
		p->err = RONDA_ELIMIT;
}

/*
 * A check name or value key that may go into a metric name as it is.
 * Others are skipped, not rewritten: "a.b" made "a_b" would give a second
 * series of the same name, and one duplicate makes node_exporter drop the
 * whole file.
 */
static int key_ok(const char *k)
{
	size_t n = 0;

	for (; k[n]; n++) {
		char c = k[n];

		if (n == PROM_KEY_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					   (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return n > 0;
}

/*
 * Numeric and boolean values of one object (a result, or a filesystem);
 * *kept counts the result's samples against PROM_VALUES_MAX.
 */
static void values(struct prom *p, const char *check, const json_t *vals,
		   const char *const *labels, size_t *kept)
{
	char name[2 * PROM_KEY_MAX + 16], help[2 * PROM_KEY_MAX + 64];
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)vals, key, v) {
		if (!json_is_number(v) && !json_is_boolean(v))
			continue;
		if (!key_ok(check) || !key_ok(key)) {
			p->bad_keys++;
			continue;
		}
		if (*kept == PROM_VALUES_MAX) {
			p->over++;
			continue;
		}
		(*kept)++;
		snprintf(name, sizeof(name), "ronda_%s_%s", check, key);
		snprintf(help, sizeof(help), "Value \"%s\" of the %s check (see PROTOCOL.md).",
			 key, check);
		sample(p, name, help, labels,
		       json_is_boolean(v) ? (double)json_is_true(v) : json_number_value(v));
	}
}

static void task_metrics(struct prom *p, const char *host, const struct patrol_result *res)
{
	const char *task = res->task, *check = res->check;
	const json_t *vals = res->values, *fs;
	size_t i, kept = 0;

	{
		const char *const l[] = { "host", host, "task", task, "check", check, NULL };

		sample(p, "ronda_task_verdict",
		       "Task verdict: 0 ok, 1 warn, 2 fail, 3 error, 4 skipped.", l, res->verdict);
		sample(p, "ronda_task_duration_seconds", "Wall time of the task on the host.",
		       l, res->ms / 1000);
	}
	{
		const char *const l[] = { "host", host, "task", task, NULL };

		values(p, check, vals, l, &kept);
	}
	json_array_foreach(json_object_get(vals, "filesystems"), i, fs) {
		const char *const l[] = { "host", host, "task", task, "path",
					  json_string_value(json_object_get(fs, "path")), NULL };

		if (l[5])
			values(p, check, fs, l, &kept);
	}
}

/* ronda_host_phase_seconds: the same series for exec, check and run. */
static void phase_metrics(struct prom *p, const char *host, const struct host_result *r)
{
	static const char *const phases[] = { "connect", "handshake", "auth", "run" };
	const long ms[] = { r->ms_connect, r->ms_handshake, r->ms_auth, r->ms_run };

	for (size_t i = 0; i < 4; i++) {
		const char *const lp[] = { "host", host, "phase", phases[i], NULL };

		if (ms[i] >= 0)
			sample(p, "ronda_host_phase_seconds",
			       "Time the host took in each connection phase.", lp, ms[i] / 1000.0);
	}
}

static void host_metrics(struct prom *p, const struct target *t, const struct patrol_host *h)
{
	const char *const l[] = { "host", t->name, NULL };
	sample(p, "ronda_host_verdict",
	       "Worst outcome on the host: 0 ok, 1 warn, 2 fail, 3 error, 4 unreachable.",
	       l, patrol_host_verdict(h));
	if (h->conn)
		phase_metrics(p, t->name, h->conn);
	sample(p, "ronda_host_agent_uploaded_bytes", "Agent bytes sent to the host in this run.",
	       l, (double)h->uploaded);
	for (size_t k = 0; k < h->n_results; k++)
		task_metrics(p, t->name, &h->results[k]);
}

static void prom_init(struct prom *p, const char *playbook)
{
	memset(p, 0, sizeof(*p));
	p->playbook = playbook;
	p->index = json_object();
	if (!p->index)
		p->err = RONDA_ENOMEM;
}

/* Writes every family under its HELP and TYPE to path, and frees p. */
static int prom_finish(struct prom *p, const char *path)
{
	struct buf text;
	int r;

	buf_init(&text, BUF_DEFAULT_MAX);
	for (size_t i = 0; i < p->n && !p->err; i++) {
		buf_printf(&text, "# HELP %s ", p->f[i].name);
		put_escaped(&text, p->f[i].help, 0);
		buf_printf(&text, "\n# TYPE %s gauge\n", p->f[i].name);
		if (buf_append(&text, buf_data(&p->f[i].samples), buf_len(&p->f[i].samples)))
			p->err = RONDA_ELIMIT;
	}
	if (p->bad_keys || p->over)
		log_warn("%s: %zu value(s) skipped, named outside [a-zA-Z0-9_] (or over %d bytes); "
			 "%zu past %d per result", path, p->bad_keys, PROM_KEY_MAX, p->over,
			 PROM_VALUES_MAX);
	r = p->err ? p->err : file_replace(path, &text, 0644);
	for (size_t i = 0; i < p->n; i++) {
		free(p->f[i].name);
		free(p->f[i].help);
		buf_release(&p->f[i].samples);
	}
	free(p->f);
	json_decref(p->index);
	buf_release(&text);
	return r;
}

int patrol_report_prom(const char *path, const char *playbook,
		       const struct target_list *tl, const struct patrol_host *hosts,
		       double duration_s)
{
	struct prom p;
	size_t counts[PV_UNREACHABLE + 1] = { 0 };

	prom_init(&p, playbook);
	sample(&p, "ronda_run_duration_seconds", "Wall time of the whole patrol run.",
	       NULL, duration_s);
	sample(&p, "ronda_run_timestamp_seconds", "When the patrol run ended (Unix time).",
	       NULL, (double)time(NULL));
	for (size_t i = 0; i < tl->n; i++)
		counts[patrol_host_verdict(&hosts[i])]++;
	for (int v = PV_OK; v <= PV_UNREACHABLE; v++) {
		const char *const l[] = { "verdict", patrol_verdict_name((enum patrol_verdict)v), NULL };

		sample(&p, "ronda_hosts", "Hosts by their worst outcome in the run.", l,
		       (double)counts[v]);
	}
	for (size_t i = 0; i < tl->n; i++)
		host_metrics(&p, &tl->v[i], &hosts[i]);
	return prom_finish(&p, path);
}

int report_prom(const char *path, const struct target_list *tl,
		const struct host_result *res, double duration_s)
{
	struct prom p;
	size_t counts[RESULT_COUNT] = { 0 };

	prom_init(&p, NULL);
	sample(&p, "ronda_exec_duration_seconds", "Wall time of the whole exec run.",
	       NULL, duration_s);
	sample(&p, "ronda_exec_timestamp_seconds", "When the exec run ended (Unix time).",
	       NULL, (double)time(NULL));
	for (size_t i = 0; i < tl->n; i++)
		counts[res[i].status < RESULT_COUNT ? res[i].status : RESULT_ERROR]++;
	for (int s = 0; s < RESULT_COUNT; s++) {
		const char *const l[] = { "status", host_status_name((enum host_status)s), NULL };

		sample(&p, "ronda_exec_hosts", "Hosts by their result in the run.", l,
		       (double)counts[s]);
	}
	for (size_t i = 0; i < tl->n; i++) {
		const struct host_result *r = &res[i];
		const char *const l[] = { "host", tl->v[i].name, NULL };
		const char *const ls[] = { "host", tl->v[i].name, "status",
					   host_status_name(r->status), NULL };

		sample(&p, "ronda_exec_host_status",
		       "1 for the host's result (ok, failed, timeout, ...), in its status label.",
		       ls, 1);
		if (r->has_exit)
			sample(&p, "ronda_exec_host_exit_code", "The command's exit code on the host.",
			       l, r->exit_code);
		if (r->ms_total >= 0)
			sample(&p, "ronda_exec_host_duration_seconds",
			       "Time the host took, connection and retries included.", l,
			       r->ms_total / 1000.0);
		phase_metrics(&p, tl->v[i].name, r);
	}
	return prom_finish(&p, path);
}
