/*
 * common_secret.c - the secret page: out of core dumps (VmFlags dd in
 * /proc/self/smaps), wiped and unmapped on release; the terminal line read
 * without echo, the newline kept off, a line past SECRET_MAX refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secret.h"
#include "err.h"
#include "banned.h"

/* The VmFlags line of the mapping that starts at p. */
static int vmflags(const void *p, char *flags, size_t n)
{
	char line[512], start[32];
	FILE *f = fopen("/proc/self/smaps", "re");
	int in = 0, found = 0;

	snprintf(start, sizeof(start), "%lx-", (unsigned long)(uintptr_t)p);
	while (f && !found && fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') && strchr(line, '-') < strchr(line, ' '))
			in = strncmp(line, start, strlen(start)) == 0;
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, n, "%s", line + 8);
			found = 1;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void test_page_not_dumped(void **state)
{
	struct secret s;
	char flags[512];

	(void)state;
	assert_int_equal(secret_init(&s), RONDA_OK);
	assert_non_null(s.p);
	assert_true(vmflags(s.p, flags, sizeof(flags)));
	assert_non_null(strstr(flags, " dd"));
	secret_release(&s);
	assert_null(s.p);
	assert_int_equal(s.len, 0);
	secret_release(&s);	/* twice is harmless */
}

/* A pty pair: *m the master, *sl the slave. */
static void pty(int *m, int *sl)
{
	*m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*m >= 0);
	assert_int_equal(grantpt(*m), 0);
	assert_int_equal(unlockpt(*m), 0);
	*sl = open(ptsname(*m), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*sl >= 0);
}

/*
 * Asks on the slave in a child (secret_ask_tty flushes pending input, so
 * the line is typed once the prompt shows), typing `typed`; the child
 * sends back the status and the secret on a pipe.  Returns the status;
 * *seen is what the terminal showed.
 */
static int ask(const char *typed, size_t tn, char *got, size_t *glen, char *seen, size_t sn)
{
	int m, sl, p[2], st, r = -1;
	size_t k = 0;
	pid_t pid;

	pty(&m, &sl);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct secret s;

		r = secret_init(&s) ? -1 : secret_ask_tty(sl, "PW: ", &s);
		if (write(p[1], &r, sizeof(r)) < 0 || (r == 0 && write(p[1], s.p, s.len) < 0))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	while (k < 4 && k + 1 < sn) {	/* the prompt: the terminal is quiet now */
		ssize_t n = read(m, seen + k, 1);

		assert_true(n == 1);
		k++;
	}
	assert_int_equal(write(m, typed, tn), (ssize_t)tn);
	assert_int_equal(read(p[0], &r, sizeof(r)), sizeof(r));
	*glen = 0;
	for (ssize_t n; (n = read(p[0], got + *glen, 64)) > 0;)
		*glen += (size_t)n;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	{	/* anything echoed after the prompt (the newline ask writes) */
		struct pollfd q = { .fd = m, .events = POLLIN };

		while (k + 1 < sn && poll(&q, 1, 0) == 1) {
			ssize_t n = read(m, seen + k, sn - 1 - k);

			if (n <= 0)
				break;
			k += (size_t)n;
		}
	}
	seen[k] = '\0';
	close(p[0]);
	close(m);
	close(sl);
	return r;
}

static void test_ask_tty(void **state)
{
	char got[SECRET_MAX + 64], seen[256];
	size_t n;

	(void)state;
	assert_int_equal(ask("hunter2\n", 8, got, &n, seen, sizeof(seen)), RONDA_OK);
	assert_int_equal(n, 7);
	assert_memory_equal(got, "hunter2", 7);
	assert_non_null(strstr(seen, "PW: "));
	assert_null(strstr(seen, "hunter2"));	/* no echo */
}

static void test_ask_tty_too_long(void **state)
{
	char *line = malloc(SECRET_MAX + 2), got[SECRET_MAX + 64], seen[256];
	size_t n;

	(void)state;
	memset(line, 'x', SECRET_MAX);
	line[SECRET_MAX] = '\n';
	assert_int_equal(ask(line, SECRET_MAX + 1, got, &n, seen, sizeof(seen)), RONDA_ESYS);
	assert_int_equal(n, 0);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_not_dumped),
		cmocka_unit_test(test_ask_tty),
		cmocka_unit_test(test_ask_tty_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
