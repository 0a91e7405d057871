/*
 * ssh_sshwire.c - the SSH wire reader never reads past its input: every
 * truncation of a message, a length that claims more than is there (up to
 * 0xffffffff, which would be negative as an int32), and a string at the
 * very end.  The writer's output reads back.  Base64 as known_hosts and
 * public key files use it, padded, and nothing looser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "ssh/sshwire.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

static void test_reads_what_was_written(void **state)
{
	struct buf b;
	struct sshwire r, sub;
	const unsigned char *s;
	size_t n;
	uint32_t v;
	uint64_t w;
	uint8_t c;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(sshwire_put_u32(&b, 0xdeadbeef), RONDA_OK);
	assert_int_equal(sshwire_put_string(&b, "publickey", 9), RONDA_OK);
	assert_int_equal(sshwire_put_string(&b, "", 0), RONDA_OK);
	assert_int_equal(buf_append(&b, "\x00\x00\x00\x01\x00\x00\x00\x02\x07", 9), RONDA_OK);
	assert_int_equal(sshwire_put_string(&b, "\x00\x00\x00\x02hi", 6), RONDA_OK);
	sshwire_init(&r, buf_data(&b), buf_len(&b));
	assert_int_equal(sshwire_u32(&r, &v), RONDA_OK);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(sshwire_string(&r, &s, &n), RONDA_OK);
	assert_true(sshwire_eq(s, n, "publickey"));
	assert_false(sshwire_eq(s, n, "publickeys"));
	assert_false(sshwire_eq(s, n, "public"));
	assert_int_equal(sshwire_string(&r, &s, &n), RONDA_OK);
	assert_int_equal(n, 0);
	assert_int_equal(sshwire_u64(&r, &w), RONDA_OK);
	assert_true(w == 0x0000000100000002ULL);
	assert_int_equal(sshwire_u8(&r, &c), RONDA_OK);
	assert_int_equal(c, 7);
	assert_int_equal(sshwire_sub(&r, &sub), RONDA_OK);
	assert_int_equal(sshwire_string(&sub, &s, &n), RONDA_OK);
	assert_true(sshwire_eq(s, n, "hi"));
	assert_int_equal(sub.left, 0);
	assert_int_equal(r.left, 0);
	/* at the end, everything is too short and nothing moves */
	assert_int_equal(sshwire_u8(&r, &c), RONDA_EPARSE);
	assert_int_equal(sshwire_u32(&r, &v), RONDA_EPARSE);
	assert_int_equal(sshwire_u64(&r, &w), RONDA_EPARSE);
	assert_int_equal(sshwire_string(&r, &s, &n), RONDA_EPARSE);
	buf_release(&b);
}

/* Every prefix of a two-string message: the reads that fit, then EPARSE. */
static void test_truncated(void **state)
{
	static const unsigned char msg[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 1, 'x' };
	const unsigned char *s;
	size_t n;

	(void)state;
	for (size_t len = 0; len < sizeof(msg); len++) {
		struct sshwire r;
		int first, second;

		sshwire_init(&r, msg, len);
		first = sshwire_string(&r, &s, &n);
		second = first ? first : sshwire_string(&r, &s, &n);
		assert_int_equal(first, len >= 7 ? RONDA_OK : RONDA_EPARSE);
		assert_int_equal(second, RONDA_EPARSE);
		/* a failed read leaves the cursor where it was */
		assert_int_equal(r.left, len >= 7 ? len - 7 : len);
	}
}

static void test_oversized_lengths(void **state)
{
	static const unsigned char huge[] = { 0xff, 0xff, 0xff, 0xff, 'a', 'b' };
	static const unsigned char neg[] = { 0x80, 0, 0, 0, 'a' };
	static const unsigned char one_more[] = { 0, 0, 0, 3, 'a', 'b' };
	const unsigned char *s = NULL;
	size_t n = 77;
	struct sshwire r, sub;

	(void)state;
	sshwire_init(&r, huge, sizeof(huge));
	assert_int_equal(sshwire_string(&r, &s, &n), RONDA_EPARSE);
	assert_int_equal(sshwire_sub(&r, &sub), RONDA_EPARSE);
	sshwire_init(&r, neg, sizeof(neg));
	assert_int_equal(sshwire_string(&r, &s, &n), RONDA_EPARSE);
	sshwire_init(&r, one_more, sizeof(one_more));
	assert_int_equal(sshwire_string(&r, &s, &n), RONDA_EPARSE);
	assert_null(s);		/* out-parameters untouched on failure */
	assert_int_equal(n, 77);
	assert_int_equal(r.left, sizeof(one_more));
}

static void test_base64(void **state)
{
	unsigned char out[16];
	size_t n = 0;
	static const char *const bad[] = {
		"", "QQ", "QQ=", "Q===", "====", "QQ=A", "QU J", "QUJ\n", "QUJD\n", "QUJ*",
		"=QUJ", "QU==QUJD",
	};

	(void)state;
	assert_int_equal(sshwire_b64_decode("QUJD", 4, out, sizeof(out), &n), RONDA_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "ABC", 3);
	assert_int_equal(sshwire_b64_decode("QUI=", 4, out, sizeof(out), &n), RONDA_OK);
	assert_int_equal(n, 2);
	assert_int_equal(sshwire_b64_decode("QQ==", 4, out, sizeof(out), &n), RONDA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 'A');
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sshwire_b64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n),
				 RONDA_EPARSE);
	/* out too small: refused before writing */
	assert_int_equal(sshwire_b64_decode("QUJDQUJD", 8, out, 5, &n), RONDA_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_what_was_written),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_oversized_lengths),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests_name("sshwire", tests, NULL, NULL);
}
