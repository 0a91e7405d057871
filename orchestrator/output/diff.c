/*
 * diff.c - compares two patrol runs; see diff.h.
 *
 * Hosts of both runs are walked once in natural name order.  Each change
 * is added to a group found through an index (a JSON object keyed by the
 * group's identity: kind, task, verdict...), so a change on 2,000 hosts is
 * one group with 2,000 names, folded at the end into "web[0001-2000]".
 * Groups keep the order in which they first appear, so task groups follow
 * the playbook's order.  Nothing is quadratic in hosts: a host's old tasks
 * are indexed by name before its new ones are compared.
 */
#include "diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "escape.h"
#include "inventory/hostlist.h"
#include "summary.h"
#include "banned.h"

/* Boot times differ by a second or so between runs (now - uptime). */
#define REBOOT_SLACK_S 60
#define DIFF_HOSTS_WIDTH 44
#define DIFF_TASK_WIDTH 24

/* Facts worth a line when they change (boot_time is "rebooted"). */
static const char *const watched_facts[] = {
	"kernel", "os", "os_version", "arch", "cpus", "memory_bytes",
};

/* Task verdicts by how bad: none/ok/skipped 0, warn 1, fail/error 2. */
static int task_rank(const char *v)
{
	if (strcmp(v, "fail") == 0 || strcmp(v, "error") == 0)
		return 2;
	return strcmp(v, "warn") == 0;
}

static int host_down(const char *v)
{
	return strcmp(v, "unreachable") == 0 || strcmp(v, "error") == 0;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static int name_cmp(const void *a, const void *b)
{
	return hostlist_natural_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* The host names of run, in natural order; *out is freed by the caller. */
static int sorted_names(const json_t *run, const char ***out, size_t *n_out)
{
	size_t n = json_object_size(run), i = 0;
	const char **v = calloc(n ? n : 1, sizeof(*v)), *key;
	json_t *val;

	if (!v)
		return RONDA_ENOMEM;
	json_object_foreach((json_t *)(uintptr_t)run, key, val)
		v[i++] = key;
	qsort(v, n, sizeof(*v), name_cmp);
	*out = v;
	*n_out = n;
	return RONDA_OK;
}

struct diff {
	json_t *d;		/* the result */
	json_t *index;		/* group identity -> group object */
	int err;
};

/*
 * Adds host to the group of list `kind` that id names, creating it from
 * proto (stolen) the first time; was, if not NULL, joins the group's `was`.
 */
static void add_to(struct diff *x, const char *kind, const char *id, json_t *proto,
		   const char *host, const char *was)
{
	struct buf key;
	json_t *g, *w;
	size_t i;

	if (x->err) {
		json_decref(proto);
		return;
	}
	buf_init(&key, BUF_DEFAULT_MAX);
	if (buf_printf(&key, "%s\x1f%s", kind, id) != RONDA_OK)
		goto nomem;
	g = json_object_get(x->index, buf_data(&key));
	if (!g) {
		g = proto;
		proto = NULL;
		if (!g || json_object_set_new(g, "hosts", json_array()) ||
		    (was && json_object_set_new(g, "was", json_array())) ||
		    json_object_set(x->index, buf_data(&key), g) ||
		    json_array_append_new(json_object_get(x->d, kind), g))
			goto nomem;
	}
	json_decref(proto);
	if (json_array_append_new(json_object_get(g, "hosts"), json_string(host)))
		goto nomem;
	if (was) {
		json_array_foreach(json_object_get(g, "was"), i, w)
			if (strcmp(json_string_value(w), was) == 0)
				break;
		if (i == json_array_size(json_object_get(g, "was")) &&
		    json_array_append_new(json_object_get(g, "was"), json_string(was)))
			goto nomem;
	}
	buf_release(&key);
	return;
nomem:
	json_decref(proto);
	buf_release(&key);
	x->err = RONDA_ENOMEM;
}

/* A one-group list such as added or rebooted. */
static void add_host(struct diff *x, const char *kind, const char *host)
{
	add_to(x, kind, "", json_object(), host, NULL);
}

static void compare_tasks(struct diff *x, const char *host, const json_t *old_h,
			  const json_t *new_h)
{
	json_t *before = json_object(), *t;
	size_t i;

	if (!before) {
		x->err = RONDA_ENOMEM;
		return;
	}
	json_array_foreach(json_object_get(old_h, "tasks"), i, t) {
		const char *name = json_string_value(json_object_get(t, "task"));

		if (name)
			json_object_set_new(before, name, json_string(str_or(t, "verdict", "error")));
	}
	json_array_foreach(json_object_get(new_h, "tasks"), i, t) {
		const char *name = json_string_value(json_object_get(t, "task"));
		const char *nv = str_or(t, "verdict", "error");
		const char *ov = name ? str_or(before, name, "none") : "none";
		int nr = task_rank(nv), or = task_rank(ov);
		const char *kind = nr == 2 && or < 2 ? "new_failures" :
				   nr == 1 && or == 0 ? "new_warnings" :
				   nr < or ? "recovered" : NULL;
		struct buf id;

		if (!name || !kind)
			continue;
		buf_init(&id, BUF_DEFAULT_MAX);
		if (buf_printf(&id, "%s\x1f%s", name, nv) != RONDA_OK)
			x->err = RONDA_ENOMEM;
		add_to(x, kind, buf_data(&id), json_pack("{s:s, s:s}", "task", name, "verdict", nv),
		       host, ov);
		buf_release(&id);
	}
	json_decref(before);
}

/* A fact as text, whole, for comparing and showing: strings and integers. */
static int fact_text(const json_t *v, struct buf *out)
{
	buf_reset(out);
	if (json_is_string(v))
		return buf_append(out, json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return buf_printf(out, "%lld", (long long)json_integer_value(v));
	return RONDA_ENOTFOUND;
}

static void compare_facts(struct diff *x, const char *host, const json_t *of, const json_t *nf)
{
	const json_t *ob = json_object_get(of, "boot_time"), *nb = json_object_get(nf, "boot_time");
	struct buf id, o, n;

	if (!json_is_object(of) || !json_is_object(nf))
		return;
	if (json_is_integer(ob) && json_is_integer(nb) &&
	    llabs((long long)(json_integer_value(nb) - json_integer_value(ob))) > REBOOT_SLACK_S)
		add_host(x, "rebooted", host);
	buf_init(&id, BUF_DEFAULT_MAX);
	buf_init(&o, BUF_DEFAULT_MAX);
	buf_init(&n, BUF_DEFAULT_MAX);
	for (size_t i = 0; i < sizeof(watched_facts) / sizeof(watched_facts[0]); i++) {
		const char *f = watched_facts[i];

		if (fact_text(json_object_get(of, f), &o) ||
		    fact_text(json_object_get(nf, f), &n) ||
		    (buf_len(&o) == buf_len(&n) && memcmp(buf_data(&o), buf_data(&n), buf_len(&o)) == 0))
			continue;
		buf_reset(&id);
		if (buf_printf(&id, "%s\x1f%s\x1f%s", f, buf_data(&o), buf_data(&n)) != RONDA_OK)
			x->err = RONDA_ENOMEM;
		add_to(x, "facts", buf_data(&id),
		       json_pack("{s:s, s:s%, s:s%}", "fact", f, "old", buf_data(&o), buf_len(&o),
				 "new", buf_data(&n), buf_len(&n)), host, NULL);
	}
	buf_release(&id);
	buf_release(&o);
	buf_release(&n);
}

static void compare_host(struct diff *x, const char *host, const json_t *old_h,
			 const json_t *new_h)
{
	const char *ov = str_or(old_h, "verdict", "error"), *nv = str_or(new_h, "verdict", "error");
	struct buf id;

	if (host_down(nv)) {
		if (!host_down(ov)) {
			const char *why = str_or(new_h, "error", "");

			buf_init(&id, BUF_DEFAULT_MAX);
			if (buf_printf(&id, "%s\x1f%s", nv, why) != RONDA_OK)
				x->err = RONDA_ENOMEM;
			add_to(x, "down", buf_data(&id),
			       json_pack("{s:s, s:s}", "verdict", nv, "error", why), host, ov);
			buf_release(&id);
		}
		return;		/* nothing to compare on a host that was not patrolled */
	}
	if (host_down(ov))
		add_to(x, "back", nv, json_pack("{s:s}", "verdict", nv), host, ov);
	compare_tasks(x, host, old_h, new_h);
	compare_facts(x, host, json_object_get(old_h, "facts"), json_object_get(new_h, "facts"));
}

/* Adds `folded` to every group of every list. */
static int fold_all(json_t *d)
{
	const char *kind;
	json_t *list, *g, *h;
	size_t i, k;

	json_object_foreach(d, kind, list) {
		json_array_foreach(list, i, g) {
			const json_t *hosts = json_object_get(g, "hosts");
			size_t n = json_array_size(hosts);
			char **names = calloc(n ? n : 1, sizeof(*names));
			struct buf f;
			int r;

			if (!names)
				return RONDA_ENOMEM;
			json_array_foreach(hosts, k, h)
				names[k] = (char *)(uintptr_t)json_string_value(h);
			buf_init(&f, BUF_DEFAULT_MAX);
			r = hostlist_fold(names, n, &f);
			free(names);
			if (r == RONDA_OK && json_object_set_new(g, "folded", json_string(buf_data(&f))))
				r = RONDA_ENOMEM;
			buf_release(&f);
			if (r)
				return r;
		}
	}
	return RONDA_OK;
}

int patrol_diff(const json_t *old_run, const json_t *new_run, json_t **out)
{
	static const char *const lists[] = { "new_failures", "new_warnings", "recovered", "down",
		"back", "added", "removed", "rebooted", "facts" };
	static const char *const single[] = { "added", "removed", "rebooted" };
	struct diff x = { .d = json_object(), .index = json_object() };
	const char **names = NULL;
	json_t *groups = json_object();
	size_t n = 0, i;
	int r = RONDA_ENOMEM;

	if (!x.d || !x.index || !groups)
		goto out;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (json_object_set_new(groups, lists[i], json_array()))
			goto out;
	json_decref(x.d);
	x.d = groups;
	groups = NULL;
	if ((r = sorted_names(new_run, &names, &n)))
		goto out;
	for (i = 0; i < n; i++) {
		const json_t *o = json_object_get(old_run, names[i]);

		if (!o)
			add_host(&x, "added", names[i]);
		else
			compare_host(&x, names[i], o, json_object_get(new_run, names[i]));
	}
	free(names);
	names = NULL;
	if ((r = sorted_names(old_run, &names, &n)))
		goto out;
	for (i = 0; i < n; i++)
		if (!json_object_get(new_run, names[i]))
			add_host(&x, "removed", names[i]);
	r = x.err ? x.err : fold_all(x.d);
	if (r)
		goto out;
	/* a one-group list becomes that group: {"hosts": [...], "folded": "..."} */
	for (i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		json_t *one = json_array_get(json_object_get(x.d, single[i]), 0);

		if (json_object_set_new(x.d, single[i], one ? json_incref(one) :
					json_pack("{s:[], s:s}", "hosts", "folded", ""))) {
			r = RONDA_ENOMEM;
			goto out;
		}
	}
	groups = json_pack("{s:b, s:{s:I, s:I}}", "worse",
			   json_array_size(json_object_get(x.d, "new_failures")) ||
			   json_array_size(json_object_get(x.d, "new_warnings")) ||
			   json_array_size(json_object_get(x.d, "down")),
			   "hosts", "old", (json_int_t)json_object_size(old_run),
			   "new", (json_int_t)json_object_size(new_run));
	if (!groups || json_object_update(groups, x.d)) {
		r = RONDA_ENOMEM;
		goto out;
	}
	*out = groups;
	groups = NULL;
	r = RONDA_OK;
out:
	free(names);
	json_decref(groups);
	json_decref(x.d);
	json_decref(x.index);
	return r;
}

/* ---- for people ---- */

static const char *was_text(const json_t *g, char *out, size_t n)
{
	const json_t *w;
	size_t i, len = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(g, "was"), i, w)
		len += (size_t)snprintf(out + (len < n ? len : n), len < n ? n - len : 0, "%s%s",
					i ? "," : "", json_string_value(w));
	return out;
}

/* "web[01-03] (3)", cut for the terminal; the JSON has every name. */
static void hosts_cell(const json_t *g, struct buf *out)
{
	buf_reset(out);
	patrol_hosts_cut(str_or(g, "folded", ""), json_array_size(json_object_get(g, "hosts")),
			 DIFF_HOSTS_WIDTH, out);
}

static void print_tasks(FILE *out, const char *title, const json_t *list)
{
	size_t tw = 4, hw = 5, i;
	struct buf cell;
	const json_t *g;
	char was[128];

	if (!json_array_size(list))
		return;
	buf_init(&cell, BUF_DEFAULT_MAX);
	json_array_foreach(list, i, g) {
		hosts_cell(g, &cell);
		tw = strlen(str_or(g, "task", "")) > tw ? strlen(str_or(g, "task", "")) : tw;
		hw = buf_len(&cell) > hw ? buf_len(&cell) : hw;
	}
	tw = tw > DIFF_TASK_WIDTH ? DIFF_TASK_WIDTH : tw;
	fprintf(out, "\n%s:\n", title);
	json_array_foreach(list, i, g) {
		hosts_cell(g, &cell);
		fprintf(out, "  %-*.*s  %-7s  %-*s  was %s\n", (int)tw, (int)tw, str_or(g, "task", ""),
			str_or(g, "verdict", ""), (int)hw, buf_data(&cell), was_text(g, was, sizeof(was)));
	}
	buf_release(&cell);
}

static void print_one(FILE *out, const char *title, const json_t *g)
{
	struct buf cell;

	if (!json_array_size(json_object_get(g, "hosts")))
		return;
	buf_init(&cell, BUF_DEFAULT_MAX);
	hosts_cell(g, &cell);
	fprintf(out, "\n%s: %s\n", title, buf_data(&cell));
	buf_release(&cell);
}

/* Bytes of s to show in at most max, never ending inside a UTF-8 character. */
static int shown_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

static int print_diff(FILE *out, const json_t *d)
{
	const json_t *g, *hosts = json_object_get(d, "hosts");
	struct buf cell;
	char was[128];
	size_t i;

	fprintf(out, "hosts: %lld before, %lld now\n",
		(long long)json_integer_value(json_object_get(hosts, "old")),
		(long long)json_integer_value(json_object_get(hosts, "new")));
	print_tasks(out, "new failures", json_object_get(d, "new_failures"));
	print_tasks(out, "new warnings", json_object_get(d, "new_warnings"));
	print_tasks(out, "recovered", json_object_get(d, "recovered"));
	buf_init(&cell, BUF_DEFAULT_MAX);
	if (json_array_size(json_object_get(d, "down")))
		fputs("\nunreachable or in error now:\n", out);
	json_array_foreach(json_object_get(d, "down"), i, g) {
		const char *why = str_or(g, "error", "");

		hosts_cell(g, &cell);
		fprintf(out, "  %-11s  %s: %.*s (was %s)\n", str_or(g, "verdict", ""),
			buf_data(&cell), shown_len(why, 160), why, was_text(g, was, sizeof(was)));
	}
	if (json_array_size(json_object_get(d, "back")))
		fputs("\npatrolled again:\n", out);
	json_array_foreach(json_object_get(d, "back"), i, g) {
		hosts_cell(g, &cell);
		fprintf(out, "  %-11s  %s (was %s)\n", str_or(g, "verdict", ""), buf_data(&cell),
			was_text(g, was, sizeof(was)));
	}
	print_one(out, "hosts added", json_object_get(d, "added"));
	print_one(out, "hosts removed", json_object_get(d, "removed"));
	print_one(out, "rebooted", json_object_get(d, "rebooted"));
	if (json_array_size(json_object_get(d, "facts")))
		fputs("\nchanged facts:\n", out);
	json_array_foreach(json_object_get(d, "facts"), i, g) {
		const char *o = str_or(g, "old", ""), *n = str_or(g, "new", "");

		hosts_cell(g, &cell);
		fprintf(out, "  %-12s %.*s -> %.*s  %s\n", str_or(g, "fact", ""),
			shown_len(o, 80), o, shown_len(n, 80), n, buf_data(&cell));
	}
	buf_release(&cell);
	fprintf(out, "\n%s\n", json_is_true(json_object_get(d, "worse")) ?
		"something got worse" : "nothing got worse");
	return ferror(out) ? RONDA_ESYS : RONDA_OK;
}

/*
 * A copy of v with every string escaped (escape.h): the runs hold what
 * hosts sent, and each of their strings may end up on the terminal.
 */
static json_t *shown(const json_t *v)
{
	json_t *c = NULL, *x;
	const char *k;
	size_t i;

	if (json_is_string(v)) {
		struct buf b;

		buf_init(&b, BUF_DEFAULT_MAX);
		if (esc_append(&b, json_string_value(v), json_string_length(v), 0) == RONDA_OK)
			c = json_stringn(buf_data(&b), buf_len(&b));
		buf_release(&b);
		return c;
	}
	if (json_is_array(v)) {
		c = json_array();
		json_array_foreach(v, i, x) {
			if (!c || json_array_append_new(c, shown(x)))
				goto nomem;
		}
		return c;
	}
	if (json_is_object(v)) {
		c = json_object();
		json_object_foreach((json_t *)(uintptr_t)v, k, x) {
			if (!c || json_object_set_new(c, k, shown(x)))
				goto nomem;
		}
		return c;
	}
	return json_incref((json_t *)(uintptr_t)v);
nomem:
	json_decref(c);
	return NULL;
}

int patrol_diff_print(FILE *out, const json_t *raw)
{
	json_t *d = shown(raw);
	int r;

	if (!d)
		return RONDA_ENOMEM;
	r = print_diff(out, d);
	json_decref(d);
	return r;
}
