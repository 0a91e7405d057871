/*
 * prom.h - the patrol as a Prometheus textfile (prom.c; the
 * exec textfile, report_prom, is declared in report.h).
 */
#ifndef RONDA_OUTPUT_PROM_H
#define RONDA_OUTPUT_PROM_H

#include "inventory/target.h"
#include "patrol/results.h"

/*
 * Prometheus textfile, written atomically (temp file + rename).  Every
 * sample carries playbook="..." (unless NULL), so that the files of two
 * scheduled playbooks never hold the same series.
 */
int patrol_report_prom(const char *path, const char *playbook,
		       const struct target_list *tl, const struct patrol_host *hosts,
		       double duration_s);
#endif
