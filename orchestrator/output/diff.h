/*
 * diff.h - what changed between two patrol runs (`ronda diff`).
 *
 * A run is what `--out` wrote (patrol_report_out), read back as one JSON
 * object: host name -> the object of hosts/HOST.json (`verdict`, `error`,
 * `facts`, `tasks` [{`task`, `verdict`, ...}]).  cmd_diff.c reads the
 * files; this module only compares, so it is tested on synthetic JSON.
 *
 *   json_t *d;
 *   patrol_diff(old_run, new_run, &d);     the changes, as JSON
 *   patrol_diff_print(stdout, d);           the same for people
 *   json_is_true(json_object_get(d, "worse"))
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

#include <stdio.h>

#include <jansson.h>

/* Compares two runs; *out is a new reference.  RONDA_ENOMEM. */
int patrol_diff(const json_t *old_run, const json_t *new_run, json_t **out);

/* The diff for people: one section per kind of change, hosts folded. */
int patrol_diff_print(FILE *out, const json_t *diff);

#endif
