/*
 * inventory_hostlist.c - range expansion (padding, several groups, every kind
 * of malformed or oversized range) and folding back, including the
 * property that folded text expands to exactly the set it came from.
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
#include "inventory/hostlist.h"
#include "banned.h"

/* Expands word and joins the names with spaces. */
static int expand_join(const char *word, size_t max, struct buf *out, struct buf *err)
{
	struct hostlist l;
	int rc;

	hostlist_init(&l);
	rc = hostlist_expand(word, max, &l, err);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(out, "%s%s", i ? " " : "", l.v[i]);
	hostlist_release(&l);
	return rc;
}

static void expect_expand(const char *word, const char *want)
{
	struct buf out, err;

	buf_init(&out, 1 << 20);
	buf_init(&err, 4096);
	assert_int_equal(expand_join(word, HOSTLIST_MAX_EXPAND, &out, &err), RONDA_OK);
	assert_string_equal(buf_data(&out), want);
	buf_release(&out);
	buf_release(&err);
}

static void expect_error(const char *word, int code, const char *msg)
{
	struct buf out, err;

	buf_init(&out, 1 << 20);
	buf_init(&err, 4096);
	assert_int_equal(expand_join(word, HOSTLIST_MAX_EXPAND, &out, &err), code);
	assert_int_equal(buf_len(&out), 0);
	if (!strstr(buf_data(&err), msg))
		fail_msg("error for '%s' is '%s', wanted '%s'", word, buf_data(&err), msg);
	buf_release(&out);
	buf_release(&err);
}

static void test_expand_plain(void **state)
{
	(void)state;
	expect_expand("web01", "web01");
	expect_expand("web[1-3]", "web1 web2 web3");
	expect_expand("web[01-03,07]", "web01 web02 web03 web07");
	expect_expand("n[8-10]", "n8 n9 n10");
	expect_expand("n[08-10]", "n08 n09 n10");
	expect_expand("n[098-101]", "n098 n099 n100 n101");
	expect_expand("n[5]", "n5");
	expect_expand("n[0]", "n0");
	expect_expand("[1-2]x", "1x 2x");
	expect_expand("a[1-2].dc[1,3]", "a1.dc1 a1.dc3 a2.dc1 a2.dc3");
	expect_expand("r[1-2]-n[01-02]-s[7]", "r1-n01-s7 r1-n02-s7 r2-n01-s7 r2-n02-s7");
	expect_expand("n[3,1,2]", "n3 n1 n2");
	expect_expand("n[999999999999999998-999999999999999999]",
		      "n999999999999999998 n999999999999999999");
}

static void test_expand_malformed(void **state)
{
	(void)state;
	expect_error("web[1-", RONDA_EPARSE, "never closed");
	expect_error("web[1", RONDA_EPARSE, "never closed");
	expect_error("web[", RONDA_EPARSE, "never closed");
	expect_error("web]", RONDA_EPARSE, "']' without '['");
	expect_error("web1]", RONDA_EPARSE, "']' without '['");
	expect_error("web[]", RONDA_EPARSE, "empty item");
	expect_error("web[1,,2]", RONDA_EPARSE, "empty item");
	expect_error("web[,1]", RONDA_EPARSE, "empty item");
	expect_error("web[1,]", RONDA_EPARSE, "empty item");
	expect_error("web[5-1]", RONDA_EPARSE, "backwards");
	expect_error("web[a-b]", RONDA_EPARSE, "expected a number");
	expect_error("web[1-2-3]", RONDA_EPARSE, "expected ','");
	expect_error("web[-3]", RONDA_EPARSE, "expected a number");
	expect_error("web[[1]]", RONDA_EPARSE, "do not nest");
	expect_error("w[1[2]]", RONDA_EPARSE, "do not nest");
	expect_error("w[01-003]", RONDA_EPARSE, "same width");
	expect_error("w[1234567890123456789]", RONDA_EPARSE, "18 digits");
	expect_error("a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]a[1]",
		     RONDA_EPARSE, "more than 16 bracket groups");
}

static void test_deep_nesting(void **state)
{
	char word[20001];

	(void)state;
	memset(word, '[', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	expect_error(word, RONDA_EPARSE, "do not nest");
	memset(word, ']', sizeof(word) - 1);
	expect_error(word, RONDA_EPARSE, "without");
}

static void test_huge_refused_before_expanding(void **state)
{
	struct buf err;
	size_t n = 0;

	(void)state;
	buf_init(&err, 4096);
	/* Would be 10^18 names; refused by counting, without memory. */
	expect_error("n[0-999999999999999999]", RONDA_ELIMIT, "more than 100000 names");
	expect_error("n[1-100001]", RONDA_ELIMIT, "more than 100000");
	expect_error("a[1-1000]b[1-1000]", RONDA_ELIMIT, "more than 100000");
	expect_error("a[1-100]b[1-100]c[1-100]d[1-100]e[1-100]f[1-100]g[1-100]h[1-100]i[1-100]j[1-100]",
		     RONDA_ELIMIT, "more than");
	/* Many ranges in one group add up. */
	expect_error("n[1-60000,70001-130000]", RONDA_ELIMIT, "more than");
	assert_int_equal(hostlist_count("n[1-100000]", HOSTLIST_MAX_EXPAND, &n, &err), RONDA_OK);
	assert_int_equal(n, 100000);
	assert_int_equal(hostlist_count("a[1-10]b[1-10]", 100, &n, &err), RONDA_OK);
	assert_int_equal(n, 100);
	assert_int_equal(hostlist_count("a[1-10]b[1-11]", 100, &n, &err), RONDA_ELIMIT);
	buf_release(&err);
}

static void test_expand_keeps_list_on_error(void **state)
{
	struct hostlist l;
	struct buf err;

	(void)state;
	hostlist_init(&l);
	buf_init(&err, 4096);
	assert_int_equal(hostlist_expand("a[1-2]", 10, &l, &err), RONDA_OK);
	assert_int_equal(hostlist_expand("b[1-20]", 10, &l, &err), RONDA_ELIMIT);
	assert_int_equal(l.n, 2);
	hostlist_release(&l);
	buf_release(&err);
}

static void test_natural_order(void **state)
{
	struct hostlist l;
	const char *in[] = { "node10", "node9", "node1", "a", "node01", "node10", "b2", "b10" };
	const char *want[] = { "a", "b2", "b10", "node01", "node1", "node9", "node10" };

	(void)state;
	hostlist_init(&l);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(hostlist_push(&l, in[i], strlen(in[i])), RONDA_OK);
	hostlist_sort_unique(&l);
	assert_int_equal(l.n, 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(l.v[i], want[i]);
	assert_true(hostlist_natural_cmp("x2y", "x10y") < 0);
	assert_true(hostlist_natural_cmp("x10", "x10") == 0);
	assert_true(hostlist_natural_cmp("x", "x1") < 0);
	hostlist_release(&l);
}

static void expect_fold(const char *names, const char *want)
{
	struct hostlist l;
	struct buf out;
	char *copy = strdup(names), *save = NULL;

	hostlist_init(&l);
	buf_init(&out, 1 << 20);
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		assert_int_equal(hostlist_push(&l, t, strlen(t)), RONDA_OK);
	assert_int_equal(hostlist_fold(l.v, l.n, &out), RONDA_OK);
	assert_string_equal(buf_data(&out), want);
	hostlist_release(&l);
	buf_release(&out);
	free(copy);
}

static void test_fold(void **state)
{
	(void)state;
	expect_fold("node001 node002 node003 node007", "node[001-003,007]");
	expect_fold("node7 node1 node3 node2", "node[1-3,7]");
	expect_fold("n8 n9 n10 n11", "n[8-11]");
	expect_fold("n08 n09 n10", "n[08-10]");
	expect_fold("n1 n01 n2 n02", "n[1-2,01-02]");
	expect_fold("web1 web1 web2", "web[1-2]");
	expect_fold("solo", "solo");
	expect_fold("node5", "node5");
	expect_fold("b a c", "a,b,c");
	/* The last number first; names left alone try the one before. */
	expect_fold("web1.dc1 web2.dc1 web1.dc2", "web1.dc[1-2],web2.dc1");
	expect_fold("db1.dc1 db2.dc1 db3.dc1 x.dc1", "db[1-3].dc1,x.dc1");
	expect_fold("r1-n01 r1-n02 r2-n05 r3-n05", "r1-n[01-02],r[2-3]-n05");
	expect_fold("x db2 a1 db1 db3", "a1,db[1-3],x");
	expect_fold("n0 n1 n2", "n[0-2]");
	expect_fold("n00 n01 n1", "n[00-01,1]");
	expect_fold("h1234567890123456789 h2", "h2,h1234567890123456789");
	/* Names with a port fold on the name's number when the ports agree. */
	expect_fold("web01:2222 web02:2222 web03:2222", "web[01-03]:2222");
	expect_fold("web01:2222 web01:2223", "web01:[2222-2223]");
	/* IPv6 addresses stay whole: "::[1-2]" would not expand back. */
	expect_fold("::1 ::2 2001:db8::5", "2001:db8::5,::1,::2");
	expect_fold("[::1]:22 [::2]:22", "[::1]:22,[::2]:22");
}

/* Folded text must expand back to the very same set. */
static void test_fold_round_trip(void **state)
{
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 300; round++) {
		struct hostlist in, back;
		struct buf folded, err;
		char name[64], *save = NULL;

		hostlist_init(&in);
		hostlist_init(&back);
		buf_init(&folded, 1 << 20);
		buf_init(&err, 4096);
		int n = (int)(rand_r(&seed) % 40) + 1;

		for (int i = 0; i < n; i++) {
			unsigned v = (unsigned)rand_r(&seed) % 120;
			int pad = (int)(rand_r(&seed) % 4);
			int len = snprintf(name, sizeof(name), "%s%0*u%s",
					   rand_r(&seed) % 3 ? "node" : "r", pad, v,
					   rand_r(&seed) % 4 ? "" : ".dc1");

			assert_true(len > 0 && (size_t)len < sizeof(name));
			assert_int_equal(hostlist_push(&in, name, (size_t)len), RONDA_OK);
		}
		hostlist_sort_unique(&in);
		assert_int_equal(hostlist_fold(in.v, in.n, &folded), RONDA_OK);
		/* Split at commas outside brackets, expand each word. */
		char *text = strdup(buf_data(&folded)), *p = text, *start = text;
		int depth = 0;

		for (;; p++) {
			if (*p == '[')
				depth = 1;
			else if (*p == ']')
				depth = 0;
			if ((*p == ',' && !depth) || !*p) {
				char c = *p;

				*p = '\0';
				assert_int_equal(hostlist_expand(start, 100000, &back, &err), RONDA_OK);
				if (!c)
					break;
				start = p + 1;
			}
		}
		(void)save;
		hostlist_sort_unique(&back);
		if (back.n != in.n)
			fail_msg("'%s' gave %zu names, not %zu", buf_data(&folded), back.n, in.n);
		for (size_t i = 0; i < in.n; i++)
			assert_string_equal(back.v[i], in.v[i]);
		free(text);
		hostlist_release(&in);
		hostlist_release(&back);
		buf_release(&folded);
		buf_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_plain),
		cmocka_unit_test(test_expand_malformed),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_huge_refused_before_expanding),
		cmocka_unit_test(test_expand_keeps_list_on_error),
		cmocka_unit_test(test_natural_order),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_fold_round_trip),
	};

	return cmocka_run_group_tests_name("hostlist", tests, NULL, NULL);
}
