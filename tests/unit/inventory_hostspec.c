/*
 * inventory_hostspec.c - user@host:port and IPv6 literals: the fields each
 * form decodes to, the display and canonical text, which items are IPv6
 * (so their brackets are no range), and every malformed form refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "inventory/hostspec.h"
#include "banned.h"

static void expect(const char *s, const char *user, const char *host, unsigned port,
		   int v6, const char *display)
{
	char text[HOSTSPEC_TEXT_MAX + 1];
	struct hostspec h, again;
	struct buf err;

	buf_init(&err, 4096);
	if (hostspec_parse(s, &h, &err))
		fail_msg("'%s' failed: %s", s, buf_data(&err));
	assert_string_equal(h.user, user);
	assert_string_equal(h.host, host);
	assert_int_equal(h.port, port);
	assert_int_equal(h.v6, v6);
	assert_string_equal(h.display, display);
	/* The canonical text decodes to the same fields. */
	hostspec_format(&h, text);
	assert_string_equal(hostspec_display_of(text), display);
	assert_int_equal(hostspec_parse(text, &again, &err), RONDA_OK);
	assert_string_equal(again.user, h.user);
	assert_string_equal(again.host, h.host);
	assert_int_equal(again.port, h.port);
	assert_int_equal(again.v6, h.v6);
	assert_string_equal(again.display, h.display);
	buf_release(&err);
}

static void expect_bad(const char *s, const char *msg)
{
	struct hostspec h;
	struct buf err;

	memset(&h, 0x5a, sizeof(h));
	buf_init(&err, 4096);
	assert_int_equal(hostspec_parse(s, &h, &err), RONDA_EPARSE);
	if (!strstr(buf_data(&err), msg))
		fail_msg("'%s': message '%s' lacks '%s'", s, buf_data(&err), msg);
	/* Untouched on failure. */
	assert_int_equal((unsigned char)h.user[0], 0x5a);
	buf_release(&err);
}

static void test_forms(void **state)
{
	(void)state;
	expect("web01", "", "web01", 0, 0, "web01");
	expect("root@web01", "root", "web01", 0, 0, "web01");
	expect("web01:2222", "", "web01", 2222, 0, "web01:2222");
	expect("_svc@10.0.0.5:1", "_svc", "10.0.0.5", 1, 0, "10.0.0.5:1");
	expect("web01:65535", "", "web01", 65535, 0, "web01:65535");
	expect("web01:022", "", "web01", 22, 0, "web01:22");
	expect("::1", "", "::1", 0, 1, "::1");
	expect("2001:DB8:0::1", "", "2001:db8::1", 0, 1, "2001:db8::1");
	expect("[::1]", "", "::1", 0, 1, "::1");
	expect("[::1]:2222", "", "::1", 2222, 1, "[::1]:2222");
	expect("root@[2001:db8::1]:22", "root", "2001:db8::1", 22, 1, "[2001:db8::1]:22");
	expect("ops@::ffff:10.0.0.1", "ops", "::ffff:10.0.0.1", 0, 1, "::ffff:10.0.0.1");
}

static void test_malformed(void **state)
{
	(void)state;
	expect_bad("web01:0", "1-65535");
	expect_bad("web01:65536", "1-65535");
	expect_bad("web01:", "1-65535");
	expect_bad("web01:22x", "1-65535");
	expect_bad("web01:000022", "1-65535");
	expect_bad("@web01", "invalid user");
	expect_bad("-l@web01", "invalid user");
	expect_bad("1root@web01", "invalid user");
	expect_bad("a@b@c", "more than one '@'");
	expect_bad("root@", "invalid host name");
	expect_bad("root@-web", "invalid host name");
	expect_bad("-oProxyCommand=x", "invalid host name");
	expect_bad(":22", "invalid host name");
	expect_bad("a:b:c", "not an IPv6 address");
	expect_bad("2001:db8::1:22:", "not an IPv6 address");
	expect_bad("[::1", "'[' without ']'");
	expect_bad("[web01]:22", "hold an IPv6 address");
	expect_bad("[::1]22", "expected ':PORT'");
	expect_bad("[::1]:", "1-65535");
	expect_bad("[::1%eth0]:22", "not an IPv6 address");
}

static void test_limits(void **state)
{
	char name[400];

	(void)state;
	memset(name, 'a', sizeof(name));
	name[253] = '\0';
	expect(name, "", name, 0, 0, name);
	name[253] = ':';
	name[254] = '9';
	name[255] = '\0';
	{
		char display[300];

		memcpy(display, name, 256);
		name[253] = '\0';
		expect(display, "", name, 9, 0, display);
	}
	memset(name, 'a', sizeof(name));
	name[254] = '\0';
	expect_bad(name, "invalid host name");
	memcpy(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@web", 38);	/* a 33-byte user */
	expect_bad(name, "invalid user");
}

static void test_is_v6(void **state)
{
	static const struct { const char *s; int v6; } cases[] = {
		{ "web[01-03]:2222", 0 }, { "root@web[1-2]", 0 }, { "web01", 0 },
		{ "[2001:db8::1]:22", 1 }, { "root@[::1]:22", 1 }, { "::1", 1 },
		{ "2001:db8::1", 1 }, { "10.0.0.[1-3]:22", 0 }, { "a:b", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (hostspec_is_v6(cases[i].s, strlen(cases[i].s)) != cases[i].v6)
			fail_msg("hostspec_is_v6('%s') is not %d", cases[i].s, cases[i].v6);
	/* Only the n bytes given count. */
	assert_false(hostspec_is_v6("a:b,::1", 3));
	assert_true(hostspec_has_extra("root@x"));
	assert_true(hostspec_has_extra("x:1"));
	assert_false(hostspec_has_extra("web[01-02]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_is_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
