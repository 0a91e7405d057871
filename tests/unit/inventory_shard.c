/*
 * inventory_shard.c - --shard K/N: the parser refuses every malformed or
 * out-of-range K/N; the hash is pinned to vectors computed independently
 * (Python's hashlib, see shard.h for the definition), so no build or
 * machine can drift; 2,000 names spread over 8 shards within 20 % of
 * even; adding or removing a host moves only that host, adding a shard
 * moves hosts only into the new shard; the shards of a list partition it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "inventory/shard.h"
#include "inventory/target.h"
#include "banned.h"

static void expect_bad(const char *arg)
{
	struct shard s = { 7, 9 };
	struct buf err;

	buf_init(&err, 4096);
	assert_int_equal(shard_parse(arg, &s, &err), RONDA_EINVAL);
	assert_true(buf_len(&err) > 0);
	assert_non_null(strstr(buf_data(&err), "--shard"));
	/* out-parameters are set only on success */
	assert_int_equal(s.k, 7);
	assert_int_equal(s.n, 9);
	buf_release(&err);
}

static void test_parse(void **state)
{
	struct shard s;
	struct buf err;
	static const char *const bad[] = {
		"", "/", "1", "1/", "/4", "4/4", "5/4", "-1/4", "1/-4", "1/0", "0/0",
		"a/b", "1/4x", "x1/4", " 1/4", "1/4 ", "1//4", "1/4/2", "+1/4", "1.0/4",
		"0/4097", "0/99999", "99999/100000", "0x1/4", "1/ 4",
	};

	(void)state;
	buf_init(&err, 4096);
	assert_int_equal(shard_parse("0/1", &s, &err), RONDA_OK);
	assert_int_equal(s.k, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(shard_parse("3/4", &s, &err), RONDA_OK);
	assert_int_equal(s.k, 3);
	assert_int_equal(s.n, 4);
	assert_int_equal(shard_parse("0007/0010", &s, &err), RONDA_OK);
	assert_int_equal(s.k, 7);
	assert_int_equal(s.n, 10);
	assert_int_equal(shard_parse("4095/4096", &s, &err), RONDA_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i]);
	buf_release(&err);
}

/* From Python: sha256(sha256(name).digest() + k.to_bytes(4, 'big'))[:8]. */
static void test_pinned_vectors(void **state)
{
	static const unsigned want4[] = { 1, 1, 1, 1, 1, 2, 0, 3, 1, 1, 3, 3 };
	char name[32];

	(void)state;
	assert_true(shard_weight("node001", 0) == 0x3db58694b67b0d09ull);
	assert_true(shard_weight("web01:2222", 3) == 0x97996343cf74e74aull);
	for (unsigned i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "node%03u", i + 1);
		assert_int_equal(shard_of(name, 4), want4[i]);
	}
	assert_int_equal(shard_of("anything", 1), 0);
}

static void test_balance(void **state)
{
	/* the same counts Python gives: 268 245 227 259 247 248 244 262 */
	static const unsigned want[8] = { 268, 245, 227, 259, 247, 248, 244, 262 };
	unsigned count[8] = { 0 };
	char name[32];

	(void)state;
	for (unsigned i = 1; i <= 2000; i++) {
		snprintf(name, sizeof(name), "node%04u", i);
		count[shard_of(name, 8)]++;
	}
	for (unsigned k = 0; k < 8; k++) {
		assert_int_equal(count[k], want[k]);
		assert_in_range(count[k], 200, 300);	/* 250 within 20 % */
	}
}

static void make_list(struct target_list *tl, unsigned from, unsigned to, unsigned skip)
{
	char name[32];

	target_list_init(tl);
	for (unsigned i = from; i <= to; i++) {
		struct target t = { .name = name, .port = 22 };

		if (i == skip)
			continue;
		snprintf(name, sizeof(name), "web%u.dc1", i);
		assert_int_equal(target_list_add(tl, &t), RONDA_OK);
	}
}

/* Which shard of n each name of [from, to] lands in, through shard_filter. */
static void assign(unsigned from, unsigned to, unsigned skip, unsigned n, int *where)
{
	for (unsigned i = 0; i <= to; i++)
		where[i] = -1;
	for (unsigned k = 0; k < n; k++) {
		struct target_list tl;
		struct shard s = { k, n };

		make_list(&tl, from, to, skip);
		shard_filter(&tl, &s);
		for (size_t i = 0; i < tl.n; i++) {
			unsigned num;

			assert_int_equal(sscanf(tl.v[i].name, "web%u.dc1", &num), 1);
			assert_int_equal(where[num], -1);	/* in one shard only */
			where[num] = (int)k;
		}
		target_list_release(&tl);
	}
}

static void test_partition_and_stability(void **state)
{
	enum { N = 600 };
	int all[N + 2], fewer[N + 2], more[N + 2], grown[N + 2];
	unsigned moved = 0;

	(void)state;
	assign(1, N, 0, 5, all);
	for (unsigned i = 1; i <= N; i++)
		assert_true(all[i] >= 0 && all[i] < 5);	/* every host exactly once */
	assign(1, N, 300, 5, fewer);			/* one host removed */
	assign(1, N + 1, 0, 5, more);			/* one host added */
	for (unsigned i = 1; i <= N; i++) {
		if (i != 300)
			assert_int_equal(fewer[i], all[i]);
		assert_int_equal(more[i], all[i]);
	}
	assert_int_equal(fewer[300], -1);
	assign(1, N, 0, 6, grown);			/* one shard added */
	for (unsigned i = 1; i <= N; i++) {
		if (grown[i] != all[i]) {
			assert_int_equal(grown[i], 5);	/* only into the new one */
			moved++;
		}
	}
	assert_in_range(moved, N / 6 - 40, N / 6 + 40);
}

static void test_no_shard_keeps_all(void **state)
{
	struct target_list tl;
	struct shard none = { 0, 0 };

	(void)state;
	make_list(&tl, 1, 10, 0);
	shard_filter(&tl, &none);
	assert_int_equal(tl.n, 10);
	target_list_release(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_pinned_vectors),
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_partition_and_stability),
		cmocka_unit_test(test_no_shard_keeps_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
