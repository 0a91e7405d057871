/*
 * patrol-job.c - prints the job line that a playbook or a set of ad hoc
 * checks becomes, for the shell suites (which feed it to the real agent)
 * and for people writing playbooks.  Until `ronda run --dry-run` exists it
 * is also the quickest way to see what a playbook means.
 *
 *   patrol-job [--preview] [--tags A,B] [--skip-tags C] PLAYBOOK
 *   patrol-job --check SPEC...
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
#include "patrol.h"
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
			"       patrol-job --check SPEC...\n");
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
