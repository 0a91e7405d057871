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
	ENGINE_CLI_LAST,
};

#define ENGINE_CLI_LONG_OPTIONS \
	{ "known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS }, \
	{ "rate", required_argument, NULL, OPT_RATE }, \
	{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT }, \
	{ "insecure-no-hostkey-check", no_argument, NULL, OPT_NO_HOSTKEY_CHECK }, \
	{ "keepalive", required_argument, NULL, OPT_KEEPALIVE }, \
	{ "keepalive-count", required_argument, NULL, OPT_KEEPALIVE_COUNT }, \
	{ "no-agent", no_argument, NULL, OPT_NO_AGENT }

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
	int no_hostkey_check;
	int max_output_set;		/* --max-output given: no default applies */
	struct buf kh;			/* default known_hosts path */
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
 * Starts the progress line for total hosts and hooks it to eo.on_done;
 * it draws only when stderr is a terminal and json is off.
 */
void engine_cli_progress_start(struct engine_cli *ec, size_t total, int json);

/* Seconds from a monotonic clock, for progress and durations. */
double engine_cli_now(void);

#endif
