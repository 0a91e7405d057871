/*
 * rerun.h - the hosts that were not ok in an earlier --out run, for
 * --rerun-failed RUNDIR (and run's --limit @failed:RUNDIR).
 *
 * RUNDIR/run.json is decoded once: exec writes each host as an object
 * with a "status", check and run as its verdict string; a host is failed
 * unless that says "ok".  Errors name the file.
 */
#ifndef RONDA_RERUN_H
#define RONDA_RERUN_H

#include "buf.h"
#include "inventory/hostlist.h"

struct rerun {
	struct hostlist failed;	/* sorted (hostlist_sort_unique) */
	size_t n_hosts;		/* hosts in the run, failed or not */
};

void rerun_init(struct rerun *r);
void rerun_release(struct rerun *r);
/* Reads RUNDIR/run.json; RONDA_ECONFIG with "FILE: why" in err. */
int rerun_load(struct rerun *r, const char *rundir, struct buf *err);
/* Was name a host that was not ok? */
int rerun_failed(const struct rerun *r, const char *name);

#endif
