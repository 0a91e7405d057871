/*
 * verdict.h - a patrolled host's worst outcome and why: the verdict model
 * every patrol output (summary, JSON, files, metrics, HTML, exit code)
 * reads.
 */
#ifndef RONDA_VERDICT_H
#define RONDA_VERDICT_H

#include "patrol/results.h"

/* Worst outcome, for exit codes and the summary table. */
enum patrol_verdict {
	PV_OK, PV_WARN, PV_FAIL, PV_ERROR, PV_UNREACHABLE
};
enum patrol_verdict patrol_host_verdict(const struct patrol_host *h);
/* "ok", "warn", "fail", "error", "unreachable" (JSON, files, metrics). */
const char *patrol_verdict_name(enum patrol_verdict v);
/* The reverse, for files read back (`ronda diff`).  RONDA_EINVAL if unknown. */
int patrol_verdict_from_name(const char *name, enum patrol_verdict *v);

/* Why a host is unreachable or in error, for people; "" otherwise. */
const char *patrol_host_why(const struct patrol_host *h);

#endif
