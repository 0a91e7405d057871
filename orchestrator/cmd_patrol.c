/*
 * cmd_patrol.c - `ronda check` (ad hoc checks) and `ronda run` (a playbook):
 * the agent is pushed where needed and runs the job on every host.
 *
 * Steps: parse the command line; build a struct patrol_plan (checkspec or
 * playbook, patrol/playbook.h) and its job line; resolve targets; run the engine
 * with the push plan (patrol/deploy.h); report (terminal summary, --json, --prom,
 * --html, --out); exit code from the worst host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "ssh/engine.h"
#include "ssh/engine_cli.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "log.h"
#include "patrol/checkspec.h"
#include "patrol/playbook.h"
#include "output/html.h"
#include "output/prom.h"
#include "output/exitcode.h"
#include "output/files.h"
#include "output/json.h"
#include "output/spread.h"
#include "output/summary.h"
#include "patrol/deploy.h"
#include "ssh/become.h"
#include "warm/client.h"
#include "banned.h"

/* Agent output can be long (a command check's output); the cap is per host. */
#define PATROL_MAX_OUTPUT (8u << 20)
/* When neither the inventory nor the playbook sets a deadline. */
#define PATROL_DEFAULT_TIMEOUT 300.0

enum {
	OPT_ASK_BECOME = 'K',
	OPT_AGENT = 1000,
	OPT_LIMIT,
	OPT_DRY_RUN,
	OPT_TAGS,
	OPT_SKIP_TAGS,
	OPT_HTML,
	OPT_PREVIEW,
	OPT_REMOTE_TMP,
	OPT_VALUES,
	OPT_SORT,
	OPT_BECOME_USER,
	OPT_WARM,
	OPT_SOCKET,
};

static const struct option patrol_long[] = {
	{ "agent", required_argument, NULL, OPT_AGENT },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "tags", required_argument, NULL, OPT_TAGS },
	{ "skip-tags", required_argument, NULL, OPT_SKIP_TAGS },
	{ "preview", no_argument, NULL, OPT_PREVIEW },
	{ "remote-tmp", required_argument, NULL, OPT_REMOTE_TMP },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "values", no_argument, NULL, OPT_VALUES },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "ask-become-pass", no_argument, NULL, OPT_ASK_BECOME },
	{ "become-user", required_argument, NULL, OPT_BECOME_USER },
	{ "warm", optional_argument, NULL, OPT_WARM },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	ENGINE_CLI_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

#define MAX_TAGS 64

struct patrol_ctx {
	struct engine_cli ec;
	const char *agents[AGENT_ARCH_MAX];	/* --agent, one per architecture */
	size_t n_agents;
	const char *limit;
	const char *html;
	const char *remote_tmp;
	const char *book;		/* run: the playbook as given */
	struct hostlist selected;	/* with --shard: the pattern's hosts */
	int dry_run, is_run, preview;
	int values;			/* --values (or --sort) */
	int ask_become;			/* -K */
	const char *become_user;	/* --become-user, or NULL */
	enum values_sort sort;
	int warm;			/* --warm: 1, --warm=required: 2 */
	const char *socket;		/* --socket: the warm daemon's */
	const char *tags[MAX_TAGS + 1], *skip[MAX_TAGS + 1];
	size_t n_tags, n_skip;
};

/* The options check and run share, in both --help texts (no %: printf). */
#define PATROL_OPTIONS_HELP \
	"      --agent FILE         an agent to push, to hosts of its architecture;\n" \
	"                           repeat for each (default: ronda-agent and\n" \
	"                           ronda-agent.ARCH beside ronda)\n" \
	"      --remote-tmp DIR     keep the agent in DIR/ronda-UID on the hosts\n" \
	"                           instead of ~/.cache/ronda (a noexec HOME)\n" \
	"  -K, --ask-become-pass    ask the sudo password once, on the terminal,\n" \
	"                           and run the agent through sudo -S on every host\n" \
	"                           (implies --become); a host whose sudo wants no\n" \
	"                           password gets none; a wrong one is 'become' at\n" \
	"                           once\n" \
	"      --become-user USER   run the agent as USER through sudo -u (implies\n" \
	"                           --become): root, or the login user itself (the\n" \
	"                           agent's cache is that user's alone)\n" \
	"      --warm[=required]    ask the warm daemon (ronda serve) instead of\n" \
	"                           opening sessions: answers in a fraction of a\n" \
	"                           second, with the same output and exit status;\n" \
	"                           without a daemon (or for maintain work, sudo,\n" \
	"                           --serial) run cold with a note, or with\n" \
	"                           =required fail (exit 69)\n" \
	"      --socket PATH        the warm daemon's socket (default\n" \
	"                           $XDG_RUNTIME_DIR/ronda/serve.sock)\n" \
	"      --html FILE          also write a self-contained HTML report\n" \
	"      --values             instead of the summary, every host's main value\n" \
	"                           per task: HOST TASK VALUE VERDICT, worst first\n" \
	"      --sort value|host    --values by task, worst first (default), or by\n" \
	"                           host name\n"

static const char check_help[] =
	"usage: ronda check [OPTIONS] PATTERN CHECK...\n"
	"\n"
	"Runs ad hoc checks through the agent on every host PATTERN selects, for\n"
	"the question at 3 a.m.: ronda check @web disk:/var:90%% load:2 proc:nginx\n"
	"The agent for the host's architecture (uname -m) is uploaded once to\n"
	"~/.cache/ronda on each host (named by its SHA-256, gzip-compressed where\n"
	"the host has gzip) and runs read-only, confined by seccomp.\n"
	"The summary ends with each task's spread, ok hosts included: hosts with\n"
	"a value, min, median, max and the 5 worst hosts (ronda check all\n"
	"disk:/var answers how full /var is everywhere).\n"
	"\n"
	"%s\n"
	"Options:\n"
	PATROL_OPTIONS_HELP
	"\n%s\n%s"
	"\n"
	"Exit status: 0 all ok; 1 some check warned or failed (or --max-fail left\n"
	"hosts not started); 2 some host\n"
	"unreachable or errored; 3 interrupted; 64 usage; 70 internal;\n"
	"78 configuration.\n";

static const char run_help[] =
	"usage: ronda run [OPTIONS] PLAYBOOK [--limit PATTERN] [--dry-run]\n"
	"\n"
	"Runs the tasks of PLAYBOOK (a libconfig file, see playbooks/) through the\n"
	"agent on every host of the inventory, or those PATTERN selects.\n"
	"\n"
	"Options:\n"
	"      --limit PATTERN      only these hosts (default: all); @failed:RUNDIR\n"
	"                           is --rerun-failed RUNDIR\n"
	"      --dry-run            check the playbook and inventory, show which\n"
	"                           hosts and tasks would run, touch no host\n"
	"      --preview            run on the hosts, but rotation and cleanup only\n"
	"                           report what they would rotate, compress and\n"
	"                           delete and the bytes freed; the agent runs\n"
	"                           read-only (inspect sandbox) so it cannot change\n"
	"                           anything; command tasks run under the same\n"
	"                           read-only rules\n"
	"      --tags T1,T2         only tasks with one of these tags\n"
	"      --skip-tags T1,T2    leave out tasks with one of these tags\n"
	PATROL_OPTIONS_HELP
	"\n%s\n%s"
	"\n"
	"Exit status: 0 all ok; 1 some task warned or failed (or --max-fail left\n"
	"hosts not started); 2 some host\n"
	"unreachable or errored; 3 interrupted; 64 usage; 70 internal;\n"
	"78 configuration (the message names file and line).\n";

/* Splits a comma list into list[]; the strings stay in arg (argv). */
static int add_tags(const char *arg, const char **list, size_t *n, struct buf *err)
{
	const char *p = arg;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char *tag;

		if (*n == MAX_TAGS || !len) {
			buf_printf(err, "bad tag list '%.64s'", arg);
			return RONDA_EINVAL;
		}
		tag = strndup(p, len);
		if (!tag)
			return RONDA_ENOMEM;
		list[(*n)++] = tag;
		p = comma ? comma + 1 : p + len;
	}
	return RONDA_OK;
}

static int patrol_extra(void *ctx, int val, const char *arg, struct buf *err)
{
	struct patrol_ctx *x = ctx;

	switch (val) {
	case OPT_AGENT:
		return push_opt_agent(x->agents, &x->n_agents, arg, err);
	case OPT_LIMIT:
		x->limit = arg;
		return RONDA_OK;
	case OPT_DRY_RUN:
		x->dry_run = 1;
		return RONDA_OK;
	case OPT_PREVIEW:
		x->preview = 1;
		return RONDA_OK;
	case OPT_REMOTE_TMP:
		return push_opt_remote_tmp(&x->remote_tmp, arg, err);
	case OPT_TAGS:
		return add_tags(arg, x->tags, &x->n_tags, err);
	case OPT_SKIP_TAGS:
		return add_tags(arg, x->skip, &x->n_skip, err);
	case OPT_HTML:
		x->html = arg;
		return RONDA_OK;
	case OPT_ASK_BECOME:
		x->ask_become = 1;
		return RONDA_OK;
	case OPT_BECOME_USER:
		x->become_user = arg;
		return RONDA_OK;
	case OPT_VALUES:
		x->values = 1;
		return RONDA_OK;
	case OPT_WARM:
		return warm_opt(&x->warm, arg, err);
	case OPT_SOCKET:
		x->socket = arg;
		return RONDA_OK;
	case OPT_SORT:
		x->values = 1;
		if (strcmp(arg, "value") == 0 || strcmp(arg, "worst") == 0) {
			x->sort = VALUES_WORST;
		} else if (strcmp(arg, "host") == 0 || strcmp(arg, "name") == 0) {
			x->sort = VALUES_HOST;
		} else {
			buf_printf(err, "--sort: '%.32s' is not value or host", arg);
			return RONDA_EINVAL;
		}
		return RONDA_OK;
	}
	return engine_cli_option(&x->ec, val, arg, err);
}

static void dry_run(FILE *out, const struct target_list *tl, const struct patrol_plan *plan)
{
	fprintf(out, "playbook %s: %zu task(s), profile %s, on %zu host(s)\n",
		plan->name ? plan->name : "?", json_array_size(plan->tasks),
		plan->profile ? plan->profile : "inspect", tl->n);
	for (size_t i = 0; i < json_array_size(plan->tasks); i++) {
		json_t *t = json_array_get(plan->tasks, i);
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *check = json_string_value(json_object_get(t, "check"));

		fprintf(out, "  task %-24s %s\n", name ? name : check, check ? check : "?");
	}
	for (size_t i = 0; i < tl->n; i++)
		fprintf(out, "  host %s (%s:%u)\n", tl->v[i].name, tl->v[i].address, tl->v[i].port);
}

/* --out: the run directory, with what `ronda merge` needs to know. */
static void patrol_out(const struct patrol_ctx *x, const struct cli_opts *o,
		       const struct target_list *tl, const struct patrol_plan *plan,
		       const struct patrol_host *hosts)
{
	struct run_info ri = {
		.kind = x->is_run ? "run" : "check", .playbook = x->book, .name = plan->name,
		.checks = x->is_run ? NULL : o->args, .n_checks = o->n_args,
		.shard = o->shard, .selected = &x->selected,
		.duration_s = x->ec.started > 0 ? engine_cli_now() - x->ec.started : 0,
	};
	char run_dir[4096], *pat = cli_pattern_text(o);
	int r = RONDA_ENOMEM;

	ri.pattern = pat;
	if (pat)
		r = patrol_report_out(o->out_dir, tl, hosts, &ri, run_dir, sizeof(run_dir));
	free(pat);
	if (r == RONDA_OK)
		fprintf(stderr, "ronda: results in %s\n", run_dir);
	else
		fprintf(stderr, "ronda: cannot write results under %s\n", o->out_dir);
}

/* Why this patrol cannot be warm, or NULL: the daemon's agents run inspect
   jobs, as the login user. */
static const char *not_warm(const struct patrol_ctx *x, const struct target_list *tl,
			    const struct patrol_plan *plan)
{
	if (strcmp(patrol_plan_profile(plan), "inspect") != 0)
		return "maintain work never goes to the warm daemon";
	if (x->ask_become || x->become_user)
		return "the warm daemon's agents do not run through sudo";
	return warm_not_for(&x->ec, tl);
}

/*
 * --warm: the daemon answers, or (no daemon, or work it does not take) a
 * note and the cold run, or with --warm=required an error.  Returns 1
 * when the daemon answered (hosts and res filled), 0 to run cold, or -1
 * with *code set.
 */
static int try_warm(const struct patrol_ctx *x, const struct target_list *tl,
		    const struct patrol_plan *plan, struct patrol_host *hosts,
		    struct host_result *res, struct warm_answers *keep, int *code)
{
	struct buf path, err;
	const char *no = not_warm(x, tl, plan);
	int rc = RONDA_EINVAL, ret;

	buf_init(&path, 4096);
	buf_init(&err, 4096);
	if (!no && (rc = warm_socket(x->socket, &path, &err)) == RONDA_OK)
		rc = warm_patrol(buf_data(&path), tl, plan, warm_timeout(tl), x->warm == 2, hosts,
				 res, keep, &err);
	ret = warm_settle("ronda", x->warm, rc, no, buf_data(&path), buf_data(&err), code);
	buf_release(&path);
	buf_release(&err);
	return ret;
}

/* The common part of check and run, from resolved targets on. */
static int patrol(struct patrol_ctx *x, struct cli_opts *o, struct target_list *tl,
		  struct patrol_plan *plan)
{
	struct agent_set agents;
	struct become become;
	struct push_become bec;
	struct push_ctx pc;
	struct patrol_host *hosts = NULL;
	struct host_result *res = NULL;
	struct warm_answers keep = { NULL, 0 };
	struct buf job, err;
	struct timespec wall;
	int rc, code = EXIT_SOFTWARE, pc_ok = 0, warm = 0;

	if (x->preview)
		patrol_plan_preview(plan);
	memset(&agents, 0, sizeof(agents));
	become_init(&become, x->become_user);
	buf_init(&job, 1 << 20);
	buf_init(&err, 4096);
	clock_gettime(CLOCK_REALTIME, &wall);
	/* Built once here to refuse a bad job before connecting anywhere. */
	rc = patrol_plan_job(plan, (double)wall.tv_sec + wall.tv_nsec / 1e9, &job);
	if (rc) {
		fprintf(stderr, "ronda: cannot build the job: %s\n", ronda_strerror(rc));
		code = EXIT_CONFIG;
		goto out;
	}
	if (x->dry_run) {
		dry_run(stdout, tl, plan);
		code = EXIT_OK;
		goto out;
	}
	if (!tl->n) {
		/* a timer on an empty inventory must say why it did nothing */
		fprintf(stderr, "ronda: the pattern selects no host; nothing to do\n");
		/* an empty shard is still a shard: merge must see that it ran */
		if (o->out_dir && o->shard.n)
			patrol_out(x, o, tl, plan, NULL);
		code = EXIT_OK;
		goto out;
	}
	rc = agent_set_load(&agents, x->agents, x->n_agents, &err);
	if (rc) {
		fprintf(stderr, "ronda: %s\n", buf_data(&err));
		code = EXIT_CONFIG;
		goto out;
	}
	/* asked once, before any host is touched */
	if (x->ask_become && become_ask(&become, &err)) {
		fprintf(stderr, "ronda: %s\n", buf_data(&err));
		code = EXIT_USAGE;
		goto out;
	}
	bec.user = x->become_user;
	bec.pass = become.pass.p ? &become.pass : NULL;
	hosts = calloc(tl->n, sizeof(*hosts));
	res = calloc(tl->n, sizeof(*res));
	if (!hosts || !res)
		goto out;
	for (size_t i = 0; i < tl->n; i++) {
		struct target *t = &tl->v[i];

		t->become |= plan->become || x->ask_become || x->become_user;
		if (t->command_timeout <= 0)
			t->command_timeout = plan->timeout > 0 ? plan->timeout + 30
							      : PATROL_DEFAULT_TIMEOUT;
		hosts[i].conn = &res[i];
	}
	if (push_ctx_init(&pc, &agents, plan, x->remote_tmp, tl->n, hosts, &bec))
		goto out;
	pc_ok = 1;
	if (engine_cli_finish(&x->ec, o, &err)) {
		fprintf(stderr, "ronda: %s\n", buf_data(&err));
		code = EXIT_CONFIG;
		goto out;
	}
	if (!x->ec.max_output_set)
		x->ec.eo.max_output = PATROL_MAX_OUTPUT;
	pc.max_output = x->ec.eo.max_output;	/* the agent's stdout is deploy's to cap */
	x->ec.eo.plan = push_plan;
	x->ec.eo.plan_arg = &pc;
	if (x->warm) {
		x->ec.started = engine_cli_now();
		warm = try_warm(x, tl, plan, hosts, res, &keep, &code);
		if (warm < 0)
			goto out;
	}
	rc = warm ? RONDA_OK : engine_cli_run(&x->ec, tl, o->json, res, "ronda", &code);
	become_release(&become);	/* every host is done with it: wiped before any report */
	if (rc && rc != RONDA_EAGAIN)
		goto out;
	if (o->json)
		patrol_report_json(stdout, tl, hosts);
	else if (x->values)
		patrol_report_values(stdout, tl, hosts, x->sort, color_use(o->color, STDOUT_FILENO));
	else
		patrol_report_summary(stdout, tl, hosts, color_use(o->color, STDOUT_FILENO));
	if (o->prom_file && patrol_report_prom(o->prom_file, plan->name, tl, hosts,
					       engine_cli_now() - x->ec.started) != RONDA_OK)
		fprintf(stderr, "ronda: cannot write %s\n", o->prom_file);
	if (x->html && patrol_report_html(x->html, plan->name, tl, hosts,
					  engine_cli_now() - x->ec.started) != RONDA_OK)
		fprintf(stderr, "ronda: cannot write %s\n", x->html);
	if (o->out_dir)
		patrol_out(x, o, tl, plan, hosts);
	code = rc == RONDA_EAGAIN ? EXIT_INTERRUPTED : patrol_exit_code(hosts, tl->n);
	for (size_t i = 0; i < tl->n; i++)
		if (res[i].status == RESULT_INTERRUPTED)
			code = EXIT_INTERRUPTED;
out:
	fflush(stdout);
	if (pc_ok)
		push_ctx_release(&pc);
	for (size_t i = 0; hosts && i < tl->n; i++)
		patrol_host_release(&hosts[i]);
	for (size_t i = 0; res && i < tl->n; i++)
		host_result_release(&res[i]);
	free(hosts);
	free(res);
	agent_set_release(&agents);
	warm_answers_release(&keep);
	become_release(&become);	/* wiped; again is harmless */
	buf_release(&job);
	buf_release(&err);
	return code;
}

static void ctx_release(struct patrol_ctx *x)
{
	for (size_t i = 0; i < x->n_tags; i++)
		free((void *)(uintptr_t)x->tags[i]);
	for (size_t i = 0; i < x->n_skip; i++)
		free((void *)(uintptr_t)x->skip[i]);
	engine_cli_release(&x->ec);
	hostlist_release(&x->selected);
}

/* check: the operands after the pattern are check specs. */
static int plan_from_specs(struct cli_opts *o, struct patrol_plan *plan, struct buf *err)
{
	if (!o->n_include || !o->n_args || o->has_dashdash) {
		buf_puts(err, "usage: ronda check [OPTIONS] PATTERN CHECK... (see --help)");
		return RONDA_EINVAL;
	}
	for (size_t i = 0; i < o->n_args; i++)
		if (checkspec_parse(o->args[i], plan, err) != RONDA_OK)
			return RONDA_EINVAL;
	return RONDA_OK;
}

/* run: cli_parse took the first operand for a pattern; it is the playbook. */
static int plan_from_playbook(struct patrol_ctx *x, struct cli_opts *o,
			      struct patrol_plan *plan, struct buf *err)
{
	const char *book;

	if (o->n_include < 1 || o->n_args || o->has_dashdash) {
		buf_puts(err, "usage: ronda run [OPTIONS] PLAYBOOK [--limit PATTERN] (see --help)");
		return RONDA_EINVAL;
	}
	book = o->include[0];
	x->book = book;
	o->include[0] = x->limit ? x->limit : "all";
	if (x->limit && strncmp(x->limit, "@failed:", 8) == 0) {
		o->rerun_failed = x->limit + 8;	/* as --rerun-failed RUNDIR */
		o->include[0] = "all";
	}
	x->tags[x->n_tags] = NULL;
	x->skip[x->n_skip] = NULL;
	return playbook_load(book, x->n_tags ? x->tags : NULL, x->n_skip ? x->skip : NULL,
			     plan, err);
}

static int patrol_cmd(int argc, char **argv, int is_run)
{
	struct patrol_ctx x;
	struct cli_opts o;
	struct target_list tl;
	struct patrol_plan plan;
	struct buf err;
	int rc, code = EXIT_USAGE;

	memset(&x, 0, sizeof(x));
	x.is_run = is_run;
	hostlist_init(&x.selected);
	engine_cli_init(&x.ec);
	cli_opts_init(&o);
	target_list_init(&tl);
	patrol_plan_init(&plan);
	buf_init(&err, 4096);
	rc = cli_parse(&o, argc, argv, patrol_long, "K", patrol_extra, &x, &err);
	if (rc == RONDA_OK && o.help) {
		if (is_run)
			printf(run_help, engine_cli_help, cli_common_help);
		else
			printf(check_help, checkspec_help, engine_cli_help, cli_common_help);
		code = EXIT_OK;
		goto out;
	}
	if (rc == RONDA_OK && x.values && o.json) {
		buf_puts(&err, "--values and --json are two outputs: choose one");
		rc = RONDA_EINVAL;
	}
	if (rc == RONDA_OK)
		rc = is_run ? plan_from_playbook(&x, &o, &plan, &err)
			    : plan_from_specs(&o, &plan, &err);
	if (rc == RONDA_OK)
		rc = cli_targets_all(&o, &tl, &x.selected, &err);
	if (rc) {
		fprintf(stderr, "ronda %s: %s\n", is_run ? "run" : "check", buf_data(&err));
		code = cli_exit_code(rc);
		goto out;
	}
	code = patrol(&x, &o, &tl, &plan);
out:
	patrol_plan_release(&plan);
	target_list_release(&tl);
	cli_opts_release(&o);
	buf_release(&err);
	ctx_release(&x);
	return code;
}

int cmd_check(int argc, char **argv)
{
	return patrol_cmd(argc, argv, 0);
}

int cmd_run(int argc, char **argv)
{
	return patrol_cmd(argc, argv, 1);
}
