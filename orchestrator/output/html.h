/*
 * html.h - the patrol as one self-contained HTML page (--html FILE).
 */
#ifndef RONDA_OUTPUT_HTML_H
#define RONDA_OUTPUT_HTML_H

#include "inventory/target.h"
#include "patrol/results.h"

/*
 * Self-contained HTML report (inline CSS, no scripts, everything escaped),
 * written atomically.  title: the playbook's name.
 */
int patrol_report_html(const char *path, const char *title, const struct target_list *tl,
		       const struct patrol_host *hosts, double duration_s);
#endif
