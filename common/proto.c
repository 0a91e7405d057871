/*
 * proto.c - job validation and protocol lines; see proto.h and PROTOCOL.md.
 *
 * Validation is table-driven: every task key must be one of the common keys
 * (name, check, timeout, when) or listed in its check's field table
 * (proto_schema.c) with the matching JSON type, and then follow the value
 * and cross-key rules of that table.  Checks that need the host (does a
 * user exist, does the regex compile) belong to the agent's prepare step,
 * which also runs before anything does.
 */
#include "proto.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "escape.h"
#include "banned.h"

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
	{ .name = "name", .type = FT_STR }, { .name = "check", .type = FT_STR, .required = 1 },
	{ .name = "timeout", .type = FT_NUM }, { .name = "when", .type = FT_OBJECT },
	{ .name = NULL } };

static const struct proto_field when_fields[] = {
	{ .name = "task", .type = FT_STR, .required = 1 },
	{ .name = "verdict", .type = FT_STRS, .required = 1 }, { .name = NULL } };

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
			const struct proto_field *b, struct buf *err,
			struct proto_fault *at)
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
			if (at)
				snprintf(at->key, sizeof(at->key), "%s", key);
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
	{ .name = "ronda", .type = FT_INT, .required = 1 }, { .name = "profile", .type = FT_STR },
	{ .name = "now", .type = FT_NUM }, { .name = "timeout", .type = FT_NUM },
	{ .name = "tasks", .type = FT_ARRAY, .required = 1 },
	{ .name = "write_paths", .type = FT_STRS }, { .name = "dry_run", .type = FT_BOOL },
	{ .name = NULL } };

static int parse_task(json_t *obj, size_t i, struct proto_task *t,
		      struct buf *err, struct proto_fault *at)
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
	r = check_fields(obj, common_fields, t->check->fields, err, at);
	if (r == RONDA_OK)
		r = proto_schema_check_task(t->check, obj, err, at);
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
	if (check_fields(w, when_fields, NULL, err, NULL) != RONDA_OK)
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
	return proto_job_parse_at(text, len, job, err, NULL);
}

int proto_job_parse_at(const char *text, size_t len, struct proto_job *job,
		       struct buf *err, struct proto_fault *at)
{
	struct proto_job j;
	json_error_t jerr;
	json_t *v, *tasks;
	size_t i, k;
	int r = RONDA_EPARSE;

	memset(&j, 0, sizeof(j));
	if (at) {
		at->task = -1;
		at->key[0] = '\0';
	}
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
	r = check_fields(j.root, job_fields, NULL, err, NULL);
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
		if (at)
			at->task = (long)i;
		r = parse_task(json_array_get(tasks, i), i, &j.tasks[i], err, at);
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
	if (at)
		at->task = -1;
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
