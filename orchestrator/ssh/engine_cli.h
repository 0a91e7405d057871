/*
 * engine_cli.h - the command-line options that tune the engine, shared by
 * every subcommand that connects to hosts (exec, check, run).
 *
 * A subcommand puts ENGINE_CLI_LONG_OPTIONS into its getopt_long table and
 * hands values >= ENGINE_CLI_FIRST to engine_cli_option() from its
 * cli_extra_fn; engine_cli_finish() then applies the common options
 * (--forks, --hostkeys, -v) and the defaults (~/.ssh/known_hosts, the
 * descriptor limit).
 */
#ifndef RONDA_ENGINE_CLI_H
#define RONDA_ENGINE_CLI_H

#include <getopt.h>

#include "buf.h"
#include "cli.h"
#include "engine.h"

enum {
	ENGINE_CLI_FIRST = 2000,
	OPT_KNOWN_HOSTS = ENGINE_CLI_FIRST,
	OPT_RATE,
	OPT_MAX_OUTPUT,
	OPT_NO_HOSTKEY_CHECK,
	OPT_KEEPALIVE,
	OPT_KEEPALIVE_COUNT,
	OPT_NO_AGENT,
	OPT_JUMP_CHANNELS,
	OPT_SERIAL,
	OPT_MAX_FAIL,
	ENGINE_CLI_LAST,
};

#define ENGINE_CLI_LONG_OPTIONS \
	{ "known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS }, \
	{ "rate", required_argument, NULL, OPT_RATE }, \
	{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT }, \
	{ "insecure-no-hostkey-check", no_argument, NULL, OPT_NO_HOSTKEY_CHECK }, \
	{ "keepalive", required_argument, NULL, OPT_KEEPALIVE }, \
	{ "keepalive-count", required_argument, NULL, OPT_KEEPALIVE_COUNT }, \
	{ "no-agent", no_argument, NULL, OPT_NO_AGENT }, \
	{ "jump-channels", required_argument, NULL, OPT_JUMP_CHANNELS }, \
	{ "serial", required_argument, NULL, OPT_SERIAL }, \
	{ "max-fail", required_argument, NULL, OPT_MAX_FAIL }

extern const char engine_cli_help[];

/* The live progress line on a terminal: done/total, not ok, rate, ETA. */
struct engine_progress {
	size_t done, bad, total;
	double t0;
	int on;			/* stderr is a terminal and output is not JSON */
};

struct engine_cli {
	struct engine_opts eo;
	struct engine_progress progress;
	const char *known_hosts;	/* --known-hosts, or NULL */
	int known_hosts_given;		/* from the command line: beats ssh_config */
	int no_hostkey_check;
	int max_output_set;		/* --max-output given: no default applies */
	struct buf kh;			/* default known_hosts path */
	double started;			/* engine_cli_run's start (engine_cli_now) */
	/* Called when a host is done, after the progress count (exec's live
	   output and --json); may be NULL. */
	void (*on_done)(void *arg, size_t i, const struct host_result *r);
	void *on_done_arg;
	/* --serial and --max-fail: batches, and when to stop starting them */
	struct cli_count serial, max_fail;
};

void engine_cli_init(struct engine_cli *ec);
void engine_cli_release(struct engine_cli *ec);
int engine_cli_option(struct engine_cli *ec, int val, const char *arg, struct buf *err);
/*
 * Applies the common options and defaults; call after cli_parse.  Fits
 * --forks to the descriptor limit; RONDA_ELIMIT with a message in err when
 * the limit leaves no room for even one host.
 */
int engine_cli_finish(struct engine_cli *ec, const struct cli_opts *o, struct buf *err);

/*
 * The run of every command that connects to hosts: the progress line
 * (drawn only when stderr is a terminal and quiet is 0; quiet for JSON,
 * and for exec's live lines, which are their own progress; hooked to
 * eo.on_done, which calls ec->on_done), then engine_run() of every target with ec->eo into res
 * (tl->n of them; release each with host_result_release()).  Returns
 * RONDA_OK when the run completed, RONDA_EAGAIN if it was interrupted;
 * any other value means the run itself failed: the reason is printed as
 * "who: ..." and *code is the exit status.  ec->started is when the
 * engine started, for durations.
 *
 * With --serial the hosts run in batches, in target order, one engine_run
 * each: a batch starts when the one before has ended.  Once more hosts
 * than --max-fail allows are not ok, or on Ctrl-C, no batch starts again
 * and the rest end RESULT_NOT_STARTED (or RESULT_INTERRUPTED), each
 * reported to on_done as any host is.
 */
int engine_cli_run(struct engine_cli *ec, const struct target_list *tl, int quiet,
		   struct host_result *res, const char *who, int *code);

/* Seconds from a monotonic clock, for progress and durations. */
double engine_cli_now(void);

#endif
