/*
 * copy_copyproto.c - the copy script's answers as a host may send them:
 * noise around them, an rc file's text before the mark, and answers that
 * are malformed or out of range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "copy/copyproto.h"
#include "err.h"
#include "banned.h"

#define M "\036RONDA "

static int next(const char **p, const char *end, size_t n, struct copy_reply *r)
{
	return copy_reply_next(p, end, n, r);
}

static void test_answers(void **state)
{
	static const char s[] =
		"welcome to node003\n"
		M "need 0\n"
		"no newline here" M "same 1\n"
		M "err 2 dir/x: cat: write error: No space left on device\n"
		M "meta 3\n" M "made 4\n" M "sent 0\n" M "err 5\n" M "done\n"
		M "need 1";	/* no newline: not an answer */
	const char *p = s, *end = s + sizeof(s) - 1;
	struct copy_reply r;

	(void)state;
	assert_int_equal(next(&p, end, 6, &r), RONDA_OK);
	assert_int_equal(r.word, COPY_NEED);
	assert_int_equal(r.index, 0);
	assert_int_equal(next(&p, end, 6, &r), RONDA_OK);
	assert_int_equal(r.word, COPY_SAME);
	assert_int_equal(r.index, 1);
	assert_int_equal(next(&p, end, 6, &r), RONDA_OK);
	assert_int_equal(r.word, COPY_ERR);
	assert_int_equal(r.index, 2);
	assert_int_equal(r.text_len, strlen("dir/x: cat: write error: No space left on device"));
	assert_memory_equal(r.text, "dir/x: cat", 10);
	assert_int_equal(next(&p, end, 6, &r), RONDA_OK);
	assert_int_equal(r.word, COPY_META);
	assert_int_equal(next(&p, end, 6, &r), RONDA_OK);
	assert_int_equal(r.word, COPY_MADE);
	assert_int_equal(r.index, 4);
	assert_int_equal(next(&p, end, 6, &r), RONDA_OK);
	assert_int_equal(r.word, COPY_SENT);
	assert_int_equal(next(&p, end, 6, &r), RONDA_OK);
	assert_int_equal(r.word, COPY_ERR);
	assert_int_equal(r.index, 5);
	assert_int_equal(r.text_len, 0);
	assert_int_equal(next(&p, end, 6, &r), RONDA_OK);
	assert_int_equal(r.word, COPY_DONE);
	assert_int_equal(next(&p, end, 6, &r), RONDA_ENOTFOUND);
	assert_int_equal(next(&p, end, 6, &r), RONDA_ENOTFOUND);
}

static void test_hostile(void **state)
{
	static const char *const bad[] = {
		M "need 6\n",		/* index past the manifest */
		M "need -1\n",
		M "need 01\n",		/* no leading zeros */
		M "need 99999999999999999999999\n",
		M "need\n",
		M "need \n",
		M "need 1 extra\n",	/* only err has text */
		M "done 3\n",
		M "unknown 1\n",
		M "\n",
		M "same 1\0\n",		/* a NUL */
		M "NEED 1\n",
		M "go 1\n",		/* no such word */
	};
	struct copy_reply r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p = bad[i];
		size_t len = strlen(bad[i]);

		if (i == 10)
			len = sizeof(M "same 1\0\n") - 1;
		assert_int_equal(next(&p, bad[i] + len, 6, &r), RONDA_EPARSE);
	}
}

static void test_commands(void **state)
{
	struct buf b;
	const char *paths[] = { "/var/log/syslog", "it's; rm -rf /" };

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(copy_command(&b, "dest dir", "f'x", NULL, 0), RONDA_OK);
	assert_true(strncmp(buf_data(&b), "sh -c '", 7) == 0);
	/* every argument quoted on its own */
	assert_non_null(strstr(buf_data(&b), " ronda-copy 'dest dir' 'f'\\''x' ''"));
	buf_reset(&b);
	assert_int_equal(copy_command(&b, "/d", NULL, "www:web", 1), RONDA_OK);
	assert_true(strncmp(buf_data(&b), "sudo -n -- sh -c '", 18) == 0);
	assert_non_null(strstr(buf_data(&b), " '/d' '' 'www:web'"));
	buf_reset(&b);
	assert_int_equal(fetch_command(&b, paths, 2, 0), RONDA_OK);
	assert_non_null(strstr(buf_data(&b), " ronda-fetch '/var/log/syslog' 'it'\\''s; rm -rf /'"));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
