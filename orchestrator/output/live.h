/*
 * live.h - exec's live output: each host's lines printed as they arrive,
 * "host: " in front as pdsh does, stdout's on out and stderr's on err.
 *
 *   struct live lv;
 *   live_init(&lv, targets, stdout, stderr, raw_out, raw_err);
 *   step.on_stdout = live_stdout; step.on_stderr = live_stderr; both args &lv
 *   on each host's end: live_host_done(&lv, i)
 *   live_release(&lv);
 *
 * Lines come from lines.h: whole lines, a line longer than LINE_SPLIT_CAP in
 * pieces, the guard's status line never shown.  Each prefixed line is
 * written with one fwrite and flushed, so no host's line is ever cut by
 * another's.  raw: the host's bytes as they came; otherwise escaped
 * (escape.h), for a terminal.  Memory: the unfinished line of each stream
 * of each host in flight, nothing else.
 */
#ifndef RONDA_LIVE_H
#define RONDA_LIVE_H

#include <stdio.h>

#include "buf.h"
#include "lines.h"
#include "inventory/target.h"

struct live {
	const struct target_list *tl;
	struct line_split *split;	/* 2 per host: stdout, stderr */
	FILE *f[2];
	int raw[2];
	struct buf line;		/* the prefixed line being written */
};

/* RONDA_ENOMEM. */
int live_init(struct live *lv, const struct target_list *tl, FILE *out, FILE *err,
	      int raw_out, int raw_err);
void live_release(struct live *lv);
/* engine_step.on_stdout and on_stderr; arg is the struct live. */
int live_stdout(void *arg, size_t i, const char *p, size_t n);
int live_stderr(void *arg, size_t i, const char *p, size_t n);
/* Host i ended: its last lines without a newline; its memory freed. */
int live_host_done(struct live *lv, size_t i);

#endif
