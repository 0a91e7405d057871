/*
 * diff.c - compares two patrol runs; see diff.h.
 *
 * Each host object is decoded once (diff_run_add): its verdict and its
 * tasks' verdicts become enums, and an unknown one is an error naming the
 * file; nothing after that looks at a verdict's text.  Hosts of both runs
 * are walked once in natural name order.  Each change is added to a group
 * found through an index (a JSON object keyed by the group's identity:
 * kind, task, verdict...), so a change on 2,000 hosts is one group with
 * 2,000 names, folded at the end into "web[0001-2000]".  Groups keep the
 * order in which they first appear, so task groups follow the playbook's
 * order.  Nothing is quadratic in hosts: hosts and each host's tasks are
 * sorted by name once, and looked up by binary search.
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
#include "grow.h"
#include "banned.h"

/* Boot times differ by a second or so between runs (now - uptime). */
#define REBOOT_SLACK_S 60
#define DIFF_HOSTS_WIDTH 44
#define DIFF_TASK_WIDTH 24

/* Facts worth a line when they change (boot_time is "rebooted"). */
static const char *const watched_facts[] = {
	"kernel", "os", "os_version", "arch", "cpus", "memory_bytes",
};

/* A task the old run did not have (below the proto_verdict values). */
#define TASK_NONE VERDICT__COUNT

/* Task verdicts by how bad: none/ok/skipped 0, warn 1, fail/error 2. */
static int task_rank(unsigned v)
{
	if (v == VERDICT_FAIL || v == VERDICT_ERROR)
		return 2;
	return v == VERDICT_WARN;
}

static const char *task_verdict_name(unsigned v)
{
	return v == TASK_NONE ? "none" : proto_verdict_name((int)v);
}

static int host_down(enum patrol_verdict v)
{
	return v == PV_UNREACHABLE || v == PV_ERROR;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* ---- decoding, once per host file ---- */

/* A JSON string exactly (no NUL inside), or NULL. */
static const char *whole_string(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && strlen(s) == json_string_length(v) ? s : NULL;
}

/* s as the terminal may show it (the file holds what hosts sent). */
static void put_escaped(struct buf *err, const char *s, size_t n)
{
	if (esc_append(err, s, n, 0) != RONDA_OK)
		buf_puts(err, "?");
}

static void bad_verdict(struct buf *err, const json_t *v, const char *known)
{
	buf_puts(err, "unknown verdict ");
	if (json_is_string(v)) {
		buf_puts(err, "\"");
		put_escaped(err, json_string_value(v), json_string_length(v));
		buf_puts(err, "\"");
	} else {
		buf_puts(err, "(not a string)");
	}
	buf_printf(err, " (%s)", known);
}

static int task_ptr_cmp(const void *a, const void *b)
{
	const struct diff_task *x = *(const struct diff_task *const *)a;
	const struct diff_task *y = *(const struct diff_task *const *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return (uintptr_t)x < (uintptr_t)y ? -1 : (uintptr_t)x > (uintptr_t)y;
}

static int task_name_cmp(const void *key, const void *elt)
{
	return strcmp(key, (*(const struct diff_task *const *)elt)->name);
}

/* h's tasks by name; of a name given twice the last counts, as it did. */
static int index_tasks(struct diff_host *h)
{
	size_t n = 0;

	h->by_name = calloc(h->n_tasks ? h->n_tasks : 1, sizeof(*h->by_name));
	if (!h->by_name)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < h->n_tasks; i++)
		h->by_name[i] = &h->tasks[i];
	qsort(h->by_name, h->n_tasks, sizeof(*h->by_name), task_ptr_cmp);
	for (size_t i = 0; i < h->n_tasks; i++) {
		if (i + 1 < h->n_tasks && strcmp(h->by_name[i]->name, h->by_name[i + 1]->name) == 0)
			continue;
		h->by_name[n++] = h->by_name[i];
	}
	h->n_names = n;
	return RONDA_OK;
}

static const struct diff_task *find_task(const struct diff_host *h, const char *name)
{
	const struct diff_task *const *t = bsearch(name, h->by_name, h->n_names,
						   sizeof(*h->by_name), task_name_cmp);

	return t ? *t : NULL;
}

static void host_release(struct diff_host *h)
{
	free(h->name);
	free(h->tasks);
	free(h->by_name);
	free(h->from);
	json_decref(h->obj);
	memset(h, 0, sizeof(*h));
}

static char *copy(const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (c) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

/* Decodes obj into h; the reason of RONDA_EPARSE goes to err. */
static int host_decode(struct diff_host *h, json_t *obj, struct buf *err)
{
	const json_t *list = json_object_get(obj, "tasks"), *t, *f;
	const char *v = whole_string(json_object_get(obj, "verdict"));
	size_t i;

	if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "verdict"))) {
		buf_puts(err, "not a host result (no verdict)");
		return RONDA_EPARSE;
	}
	if (!v || patrol_verdict_from_name(v, &h->verdict) != RONDA_OK) {
		bad_verdict(err, json_object_get(obj, "verdict"), "ok, warn, fail, error or unreachable");
		return RONDA_EPARSE;
	}
	h->error = str_or(obj, "error", "");
	f = json_object_get(obj, "facts");
	h->facts = json_is_object(f) ? f : NULL;
	h->tasks = calloc(json_array_size(list) ? json_array_size(list) : 1, sizeof(*h->tasks));
	if (!h->tasks)
		return RONDA_ENOMEM;
	json_array_foreach(list, i, t) {
		struct diff_task *dt = &h->tasks[h->n_tasks];
		const json_t *tv = json_object_get(t, "verdict");
		int pv = VERDICT_ERROR;

		dt->name = json_string_value(json_object_get(t, "task"));
		if (!dt->name)
			continue;	/* nothing to match it with */
		if (tv && (!whole_string(tv) || proto_verdict_from_name(whole_string(tv), &pv))) {
			buf_printf(err, "tasks[%zu] (\"", i);
			put_escaped(err, dt->name, strlen(dt->name));
			buf_puts(err, "\"): ");
			bad_verdict(err, tv, "ok, warn, fail, error or skipped");
			return RONDA_EPARSE;
		}
		dt->verdict = (enum proto_verdict)pv;
		h->n_tasks++;
	}
	return index_tasks(h);
}

void diff_run_init(struct diff_run *run)
{
	memset(run, 0, sizeof(*run));
}

int diff_run_add(struct diff_run *run, const char *name, size_t len, json_t *obj,
		 const char *from, struct buf *err)
{
	struct diff_host h = { .obj = json_incref(obj) };
	struct buf why;
	int r = RONDA_ENOMEM;

	buf_init(&why, BUF_DEFAULT_MAX);
	if (GROW(run->v, run->n, run->alloc, 16))
		goto out;
	h.name = copy(name, len);
	h.from = copy(from, strlen(from));
	if (!h.name || !h.from)
		goto out;
	r = host_decode(&h, obj, &why);
	if (r == RONDA_EPARSE)
		buf_printf(err, "%s: %s", from, buf_data(&why));
	if (r)
		goto out;
	run->v[run->n++] = h;
	memset(&h, 0, sizeof(h));
out:
	host_release(&h);
	buf_release(&why);
	return r;
}

static int host_cmp(const void *a, const void *b)
{
	const char *x = ((const struct diff_host *)a)->name, *y = ((const struct diff_host *)b)->name;
	int c = hostlist_natural_cmp(x, y);

	return c ? c : strcmp(x, y);
}

static int host_key_cmp(const void *key, const void *elt)
{
	return host_cmp(key, elt);
}

int diff_run_seal(struct diff_run *run, struct buf *err)
{
	qsort(run->v, run->n, sizeof(*run->v), host_cmp);
	for (size_t i = 1; i < run->n; i++) {
		if (strcmp(run->v[i - 1].name, run->v[i].name) == 0) {
			buf_puts(err, "host ");
			put_escaped(err, run->v[i].name, strlen(run->v[i].name));
			buf_printf(err, " twice: in %s and in %s", run->v[i - 1].from, run->v[i].from);
			return RONDA_EPARSE;
		}
	}
	return RONDA_OK;
}

void diff_run_release(struct diff_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		host_release(&run->v[i]);
	free(run->v);
	diff_run_init(run);
}

int diff_run_from_json(const json_t *hosts, struct diff_run *run, struct buf *err)
{
	const char *name;
	json_t *obj;
	int r = RONDA_OK;

	diff_run_init(run);
	json_object_foreach((json_t *)(uintptr_t)hosts, name, obj) {
		if ((r = diff_run_add(run, name, strlen(name), obj, name, err)))
			break;
	}
	if (r == RONDA_OK)
		r = diff_run_seal(run, err);
	if (r)
		diff_run_release(run);
	return r;
}

static const struct diff_host *find_host(const struct diff_run *run, const char *name)
{
	struct diff_host key = { .name = (char *)(uintptr_t)name };

	return bsearch(&key, run->v, run->n, sizeof(*run->v), host_key_cmp);
}

/* ---- comparing ---- */

struct diff {
	json_t *d;		/* the result */
	json_t *index;		/* group identity -> group object */
	json_t *seen;		/* group identity -> the `was` verdicts in it, as bits */
	int err;
};

/*
 * Adds host to the group of list `kind` that id names, creating it from
 * proto (stolen) the first time; was_name, if not NULL, joins the group's
 * `was` unless verdict was (a bit number) is in it already.
 */
static void add_to(struct diff *x, const char *kind, const char *id, json_t *proto,
		   const char *host, unsigned was, const char *was_name)
{
	struct buf key;
	json_t *g, *bits;
	json_int_t seen;

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
		    (was_name && json_object_set_new(g, "was", json_array())) ||
		    json_object_set(x->index, buf_data(&key), g) ||
		    json_array_append_new(json_object_get(x->d, kind), g))
			goto nomem;
	}
	json_decref(proto);
	if (json_array_append_new(json_object_get(g, "hosts"), json_string(host)))
		goto nomem;
	if (was_name) {
		bits = json_object_get(x->seen, buf_data(&key));
		seen = bits ? json_integer_value(bits) : 0;
		if (!(seen & ((json_int_t)1 << was)) &&
		    (json_array_append_new(json_object_get(g, "was"), json_string(was_name)) ||
		     json_object_set_new(x->seen, buf_data(&key), json_integer(seen | (json_int_t)1 << was))))
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
	add_to(x, kind, "", json_object(), host, 0, NULL);
}

static void compare_tasks(struct diff *x, const char *host, const struct diff_host *old_h,
			  const struct diff_host *new_h)
{
	for (size_t i = 0; i < new_h->n_tasks; i++) {
		const struct diff_task *t = &new_h->tasks[i], *before = find_task(old_h, t->name);
		unsigned nv = t->verdict, ov = before ? before->verdict : TASK_NONE;
		int nr = task_rank(nv), or = task_rank(ov);
		const char *kind = nr == 2 && or < 2 ? "new_failures" :
				   nr == 1 && or == 0 ? "new_warnings" :
				   nr < or ? "recovered" : NULL;
		struct buf id;

		if (!kind)
			continue;
		buf_init(&id, BUF_DEFAULT_MAX);
		if (buf_printf(&id, "%s\x1f%u", t->name, nv) != RONDA_OK)
			x->err = RONDA_ENOMEM;
		add_to(x, kind, buf_data(&id),
		       json_pack("{s:s, s:s}", "task", t->name, "verdict", task_verdict_name(nv)),
		       host, ov, task_verdict_name(ov));
		buf_release(&id);
	}
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
				 "new", buf_data(&n), buf_len(&n)), host, 0, NULL);
	}
	buf_release(&id);
	buf_release(&o);
	buf_release(&n);
}

static void compare_host(struct diff *x, const char *host, const struct diff_host *old_h,
			 const struct diff_host *new_h)
{
	enum patrol_verdict ov = old_h->verdict, nv = new_h->verdict;
	struct buf id;

	if (host_down(nv)) {
		if (!host_down(ov)) {
			buf_init(&id, BUF_DEFAULT_MAX);
			if (buf_printf(&id, "%u\x1f%s", (unsigned)nv, new_h->error) != RONDA_OK)
				x->err = RONDA_ENOMEM;
			add_to(x, "down", buf_data(&id),
			       json_pack("{s:s, s:s}", "verdict", patrol_verdict_name(nv),
					 "error", new_h->error), host, ov, patrol_verdict_name(ov));
			buf_release(&id);
		}
		return;		/* nothing to compare on a host that was not patrolled */
	}
	if (host_down(ov)) {
		buf_init(&id, BUF_DEFAULT_MAX);
		if (buf_printf(&id, "%u", (unsigned)nv) != RONDA_OK)
			x->err = RONDA_ENOMEM;
		add_to(x, "back", buf_data(&id), json_pack("{s:s}", "verdict", patrol_verdict_name(nv)),
		       host, ov, patrol_verdict_name(ov));
		buf_release(&id);
	}
	compare_tasks(x, host, old_h, new_h);
	compare_facts(x, host, old_h->facts, new_h->facts);
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

int diff_runs(const struct diff_run *old_run, const struct diff_run *new_run, json_t **out)
{
	static const char *const lists[] = { "new_failures", "new_warnings", "recovered", "down",
		"back", "added", "removed", "rebooted", "facts" };
	static const char *const single[] = { "added", "removed", "rebooted" };
	struct diff x = { .d = json_object(), .index = json_object(), .seen = json_object() };
	json_t *groups = NULL;
	size_t i;
	int r = RONDA_ENOMEM;

	if (!x.d || !x.index || !x.seen)
		goto out;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (json_object_set_new(x.d, lists[i], json_array()))
			goto out;
	for (i = 0; i < new_run->n; i++) {
		const struct diff_host *n = &new_run->v[i], *o = find_host(old_run, n->name);

		if (!o)
			add_host(&x, "added", n->name);
		else
			compare_host(&x, n->name, o, n);
	}
	for (i = 0; i < old_run->n; i++)
		if (!find_host(new_run, old_run->v[i].name))
			add_host(&x, "removed", old_run->v[i].name);
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
			   "hosts", "old", (json_int_t)old_run->n, "new", (json_int_t)new_run->n);
	if (!groups || json_object_update(groups, x.d)) {
		r = RONDA_ENOMEM;
		goto out;
	}
	*out = groups;
	groups = NULL;
	r = RONDA_OK;
out:
	json_decref(groups);
	json_decref(x.d);
	json_decref(x.index);
	json_decref(x.seen);
	return r;
}

int patrol_diff(const json_t *old_run, const json_t *new_run, json_t **out)
{
	struct diff_run o, n;
	struct buf err;
	int r;

	buf_init(&err, BUF_DEFAULT_MAX);
	diff_run_init(&n);
	r = diff_run_from_json(old_run, &o, &err);
	if (r == RONDA_OK) {
		r = diff_run_from_json(new_run, &n, &err);
		if (r == RONDA_OK)
			r = diff_runs(&o, &n, out);
		diff_run_release(&o);
	}
	diff_run_release(&n);
	buf_release(&err);
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
