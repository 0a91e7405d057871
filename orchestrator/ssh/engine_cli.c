/*
 * engine_cli.c - see engine_cli.h.
 */
#include "engine_cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "proto.h"
#include "banned.h"

#define NOFILE_RESERVE 16
#define NOFILE_PER_HOST 2

const char engine_cli_help[] =
	"Connection options:\n"
	"      --known-hosts FILE   known_hosts file (default ~/.ssh/known_hosts)\n"
	"      --insecure-no-hostkey-check\n"
	"                           do not check host keys at all (dangerous)\n"
	"      --rate N             new connections per second (default 500; 0: no\n"
	"                           limit)\n"
	"      --max-output SIZE    per host and stream, in bytes or with k, M or G\n"
	"                           (up to 1G); more is dropped and the result says\n"
	"                           so (default 1M; check and run: 8M of agent output)\n"
	"      --keepalive S        keepalive interval while a command runs\n"
	"                           (default 15; 0: off)\n"
	"      --keepalive-count N  unanswered intervals before the host counts as\n"
	"                           gone (default 3)\n"
	"      --no-agent           do not offer ssh-agent keys (SSH_AUTH_SOCK);\n"
	"                           by default they go first, then identity files\n"
	"      --jump-channels N    hosts reached at once through one bastion\n"
	"                           (default 64)\n"
	"      --serial N|N%        run the hosts in batches of N (or N% of them,\n"
	"                           at least 1), in order: a batch starts when the\n"
	"                           one before has ended\n"
	"      --max-fail N|N%      once more than N hosts (or N% of all) are not\n"
	"                           ok, start no further batch; the hosts left\n"
	"                           are not-started (exit 1 at least)\n";

void engine_cli_init(struct engine_cli *ec)
{
	memset(ec, 0, sizeof(*ec));
	engine_opts_init(&ec->eo);
	buf_init(&ec->kh, 4096);
}

void engine_cli_release(struct engine_cli *ec)
{
	buf_release(&ec->kh);
}

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

int engine_cli_option(struct engine_cli *ec, int val, const char *arg, struct buf *err)
{
	double v;
	uint64_t size;

	switch (val) {
	case OPT_KNOWN_HOSTS:
		ec->known_hosts = arg;
		return RONDA_OK;
	case OPT_NO_HOSTKEY_CHECK:
		ec->no_hostkey_check = 1;
		return RONDA_OK;
	case OPT_NO_AGENT:
		ec->eo.use_agent = 0;
		return RONDA_OK;
	case OPT_RATE:
		if (parse_double(arg, 0, 1e6, &v))
			break;
		ec->eo.rate = v;
		return RONDA_OK;
	case OPT_MAX_OUTPUT:
		if (proto_size_parse(arg, &size) || size > (uint64_t)1 << 30)
			break;
		ec->eo.max_output = (size_t)size;
		ec->max_output_set = 1;
		return RONDA_OK;
	case OPT_KEEPALIVE:
		if (parse_double(arg, 0, 3600, &v))
			break;
		ec->eo.keepalive_interval = v;
		ec->eo.keepalive_forced = 1;
		return RONDA_OK;
	case OPT_KEEPALIVE_COUNT:
		if (parse_double(arg, 1, 100, &v))
			break;
		ec->eo.keepalive_count = (int)v;
		ec->eo.keepalive_forced = 1;
		return RONDA_OK;
	case OPT_SERIAL:
		if (cli_count_parse(arg, &ec->serial) || !ec->serial.value)
			break;
		return RONDA_OK;
	case OPT_MAX_FAIL:
		if (cli_count_parse(arg, &ec->max_fail))
			break;
		return RONDA_OK;
	case OPT_JUMP_CHANNELS:
		if (parse_double(arg, 1, 10000, &v) || v != (int)v)
			break;
		ec->eo.jump_channels = (int)v;
		return RONDA_OK;
	default:
		buf_printf(err, "unexpected option");
		return RONDA_EINVAL;
	}
	buf_printf(err, "bad value '%.64s' for an option", arg ? arg : "");
	return RONDA_EINVAL;
}

/* Descriptors open now (stdio, inherited ones); 3 if /proc is not there. */
static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return 3;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 3;	/* the directory's own descriptor */
}

/*
 * Forks that fit the descriptor limit: the soft limit is raised to the hard
 * one, then every host in flight gets its socket and an ssh-agent
 * connection, after what is open now and NOFILE_RESERVE for the loop, the
 * resolver, known_hosts, key and inventory files.  Fewer forks than asked
 * is a warning; no room for a single host is an error.
 */
static int fit_nofile(int forks, int *out, struct buf *err)
{
	struct rlimit rl;
	long used, room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		*out = forks;
		return RONDA_OK;
	}
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 30) {
		*out = forks;
		return RONDA_OK;
	}
	used = open_fds();
	room = ((long)rl.rlim_cur - used - NOFILE_RESERVE) / NOFILE_PER_HOST;
	if (room < 1) {
		buf_printf(err, "the descriptor limit (ulimit -n) is %llu and %ld are open: "
			   "ronda needs at least %ld",
			   (unsigned long long)rl.rlim_cur, used,
			   used + NOFILE_RESERVE + NOFILE_PER_HOST);
		return RONDA_ELIMIT;
	}
	if (room < forks) {
		log_warn("--forks %d needs more descriptors than the limit of %llu allows; using %ld",
			 forks, (unsigned long long)rl.rlim_cur, room);
		forks = (int)room;
	}
	*out = forks;
	return RONDA_OK;
}

int engine_cli_finish(struct engine_cli *ec, const struct cli_opts *o, struct buf *err)
{
	log_set_level(RLOG_WARN + o->verbose);
	ec->eo.hostkeys = o->hostkeys;
	ec->eo.hostkeys_forced = o->hostkeys_given;
	if (ec->no_hostkey_check) {
		ec->eo.hostkeys = HOSTKEYS_OFF;
		ec->eo.hostkeys_forced = 1;
		log_warn("host keys are NOT checked (--insecure-no-hostkey-check)");
	}
	ec->known_hosts_given = ec->known_hosts != NULL;
	if (!ec->known_hosts) {
		const char *home = getenv("HOME");

		if (buf_printf(&ec->kh, "%s/.ssh/known_hosts", home ? home : "") == RONDA_OK)
			ec->known_hosts = buf_data(&ec->kh);
	}
	ec->eo.known_hosts = ec->known_hosts;
	return fit_nofile(o->forks, &ec->eo.forks, err);
}

static void progress(void *arg, size_t i, const struct host_result *r)
{
	struct engine_cli *ec = arg;
	struct engine_progress *p = &ec->progress;
	double el = engine_cli_now() - p->t0, rate;

	p->done++;
	p->bad += r->status != RESULT_OK;
	if (ec->on_done)
		ec->on_done(ec->on_done_arg, i, r);
	if (!p->on)
		return;
	rate = el > 0 ? p->done / el : 0;
	fprintf(stderr, "\r\033[K[%zu/%zu] %zu not ok, %.0f hosts/s, ETA %.0fs",
		p->done, p->total, p->bad, rate,
		rate > 0 ? (p->total - p->done) / rate : 0.0);
	if (p->done == p->total)
		fputs("\r\033[K", stderr);
}

static void progress_start(struct engine_cli *ec, size_t total, int quiet)
{
	memset(&ec->progress, 0, sizeof(ec->progress));
	ec->progress.total = total;
	ec->progress.on = isatty(2) && !quiet;
	ec->progress.t0 = engine_cli_now();
	ec->eo.on_done = progress;
	ec->eo.arg = ec;
}

/* Hosts from..n-1 never start: each ends st and is reported done. */
static void not_started(struct engine_cli *ec, const struct target_list *tl,
			struct host_result *res, size_t from, enum host_status st,
			const char *why)
{
	for (size_t i = from; i < tl->n; i++) {
		host_result_init(&res[i], 0);
		res[i].status = st;
		snprintf(res[i].why, sizeof(res[i].why), "%s", why);
		progress(ec, i, &res[i]);
	}
}

/* Has the run passed --max-fail, counting the hosts done so far? */
static int too_many_failed(const struct engine_cli *ec, const struct host_result *res,
			   size_t done, size_t total)
{
	size_t bad = 0;

	if (!ec->max_fail.set)
		return 0;
	for (size_t i = 0; i < done; i++)
		bad += res[i].status != RESULT_OK;
	/* N% of all: more than value/100 of total, without rounding */
	if (ec->max_fail.percent)
		return (unsigned long long)bad * 100 > (unsigned long long)ec->max_fail.value * total;
	return bad > ec->max_fail.value;
}

/* One engine_run per batch of hosts from the list tl. */
static int run_batches(struct engine_cli *ec, const struct target_list *tl,
		       struct host_result *res)
{
	struct target_list part = *tl;
	size_t size = ec->serial.set ? cli_count_of(&ec->serial, tl->n) : tl->n;
	char why[sizeof(res->why)];
	int rc = RONDA_OK;

	if (size < 1)
		size = 1;
	for (size_t from = 0; from < tl->n; from += size) {
		if (from && too_many_failed(ec, res, from, tl->n)) {
			snprintf(why, sizeof(why), "not started: more than --max-fail %u%s "
				 "hosts were not ok", ec->max_fail.value,
				 ec->max_fail.percent ? "%" : "");
			log_warn("%s; %zu host(s) not started", why + 13, tl->n - from);
			not_started(ec, tl, res, from, RESULT_NOT_STARTED, why);
			break;
		}
		ec->eo.first_index = from;	/* callbacks index the whole list */
		part.v = tl->v + from;
		part.n = tl->n - from < size ? tl->n - from : size;
		rc = engine_run(&ec->eo, &part, res + from);
		if (rc) {
			if (rc == RONDA_EAGAIN)
				not_started(ec, tl, res, from + part.n, RESULT_INTERRUPTED,
					    "not started: interrupted");
			break;
		}
	}
	ec->eo.first_index = 0;
	return rc;
}

/*
 * ssh_config's UserKnownHostsFile, when --known-hosts did not say: ronda
 * reads one file per run, so hosts that name different ones are told.
 */
static void known_hosts_from(struct engine_cli *ec, const struct target_list *tl)
{
	const char *pick = NULL;
	int warned = 0;

	for (size_t i = 0; !ec->known_hosts_given && i < tl->n + tl->n_jumps; i++) {
		const struct target *t = i < tl->n ? &tl->v[i] : &tl->jumps[i - tl->n];

		if (!t->known_hosts)
			continue;
		if (!pick) {
			pick = t->known_hosts;
		} else if (strcmp(pick, t->known_hosts) != 0 && !warned++) {
			log_warn("%s: its UserKnownHostsFile %s differs from %s; ronda reads "
				 "one known_hosts file per run: %s", t->name, t->known_hosts,
				 pick, pick);
		}
	}
	if (pick)
		ec->eo.known_hosts = pick;
	/* GlobalKnownHostsFile: checked besides, whatever --known-hosts says */
	for (size_t i = 0; i < tl->n + tl->n_jumps; i++) {
		const struct target *t = i < tl->n ? &tl->v[i] : &tl->jumps[i - tl->n];

		if (t->n_global) {
			ec->eo.global_known_hosts = (const char *const *)t->global_known_hosts;
			ec->eo.n_global_known_hosts = t->n_global;
			break;
		}
	}
}

int engine_cli_run(struct engine_cli *ec, const struct target_list *tl, int quiet,
		   struct host_result *res, const char *who, int *code)
{
	int rc;

	known_hosts_from(ec, tl);
	progress_start(ec, tl->n, quiet);
	ec->started = engine_cli_now();
	rc = run_batches(ec, tl, res);
	if (rc && rc != RONDA_EAGAIN) {
		fprintf(stderr, "%s: %s\n", who, ronda_strerror(rc));
		*code = rc == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_CONFIG;
	}
	return rc;
}

double engine_cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
