/*
 * ssh_remote.c - quoting for a POSIX shell, the exec guard's status line,
 * the input guard (run through /bin/sh: the command gets exactly the bytes,
 * then end of file) and the interpreter of a --script.  The quoting tests
 * run the quoted words through /bin/sh and check that each argument
 * arrives byte for byte, including hostile ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ssh/remote.h"
#include "err.h"
#include "banned.h"

static void test_quote_simple(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(remote_quote(&b, "abc"), RONDA_OK);
	assert_string_equal(buf_data(&b), "'abc'");
	buf_reset(&b);
	assert_int_equal(remote_quote(&b, "it's"), RONDA_OK);
	assert_string_equal(buf_data(&b), "'it'\\''s'");
	buf_reset(&b);
	assert_int_equal(remote_quote(&b, ""), RONDA_OK);
	assert_string_equal(buf_data(&b), "''");
	buf_release(&b);
}

static void test_quote_limit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(remote_quote(&b, "abcdef"), RONDA_ELIMIT);
	buf_release(&b);
}

/* Runs sh -c 'printf "[%s]" WORDS' and returns what it printed. */
static void through_sh(const char *const argv[], size_t n, char *out, size_t cap)
{
	struct buf cmd;
	int p[2], st;
	pid_t pid;
	ssize_t got, total = 0;

	buf_init(&cmd, 1 << 16);
	assert_int_equal(buf_puts(&cmd, "printf '[%s]'"), RONDA_OK);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(buf_putc(&cmd, ' '), RONDA_OK);
		assert_int_equal(remote_quote(&cmd, argv[i]), RONDA_OK);
	}
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		execl("/bin/sh", "sh", "-c", buf_data(&cmd), (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((got = read(p[0], out + total, cap - 1 - (size_t)total)) > 0)
		total += got;
	out[total] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	buf_release(&cmd);
}

static void test_hostile_arguments_survive_the_shell(void **state)
{
	const char *const args[] = {
		"a b", "$(touch /tmp/ronda-pwned)", "`id`", "x;y", "'", "\"", "\\",
		"*", "-rf", "$HOME", "line\nbreak", "tab\there", "", "!",
	};
	char out[4096];

	(void)state;
	through_sh(args, sizeof(args) / sizeof(args[0]), out, sizeof(out));
	assert_string_equal(out, "[a b][$(touch /tmp/ronda-pwned)][`id`][x;y]['][\"][\\]"
			    "[*][-rf][$HOME][line\nbreak][tab\there][][!]");
	assert_int_equal(access("/tmp/ronda-pwned", F_OK), -1);
}

static void test_guarded_command_shape(void **state)
{
	struct buf b;
	char e[] = "echo", q[] = "it's";
	char *const argv[] = { e, q };

	(void)state;
	buf_init(&b, 1 << 16);
	assert_int_equal(remote_guarded_command(&b, argv, 0), RONDA_EINVAL);
	assert_int_equal(remote_guarded_command(&b, argv, 2), RONDA_OK);
	assert_true(strncmp(buf_data(&b), "sh -c '", 7) == 0);
	/* the arguments come last, each quoted */
	assert_non_null(strstr(buf_data(&b), "' ronda-exec 'echo' 'it'\\''s'"));
	buf_release(&b);
}

static void test_status_line(void **state)
{
	int code = -1;
	size_t len = 0;
	const char ok[] = "some error\n\036ronda-exit 3\n";
	const char zero[] = "\036ronda-exit 0\n";

	(void)state;
	assert_int_equal(remote_parse_status(ok, sizeof(ok) - 1, &code, &len), RONDA_OK);
	assert_int_equal(code, 3);
	assert_int_equal(len, 14);
	assert_int_equal(remote_parse_status(zero, sizeof(zero) - 1, &code, &len), RONDA_OK);
	assert_int_equal(code, 0);
	/* tail cut inside the prefix: the start of the line is gone */
	assert_int_equal(remote_parse_status("nda-exit 0\n", 11, &code, &len), RONDA_ENOTFOUND);
}

static void test_status_line_rejects_lookalikes(void **state)
{
	int code = 77;
	size_t len = 77;
	const char *bad[] = {
		"",
		"\036ronda-exit 3",		/* no newline: still running */
		"\036ronda-exit \n",
		"\036ronda-exit -1\n",
		"\036ronda-exit 256\n",
		"\036ronda-exit 3x\n",
		"ronda-exit 3\n",		/* no separator */
		"\036ronda-exit 3\nmore\n",	/* not the last line */
		"\036ronda-exit 99999999999999999999\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(remote_parse_status(bad[i], strlen(bad[i]), &code, &len),
				 RONDA_ENOTFOUND);
	assert_int_equal(code, 77);	/* untouched on failure */
	assert_int_equal(len, 77);
}

/*
 * Runs the input guard over CMD as sshd would (sh -c LINE) with the
 * framed bytes on stdin, which stays open as ronda keeps it; returns the
 * command's stdout and the guard's stderr.
 */
static void guard_with_input(char *const argv[], size_t argc, const char *data, size_t n,
			     struct buf *out, struct buf *err)
{
	struct buf cmd, in;
	int pin[2], pout[2], perr[2], st;
	pid_t pid;

	buf_init(&cmd, 1 << 16);
	buf_init(&in, 1 << 16);
	assert_int_equal(remote_guarded_input_command(&cmd, argv, argc), RONDA_OK);
	assert_int_equal(remote_input_header(&in, n), RONDA_OK);
	assert_int_equal(buf_append(&in, data, n), RONDA_OK);
	assert_int_equal(pipe(pin), 0);
	assert_int_equal(pipe(pout), 0);
	assert_int_equal(pipe(perr), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		execl("/bin/sh", "sh", "-c", buf_data(&cmd), (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	assert_int_equal(buf_write_fd(&in, pin[1]), RONDA_OK);
	assert_int_equal(buf_read_fd(out, pout[0]), RONDA_OK);
	assert_int_equal(buf_read_fd(err, perr[0]), RONDA_OK);
	close(pin[1]);	/* only now, as ronda does at the channel's end */
	close(pout[0]);
	close(perr[0]);
	waitpid(pid, &st, 0);
	buf_release(&cmd);
	buf_release(&in);
}

static void test_input_guard_passes_exact_bytes(void **state)
{
	char c_cat[] = "cat", c_sh[] = "sh", c_c[] = "-c", c_rd[] = "cat >/dev/null; read x; echo \"[$x]\"";
	char *const cat[] = { c_cat }, *const reread[] = { c_sh, c_c, c_rd };
	const char data[] = "one\n\0two\r\n\036ronda-exit 0\n\xff" "last";
	struct buf out, err;
	int code = -1;
	size_t len;

	(void)state;
	buf_init(&out, 1 << 20);
	buf_init(&err, 1 << 20);
	guard_with_input(cat, 1, data, sizeof(data) - 1, &out, &err);
	assert_int_equal(buf_len(&out), sizeof(data) - 1);
	assert_memory_equal(buf_data(&out), data, sizeof(data) - 1);
	assert_int_equal(remote_parse_status(buf_data(&err), buf_len(&err), &code, &len), RONDA_OK);
	assert_int_equal(code, 0);
	assert_int_equal(len, buf_len(&err));	/* nothing else on stderr */
	/* the command sees end of file after the bytes, although stdin stays open */
	buf_reset(&out);
	buf_reset(&err);
	guard_with_input(reread, 3, "abc", 3, &out, &err);
	assert_string_equal(buf_data(&out), "[]\n");
	buf_release(&out);
	buf_release(&err);
}

static void script_argv(const char *text, const char *want, int ok)
{
	char a1[] = "x y", why[160] = "", **v = NULL;
	char *const args[] = { a1 };
	size_t n = 0;
	struct buf got;

	buf_init(&got, 4096);
	assert_int_equal(remote_script_argv(text, strlen(text), "/some/dir/job.sh", args, 1,
					    &v, &n, why, sizeof(why)),
			 ok ? RONDA_OK : RONDA_EINVAL);
	if (!ok) {
		assert_non_null(strstr(why, want));
		buf_release(&got);
		return;
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(buf_printf(&got, "[%s]", v[i]), RONDA_OK);
	assert_string_equal(buf_data(&got), want);
	remote_argv_free(v, n);
	buf_release(&got);
}

static void test_script_interpreter(void **state)
{
	(void)state;
	script_argv("echo hi\n", "[sh][-c][eval \"$(cat)\"][job.sh][x y]", 1);
	script_argv("#!/bin/sh\necho hi\n", "[/bin/sh][-c][eval \"$(cat)\"][job.sh][x y]", 1);
	script_argv("#! /bin/bash -eu \r\nx", "[/bin/bash][-eu][-c][eval \"$(cat)\"][job.sh][x y]", 1);
	script_argv("#!/usr/bin/env python3\nprint(1)\n", "[python3][-][x y]", 1);
	script_argv("#!/usr/bin/perl -w\n", "[/usr/bin/perl][-w][-][x y]", 1);
	script_argv("#!", "names no interpreter", 0);
	script_argv("#!\n", "names no interpreter", 0);
	script_argv("#!/usr/bin/env -S python3 -u\n", "options such as -S", 0);
	script_argv("#!/usr/bin/env\n", "without one program", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_simple),
		cmocka_unit_test(test_quote_limit),
		cmocka_unit_test(test_hostile_arguments_survive_the_shell),
		cmocka_unit_test(test_guarded_command_shape),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_status_line_rejects_lookalikes),
		cmocka_unit_test(test_input_guard_passes_exact_bytes),
		cmocka_unit_test(test_script_interpreter),
	};

	return cmocka_run_group_tests_name("remote", tests, NULL, NULL);
}
