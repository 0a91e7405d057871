/*
 * ssh_become.c - the -K pieces that need no host: the password line and
 * then the input on stdin, the sudo command lines (the user quoted), and
 * the probe's answers (pass, nopass, or 'become' with sudo's last line).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "ssh/become.h"
#include "err.h"
#include "banned.h"

static void with_pass(struct become *b, const char *user, const char *pw)
{
	become_init(b, user);
	assert_int_equal(secret_init(&b->pass), RONDA_OK);
	memcpy(b->pass.p, pw, strlen(pw));
	b->pass.len = strlen(pw);
}

static void test_stdin_password_then_input(void **state)
{
	struct become b;
	const char *d;
	size_t n;

	(void)state;
	with_pass(&b, NULL, "pw\n");
	become_stdin(&b, "5\nhello", 7, 0, &d, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(d, "pw\n", 3);
	become_stdin(&b, "5\nhello", 7, 1, &d, &n);	/* a short write */
	assert_int_equal(n, 2);
	assert_memory_equal(d, "w\n", 2);
	become_stdin(&b, "5\nhello", 7, 3, &d, &n);
	assert_int_equal(n, 7);
	assert_memory_equal(d, "5\nhello", 7);
	become_stdin(&b, "5\nhello", 7, 10, &d, &n);
	assert_int_equal(n, 0);
	become_stdin(&b, NULL, 0, 3, &d, &n);	/* the probe: the password, then the end */
	assert_int_equal(n, 0);
	become_release(&b);
	assert_null(b.pass.p);
}

static void test_commands(void **state)
{
	struct become b;
	struct buf out;

	(void)state;
	buf_init(&out, 4096);
	become_init(&b, NULL);
	assert_int_equal(become_command(&b, BECOME_PASS, "sh -c 'G' ronda-exec 'id'", &out), RONDA_OK);
	assert_string_equal(buf_data(&out), "sudo -S -k -p '' -u 'root' -- sh -c 'G' ronda-exec 'id'");
	become_release(&b);
	buf_reset(&out);
	become_init(&b, "o'hara");
	assert_int_equal(become_command(&b, BECOME_NOPASS, "X", &out), RONDA_OK);
	assert_string_equal(buf_data(&out), "sudo -n -u 'o'\\''hara' -- X");
	become_release(&b);
	buf_release(&out);
}

static void probe(struct host_result *r, enum host_status st, const char *out, const char *err)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 4096);
	buf_init(&r->err, 4096);
	r->status = st;
	buf_puts(&r->out, out);
	buf_puts(&r->err, err);
}

static void test_probe_answers(void **state)
{
	struct become b;
	struct host_result r;

	(void)state;
	become_init(&b, "app");
	probe(&r, RESULT_OK, "pass\n", "");
	assert_int_equal(become_probe_result(&b, &r), BECOME_PASS);
	host_result_release(&r);
	probe(&r, RESULT_OK, "nopass\n", "lecture\n");
	assert_int_equal(become_probe_result(&b, &r), BECOME_NOPASS);
	host_result_release(&r);
	/* a wrong password: sudo's last line is the reason */
	probe(&r, RESULT_OK, "", "Sorry, try again.\n\nsudo: 1 incorrect password attempt\n\n");
	assert_int_equal(become_probe_result(&b, &r), -1);
	assert_int_equal(r.status, RESULT_BECOME);
	assert_string_equal(r.why, "sudo as app refused: sudo: 1 incorrect password attempt");
	host_result_release(&r);
	/* "pass" must be the whole answer */
	probe(&r, RESULT_OK, "passwd\n", "");
	assert_int_equal(become_probe_result(&b, &r), -1);
	assert_string_equal(r.why, "sudo as app refused (is sudo installed?)");
	host_result_release(&r);
	become_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdin_password_then_input),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_probe_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
