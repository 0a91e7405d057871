/*
 * client.h - `ronda check --warm`, `ronda run --warm` and `ronda exec
 * --warm`: the work goes to
 * the warm daemon (server.h) instead of over new sessions, and each
 * host's answer is decoded exactly as a cold run decodes its agent's
 * output (results.h), into the same struct patrol_host and host_result,
 * so that every output of a cold run (summary, JSON, --out, exit code)
 * is made by the same code from the same data.
 *
 * A host the daemon cannot ask now is what a cold run would find it: the
 * way its last session ended (unreachable, host key changed, ...), with
 * the daemon's cause; one it has not reached yet, or whose agent is still
 * starting, is unreachable, saying so.
 */
#ifndef RONDA_WARM_CLIENT_H
#define RONDA_WARM_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "inventory/target.h"
#include "patrol/plan.h"
#include "patrol/results.h"
#include "ssh/engine.h"
#include "ssh/engine_cli.h"

/* What the answers own (method names point into them): kept until the
   reports are written. */
struct warm_answers {
	json_t **v;
	size_t n;
};

/*
 * Runs plan's job on tl's hosts through the daemon at sock, waiting at
 * most timeout seconds for the hosts (and a little more for the daemon).
 * hosts[i].conn must point at res[i]; both are filled for every host.
 * Unless partial, a host the daemon does not hold refuses the whole job
 * (RONDA_ENOTFOUND, nothing filled), so the caller can run cold instead;
 * with partial it is unreachable, "not held".
 * RONDA_ESYS when no daemon answers at sock (fall back, or fail with
 * --warm=required); RONDA_EINVAL when the daemon refused the job (err says
 * why); other codes as wire.h.
 */
int warm_patrol(const char *sock, const struct target_list *tl, const struct patrol_plan *plan,
		double timeout, int partial, struct patrol_host *hosts, struct host_result *res,
		struct warm_answers *keep, struct buf *err);
/*
 * exec --warm: argv, under the daemon's exec guard, on a new channel of
 * each held session, with in (inlen bytes, or NULL: none) as its stdin.
 * res[i] gets what a cold exec's engine would have set (status, exit
 * code, out and err cut at max_output); done(arg, i) is called as each
 * host answers (live output, --json).  Errors as warm_patrol.
 */
int warm_exec(const char *sock, const struct target_list *tl, char *const argv[], size_t argc,
	      const char *in, size_t inlen, double timeout, size_t max_output, int partial,
	      struct host_result *res, void (*done)(void *arg, size_t i), void *arg,
	      struct warm_answers *keep, struct buf *err);
void warm_answers_release(struct warm_answers *keep);

/* The exit statuses of a --warm=required that cannot be warm (sysexits). */
#define WARM_EXIT_USAGE 64	/* work the daemon does not take */
#define WARM_EXIT_NO_DAEMON 69	/* EX_UNAVAILABLE: nothing answers */
#define WARM_EXIT_SOFTWARE 70	/* the daemon broke its protocol */
#define WARM_TIMEOUT_MAX 86400.0

/* Why a run of these options and hosts cannot be warm, or NULL: batches
   (--serial, --max-fail), or sudo (--become). */
const char *warm_not_for(const struct engine_cli *ec, const struct target_list *tl);
/* --warm[=required] into *mode: 1, or 2. */
int warm_opt(int *mode, const char *arg, struct buf *err);
/* The deadline for the hosts' answers: their longest command timeout
   (none: a day, the most the daemon takes). */
double warm_timeout(const struct target_list *tl);
/* The daemon's socket (--socket, or the default) into path; none to be
   had is no daemon: RONDA_ESYS, as warm_settle takes it. */
int warm_socket(const char *opt, struct buf *path, struct buf *err);
/*
 * What a --warm run (mode 1, or 2 for =required) makes of the daemon's
 * rc (RONDA_OK: it answered), or of no, why it was not asked (NULL: it
 * was): 1 the daemon answered (said on stderr), 0 run cold (a note says
 * why), -1 fail with *code (=required, or the daemon broke its protocol).
 * who prefixes the messages; err is the call's message.
 */
int warm_settle(const char *who, int mode, int rc, const char *no, const char *sock,
		const char *err, int *code);

#endif
