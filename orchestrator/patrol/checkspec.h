/*
 * checkspec.h - ad hoc checks written on the command line (`ronda check`),
 * each made into one task of a patrol plan (plan.h).
 */
#ifndef RONDA_CHECKSPEC_H
#define RONDA_CHECKSPEC_H

#include "buf.h"
#include "plan.h"

/*
 * Parses one ad hoc check written on the command line (see `ronda check
 * --help`), e.g. "disk:/var:90%", "load:2", "proc:nginx", "port:443",
 * and appends its task to plan->tasks.  RONDA_EINVAL with a message.
 */
int checkspec_parse(const char *spec, struct patrol_plan *plan, struct buf *err);
extern const char checkspec_help[];

#endif
