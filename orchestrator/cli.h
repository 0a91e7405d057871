/*
 * cli.h - the command line shared by every subcommand.
 *
 * Steps for a subcommand (see cmd_hosts.c):
 *
 *   struct cli_opts o;
 *   cli_opts_init(&o);
 *   rc = cli_parse(&o, argc, argv, extra_long, extra_short, on_extra, ctx, &err);
 *        (argv[0] is the subcommand; options may come before or after the
 *        pattern; everything after a lone "--" is left in o.command)
 *   rc = cli_targets(&o, &targets, &err);   load inventory, select, resolve
 *   ... work ...
 *   cli_opts_release(&o);
 *
 * Errors are ronda error codes with a message in err; cli_exit_code() maps
 * them to the documented exit codes (64 usage, 78 configuration).
 */
#ifndef RONDA_CLI_H
#define RONDA_CLI_H

#include <getopt.h>
#include <stddef.h>

#include "inventory/settings.h"
#include "inventory/shard.h"
#include "output/color.h"
#include "output/exitcode.h"
#include "ssh/knownhosts.h"

struct buf;
struct hostlist;
struct target_list;

#define CLI_DEFAULT_FORKS 256
#define CLI_MAX_FORKS 65536


struct cli_opts {
	const char *inventory;		/* -i FILE; NULL: default search */
	const char *ssh_config;		/* -F FILE or "none"; NULL: ~/.ssh/config
					   then /etc/ssh/ssh_config */
	int want_sources;		/* targets say where each setting came from */
	struct host_settings over;	/* -u -p -k --connect-timeout --timeout
					   --retries --become: override all */
	const char **include;		/* PATTERN, then every -w and --hostfile
					   (as "^FILE"); "^FILE" is a host list,
					   "-" one read from stdin */
	size_t n_include;
	char **owned;			/* the "^FILE" strings made here */
	size_t n_owned;
	const char **exclude;		/* every -x */
	size_t n_exclude;
	int forks;			/* -f, default 256 */
	enum hostkeys_mode hostkeys;	/* --hostkeys, default strict */
	int hostkeys_given;		/* --hostkeys was on the command line */
	const char *out_dir;		/* --out DIR */
	const char *prom_file;		/* --prom FILE */
	const char *rerun_failed;	/* --rerun-failed RUNDIR */
	struct shard shard;		/* --shard K/N; n == 0: none */
	int json;			/* --json */
	enum color_mode color;		/* --color, default auto (color.h) */
	int verbose;			/* -v, repeatable */
	int help;			/* --help/-h was given */
	const char **args;		/* operands after the pattern, before "--" */
	size_t n_args;
	char **command;			/* everything after "--" */
	size_t n_command;
	int has_dashdash;
};

void cli_opts_init(struct cli_opts *o);
void cli_opts_release(struct cli_opts *o);

/*
 * Extra options of one subcommand: getopt_long entries (their `val`s must
 * be >= 1000 or a short letter listed in extra_short) and a handler that
 * returns RONDA_OK or RONDA_EINVAL with a message.
 */
typedef int (*cli_extra_fn)(void *ctx, int val, const char *arg, struct buf *err);

/*
 * Parses argv (argv[0] is the subcommand's name).  The first operand, if
 * any, is taken as the pattern and added to o->include before every -w;
 * the rest stay in o->args.  RONDA_EINVAL with a message for bad usage.
 */
int cli_parse(struct cli_opts *o, int argc, char **argv,
	      const struct option *extra, const char *extra_short,
	      cli_extra_fn on_extra, void *ctx, struct buf *err);

/*
 * Reads the host lists o names (each file, and stdin at most once and
 * never from a terminal), loads the inventory, selects o's pattern,
 * resolves with o's overrides, and appends the targets to out.  A list
 * that cannot be read is RONDA_ECONFIG with the file and strerror in err.
 */
int cli_targets(const struct cli_opts *o, struct target_list *out, struct buf *err);
/*
 * The same, and the names of every host the pattern selected before
 * --shard kept its own (what `ronda merge` checks coverage against) are
 * appended to selected (NULL: not wanted).
 */
int cli_targets_all(const struct cli_opts *o, struct target_list *out,
		    struct hostlist *selected, struct buf *err);
/* The selection as typed: PATTERN, each -w and --hostfile, then ",!X" per
 * -x; a new string, NULL on no memory. */
char *cli_pattern_text(const struct cli_opts *o);

/* Is stdin a host list ('-' as a pattern, -w, -x or --hostfile)? */
int cli_reads_stdin(const struct cli_opts *o);

/*
 * A count of hosts as N or N% (--serial, --max-fail): N from 0 to
 * CLI_MAX_COUNT, a percentage from 0 to 100.  RONDA_EINVAL if it is neither.
 */
#define CLI_MAX_COUNT 1000000
struct cli_count {
	unsigned value;
	int percent;		/* value is a percentage of the hosts */
	int set;		/* given on the command line */
};
int cli_count_parse(const char *arg, struct cli_count *out);
/* The count for total hosts: a percentage rounds down. */
size_t cli_count_of(const struct cli_count *c, size_t total);

/* Exit code for an error code from cli_parse/cli_targets. */
int cli_exit_code(int err);

/* The common options, for each subcommand's --help. */
extern const char cli_common_help[];

#endif
