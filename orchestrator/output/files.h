/*
 * files.h - the one directory per run that --out writes, for exec
 * (report_out) and for patrols (patrol_report_out), and what goes in it.
 *
 *   struct rundir rd;
 *   rc = rundir_create(&rd, dir, tl);     DIR/YYYY-MM-DDTHHMMSSZ[-N]/hosts/
 *   rc = rundir_write(rd.hosts, "web01.json", fn, arg);   a new file each
 *   rc = rundir_write(rd.dir, "run.json", fn, arg);
 *   rc = rundir_finish(&rd, rc, run_dir, run_dir_len);   closes; on success
 *                                         copies the run directory's path
 *
 * The name sorts by time; -N keeps two runs in one second apart.  Files are
 * created O_EXCL|O_NOFOLLOW, never replacing anything, and host names that
 * could leave hosts/ are refused before anything is made.
 */
#ifndef RONDA_RUNDIR_H
#define RONDA_RUNDIR_H

#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "inventory/shard.h"
#include "inventory/target.h"
#include "patrol/results.h"
#include "ssh/engine.h"

struct hostlist;

/*
 * What run.json says about the run besides its hosts, so that `ronda
 * merge` can tell the shards of one run from other runs and check that
 * they cover the pattern: "kind", "pattern", "playbook" or "checks",
 * "name" (a patrol's, for its metrics and page), "duration_s", and with
 * --shard "shard" {k, n} and "selected" (every host of the pattern, before
 * the shard took its own).  NULL fields are left out; a NULL run_info
 * writes none of it.
 */
struct run_info {
	const char *kind;		/* "exec", "check", "run" */
	const char *pattern;		/* as typed (cli_pattern_text) */
	const char *playbook;		/* run: the file as given */
	const char *name;		/* patrol: the playbook's name */
	const char *const *checks;	/* check: the specs */
	size_t n_checks;
	struct shard shard;
	const struct hostlist *selected;	/* with a shard */
	double duration_s;
};
/* Adds ri's fields to run.json's object o.  RONDA_ENOMEM. */
int run_info_put(json_t *o, const struct run_info *ri);

/*
 * exec --out: a run directory with hosts/HOST.stdout, HOST.stderr,
 * HOST.exit (the exit code, when one came), HOST.json (its --json object),
 * summary.txt and run.json (kind "exec", the command, each host's status):
 * the same files as a patrol's, and the output besides.  run_dir gets its
 * path.
 */
int report_out(const char *dir, const struct target_list *tl,
	       const struct host_result *res, char *const argv[], size_t argc,
	       const struct run_info *ri, char *run_dir, size_t run_dir_len);
/* patrol --out: hosts/HOST.json, summary.txt and run.json. */
int patrol_report_out(const char *dir, const struct target_list *tl,
		      const struct patrol_host *hosts, const struct run_info *ri,
		      char *run_dir, size_t run_dir_len);

struct rundir {
	int dir, hosts;		/* directory descriptors, -1 when closed */
	struct buf path;	/* the run directory */
};

int rundir_create(struct rundir *rd, const char *dir, const struct target_list *tl);
/* A new file name in directory dfd, written by fn(f, arg). */
int rundir_write(int dfd, const char *name, int (*fn)(FILE *, void *), void *arg);
/* A new file name in directory dfd holding n bytes from p. */
int rundir_write_bytes(int dfd, const char *name, const char *p, size_t n);
void rundir_close(struct rundir *rd);
/* Closes rd; if r is RONDA_OK, copies its path to run_dir (or RONDA_ELIMIT). */
int rundir_finish(struct rundir *rd, int r, char *run_dir, size_t run_dir_len);

#endif
