/*
 * common_grow.c - the growing array: room from the first size, doubling,
 * contents kept, and a failure that leaves the array as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "err.h"
#include "grow.h"
#include "banned.h"

static void test_grows_by_doubling(void **state)
{
	int *v = NULL;
	size_t n = 0, alloc = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(GROW(v, n, alloc, 3), RONDA_OK);
		assert_true(alloc > n);
		v[n++] = (int)i;
		if (i == 0)
			assert_int_equal(alloc, 3);
		if (i == 3)
			assert_int_equal(alloc, 6);
	}
	assert_int_equal(alloc, 1536);
	for (i = 0; i < n; i++)
		assert_int_equal(v[i], (int)i);
	/* room left: nothing moves */
	n = 10;
	assert_int_equal(GROW(v, n, alloc, 3), RONDA_OK);
	assert_int_equal(alloc, 1536);
	free(v);
}

static void test_failure_leaves_the_array(void **state)
{
	char *v = malloc(4), *was = v;
	size_t alloc = 4;

	(void)state;
	assert_non_null(v);
	/* elements too big to double: the multiplication overflows */
	assert_int_equal(grow_array((void **)&v, 4, &alloc, SIZE_MAX / 6, 1), RONDA_ENOMEM);
	assert_ptr_equal(v, was);
	assert_int_equal(alloc, 4);
	/* an allocation size past half the address space cannot double */
	alloc = SIZE_MAX / 2 + 1;
	assert_int_equal(grow_array((void **)&v, alloc, &alloc, 1, 1), RONDA_ENOMEM);
	assert_ptr_equal(v, was);
	assert_int_equal(alloc, SIZE_MAX / 2 + 1);
	free(v);
}

static void test_first_size_zero_means_one(void **state)
{
	long *v = NULL;
	size_t alloc = 0;

	(void)state;
	assert_int_equal(GROW(v, 0, alloc, 0), RONDA_OK);
	assert_int_equal(alloc, 1);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_by_doubling),
		cmocka_unit_test(test_failure_leaves_the_array),
		cmocka_unit_test(test_first_size_zero_means_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
