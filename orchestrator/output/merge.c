/*
 * merge.c - see merge.h.
 *
 * Hosts are indexed once in a JSON object (name -> 1 + run index), so
 * finding a host given twice is linear in hosts, whatever the shards.
 */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "escape.h"
#include "inventory/shard.h"
#include "banned.h"

static const char *const kind_names[] = {
	[MERGE_EXEC] = "exec", [MERGE_CHECK] = "check", [MERGE_RUN] = "run",
};

const char *merge_kind_name(enum merge_kind k)
{
	return (unsigned)k <= MERGE_RUN ? kind_names[k] : "?";
}

void merge_run_release(struct merge_run *r)
{
	free(r->from);
	json_decref(r->obj);
	json_decref(r->own_selected);
	memset(r, 0, sizeof(*r));
}

/* A name a file can be made of, as files.c wants it, and nothing odd. */
static int name_ok(const char *s, size_t len)
{
	if (!len || len > 250 || s[0] == '.' || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == '/' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static void put_esc(struct buf *err, const char *s)
{
	if (esc_append(err, s, strlen(s), 0) != RONDA_OK)
		buf_puts(err, "?");
}

/* An unsigned from a JSON integer in [lo, hi]. */
static int uint_in(const json_t *v, json_int_t lo, json_int_t hi, unsigned *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return RONDA_EINVAL;
	*out = (unsigned)json_integer_value(v);
	return RONDA_OK;
}

static int decode(struct merge_run *r, struct buf *err)
{
	const json_t *o = r->obj, *shard = json_object_get(o, "shard"), *v;
	const char *kind = json_string_value(json_object_get(o, "kind")), *name;
	size_t i;
	int found = 0;

	if (!json_is_object(o) || !json_is_integer(json_object_get(o, "ronda")) ||
	    json_integer_value(json_object_get(o, "ronda")) != 1) {
		buf_puts(err, "not a ronda run.json (no \"ronda\": 1)");
		return RONDA_EPARSE;
	}
	for (unsigned k = 0; kind && k <= MERGE_RUN; k++) {
		if (strcmp(kind, kind_names[k]) == 0) {
			r->kind = (enum merge_kind)k;
			found = 1;
		}
	}
	if (!found) {
		buf_puts(err, "no \"kind\" exec, check or run (written by a ronda before merge?)");
		return RONDA_EPARSE;
	}
	if (json_object_get(o, "merged_from")) {
		buf_puts(err, "is a merged run already; merge the shards' own runs");
		return RONDA_EPARSE;
	}
	r->hosts = json_object_get(o, "hosts");
	if (!json_is_object(r->hosts)) {
		buf_puts(err, "no \"hosts\" object");
		return RONDA_EPARSE;
	}
	json_object_foreach((json_t *)(uintptr_t)r->hosts, name, v) {
		if (!name_ok(name, strlen(name))) {
			buf_puts(err, "host name \"");
			put_esc(err, name);
			buf_puts(err, "\" cannot be a file name");
			return RONDA_EPARSE;
		}
		if (!json_is_string(v) && !json_is_object(v)) {
			buf_puts(err, "host \"");
			put_esc(err, name);
			buf_puts(err, "\": neither a verdict nor an exec result");
			return RONDA_EPARSE;
		}
	}
	v = json_object_get(o, "time");
	r->time = json_is_number(v) ? json_number_value(v) : 0;
	v = json_object_get(o, "duration_s");
	r->duration_s = json_is_number(v) && json_number_value(v) >= 0 ? json_number_value(v) : 0;
	if (!shard) {
		r->k = 0;
		r->n = 1;
		r->own_selected = json_array();
		if (!r->own_selected)
			return RONDA_ENOMEM;
		json_object_foreach((json_t *)(uintptr_t)r->hosts, name, v)
			if (json_array_append_new(r->own_selected, json_string(name)))
				return RONDA_ENOMEM;
		r->selected = r->own_selected;
		return RONDA_OK;
	}
	if (!json_is_object(shard) || uint_in(json_object_get(shard, "n"), 1, SHARD_MAX, &r->n) ||
	    uint_in(json_object_get(shard, "k"), 0, (json_int_t)r->n - 1, &r->k)) {
		buf_printf(err, "\"shard\" is not {k, n} with 0 <= k < n <= %d", SHARD_MAX);
		return RONDA_EPARSE;
	}
	r->selected = json_object_get(o, "selected");
	if (!json_is_array(r->selected)) {
		buf_puts(err, "a shard without \"selected\" (the pattern's hosts)");
		return RONDA_EPARSE;
	}
	json_array_foreach(r->selected, i, v) {
		if (!json_is_string(v) || !name_ok(json_string_value(v), json_string_length(v))) {
			buf_printf(err, "\"selected\"[%zu] is not a host name", i);
			return RONDA_EPARSE;
		}
	}
	return RONDA_OK;
}

int merge_run_decode(json_t *obj, const char *from, struct merge_run *out, struct buf *err)
{
	struct merge_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.obj = json_incref(obj);
	r.from = strdup(from);
	if (!r.from) {
		merge_run_release(&r);
		return RONDA_ENOMEM;
	}
	rc = decode(&r, err);
	if (rc) {
		struct buf why;

		/* the file in front of the reason */
		buf_init(&why, 4096);
		buf_append(&why, buf_data(err), buf_len(err));
		buf_reset(err);
		buf_printf(err, "%s/run.json: %s", from, buf_data(&why));
		buf_release(&why);
		merge_run_release(&r);
		return rc;
	}
	*out = r;
	return RONDA_OK;
}

void merge_plan_release(struct merge_plan *p)
{
	free(p->names);
	free(p->owner);
	free(p->shard);
	free(p->shard_present);
	memset(p, 0, sizeof(*p));
}

/* The fields that must be the same in every shard of one run. */
static const char *const same_keys[] = {
	"kind", "pattern", "playbook", "checks", "command",
};

static int same_run(const struct merge_run *a, const struct merge_run *b, struct buf *err)
{
	for (size_t i = 0; i < sizeof(same_keys) / sizeof(same_keys[0]); i++) {
		const json_t *x = json_object_get(a->obj, same_keys[i]);
		const json_t *y = json_object_get(b->obj, same_keys[i]);

		if ((x || y) && !(x && y && json_equal(x, y))) {
			buf_printf(err, "%s and %s are not shards of one run: their %s differ",
				   a->from, b->from, same_keys[i]);
			return RONDA_EPARSE;
		}
	}
	if (a->n != b->n) {
		buf_printf(err, "%s is shard %u/%u but %s is shard %u/%u: not one run",
			   a->from, a->k, a->n, b->from, b->k, b->n);
		return RONDA_EPARSE;
	}
	if (!json_equal(a->selected, b->selected)) {
		buf_printf(err, "%s and %s selected different hosts for the pattern "
			   "(another inventory?)", a->from, b->from);
		return RONDA_EPARSE;
	}
	return RONDA_OK;
}

static int plan_alloc(struct merge_plan *p, size_t n, unsigned n_shards)
{
	p->n = n;
	p->n_shards = n_shards;
	p->names = calloc(n ? n : 1, sizeof(*p->names));
	p->owner = calloc(n ? n : 1, sizeof(*p->owner));
	p->shard = calloc(n ? n : 1, sizeof(*p->shard));
	p->shard_present = calloc(n_shards, 1);
	return p->names && p->owner && p->shard && p->shard_present ? RONDA_OK : RONDA_ENOMEM;
}

/* Every host of every run: in the pattern, in its own shard, once. */
static int index_hosts(const struct merge_run *runs, size_t n_runs, json_t *pattern,
		       json_t *seen, struct buf *err)
{
	for (size_t r = 0; r < n_runs; r++) {
		const char *name;
		json_t *v;

		json_object_foreach((json_t *)(uintptr_t)runs[r].hosts, name, v) {
			json_t *prev = json_object_get(seen, name);
			unsigned belongs;

			if (!json_object_get(pattern, name)) {
				buf_printf(err, "%s: host ", runs[r].from);
				put_esc(err, name);
				buf_puts(err, " is not one its pattern selected");
				return RONDA_EPARSE;
			}
			if (prev) {
				const struct merge_run *o = &runs[json_integer_value(prev) - 1];

				buf_puts(err, "host ");
				put_esc(err, name);
				buf_printf(err, " is in shard %u/%u (%s) and in shard %u/%u (%s)",
					   o->k, o->n, o->from, runs[r].k, runs[r].n, runs[r].from);
				return RONDA_EPARSE;
			}
			belongs = shard_of(name, runs[r].n);
			if (belongs != runs[r].k) {
				buf_printf(err, "%s: host ", runs[r].from);
				put_esc(err, name);
				buf_printf(err, " belongs to shard %u/%u, not %u/%u (another ronda's "
					   "hash?)", belongs, runs[r].n, runs[r].k, runs[r].n);
				return RONDA_EPARSE;
			}
			if (json_object_set_new(seen, name, json_integer((json_int_t)r + 1)))
				return RONDA_ENOMEM;
		}
	}
	return RONDA_OK;
}

int merge_plan(const struct merge_run *runs, size_t n_runs, struct merge_plan *out,
	       struct buf *err)
{
	json_t *seen = json_object(), *pattern = json_object(), *v;
	const struct merge_run *shard_run[SHARD_MAX];
	struct merge_plan p;
	size_t i;
	int rc = RONDA_ENOMEM;

	memset(&p, 0, sizeof(p));
	if (!seen || !pattern)
		goto out;
	rc = RONDA_EPARSE;
	if (!n_runs) {
		buf_puts(err, "no run to merge");
		goto out;
	}
	memset(shard_run, 0, sizeof(shard_run));
	for (size_t r = 0; r < n_runs; r++) {
		if (r && (rc = same_run(&runs[0], &runs[r], err)))
			goto out;
		if (shard_run[runs[r].k]) {
			buf_printf(err, "shard %u/%u is given twice: %s and %s", runs[r].k,
				   runs[r].n, shard_run[runs[r].k]->from, runs[r].from);
			rc = RONDA_EPARSE;
			goto out;
		}
		shard_run[runs[r].k] = &runs[r];
	}
	rc = RONDA_ENOMEM;
	json_array_foreach(runs[0].selected, i, v) {
		if (json_object_get(pattern, json_string_value(v))) {
			buf_puts(err, "the pattern's hosts name ");
			put_esc(err, json_string_value(v));
			buf_printf(err, " twice (%s)", runs[0].from);
			rc = RONDA_EPARSE;
			goto out;
		}
		if (json_object_set_new(pattern, json_string_value(v), json_true()))
			goto out;
	}
	if ((rc = index_hosts(runs, n_runs, pattern, seen, err)))
		goto out;
	rc = RONDA_ENOMEM;
	if (plan_alloc(&p, json_array_size(runs[0].selected), runs[0].n))
		goto out;
	for (unsigned k = 0; k < p.n_shards; k++) {
		p.shard_present[k] = shard_run[k] != NULL;
		p.n_missing_shards += !shard_run[k];
	}
	json_array_foreach(runs[0].selected, i, v) {
		const json_t *at = json_object_get(seen, json_string_value(v));

		p.names[i] = json_string_value(v);
		p.shard[i] = shard_of(p.names[i], p.n_shards);
		p.owner[i] = at ? (long)json_integer_value(at) - 1 : -1;
		p.n_missing += !at;
	}
	*out = p;
	memset(&p, 0, sizeof(p));
	rc = RONDA_OK;
out:
	merge_plan_release(&p);
	json_decref(seen);
	json_decref(pattern);
	return rc;
}
