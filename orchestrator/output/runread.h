/*
 * runread.h - a run's hosts/HOST.json read back into the typed structs
 * every output is made from (`ronda merge` writes the merged summary,
 * page and metrics with the same code as a run does).
 *
 * Each object is decoded once, here; a status, verdict or task that is
 * not one ronda writes is an error, and a patrol host whose stated
 * verdict does not follow from what the file holds is refused, so a
 * merged summary can never say better than the shards did.  exec's
 * output bytes are not read (the files are copied as they are).
 */
#ifndef RONDA_RUNREAD_H
#define RONDA_RUNREAD_H

#include <jansson.h>

#include "buf.h"
#include "patrol/results.h"
#include "ssh/engine.h"

/* report_json_host's object into r (host_result_init'ed).  RONDA_EPARSE, why in err. */
int runread_exec_host(const json_t *o, struct host_result *r, struct buf *err);
/*
 * patrol_report_out's host object into h (zeroed) and conn (init'ed),
 * h->conn = conn.  RONDA_EPARSE with why in err, RONDA_ENOMEM.
 */
int runread_patrol_host(const json_t *o, struct patrol_host *h, struct host_result *conn,
			struct buf *err);
/* The milliseconds ms[key] holds (0 to 2^40), or -1 (none, or not that). */
long runread_ms(const json_t *ms, const char *key);
/* The address and port the object names, for the merged run's targets. */
void runread_address(const json_t *o, const char **address, unsigned *port);

#endif
