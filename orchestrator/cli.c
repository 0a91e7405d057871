/*
 * cli.c - parsing the options every subcommand shares; see cli.h.
 *
 * getopt_long with GNU argument permutation, so options may follow the
 * pattern (`ronda hosts @web --list`).  The command after "--" must never
 * be read as options, so argv is first cut at the first lone "--" that is
 * not an option's value, and getopt only sees what comes before.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/inventory.h"
#include "inventory/settings.h"
#include "inventory/pattern.h"
#include "inventory/shard.h"
#include "inventory/sshconfig.h"
#include "inventory/target.h"
#include "output/rerun.h"
#include "banned.h"

enum {
	OPT_CONNECT_TIMEOUT = 500,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_BECOME,
	OPT_HOSTKEYS,
	OPT_JSON,
	OPT_OUT,
	OPT_PROM,
	OPT_HOSTFILE,
	OPT_RERUN_FAILED,
	OPT_SHARD,
	OPT_COLOR,
};

#define COMMON_SHORT "i:F:f:u:p:k:w:x:J:vh"

static const struct option common_long[] = {
	{ "inventory", required_argument, NULL, 'i' },
	{ "ssh-config", required_argument, NULL, 'F' },
	{ "forks", required_argument, NULL, 'f' },
	{ "user", required_argument, NULL, 'u' },
	{ "port", required_argument, NULL, 'p' },
	{ "identity", required_argument, NULL, 'k' },
	{ "jump", required_argument, NULL, 'J' },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "become", no_argument, NULL, OPT_BECOME },
	{ "hostkeys", required_argument, NULL, OPT_HOSTKEYS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "hostfile", required_argument, NULL, OPT_HOSTFILE },
	{ "rerun-failed", required_argument, NULL, OPT_RERUN_FAILED },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};
#define N_COMMON (sizeof(common_long) / sizeof(common_long[0]))

const char cli_common_help[] =
	"Common options:\n"
	"  -i, --inventory FILE     inventory (default /etc/ronda/inventory.cfg,\n"
	"                           then ./inventory.cfg; none: bare hosts only)\n"
	"  -F, --ssh-config FILE    ssh_config to read instead of ~/.ssh/config and\n"
	"                           /etc/ssh/ssh_config (none: no ssh_config)\n"
	"  -w PATTERN               also select PATTERN (repeatable, like pdsh -w);\n"
	"                           -w ^FILE reads a host list from FILE\n"
	"  -x PATTERN               leave out what PATTERN selects (repeatable;\n"
	"                           -x ^FILE too)\n"
	"      --hostfile FILE      also select the hosts listed in FILE, one host\n"
	"                           or item a line, '#' comments (repeatable)\n"
	"  -u, --user USER          log in as USER on every host\n"
	"  -p, --port PORT          connect to PORT on every host\n"
	"  -k, --identity FILE      private key file (repeatable)\n"
	"  -J, --jump [USER@]HOST[:PORT][,...]\n"
	"                           reach every host through these bastions, one\n"
	"                           shared session each (like ssh -J); none: direct\n"
	"      --connect-timeout S  seconds for TCP, handshake and login (default 10)\n"
	"      --timeout S          seconds a command may run (default: none)\n"
	"      --retries N          retries of transient connect failures (default 2)\n"
	"      --become             run through sudo -n\n"
	"  -f, --forks N            hosts in flight at once (default 256)\n"
	"      --hostkeys MODE      strict (default) or accept-new\n"
	"      --json               JSON Lines output\n"
	"      --out DIR            per-host result files\n"
	"      --prom FILE          Prometheus textfile\n"
	"      --rerun-failed RUNDIR\n"
	"                           of what the pattern selects, only the hosts\n"
	"                           that were not ok in RUNDIR, a run directory\n"
	"                           that --out wrote (its run.json)\n"
	"      --shard K/N          only shard K of N (K from 0 to N-1) of what\n"
	"                           the pattern selects, by rendezvous hashing of\n"
	"                           the host names (ronda merge joins the shards)\n"
	"      --color[=WHEN]       verdicts in colour: auto (default: on a terminal,\n"
	"                           unless NO_COLOR is set), always, never\n"
	"  -v, --verbose            more detail (repeatable)\n"
	"  -h, --help               this help\n"
	"-u, -p, -k, --connect-timeout, --timeout, --retries and --become override\n"
	"the inventory for every host; user@ and :port in a pattern beat them.\n"
	"A PATTERN, -w or --hostfile of '-' reads the host list from stdin (once;\n"
	"stdin is then used up, and may not be a terminal).\n";

void cli_opts_init(struct cli_opts *o)
{
	memset(o, 0, sizeof(*o));
	host_settings_init(&o->over);
	o->forks = CLI_DEFAULT_FORKS;
	o->hostkeys = HOSTKEYS_STRICT;
}

void cli_opts_release(struct cli_opts *o)
{
	host_settings_release(&o->over);
	for (size_t i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	free(o->owned);
	free(o->include);
	free(o->exclude);
	free(o->args);
	cli_opts_init(o);
}

static int push_str(const char ***v, size_t *n, const char *s)
{
	const char **nv = reallocarray(*v, *n + 1, sizeof(*nv));

	if (!nv)
		return RONDA_ENOMEM;
	nv[(*n)++] = s;
	*v = nv;
	return RONDA_OK;
}

/* --hostfile FILE is -w ^FILE; --hostfile - is -w -. */
static int push_hostfile(struct cli_opts *o, const char *path)
{
	char **nv;
	size_t n = strlen(path);
	char *s;

	if (strcmp(path, "-") == 0)
		return push_str(&o->include, &o->n_include, path);
	nv = reallocarray(o->owned, o->n_owned + 1, sizeof(*nv));
	if (!nv)
		return RONDA_ENOMEM;
	o->owned = nv;
	if (!(s = malloc(n + 2)))
		return RONDA_ENOMEM;
	s[0] = '^';
	memcpy(s + 1, path, n + 1);
	o->owned[o->n_owned++] = s;
	return push_str(&o->include, &o->n_include, s);
}

static int parse_long(const char *opt, const char *s, long *v, struct buf *err)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || end == s || *end) {
		buf_printf(err, "%s: '%.32s' is not a whole number", opt, s);
		return RONDA_EINVAL;
	}
	*v = x;
	return RONDA_OK;
}

static int parse_secs(const char *opt, const char *s, double *v, struct buf *err)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(x)) {
		buf_printf(err, "%s: '%.32s' is not a number of seconds", opt, s);
		return RONDA_EINVAL;
	}
	*v = x;
	return RONDA_OK;
}

/* Does the option spelled by arg (a long one, "--name") take a value? */
static int long_takes_value(const struct option *opts, const char *arg)
{
	size_t len = strlen(arg + 2);

	if (strchr(arg, '='))
		return 0;
	for (const struct option *p = opts; p->name; p++)
		if (strncmp(p->name, arg + 2, len) == 0 && p->has_arg == required_argument)
			return 1;
	return 0;
}

/* Index of the first "--" that ends the options, or argc. */
static int find_dashdash(int argc, char **argv, const struct option *opts,
			 const char *shorts)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			return i;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] == '-') {
			i += long_takes_value(opts, a);
			continue;
		}
		for (size_t j = 1; a[j]; j++) {
			const char *s = strchr(shorts, a[j]);

			if (a[j] != ':' && s && s[1] == ':') {
				i += !a[j + 1];
				break;
			}
		}
	}
	return argc;
}

static int common_option(struct cli_opts *o, int c, const char *arg, struct buf *err)
{
	long l;
	double d;
	int rc;

	switch (c) {
	case 'i': o->inventory = arg; return RONDA_OK;
	case 'F': o->ssh_config = arg; return RONDA_OK;
	case 'w': return push_str(&o->include, &o->n_include, arg);
	case 'x': return push_str(&o->exclude, &o->n_exclude, arg);
	case OPT_HOSTFILE: return push_hostfile(o, arg);
	case 'u': return host_settings_set_user(&o->over, arg, err);
	case 'k': return host_settings_add_identity(&o->over, arg, err);
	case 'J': return host_settings_set_via(&o->over, arg, err);
	case 'p':
		if ((rc = parse_long("--port", arg, &l, err)))
			return rc;
		return host_settings_set_port(&o->over, l, err);
	case 'f':
		if ((rc = parse_long("--forks", arg, &l, err)))
			return rc;
		if (l < 1 || l > CLI_MAX_FORKS) {
			buf_printf(err, "--forks: %ld is not 1-%d", l, CLI_MAX_FORKS);
			return RONDA_EINVAL;
		}
		o->forks = (int)l;
		return RONDA_OK;
	case OPT_CONNECT_TIMEOUT:
		if ((rc = parse_secs("--connect-timeout", arg, &d, err)))
			return rc;
		return host_settings_set_connect_timeout(&o->over, d, err);
	case OPT_TIMEOUT:
		if ((rc = parse_secs("--timeout", arg, &d, err)))
			return rc;
		return host_settings_set_command_timeout(&o->over, d, err);
	case OPT_RETRIES:
		if ((rc = parse_long("--retries", arg, &l, err)))
			return rc;
		return host_settings_set_retries(&o->over, l, err);
	case OPT_BECOME: host_settings_set_become(&o->over, 1); return RONDA_OK;
	case OPT_HOSTKEYS:
		o->hostkeys_given = 1;
		if (strcmp(arg, "strict") == 0) {
			o->hostkeys = HOSTKEYS_STRICT;
		} else if (strcmp(arg, "accept-new") == 0) {
			o->hostkeys = HOSTKEYS_ACCEPT_NEW;
		} else {
			buf_printf(err, "--hostkeys: '%.32s' is not strict or accept-new", arg);
			return RONDA_EINVAL;
		}
		return RONDA_OK;
	case OPT_JSON: o->json = 1; return RONDA_OK;
	case OPT_OUT: o->out_dir = arg; return RONDA_OK;
	case OPT_PROM: o->prom_file = arg; return RONDA_OK;
	case OPT_RERUN_FAILED: o->rerun_failed = arg; return RONDA_OK;
	case OPT_SHARD: return shard_parse(arg, &o->shard, err);
	case OPT_COLOR:
		/* --color alone is always, as in GNU ls */
		if (color_mode_parse(arg ? arg : "always", &o->color)) {
			buf_printf(err, "--color: '%.32s' is not auto, always or never", arg);
			return RONDA_EINVAL;
		}
		return RONDA_OK;
	case 'v': o->verbose++; return RONDA_OK;
	case 'h': o->help = 1; return RONDA_OK;
	}
	return RONDA_ENOTFOUND;
}

int cli_parse(struct cli_opts *o, int argc, char **argv,
	      const struct option *extra, const char *extra_short,
	      cli_extra_fn on_extra, void *ctx, struct buf *err)
{
	size_t n_extra = 0;
	struct option *opts;
	struct buf shorts;
	const char **w = NULL;
	size_t n_w;
	int end, c, rc = RONDA_ENOMEM;

	while (extra && extra[n_extra].name)
		n_extra++;
	buf_init(&shorts, 256);
	opts = calloc(N_COMMON + n_extra + 1, sizeof(*opts));
	if (!opts || buf_printf(&shorts, ":%s%s", COMMON_SHORT, extra_short ? extra_short : ""))
		goto out;
	memcpy(opts, common_long, sizeof(common_long));
	if (n_extra)
		memcpy(opts + N_COMMON, extra, n_extra * sizeof(*opts));
	end = find_dashdash(argc, argv, opts, buf_data(&shorts));
	if (end < argc) {
		o->has_dashdash = 1;
		o->command = argv + end + 1;
		o->n_command = (size_t)(argc - end - 1);
	}
	optind = 0;	/* glibc: start afresh, as tests parse many times */
	opterr = 0;
	while ((c = getopt_long(end, argv, buf_data(&shorts), opts, NULL)) != -1) {
		const char *bad = argv[optind - 1];

		if (c == ':') {
			buf_printf(err, "option '%s' needs a value", bad);
			rc = RONDA_EINVAL;
			goto out;
		}
		if (c == '?') {
			if (optopt && optopt < 256)
				buf_printf(err, "unknown option '-%c'", optopt);
			else
				buf_printf(err, "unknown option '%s'", bad);
			rc = RONDA_EINVAL;
			goto out;
		}
		rc = common_option(o, c, optarg, err);
		if (rc == RONDA_ENOTFOUND)
			rc = on_extra ? on_extra(ctx, c, optarg, err) : RONDA_EINVAL;
		if (rc)
			goto out;
	}
	/* The first operand is the pattern; -w patterns join it. */
	w = o->include;
	n_w = o->n_include;
	o->include = NULL;
	o->n_include = 0;
	rc = RONDA_OK;
	for (int i = optind; i < end && !rc; i++) {
		if (i == optind)
			rc = push_str(&o->include, &o->n_include, argv[i]);
		else
			rc = push_str(&o->args, &o->n_args, argv[i]);
	}
	for (size_t i = 0; i < n_w && !rc; i++)
		rc = push_str(&o->include, &o->n_include, w[i]);
out:
	free(w);
	free(opts);
	buf_release(&shorts);
	return rc;
}

/* The host lists of one run, read before anything is selected. */
struct lists {
	size_t left;		/* bytes all lists may still take */
	int stdin_used;
};

/* Reads the list at path ("-": stdin) into text, named file in messages. */
static int read_list(struct lists *l, const char *path, struct buf *text,
		     const char **file, struct buf *err)
{
	int rc;

	if (!*path) {
		buf_printf(err, "'^' needs a file name, as in -w ^hosts.txt");
		return RONDA_EINVAL;
	}
	buf_init(text, l->left);
	if (strcmp(path, "-") == 0) {
		if (l->stdin_used) {
			buf_printf(err, "'-' is given twice: the host list on stdin can be "
				   "read only once");
			return RONDA_EINVAL;
		}
		if (isatty(STDIN_FILENO)) {
			buf_printf(err, "'-' reads the host list from stdin, which is a "
				   "terminal: pipe or redirect a list into ronda");
			return RONDA_EINVAL;
		}
		l->stdin_used = 1;
		*file = "stdin";
		rc = buf_read_fd(text, STDIN_FILENO);
	} else {
		*file = path;
		rc = buf_read_file(text, path);
	}
	if (rc == RONDA_ESYS) {
		buf_printf(err, "host list %s: %s", *file, strerror(errno));
		return RONDA_ECONFIG;
	}
	if (rc == RONDA_ELIMIT) {
		buf_printf(err, "host list %s: the host lists pass %zu bytes together",
			   *file, (size_t)PATTERN_MAX_LISTS_LEN);
		return RONDA_ELIMIT;
	}
	if (rc)
		return rc;
	if (memchr(buf_data(text), '\0', buf_len(text))) {
		buf_printf(err, "host list %s: holds a NUL byte; it is not a text file", *file);
		return RONDA_EPARSE;
	}
	l->left -= buf_len(text);
	return RONDA_OK;
}

/* ~/.ssh/config and /etc/ssh/ssh_config, or -F's file, or none. */
static int load_ssh_config(const struct cli_opts *o, struct sshconfig **out, struct buf *err)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];
	const char *home = getenv("HOME");

	if ((!home || !home[0]) && getpwuid_r(geteuid(), &pw, tmp, sizeof(tmp), &res) == 0 && res)
		home = res->pw_dir;
	return sshconfig_load(o->ssh_config, home ? home : "/", out, err);
}

/* Keeps the names that were not ok in --rerun-failed's run. */
static int keep_failed(const char *rundir, struct hostlist *names, struct buf *err)
{
	struct rerun rr;
	size_t w = 0;
	int rc;

	rerun_init(&rr);
	if ((rc = rerun_load(&rr, rundir, err)))
		goto out;
	for (size_t i = 0; i < names->n; i++) {
		if (rerun_failed(&rr, names->v[i]))
			names->v[w++] = names->v[i];
		else
			free(names->v[i]);
	}
	names->n = w;
out:
	rerun_release(&rr);
	return rc;
}

int cli_targets(const struct cli_opts *o, struct target_list *out, struct buf *err)
{
	return cli_targets_all(o, out, NULL, err);
}

char *cli_pattern_text(const struct cli_opts *o)
{
	struct buf b;
	char *s = NULL;
	int r = RONDA_OK;

	buf_init(&b, BUF_DEFAULT_MAX);
	for (size_t i = 0; i < o->n_include && !r; i++)
		r = buf_printf(&b, "%s%s", i ? "," : "", o->include[i]);
	for (size_t i = 0; i < o->n_exclude && !r; i++)
		r = buf_printf(&b, ",!%s", o->exclude[i]);
	if (r == RONDA_OK)
		s = strdup(buf_data(&b));
	buf_release(&b);
	return s;
}

int cli_targets_all(const struct cli_opts *o, struct target_list *out,
		    struct hostlist *selected, struct buf *err)
{
	size_t n = o->n_include + o->n_exclude;
	struct lists lists = { .left = PATTERN_MAX_LISTS_LEN };
	struct pattern_src *src = calloc(n + 1, sizeof(*src));
	struct buf *texts = calloc(n + 1, sizeof(*texts));
	struct inventory *inv = NULL;
	struct sshconfig *ssh = NULL;
	struct hostlist names;
	int rc = RONDA_ENOMEM;

	hostlist_init(&names);
	if (!src || !texts)
		goto out;
	rc = RONDA_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *s = i < o->n_include ? o->include[i] : o->exclude[i - o->n_include];

		if (strcmp(s, "-") == 0 || s[0] == '^') {
			rc = read_list(&lists, s[0] == '^' ? s + 1 : s, &texts[i], &src[i].file, err);
			src[i].text = buf_data(&texts[i]);
		} else {
			src[i].text = s;
		}
	}
	if (rc || (rc = inventory_load(o->inventory, &inv, err)))
		goto out;
	if ((rc = load_ssh_config(o, &ssh, err)))
		goto out;
	inventory_use_sshconfig(inv, ssh);
	out->want_sources = o->want_sources;
	if ((rc = pattern_select_src(inv, src, o->n_include, src + o->n_include,
				     o->n_exclude, &names, err)))
		goto out;
	if (o->rerun_failed && (rc = keep_failed(o->rerun_failed, &names, err)))
		goto out;
	if ((rc = inventory_resolve(inv, &names, &o->over, out, err)))
		goto out;
	for (size_t i = 0; selected && i < out->n && !rc; i++)
		rc = hostlist_push(selected, out->v[i].name, strlen(out->v[i].name));
	if (rc == RONDA_OK)
		shard_filter(out, &o->shard);
out:
	for (size_t i = 0; texts && i < n; i++)
		buf_release(&texts[i]);
	free(texts);
	free(src);
	hostlist_release(&names);
	inventory_free(inv);
	sshconfig_free(ssh);
	return rc;
}

int cli_reads_stdin(const struct cli_opts *o)
{
	for (size_t i = 0; i < o->n_include; i++)
		if (strcmp(o->include[i], "-") == 0)
			return 1;
	for (size_t i = 0; i < o->n_exclude; i++)
		if (strcmp(o->exclude[i], "-") == 0)
			return 1;
	return 0;
}

int cli_count_parse(const char *arg, struct cli_count *out)
{
	size_t len = strlen(arg);
	unsigned long v = 0;
	int pct = len > 0 && arg[len - 1] == '%';

	if (len == (size_t)pct || len - pct > 7)
		return RONDA_EINVAL;
	for (size_t i = 0; i < len - pct; i++) {
		if (arg[i] < '0' || arg[i] > '9')
			return RONDA_EINVAL;
		v = v * 10 + (unsigned long)(arg[i] - '0');
	}
	if (v > (pct ? 100u : CLI_MAX_COUNT))
		return RONDA_EINVAL;
	out->value = (unsigned)v;
	out->percent = pct;
	out->set = 1;
	return RONDA_OK;
}

size_t cli_count_of(const struct cli_count *c, size_t total)
{
	return c->percent ? (size_t)((unsigned long long)total * c->value / 100) : c->value;
}

int cli_exit_code(int err)
{
	switch (err) {
	case RONDA_OK:
		return EXIT_OK;
	case RONDA_ECONFIG:
		return EXIT_CONFIG;
	case RONDA_EINVAL:
	case RONDA_EPARSE:
	case RONDA_ELIMIT:
	case RONDA_ENOTFOUND:
		return EXIT_USAGE;
	}
	return EXIT_SOFTWARE;
}
