/*
 * patrol_prom.c - the patrol as a Prometheus textfile, for node_exporter's
 * textfile collector (text exposition format 0.0.4).
 *
 * Metrics (all gauges; README "Prometheus textfile" lists them):
 *   ronda_run_duration_seconds, ronda_run_timestamp_seconds,
 *   ronda_hosts{verdict}, ronda_host_verdict{host},
 *   ronda_host_phase_seconds{host,phase}, ronda_host_agent_uploaded_bytes{host},
 *   ronda_task_verdict{host,task,check}, ronda_task_duration_seconds{host,task,check},
 *   and every numeric or boolean value a check reports as
 *   ronda_<check>_<value>{host,task[,path]} (disk: one series per filesystem).
 * Verdicts are numbers, worse is higher: task 0 ok, 1 warn, 2 fail, 3 error,
 * 4 skipped; host 0 ok, 1 warn, 2 fail, 3 error, 4 unreachable.
 *
 * The format wants all samples of a metric together under its HELP and
 * TYPE, so samples are collected per family first and written at the end.
 * The file is written to a temporary name beside the target and renamed
 * over it (patrol_replace_file), so the collector never reads half a file.
 */
#include "patrol.h"

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
#include "proto.h"
#include "banned.h"

struct family {
	char *name;
	char *help;
	struct buf samples;
};

struct prom {
	struct family *f;
	size_t n, alloc;
	int err;		/* first failure; later calls do nothing */
	const char *playbook;	/* on every sample: two timers' files must
				   not hold the same series */
};

static struct family *family(struct prom *p, const char *name, const char *help)
{
	struct family *grown;

	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->f[i].name, name) == 0)
			return &p->f[i];
	}
	if (p->n == p->alloc) {
		size_t alloc = p->alloc ? 2 * p->alloc : 32;

		grown = realloc(p->f, alloc * sizeof(*grown));
		if (!grown)
			return NULL;
		p->f = grown;
		p->alloc = alloc;
	}
	p->f[p->n].name = strdup(name);
	p->f[p->n].help = strdup(help);
	buf_init(&p->f[p->n].samples, BUF_DEFAULT_MAX);
	if (!p->f[p->n].name || !p->f[p->n].help) {
		free(p->f[p->n].name);
		free(p->f[p->n].help);
		return NULL;
	}
	return &p->f[p->n++];
}

/* A label value as the format wants it: \\, \" and \n escaped. */
static void put_label(struct buf *b, const char *name, const char *v)
{
	buf_printf(b, "%s=\"", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_putc(b, '\\'), buf_putc(b, *v);
		else if (*v == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *v);
	}
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

/* ronda_<check>_<key>, with anything outside [a-zA-Z0-9_] made '_'. */
static void metric_name(char *out, size_t n, const char *check, const char *key)
{
	size_t i;

	snprintf(out, n, "ronda_%s_%s", check, key);
	for (i = 0; out[i]; i++) {
		char c = out[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			out[i] = '_';
	}
}

/* Numeric and boolean values of one object (a result, or a filesystem). */
static void values(struct prom *p, const char *check, const json_t *vals,
		   const char *const *labels)
{
	char name[160], help[256];
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)vals, key, v) {
		if (!json_is_number(v) && !json_is_boolean(v))
			continue;
		metric_name(name, sizeof(name), check, key);
		snprintf(help, sizeof(help), "Value \"%s\" of the %s check (see PROTOCOL.md).",
			 key, check);
		sample(p, name, help, labels,
		       json_is_boolean(v) ? (double)json_is_true(v) : json_number_value(v));
	}
}

static void task_metrics(struct prom *p, const char *host, const json_t *res)
{
	const char *task = json_string_value(json_object_get(res, "task"));
	const char *check = json_string_value(json_object_get(res, "check"));
	const json_t *vals = json_object_get(res, "values"), *fs;
	int verdict = VERDICT_ERROR;
	size_t i;

	if (!task || !check)
		return;
	proto_verdict_from_name(json_string_value(json_object_get(res, "verdict")) ?
				json_string_value(json_object_get(res, "verdict")) : "error",
				&verdict);
	{
		const char *const l[] = { "host", host, "task", task, "check", check, NULL };

		sample(p, "ronda_task_verdict",
		       "Task verdict: 0 ok, 1 warn, 2 fail, 3 error, 4 skipped.", l, verdict);
		if (json_is_number(json_object_get(res, "ms")))
			sample(p, "ronda_task_duration_seconds", "Wall time of the task on the host.",
			       l, json_number_value(json_object_get(res, "ms")) / 1000);
	}
	{
		const char *const l[] = { "host", host, "task", task, NULL };

		values(p, check, vals, l);
	}
	json_array_foreach(json_object_get(vals, "filesystems"), i, fs) {
		const char *const l[] = { "host", host, "task", task, "path",
					  json_string_value(json_object_get(fs, "path")), NULL };

		if (l[5])
			values(p, check, fs, l);
	}
}

static void host_metrics(struct prom *p, const struct target *t, const struct patrol_host *h)
{
	const char *const l[] = { "host", t->name, NULL };
	static const char *const phases[] = { "connect", "handshake", "auth", "run" };
	const json_t *res;
	size_t k;

	sample(p, "ronda_host_verdict",
	       "Worst outcome on the host: 0 ok, 1 warn, 2 fail, 3 error, 4 unreachable.",
	       l, patrol_host_verdict(h));
	if (h->conn) {
		const long ms[] = { h->conn->ms_connect, h->conn->ms_handshake,
				    h->conn->ms_auth, h->conn->ms_run };

		for (size_t i = 0; i < 4; i++) {
			const char *const lp[] = { "host", t->name, "phase", phases[i], NULL };

			if (ms[i] >= 0)
				sample(p, "ronda_host_phase_seconds",
				       "Time the host took in each connection phase.", lp, ms[i] / 1000.0);
		}
	}
	sample(p, "ronda_host_agent_uploaded_bytes", "Agent bytes sent to the host in this run.",
	       l, (double)h->uploaded);
	json_array_foreach(h->results, k, res)
		task_metrics(p, t->name, res);
}

int patrol_report_prom(const char *path, const char *playbook,
		       const struct target_list *tl, const struct patrol_host *hosts,
		       double duration_s)
{
	struct prom p = { 0 };
	size_t counts[PV_UNREACHABLE + 1] = { 0 };
	struct buf text;
	int r;

	p.playbook = playbook;
	buf_init(&text, BUF_DEFAULT_MAX);
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
	for (size_t i = 0; i < p.n && !p.err; i++) {
		buf_printf(&text, "# HELP %s %s\n# TYPE %s gauge\n", p.f[i].name,
			   p.f[i].help, p.f[i].name);
		if (buf_append(&text, buf_data(&p.f[i].samples), buf_len(&p.f[i].samples)))
			p.err = RONDA_ELIMIT;
	}
	r = p.err ? p.err : patrol_replace_file(path, &text);
	for (size_t i = 0; i < p.n; i++) {
		free(p.f[i].name);
		free(p.f[i].help);
		buf_release(&p.f[i].samples);
	}
	free(p.f);
	buf_release(&text);
	return r;
}
