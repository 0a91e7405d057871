/*
 * playbook.c - reading a libconfig playbook into a patrol plan; see
 * playbook.h and playbooks/patrol.cfg for the form of the file.
 *
 * The whole file is checked before anything is kept, in one pass over the
 * tasks in order: each task's keys are looked up in the agent's own schema
 * (proto.h's check table), converted to the JSON the agent expects and
 * checked again as a one-task job with proto_job_parse, so the playbook and
 * the agent cannot disagree about a key or a value: the schema's value and
 * cross-key rules give the same words here as on the host, with the line
 * of the key at fault.  A `when` may only name a task
 * that came before it, which is what the agent enforces too, and it also
 * means that conditions can never form a cycle.  Tag filtering runs last,
 * over the checked tasks.  Every error names the file and the line.
 */
#include "playbook.h"

#include <errno.h>
#include <libconfig.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "inventory/cfgutil.h"
#include "err.h"
#include "proto.h"
#include "banned.h"

/* Keys every task has besides its check's own (tags and when aside). */
static const struct proto_field name_field = { .name = "name", .type = FT_STR };
static const struct proto_field timeout_field = { .name = "timeout", .type = FT_NUM };

/* One task while loading: its JSON and where it came from. */
struct pb_task {
	json_t *obj;			/* the task, agent format */
	const char *name;		/* points into obj */
	const config_setting_t *set;	/* the task's group, for its line */
	const config_setting_t *tags;	/* array or NULL */
	const config_setting_t *when;	/* group or NULL */
	size_t when_task;		/* index of the task `when` names */
	int keep;			/* selected by --tags / --skip-tags */
};

struct pb {
	const char *path;
	struct buf *err;
	const char *profile;
	const config_setting_t *profile_set;	/* defaults.profile, if given */
	double task_timeout;		/* defaults.task_timeout, 0: none */
	struct pb_task *t;
	size_t n;
};

static int bad_type(struct pb *pb, const config_setting_t *s, const char *want)
{
	const char *name = config_setting_name(s);

	return cfg_error(pb->err, pb->path, s, "'%s' must be %s, not %s", name ? name : "element",
			want, cfg_type_name(s));
}

static int is_num(const config_setting_t *s)
{
	return cfg_is_int(s) || config_setting_type(s) == CONFIG_TYPE_FLOAT;
}

static double num_of(const config_setting_t *s)
{
	return cfg_is_int(s) ? (double)config_setting_get_int64(s) : config_setting_get_float(s);
}

static int is_list(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_ARRAY ||
		config_setting_type(s) == CONFIG_TYPE_LIST;
}

static const char *field_type_name(enum proto_ftype t)
{
	switch (t) {
	case FT_STR:	return "a string";
	case FT_NUM:	return "a number";
	case FT_INT:	return "an integer";
	case FT_BOOL:	return "true or false";
	case FT_STRS:	return "an array of strings [ \"a\", \"b\" ]";
	case FT_SCALAR:	return "a string or a number";
	case FT_ARRAY:	return "an array";
	case FT_OBJECT:	return "a group { }";
	}
	return "?";
}

/* A JSON array of the strings in list s; NULL (error in pb) otherwise. */
static json_t *strings_of(struct pb *pb, const config_setting_t *s, const char *want)
{
	json_t *a;

	if (!is_list(s)) {
		bad_type(pb, s, want);
		return NULL;
	}
	a = json_array();
	for (int i = 0; a && i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cfg_error(pb->err, pb->path, e, "'%s' must hold only strings, not %s",
				 config_setting_name(s), cfg_type_name(e));
			json_decref(a);
			return NULL;
		}
		if (json_array_append_new(a, json_string(config_setting_get_string(e)))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/*
 * Converts setting s to the JSON that field type t wants: libconfig
 * integers become JSON integers, floats JSON reals, arrays and lists of
 * strings JSON arrays.  *out is set only on success.
 */
static int to_json(struct pb *pb, const config_setting_t *s, enum proto_ftype t,
		   json_t **out)
{
	int type = config_setting_type(s);
	json_t *v = NULL;

	switch (t) {
	case FT_STR:
		if (type == CONFIG_TYPE_STRING)
			v = json_string(config_setting_get_string(s));
		break;
	case FT_INT:
		if (cfg_is_int(s))
			v = json_integer(config_setting_get_int64(s));
		break;
	case FT_NUM:
		if (cfg_is_int(s))
			v = json_integer(config_setting_get_int64(s));
		else if (type == CONFIG_TYPE_FLOAT)
			v = json_real(config_setting_get_float(s));
		break;
	case FT_SCALAR:
		if (type == CONFIG_TYPE_STRING)
			v = json_string(config_setting_get_string(s));
		else if (is_num(s))
			return to_json(pb, s, FT_NUM, out);
		break;
	case FT_BOOL:
		if (type == CONFIG_TYPE_BOOL)
			v = json_boolean(config_setting_get_bool(s));
		break;
	case FT_STRS:
		if (!is_list(s))
			break;
		v = strings_of(pb, s, field_type_name(t));
		if (!v)
			return RONDA_ECONFIG;
		break;
	case FT_ARRAY:
	case FT_OBJECT:
		break;
	}
	if (!v)
		return bad_type(pb, s, field_type_name(t));
	*out = v;
	return RONDA_OK;
}

/* "path, warn, fail" for an error message. */
static void known_keys(const struct proto_check *c, struct buf *b)
{
	buf_puts(b, "name, check, timeout, tags, when");
	for (const struct proto_field *f = c->fields; f->name; f++)
		buf_printf(b, ", %s", f->name);
}

/*
 * What the schema leaves to the host but a person wants to hear with a
 * line number: regexes compile (here and on the host, both glibc).
 */
static int check_value(struct pb *pb, const config_setting_t *s, json_t *v)
{
	const char *key = config_setting_name(s);
	regex_t rx;

	if (strcmp(key, "match") == 0 || strcmp(key, "contains") == 0) {
		if (regcomp(&rx, json_string_value(v), REG_EXTENDED | REG_NOSUB))
			return cfg_error(pb->err, pb->path, s, "'%s' is not a valid extended regular expression: %s",
					key, json_string_value(v));
		regfree(&rx);
	}
	return RONDA_OK;
}

static int valid_tag(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	}
	return 1;
}

static int read_tags(struct pb *pb, struct pb_task *t, const config_setting_t *s)
{
	if (!is_list(s))
		return bad_type(pb, s, "an array of strings [ \"a\", \"b\" ]");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return cfg_error(pb->err, pb->path, e, "'tags' must hold only strings, not %s",
					cfg_type_name(e));
		if (!valid_tag(config_setting_get_string(e)))
			return cfg_error(pb->err, pb->path, e, "bad tag \"%s\": use letters, digits, '-' and '_'",
					config_setting_get_string(e));
	}
	t->tags = s;
	return RONDA_OK;
}

/*
 * `when = { task = "root fs"; verdict = [ "fail" ]; };` (verdict may also
 * be one string).  The task must be one of the tasks read so far, i.e. an
 * earlier one: that is what rules out forward references and cycles.
 */
static int read_when(struct pb *pb, size_t i, const config_setting_t *s)
{
	const config_setting_t *task = NULL, *verdict = NULL, *m;
	json_t *w = NULL, *vs = NULL;
	const char *name;
	size_t k;
	int v, r = RONDA_ECONFIG;

	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return bad_type(pb, s, "a group { task = \"...\"; verdict = [ \"fail\" ]; }");
	for (int j = 0; j < config_setting_length(s); j++) {
		m = config_setting_get_elem(s, (unsigned)j);
		if (strcmp(config_setting_name(m), "task") == 0)
			task = m;
		else if (strcmp(config_setting_name(m), "verdict") == 0)
			verdict = m;
		else
			return cfg_error(pb->err, pb->path, m, "unknown key '%s' in 'when' (task, verdict)",
					config_setting_name(m));
	}
	if (!task || !verdict)
		return cfg_error(pb->err, pb->path, s, "'when' needs 'task' and 'verdict'");
	if (config_setting_type(task) != CONFIG_TYPE_STRING)
		return bad_type(pb, task, "a string");
	name = config_setting_get_string(task);
	for (k = 0; k < i && strcmp(pb->t[k].name, name) != 0; k++)
		;
	if (k == i) {
		for (k = i + 1; k < pb->n; k++) {
			const config_setting_t *o = pb->t[k].set;
			const char *on = NULL;

			if (config_setting_lookup_string(o, "name", &on) && strcmp(on, name) == 0)
				return cfg_error(pb->err, pb->path, task, "'when' names task \"%s\", which comes later "
						"(line %u); a condition can only name an earlier task",
						name, config_setting_source_line(o));
		}
		if (strcmp(name, pb->t[i].name) == 0)
			return cfg_error(pb->err, pb->path, task, "task \"%s\" cannot depend on itself", name);
		return cfg_error(pb->err, pb->path, task, "'when' names task \"%s\", but no task before it has that name",
				name);
	}
	if (config_setting_type(verdict) == CONFIG_TYPE_STRING) {
		vs = json_array();
		if (!vs || json_array_append_new(vs, json_string(config_setting_get_string(verdict))))
			goto nomem;
	} else if (!(vs = strings_of(pb, verdict, "a verdict or an array of verdicts"))) {
		return RONDA_ECONFIG;
	}
	if (json_array_size(vs) == 0) {
		r = cfg_error(pb->err, pb->path, verdict, "'verdict' lists no verdict");
		goto out;
	}
	for (size_t j = 0; j < json_array_size(vs); j++) {
		const char *vn = json_string_value(json_array_get(vs, j));

		if (proto_verdict_from_name(vn, &v) != RONDA_OK) {
			r = cfg_error(pb->err, pb->path, verdict, "unknown verdict \"%s\" (ok, warn, fail, error, skipped)", vn);
			goto out;
		}
	}
	w = json_pack("{s:s, s:O}", "task", name, "verdict", vs);
	if (!w || json_object_set_new(pb->t[i].obj, "when", w))
		goto nomem;
	pb->t[i].when = s;
	pb->t[i].when_task = k;
	r = RONDA_OK;
	goto out;
nomem:
	r = RONDA_ENOMEM;
out:
	json_decref(vs);
	return r;
}

/* Checks the task as the agent will, alone (its `when` aside). */
static int agent_check(struct pb *pb, struct pb_task *t)
{
	json_t *job, *task;
	struct proto_job pj;
	struct proto_fault at;
	const config_setting_t *where;
	struct buf why;
	int r;
	char *text = NULL;

	task = json_deep_copy(t->obj);
	if (!task)
		return RONDA_ENOMEM;
	json_object_del(task, "when");
	/* A writing task is checked as maintain; maintenance_paths() then
	 * makes the job maintain or says why it cannot be. */
	job = json_pack("{s:i, s:s, s:[o]}", "ronda", PROTO_VERSION, "profile",
			proto_check_find(json_string_value(json_object_get(task, "check")))
			->maintain_only ? "maintain" : pb->profile, "tasks", task);
	text = job ? json_dumps(job, JSON_COMPACT) : NULL;
	json_decref(job);
	if (!text)
		return RONDA_ENOMEM;
	buf_init(&why, 1024);
	r = proto_job_parse_at(text, strlen(text), &pj, &why, &at);
	free(text);
	if (r == RONDA_OK) {
		proto_job_release(&pj);
	} else {
		/* Drop the job's own "tasks[0] (...): " prefix; we have the line,
		 * the key's own when the schema names one. */
		const char *msg = strstr(buf_data(&why), "): ");

		where = at.key[0] ? config_setting_get_member(t->set, at.key) : NULL;
		r = cfg_error(pb->err, pb->path, where ? where : t->set, "task \"%s\": %s", t->name,
			     msg ? msg + 3 : buf_data(&why));
	}
	buf_release(&why);
	return r;
}

static int read_task(struct pb *pb, size_t i)
{
	struct pb_task *t = &pb->t[i];
	const config_setting_t *s = t->set, *m, *checkset, *whenset = NULL;
	const struct proto_check *c;
	const struct proto_field *f;
	const char *cname, *name = NULL, *key;
	json_t *v;
	int r;

	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return cfg_error(pb->err, pb->path, s, "each task must be a group { ... }, not %s",
				cfg_type_name(s));
	checkset = config_setting_get_member(s, "check");
	if (!checkset)
		return cfg_error(pb->err, pb->path, s, "task has no 'check' (disk, memory, load, ...)");
	if (config_setting_type(checkset) != CONFIG_TYPE_STRING)
		return bad_type(pb, checkset, "a string");
	cname = config_setting_get_string(checkset);
	c = proto_check_find(cname);
	if (!c) {
		struct buf all;
		size_t n;
		const struct proto_check *cs = proto_checks(&n);

		buf_init(&all, 512);
		for (size_t k = 0; k < n; k++)
			buf_printf(&all, "%s%s", k ? ", " : "", cs[k].name);
		r = cfg_error(pb->err, pb->path, checkset, "unknown check \"%s\" (%s)", cname, buf_data(&all));
		buf_release(&all);
		return r;
	}
	t->obj = json_object();
	if (!t->obj)
		return RONDA_ENOMEM;
	for (int j = 0; j < config_setting_length(s); j++) {
		m = config_setting_get_elem(s, (unsigned)j);
		key = config_setting_name(m);
		if (strcmp(key, "check") == 0)
			continue;
		if (strcmp(key, "tags") == 0) {
			if ((r = read_tags(pb, t, m)))
				return r;
			continue;
		}
		if (strcmp(key, "when") == 0) {
			whenset = m;
			continue;
		}
		if (strcmp(key, "name") == 0)
			f = &name_field;
		else if (strcmp(key, "timeout") == 0)
			f = &timeout_field;
		else
			for (f = c->fields; f->name && strcmp(f->name, key) != 0; f++)
				;
		if (!f->name) {
			struct buf known;

			buf_init(&known, 512);
			known_keys(c, &known);
			r = cfg_error(pb->err, pb->path, m, "unknown key '%s' for a %s check (%s)", key, cname,
				     buf_data(&known));
			buf_release(&known);
			return r;
		}
		if ((r = to_json(pb, m, f->type, &v)))
			return r;
		if (json_object_set_new(t->obj, key, v))
			return RONDA_ENOMEM;
		if (f == &name_field)
			name = json_string_value(v);
		if (json_is_string(v) && (r = check_value(pb, m, v)))
			return r;
	}
	if (json_object_set_new(t->obj, "check", json_string(cname)))
		return RONDA_ENOMEM;
	if (!json_object_get(t->obj, "timeout") && pb->task_timeout > 0 &&
	    json_object_set_new(t->obj, "timeout", json_real(pb->task_timeout)))
		return RONDA_ENOMEM;
	if (!name)
		name = cname;
	t->name = name;
	for (size_t k = 0; k < i; k++) {
		if (strcmp(pb->t[k].name, name) == 0)
			return cfg_error(pb->err, pb->path, s, "a task named \"%s\" is already at line %u; "
					"give each task its own 'name'", name,
					config_setting_source_line(pb->t[k].set));
	}
	if ((r = agent_check(pb, t)))
		return r;
	if (whenset && (r = read_when(pb, i, whenset)))
		return r;
	return RONDA_OK;
}

static int has_tag(const struct pb_task *t, const char *tag)
{
	for (int i = 0; t->tags && i < config_setting_length(t->tags); i++) {
		if (strcmp(config_setting_get_string_elem(t->tags, i), tag) == 0)
			return 1;
	}
	return 0;
}

/* Is tag on any task?  A tag that is nowhere is most likely a typo. */
static int tag_known(const struct pb *pb, const char *tag)
{
	for (size_t i = 0; i < pb->n; i++) {
		if (has_tag(&pb->t[i], tag))
			return 1;
	}
	return 0;
}

/*
 * --tags keeps the tasks that have any of the tags; --skip-tags then drops
 * the tasks that have any of its tags.  A kept task whose `when` names a
 * dropped task is an error: its condition could never be decided.
 */
static int filter_tags(struct pb *pb, const char *const *tags,
		       const char *const *skip_tags, size_t *kept)
{
	size_t n = 0;

	for (const char *const *a = tags; a && *a; a++) {
		if (!tag_known(pb, *a)) {
			buf_printf(pb->err, "%s: no task has the tag \"%s\" (--tags)", pb->path, *a);
			return RONDA_ECONFIG;
		}
	}
	for (const char *const *a = skip_tags; a && *a; a++) {
		if (!tag_known(pb, *a)) {
			buf_printf(pb->err, "%s: no task has the tag \"%s\" (--skip-tags)", pb->path, *a);
			return RONDA_ECONFIG;
		}
	}
	for (size_t i = 0; i < pb->n; i++) {
		struct pb_task *t = &pb->t[i];

		t->keep = !(tags && *tags);
		for (const char *const *a = tags; a && *a && !t->keep; a++)
			t->keep = has_tag(t, *a);
		for (const char *const *a = skip_tags; a && *a && t->keep; a++)
			t->keep = !has_tag(t, *a);
		if (t->keep && t->when && !pb->t[t->when_task].keep)
			return cfg_error(pb->err, pb->path, t->when, "task \"%s\" depends on task \"%s\", which "
					"--tags/--skip-tags leave out; select both or neither",
					t->name, pb->t[t->when_task].name);
		n += (size_t)t->keep;
	}
	if (n == 0) {
		buf_printf(pb->err, "%s: --tags/--skip-tags leave no task to run", pb->path);
		return RONDA_ECONFIG;
	}
	*kept = n;
	return RONDA_OK;
}

static int read_defaults(struct pb *pb, const config_setting_t *s, struct patrol_plan *p)
{
	const config_setting_t *m;
	const char *key;
	int prof;

	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return bad_type(pb, s, "a group { }");
	for (int j = 0; j < config_setting_length(s); j++) {
		m = config_setting_get_elem(s, (unsigned)j);
		key = config_setting_name(m);
		if (strcmp(key, "timeout") == 0 || strcmp(key, "task_timeout") == 0) {
			double secs;

			if (!is_num(m))
				return bad_type(pb, m, "a number of seconds");
			secs = num_of(m);
			if (!(secs > 0 && secs <= 86400))
				return cfg_error(pb->err, pb->path, m, "'%s' must be more than 0 and at most 86400 seconds", key);
			if (strcmp(key, "timeout") == 0)
				p->timeout = secs;
			else
				pb->task_timeout = secs;
		} else if (strcmp(key, "become") == 0) {
			if (config_setting_type(m) != CONFIG_TYPE_BOOL)
				return bad_type(pb, m, "true or false");
			p->become = config_setting_get_bool(m);
		} else if (strcmp(key, "profile") == 0) {
			if (config_setting_type(m) != CONFIG_TYPE_STRING)
				return bad_type(pb, m, "a string");
			if (proto_profile_from_name(config_setting_get_string(m), &prof))
				return cfg_error(pb->err, pb->path, m, "unknown profile \"%s\" (inspect or maintain)",
						config_setting_get_string(m));
			pb->profile = proto_profile_name(prof);
			pb->profile_set = m;
		} else {
			return cfg_error(pb->err, pb->path, m, "unknown key '%s' in defaults "
					"(timeout, task_timeout, become, profile)", key);
		}
	}
	return RONDA_OK;
}

/* Adds path's directory (path itself if dir_itself) to arr, once. */
static int add_dir(json_t *arr, const char *path, int dir_itself)
{
	const char *slash = strrchr(path, '/');
	json_t *v, *d;
	size_t i;

	d = dir_itself || !slash ? json_string(path) :
	    json_stringn(path, slash == path ? 1 : (size_t)(slash - path));
	if (!d)
		return RONDA_ENOMEM;
	json_array_foreach(arr, i, v) {
		if (json_equal(v, d)) {
			json_decref(d);
			return RONDA_OK;
		}
	}
	return json_array_append_new(arr, d) ? RONDA_ENOMEM : RONDA_OK;
}

/*
 * rotate and cleanup write: the job needs the maintain profile (unless the
 * task is a dry run) and Landlock must let it write exactly where the tasks
 * name, so write_paths gets each log's directory, olddir, the state file's
 * directory and each cleanup directory.
 */
static int maintenance_paths(struct pb *pb, struct patrol_plan *p)
{
	const char *dflt_state = "/var/lib/ronda/rotate.state";
	int writes = 0, r = RONDA_OK;
	json_t *o, *v;
	size_t i, k;

	for (i = 0; i < pb->n && r == RONDA_OK; i++) {
		o = pb->t[i].obj;
		if (!pb->t[i].keep || !proto_check_find(json_string_value(
		    json_object_get(o, "check")))->maintain_only ||
		    json_is_true(json_object_get(o, "dry_run")))
			continue;
		if (!writes++) {
			if (pb->profile_set && strcmp(pb->profile, "maintain") != 0)
				return cfg_error(pb->err, pb->path, pb->t[i].set, "a %s task writes: it needs profile = "
						"\"maintain\" in defaults (or dry_run = true)",
						json_string_value(json_object_get(o, "check")));
			pb->profile = "maintain";
			if (!p->write_paths && !(p->write_paths = json_array()))
				return RONDA_ENOMEM;
		}
		if (strcmp(json_string_value(json_object_get(o, "check")), "cleanup") == 0) {
			r = add_dir(p->write_paths, json_string_value(json_object_get(o, "path")), 1);
			continue;
		}
		if ((v = json_object_get(o, "path")))
			r = add_dir(p->write_paths, json_string_value(v), 0);
		json_array_foreach(json_object_get(o, "paths"), k, v) {
			if (r == RONDA_OK)
				r = add_dir(p->write_paths, json_string_value(v), 0);
		}
		if (r == RONDA_OK && (v = json_object_get(o, "olddir")))
			r = add_dir(p->write_paths, json_string_value(v), 1);
		v = json_object_get(o, "state");
		if (r == RONDA_OK)
			r = add_dir(p->write_paths, v ? json_string_value(v) : dflt_state, 0);
	}
	return r;
}

static int read_tree(struct pb *pb, const config_setting_t *root, struct patrol_plan *p,
		     const char *const *tags, const char *const *skip_tags)
{
	const config_setting_t *name = NULL, *tasks = NULL, *wp = NULL, *m;
	size_t kept;
	int r;

	for (int j = 0; j < config_setting_length(root); j++) {
		m = config_setting_get_elem(root, (unsigned)j);
		if (strcmp(config_setting_name(m), "name") == 0)
			name = m;
		else if (strcmp(config_setting_name(m), "tasks") == 0)
			tasks = m;
		else if (strcmp(config_setting_name(m), "write_paths") == 0)
			wp = m;
		else if (strcmp(config_setting_name(m), "defaults") == 0) {
			if ((r = read_defaults(pb, m, p)))
				return r;
		} else
			return cfg_error(pb->err, pb->path, m, "unknown key '%s' (name, defaults, tasks, write_paths)",
					config_setting_name(m));
	}
	if (!name) {
		buf_printf(pb->err, "%s: the playbook has no 'name'", pb->path);
		return RONDA_ECONFIG;
	}
	if (config_setting_type(name) != CONFIG_TYPE_STRING)
		return bad_type(pb, name, "a string");
	if (!config_setting_get_string(name)[0])
		return cfg_error(pb->err, pb->path, name, "'name' is empty");
	if (!tasks) {
		buf_printf(pb->err, "%s: the playbook has no 'tasks'", pb->path);
		return RONDA_ECONFIG;
	}
	if (config_setting_type(tasks) != CONFIG_TYPE_LIST)
		return bad_type(pb, tasks, "a list ( { ... }, { ... } )");
	pb->n = (size_t)config_setting_length(tasks);
	if (pb->n == 0)
		return cfg_error(pb->err, pb->path, tasks, "'tasks' is empty");
	if (pb->n > PROTO_MAX_TASKS)
		return cfg_error(pb->err, pb->path, tasks, "%zu tasks; at most %d", pb->n, PROTO_MAX_TASKS);
	if (wp) {
		if (strcmp(pb->profile, "maintain") != 0)
			return cfg_error(pb->err, pb->path, wp, "'write_paths' needs profile = \"maintain\" in defaults");
		if (!(p->write_paths = strings_of(pb, wp, "an array of absolute paths")))
			return RONDA_ECONFIG;
		for (size_t k = 0; k < json_array_size(p->write_paths); k++) {
			if (json_string_value(json_array_get(p->write_paths, k))[0] != '/')
				return cfg_error(pb->err, pb->path, wp, "write_paths must be absolute paths");
		}
	}
	pb->t = calloc(pb->n, sizeof(*pb->t));
	if (!pb->t)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < pb->n; i++)
		pb->t[i].set = config_setting_get_elem(tasks, (unsigned)i);
	for (size_t i = 0; i < pb->n; i++) {
		if ((r = read_task(pb, i)))
			return r;
	}
	if ((r = filter_tags(pb, tags, skip_tags, &kept)))
		return r;
	if (!(p->tasks = json_array()))
		return RONDA_ENOMEM;
	for (size_t i = 0; i < pb->n; i++) {
		if (pb->t[i].keep && json_array_append(p->tasks, pb->t[i].obj))
			return RONDA_ENOMEM;
	}
	if ((r = maintenance_paths(pb, p)))
		return r;
	if (!(p->name = strdup(config_setting_get_string(name))) ||
	    !(p->profile = strdup(pb->profile)))
		return RONDA_ENOMEM;
	return RONDA_OK;
}

int playbook_load(const char *path, const char *const *tags,
		  const char *const *skip_tags, struct patrol_plan *out,
		  struct buf *err)
{
	struct pb pb = { .path = path, .err = err, .profile = "inspect" };
	struct patrol_plan p;
	config_t cf;
	int r;

	patrol_plan_init(&p);
	config_init(&cf);
	r = cfg_read_file(&cf, path, err);
	if (r)
		goto out;
	r = read_tree(&pb, config_root_setting(&cf), &p, tags, skip_tags);
out:
	for (size_t i = 0; pb.t && i < pb.n; i++)
		json_decref(pb.t[i].obj);
	free(pb.t);
	config_destroy(&cf);
	if (r != RONDA_OK) {
		patrol_plan_release(&p);
		return r;
	}
	*out = p;
	return RONDA_OK;
}
