/*
 * inventory_pattern.c - the pattern algebra against inventory/example.cfg (run
 * from the top of the tree, as tests/run.sh does) and against no inventory
 * at all: names, ranges, globs, groups, union, & and ! with their
 * order-free precedence, bare hosts, -w/-x, and malformed or oversized
 * patterns that must fail cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "inventory/hostlist.h"
#include "inventory/inventory.h"
#include "inventory/pattern.h"
#include "banned.h"

static struct inventory *inv, *none;

static int setup(void **state)
{
	struct buf err;

	(void)state;
	buf_init(&err, 4096);
	if (inventory_load("inventory/example.cfg", &inv, &err)) {
		fprintf(stderr, "%s\n", buf_data(&err));
		return -1;
	}
	buf_release(&err);
	return inventory_empty(&none);
}

static int teardown(void **state)
{
	(void)state;
	inventory_free(inv);
	inventory_free(none);
	return 0;
}

/* Selects with -w/-x lists and returns the names joined by spaces. */
static int sel(struct inventory *in, const char *const *w, size_t nw,
	       const char *const *x, size_t nx, struct buf *out, struct buf *err)
{
	struct hostlist l;
	int rc;

	hostlist_init(&l);
	rc = pattern_select(in, w, nw, x, nx, &l, err);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(out, "%s%s", i ? " " : "", l.v[i]);
	hostlist_release(&l);
	return rc;
}

static void expect_in(struct inventory *in, const char *pat, const char *want)
{
	struct buf out, err;

	buf_init(&out, 1 << 20);
	buf_init(&err, 4096);
	if (sel(in, &pat, 1, NULL, 0, &out, &err))
		fail_msg("'%.60s' failed: %s", pat, buf_data(&err));
	if (strcmp(buf_data(&out), want))
		fail_msg("'%.60s' gave '%.60s', wanted '%s'", pat, buf_data(&out), want);
	buf_release(&out);
	buf_release(&err);
}

static void expect(const char *pat, const char *want)
{
	expect_in(inv, pat, want);
}

static void expect_fail(const char *pat, int code, const char *msg)
{
	struct buf out, err;
	int rc;

	buf_init(&out, 1 << 20);
	buf_init(&err, 4096);
	rc = sel(inv, &pat, 1, NULL, 0, &out, &err);
	if (rc != code)
		fail_msg("'%.60s' gave %d, wanted %d (%s)", pat, rc, code, buf_data(&err));
	if (!strstr(buf_data(&err), msg))
		fail_msg("'%.60s': message '%s' lacks '%s'", pat, buf_data(&err), msg);
	assert_int_equal(buf_len(&out), 0);
	buf_release(&out);
	buf_release(&err);
}

#define ALL "bastion db1.dc1 db2.dc1 db3.dc1 legacy1 web01 web02 web03 web04"

static void test_names_ranges_globs(void **state)
{
	(void)state;
	expect("web01", "web01");
	expect("web[01-02]", "web01 web02");
	expect("web[02,01],web01", "web01 web02");
	expect("*.dc1", "db1.dc1 db2.dc1 db3.dc1");
	expect("web0?", "web01 web02 web03 web04");
	expect("*", ALL);
	expect("all", ALL);
	expect("@all", ALL);
	expect(" web01 , web02 ", "web01 web02");
	expect("nomatch*", "");
}

static void test_groups(void **state)
{
	(void)state;
	expect("@web", "web01 web02 web03 web04");
	expect("@db", "db1.dc1 db2.dc1 db3.dc1");
	/* dc1 has bastion and, through its children, web and db. */
	expect("@dc1", "bastion db1.dc1 db2.dc1 db3.dc1 web01 web02 web03 web04");
	expect("@d*", "bastion db1.dc1 db2.dc1 db3.dc1 web01 web02 web03 web04");
	expect("@old", "legacy1 web04");
	expect_fail("@nope", RONDA_ENOTFOUND, "unknown group '@nope'");
	expect_fail("@", RONDA_EPARSE, "no name after '@'");
}

static void test_operators_and_precedence(void **state)
{
	(void)state;
	expect("@web,!web03", "web01 web02 web04");
	expect("@web!web03", "web01 web02 web04");
	expect("@dc1,&@old", "web04");
	expect("@dc1&@old", "web04");
	expect("@web,&@old,&web[04-05]", "web04");
	/* Unions first, then &, then !, whatever the order. */
	expect("web01,!web01,web01", "");
	expect("!web01,@web", "web02 web03 web04");
	expect("&@old,@web", "web04");
	/* legacy1 is in @old: the exclusion wins although it comes first. */
	expect("@web,!@old,legacy1", "web01 web02 web03");
	expect("all,!@dc1", "legacy1");
	expect("all,!*", "");
	expect("@web,&@db", "");
	/* Found by fuzz_pattern: an & group after a range, before any bare
	 * name was seen (UBSan: NULL + 0 in the bare-name bookkeeping). */
	expect("web[01-20,25]&@web", "web01 web02 web03 web04");
	expect("web[01-20,25]&@web,&@old", "web04");
}

static void test_bare_hosts(void **state)
{
	(void)state;
	/* Names the inventory lacks are bare hosts, mixed in natural order. */
	expect("web[03-06]", "web03 web04 web05 web06");
	expect("newhost,web01", "newhost web01");
	expect("x[1-3],!x2", "x1 x3");
	expect("x[1-3],&x[2-9]", "x2 x3");
	expect("x[1-3],&x2,&x[2-3]", "x2");
	expect("x1,x1,x1", "x1");
	expect_in(none, "host[1-3]", "host1 host2 host3");
	expect_in(none, "10.0.0.1", "10.0.0.1");
	expect_in(none, "*", "");
	expect_in(none, "all", "");
	expect_fail("-oProxyCommand=x", RONDA_EPARSE, "not allowed");
	expect_fail("-rf", RONDA_EPARSE, "invalid host name");
	expect_fail(".hidden", RONDA_EPARSE, "invalid host name");
	expect_fail("a b", RONDA_EPARSE, "not allowed");
	expect_fail("a;reboot", RONDA_EPARSE, "not allowed");
	expect_fail("$(x)", RONDA_EPARSE, "not allowed");
}

static void test_w_and_x(void **state)
{
	const char *w[] = { "@web", "legacy1" };
	const char *x[] = { "@old", "web0[1]" };
	const char *x2[] = { "all,!web02" };
	struct buf out, err;

	(void)state;
	buf_init(&out, 4096);
	buf_init(&err, 4096);
	assert_int_equal(sel(inv, w, 2, NULL, 0, &out, &err), RONDA_OK);
	assert_string_equal(buf_data(&out), "legacy1 web01 web02 web03 web04");
	buf_reset(&out);
	assert_int_equal(sel(inv, w, 2, x, 2, &out, &err), RONDA_OK);
	assert_string_equal(buf_data(&out), "web02 web03");
	buf_reset(&out);
	/* -x is a whole pattern of its own. */
	assert_int_equal(sel(inv, w, 2, x2, 1, &out, &err), RONDA_OK);
	assert_string_equal(buf_data(&out), "web02");
	buf_reset(&out);
	assert_int_equal(sel(inv, w, 0, NULL, 0, &out, &err), RONDA_EPARSE);
	buf_release(&out);
	buf_release(&err);
}

static void test_user_and_port(void **state)
{
	(void)state;
	/* Names carry canonical text: user@ stays, the display name orders. */
	expect("root@web01", "root@web01");
	expect("web[01-03]:2222", "web01:2222 web02:2222 web03:2222");
	expect("root@web[01-02]:22,web01", "web01 root@web01:22 root@web02:22");
	expect("web01:[2222-2223]", "web01:2222 web01:2223");
	expect("[2001:DB8::1]:22,::1,[::1]", "::1 [2001:db8::1]:22");
	expect("root@[::1]:2222", "root@[::1]:2222");
	expect("2001:db8::1", "2001:db8::1");
	/* The user@ entry wins over the plain one of the same host. */
	expect("@web,root@web01", "root@web01 web02 web03 web04");
	expect("web01,ops@web01,ops@web01", "ops@web01");
	/* ! and & compare display names; an inventory host's tallies count it. */
	expect("root@web01,!web01", "");
	expect("root@web01,!@web", "");
	expect("root@web01,web01:2222,!web01", "web01:2222");
	expect("root@x1,!x1", "");
	expect("x1,root@x2,!ops@x2", "x1");
	expect("root@web[01-04],&@old", "root@web04");
	expect("@web,!root@web02", "web01 web03 web04");
	expect("root@x[1-3],&x[2-3],&root@x3", "root@x3");
	expect_in(none, "root@[::1]:2222,[::1]:2222", "root@[::1]:2222");
	/* Refused: what takes no user or port, and two users for one host. */
	expect_fail("root@web01,ops@web01", RONDA_EPARSE, "two users");
	/* After a plain duplicate was dropped (ASan saw a double free here). */
	expect_fail("@web,a@web01,z@web01", RONDA_EPARSE, "two users");
	expect_fail("root@web*", RONDA_EPARSE, "a glob takes no user@");
	expect_fail("web?:22", RONDA_EPARSE, "a glob takes no user@");
	expect_fail("@web:22", RONDA_EPARSE, "a @group takes no user@");
	expect_fail("@root@web", RONDA_EPARSE, "a @group takes no user@");
	expect_fail("root@all", RONDA_EPARSE, "all takes no user@");
	expect_fail("web01:0", RONDA_EPARSE, "1-65535");
	expect_fail("web[01-02]:99999", RONDA_EPARSE, "1-65535");
	expect_fail("-l@web01", RONDA_EPARSE, "invalid user");
	expect_fail("root@-oProxyCommand", RONDA_EPARSE, "invalid host name");
	expect_fail("[web01]:22", RONDA_EPARSE, "expected a number");
	expect_fail("[::1]:22:", RONDA_EPARSE, "1-65535");
	expect_fail("a:b:c", RONDA_EPARSE, "not an IPv6 address");
}

/* Selects a host list (and a pattern) by pattern_select_src. */
static int sel_list(const char *pattern, const char *list, const char *xlist,
		    struct buf *out, struct buf *err)
{
	struct pattern_src inc[2] = { { list, "hosts.txt" }, { pattern, NULL } };
	struct pattern_src exc = { xlist, "ex.txt" };
	struct hostlist l;
	int rc;

	hostlist_init(&l);
	rc = pattern_select_src(inv, inc, pattern ? 2 : 1, &exc, xlist ? 1 : 0, &l, err);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(out, "%s%s", i ? " " : "", l.v[i]);
	hostlist_release(&l);
	return rc;
}

static void expect_list(const char *pattern, const char *list, const char *xlist,
			int code, const char *want)
{
	struct buf out, err;
	int rc;

	buf_init(&out, 1 << 20);
	buf_init(&err, 4096);
	rc = sel_list(pattern, list, xlist, &out, &err);
	if (rc != code)
		fail_msg("list '%.60s' gave %d, wanted %d (%s)", list, rc, code, buf_data(&err));
	if (strcmp(rc ? buf_data(&err) : buf_data(&out), want))
		fail_msg("list '%.60s' gave '%s', wanted '%s'", list,
			 rc ? buf_data(&err) : buf_data(&out), want);
	buf_release(&out);
	buf_release(&err);
}

static void test_host_lists(void **state)
{
	(void)state;
	expect_list(NULL, "# fleet\n web01  \n\n\troot@x1:2222 # new\n@old\r\n"
		    "web[02-03] #x\n", NULL, RONDA_OK, "legacy1 web01 web02 web03 web04 "
		    "root@x1:2222");
	expect_list(NULL, "::1\n[::1]:22\nx1", NULL, RONDA_OK, "::1 [::1]:22 x1");
	/* An empty list selects nothing, and adds nothing to a pattern. */
	expect_list(NULL, "", NULL, RONDA_OK, "");
	expect_list(NULL, "# only comments\n\n   \n", NULL, RONDA_OK, "");
	expect_list("web01", "\n", NULL, RONDA_OK, "web01");
	expect_list("web0[1-3]", "x9", "web02\n#\n", RONDA_OK, "web01 web03 x9");
	expect_list("web0[1-3]", "x9", "", RONDA_OK, "web01 web02 web03 x9");
	/* Errors name the file and the line. */
	expect_list(NULL, "web01\n\n x y \n", NULL, RONDA_EPARSE,
		    "hosts.txt:3: bad pattern item 'x y': character ' ' is not allowed");
	expect_list(NULL, "web01\n@nope\n", NULL, RONDA_ENOTFOUND,
		    "hosts.txt:2: unknown group '@nope'");
	expect_list(NULL, "a,b\n", NULL, RONDA_EPARSE,
		    "hosts.txt:1: one host or pattern item a line (',' joins items)");
	expect_list(NULL, "!a\n", NULL, RONDA_EPARSE,
		    "hosts.txt:1: one host or pattern item a line ('!' joins items)");
	expect_list(NULL, "web[1-2,4]\nx:0\n", NULL, RONDA_EPARSE,
		    "hosts.txt:2: bad host 'x:0': the port must be a number 1-65535");
	expect_list("web01", "x1", "x2\n-x\n", RONDA_EPARSE,
		    "ex.txt:2: invalid host name '-x': use letters, digits, '.', '-', '_', "
		    "starting with a letter or digit");
	/* '#' inside a word is no comment, so it is refused. */
	expect_list(NULL, "web#1\n", NULL, RONDA_EPARSE,
		    "hosts.txt:1: bad pattern item 'web#1': character '#' is not allowed");
}

static void test_malformed(void **state)
{
	(void)state;
	expect_fail("", RONDA_EPARSE, "empty pattern");
	expect_fail("   ", RONDA_EPARSE, "empty pattern");
	expect_fail(",a", RONDA_EPARSE, "empty item");
	expect_fail("a,,b", RONDA_EPARSE, "empty item");
	expect_fail("a,", RONDA_EPARSE, "ends with an operator");
	expect_fail("a!", RONDA_EPARSE, "ends with an operator");
	expect_fail("a!!b", RONDA_EPARSE, "empty item");
	expect_fail("a,&!b", RONDA_EPARSE, "empty item");
	expect_fail("!a", RONDA_EPARSE, "only '!' or '&' items");
	expect_fail("&@web", RONDA_EPARSE, "only '!' or '&' items");
	expect_fail("web[1-", RONDA_EPARSE, "never closed");
	expect_fail("web[1-2", RONDA_EPARSE, "never closed");
	expect_fail("web]1", RONDA_EPARSE, "without '['");
	expect_fail("web[3-1]", RONDA_EPARSE, "backwards");
	expect_fail("web[1,,2]", RONDA_EPARSE, "empty item");
	expect_fail("web[[1-2]]", RONDA_EPARSE, "do not nest");
}

static void test_pathological_sizes(void **state)
{
	size_t big = 300000;
	char *p = malloc(big + 1);

	(void)state;
	expect_fail("n[1-999999999999999999]", RONDA_ELIMIT, "more than 100000 names");
	expect_fail("a[1-1000]b[1-1000]", RONDA_ELIMIT, "more than 100000");
	/* Eleven ranges of 100000 each: refused by the whole-pattern budget. */
	expect_fail("a[1-100000],b[1-100000],c[1-100000],d[1-100000],e[1-100000],"
		    "f[1-100000],g[1-100000],h[1-100000],i[1-100000],j[1-100000],"
		    "k[1-100000]", RONDA_ELIMIT, "more than 1000000 names");
	/* A name longer than DNS allows is not a host. */
	memset(p, 'a', 300);
	p[300] = '\0';
	expect_fail(p, RONDA_EPARSE, "invalid host name");
	/* Deeply nested or endless brackets. */
	memset(p, '[', big);
	p[big] = '\0';
	expect_fail(p, RONDA_EPARSE, "nest");
	/* Very many items: fine, and bounded. */
	for (size_t i = 0; i + 2 <= big; i += 2) {
		p[i] = 'a';
		p[i + 1] = ',';
	}
	p[big - 1] = '\0';
	expect(p, "a");
	/* Longer than the pattern limit. */
	free(p);
	p = malloc(PATTERN_MAX_LEN + 2);
	memset(p, 'a', PATTERN_MAX_LEN + 1);
	p[PATTERN_MAX_LEN + 1] = '\0';
	expect_fail(p, RONDA_ELIMIT, "longer than");
	free(p);
}

/*
 * `@g*` over a chain of 1000 nested groups whose last holds 100000 hosts:
 * one walk visits each group once, so this is 100000 visits, not the
 * 10^8 that walking each matching group's subtree again would cost (and
 * that the visit budget refuses).
 */
static void test_glob_over_nested_groups(void **state)
{
	char path[] = "/tmp/ronda-pat-XXXXXX";
	struct inventory *deep = NULL;
	struct buf text, out, err;
	const char *pat = "@g*";
	int fd;

	(void)state;
	buf_init(&text, 1 << 20);
	buf_init(&out, 4 << 20);
	buf_init(&err, 4096);
	buf_puts(&text, "groups = {\n");
	for (int i = 0; i < 999; i++)
		buf_printf(&text, " g%d = { children = [ \"g%d\" ]; };\n", i, i + 1);
	buf_puts(&text, " g999 = { hosts = [ \"h[1-100000]\" ]; };\n};\n");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf_data(&text), buf_len(&text)), (ssize_t)buf_len(&text));
	close(fd);
	if (inventory_load(path, &deep, &err))
		fail_msg("%s", buf_data(&err));
	unlink(path);
	if (sel(deep, &pat, 1, NULL, 0, &out, &err))
		fail_msg("'@g*' failed: %s", buf_data(&err));
	assert_true(strncmp(buf_data(&out), "h1 h2 h3 ", 9) == 0);
	assert_int_equal(strlen(buf_data(&out)), 688894);	/* "h1 ... h100000" */
	inventory_free(deep);
	buf_release(&text);
	buf_release(&out);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_ranges_globs),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_operators_and_precedence),
		cmocka_unit_test(test_bare_hosts),
		cmocka_unit_test(test_w_and_x),
		cmocka_unit_test(test_user_and_port),
		cmocka_unit_test(test_host_lists),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_pathological_sizes),
		cmocka_unit_test(test_glob_over_nested_groups),
	};

	return cmocka_run_group_tests_name("pattern", tests, setup, teardown);
}
