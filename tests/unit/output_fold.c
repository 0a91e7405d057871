/*
 * output_fold.c - grouping by key keeps each group's items in their
 * order, groups end where the key changes, and names fold into ranges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "output/fold.h"
#include "banned.h"

static int by_key(size_t a, size_t b, void *arg)
{
	const int *k = arg;

	return (k[a] > k[b]) - (k[a] < k[b]);
}

static void test_fold_groups(void **state)
{
	int keys[] = { 2, 1, 2, 3, 1, 2 };
	size_t *idx, to;

	(void)state;
	assert_int_equal(fold_sort(6, by_key, keys, &idx), RONDA_OK);
	/* key 1: items 1, 4; key 2: 0, 2, 5; key 3: 3 */
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 4);
	assert_int_equal(idx[2], 0);
	assert_int_equal(idx[3], 2);
	assert_int_equal(idx[4], 5);
	assert_int_equal(idx[5], 3);
	to = fold_end(idx, 0, 6, by_key, keys);
	assert_int_equal(to, 2);
	to = fold_end(idx, to, 6, by_key, keys);
	assert_int_equal(to, 5);
	assert_int_equal(fold_end(idx, to, 6, by_key, keys), 6);
	free(idx);
	assert_int_equal(fold_sort(0, by_key, keys, &idx), RONDA_OK);
	free(idx);
}

static void test_fold_names(void **state)
{
	static const char *const names[] = { "web01", "db1", "web02", "web03", "web07" };
	const size_t host[] = { 0, 2, 3, 4 };
	struct target_list tl;
	struct buf b;

	(void)state;
	target_list_init(&tl);
	for (size_t i = 0; i < 5; i++) {
		struct target t = { .name = (char *)(uintptr_t)names[i], .port = 22 };

		assert_int_equal(target_list_add(&tl, &t), RONDA_OK);
	}
	buf_init(&b, 4096);
	assert_int_equal(fold_names(&tl, host, 4, &b), RONDA_OK);
	assert_string_equal(buf_data(&b), "web[01-03,07]");
	buf_reset(&b);
	assert_int_equal(fold_names(&tl, host + 1, 1, &b), RONDA_OK);
	assert_string_equal(buf_data(&b), "web02");
	buf_release(&b);
	target_list_release(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_groups),
		cmocka_unit_test(test_fold_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
