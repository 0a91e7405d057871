/*
 * job_int.h - what job.c (`run`, one job) and serve.c (`serve`, a stream
 * of framed jobs) share: the confinement a process sets up once, and the
 * running of one job's text into lines.
 *
 * A caller:
 *   1. job_out_init(), job_host_init();
 *   2. job_confine() once: spawn_init, no_new_privs + seccomp, Landlock
 *      for inspect (the policy must be loaded: it says whether the agent
 *      may run unconfined);
 *   3. job_run() for each job; it writes that job's lines and returns the
 *      exit status `run` would have for it;
 *   4. job_host_release(), job_out_release().
 */
#ifndef RONDA_JOB_INT_H
#define RONDA_JOB_INT_H

#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "job.h"
#include "policy.h"
#include "sandbox.h"

/* Where lines go.  framed: each line is an L frame of job id (serve). */
struct job_out {
	int fd;
	int broken;		/* a write failed: the reader is gone */
	int framed;
	uint64_t id;
	struct buf line;
};

struct job_host {
	const struct agent_opts *opt;
	const char *policy_path;	/* opt's, or POLICY_PATH */
	struct sandbox_status sb;
	struct policy pol;
};

/* The clocks, in seconds: wall (Unix time) and monotonic. */
double job_wall(void);
double job_mono(void);

void job_out_init(struct job_out *o, int fd, int framed);
void job_out_release(struct job_out *o);
/*
 * Writes one line (one write(2), framed or not).  RONDA_OK once written;
 * RONDA_ELIMIT or RONDA_ENOMEM if the line could not be built (nothing
 * was written); RONDA_ESYS if the reader is gone.
 */
int job_emit(struct job_out *o, const char *type, json_t *obj);
/* One "error" line: code (bad-job, sandbox, policy, internal, frame). */
void job_emit_error(struct job_out *o, const char *code, const char *msg);

void job_host_init(struct job_host *h, const struct agent_opts *opt);
void job_host_release(struct job_host *h);
/*
 * Signal handling (watch_fd as for spawn_init) and the process's sandbox,
 * under the loaded policy.  AGENT_EXIT_OK, or the exit code after one
 * error line.
 */
int job_confine(struct job_host *h, int watch_fd, struct job_out *o);
/* Why spawn_aborted() stopped the agent, as the summary's "stopped" says. */
const char *job_stop_name(int why);
/* The summary's "sandbox" object. */
json_t *job_sandbox_json(const struct sandbox_status *st);
/*
 * Parses, prepares and runs one job, text[0..len), received at wall time
 * received and monotonic time t0 (its deadline counts from there); writes
 * its lines to o and returns its exit status.
 */
int job_run(struct job_host *h, const char *text, size_t len, double received,
	    double t0, struct job_out *o);

#endif
