/*
 * proto.c - job validation and protocol lines; see proto.h and PROTOCOL.md.
 *
 * Validation is table-driven: every task key must be one of the common keys
 * (name, check, timeout) or listed in its check's field table with the
 * matching JSON type.  Semantic checks that need the host (does the regex
 * compile, is the path absolute) belong to the agent's prepare step, which
 * also runs before anything does.
 */
#include "proto.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "escape.h"
#include "banned.h"

static const struct proto_field f_disk[] = {
	{ "path", FT_STR, 0 }, { "warn", FT_NUM, 0 }, { "fail", FT_NUM, 0 },
	{ "inode_warn", FT_NUM, 0 }, { "inode_fail", FT_NUM, 0 }, { NULL, 0, 0 } };
static const struct proto_field f_memory[] = {
	{ "warn", FT_NUM, 0 }, { "fail", FT_NUM, 0 },
	{ "swap_warn", FT_NUM, 0 }, { "swap_fail", FT_NUM, 0 }, { NULL, 0, 0 } };
static const struct proto_field f_load[] = {
	{ "warn", FT_NUM, 0 }, { "fail", FT_NUM, 0 }, { "window", FT_INT, 0 },
	{ NULL, 0, 0 } };
static const struct proto_field f_uptime[] = {
	{ "warn_days", FT_NUM, 0 }, { "fail_days", FT_NUM, 0 },
	{ "warn_below", FT_NUM, 0 }, { "reboot_required", FT_STR, 0 },
	{ NULL, 0, 0 } };
static const struct proto_field f_process[] = {
	{ "comm", FT_STR, 0 }, { "match", FT_STR, 0 }, { "user", FT_STR, 0 },
	{ "min", FT_INT, 0 }, { "max", FT_INT, 0 },
	{ "zombie_warn", FT_INT, 0 }, { "zombie_fail", FT_INT, 0 }, { NULL, 0, 0 } };
static const struct proto_field f_port[] = {
	{ "port", FT_INT, 1 }, { "proto", FT_STR, 0 }, { "address", FT_STR, 0 },
	{ "expect", FT_STR, 0 }, { NULL, 0, 0 } };
static const struct proto_field f_file[] = {
	{ "path", FT_STR, 1 }, { "exists", FT_BOOL, 0 }, { "type", FT_STR, 0 },
	{ "mode", FT_STR, 0 }, { "owner", FT_STR, 0 }, { "group", FT_STR, 0 },
	{ "max_size", FT_NUM, 0 }, { "warn_age", FT_NUM, 0 },
	{ "fail_age", FT_NUM, 0 }, { "contains", FT_STR, 0 }, { NULL, 0, 0 } };
static const struct proto_field f_mount[] = {
	{ "path", FT_STR, 1 }, { "options", FT_STRS, 0 }, { "fstype", FT_STR, 0 },
	{ NULL, 0, 0 } };
static const struct proto_field f_sysctl[] = {
	{ "key", FT_STR, 1 }, { "op", FT_STR, 0 }, { "value", FT_SCALAR, 1 },
	{ NULL, 0, 0 } };
static const struct proto_field f_service[] = {
	{ "unit", FT_STR, 1 }, { "expect", FT_STR, 0 }, { NULL, 0, 0 } };
static const struct proto_field f_command[] = {
	{ "argv", FT_STRS, 1 }, { "exit", FT_INT, 0 }, { "match", FT_STR, 0 },
	{ "max_output", FT_INT, 0 }, { NULL, 0, 0 } };
static const struct proto_field f_clock[] = {
	{ "warn", FT_NUM, 0 }, { "fail", FT_NUM, 0 }, { NULL, 0, 0 } };

/* Log rotation (logrotate's directives) and the sweep; see PROTOCOL.md. */
static const struct proto_field f_rotate[] = {
	{ "path", FT_STR, 0 }, { "paths", FT_STRS, 0 }, { "frequency", FT_STR, 0 },
	{ "weekday", FT_INT, 0 },
	{ "size", FT_SCALAR, 0 }, { "minsize", FT_SCALAR, 0 },
	{ "maxsize", FT_SCALAR, 0 }, { "rotate", FT_INT, 0 },
	{ "maxage", FT_NUM, 0 }, { "compress", FT_BOOL, 0 },
	{ "compress_level", FT_INT, 0 }, { "delaycompress", FT_BOOL, 0 },
	{ "copytruncate", FT_BOOL, 0 }, { "create", FT_BOOL, 0 },
	{ "create_mode", FT_STR, 0 }, { "owner", FT_STR, 0 },
	{ "group", FT_STR, 0 }, { "dateext", FT_BOOL, 0 },
	{ "dateformat", FT_STR, 0 }, { "missingok", FT_BOOL, 0 },
	{ "notifempty", FT_BOOL, 0 }, { "olddir", FT_STR, 0 },
	{ "postrotate", FT_STRS, 0 }, { "su", FT_STR, 0 },
	{ "dry_run", FT_BOOL, 0 }, { "state", FT_STR, 0 }, { NULL, 0, 0 } };
static const struct proto_field f_cleanup[] = {
	{ "path", FT_STR, 1 }, { "glob", FT_STR, 0 }, { "older_than", FT_NUM, 0 },
	{ "max_total", FT_SCALAR, 0 }, { "archive", FT_BOOL, 0 },
	{ "compress_level", FT_INT, 0 }, { "recurse", FT_BOOL, 0 },
	{ "cross_mounts", FT_BOOL, 0 }, { "su", FT_STR, 0 },
	{ "dry_run", FT_BOOL, 0 }, { NULL, 0, 0 } };

static const struct proto_check checks[] = {
	{ "disk", f_disk, 0 },
	{ "memory", f_memory, 0 },
	{ "load", f_load, 0 },
	{ "uptime", f_uptime, 0 },
	{ "process", f_process, 0 },
	{ "port", f_port, 0 },
	{ "file", f_file, 0 },
	{ "mount", f_mount, 0 },
	{ "sysctl", f_sysctl, 0 },
	{ "service", f_service, 0 },
	{ "command", f_command, 0 },
	{ "clock", f_clock, 0 },
	{ "rotate", f_rotate, 1 },
	{ "cleanup", f_cleanup, 1 },
};

static const char *const verdict_names[VERDICT__COUNT] = {
	[VERDICT_OK] = "ok", [VERDICT_WARN] = "warn", [VERDICT_FAIL] = "fail",
	[VERDICT_ERROR] = "error", [VERDICT_SKIPPED] = "skipped",
};

static const char *const profile_names[] = {
	[PROFILE_INSPECT] = "inspect", [PROFILE_MAINTAIN] = "maintain",
};

static const char *const line_types[] = {
	"facts", "result", "summary", "error",
};

const char *proto_verdict_name(int verdict)
{
	if (verdict < 0 || verdict >= VERDICT__COUNT)
		return "error";
	return verdict_names[verdict];
}

int proto_verdict_from_name(const char *name, int *verdict)
{
	for (int i = 0; i < VERDICT__COUNT; i++) {
		if (strcmp(name, verdict_names[i]) == 0) {
			*verdict = i;
			return RONDA_OK;
		}
	}
	return RONDA_EINVAL;
}

const char *proto_profile_name(int profile)
{
	if (profile < 0 || profile > PROFILE_MAINTAIN)
		return "?";
	return profile_names[profile];
}

int proto_profile_from_name(const char *name, int *profile)
{
	for (int i = 0; i <= PROFILE_MAINTAIN; i++) {
		if (strcmp(name, profile_names[i]) == 0) {
			*profile = i;
			return RONDA_OK;
		}
	}
	return RONDA_EINVAL;
}

const struct proto_check *proto_check_find(const char *name)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (strcmp(name, checks[i].name) == 0)
			return &checks[i];
	}
	return NULL;
}

const struct proto_check *proto_checks(size_t *n)
{
	*n = sizeof(checks) / sizeof(checks[0]);
	return checks;
}

static const char *type_name(enum proto_ftype t)
{
	switch (t) {
	case FT_STR:	return "a string";
	case FT_NUM:	return "a number";
	case FT_INT:	return "an integer";
	case FT_BOOL:	return "true or false";
	case FT_STRS:	return "an array of strings";
	case FT_SCALAR:	return "a string or a number";
	case FT_ARRAY:	return "an array";
	case FT_OBJECT:	return "an object";
	}
	return "?";
}

static int type_ok(const json_t *v, enum proto_ftype t)
{
	size_t i;
	json_t *e;

	switch (t) {
	case FT_STR:	return json_is_string(v);
	case FT_NUM:	return json_is_number(v) && isfinite(json_number_value(v));
	case FT_INT:	return json_is_integer(v);
	case FT_BOOL:	return json_is_boolean(v);
	case FT_SCALAR:	return json_is_string(v) || json_is_number(v);
	case FT_ARRAY:	return json_is_array(v);
	case FT_OBJECT:	return json_is_object(v);
	case FT_STRS:
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				return 0;
		}
		return 1;
	}
	return 0;
}

static const struct proto_field common_fields[] = {
	{ "name", FT_STR, 0 }, { "check", FT_STR, 1 }, { "timeout", FT_NUM, 0 },
	{ "when", FT_OBJECT, 0 }, { NULL, 0, 0 } };

static const struct proto_field when_fields[] = {
	{ "task", FT_STR, 1 }, { "verdict", FT_STRS, 1 }, { NULL, 0, 0 } };

static const struct proto_field *field_find(const struct proto_field *f,
					    const char *key)
{
	for (; f->name; f++) {
		if (strcmp(f->name, key) == 0)
			return f;
	}
	return NULL;
}

/* Checks obj's keys against two field tables; appends a reason to err. */
static int check_fields(json_t *obj, const struct proto_field *a,
			const struct proto_field *b, struct buf *err)
{
	const char *key;
	json_t *v;
	const struct proto_field *f;

	json_object_foreach(obj, key, v) {
		f = field_find(a, key);
		if (!f && b)
			f = field_find(b, key);
		if (!f) {
			buf_printf(err, "unknown key \"%s\"", key);
			return RONDA_EPARSE;
		}
		if (!type_ok(v, f->type)) {
			buf_printf(err, "\"%s\" must be %s", key, type_name(f->type));
			return RONDA_EPARSE;
		}
	}
	for (const struct proto_field *t = a; t; t = (t == a ? b : NULL)) {
		for (f = t; f->name; f++) {
			if (f->required && !json_object_get(obj, f->name)) {
				buf_printf(err, "missing key \"%s\"", f->name);
				return RONDA_EPARSE;
			}
		}
	}
	return RONDA_OK;
}

static const struct proto_field job_fields[] = {
	{ "ronda", FT_INT, 1 }, { "profile", FT_STR, 0 }, { "now", FT_NUM, 0 },
	{ "timeout", FT_NUM, 0 }, { "tasks", FT_ARRAY, 1 },
	{ "write_paths", FT_STRS, 0 }, { "dry_run", FT_BOOL, 0 }, { NULL, 0, 0 } };

static int parse_task(json_t *obj, size_t i, struct proto_task *t,
		      struct buf *err)
{
	const char *cname;
	json_t *v;
	int r;

	if (!json_is_object(obj)) {
		buf_printf(err, "tasks[%zu]: must be an object", i);
		return RONDA_EPARSE;
	}
	v = json_object_get(obj, "check");
	if (!json_is_string(v)) {
		buf_printf(err, "tasks[%zu]: missing key \"check\" (a string)", i);
		return RONDA_EPARSE;
	}
	cname = json_string_value(v);
	t->check = proto_check_find(cname);
	if (!t->check) {
		buf_printf(err, "tasks[%zu]: unknown check \"%s\"", i, cname);
		return RONDA_EPARSE;
	}
	v = json_object_get(obj, "name");
	t->name = json_is_string(v) ? json_string_value(v) : t->check->name;
	buf_printf(err, "tasks[%zu] (\"%s\"): ", i, t->name);
	r = check_fields(obj, common_fields, t->check->fields, err);
	if (r != RONDA_OK)
		return r;
	if (t->name[0] == '\0' || strlen(t->name) > 200) {
		buf_puts(err, "\"name\" must have 1 to 200 characters");
		return RONDA_EPARSE;
	}
	t->timeout = 0;
	v = json_object_get(obj, "timeout");
	if (v) {
		t->timeout = json_number_value(v);
		if (!(t->timeout > 0 && t->timeout <= 86400)) {
			buf_puts(err, "\"timeout\" must be in (0, 86400] seconds");
			return RONDA_EPARSE;
		}
	}
	t->obj = obj;
	buf_truncate(err, 0);
	return RONDA_OK;
}

/*
 * A task's "when": the name of an earlier task and the verdicts of it that
 * let this task run.  Only earlier tasks may be named, so conditions can
 * never form a cycle and the agent decides each one when it gets there.
 */
static int parse_when(struct proto_job *j, size_t i, struct buf *err)
{
	struct proto_task *t = &j->tasks[i];
	json_t *w = json_object_get(t->obj, "when"), *v;
	const char *name;
	size_t k, n;
	int verdict;

	t->when_task = -1;
	t->when_verdicts = 0;
	if (!w)
		return RONDA_OK;
	buf_printf(err, "tasks[%zu] (\"%s\"): \"when\": ", i, t->name);
	if (check_fields(w, when_fields, NULL, err) != RONDA_OK)
		return RONDA_EPARSE;
	name = json_string_value(json_object_get(w, "task"));
	for (k = 0; k < i; k++) {
		if (strcmp(j->tasks[k].name, name) == 0)
			break;
	}
	if (k == i) {
		buf_printf(err, "no earlier task is named \"%s\" (a condition can only name a task before it)",
			   name);
		return RONDA_EPARSE;
	}
	json_array_foreach(json_object_get(w, "verdict"), n, v) {
		if (proto_verdict_from_name(json_string_value(v), &verdict) != RONDA_OK) {
			buf_printf(err, "unknown verdict \"%s\" (ok, warn, fail, error or skipped)",
				   json_string_value(v));
			return RONDA_EPARSE;
		}
		t->when_verdicts |= 1u << verdict;
	}
	if (!t->when_verdicts) {
		buf_puts(err, "\"verdict\" must list at least one verdict");
		return RONDA_EPARSE;
	}
	t->when_task = (int)k;
	buf_truncate(err, 0);
	return RONDA_OK;
}

int proto_job_parse(const char *text, size_t len, struct proto_job *job,
		    struct buf *err)
{
	struct proto_job j;
	json_error_t jerr;
	json_t *v, *tasks;
	size_t i, k;
	int r = RONDA_EPARSE;

	memset(&j, 0, sizeof(j));
	if (len > PROTO_JOB_MAX) {
		buf_printf(err, "job is larger than %zu bytes", PROTO_JOB_MAX);
		return RONDA_ELIMIT;
	}
	j.root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j.root) {
		buf_printf(err, "job is not valid JSON: %s at line %d column %d",
			   jerr.text, jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(j.root)) {
		buf_puts(err, "job must be a JSON object");
		goto out;
	}
	buf_puts(err, "job: ");
	r = check_fields(j.root, job_fields, NULL, err);
	if (r != RONDA_OK)
		goto out;
	tasks = json_object_get(j.root, "tasks");
	r = RONDA_EPARSE;
	buf_truncate(err, 0);
	j.version = (int)json_integer_value(json_object_get(j.root, "ronda"));
	if (j.version != PROTO_VERSION) {
		buf_printf(err, "job has protocol version %d; this agent speaks %d",
			   j.version, PROTO_VERSION);
		goto out;
	}
	j.profile = PROFILE_INSPECT;
	v = json_object_get(j.root, "profile");
	if (v && proto_profile_from_name(json_string_value(v), (int *)&j.profile)) {
		buf_printf(err, "job: unknown profile \"%s\" (inspect or maintain)",
			   json_string_value(v));
		goto out;
	}
	j.dry_run = json_is_true(json_object_get(j.root, "dry_run"));
	v = json_object_get(j.root, "now");
	j.now = v ? json_number_value(v) : 0;
	v = json_object_get(j.root, "timeout");
	j.timeout = v ? json_number_value(v) : 0;
	if (j.timeout < 0) {
		buf_puts(err, "job: \"timeout\" must not be negative");
		goto out;
	}
	v = json_object_get(j.root, "write_paths");
	if (v && json_array_size(v)) {
		if (j.profile != PROFILE_MAINTAIN) {
			buf_puts(err, "job: \"write_paths\" needs the maintain profile");
			goto out;
		}
		j.n_write_paths = json_array_size(v);
		j.write_paths = calloc(j.n_write_paths, sizeof(*j.write_paths));
		if (!j.write_paths) {
			r = RONDA_ENOMEM;
			goto out;
		}
		for (i = 0; i < j.n_write_paths; i++) {
			j.write_paths[i] = json_string_value(json_array_get(v, i));
			if (j.write_paths[i][0] != '/') {
				buf_printf(err, "job: write_paths[%zu] must be absolute", i);
				goto out;
			}
		}
	}
	j.n_tasks = json_array_size(tasks);
	if (j.n_tasks > PROTO_MAX_TASKS) {
		buf_printf(err, "job has %zu tasks; at most %d", j.n_tasks,
			   PROTO_MAX_TASKS);
		r = RONDA_ELIMIT;
		goto out;
	}
	if (j.n_tasks) {
		j.tasks = calloc(j.n_tasks, sizeof(*j.tasks));
		if (!j.tasks) {
			r = RONDA_ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < j.n_tasks; i++) {
		r = parse_task(json_array_get(tasks, i), i, &j.tasks[i], err);
		if (r != RONDA_OK)
			goto out;
		r = RONDA_EPARSE;
		/* A dry run changes nothing, so inspect is enough (and proves it). */
		if (j.tasks[i].check->maintain_only && j.profile != PROFILE_MAINTAIN &&
		    !j.dry_run && !json_is_true(json_object_get(j.tasks[i].obj, "dry_run"))) {
			buf_printf(err, "tasks[%zu] (\"%s\"): check \"%s\" needs the maintain profile (or dry_run)",
				   i, j.tasks[i].name, j.tasks[i].check->name);
			goto out;
		}
		for (k = 0; k < i; k++) {
			if (strcmp(j.tasks[k].name, j.tasks[i].name) == 0) {
				buf_printf(err, "tasks[%zu]: duplicate task name \"%s\" (give each task a \"name\")",
					   i, j.tasks[i].name);
				goto out;
			}
		}
		r = parse_when(&j, i, err);
		if (r != RONDA_OK)
			goto out;
		r = RONDA_EPARSE;
	}
	*job = j;
	return RONDA_OK;
out:
	proto_job_release(&j);
	return r;
}

void proto_job_release(struct proto_job *job)
{
	free(job->tasks);
	free(job->write_paths);
	json_decref(job->root);
	memset(job, 0, sizeof(*job));
}

const char *proto_task_str(const struct proto_task *t, const char *key,
			   const char *def)
{
	json_t *v = json_object_get(t->obj, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

double proto_task_num(const struct proto_task *t, const char *key, double def)
{
	json_t *v = json_object_get(t->obj, key);

	return json_is_number(v) ? json_number_value(v) : def;
}

int proto_task_bool(const struct proto_task *t, const char *key, int def)
{
	json_t *v = json_object_get(t->obj, key);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

int proto_task_has(const struct proto_task *t, const char *key)
{
	return json_object_get(t->obj, key) != NULL;
}

json_t *proto_task_strs(const struct proto_task *t, const char *key)
{
	json_t *v = json_object_get(t->obj, key);

	return json_is_array(v) ? v : NULL;
}

/* Appends text to out as JSON (a dump callback). */
static int dump_to_buf(const char *text, size_t n, void *data)
{
	return buf_append(data, text, n) == RONDA_OK ? 0 : -1;
}

int proto_line(const char *type, json_t *obj, struct buf *out)
{
	json_t *line;
	size_t mark = buf_len(out);
	int r = RONDA_ENOMEM;

	line = json_pack("{s:i, s:s}", "ronda", PROTO_VERSION, "type", type);
	if (!line)
		goto out;
	if (json_object_update(line, obj))
		goto out;
	/* Keep "ronda" and "type" even if obj had its own. */
	json_object_set_new(line, "ronda", json_integer(PROTO_VERSION));
	json_object_set_new(line, "type", json_string(type));
	if (json_dump_callback(line, dump_to_buf, out,
			       JSON_COMPACT | JSON_PRESERVE_ORDER |
			       JSON_REAL_PRECISION(15)) != 0 ||
	    buf_putc(out, '\n') != RONDA_OK) {
		buf_truncate(out, mark);
		r = RONDA_ELIMIT;
		goto out;
	}
	r = RONDA_OK;
out:
	json_decref(line);
	return r;
}

int proto_line_parse(const char *line, size_t n, json_t **obj,
		     const char **type, struct buf *err)
{
	json_error_t jerr;
	json_t *o, *v;
	const char *t;
	size_t i;
	int verdict, r = RONDA_EPROTO;

	o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		buf_printf(err, "agent line is not a JSON object: %s",
			   o ? "wrong type" : jerr.text);
		goto out;
	}
	v = json_object_get(o, "ronda");
	if (!json_is_integer(v) || json_integer_value(v) != PROTO_VERSION) {
		buf_printf(err, "agent line has protocol version %lld; expected %d",
			   json_is_integer(v) ? (long long)json_integer_value(v) : -1LL,
			   PROTO_VERSION);
		goto out;
	}
	t = json_string_value(json_object_get(o, "type"));
	for (i = 0; t && i < sizeof(line_types) / sizeof(line_types[0]); i++) {
		if (strcmp(t, line_types[i]) == 0)
			break;
	}
	if (!t || i == sizeof(line_types) / sizeof(line_types[0])) {
		buf_printf(err, "agent line has unknown type \"%s\"", t ? t : "(none)");
		goto out;
	}
	if (strcmp(t, "result") == 0) {
		if (!json_is_string(json_object_get(o, "task")) ||
		    !json_is_string(json_object_get(o, "check")) ||
		    !json_is_string(json_object_get(o, "message")) ||
		    !json_is_object(json_object_get(o, "values")) ||
		    !json_is_number(json_object_get(o, "ms")) ||
		    !json_is_string(json_object_get(o, "verdict")) ||
		    proto_verdict_from_name(json_string_value(json_object_get(o, "verdict")),
					    &verdict) != RONDA_OK) {
			buf_puts(err, "agent result line lacks task, check, verdict, message, values or ms");
			goto out;
		}
	} else if (strcmp(t, "error") == 0 &&
		   !json_is_string(json_object_get(o, "error"))) {
		buf_puts(err, "agent error line lacks \"error\"");
		goto out;
	}
	*obj = o;
	*type = t;
	o = NULL;
	r = RONDA_OK;
out:
	json_decref(o);
	return r;
}

int proto_utf8_clean(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	int r = RONDA_OK;

	while (p < e && r == RONDA_OK) {
		unsigned cp = 0;
		size_t len = utf8_next(p, (size_t)(e - p), &cp);

		if (len && cp != 0 && cp != 0x7f) {
			r = buf_append(b, p, len);
			p += len;
			continue;
		}
		r = buf_puts(b, "\xef\xbf\xbd");	/* U+FFFD */
		p++;
	}
	return r;
}

json_t *proto_stringn(const char *s, size_t n)
{
	struct buf b;
	json_t *j = NULL;

	/* Each bad byte can grow to the three of U+FFFD. */
	buf_init(&b, n > (SIZE_MAX - 16) / 3 ? SIZE_MAX : n * 3 + 16);
	if (proto_utf8_clean(&b, s, n) == RONDA_OK)
		j = json_stringn(buf_data(&b), buf_len(&b));
	buf_release(&b);
	return j;
}

json_t *proto_string(const char *s)
{
	return proto_stringn(s ? s : "", s ? strlen(s) : 0);
}
