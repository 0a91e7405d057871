/*
 * client.h - `ronda check --warm` and `ronda run --warm`: the job goes to
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
void warm_answers_release(struct warm_answers *keep);

#endif
