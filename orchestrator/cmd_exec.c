/*
 * cmd_exec.c - `ronda exec PATTERN -- CMD [ARG...]`: one command on many
 * hosts, like pdsh or clush, with every host bounded by deadlines.
 *
 * Steps: parse the command line, resolve targets (cli_targets), read the
 * input (local stdin or --script's file, once, bounded), quote the command
 * under the exec guard (remote.h), run the engine and print: each line as
 * it arrives (live.h), or folded at the end with -b, or each host's JSON
 * object as it is done with --json; then the summary.  Output goes to a
 * terminal escaped, to anything else (or with --raw) as it came.
 */
#include <errno.h>
#include <stdint.h>
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
#include "inventory/hostlist.h"
#include "log.h"
#include "proto.h"
#include "ssh/remote.h"
#include "ssh/become.h"
#include "output/live.h"
#include "output/report.h"
#include "warm/client.h"
#include "banned.h"

enum {
	OPT_FOLD = 'b',
	OPT_SHELL = 'c',
	OPT_NO_STDIN = 'n',
	OPT_ASK_BECOME = 'K',
	OPT_QUIET = 1000,
	OPT_RAW,
	OPT_STDIN_MAX,
	OPT_SCRIPT,
	OPT_BECOME_USER,
	OPT_WARM,
	OPT_SOCKET,
};

#define STDIN_MAX_DEFAULT ((size_t)16 << 20)
#define STDIN_MAX_LIMIT ((uint64_t)1 << 30)

static const struct option exec_long[] = {
	{ "fold", no_argument, NULL, OPT_FOLD },
	{ "no-summary", no_argument, NULL, OPT_QUIET },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "no-stdin", no_argument, NULL, OPT_NO_STDIN },
	{ "stdin-max", required_argument, NULL, OPT_STDIN_MAX },
	{ "script", required_argument, NULL, OPT_SCRIPT },
	{ "ask-become-pass", no_argument, NULL, OPT_ASK_BECOME },
	{ "become-user", required_argument, NULL, OPT_BECOME_USER },
	{ "warm", optional_argument, NULL, OPT_WARM },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	ENGINE_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char exec_help[] =
	"usage: ronda exec [OPTIONS] PATTERN -- COMMAND [ARG...]\n"
	"       ronda exec [OPTIONS] PATTERN -c 'SHELL TEXT' [-- ARG...]\n"
	"       ronda exec [OPTIONS] PATTERN --script FILE [-- ARG...]\n"
	"\n"
	"Runs COMMAND with its arguments on every host PATTERN selects (see\n"
	"ronda hosts --help for patterns) and prints each line of output as it\n"
	"arrives, prefixed with the host name (stdout's lines on stdout, stderr's\n"
	"on stderr), then a summary of every host's result.  A line longer than\n"
	"64 KiB is printed in 64 KiB pieces; a last line without a newline is\n"
	"printed when its host ends.  Each argument is quoted for the remote POSIX\n"
	"shell on its own: nothing is pasted into a shell unquoted; -c runs shell\n"
	"text, explicitly, through sh -c.  The command runs in a session of its\n"
	"own; if ronda times out, is interrupted or loses the link, that session\n"
	"and every descendant of it on the host are killed (see ronda(1)).\n"
	"\n"
	"Input: when stdin is not a terminal it is read once, whole, before\n"
	"anything runs, and every host's command gets those bytes on its stdin,\n"
	"then end of file.  A terminal, /dev/null or -n sends nothing: the command\n"
	"reads end of file at once.  When stdin is the host list ('-'), it is not\n"
	"sent.  --script sends FILE instead and runs it with the interpreter of\n"
	"its #! line (default sh); nothing is written on the host.\n"
	"\n"
	"Options:\n"
	"  -b, --fold               group hosts with identical output under one\n"
	"                           host range at the end (like clush -b / dshbak\n"
	"                           -c); a terminal shows progress meanwhile\n"
	"  -c TEXT                  run the shell text TEXT with sh -c on every\n"
	"                           host; ARGs after -- are its $1...\n"
	"      --script FILE        run the local script FILE on every host, sent\n"
	"                           over the channel; ARGs after -- are its $1...\n"
	"                           (#!/usr/bin/env PROG or #!/path/to/PROG [ARG]:\n"
	"                           a shell gets it with -c 'eval \"$(cat)\"', any\n"
	"                           other PROG as  PROG [ARG] - ARGS)\n"
	"  -K, --ask-become-pass    ask the sudo password once, on the terminal,\n"
	"                           and run through sudo -S on every host (implies\n"
	"                           --become); a wrong password is 'become' at once\n"
	"      --become-user USER   run as USER through sudo -u (implies --become)\n"
	"  -n, --no-stdin           send nothing on stdin (like ssh -n)\n"
	"      --warm[=required]    run it on a new channel of each session the warm\n"
	"                           daemon (ronda serve) holds, under the same guard:\n"
	"                           no key exchange, the same output and exit status;\n"
	"                           without a daemon (or with sudo, --serial) run\n"
	"                           cold with a note, or with =required fail (69)\n"
	"      --socket PATH        the warm daemon's socket (default\n"
	"                           $XDG_RUNTIME_DIR/ronda/serve.sock)\n"
	"      --stdin-max SIZE     refuse a stdin or script past SIZE bytes (k, M\n"
	"                           or G; default 16M, at most 1G): exit 64\n"
	"      --no-summary         outputs only, no summary\n"
	"      --json               one JSON object per host, each written as soon\n"
	"                           as its host is done (in completion order)\n"
	"      --out DIR            also write DIR/YYYY-MM-DDTHHMMSSZ/ with\n"
	"                           hosts/HOST.stdout, HOST.stderr, HOST.exit (the\n"
	"                           exit code, when one came), HOST.json,\n"
	"                           summary.txt and run.json\n"
	"      --prom FILE          also write a Prometheus textfile: each host's\n"
	"                           status, exit code and duration\n"
	"      --raw                the hosts' output bytes as they came, even on\n"
	"                           a terminal (by default, when standard output\n"
	"                           or error is a terminal, control characters,\n"
	"                           bidi controls and invalid UTF-8 are shown\n"
	"                           escaped there: \\x1b)\n"
	"\n%s\n%s"
	"\n"
	"Results: ok, failed (non-zero exit), unreachable, timeout,\n"
	"hostkey-changed, hostkey-unknown, auth, protocol, error, interrupted,\n"
	"not-started (--max-fail), become (sudo refused: a wrong password, or not\n"
	"allowed).\n"
	"Only transient connect failures (refused, reset, timeout, unreachable)\n"
	"are retried; a command that started is never run twice.\n"
	"\n"
	"Exit status: 0 ok everywhere; 1 the command failed on some host (or\n"
	"--max-fail left hosts not started); 2 some\n"
	"host unreachable, timed out, refused us or errored; 3 interrupted (Ctrl-C;\n"
	"a second Ctrl-C quits at once); 64 usage (stdin past --stdin-max too);\n"
	"70 internal; 78 configuration.\n"
	"\n"
	"Examples:\n"
	"  ronda exec -i inv.cfg '@web' -- uptime\n"
	"  ronda exec -b -i inv.cfg 'web[01-20],!web07' -- cat /etc/debian_version\n"
	"  ronda exec -u root -p 2222 -k ~/.ssh/id_ed25519 'host[1-3]' -- df -h /\n"
	"  ronda exec @web -c 'df -h / | tail -1'\n"
	"  ronda exec @web -- tee /etc/motd < motd.txt\n"
	"  ronda exec @db --script check-replication.py -- --verbose\n"
	"  ronda exec -K @web -- apt-get -y upgrade\n";

struct exec_ctx {
	struct engine_cli ec;
	const char *cmd, *cmd_become;	/* guarded, quoted command lines */
	const char *cmd_pass, *cmd_nopass;	/* -K: through sudo -S, or -n */
	struct become *bp;		/* -K: the password, or NULL */
	int ask_become;
	const char *become_user;	/* --become-user, or NULL */
	const struct buf *in;		/* header and bytes for stdin, or NULL */
	struct live *live;		/* live output, or NULL */
	int keep;			/* live and --out: keep outputs too */
	int fold, quiet, raw, no_stdin;
	size_t stdin_max;
	const char *script, *shell;	/* --script FILE, -c TEXT */
	int json;			/* --json: objects as hosts are done */
	const struct target_list *tl;
	int warm;			/* --warm: 1, --warm=required: 2 */
	const char *socket;		/* --socket: the warm daemon's */
	struct host_result *res;	/* --warm: the results, as hosts answer */
};

static int exec_extra(void *ctx, int val, const char *arg, struct buf *err)
{
	struct exec_ctx *x = ctx;
	uint64_t size;

	switch (val) {
	case OPT_FOLD: x->fold = 1; return RONDA_OK;
	case OPT_QUIET: x->quiet = 1; return RONDA_OK;
	case OPT_RAW: x->raw = 1; return RONDA_OK;
	case OPT_NO_STDIN: x->no_stdin = 1; return RONDA_OK;
	case OPT_SCRIPT: x->script = arg; return RONDA_OK;
	case OPT_SHELL: x->shell = arg; return RONDA_OK;
	case OPT_ASK_BECOME: x->ask_become = 1; return RONDA_OK;
	case OPT_BECOME_USER: x->become_user = arg; return RONDA_OK;
	case OPT_WARM: return warm_opt(&x->warm, arg, err);
	case OPT_SOCKET: x->socket = arg; return RONDA_OK;
	case OPT_STDIN_MAX:
		if (proto_size_parse(arg, &size) || size > STDIN_MAX_LIMIT) {
			buf_printf(err, "--stdin-max: '%.32s' is not a size up to 1G", arg);
			return RONDA_EINVAL;
		}
		x->stdin_max = (size_t)size;
		return RONDA_OK;
	}
	return engine_cli_option(&x->ec, val, arg, err);
}

/* -K: the password line, then the framed input (become.h). */
static int exec_become_stdin(void *arg, size_t i, size_t off, const char **data, size_t *n)
{
	const struct exec_ctx *x = arg;

	(void)i;
	become_stdin(x->bp, x->in ? buf_data(x->in) : NULL, x->in ? buf_len(x->in) : 0, off,
		     data, n);
	return RONDA_OK;
}

/* The password only, then EOF. */
static int exec_probe_stdin(void *arg, size_t i, size_t off, const char **data, size_t *n)
{
	const struct exec_ctx *x = arg;

	(void)i;
	become_stdin(x->bp, NULL, 0, off, data, n);
	return RONDA_OK;
}

/*
 * exec is one guarded step per host; with -K a host that becomes runs the
 * probe first (become.h).
 */
static int exec_plan(void *arg, size_t i, const struct target *t,
		     struct host_result *r, int step, struct engine_step *next)
{
	const struct exec_ctx *x = arg;
	int become = t->become || x->ask_become || x->become_user, mode = -1;

	(void)i;
	if (x->bp && become && step == 0) {
		next->cmd = buf_data(&x->bp->probe);
		next->on_stdin = exec_probe_stdin;
		next->on_stdin_arg = (void *)(uintptr_t)x;
		next->eof_after_in = 1;
		return 1;
	}
	if (x->bp && become && step == 1 && (mode = become_probe_result(x->bp, r)) < 0)
		return 0;
	if (step > (x->bp && become))
		return 0;
	next->cmd = mode == BECOME_PASS ? x->cmd_pass : mode == BECOME_NOPASS ? x->cmd_nopass :
		    become ? x->cmd_become : x->cmd;
	next->guarded = 1;
	if (mode == BECOME_PASS) {	/* the guard wants stdin open: closing it kills */
		next->on_stdin = exec_become_stdin;
		next->on_stdin_arg = (void *)(uintptr_t)x;
	} else if (x->in) {
		next->in = buf_data(x->in);
		next->inlen = buf_len(x->in);
	}
	if (x->live) {
		next->on_stdout = live_stdout;
		next->on_stderr = live_stderr;
		next->on_stdout_arg = next->on_stderr_arg = x->live;
		next->keep_output = x->keep;
	}
	return 1;
}

/* A host is done: its last live lines, or its JSON object. */
static void exec_done(void *arg, size_t i, const struct host_result *r)
{
	struct exec_ctx *x = arg;

	if (x->live)
		live_host_done(x->live, i);
	else if (x->json) {
		report_json_host(stdout, &x->tl->v[i], r);
		fflush(stdout);
	}
}

/* --warm: a host answered; its output as a cold run streams it, then its end. */
static void exec_warm_done(void *arg, size_t i)
{
	struct exec_ctx *x = arg;
	const struct host_result *r = &x->res[i];

	if (x->live) {
		live_stdout(x->live, i, buf_data(&r->out), buf_len(&r->out));
		live_stderr(x->live, i, buf_data(&r->err), buf_len(&r->err));
	}
	exec_done(x, i, r);
}

/*
 * --warm: the daemon runs it (1), or it runs cold after a note (0), or
 * it fails with *code (-1): warm_settle.  Through sudo it cannot be warm.
 */
static int exec_try_warm(struct exec_ctx *x, const struct target_list *tl, char **cargv,
			 size_t cargc, struct warm_answers *keep, int *code)
{
	struct buf path, err;
	const char *no = NULL, *in = NULL, *nl;
	size_t inlen = 0;
	int rc = RONDA_EINVAL, ret;

	/* the bytes, without the guard's header: the daemon puts its own */
	if (x->in && (nl = memchr(buf_data(x->in), '\n', buf_len(x->in)))) {
		in = nl + 1;
		inlen = buf_len(x->in) - (size_t)(in - buf_data(x->in));
	}
	buf_init(&path, 4096);
	buf_init(&err, 4096);
	no = x->ask_become || x->become_user ? "the warm daemon's sessions do not run through sudo"
					     : warm_not_for(&x->ec, tl);
	if (!no && (rc = warm_socket(x->socket, &path, &err)) == RONDA_OK)
		rc = warm_exec(buf_data(&path), tl, cargv, cargc, in, inlen, warm_timeout(tl),
			       x->ec.eo.max_output, x->warm == 2, x->res, exec_warm_done, x, keep,
			       &err);
	ret = warm_settle("ronda exec", x->warm, rc, no, buf_data(&path), buf_data(&err), code);
	buf_release(&path);
	buf_release(&err);
	return ret;
}

/*
 * The bytes for every host's stdin into data: the script's text, or
 * stdin's unless it is a terminal, the host list or -n; none may be none.
 * An exit status with a message in err when it fails (64: too big).
 */
static int read_input(const struct exec_ctx *x, const struct cli_opts *o, struct buf *data,
		      struct buf *err)
{
	const char *what = x->script ? x->script : "stdin";
	int rc = RONDA_OK;

	buf_init(data, x->stdin_max + 1);	/* a full buffer is ELIMIT, even at EOF */
	if (x->script)
		rc = buf_read_file(data, x->script);
	else if (!x->no_stdin && !cli_reads_stdin(o) && !isatty(STDIN_FILENO) &&
		 (rc = buf_read_fd(data, STDIN_FILENO)) == RONDA_ESYS && errno == EBADF)
		rc = RONDA_OK;	/* no stdin at all */
	if (rc == RONDA_ELIMIT) {
		buf_printf(err, "%s passes --stdin-max (%zu bytes): send less, raise "
			   "--stdin-max%s", what, x->stdin_max,
			   x->script ? "" : ", or send nothing with -n");
		return EXIT_USAGE;
	}
	if (rc) {
		buf_printf(err, "%s: %s", what, rc == RONDA_ESYS ? strerror(errno) : ronda_strerror(rc));
		return x->script ? EXIT_CONFIG : EXIT_SOFTWARE;
	}
	return EXIT_OK;
}

/* The input framed for the guard (remote.h); data is used up. */
static int frame_input(struct buf *data, struct buf *in)
{
	int r;

	buf_release(in);
	buf_init(in, buf_len(data) + 32);
	r = remote_input_header(in, buf_len(data));
	if (r == RONDA_OK)
		r = buf_append(in, buf_data(data), buf_len(data));
	buf_release(data);
	return r;
}

/*
 * The command's argument vector: COMMAND, sh -c TEXT, or the script's
 * interpreter; *owned is set when it was made here (remote_argv_free).
 */
static int command_argv(const struct exec_ctx *x, const struct cli_opts *o, const struct buf *in,
			char ***argv, size_t *argc, int *owned, struct buf *err)
{
	static char sh[] = "sh", dash_c[] = "-c";
	char why[160];
	char **v;

	*owned = 0;
	if (x->script) {
		if (remote_script_argv(buf_data(in), buf_len(in), x->script, o->command,
				       o->n_command, argv, argc, why, sizeof(why))) {
			buf_printf(err, "%s: %s", x->script, why);
			return RONDA_EINVAL;
		}
		*owned = 1;
		return RONDA_OK;
	}
	if (!x->shell) {
		*argv = o->command;
		*argc = o->n_command;
		return RONDA_OK;
	}
	/* sh -c TEXT sh ARG...: $0 is sh, as the shell's own -c would make it */
	if (!(v = calloc(o->n_command + 4, sizeof(*v))))
		return RONDA_ENOMEM;
	v[0] = sh;
	v[1] = dash_c;
	v[2] = (char *)(uintptr_t)x->shell;
	v[3] = sh;
	memcpy(v + 4, o->command, o->n_command * sizeof(*v));
	*argv = v;
	*argc = o->n_command + 4;
	return RONDA_OK;
}

/*
 * The plan's command lines, plain and through sudo -n [-u USER], both
 * guarded; with bp (-K) also the guarded line under sudo -S and -n.
 */
static int quote_commands(char **argv, size_t argc, int input, const char *user,
			  const struct become *bp, struct buf *cmd, struct buf *cmd_become,
			  struct buf *cmd_pass, struct buf *cmd_nopass)
{
	static char sudo[] = "sudo", sudo_n[] = "-n", sudo_u[] = "-u", sudo_end[] = "--";
	int (*guard)(struct buf *, char *const[], size_t) =
		input ? remote_guarded_input_command : remote_guarded_command;
	char **b = calloc(argc + 5, sizeof(char *));
	size_t k = 0;
	int r;

	/* --become: sudo -n never prompts, so a host that wants a password fails fast. */
	if (!b)
		return RONDA_ENOMEM;
	b[k++] = sudo;
	b[k++] = sudo_n;
	if (user) {
		b[k++] = sudo_u;
		b[k++] = (char *)(uintptr_t)user;
	}
	b[k++] = sudo_end;
	memcpy(b + k, argv, argc * sizeof(char *));
	r = guard(cmd, argv, argc);
	if (r == RONDA_OK)
		r = guard(cmd_become, b, argc + k);
	if (r == RONDA_OK && bp)
		r = become_command(bp, BECOME_PASS, buf_data(cmd), cmd_pass);
	if (r == RONDA_OK && bp)
		r = become_command(bp, BECOME_NOPASS, buf_data(cmd), cmd_nopass);
	free(b);
	return r;
}

/* Which usage the operands make; a message in err when they make none. */
static int check_usage(const struct exec_ctx *x, const struct cli_opts *o, struct buf *err)
{
	if (x->script && x->shell)
		buf_puts(err, "--script and -c cannot go together");
	else if (o->n_args)
		buf_puts(err, "one PATTERN only; put the command after --");
	else if (!o->n_include)
		buf_puts(err, "usage: ronda exec [OPTIONS] PATTERN -- COMMAND [ARG...]");
	else if (!x->script && !x->shell && (!o->has_dashdash || !o->n_command))
		buf_puts(err, "usage: ronda exec [OPTIONS] PATTERN -- COMMAND [ARG...] "
			 "(or -c TEXT, or --script FILE)");
	else
		return RONDA_OK;
	return RONDA_EINVAL;
}

/* --out: the run directory, with what `ronda merge` needs to know. */
static void exec_out(const struct exec_ctx *x, const struct cli_opts *o,
		     const struct target_list *tl, const struct host_result *res,
		     char *const cargv[], size_t cargc, const struct hostlist *selected)
{
	struct run_info ri = {
		.kind = "exec", .shard = o->shard, .selected = selected,
		.duration_s = x->ec.started > 0 ? engine_cli_now() - x->ec.started : 0,
	};
	char run_dir[4096], *pat = cli_pattern_text(o);
	int r = RONDA_ENOMEM;

	ri.pattern = pat;
	if (pat)
		r = report_out(o->out_dir, tl, res, cargv, cargc, &ri, run_dir, sizeof(run_dir));
	free(pat);
	if (r == RONDA_OK)
		fprintf(stderr, "ronda exec: results in %s\n", run_dir);
	else
		fprintf(stderr, "ronda exec: cannot write results under %s\n", o->out_dir);
}

int cmd_exec(int argc, char **argv)
{
	struct exec_ctx x;
	struct cli_opts o;
	struct target_list tl;
	struct host_result *res = NULL;
	struct buf err, cmd, cmd_become, cmd_pass, cmd_nopass, in, data;
	struct become become;
	struct live live;
	char **cargv = NULL;
	struct hostlist selected;
	struct warm_answers keep = { NULL, 0 };
	size_t cargc = 0;
	int rc, code = EXIT_SOFTWARE, owned = 0, live_on = 0, warm = 0;

	memset(&x, 0, sizeof(x));
	x.stdin_max = STDIN_MAX_DEFAULT;
	engine_cli_init(&x.ec);
	cli_opts_init(&o);
	target_list_init(&tl);
	hostlist_init(&selected);
	buf_init(&err, 4096);
	buf_init(&cmd, 1 << 20);
	buf_init(&cmd_become, 1 << 20);
	buf_init(&cmd_pass, 1 << 20);
	buf_init(&cmd_nopass, 1 << 20);
	buf_init(&in, 0);
	buf_init(&data, 0);
	rc = cli_parse(&o, argc, argv, exec_long, "bc:nK", exec_extra, &x, &err);
	become_init(&become, x.become_user);
	if (rc == RONDA_OK && o.help) {
		printf(exec_help, engine_cli_help, cli_common_help);
		code = EXIT_OK;
		goto out;
	}
	if (rc == RONDA_OK) {
		buf_reset(&err);
		rc = check_usage(&x, &o, &err);
	}
	if (rc == RONDA_OK)
		rc = cli_targets_all(&o, &tl, &selected, &err);
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
	/* the input, before anything runs: a refusal costs no host anything */
	if ((code = read_input(&x, &o, &data, &err)) != EXIT_OK) {
		fprintf(stderr, "ronda exec: %s\n", buf_data(&err));
		goto out;
	}
	code = EXIT_SOFTWARE;
	if ((rc = command_argv(&x, &o, &data, &cargv, &cargc, &owned, &err))) {
		fprintf(stderr, "ronda exec: %s\n", rc == RONDA_ENOMEM ? "out of memory" : buf_data(&err));
		code = rc == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_CONFIG;
		goto out;
	}
	if (buf_len(&data) && frame_input(&data, &in))
		goto out;
	/* asked once, before any host is touched */
	if (x.ask_become && tl.n && become_ask(&become, &err)) {
		fprintf(stderr, "ronda exec: %s\n", buf_data(&err));
		code = EXIT_USAGE;
		goto out;
	}
	x.bp = become.pass.p ? &become : NULL;
	if ((rc = quote_commands(cargv, cargc, buf_len(&in) > 0, x.become_user, x.bp, &cmd,
				 &cmd_become, &cmd_pass, &cmd_nopass))) {
		fprintf(stderr, "ronda exec: command too long (limit 1 MiB quoted)\n");
		code = EXIT_USAGE;
		goto out;
	}
	if (!tl.n) {
		/* an empty shard is still a shard: merge must see that it ran */
		if (o.out_dir && o.shard.n)
			exec_out(&x, &o, &tl, NULL, cargv, cargc, &selected);
		code = EXIT_OK;
		goto out;
	}
	res = calloc(tl.n, sizeof(*res));
	if (!res)
		goto out;
	x.cmd = buf_data(&cmd);
	x.cmd_become = buf_data(&cmd_become);
	x.cmd_pass = buf_data(&cmd_pass);
	x.cmd_nopass = buf_data(&cmd_nopass);
	x.in = buf_len(&in) ? &in : NULL;
	x.tl = &tl;
	x.json = o.json;
	if (!o.json && !x.fold) {
		/* a pipe or a file gets the bytes; a terminal never gets them raw */
		if (live_init(&live, &tl, stdout, stderr, x.raw || !isatty(STDOUT_FILENO),
			      x.raw || !isatty(STDERR_FILENO)))
			goto out;
		live_on = 1;
		x.live = &live;
		x.keep = o.out_dir != NULL;
	}
	x.ec.eo.plan = exec_plan;
	x.ec.eo.plan_arg = &x;
	x.ec.on_done = exec_done;
	x.ec.on_done_arg = &x;
	x.res = res;
	if (x.warm) {
		x.ec.started = engine_cli_now();
		warm = exec_try_warm(&x, &tl, cargv, cargc, &keep, &code);
		if (warm < 0)
			goto out;
	}
	/* live lines are their own progress, and a progress line would cut them */
	rc = warm ? RONDA_OK : engine_cli_run(&x.ec, &tl, o.json || live_on, res, "ronda exec", &code);
	if (rc && rc != RONDA_EAGAIN)
		goto out;
	if (!o.json) {
		if (x.fold)
			report_outputs(stdout, &tl, res, 1, x.raw || !isatty(STDOUT_FILENO));
		fflush(stdout);
		if (!x.quiet)
			report_summary(stderr, &tl, res, color_use(o.color, STDERR_FILENO));
	}
	if (o.prom_file && report_prom(o.prom_file, &tl, res, engine_cli_now() - x.ec.started) != RONDA_OK)
		fprintf(stderr, "ronda exec: cannot write %s\n", o.prom_file);
	if (o.out_dir)
		exec_out(&x, &o, &tl, res, cargv, cargc, &selected);
	code = report_exit_code(res, tl.n, rc == RONDA_EAGAIN);
out:
	fflush(stdout);
	if (res)
		for (size_t i = 0; i < tl.n; i++)
			host_result_release(&res[i]);
	free(res);
	if (live_on)
		live_release(&live);
	warm_answers_release(&keep);
	if (owned)
		remote_argv_free(cargv, cargc);
	else if (cargv != o.command)
		free(cargv);
	target_list_release(&tl);
	hostlist_release(&selected);
	cli_opts_release(&o);
	buf_release(&err);
	buf_release(&cmd);
	buf_release(&cmd_become);
	buf_release(&cmd_pass);
	buf_release(&cmd_nopass);
	become_release(&become);
	buf_release(&in);
	buf_release(&data);
	engine_cli_release(&x.ec);
	return code;
}
