/*
 * checkspec.c - the compact check syntax of `ronda check`; see
 * checkspec_help below, which is the documentation users get.
 *
 * A spec is a check type and fields separated by ':' (sysctl takes the
 * rest of the spec whole, because values may hold ':').  Each type has a
 * small parser that turns its fields into a task object in the agent's
 * format; the task is named by the spec itself, so the summary and the JSON
 * show exactly what was typed.  One threshold means "fail at this" (warn is
 * set to the same value, so nothing warns first); two mean warn and fail.
 * The finished task is checked against the agent's schema with
 * proto_job_parse, like a playbook task: value rules (paths, ports, unit
 * and sysctl names, words) are the schema's, said in its words, not
 * repeated here; the parsers only split and convert.
 */
#include "checkspec.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "proto.h"
#include "banned.h"

const char checkspec_help[] =
"Checks (ronda check PATTERN CHECK...); thresholds: one value fails at it,\n"
"two are WARN:FAIL.  Paths are absolute and cannot hold ':'.\n"
"  disk[:PATH][:[WARN%:]FAIL%]  space used; no PATH: every filesystem\n"
"                               disk:/var:90%  disk:/var:80%:90%  disk::95%\n"
"  mem[:[WARN%:]FAIL%]          memory available, lower is worse: mem:10%\n"
"  load[:[WARN:]FAIL]           load average per CPU (5 min): load:2\n"
"  proc:NAME[:MIN[-MAX]]        processes named NAME (exact, as in ps -o comm):\n"
"                               proc:nginx  proc:nginx:4  proc:cron:1-1\n"
"  port:PORT[/tcp|/udp][:closed]  something listens (or nothing, with :closed):\n"
"                               port:443  port:53/udp  port:23:closed\n"
"  file:PATH[:absent]           PATH exists (or must not): file:/etc/nologin:absent\n"
"  svc:UNIT[:STATE]             systemctl is-active UNIT says STATE (active):\n"
"                               svc:nginx  svc:apache2:inactive\n"
"  units[:MAX]                  at most MAX (0) systemd units failed: units\n"
"  mount:PATH[:OPT,...]         PATH is a mount point, with these options:\n"
"                               mount:/data  mount:/data:ro,noexec\n"
"  sysctl:KEY(=|!=|<|<=|>|>=)VALUE  sysctl:vm.swappiness<=10\n"
"                               sysctl:net.ipv4.ip_forward=0\n"
"  uptime[:DAYS]                up less than DAYS days (default: any); warns\n"
"                               when a reboot is required\n"
"  clock[:[WARN:]FAIL]          seconds off this machine's clock: clock:2\n"
"Long names work too: memory, process, service.\n";

#define SPEC_MAX_FIELDS 6
#define SPEC_MAX_LEN 512

/* The fields of one spec, split at ':' in a copy of it. */
struct spec {
	const char *text;		/* the whole spec, for messages */
	char *copy;
	char *f[SPEC_MAX_FIELDS];	/* f[0] is the type */
	size_t n;
};

__attribute__((format(printf, 3, 4)))
static int bad(const struct spec *s, struct buf *err, const char *fmt, ...)
{
	va_list ap;

	buf_printf(err, "check \"%s\": ", s->text);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	return RONDA_EINVAL;
}

/* A finite number; pct allows (and max bounds) a trailing '%'. */
static int number(const char *str, int pct, double max, double *v)
{
	char *end;
	double x;

	/* Plain decimals only: strtod would also take hex, exponents, "inf". */
	if (!*str || strspn(str, "0123456789.") != strlen(str) - (pct && str[strlen(str) - 1] == '%'))
		return RONDA_EINVAL;
	x = strtod(str, &end);
	if (pct && *end == '%')
		end++;
	if (*end || !isfinite(x) || x < 0 || x > max)
		return RONDA_EINVAL;
	*v = x;
	return RONDA_OK;
}

static int set_num(json_t *t, const char *key, double v)
{
	json_t *j = v == floor(v) && v < 1e15 ? json_integer((json_int_t)v) : json_real(v);

	return j && json_object_set_new(t, key, j) == 0 ? RONDA_OK : RONDA_ENOMEM;
}

static int set_str(json_t *t, const char *key, const char *v)
{
	return json_object_set_new(t, key, json_string(v)) == 0 ? RONDA_OK : RONDA_ENOMEM;
}

/*
 * Reads the thresholds in fields f[from..n): none, FAIL, or WARN:FAIL.
 * higher_worse says which order they must be in.  Sets warn/fail keys.
 */
static int thresholds(const struct spec *s, size_t from, int pct, double max,
		      int higher_worse, const char *what, json_t *t, struct buf *err)
{
	double v[2];
	size_t k = s->n - from;

	if (k == 0)
		return RONDA_OK;
	if (k > 2)
		return bad(s, err, "too many fields; at most WARN:FAIL");
	for (size_t i = 0; i < k; i++) {
		if (number(s->f[from + i], pct, max, &v[i]) != RONDA_OK)
			return bad(s, err, "\"%s\" is not %s", s->f[from + i], what);
	}
	if (k == 1)
		v[1] = v[0];
	if (higher_worse ? v[0] > v[1] : v[0] < v[1])
		return bad(s, err, "warn (%s) must come before fail (%s): %s", s->f[from],
			   s->f[from + 1], higher_worse ? "warn <= fail" : "warn >= fail, lower is worse");
	if (set_num(t, "warn", v[0]) || set_num(t, "fail", v[1]))
		return RONDA_ENOMEM;
	return RONDA_OK;
}

static int spec_disk(const struct spec *s, json_t *t, struct buf *err)
{
	int r;

	if (s->n >= 2 && s->f[1][0]) {
		if ((r = set_str(t, "path", s->f[1])))
			return r;
	}
	return thresholds(s, s->n >= 2 ? 2 : 1, 1, 100, 1, "a percentage such as 90%", t, err);
}

static int spec_memory(const struct spec *s, json_t *t, struct buf *err)
{
	return thresholds(s, 1, 1, 100, 0, "a percentage such as 10%", t, err);
}

static int spec_load(const struct spec *s, json_t *t, struct buf *err)
{
	return thresholds(s, 1, 0, 1e6, 1, "a load per CPU such as 2 or 1.5", t, err);
}

static int spec_clock(const struct spec *s, json_t *t, struct buf *err)
{
	return thresholds(s, 1, 0, 1e9, 1, "a number of seconds", t, err);
}

static int spec_uptime(const struct spec *s, json_t *t, struct buf *err)
{
	double d;

	if (s->n > 2)
		return bad(s, err, "too many fields; uptime[:DAYS]");
	if (s->n == 2) {
		if (number(s->f[1], 0, 1e6, &d) != RONDA_OK || d <= 0)
			return bad(s, err, "\"%s\" is not a number of days", s->f[1]);
		return set_num(t, "fail_days", d);
	}
	return RONDA_OK;
}

static int count(const char *str, long long *v)
{
	char *end;

	if (*str < '0' || *str > '9')
		return RONDA_EINVAL;
	*v = strtoll(str, &end, 10);
	return *end || *v > 1000000 ? RONDA_EINVAL : RONDA_OK;
}

static int spec_process(const struct spec *s, json_t *t, struct buf *err)
{
	long long min, max;
	char *dash;
	int r;

	if (s->n < 2 || !s->f[1][0])
		return bad(s, err, "give a process name: proc:NAME");
	if (s->n > 3)
		return bad(s, err, "too many fields; proc:NAME[:MIN[-MAX]]");
	if (strlen(s->f[1]) > 15 || strchr(s->f[1], '/'))
		return bad(s, err, "\"%s\" is not a process name (at most 15 characters, no '/')",
			   s->f[1]);
	if ((r = set_str(t, "comm", s->f[1])))
		return r;
	if (s->n < 3)
		return RONDA_OK;
	dash = strchr(s->f[2], '-');
	if (dash)
		*dash = '\0';
	if (count(s->f[2], &min) || (dash && count(dash + 1, &max)))
		return bad(s, err, "want a count MIN or a range MIN-MAX after the name");
	if (dash && max < min)
		return bad(s, err, "the range %lld-%lld is empty", min, max);
	if ((r = set_num(t, "min", (double)min)))
		return r;
	return dash ? set_num(t, "max", (double)max) : RONDA_OK;
}

static int spec_port(const struct spec *s, json_t *t, struct buf *err)
{
	char *slash;
	long long port;
	int r;

	if (s->n < 2 || s->n > 3)
		return bad(s, err, "write port:PORT[/tcp|/udp][:closed]");
	slash = strchr(s->f[1], '/');
	if (slash)
		*slash++ = '\0';
	if (count(s->f[1], &port))
		return bad(s, err, "\"%s\" is not a port number", s->f[1]);
	if ((r = set_num(t, "port", (double)port)) ||
	    (slash && (r = set_str(t, "proto", slash))))
		return r;
	return s->n == 3 ? set_str(t, "expect", s->f[2]) : RONDA_OK;
}

static int spec_file(const struct spec *s, json_t *t, struct buf *err)
{
	int r;

	if (s->n < 2 || s->n > 3)
		return bad(s, err, "write file:PATH or file:PATH:absent");
	if ((r = set_str(t, "path", s->f[1])))
		return r;
	if (s->n == 3) {
		if (strcmp(s->f[2], "absent") && strcmp(s->f[2], "present"))
			return bad(s, err, "\"%s\": say absent or present", s->f[2]);
		if (json_object_set_new(t, "exists", json_boolean(s->f[2][0] == 'p')))
			return RONDA_ENOMEM;
	}
	return RONDA_OK;
}

static int spec_service(const struct spec *s, json_t *t, struct buf *err)
{
	int r;

	if (s->n < 2 || s->n > 3 || !s->f[1][0])
		return bad(s, err, "write svc:UNIT or svc:UNIT:STATE");
	if ((r = set_str(t, "unit", s->f[1])))
		return r;
	if (s->n == 3) {
		if (!s->f[2][0])
			return bad(s, err, "empty state");
		return set_str(t, "expect", s->f[2]);
	}
	return RONDA_OK;
}

static int spec_units(const struct spec *s, json_t *t, struct buf *err)
{
	long long max;

	if (s->n > 2)
		return bad(s, err, "too many fields; units[:MAX]");
	if (s->n == 2) {
		if (count(s->f[1], &max) != RONDA_OK)
			return bad(s, err, "\"%s\" is not a count of units", s->f[1]);
		return set_num(t, "max", (double)max);
	}
	return RONDA_OK;
}

static int spec_mount(const struct spec *s, json_t *t, struct buf *err)
{
	json_t *opts;
	char *o, *comma;
	int r;

	if (s->n < 2 || s->n > 3)
		return bad(s, err, "write mount:PATH or mount:PATH:OPT,OPT");
	if ((r = set_str(t, "path", s->f[1])))
		return r;
	if (s->n < 3)
		return RONDA_OK;
	opts = json_array();
	if (!opts || json_object_set_new(t, "options", opts))
		return RONDA_ENOMEM;
	for (o = s->f[2]; o; o = comma ? comma + 1 : NULL) {
		comma = strchr(o, ',');
		if (comma)
			*comma = '\0';
		if (!*o)
			return bad(s, err, "empty mount option");
		if (json_array_append_new(opts, json_string(o)))
			return RONDA_ENOMEM;
	}
	return RONDA_OK;
}

/* Operators, longest first so "<=" is not read as "<". */
static const struct { const char *text, *op; } sysctl_ops[] = {
	{ "!=", "ne" }, { "<=", "le" }, { ">=", "ge" },
	{ "=", "eq" }, { "<", "lt" }, { ">", "gt" },
};

static int spec_sysctl(const struct spec *s, json_t *t, struct buf *err)
{
	const char *arg = s->n >= 2 ? s->f[1] : "", *best = NULL, *val;
	size_t op = 0, klen;
	double num;
	char *key;
	int r;

	if (s->n < 2)
		return bad(s, err, "write sysctl:KEY=VALUE (or != < <= > >=)");
	/* The first operator character splits key and value. */
	for (size_t i = 0; i < sizeof(sysctl_ops) / sizeof(sysctl_ops[0]); i++) {
		const char *p = strstr(arg, sysctl_ops[i].text);

		if (p && (!best || p < best)) {
			best = p;
			op = i;
		}
	}
	if (!best || best == arg)
		return bad(s, err, "write sysctl:KEY=VALUE (or != < <= > >=)");
	klen = (size_t)(best - arg);
	val = best + strlen(sysctl_ops[op].text);
	if (!*val)
		return bad(s, err, "no value after \"%s\"", sysctl_ops[op].text);
	if (!(key = strndup(arg, klen)))
		return RONDA_ENOMEM;
	r = set_str(t, "key", key);
	free(key);
	if (r || (r = set_str(t, "op", sysctl_ops[op].op)))
		return r;
	if (number(val, 0, 1e18, &num) == RONDA_OK)
		return set_num(t, "value", num);
	return set_str(t, "value", val);
}

static const struct {
	const char *name, *check;
	int (*parse)(const struct spec *s, json_t *t, struct buf *err);
} spec_types[] = {
	{ "disk", "disk", spec_disk },
	{ "mem", "memory", spec_memory },
	{ "memory", "memory", spec_memory },
	{ "load", "load", spec_load },
	{ "proc", "process", spec_process },
	{ "process", "process", spec_process },
	{ "port", "port", spec_port },
	{ "file", "file", spec_file },
	{ "svc", "service", spec_service },
	{ "service", "service", spec_service },
	{ "units", "units", spec_units },
	{ "mount", "mount", spec_mount },
	{ "sysctl", "sysctl", spec_sysctl },
	{ "uptime", "uptime", spec_uptime },
	{ "clock", "clock", spec_clock },
};

/* The task alone, as the agent will check it. */
static int agent_accepts(const struct spec *s, json_t *task, struct buf *err)
{
	struct proto_job job;
	struct buf why;
	json_t *j = json_pack("{s:i, s:[O]}", "ronda", PROTO_VERSION, "tasks", task);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	const char *msg;
	int r = RONDA_ENOMEM;

	json_decref(j);
	if (!text)
		return r;
	buf_init(&why, 1024);
	r = proto_job_parse(text, strlen(text), &job, &why);
	if (r == RONDA_OK) {
		proto_job_release(&job);
	} else {
		/* The spec names the task; drop the job's "tasks[0] (...): ". */
		msg = strstr(buf_data(&why), "): ");
		r = bad(s, err, "%s", msg ? msg + 3 : buf_data(&why));
	}
	buf_release(&why);
	free(text);
	return r;
}

int checkspec_parse(const char *spec, struct patrol_plan *plan, struct buf *err)
{
	struct spec s = { .text = spec };
	json_t *task = NULL, *v;
	size_t i, k;
	char *p;
	int r = RONDA_ENOMEM;

	if (!*spec || strlen(spec) > SPEC_MAX_LEN) {
		buf_printf(err, "check \"%.40s\": empty or longer than %d characters", spec,
			   SPEC_MAX_LEN);
		return RONDA_EINVAL;
	}
	if (!(s.copy = strdup(spec)))
		return RONDA_ENOMEM;
	for (p = s.copy; p && s.n < SPEC_MAX_FIELDS;) {
		s.f[s.n++] = p;
		p = strchr(p, ':');
		if (p)
			*p++ = '\0';
		/* A sysctl value may hold ':'; keep the rest whole. */
		if (p && s.n == 1 && strcmp(s.f[0], "sysctl") == 0) {
			s.f[s.n++] = p;
			p = NULL;
		}
	}
	if (p) {
		r = bad(&s, err, "too many ':' fields");
		goto out;
	}
	for (i = 0; i < sizeof(spec_types) / sizeof(spec_types[0]); i++) {
		if (strcmp(s.f[0], spec_types[i].name) == 0)
			break;
	}
	if (i == sizeof(spec_types) / sizeof(spec_types[0])) {
		r = bad(&s, err, "unknown check \"%s\" (disk, mem, load, proc, port, file, svc, "
			"mount, sysctl, uptime, clock; see --help)", s.f[0]);
		goto out;
	}
	task = json_pack("{s:s, s:s}", "name", spec, "check", spec_types[i].check);
	if (!task)
		goto out;
	r = spec_types[i].parse(&s, task, err);
	if (r != RONDA_OK || (r = agent_accepts(&s, task, err)) != RONDA_OK)
		goto out;
	r = RONDA_ENOMEM;
	if (!plan->tasks && !(plan->tasks = json_array()))
		goto out;
	json_array_foreach(plan->tasks, k, v) {
		if (strcmp(json_string_value(json_object_get(v, "name")), spec) == 0) {
			r = bad(&s, err, "given twice");
			goto out;
		}
	}
	if (json_array_size(plan->tasks) >= PROTO_MAX_TASKS) {
		r = bad(&s, err, "more than %d checks", PROTO_MAX_TASKS);
		goto out;
	}
	if ((!plan->name && !(plan->name = strdup("check"))) ||
	    (!plan->profile && !(plan->profile = strdup("inspect"))))
		goto out;
	if (json_array_append(plan->tasks, task))
		goto out;
	r = RONDA_OK;
out:
	json_decref(task);
	free(s.copy);
	return r;
}
