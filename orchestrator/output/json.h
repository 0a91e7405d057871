/*
 * json.h - the JSON that exec --json, patrol --json and the --out files
 * are made of (README "JSON output", "Patrol JSON").
 */
#ifndef RONDA_JSON_H
#define RONDA_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "inventory/target.h"
#include "patrol/results.h"
#include "ssh/engine.h"

/* o as one compact line, then o is released.  RONDA_ENOMEM, RONDA_ESYS. */
int json_put_line(FILE *out, json_t *o);
/* o indented, as --out writes its files, and a newline.  RONDA_ESYS. */
int json_put_doc(FILE *f, const json_t *o);

/* exec: one object per host, one per line. */
int report_json(FILE *out, const struct target_list *tl,
		const struct host_result *res);
/* exec: the object of one host, as soon as it is done (in completion order). */
int report_json_host(FILE *out, const struct target *t, const struct host_result *h);
/* patrol, JSON Lines: one object per host per task, plus one per host. */
int patrol_report_json(FILE *out, const struct target_list *tl,
		       const struct patrol_host *hosts);

/* The per-host object of a patrol; tasks are separate.  NULL: no memory. */
json_t *patrol_host_json(const struct target *t, const struct patrol_host *h);
/* One task result, with the host in front and the protocol fields gone. */
json_t *patrol_task_json(const char *host, const struct patrol_result *res);

#endif
