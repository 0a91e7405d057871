/*
 * report.h - turning host results into what people and programs read.
 *
 * Human output: each host's output printed whole (never interleaved), either
 * line by line with a "host: " prefix like pdsh, or folded (--fold) with
 * identical outputs grouped under one host range like `clush -b`.  Then a
 * summary: one line per result class and cause, hosts folded into ranges.
 *
 * Nothing a host sent reaches a terminal raw: outputs are escaped unless
 * the caller asks for raw bytes (exec --raw, or stdout not a terminal),
 * and the summary's causes are always escaped.
 *
 * JSON Lines (--json): one object per host; see README "JSON output".
 *
 * Exit codes: exitcode.h (report_exit_code).
 */
#ifndef RONDA_REPORT_H
#define RONDA_REPORT_H

#include <stdio.h>

#include "exitcode.h"
#include "files.h"
#include "json.h"
#include "ssh/engine.h"
#include "inventory/target.h"

/*
 * raw: the hosts' bytes as they came; otherwise escaped (escape.h), for a
 * terminal.  The summary always escapes what a host sent.
 */
int report_outputs(FILE *out, const struct target_list *tl,
		   const struct host_result *res, int fold, int raw);
/* color: status names in colour (color.h). */
int report_summary(FILE *out, const struct target_list *tl,
		   const struct host_result *res, int color);
/* JSON Lines (report_json) are in json.h, --out (report_out) in files.h. */
/* exec --prom: a Prometheus textfile (prom.c), written atomically. */
int report_prom(const char *path, const struct target_list *tl,
		const struct host_result *res, double duration_s);

#endif
