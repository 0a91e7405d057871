/*
 * diff.h - what changed between two patrol runs (`ronda diff`).
 *
 * A run is what `--out` wrote (patrol_report_out): one hosts/HOST.json per
 * host (`verdict`, `error`, `facts`, `tasks` [{`task`, `verdict`, ...}]).
 * cmd_diff.c reads the files; each host object is decoded here, once, into
 * a struct diff_host (verdicts as enums), and only those are compared, so
 * this module is tested on synthetic JSON.
 *
 *   struct diff_run run; struct buf err;
 *   diff_run_init(&run);
 *   diff_run_add(&run, name, len, obj, "RUN/hosts/web01.json", &err);  each file
 *   diff_run_seal(&run, &err);              sorted; a host twice is an error
 *   diff_runs(&old, &new, &d);              the changes, as JSON
 *   patrol_diff_print(stdout, d);           the same for people
 *   json_is_true(json_object_get(d, "worse"))
 *   diff_run_release(&run);
 *
 * patrol_diff() does the same for two runs held as one JSON object each
 * (host name -> host object).
 *
 * The diff object (README "ronda diff"):
 *   worse            something got worse: a new failure or warning, or a
 *                    host that became unreachable or errored
 *   hosts            {old, new}: host counts
 *   new_failures     tasks now fail/error that were ok, warn, skipped or
 *                    absent (`none`); groups by (task, verdict)
 *   new_warnings     tasks now warn that were ok, skipped or absent
 *   recovered        tasks better than before (ok, or warn after fail)
 *   down             hosts now unreachable or in error; by (verdict, error)
 *   back             hosts patrolled again after being down; by verdict
 *   added, removed   hosts in only one of the runs
 *   rebooted         hosts whose boot time moved (by more than a minute)
 *   facts            changed kernel, os, os_version, arch, cpus,
 *                    memory_bytes; groups by (fact, old, new)
 * Every group has `hosts` (sorted names) and `folded` ("web[01-03]"); task
 * and host groups have `was`: the distinct earlier verdicts.
 */
#ifndef RONDA_OUTPUT_DIFF_H
#define RONDA_OUTPUT_DIFF_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "proto.h"
#include "verdict.h"

/* A named task of a host; a task without a verdict counts as error. */
struct diff_task {
	const char *name;		/* in the host's object */
	enum proto_verdict verdict;
};

/* One host of a run, decoded from its hosts/HOST.json object. */
struct diff_host {
	char *name;
	enum patrol_verdict verdict;
	const char *error;		/* "" when none; in obj */
	const json_t *facts;		/* an object, or NULL; in obj */
	struct diff_task *tasks;	/* in file order; nameless ones left out */
	size_t n_tasks;
	const struct diff_task **by_name;	/* sorted by name, the last
						   task of each name only */
	size_t n_names;
	char *from;			/* the file, for errors */
	json_t *obj;			/* a reference: holds the strings */
};

struct diff_run {
	struct diff_host *v;		/* in natural name order once sealed */
	size_t n, alloc;
};

void diff_run_init(struct diff_run *run);
/*
 * Decodes host object obj (a reference is taken) of host name (len bytes),
 * read from `from`, into run.  RONDA_EPARSE with "FROM: why" in err: not an
 * object or no verdict string, an unknown host verdict, a task verdict that
 * is not one of ok, warn, fail, error, skipped.  RONDA_ENOMEM.
 */
int diff_run_add(struct diff_run *run, const char *name, size_t len, json_t *obj,
		 const char *from, struct buf *err);
/* Sorts run by name.  RONDA_EPARSE if a host came twice (err names both files). */
int diff_run_seal(struct diff_run *run, struct buf *err);
void diff_run_release(struct diff_run *run);
/* A run held as one JSON object, host name -> host object; init, add, seal. */
int diff_run_from_json(const json_t *hosts, struct diff_run *run, struct buf *err);

/* Compares two sealed runs; *out is a new reference.  RONDA_ENOMEM. */
int diff_runs(const struct diff_run *old_run, const struct diff_run *new_run, json_t **out);
/* The same on two runs as JSON objects.  RONDA_EPARSE, RONDA_ENOMEM. */
int patrol_diff(const json_t *old_run, const json_t *new_run, json_t **out);

/* The diff for people: one section per kind of change, hosts folded. */
int patrol_diff_print(FILE *out, const json_t *diff);

#endif
