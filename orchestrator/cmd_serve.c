/*
 * cmd_serve.c - `ronda serve PATTERN`: the warm daemon, and
 * `ronda serve --status`: what it holds.
 *
 * The daemon runs in the foreground (systemd's user unit runs it so), holds
 * one authenticated session per host with one resident channel, connects
 * again with backoff when a host is lost, and answers on its Unix socket
 * (warm/wire.h).  SIGTERM or SIGINT ends it: every channel is closed,
 * every session said goodbye to, the socket removed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "escape.h"
#include "log.h"
#include "ssh/engine.h"
#include "ssh/engine_cli.h"
#include "patrol/deploy.h"
#include "warm/server.h"
#include "warm/wire.h"
#include "banned.h"

#define EXIT_NO_DAEMON 69	/* sysexits' EX_UNAVAILABLE: nothing answers */
#define EXIT_REFUSED 77		/* EX_NOPERM: the daemon refused us */
#define STATUS_TIMEOUT 10.0

enum { OPT_SOCKET = 1000, OPT_STATUS, OPT_AGENT, OPT_REMOTE_TMP };

static const struct option serve_long[] = {
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "agent", required_argument, NULL, OPT_AGENT },
	{ "remote-tmp", required_argument, NULL, OPT_REMOTE_TMP },
	ENGINE_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const char serve_help[] =
	"usage: ronda serve [OPTIONS] PATTERN\n"
	"       ronda serve --status [--socket PATH] [--json]\n"
	"\n"
	"The warm daemon: holds one authenticated SSH session per host of PATTERN,\n"
	"each with one resident channel, and answers on a Unix socket that only\n"
	"its own uid may use (mode 0600 in a 0700 directory, and SO_PEERCRED).  A\n"
	"host that is lost (a reboot, sshd restarted, keepalives unanswered) is\n"
	"down with the cause, and is connected again, its host key checked again,\n"
	"after a backoff that doubles up to 30 s, with jitter.  It runs in the\n"
	"foreground; SIGTERM or Ctrl-C stops it, closing every session.  No TCP\n"
	"port is ever opened.  Hosts behind a bastion are not served yet.\n"
	"On each host it keeps the resident agent, ronda-agent serve (pushed and\n"
	"cached as check pushes it, and confined to the read-only inspect profile),\n"
	"which answers the inspect jobs of ronda check --warm and ronda run --warm;\n"
	"ronda exec --warm runs on a new channel of each held session.  It never\n"
	"runs maintain work.\n"
	"\n"
	"Options:\n"
	"      --socket PATH        the daemon's socket (default\n"
	"                           $XDG_RUNTIME_DIR/ronda/serve.sock)\n"
	"      --agent FILE         an agent to push, as for check (repeat per\n"
	"                           architecture)\n"
	"      --remote-tmp DIR     keep the agent in DIR/ronda-UID on the hosts\n"
	"      --status             ask the running daemon for each host's state\n"
	"                           (connecting, starting: its agent is on the way,\n"
	"                           up, down), for how long, how many\n"
	"                           sessions it has made, and why a host is down;\n"
	"                           with --json its answer as one JSON object\n"
	"%s"
	"%s"
	"\n"
	"Exit status: 0 stopped by SIGTERM or SIGINT, or --status answered; 64 bad\n"
	"usage; 69 --status found no daemon; 77 the daemon refused us (another\n"
	"uid); 70 internal error; 78 configuration\n"
	"error (inventory, socket directory, a daemon already on the socket, more\n"
	"hosts than descriptors).\n"
	"\n"
	"Examples:\n"
	"  ronda serve @all &\n"
	"  ronda serve --status\n"
	"  systemctl --user enable --now ronda-serve@all\n";

struct serve_ctx {
	struct engine_cli ec;
	const char *socket;
	int status;
	const char *agents[AGENT_ARCH_MAX];	/* --agent, one per architecture */
	size_t n_agents;
	const char *remote_tmp;
};

static int serve_extra(void *ctx, int val, const char *arg, struct buf *err)
{
	struct serve_ctx *x = ctx;

	switch (val) {
	case OPT_SOCKET: x->socket = arg; return RONDA_OK;
	case OPT_STATUS: x->status = 1; return RONDA_OK;
	case OPT_AGENT:
		return push_opt_agent(x->agents, &x->n_agents, arg, err);
	case OPT_REMOTE_TMP:
		return push_opt_remote_tmp(&x->remote_tmp, arg, err);
	}
	return engine_cli_option(&x->ec, val, arg, err);
}

/* 45s, 3m05s, 2h03m, 4d02h: as long as it needs, no longer. */
static void duration(double s, char *out, size_t n)
{
	unsigned long t = s > 0 ? (unsigned long)s : 0;

	if (t < 60)
		snprintf(out, n, "%lus", t);
	else if (t < 3600)
		snprintf(out, n, "%lum%02lus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(out, n, "%luh%02lum", t / 3600, t % 3600 / 60);
	else
		snprintf(out, n, "%lud%02luh", t / 86400, t % 86400 / 3600);
}

/* The daemon's status answer, decoded once, as a table. */
static int print_status(json_t *a, struct buf *err)
{
	json_t *hosts = json_object_get(a, "hosts"), *h;
	size_t i, up = 0, down = 0, connecting = 0, starting = 0, width = 4;
	char d[32];

	if (!json_is_array(hosts)) {
		buf_printf(err, "the daemon's answer has no hosts");
		return RONDA_EPROTO;
	}
	json_array_foreach(hosts, i, h) {
		const char *name = json_string_value(json_object_get(h, "host"));

		if (!name || !json_string_value(json_object_get(h, "state"))) {
			buf_printf(err, "the daemon's answer has a host without a name or state");
			return RONDA_EPROTO;
		}
		if (strlen(name) > width)
			width = strlen(name);
	}
	printf("%-*s  %-10s  %-8s  %8s  %s\n", (int)width, "HOST", "STATE", "FOR", "SESSIONS", "WHY");
	json_array_foreach(hosts, i, h) {
		const char *state = json_string_value(json_object_get(h, "state"));
		const char *why = json_string_value(json_object_get(h, "why"));
		/* a cause may quote the host (as in every summary): shown escaped */
		char *ewhy = esc_strdup(why ? why : "", 0);

		if (!ewhy) {
			buf_printf(err, "out of memory");
			return RONDA_ENOMEM;
		}
		up += strcmp(state, "up") == 0;
		down += strcmp(state, "down") == 0;
		connecting += strcmp(state, "connecting") == 0;
		starting += strcmp(state, "starting") == 0;
		duration(json_number_value(json_object_get(h, "for_s")), d, sizeof(d));
		printf("%-*s  %-10s  %-8s  %8lld  %s\n", (int)width,
		       json_string_value(json_object_get(h, "host")), state, d,
		       (long long)json_integer_value(json_object_get(h, "connects")), ewhy);
		free(ewhy);
	}
	duration(json_number_value(json_object_get(a, "up_s")), d, sizeof(d));
	fprintf(stderr, "%zu host(s): %zu up, %zu starting, %zu connecting, %zu down; "
		"daemon pid %lld, up %s\n", json_array_size(hosts), up, starting, connecting, down,
		(long long)json_integer_value(json_object_get(a, "pid")), d);
	return RONDA_OK;
}

static int status(const struct serve_ctx *x, const struct cli_opts *o, struct buf *err)
{
	struct buf path, answer;
	json_t *a = NULL;
	const char *why;
	int code = EXIT_SOFTWARE, rc;

	buf_init(&path, 4096);
	buf_init(&answer, WIRE_MAX_ANSWER);
	if (wire_socket_path(x->socket, &path, err)) {
		code = EXIT_USAGE;
		goto out;
	}
	rc = wire_call(buf_data(&path), "{\"op\":\"status\"}", STATUS_TIMEOUT, &answer, err);
	if (rc) {
		code = rc == RONDA_ESYS ? EXIT_NO_DAEMON : EXIT_SOFTWARE;
		goto out;
	}
	a = json_loadb(buf_data(&answer), buf_len(&answer), 0, NULL);
	if (!json_is_object(a)) {
		buf_printf(err, "%s: the daemon's answer is not a JSON object", buf_data(&path));
		goto out;
	}
	if ((why = json_string_value(json_object_get(a, "error")))) {
		buf_printf(err, "%s: the daemon says: %s", buf_data(&path), why);
		code = strncmp(why, "refused", 7) == 0 ? EXIT_REFUSED : EXIT_SOFTWARE;
		goto out;
	}
	if (o->json)
		printf("%s\n", buf_data(&answer));
	else if (print_status(a, err))
		goto out;
	code = EXIT_OK;
out:
	json_decref(a);
	buf_release(&path);
	buf_release(&answer);
	return code;
}

static int serve(struct serve_ctx *x, struct cli_opts *o, struct buf *err)
{
	struct target_list tl;
	struct warm_server ws;
	struct host_result *res = NULL;
	struct patrol_host *hosts = NULL;
	struct agent_set agents;
	struct push_ctx pc;
	struct buf path;
	int code = EXIT_SOFTWARE, rc, ws_on = 0, pc_on = 0;

	memset(&agents, 0, sizeof(agents));
	target_list_init(&tl);
	buf_init(&path, 4096);
	rc = cli_targets(o, &tl, err);
	if (rc) {
		code = cli_exit_code(rc);
		goto out;
	}
	for (size_t i = 0; i < tl.n; i++)
		if (tl.v[i].via) {
			buf_printf(err, "%s: behind a bastion; ronda serve does not hold such hosts yet",
				   tl.v[i].name);
			code = EXIT_CONFIG;
			goto out;
		}
	/* every host holds a descriptor for as long as the daemon runs */
	o->forks = tl.n ? (int)(tl.n < CLI_MAX_FORKS ? tl.n : CLI_MAX_FORKS) : 1;
	if (engine_cli_finish(&x->ec, o, err) || (size_t)x->ec.eo.forks < tl.n) {
		if (!buf_len(err))
			buf_printf(err, "%zu hosts need as many descriptors; the limit (ulimit -n) "
				   "leaves room for %d", tl.n, x->ec.eo.forks);
		code = EXIT_CONFIG;
		goto out;
	}
	if (!tl.n) {
		buf_printf(err, "the pattern selects no host");
		code = EXIT_USAGE;
		goto out;
	}
	if (wire_socket_path(x->socket, &path, err)) {
		code = EXIT_USAGE;
		goto out;
	}
	/* the resident channel must outlive any command timeout */
	for (size_t i = 0; i < tl.n; i++)
		tl.v[i].command_timeout = 0;
	rc = warm_server_init(&ws, &tl, buf_data(&path), err);
	ws_on = 1;
	if (rc) {
		code = rc == RONDA_ENOMEM ? EXIT_SOFTWARE : EXIT_CONFIG;
		goto out;
	}
	rc = agent_set_load(&agents, x->agents, x->n_agents, err);
	if (rc) {
		code = EXIT_CONFIG;
		goto out;
	}
	res = calloc(tl.n, sizeof(*res));
	hosts = calloc(tl.n, sizeof(*hosts));
	if (!res || !hosts)
		goto out;
	/* the resident agent: `ronda-agent serve`, pushed as a patrol pushes it */
	if (push_ctx_init_serve(&pc, &agents, x->remote_tmp, tl.n, hosts, &ws.serve))
		goto out;
	pc_on = 1;
	ws.pc = &pc;
	ws.res = res;
	warm_server_engine(&ws, &x->ec.eo, &x->ec.on_done, &x->ec.on_done_arg);
	rc = engine_cli_run(&x->ec, &tl, 1, res, "ronda serve", &code);
	if (rc == RONDA_OK || rc == RONDA_EAGAIN) {
		log_info("serve: stopped");
		code = EXIT_OK;
	}
out:
	if (res)
		for (size_t i = 0; i < tl.n; i++)
			host_result_release(&res[i]);
	free(res);
	if (ws_on)
		warm_server_release(&ws);
	if (pc_on)
		push_ctx_release(&pc);
	for (size_t i = 0; hosts && i < tl.n; i++)
		patrol_host_release(&hosts[i]);
	free(hosts);
	agent_set_release(&agents);
	target_list_release(&tl);
	buf_release(&path);
	return code;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_ctx x;
	struct cli_opts o;
	struct buf err;
	int rc, code;

	memset(&x, 0, sizeof(x));
	cli_opts_init(&o);
	engine_cli_init(&x.ec);
	buf_init(&err, 4096);
	rc = cli_parse(&o, argc, argv, serve_long, "", serve_extra, &x, &err);
	if (rc == RONDA_OK && o.help) {
		printf(serve_help, engine_cli_help, cli_common_help);
		code = EXIT_OK;
		goto out;
	}
	if (rc == RONDA_OK && !x.status && !o.n_include) {
		buf_printf(&err, "a PATTERN is needed (or --status)");
		rc = RONDA_EINVAL;
	}
	if (rc) {
		fprintf(stderr, "ronda serve: %s\n", buf_data(&err));
		code = cli_exit_code(rc);
		goto out;
	}
	code = x.status ? status(&x, &o, &err) : serve(&x, &o, &err);
	if (code != EXIT_OK && buf_len(&err))
		fprintf(stderr, "ronda serve: %s\n", buf_data(&err));
out:
	cli_opts_release(&o);
	engine_cli_release(&x.ec);
	buf_release(&err);
	return code;
}
