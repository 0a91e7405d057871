/*
 * patrol_report.h - what a patrol tells people and programs, in one
 * include: each host's verdict (verdict.h), the summary (summary.h), JSON
 * Lines (json.h), the per-run directory (files.h) and the exit code
 * (exitcode.h).  The Prometheus textfile is prom.h, the HTML page
 * html.h.
 */
#ifndef RONDA_PATROL_REPORT_H
#define RONDA_PATROL_REPORT_H

#include "exitcode.h"
#include "files.h"
#include "json.h"
#include "summary.h"
#include "verdict.h"

#endif
