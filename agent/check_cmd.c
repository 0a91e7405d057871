/*
 * check_cmd.c - checks that run a program: service (systemctl is-active),
 * units (systemctl list-units --state=failed) and command (an argument
 * vector).
 *
 * Programs never run directly: the agent spawns itself as a trampoline
 * ("ronda-agent --exec -- /abs/path ARG...") that stacks the command seccomp
 * profile on the inherited one and then execs the target, so the child gets
 * the deny list without the agent losing what it needs.  The executable is
 * resolved here to a canonical absolute path, which is what the host policy
 * is matched against and what gets exec'd.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"
#include "err.h"
#include "escape.h"
#include "policy.h"
#include "spawner.h"
#include "banned.h"

#define CMD_TIMEOUT 30.0

static const char *const search_path[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin",
	"/bin", NULL,
};

int resolve_exe(const char *name, char *out, size_t n)
{
	char cand[PATH_MAX], real[PATH_MAX];

	if (!name[0])
		return RONDA_EINVAL;
	if (strchr(name, '/')) {
		if (name[0] != '/')
			return RONDA_EINVAL;
		if (snprintf(cand, sizeof(cand), "%s", name) >= (int)sizeof(cand))
			return RONDA_ELIMIT;
	} else {
		const char *const *d;

		for (d = search_path; *d; d++) {
			if (snprintf(cand, sizeof(cand), "%s/%s", *d, name) >= (int)sizeof(cand))
				return RONDA_ELIMIT;
			if (access(cand, X_OK) == 0)
				break;
		}
		if (!*d)
			return RONDA_ENOTFOUND;
	}
	if (!realpath(cand, real) || access(real, X_OK) != 0)
		return RONDA_ENOTFOUND;
	if (snprintf(out, n, "%s", real) >= (int)n)
		return RONDA_ELIMIT;
	return RONDA_OK;
}

int check_exe(const struct check_ctx *c, const char *name, char *exe, size_t n,
	      const char **why)
{
	if (resolve_exe(name, exe, n) != RONDA_OK)
		return RONDA_ENOTFOUND;
	if (c->policy && !policy_permits(c->policy, exe, why))
		return RONDA_ESANDBOX;
	return RONDA_OK;
}

/* Adds captured output as a JSON string value. */
static void add_output(struct check_result *res, const char *key,
		       const struct buf *b, int truncated)
{
	char tkey[64];

	json_object_set_new(res->values, key, proto_stringn(buf_data(b), buf_len(b)));
	snprintf(tkey, sizeof(tkey), "%s_truncated", key);
	json_object_set_new(res->values, tkey, json_boolean(truncated));
}

/*
 * Runs argv (argv[0] already resolved to exe) through the trampoline.
 * Returns RONDA_OK with *sr filled, or an error after which the result says
 * why.
 */
int check_run_tramp(const struct check_ctx *c, const char *exe, json_t *args,
		    const char *const *fixed, int unix_ok, double timeout,
		    size_t cap, struct spawn_res *sr)
{
	size_t n = args ? json_array_size(args) : 0, k = 0;
	struct spawn_req rq;
	char **argv;
	int r;

	for (const char *const *f = fixed; f && *f; f++)
		n++;
	argv = calloc(n + 8, sizeof(*argv));
	if (!argv)
		return RONDA_ENOMEM;
	memset(&rq, 0, sizeof(rq));
	k = check_self_argv(c, argv, &rq.path);
	argv[k++] = spawn_arg("--exec");
	if (unix_ok)
		argv[k++] = spawn_arg("--unix");
	if (c->unconfined)
		argv[k++] = spawn_arg("--unconfined");
	argv[k++] = spawn_arg("--");
	argv[k++] = spawn_arg(exe);
	for (size_t i = 1; args && i < json_array_size(args); i++)
		argv[k++] = spawn_arg(json_string_value(json_array_get(args, i)));
	for (const char *const *f = fixed; f && *f; f++)
		argv[k++] = spawn_arg(*f);
	argv[k] = NULL;
	rq.argv = argv;
	rq.timeout = timeout;
	rq.out_max = cap;
	rq.err_max = cap;
	r = spawn_run(&rq, sr);
	free(argv);
	return r;
}

static int command_prepare(const struct proto_task *t, const struct check_ctx *c,
			   struct buf *err)
{
	const char *re = proto_task_str(t, "match", NULL);
	regex_t rx;

	/* argv, exit and max_output follow the schema (proto_schema.c). */
	(void)c;
	if (re && regcomp(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE)) {
		buf_printf(err, "\"match\" is not a valid extended regex: %s", re);
		return RONDA_EINVAL;
	}
	if (re)
		regfree(&rx);
	return RONDA_OK;
}

/*
 * A command may reach unix sockets (systemctl, D-Bus, and whatever listens
 * behind them) only in a maintain job that is not a dry run: under inspect,
 * --preview and dry_run it runs read-only like everything else.
 */
static int unix_ok(const struct check_ctx *c)
{
	return c->job && c->job->profile == PROFILE_MAINTAIN && !c->job->dry_run;
}

static int command_run(const struct proto_task *t, const struct check_ctx *c,
		       struct check_result *res)
{
	json_t *argv = proto_task_strs(t, "argv");
	const char *a0 = json_string_value(json_array_get(argv, 0));
	const char *re = proto_task_str(t, "match", NULL), *why = NULL;
	int want = (int)proto_task_num(t, "exit", 0), r, hit;
	char exe[PATH_MAX], how[160];
	struct spawn_res sr;
	regex_t rx;

	spawn_res_init(&sr);
	r = check_exe(c, a0, exe, sizeof(exe), &why);
	if (r == RONDA_ENOTFOUND) {
		check_say(res, VERDICT_ERROR, "%s: no such executable", a0);
		goto out;
	}
	check_value_str(res, "executable", exe);
	if (r != RONDA_OK) {
		check_say(res, VERDICT_SKIPPED, "%s refused by host policy %s (%s)",
			  exe, POLICY_PATH, why);
		goto out;
	}
	r = check_run_tramp(c, exe, argv, NULL, unix_ok(c),
			    t->timeout > 0 ? t->timeout : CMD_TIMEOUT,
			    (size_t)proto_task_num(t, "max_output", 65536), &sr);
	if (r != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "%s: %s", exe, spawn_failure(r));
		goto out;
	}
	spawn_describe(sr.status, sr.timed_out, how, sizeof(how));
	add_output(res, "stdout", &sr.out, sr.out_truncated);
	add_output(res, "stderr", &sr.err, sr.err_truncated);
	check_value(res, "run_ms", sr.ms);
	if (WIFEXITED(sr.status))
		check_value(res, "exit", WEXITSTATUS(sr.status));
	if (WIFSIGNALED(sr.status))
		check_value(res, "signal", WTERMSIG(sr.status));
	if (sr.timed_out) {
		check_say(res, VERDICT_FAIL, "%s: %s after %gs", a0, how,
			  t->timeout > 0 ? t->timeout : CMD_TIMEOUT);
		goto out;
	}
	if (WIFSIGNALED(sr.status) && WTERMSIG(sr.status) == SIGSYS) {
		check_say(res, VERDICT_ERROR, "%s: %s", a0, how);
		goto out;
	}
	if (WIFEXITED(sr.status) && WEXITSTATUS(sr.status) == 127 &&
	    strstr(buf_data(&sr.err), "ronda-agent: exec "))
		check_say(res, VERDICT_ERROR, "%s: could not exec", a0);
	else
		check_say(res, WIFEXITED(sr.status) && WEXITSTATUS(sr.status) == want ?
			  VERDICT_OK : VERDICT_FAIL, "%s: %s", a0, how);
	if (WIFEXITED(sr.status) && WEXITSTATUS(sr.status) != want)
		check_add(res, VERDICT_FAIL, "want exit %d", want);
	if (re && regcomp(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0) {
		hit = regexec(&rx, buf_data(&sr.out), 0, NULL, 0) == 0;
		regfree(&rx);
		if (!hit)
			check_add(res, VERDICT_FAIL, "output does not match /%s/", re);
	}
	if (sr.out_truncated || sr.err_truncated)
		check_add(res, VERDICT_OK, "output truncated");
out:
	spawn_res_release(&sr);
	return RONDA_OK;
}

/*
 * Finds systemctl as the host policy allows it and checks that systemd
 * runs; else says why the task is skipped and returns nonzero.
 */
static int systemctl_ready(const struct check_ctx *c, char *exe, size_t n,
			   struct check_result *res)
{
	const char *why = NULL;
	int r;

	/* The host policy rules systemctl as it rules a command task. */
	r = check_exe(c, "systemctl", exe, n, &why);
	if (r == RONDA_ENOTFOUND) {
		check_say(res, VERDICT_SKIPPED, "no systemctl: not a systemd host");
		return -1;
	}
	if (r != RONDA_OK) {
		check_say(res, VERDICT_SKIPPED, "%s refused by host policy %s (%s)",
			  exe, POLICY_PATH, why);
		return -1;
	}
	/* sd_booted(3)'s test: without it systemctl can only fail, slowly. */
	if (access("/run/systemd/system", F_OK) != 0) {
		check_say(res, VERDICT_SKIPPED, "systemd is not running (no /run/systemd/system)");
		return -1;
	}
	return 0;
}

static int service_run(const struct proto_task *t, const struct check_ctx *c,
		       struct check_result *res)
{
	const char *unit = proto_task_str(t, "unit", "");
	const char *expect = proto_task_str(t, "expect", "active");
	const char *fixed[] = { "is-active", "--", unit, NULL };
	char exe[PATH_MAX], state[64], how[160];
	struct spawn_res sr;
	size_t n;
	int r;

	spawn_res_init(&sr);
	if (systemctl_ready(c, exe, sizeof(exe), res))
		goto out;
	/* systemctl asks systemd over its unix socket (or D-Bus's). */
	r = check_run_tramp(c, exe, NULL, fixed, 1, t->timeout > 0 ? t->timeout : 10,
			    4096, &sr);
	if (r != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "systemctl: %s", spawn_failure(r));
		goto out;
	}
	n = strcspn(buf_data(&sr.out), "\n");
	snprintf(state, sizeof(state), "%.*s", (int)n, buf_data(&sr.out));
	if (sr.timed_out || !WIFEXITED(sr.status) || !state[0]) {
		spawn_describe(sr.status, sr.timed_out, how, sizeof(how));
		n = strcspn(buf_data(&sr.err), "\n");
		check_say(res, VERDICT_ERROR, "systemctl is-active %s: %s%s%.*s", unit,
			  how, n ? ": " : "", (int)n, buf_data(&sr.err));
		goto out;
	}
	check_value_str(res, "state", state);
	check_say(res, strcmp(state, expect) ? VERDICT_FAIL : VERDICT_OK,
		  "%s is %s", unit, state);
	if (strcmp(state, expect))
		check_add(res, VERDICT_FAIL, "want %s", expect);
out:
	spawn_res_release(&sr);
	return RONDA_OK;
}

int units_parse(const char *text, json_t *ignore, json_t *names)
{
	const char *l = text, *e;
	size_t n, k;
	char unit[256];

	for (; *l; l = *e ? e + 1 : e) {
		e = l + strcspn(l, "\n");
		l += strspn(l, " \t");
		n = strcspn(l, " \t\n");
		if (!n || n >= sizeof(unit) || l + n > e)
			continue;
		memcpy(unit, l, n);
		unit[n] = '\0';
		for (k = 0; k < json_array_size(ignore); k++) {
			if (fnmatch(json_string_value(json_array_get(ignore, k)), unit, 0) == 0)
				break;
		}
		if (k < json_array_size(ignore))
			continue;
		if (json_array_append_new(names, json_string(unit)))
			return RONDA_ENOMEM;
	}
	return RONDA_OK;
}

/*
 * systemd's failed units, listed by systemctl itself (no shell): a native
 * check where a playbook had to write `sh -c "systemctl list-units ..."`,
 * and which is skipped, without spawning anything, where systemd does not
 * run.
 */
static int units_run(const struct proto_task *t, const struct check_ctx *c,
		     struct check_result *res)
{
	const char *fixed[] = { "list-units", "--state=failed", "--no-legend", "--plain",
				"--full", "--no-pager", NULL };
	json_t *ignore = json_object_get(t->obj, "ignore");
	long long max = (long long)proto_task_num(t, "max", 0);
	char exe[PATH_MAX], how[160];
	struct spawn_res sr;
	json_t *names = NULL;
	size_t n, shown;
	int r;

	spawn_res_init(&sr);
	if (systemctl_ready(c, exe, sizeof(exe), res))
		goto out;
	r = check_run_tramp(c, exe, NULL, fixed, 1, t->timeout > 0 ? t->timeout : 10,
			    1 << 20, &sr);
	if (r != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "systemctl: %s", spawn_failure(r));
		goto out;
	}
	if (sr.timed_out || !WIFEXITED(sr.status) || WEXITSTATUS(sr.status) != 0) {
		spawn_describe(sr.status, sr.timed_out, how, sizeof(how));
		n = strcspn(buf_data(&sr.err), "\n");
		check_say(res, VERDICT_ERROR, "systemctl list-units: %s%s%.*s", how,
			  n ? ": " : "", (int)n, buf_data(&sr.err));
		goto out;
	}
	names = json_array();
	if (!names || units_parse(buf_data(&sr.out), ignore, names) != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "out of memory");
		goto out;
	}
	n = json_array_size(names);
	check_value(res, "failed", (double)n);
	if (json_object_set(res->values, "units", names)) {
		check_say(res, VERDICT_ERROR, "out of memory");
		goto out;
	}
	if (!n) {
		check_say(res, VERDICT_OK, "no failed units");
		goto out;
	}
	check_say(res, (long long)n > max ? VERDICT_FAIL : VERDICT_OK, "%zu failed unit(s):", n);
	shown = n < 5 ? n : 5;
	for (size_t i = 0; i < shown; i++)
		buf_printf(&res->msg, "%s %s", i ? "," : "",
			   json_string_value(json_array_get(names, i)));
	if (n > shown)
		buf_printf(&res->msg, " and %zu more", n - shown);
	if ((long long)n > max)
		check_add(res, VERDICT_FAIL, "want at most %lld", max);
out:
	json_decref(names);
	spawn_res_release(&sr);
	return RONDA_OK;
}

const struct check_ops check_command = { "command", 0, 30, command_prepare, command_run, NULL, NULL };
const struct check_ops check_service = { "service", 0, 10, NULL, service_run, NULL, NULL };
const struct check_ops check_units = { "units", 0, 10, NULL, units_run, NULL, NULL };
