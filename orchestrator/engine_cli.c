/*
 * engine_cli.c - see engine_cli.h.
 */
#include "engine_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "banned.h"

const char engine_cli_help[] =
	"Connection options:\n"
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
	"      --no-agent           do not offer ssh-agent keys (SSH_AUTH_SOCK);\n"
	"                           by default they go first, then identity files\n";

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
		if (parse_double(arg, 0, 1 << 30, &v))
			break;
		ec->eo.max_output = (size_t)v;
		return RONDA_OK;
	case OPT_KEEPALIVE:
		if (parse_double(arg, 0, 3600, &v))
			break;
		ec->eo.keepalive_interval = v;
		return RONDA_OK;
	case OPT_KEEPALIVE_COUNT:
		if (parse_double(arg, 1, 100, &v))
			break;
		ec->eo.keepalive_count = (int)v;
		return RONDA_OK;
	default:
		buf_printf(err, "unexpected option");
		return RONDA_EINVAL;
	}
	buf_printf(err, "bad value '%.64s' for an option", arg ? arg : "");
	return RONDA_EINVAL;
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

void engine_cli_finish(struct engine_cli *ec, const struct cli_opts *o)
{
	log_set_level(RLOG_WARN + o->verbose);
	ec->eo.hostkeys = o->hostkeys;
	if (ec->no_hostkey_check) {
		ec->eo.hostkeys = HOSTKEYS_OFF;
		log_warn("host keys are NOT checked (--insecure-no-hostkey-check)");
	}
	if (!ec->known_hosts) {
		const char *home = getenv("HOME");

		if (buf_printf(&ec->kh, "%s/.ssh/known_hosts", home ? home : "") == RONDA_OK)
			ec->known_hosts = buf_data(&ec->kh);
	}
	ec->eo.known_hosts = ec->known_hosts;
	ec->eo.forks = raise_nofile(o->forks);
}

double engine_cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
