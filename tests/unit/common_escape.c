/*
 * common_escape.c - the one escaper for host text: every C0 and C1 control,
 * DEL and bidi control shown as an escape, invalid UTF-8 byte by byte,
 * valid text (multibyte included) kept; the fixed-size variant cuts only
 * between whole pieces; the log escapes what a host sent.
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
#include "escape.h"
#include "log.h"
#include "banned.h"

/* s[0..n) escaped with flags, compared with want. */
static void check(const char *s, size_t n, unsigned flags, const char *want)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	assert_int_equal(esc_append(&b, s, n, flags), RONDA_OK);
	assert_string_equal(buf_data(&b), want);
	buf_release(&b);
}

static void test_every_c0_control_and_del(void **state)
{
	char in[1], want[8];

	(void)state;
	for (int c = 0; c < 0x20; c++) {
		in[0] = (char)c;
		snprintf(want, sizeof(want), "\\x%02x", c);
		check(in, 1, 0, c == '\t' ? "\t" : want);
		check(in, 1, ESC_KEEP_NL, c == '\t' ? "\t" : c == '\n' ? "\n" : want);
	}
	check("\x7f", 1, 0, "\\x7f");
	check("\x7f", 1, ESC_KEEP_NL, "\\x7f");
}

static void test_every_c1_control(void **state)
{
	char in[2], want[8];

	(void)state;
	for (int c = 0x80; c <= 0x9f; c++) {
		/* as a code point (UTF-8 C2 80..C2 9F) and as a raw byte */
		in[0] = (char)0xc2;
		in[1] = (char)c;
		snprintf(want, sizeof(want), "\\u%04x", c);
		check(in, 2, ESC_KEEP_NL, want);
		snprintf(want, sizeof(want), "\\x%02x", c);
		check(in + 1, 1, ESC_KEEP_NL, want);
	}
	check("\xc2\xa0", 2, 0, "\xc2\xa0");	/* NBSP is text, the first past C1 */
}

static void test_bidi_and_separators(void **state)
{
	static const unsigned cps[] = { 0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b,
					0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069 };
	char in[4], want[8];

	(void)state;
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		unsigned c = cps[i];
		size_t n = c < 0x800 ? 2 : 3;

		if (n == 2) {
			in[0] = (char)(0xc0 | (c >> 6));
			in[1] = (char)(0x80 | (c & 0x3f));
		} else {
			in[0] = (char)(0xe0 | (c >> 12));
			in[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			in[2] = (char)(0x80 | (c & 0x3f));
		}
		snprintf(want, sizeof(want), "\\u%04x", c);
		check(in, n, ESC_KEEP_NL, want);
	}
	/* the neighbours are text */
	check("\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5", 9, 0, "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5");
	/* "invoice_\u202egpj.exe" must not read as "invoice_exe.jpg" */
	check("invoice_\xe2\x80\xaegpj.exe", 18, 0, "invoice_\\u202egpj.exe");
}

static void test_invalid_utf8_byte_by_byte(void **state)
{
	(void)state;
	check("a\xff" "b", 3, 0, "a\\xffb");
	check("\x80", 1, 0, "\\x80");			/* lone continuation */
	check("\xc3", 1, 0, "\\xc3");			/* truncated at the end */
	check("\xe2\x82" "x", 3, 0, "\\xe2\\x82x");	/* truncated mid-text */
	check("\xc0\xaf", 2, 0, "\\xc0\\xaf");		/* overlong '/' */
	check("\xe0\x80\xaf", 3, 0, "\\xe0\\x80\\xaf");	/* overlong, 3 bytes */
	check("\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80");	/* surrogate D800 */
	check("\xf4\x90\x80\x80", 4, 0, "\\xf4\\x90\\x80\\x80");	/* past U+10FFFF */
	check("\xf8\x88\x80\x80\x80", 5, 0, "\\xf8\\x88\\x80\\x80\\x80");
	/* an escape hidden in a broken sequence is still caught */
	check("\xe2\x1b[2J", 5, 0, "\\xe2\\x1b[2J");
}

static void test_valid_text_kept(void **state)
{
	static const char t[] = "plain ASCII ~!@#$%^&*()_+{}|:\"<>? \\ back\tslash "
				"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xe6\x97\xa5\xe6\x9c\xac "
				"\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbd";

	(void)state;
	check(t, sizeof(t) - 1, 0, t);
	check("two\nlines\n", 10, ESC_KEEP_NL, "two\nlines\n");
	check("two\nlines\n", 10, 0, "two\\x0alines\\x0a");
	check("nul\0x", 5, 0, "nul\\x00x");
	check("", 0, 0, "");
}

static void test_terminal_attacks(void **state)
{
	static const char in[] = "\x1b]0;pwned\x07\x1b[2J\x1b[1A\r\xc2\x9b" "31m";

	(void)state;
	check(in, sizeof(in) - 1, ESC_KEEP_NL,
	      "\\x1b]0;pwned\\x07\\x1b[2J\\x1b[1A\\x0d\\u009b31m");
}

static void test_copy_cuts_between_pieces(void **state)
{
	char out[16];
	size_t n = 99;

	(void)state;
	assert_int_equal(esc_copy(out, sizeof(out), "abc", 3, 0, &n), RONDA_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
	/* "abcdefgh" fits, "\x1b" (4) would need 12 of 10: cut before it */
	assert_int_equal(esc_copy(out, 10, "abcdefgh\x1bz", 10, 0, &n), RONDA_ELIMIT);
	assert_int_equal(n, 8);
	/* a 3-byte character that does not fit whole is left out */
	assert_int_equal(esc_copy(out, 4, "ab\xe2\x82\xac", 5, 0, &n), RONDA_ELIMIT);
	assert_int_equal(n, 2);
	assert_int_equal(esc_copy(out, 4, "\xe2\x80\xae", 3, 0, &n), RONDA_ELIMIT);
	assert_int_equal(n, 0);
}

static void test_cut_on_character_start(void **state)
{
	static const char s[] = "ab\xe2\x82\xac" "cd";

	(void)state;
	assert_int_equal(esc_cut(s, 7, 10), 7);
	assert_int_equal(esc_cut(s, 7, 2), 2);
	assert_int_equal(esc_cut(s, 7, 3), 2);
	assert_int_equal(esc_cut(s, 7, 4), 2);
	assert_int_equal(esc_cut(s, 7, 5), 5);
}

static void test_log_escapes_messages(void **state)
{
	char out[512];
	int p[2];
	ssize_t n;
	size_t got = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	log_init("t", RLOG_WARN, p[1]);
	log_error("web01: %s", "bad\x1b]0;x\x07\nt: error: forged");
	close(p[1]);
	while ((n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	out[got] = '\0';
	log_init("ronda", RLOG_WARN, 2);
	assert_string_equal(out, "t: error: web01: bad\\x1b]0;x\\x07\\x0at: error: forged\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_c0_control_and_del),
		cmocka_unit_test(test_every_c1_control),
		cmocka_unit_test(test_bidi_and_separators),
		cmocka_unit_test(test_invalid_utf8_byte_by_byte),
		cmocka_unit_test(test_valid_text_kept),
		cmocka_unit_test(test_terminal_attacks),
		cmocka_unit_test(test_copy_cuts_between_pieces),
		cmocka_unit_test(test_cut_on_character_start),
		cmocka_unit_test(test_log_escapes_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
