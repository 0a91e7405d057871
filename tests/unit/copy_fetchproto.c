/*
 * copy_fetchproto.c - the fetch stream as a hostile host may send it:
 * unsafe names, bad headers, a NUL, a lying checksum, a stream cut short
 * or with bytes after its end, sizes past --max-size, and every stream
 * fed one byte at a time as well as whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "copy/fetchproto.h"
#include "err.h"
#include "banned.h"

#define START "\036RONDA fetch 1\n"
#define SHA_HI "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4"	/* "hi\n" */

/* What the parser told the sink, one line per event. */
struct seen {
	struct buf log;
	size_t data;
};

static int s_dir(void *arg, const char *name, unsigned mode)
{
	return buf_printf(&((struct seen *)arg)->log, "D %o %s\n", mode, name);
}

static int s_begin(void *arg, const char *name, unsigned mode, uint64_t size)
{
	return buf_printf(&((struct seen *)arg)->log, "F %o %llu %s\n", mode,
			  (unsigned long long)size, name);
}

static int s_data(void *arg, const char *p, size_t n)
{
	struct seen *s = arg;

	s->data += n;
	return buf_append(&s->log, p, n);
}

static int s_end(void *arg, int intact)
{
	return buf_printf(&((struct seen *)arg)->log, "E %d\n", intact);
}

static int s_link(void *arg, const char *name, const char *target)
{
	return buf_printf(&((struct seen *)arg)->log, "L %s -> %s\n", name, target);
}

static int s_note(void *arg, const char *text, size_t n)
{
	struct seen *s = arg;

	buf_puts(&s->log, "X ");
	buf_append(&s->log, text, n);
	return buf_putc(&s->log, '\n');
}

static const struct fetch_ops ops = { s_dir, s_begin, s_data, s_end, s_link, s_note };

/* Runs s through a parser (whole, or a byte at a time); the finish code. */
static int run(const char *s, size_t n, int bytewise, uint64_t max, struct seen *seen,
	       char *why, size_t whylen)
{
	struct fetch_parser p;
	int r;

	buf_init(&seen->log, 1 << 20);
	seen->data = 0;
	assert_int_equal(fetch_parser_init(&p, &ops, seen, max), RONDA_OK);
	r = RONDA_OK;
	if (bytewise)
		for (size_t i = 0; i < n && r == RONDA_OK; i++)
			r = fetch_parser_feed(&p, s + i, 1);
	else
		r = fetch_parser_feed(&p, s, n);
	if (r == RONDA_OK)
		r = fetch_parser_finish(&p);
	snprintf(why, whylen, "%s", p.why);
	fetch_parser_release(&p);
	return r;
}

static void test_good_stream(void **state)
{
	static const char s[] =
		"Last login: yesterday\nrc noise without newline" START
		"D 755 etc\n"
		"F 644 3 " SHA_HI " etc/hi\nhi\n"
		"F 600 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 etc/empty\n"
		"L etc/link\n../../../etc/passwd\n"
		"F 640 3 " SHA_HI " etc/lie\nho\n"
		"X /nothere: No such file or directory\n"
		"Z\n";
	static const char want[] =
		"D 755 etc\nF 644 3 etc/hi\nhi\nE 1\nF 600 0 etc/empty\nE 1\n"
		"L etc/link -> ../../../etc/passwd\nF 640 3 etc/lie\nho\nE 0\n"
		"X /nothere: No such file or directory\n";
	char why[256];

	(void)state;
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct seen seen;

		assert_int_equal(run(s, sizeof(s) - 1, bytewise, 1 << 20, &seen, why, sizeof(why)), RONDA_OK);
		assert_string_equal(buf_data(&seen.log), want);
		buf_release(&seen.log);
	}
}

static void test_names(void **state)
{
	static const char *const bad[] = {
		"", "/etc/passwd", "..", "../x", "a/../b", "a/..", ".", "./a", "a/./b",
		"a//b", "a/", "/", "a\nb",
	};
	char longc[300];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(fetch_name_ok(bad[i], strlen(bad[i])));
	assert_false(fetch_name_ok("a\0b", 3));
	memset(longc, 'x', sizeof(longc));
	assert_false(fetch_name_ok(longc, sizeof(longc)));	/* a component past 255 */
	assert_true(fetch_name_ok(longc, 255));
	assert_true(fetch_name_ok("a", 1));
	assert_true(fetch_name_ok("..a/b..c/.d", 11));
	assert_true(fetch_name_ok("dir/file with spaces", 20));
}

static void test_hostile(void **state)
{
	static const struct {
		const char *s;
		size_t n;	/* 0: strlen */
		int rc;
		const char *why;
	} cases[] = {
		{ START "D 755 ../escape\nZ\n", 0, RONDA_EPROTO, "unsafe name" },
		{ START "F 644 3 " SHA_HI " /etc/passwd\nhi\nZ\n", 0, RONDA_EPROTO, "unsafe name" },
		{ START "L a/../../b\nx\nZ\n", 0, RONDA_EPROTO, "unsafe name" },
		{ START "D 755 a\0b\nZ\n", sizeof(START "D 755 a\0b\nZ\n") - 1, RONDA_EPROTO, "NUL" },
		{ START "D 75555 a\nZ\n", 0, RONDA_EPROTO, "bad directory header" },
		{ START "D 795 a\nZ\n", 0, RONDA_EPROTO, "bad directory header" },
		{ START "F 644 -3 " SHA_HI " a\nZ\n", 0, RONDA_EPROTO, "bad file header" },
		{ START "F 644 3 xyz a\nhi\nZ\n", 0, RONDA_EPROTO, "bad file header" },
		{ START "F 644 99999999999999999999 " SHA_HI " a\n", 0, RONDA_EPROTO, "bad file header" },
		{ START "F 644 2000 " SHA_HI " a\n", 0, RONDA_ELIMIT, "--max-size" },
		{ START "F 644 3 " SHA_HI " a\nhi", 0, RONDA_EPROTO, "cut short" },
		{ START "D 755 a\n", 0, RONDA_EPROTO, "cut short" },
		{ START "Z\nmore", 0, RONDA_EPROTO, "after the end" },
		{ START "Q what\nZ\n", 0, RONDA_EPROTO, "bad header" },
		{ START "Z \n", 0, RONDA_EPROTO, "bad header" },
		{ START "L a\n\nZ\n", 0, RONDA_EPROTO, "link target" },
		{ "no start line at all\n", 0, RONDA_EPROTO, "did not start" },
	};
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int bytewise = 0; bytewise < 2; bytewise++) {
			struct seen seen;
			size_t n = cases[i].n ? cases[i].n : strlen(cases[i].s);
			int rc = run(cases[i].s, n, bytewise, 1000, &seen, why, sizeof(why));

			if (rc != cases[i].rc || !strstr(why, cases[i].why))
				fail_msg("case %zu (bytewise %d): rc %d why '%s'", i, bytewise, rc, why);
			/* nothing with an unsafe name reached the sink */
			assert_null(strstr(buf_data(&seen.log), ".."));
			assert_null(strstr(buf_data(&seen.log), " /"));
			buf_release(&seen.log);
		}
	}
}

static void test_bounds(void **state)
{
	struct buf s;
	struct seen seen;
	char why[256];

	(void)state;
	/* 64 KiB of noise and no start: refused, not kept growing */
	buf_init(&s, 1 << 20);
	for (int i = 0; i < 70 * 1024; i++)
		buf_putc(&s, 'n');
	assert_int_equal(run(buf_data(&s), buf_len(&s), 0, 1000, &seen, why, sizeof(why)), RONDA_EPROTO);
	assert_non_null(strstr(why, "64 KiB"));
	buf_release(&seen.log);
	/* a header past the bound */
	buf_reset(&s);
	buf_puts(&s, START "D 755 ");
	for (int i = 0; i < 5000; i++)
		buf_putc(&s, 'a');
	buf_puts(&s, "\nZ\n");
	assert_int_equal(run(buf_data(&s), buf_len(&s), 0, 1000, &seen, why, sizeof(why)), RONDA_EPROTO);
	assert_non_null(strstr(why, "header line"));
	buf_release(&seen.log);
	/* --max-size counts all files together */
	buf_reset(&s);
	buf_puts(&s, START "F 644 3 " SHA_HI " a\nhi\nF 644 3 " SHA_HI " b\nhi\nZ\n");
	assert_int_equal(run(buf_data(&s), buf_len(&s), 0, 6, &seen, why, sizeof(why)), RONDA_OK);
	buf_release(&seen.log);
	assert_int_equal(run(buf_data(&s), buf_len(&s), 0, 5, &seen, why, sizeof(why)), RONDA_ELIMIT);
	assert_int_equal(seen.data, 3);
	buf_release(&seen.log);
	buf_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_stream),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
