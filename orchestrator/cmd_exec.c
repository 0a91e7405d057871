/*
 * cmd_exec.c - `ronda exec PATTERN -- CMD [ARG...]`: one command on many
 * hosts, like pdsh or clush, with every host bounded by deadlines.
 *
 * Steps: parse the command line, resolve targets (cli_targets), quote the
 * command under the exec guard (remote.h), run the engine, print outputs
 * (folded with -b) and the summary, or JSON Lines with --json.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "engine.h"
#include "err.h"
#include "log.h"
#include "remote.h"
#include "report.h"
#include "banned.h"

enum {
	OPT_FOLD = 'b',
	OPT_KNOWN_HOSTS = 1000,
	OPT_RATE,
	OPT_MAX_OUTPUT,
	OPT_NO_HOSTKEY_CHECK,
	OPT_KEEPALIVE,
	OPT_KEEPALIVE_COUNT,
	OPT_QUIET,
};

static const struct option exec_long[] = {
	{ "fold", no_argument, NULL, OPT_FOLD },
	{ "known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT },
	{ "insecure-no-hostkey-check", no_argument, NULL, OPT_NO_HOSTKEY_CHECK },
	{ "keepalive", required_argument, NULL, OPT_KEEPALIVE },
	{ "keepalive-count", required_argument, NULL, OPT_KEEPALIVE_COUNT },
	{ "no-summary", no_argument, NULL, OPT_QUIET },
	{ NULL, 0, NULL, 0 },
};

static const char exec_help[] =
	"usage: ronda exec [OPTIONS] PATTERN -- COMMAND [ARG...]\n"
	"\n"
	"Runs COMMAND with its arguments on every host PATTERN selects (see\n"
	"ronda hosts --help for patterns) and prints each host's output whole,\n"
	"prefixed with the host name, then a summary of every host's result.\n"
	"Each argument is quoted for the remote POSIX shell on its own: nothing\n"
	"is pasted into a shell unquoted.  On the host the command runs in its\n"
	"own session; if ronda times out, is interrupted or loses the link, the\n"
	"command's whole process group is killed.\n"
	"\n"
	"Options:\n"
	"  -b, --fold               group hosts with identical output under one\n"
	"                           host range (like clush -b / dshbak -c)\n"
	"      --known-hosts FILE   known_hosts file (default ~/.ssh/known_hosts)\n"
	"      --insecure-no-hostkey-check\n"
	"                           do not check host keys at all (dangerous)\n"
	"      --rate N             new connections per second (default 500; 0: no\n"
	"                           limit)\n"
	"      --max-output BYTES   per host and stream; more is dropped and the\n"
	"                           result says so (default 1048576)\n"
	"      --keepalive S        keepalive interval while a command runs\n"
	"                           (default 15; 0: off)\n"
	"      --keepalive-count N  unanswered intervals before the host counts as\n"
	"                           gone (default 3)\n"
	"      --no-summary         outputs only, no summary\n"
	"%s"
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
	struct engine_opts eo;
	const char *cmd, *cmd_become;	/* guarded, quoted command lines */
	int fold, quiet, progress;
	const char *known_hosts;
	size_t done, failed, total;
	double t0;
};

static int parse_double(const char *arg, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= lo && v <= hi))
		return RONDA_EINVAL;
	*out = v;
	return RONDA_OK;
}

static int exec_extra(void *ctx, int val, const char *arg, struct buf *err)
{
	struct exec_ctx *x = ctx;
	double v;

	switch (val) {
	case OPT_FOLD:
		x->fold = 1;
		return RONDA_OK;
	case OPT_QUIET:
		x->quiet = 1;
		return RONDA_OK;
	case OPT_KNOWN_HOSTS:
		x->known_hosts = arg;
		return RONDA_OK;
	case OPT_NO_HOSTKEY_CHECK:
		x->eo.hostkeys = HOSTKEYS_OFF;
		return RONDA_OK;
	case OPT_RATE:
		if (parse_double(arg, 0, 1e6, &v))
			break;
		x->eo.rate = v;
		return RONDA_OK;
	case OPT_MAX_OUTPUT:
		if (parse_double(arg, 0, 1 << 30, &v))
			break;
		x->eo.max_output = (size_t)v;
		return RONDA_OK;
	case OPT_KEEPALIVE:
		if (parse_double(arg, 0, 3600, &v))
			break;
		x->eo.keepalive_interval = v;
		return RONDA_OK;
	case OPT_KEEPALIVE_COUNT:
		if (parse_double(arg, 1, 100, &v))
			break;
		x->eo.keepalive_count = (int)v;
		return RONDA_OK;
	}
	buf_printf(err, "bad value '%.64s' for an option", arg ? arg : "");
	return RONDA_EINVAL;
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A live line on a terminal: done/total, failures, rate, ETA. */
static void progress(void *arg, size_t i, const struct host_result *r)
{
	struct exec_ctx *x = arg;
	double el = now() - x->t0, rate;

	(void)i;
	x->done++;
	x->failed += r->status != RESULT_OK;
	if (!x->progress)
		return;
	rate = el > 0 ? x->done / el : 0;
	fprintf(stderr, "\r\033[K[%zu/%zu] %zu not ok, %.0f hosts/s, ETA %.0fs",
		x->done, x->total, x->failed, rate,
		rate > 0 ? (x->total - x->done) / rate : 0.0);
	if (x->done == x->total)
		fputs("\r\033[K", stderr);
}

/* Descriptors: one per session plus room for the resolver and stdio. */
static int raise_nofile(int forks)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)forks + 64 > rl.rlim_cur) {
			int cap = rl.rlim_cur > 128 ? (int)(rl.rlim_cur - 64) : 16;

			log_warn("--forks %d needs more descriptors than the limit of %llu; using %d",
				 forks, (unsigned long long)rl.rlim_cur, cap);
			return cap;
		}
	}
	return forks;
}

int cmd_exec(int argc, char **argv)
{
	static char sudo[] = "sudo", sudo_n[] = "-n", sudo_end[] = "--";
	struct exec_ctx x;
	struct cli_opts o;
	struct target_list tl;
	struct host_result *res = NULL;
	struct buf err, cmd, cmd_become, kh;
	char **become_argv = NULL;
	int rc, code = EXIT_SOFTWARE;

	memset(&x, 0, sizeof(x));
	engine_opts_init(&x.eo);
	cli_opts_init(&o);
	target_list_init(&tl);
	buf_init(&err, 4096);
	buf_init(&cmd, 1 << 20);
	buf_init(&cmd_become, 1 << 20);
	buf_init(&kh, 4096);
	rc = cli_parse(&o, argc, argv, exec_long, "b", exec_extra, &x, &err);
	if (rc == RONDA_OK && o.help) {
		printf(exec_help, cli_common_help);
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
	log_set_level(RLOG_WARN + o.verbose);
	if (x.eo.hostkeys != HOSTKEYS_OFF)
		x.eo.hostkeys = o.hostkeys;
	else
		log_warn("host keys are NOT checked (--insecure-no-hostkey-check)");
	if (!x.known_hosts) {
		const char *home = getenv("HOME");

		if (buf_printf(&kh, "%s/.ssh/known_hosts", home ? home : "") == RONDA_OK)
			x.known_hosts = buf_data(&kh);
	}
	x.eo.known_hosts = x.known_hosts;
	x.eo.forks = raise_nofile(o.forks);
	x.eo.on_done = progress;
	x.eo.arg = &x;
	x.eo.plan = exec_plan;
	x.eo.plan_arg = &x;
	x.total = tl.n;
	x.progress = isatty(2) && !o.json;
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
	if (libssh2_init(0)) {
		fprintf(stderr, "ronda exec: libssh2_init failed\n");
		goto out;
	}
	x.t0 = now();
	x.cmd = buf_data(&cmd);
	x.cmd_become = buf_data(&cmd_become);
	rc = engine_run(&x.eo, &tl, res);
	libssh2_exit();
	if (rc && rc != RONDA_EAGAIN) {
		fprintf(stderr, "ronda exec: %s\n", ronda_strerror(rc));
		code = rc == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_CONFIG;
		goto out;
	}
	if (o.json) {
		report_json(stdout, &tl, res);
	} else {
		report_outputs(stdout, &tl, res, x.fold);
		fflush(stdout);
		if (!x.quiet)
			report_summary(stderr, &tl, res);
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
	buf_release(&kh);
	return code;
}
