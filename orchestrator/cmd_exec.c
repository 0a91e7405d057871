/*
 * cmd_exec.c - `ronda exec PATTERN -- CMD [ARG...]`: one command on many
 * hosts, like pdsh or clush, with every host bounded by deadlines.
 *
 * Steps: parse the command line, resolve targets (cli_targets), quote the
 * command under the exec guard (remote.h), run the engine, print outputs
 * (folded with -b) and the summary, or JSON Lines with --json.  Output
 * goes to a terminal escaped, to anything else (or with --raw) as it came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "ssh/engine.h"
#include "ssh/engine_cli.h"
#include "err.h"
#include "log.h"
#include "ssh/remote.h"
#include "output/report.h"
#include "banned.h"

enum {
	OPT_FOLD = 'b',
	OPT_QUIET = 1000,
	OPT_RAW,
};

static const struct option exec_long[] = {
	{ "fold", no_argument, NULL, OPT_FOLD },
	{ "no-summary", no_argument, NULL, OPT_QUIET },
	{ "raw", no_argument, NULL, OPT_RAW },
	ENGINE_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char exec_help[] =
	"usage: ronda exec [OPTIONS] PATTERN -- COMMAND [ARG...]\n"
	"\n"
	"Runs COMMAND with its arguments on every host PATTERN selects (see\n"
	"ronda hosts --help for patterns) and prints each host's output whole,\n"
	"prefixed with the host name, then a summary of every host's result.\n"
	"Each argument is quoted for the remote POSIX shell on its own: nothing\n"
	"is pasted into a shell unquoted.  The command runs in a session of its\n"
	"own; if ronda times out, is interrupted or loses the link, that session\n"
	"and every descendant of it on the host are killed (see ronda(1)).\n"
	"\n"
	"Options:\n"
	"  -b, --fold               group hosts with identical output under one\n"
	"                           host range (like clush -b / dshbak -c)\n"
	"      --no-summary         outputs only, no summary\n"
	"      --out DIR            also write DIR/YYYY-MM-DDTHHMMSSZ/ with\n"
	"                           hosts/HOST.stdout, HOST.stderr, HOST.exit (the\n"
	"                           exit code, when one came) and run.json\n"
	"      --prom FILE          also write a Prometheus textfile: each host's\n"
	"                           status, exit code and duration\n"
	"      --raw                the hosts' output bytes as they came, even on\n"
	"                           a terminal (by default, when standard output\n"
	"                           is a terminal, control characters, bidi controls\n"
	"                           and invalid UTF-8 are shown escaped: \\x1b)\n"
	"\n%s\n%s"
	"\n"
	"Results: ok, failed (non-zero exit), unreachable, timeout,\n"
	"hostkey-changed, hostkey-unknown, auth, protocol, error, interrupted.\n"
	"Only transient connect failures (refused, reset, timeout, unreachable)\n"
	"are retried; a command that started is never run twice.\n"
	"\n"
	"Exit status: 0 ok everywhere; 1 the command failed on some host; 2 some\n"
	"host unreachable, timed out, refused us or errored; 3 interrupted (Ctrl-C;\n"
	"a second Ctrl-C quits at once); 64 usage; 70 internal; 78 configuration.\n"
	"\n"
	"Examples:\n"
	"  ronda exec -i inv.cfg '@web' -- uptime\n"
	"  ronda exec -b -i inv.cfg 'web[01-20],!web07' -- cat /etc/debian_version\n"
	"  ronda exec -u root -p 2222 -k ~/.ssh/id_ed25519 'host[1-3]' -- df -h /\n";

struct exec_ctx {
	struct engine_cli ec;
	const char *cmd, *cmd_become;	/* guarded, quoted command lines */
	int fold, quiet, raw;
};

static int exec_extra(void *ctx, int val, const char *arg, struct buf *err)
{
	struct exec_ctx *x = ctx;

	if (val == OPT_FOLD) {
		x->fold = 1;
		return RONDA_OK;
	}
	if (val == OPT_QUIET) {
		x->quiet = 1;
		return RONDA_OK;
	}
	if (val == OPT_RAW) {
		x->raw = 1;
		return RONDA_OK;
	}
	return engine_cli_option(&x->ec, val, arg, err);
}

/* exec is one guarded step per host. */
static int exec_plan(void *arg, size_t i, const struct target *t,
		     struct host_result *r, int step, struct engine_step *next)
{
	const struct exec_ctx *x = arg;

	(void)i;
	(void)r;
	if (step > 0)
		return 0;
	next->cmd = t->become ? x->cmd_become : x->cmd;
	next->guarded = 1;
	return 1;
}

int cmd_exec(int argc, char **argv)
{
	static char sudo[] = "sudo", sudo_n[] = "-n", sudo_end[] = "--";
	struct exec_ctx x;
	struct cli_opts o;
	struct target_list tl;
	struct host_result *res = NULL;
	struct buf err, cmd, cmd_become;
	char **become_argv = NULL, run_dir[4096];
	int rc, code = EXIT_SOFTWARE;

	memset(&x, 0, sizeof(x));
	engine_cli_init(&x.ec);
	cli_opts_init(&o);
	target_list_init(&tl);
	buf_init(&err, 4096);
	buf_init(&cmd, 1 << 20);
	buf_init(&cmd_become, 1 << 20);
	rc = cli_parse(&o, argc, argv, exec_long, "b", exec_extra, &x, &err);
	if (rc == RONDA_OK && o.help) {
		printf(exec_help, engine_cli_help, cli_common_help);
		code = EXIT_OK;
		goto out;
	}
	if (rc == RONDA_OK && (!o.n_include || !o.has_dashdash || !o.n_command || o.n_args)) {
		buf_reset(&err);
		buf_puts(&err, o.n_args ? "one PATTERN only; put the command after --"
					: "usage: ronda exec [OPTIONS] PATTERN -- COMMAND [ARG...]");
		rc = RONDA_EINVAL;
	}
	if (rc == RONDA_OK)
		rc = cli_targets(&o, &tl, &err);
	if (rc) {
		fprintf(stderr, "ronda exec: %s\n", buf_data(&err));
		code = cli_exit_code(rc);
		goto out;
	}
	if (engine_cli_finish(&x.ec, &o, &err)) {
		fprintf(stderr, "ronda exec: %s\n", buf_data(&err));
		code = EXIT_CONFIG;
		goto out;
	}
	x.ec.eo.plan = exec_plan;
	x.ec.eo.plan_arg = &x;
	/* --become: sudo -n never prompts, so a host that wants a password fails fast. */
	become_argv = calloc(o.n_command + 3, sizeof(char *));
	if (!become_argv)
		goto out;
	become_argv[0] = sudo;
	become_argv[1] = sudo_n;
	become_argv[2] = sudo_end;
	memcpy(become_argv + 3, o.command, o.n_command * sizeof(char *));
	if (remote_guarded_command(&cmd, o.command, o.n_command) ||
	    remote_guarded_command(&cmd_become, become_argv, o.n_command + 3)) {
		fprintf(stderr, "ronda exec: command too long (limit 1 MiB quoted)\n");
		code = EXIT_USAGE;
		goto out;
	}
	if (!tl.n) {
		code = EXIT_OK;
		goto out;
	}
	res = calloc(tl.n, sizeof(*res));
	if (!res)
		goto out;
	x.cmd = buf_data(&cmd);
	x.cmd_become = buf_data(&cmd_become);
	rc = engine_cli_run(&x.ec, &tl, o.json, res, "ronda exec", &code);
	if (rc && rc != RONDA_EAGAIN)
		goto out;
	if (o.json) {
		report_json(stdout, &tl, res);
	} else {
		/* a pipe or a file gets the bytes; a terminal never gets them raw */
		report_outputs(stdout, &tl, res, x.fold, x.raw || !isatty(STDOUT_FILENO));
		fflush(stdout);
		if (!x.quiet)
			report_summary(stderr, &tl, res);
	}
	if (o.prom_file && report_prom(o.prom_file, &tl, res, engine_cli_now() - x.ec.started) != RONDA_OK)
		fprintf(stderr, "ronda exec: cannot write %s\n", o.prom_file);
	if (o.out_dir) {
		if (report_out(o.out_dir, &tl, res, o.command, o.n_command, run_dir,
			       sizeof(run_dir)) == RONDA_OK)
			fprintf(stderr, "ronda exec: results in %s\n", run_dir);
		else
			fprintf(stderr, "ronda exec: cannot write results under %s\n", o.out_dir);
	}
	code = report_exit_code(res, tl.n, rc == RONDA_EAGAIN);
out:
	fflush(stdout);
	if (res)
		for (size_t i = 0; i < tl.n; i++)
			host_result_release(&res[i]);
	free(res);
	free(become_argv);
	target_list_release(&tl);
	cli_opts_release(&o);
	buf_release(&err);
	buf_release(&cmd);
	buf_release(&cmd_become);
	engine_cli_release(&x.ec);
	return code;
}
