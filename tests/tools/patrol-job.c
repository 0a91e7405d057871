/*
 * patrol-job.c - prints the job line that a playbook or a set of ad hoc
 * checks becomes, for the shell suites (which feed it to the real agent)
 * and for people writing playbooks.  Until `ronda run --dry-run` exists it
 * is also the quickest way to see what a playbook means.
 *
 *   patrol-job [--preview] [--tags A,B] [--skip-tags C] PLAYBOOK
 *   patrol-job --check SPEC...
 *   patrol-job --schema md|man
 *
 * --schema prints the value rules of every check type from the schema
 * table (common/proto_schema.c), as the Markdown table of PROTOCOL.md or
 * the mdoc list of ronda-playbook(5); suite 51 checks both are in step.
 *
 * --preview: the job `ronda run --preview` sends (see patrol_plan_preview).
 *
 * Exit: 0 printed, 78 the playbook or a spec was refused (message on
 * stderr), 64 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "patrol/checkspec.h"
#include "patrol/playbook.h"
#include "proto.h"
#include "banned.h"

/* Splits "a,b" into a NULL-terminated vector inside a copy of s. */
static char **split(char *s)
{
	size_t n = 2;
	char **v;

	for (const char *p = s; *p; p++)
		n += *p == ',';
	v = calloc(n, sizeof(*v));
	if (!v)
		return NULL;
	n = 0;
	for (char *p = s; p; ) {
		v[n++] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = '\0';
	}
	return v;
}

/* Appends s to out, escaped for Markdown (md) or mdoc. */
static void put_esc(struct buf *out, const char *s, int md)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(out, md ? "\\\\" : "\\e");
		else if (*s == '|' && md)
			buf_puts(out, "\\|");
		else
			buf_putc(out, *s);
	}
}

/*
 * One check's rules: the fields that have one, those with the same words
 * put together ("warn, fail: 0 to 100"), then the cross-key rules.
 */
static void check_rules(const struct proto_check *c, struct buf *out, int md)
{
	struct buf a, b;
	const struct proto_field *f, *g;
	int first = 1;

	buf_init(&a, 512);
	buf_init(&b, 512);
	for (f = c->fields; f->name; f++) {
		int seen = 0;

		buf_reset(&a);
		proto_field_rule(f, &a);
		if (!buf_len(&a))
			continue;
		for (g = c->fields; g != f && !seen; g++) {
			buf_reset(&b);
			proto_field_rule(g, &b);
			seen = strcmp(buf_data(&a), buf_data(&b)) == 0;
		}
		if (seen)
			continue;
		buf_puts(out, first ? "" : md ? "; " : ";\n");
		first = 0;
		buf_puts(out, md ? "" : ".Cm ");
		for (g = f; g->name; g++) {
			buf_reset(&b);
			proto_field_rule(g, &b);
			if (strcmp(buf_data(&a), buf_data(&b)) != 0)
				continue;
			if (g != f)
				buf_puts(out, md ? ", " : " , ");
			buf_printf(out, md ? "`%s`" : "%s", g->name);
		}
		buf_puts(out, md ? ": " : " :\n");
		put_esc(out, buf_data(&a), md);
	}
	for (const struct proto_xrule *x = c->xrules; x->kind != X_END; x++) {
		buf_puts(out, first ? "" : md ? "; " : ";\n");
		first = 0;
		buf_reset(&a);
		proto_xrule_text(x, &a);
		put_esc(out, buf_data(&a), md);
	}
	if (first)
		buf_puts(out, md ? "\u2014" : "No value rules");
	buf_puts(out, md ? "" : ".\n");
	buf_release(&a);
	buf_release(&b);
}

static int print_schema(const char *form)
{
	int md = strcmp(form, "md") == 0;
	size_t n;
	const struct proto_check *cs = proto_checks(&n);
	struct buf out;

	if (!md && strcmp(form, "man") != 0)
		return 64;
	buf_init(&out, 1 << 16);
	if (md)
		buf_puts(&out, "| check | rules both sides share (`common/proto_schema.c`) | "
			 "checked by the agent only, on the host |\n|---|---|---|\n");
	else
		buf_puts(&out, ".Bl -tag -width Ds\n");
	for (size_t i = 0; i < n; i++) {
		if (md) {
			buf_printf(&out, "| `%s` | ", cs[i].name);
			check_rules(&cs[i], &out, 1);
			buf_printf(&out, " | %s |\n", cs[i].host ? cs[i].host : "\u2014");
		} else {
			buf_printf(&out, ".It Cm %s\n", cs[i].name);
			check_rules(&cs[i], &out, 0);
		}
	}
	if (!md)
		buf_puts(&out, ".El\n");
	fwrite(buf_data(&out), 1, buf_len(&out), stdout);
	buf_release(&out);
	return 0;
}

int main(int argc, char **argv)
{
	struct patrol_plan plan;
	struct buf err, job;
	char **tags = NULL, **skip = NULL;
	int i = 1, r = RONDA_OK, rc = 78, preview = 0;
	struct timespec ts;

	patrol_plan_init(&plan);
	buf_init(&err, 4096);
	buf_init(&job, (size_t)1 << 20);
	if (argc == 3 && strcmp(argv[1], "--schema") == 0) {
		rc = print_schema(argv[2]);
		goto out;
	}
	if (i < argc && strcmp(argv[i], "--preview") == 0) {
		preview = 1;
		i++;
	}
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--check"); i += 2) {
		if (strcmp(argv[i], "--tags") == 0)
			tags = split(argv[i + 1]);
		else if (strcmp(argv[i], "--skip-tags") == 0)
			skip = split(argv[i + 1]);
		else
			break;
	}
	if (i < argc && strcmp(argv[i], "--check") == 0 && i + 1 < argc) {
		for (i++; i < argc && r == RONDA_OK; i++)
			r = checkspec_parse(argv[i], &plan, &err);
	} else if (i + 1 == argc && argv[i][0] != '-') {
		r = playbook_load(argv[i], (const char *const *)tags,
				  (const char *const *)skip, &plan, &err);
	} else {
		fprintf(stderr, "usage: patrol-job [--preview] [--tags A,B] [--skip-tags C] PLAYBOOK\n"
			"       patrol-job --check SPEC...\n"
			"       patrol-job --schema md|man\n");
		rc = 64;
		goto out;
	}
	if (preview)
		patrol_plan_preview(&plan);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (r == RONDA_OK)
		r = patrol_plan_job(&plan, (double)ts.tv_sec + ts.tv_nsec / 1e9, &job);
	if (r != RONDA_OK) {
		fprintf(stderr, "patrol-job: %s\n", buf_len(&err) ? buf_data(&err) : ronda_strerror(r));
		goto out;
	}
	fwrite(buf_data(&job), 1, buf_len(&job), stdout);
	rc = 0;
out:
	free(tags);
	free(skip);
	patrol_plan_release(&plan);
	buf_release(&err);
	buf_release(&job);
	return rc;
}
