/*
 * output_merge.c - ronda merge's coverage logic on synthetic run.json
 * objects: four shards cover the pattern exactly once; a missing shard's
 * hosts are named with their shard; a shard given twice, a host in two
 * runs, a host in the wrong shard or outside the pattern, and runs of
 * another pattern, kind, job or N are refused naming the runs; hostile
 * run.json (wrong types, names that could leave hosts/, shard numbers out
 * of range) is an error naming the file, never a crash.  Then the host
 * files read back (runread): a verdict that does not follow from the
 * host's tasks is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "inventory/shard.h"
#include "output/merge.h"
#include "output/runread.h"
#include "output/verdict.h"
#include "banned.h"

#define NHOSTS 12
#define NSHARDS 4

static const char *name(unsigned i)
{
	static char names[NHOSTS + 1][16];

	snprintf(names[i], sizeof(names[i]), "node%02u", i + 1);
	return names[i];
}

/* Shard k's run.json, as `ronda check --shard k/4 --out` writes it. */
static json_t *shard_run(unsigned k)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:[s], s:I, s:f, s:{s:i, s:i}, s:[], s:{}}",
			      "ronda", 1, "kind", "check", "pattern", "@fleet", "checks", "load:2",
			      "time", (json_int_t)1000 + k, "duration_s", 1.5 + k,
			      "shard", "k", (int)k, "n", NSHARDS, "selected", "hosts");

	assert_non_null(o);
	for (unsigned i = 0; i < NHOSTS; i++) {
		json_array_append_new(json_object_get(o, "selected"), json_string(name(i)));
		if (shard_of(name(i), NSHARDS) == k)
			json_object_set_new(json_object_get(o, "hosts"), name(i), json_string("ok"));
	}
	return o;
}

struct fix {
	struct merge_run runs[NSHARDS + 2];
	size_t n;
	struct merge_plan plan;
	struct buf err;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	buf_init(&f->err, 65536);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	for (size_t i = 0; i < f->n; i++)
		merge_run_release(&f->runs[i]);
	merge_plan_release(&f->plan);
	buf_release(&f->err);
	free(f);
	return 0;
}

/* Decodes o (released) as run from; asserts it decodes. */
static void add(struct fix *f, json_t *o, const char *from)
{
	if (merge_run_decode(o, from, &f->runs[f->n], &f->err) != RONDA_OK)
		fail_msg("%s", buf_data(&f->err));
	f->n++;
	json_decref(o);
}

static int plan(struct fix *f)
{
	buf_reset(&f->err);
	merge_plan_release(&f->plan);
	return merge_plan(f->runs, f->n, &f->plan, &f->err);
}

static void expect_err(struct fix *f, const char *a, const char *b)
{
	assert_int_equal(plan(f), RONDA_EPARSE);
	if (!strstr(buf_data(&f->err), a) || (b && !strstr(buf_data(&f->err), b)))
		fail_msg("want \"%s\" and \"%s\" in: %s", a, b ? b : "", buf_data(&f->err));
}

static void test_exactly_once(void **state)
{
	struct fix *f = *state;
	char from[16];
	unsigned seen[NSHARDS] = { 0 };

	for (unsigned k = NSHARDS; k-- > 0;) {	/* any order */
		snprintf(from, sizeof(from), "s%u", k);
		add(f, shard_run(k), from);
	}
	assert_int_equal(plan(f), RONDA_OK);
	assert_int_equal(f->plan.n, NHOSTS);
	assert_int_equal(f->plan.n_missing, 0);
	assert_int_equal(f->plan.n_missing_shards, 0);
	for (unsigned i = 0; i < NHOSTS; i++) {
		const struct merge_run *r = &f->runs[f->plan.owner[i]];

		assert_string_equal(f->plan.names[i], name(i));	/* the pattern's order */
		assert_int_equal(r->k, shard_of(name(i), NSHARDS));
		assert_non_null(json_object_get(r->hosts, name(i)));
		seen[r->k]++;
	}
	for (unsigned k = 0; k < NSHARDS; k++)
		assert_true(seen[k] > 0);	/* 12 names do reach all four */
}

static void test_missing_shard(void **state)
{
	struct fix *f = *state;
	size_t want = 0;

	add(f, shard_run(0), "s0");
	add(f, shard_run(1), "s1");
	add(f, shard_run(3), "s3");
	assert_int_equal(plan(f), RONDA_OK);
	assert_int_equal(f->plan.n_missing_shards, 1);
	assert_false(f->plan.shard_present[2]);
	for (unsigned i = 0; i < NHOSTS; i++) {
		int of2 = shard_of(name(i), NSHARDS) == 2;

		want += of2;
		assert_int_equal(f->plan.owner[i] < 0, of2);
		assert_int_equal(f->plan.shard[i], shard_of(name(i), NSHARDS));
	}
	assert_true(want > 0);
	assert_int_equal(f->plan.n_missing, want);
}

static void test_host_absent_from_its_run(void **state)
{
	struct fix *f = *state;
	json_t *o = shard_run(1);
	const char *gone = NULL;

	for (unsigned i = 0; i < NHOSTS && !gone; i++)
		if (shard_of(name(i), NSHARDS) == 1)
			gone = name(i);
	json_object_del(json_object_get(o, "hosts"), gone);
	add(f, shard_run(0), "s0");
	add(f, o, "s1");
	add(f, shard_run(2), "s2");
	add(f, shard_run(3), "s3");
	assert_int_equal(plan(f), RONDA_OK);
	assert_int_equal(f->plan.n_missing, 1);
	assert_int_equal(f->plan.n_missing_shards, 0);
}

static void test_shard_twice(void **state)
{
	struct fix *f = *state;

	add(f, shard_run(0), "first");
	add(f, shard_run(1), "s1");
	add(f, shard_run(0), "again");
	expect_err(f, "shard 0/4 is given twice: first and again", NULL);
}

/* A host that a tampered run.json puts in a second shard too. */
static void test_host_in_two_runs(void **state)
{
	struct fix *f = *state;
	json_t *o = shard_run(1);
	const char *h = NULL;

	for (unsigned i = 0; i < NHOSTS && !h; i++)
		if (shard_of(name(i), NSHARDS) == 0)
			h = name(i);
	json_object_set_new(json_object_get(o, "hosts"), h, json_string("ok"));
	add(f, shard_run(0), "runA");
	add(f, o, "runB");
	expect_err(f, "in shard 0/4 (runA) and in shard 1/4 (runB)", h);
}

static void test_wrong_shard_and_stranger(void **state)
{
	struct fix *f = *state;
	json_t *o = shard_run(1), *p = shard_run(2);
	const char *h = NULL;

	for (unsigned i = 0; i < NHOSTS && !h; i++)
		if (shard_of(name(i), NSHARDS) == 3)
			h = name(i);
	json_object_set_new(json_object_get(o, "hosts"), h, json_string("ok"));
	add(f, o, "s1");
	expect_err(f, "belongs to shard 3/4, not 1/4", h);
	json_object_set_new(json_object_get(p, "hosts"), "intruder", json_string("ok"));
	merge_run_release(&f->runs[0]);
	f->n = 0;
	add(f, p, "s2");
	expect_err(f, "s2: host intruder is not one its pattern selected", NULL);
}

static void test_not_one_run(void **state)
{
	struct fix *f = *state;
	static const struct { const char *key, *json, *want; } diff[] = {
		{ "pattern", "\"@web\"", "their pattern differ" },
		{ "kind", "\"run\"", "their kind differ" },
		{ "checks", "[\"load:3\"]", "their checks differ" },
		{ "playbook", "\"p.cfg\"", "their playbook differ" },
		{ "shard", "{\"k\": 1, \"n\": 5}", "is shard 1/5" },
		{ "selected", "[\"node01\"]", "selected different hosts" },
	};

	for (size_t i = 0; i < sizeof(diff) / sizeof(diff[0]); i++) {
		json_t *o = shard_run(1);

		json_object_set_new(o, diff[i].key, json_loads(diff[i].json, JSON_DECODE_ANY, NULL));
		for (size_t r = 0; r < f->n; r++)
			merge_run_release(&f->runs[r]);
		f->n = 0;
		add(f, shard_run(0), "s0");
		assert_int_equal(merge_run_decode(o, "other", &f->runs[1], &f->err), RONDA_OK);
		f->n++;
		json_decref(o);
		expect_err(f, diff[i].want, "other");
	}
}

/* A run without --shard is shard 0 of 1: it merges alone. */
static void test_unsharded(void **state)
{
	struct fix *f = *state;

	add(f, json_pack("{s:i, s:s, s:{s:s, s:s}}", "ronda", 1, "kind", "run", "hosts",
			 "a1", "ok", "b2", "fail"), "whole");
	assert_int_equal(plan(f), RONDA_OK);
	assert_int_equal(f->plan.n, 2);
	assert_int_equal(f->plan.n_shards, 1);
	assert_int_equal(f->plan.n_missing, 0);
}

static void test_hostile_run_json(void **state)
{
	struct fix *f = *state;
	static const char *const bad[] = {
		"[]", "{}", "{\"ronda\": 2, \"kind\": \"exec\", \"hosts\": {}}",
		"{\"ronda\": \"1\", \"kind\": \"exec\", \"hosts\": {}}",
		"{\"ronda\": 1, \"hosts\": {}}",
		"{\"ronda\": 1, \"kind\": \"rm\", \"hosts\": {}}",
		"{\"ronda\": 1, \"kind\": 7, \"hosts\": {}}",
		"{\"ronda\": 1, \"kind\": \"exec\"}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": []}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {\"a\": 3}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {\"a\": null}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {\"../etc\": \"ok\"}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {\"a/b\": \"ok\"}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {\"\": \"ok\"}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {\"a\\u001b[2J\": \"ok\"}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {\"a b\": \"ok\"}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"merged_from\": []}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": 3}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 4, \"n\": 4}, \"selected\": []}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": -1, \"n\": 4}, \"selected\": []}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0, \"n\": 0}, \"selected\": []}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0, \"n\": 99999}, \"selected\": []}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0.5, \"n\": 4}, \"selected\": []}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0, \"n\": \"4\"}, \"selected\": []}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0, \"n\": 4}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0, \"n\": 4}, \"selected\": {}}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0, \"n\": 4}, \"selected\": [1]}",
		"{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0, \"n\": 4}, \"selected\": [\"../x\"]}",
	};
	struct merge_run r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *o = json_loads(bad[i], 0, NULL);

		assert_non_null(o);
		buf_reset(&f->err);
		memset(&r, 0x5a, sizeof(r));
		if (merge_run_decode(o, "RUNX", &r, &f->err) != RONDA_EPARSE)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(buf_data(&f->err), "RUNX/run.json: "));
		assert_null(strchr(buf_data(&f->err), '\033'));	/* escaped */
		json_decref(o);
	}
	/* the pattern naming a host twice */
	add(f, json_loads("{\"ronda\": 1, \"kind\": \"exec\", \"hosts\": {}, \"shard\": {\"k\": 0, "
			  "\"n\": 1}, \"selected\": [\"a\", \"a\"]}", 0, NULL), "dup");
	expect_err(f, "twice", "dup");
	/* no runs at all */
	merge_run_release(&f->runs[0]);
	f->n = 0;
	expect_err(f, "no run", NULL);
}

static int read_patrol(const char *text, struct buf *err)
{
	struct patrol_host h;
	struct host_result conn;
	json_t *o = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(o);
	memset(&h, 0, sizeof(h));
	host_result_init(&conn, 0);
	buf_reset(err);
	rc = runread_patrol_host(o, &h, &conn, err);
	patrol_host_release(&h);
	host_result_release(&conn);
	json_decref(o);
	return rc;
}

static void test_runread(void **state)
{
	struct fix *f = *state;
	static const char *const bad[] = {
		"[]", "{\"verdict\": \"ok\"}",
		"{\"status\": \"ok\", \"verdict\": \"great\"}",
		"{\"status\": \"sleepy\", \"verdict\": \"ok\"}",
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"error\": 3}",
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"tasks\": {}}",
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"facts\": 1}",
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"counts\": {}, \"tasks\": [1]}",
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"counts\": {}, \"tasks\": [{\"task\": \"t\"}]}",
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"counts\": {}, \"tasks\": [{\"task\": \"t\", "
		"\"check\": \"load\", \"verdict\": \"meh\"}]}",
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"counts\": {}, \"tasks\": [{\"task\": \"t\", "
		"\"check\": \"load\", \"verdict\": \"ok\", \"values\": []}]}",
		/* says ok, but a task failed: a merge must not report better */
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"counts\": {}, \"tasks\": [{\"task\": \"t\", "
		"\"check\": \"load\", \"verdict\": \"fail\", \"message\": \"m\"}]}",
		/* says ok, but no summary came */
		"{\"status\": \"ok\", \"verdict\": \"ok\", \"counts\": null}",
		/* unreachable with results */
		"{\"status\": \"unreachable\", \"verdict\": \"unreachable\", \"counts\": {}}",
	};
	struct host_result r;
	json_t *o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (read_patrol(bad[i], &f->err) != RONDA_EPARSE)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(read_patrol("{\"status\": \"ok\", \"verdict\": \"fail\", \"counts\": {\"fail\": 1},"
				     " \"tasks\": [{\"task\": \"t\", \"check\": \"load\", \"verdict\": "
				     "\"fail\", \"message\": \"m\", \"values\": {\"per_cpu\": 2}}]}",
				     &f->err), RONDA_OK);
	assert_int_equal(read_patrol("{\"status\": \"unreachable\", \"verdict\": \"unreachable\", "
				     "\"error\": \"refused\", \"counts\": null, \"facts\": null}",
				     &f->err), RONDA_OK);
	assert_int_equal(read_patrol("{\"status\": \"agent\", \"verdict\": \"error\", "
				     "\"error\": \"bad line\", \"counts\": null}", &f->err), RONDA_OK);
	/* exec */
	o = json_loads("{\"status\": \"failed\", \"exit_code\": 3, \"error\": null}", 0, NULL);
	host_result_init(&r, 0);
	assert_int_equal(runread_exec_host(o, &r, &f->err), RONDA_OK);
	assert_int_equal(r.status, RESULT_FAILED);
	assert_int_equal(r.exit_code, 3);
	assert_true(r.has_exit);
	json_decref(o);
	o = json_loads("{\"status\": \"failed\", \"exit_code\": 300}", 0, NULL);
	assert_int_equal(runread_exec_host(o, &r, &f->err), RONDA_EPARSE);
	json_decref(o);
	host_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_shard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_absent_from_its_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shard_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_in_two_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_shard_and_stranger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_one_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsharded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_run_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runread, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
