/*
 * merge.h - the shards of one run, checked for coverage (`ronda merge`).
 *
 * Each shard's run.json (files.h, struct run_info) is decoded once into a
 * struct merge_run; merge_plan() then checks that the runs belong
 * together and says, for every host of the pattern, which run patrolled
 * it, or which shard is missing.  Nothing here reads a file, so it is
 * tested on synthetic (and hostile) JSON; cmd_merge.c does the I/O.
 *
 *   struct merge_run runs[n];
 *   merge_run_decode(obj, "RUN", &runs[i], &err);   each run.json
 *   merge_plan(runs, n, &plan, &err);
 *   plan.owner[i]: the run that patrolled plan.names[i], or -1: not
 *   patrolled, because shard plan.shard_of[i] is missing (or its run has
 *   no entry for the host: plan.shard_present)
 *   merge_plan_release(&plan); merge_run_release(&runs[i]);
 *
 * Runs belong together when kind, pattern, playbook, checks, command,
 * the shard count N and the selected hosts are the same; a run without
 * --shard is shard 0 of 1.  A run that was merged already, a host outside
 * the pattern, a host in the wrong shard (another hash, another ronda),
 * a shard given twice or a host in two runs is an error naming the runs.
 */
#ifndef RONDA_OUTPUT_MERGE_H
#define RONDA_OUTPUT_MERGE_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

enum merge_kind { MERGE_EXEC, MERGE_CHECK, MERGE_RUN };

struct merge_run {
	char *from;		/* the run directory, for messages */
	json_t *obj;		/* run.json (a reference) */
	enum merge_kind kind;
	unsigned k, n;		/* shard k of n */
	const json_t *hosts;	/* object: host name -> entry, in obj */
	const json_t *selected;	/* array of names, in obj (hosts' keys
				   when the run has no shard) */
	json_t *own_selected;	/* that array, when made here */
	double time, duration_s;
};

/*
 * Decodes run.json obj (a reference is taken) of run directory from.
 * RONDA_EPARSE with "FROM/run.json: why" in err; RONDA_ENOMEM.
 */
int merge_run_decode(json_t *obj, const char *from, struct merge_run *out, struct buf *err);
void merge_run_release(struct merge_run *r);

struct merge_plan {
	size_t n;		/* hosts of the pattern */
	const char **names;	/* in the pattern's order; in runs[0].obj */
	long *owner;		/* index of the run that has the host, or -1 */
	unsigned *shard;	/* the shard each host belongs to */
	unsigned n_shards;
	unsigned char *shard_present;	/* per shard: a run was given */
	size_t n_missing;	/* hosts with owner -1 */
	size_t n_missing_shards;
};

/* RONDA_EPARSE with why in err (the runs do not belong together), RONDA_ENOMEM. */
int merge_plan(const struct merge_run *runs, size_t n_runs, struct merge_plan *out,
	       struct buf *err);
void merge_plan_release(struct merge_plan *p);
/* "exec", "check", "run". */
const char *merge_kind_name(enum merge_kind k);

#endif
