/*
 * common_buf.c - the bounded buffer: contents, limits, NUL termination, line
 * peeking, that a failed allocation leaves the buffer intact, and that
 * buf_write_fd writes everything through short writes and EINTR.
 * Linked with -Wl,--wrap=realloc so allocations can be made to fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "banned.h"

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static int fail_realloc_after = -1;	/* -1: never fail */

void *__wrap_realloc(void *p, size_t n)
{
	if (fail_realloc_after == 0)
		return NULL;
	if (fail_realloc_after > 0)
		fail_realloc_after--;
	return __real_realloc(p, n);
}

static void test_empty_is_empty_string(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 16);
	assert_int_equal(buf_len(&b), 0);
	assert_string_equal(buf_data(&b), "");
	buf_release(&b);
}

static void test_append_and_nul(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(buf_append(&b, "abc", 3), RONDA_OK);
	assert_int_equal(buf_puts(&b, "def"), RONDA_OK);
	assert_int_equal(buf_putc(&b, 'g'), RONDA_OK);
	assert_int_equal(buf_len(&b), 7);
	assert_string_equal(buf_data(&b), "abcdefg");
	assert_int_equal(buf_printf(&b, "-%d-%s", 42, "x"), RONDA_OK);
	assert_string_equal(buf_data(&b), "abcdefg-42-x");
	buf_release(&b);
}

static void test_limit_exact_and_over(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345678", 8), RONDA_OK);
	/* One byte more passes the limit; contents stay unchanged. */
	assert_int_equal(buf_putc(&b, '9'), RONDA_ELIMIT);
	assert_int_equal(buf_len(&b), 8);
	assert_string_equal(buf_data(&b), "12345678");
	assert_int_equal(buf_printf(&b, "%s", "x"), RONDA_ELIMIT);
	assert_string_equal(buf_data(&b), "12345678");
	/* Consuming makes room again. */
	buf_consume(&b, 3);
	assert_int_equal(buf_append(&b, "abc", 3), RONDA_OK);
	assert_string_equal(buf_data(&b), "45678abc");
	/* Never allocated much beyond the limit. */
	assert_true(b.alloc <= 9);
	buf_release(&b);
}

static void test_huge_request_refused_without_overflow(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_append(&b, "a", 1), RONDA_OK);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), RONDA_ELIMIT);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 1), RONDA_ELIMIT);
	assert_string_equal(buf_data(&b), "a");
	buf_release(&b);
}

static void test_consume_and_reclaim(void **state)
{
	struct buf b;
	char chunk[100];

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	buf_init(&b, 1000);
	/* A steady produce/consume stream must not grow the block. */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(buf_append(&b, chunk, sizeof(chunk)), RONDA_OK);
		buf_consume(&b, sizeof(chunk));
		assert_int_equal(buf_len(&b), 0);
	}
	assert_int_equal(buf_append(&b, "hello", 5), RONDA_OK);
	buf_consume(&b, 2);
	assert_string_equal(buf_data(&b), "llo");
	assert_true(b.alloc <= 1001);
	buf_consume(&b, 100);
	assert_int_equal(buf_len(&b), 0);
	assert_string_equal(buf_data(&b), "");
	buf_release(&b);
}

static void test_truncate(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_puts(&b, "hello world"), RONDA_OK);
	buf_truncate(&b, 5);
	assert_string_equal(buf_data(&b), "hello");
	buf_truncate(&b, 50);
	assert_string_equal(buf_data(&b), "hello");
	buf_release(&b);
}

static void test_peek_line(void **state)
{
	struct buf b;
	const char *line;
	size_t n;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_peek_line(&b, &line, &n), RONDA_EAGAIN);
	assert_int_equal(buf_puts(&b, "one\ntwo\npartial"), RONDA_OK);
	assert_int_equal(buf_peek_line(&b, &line, &n), RONDA_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(line, "one", 3);
	buf_consume(&b, n + 1);
	assert_int_equal(buf_peek_line(&b, &line, &n), RONDA_OK);
	assert_memory_equal(line, "two", 3);
	buf_consume(&b, n + 1);
	assert_int_equal(buf_peek_line(&b, &line, &n), RONDA_EAGAIN);
	assert_string_equal(buf_data(&b), "partial");
	assert_int_equal(buf_puts(&b, "\n\n"), RONDA_OK);
	assert_int_equal(buf_peek_line(&b, &line, &n), RONDA_OK);
	assert_int_equal(n, 7);
	buf_consume(&b, n + 1);
	assert_int_equal(buf_peek_line(&b, &line, &n), RONDA_OK);
	assert_int_equal(n, 0);
	buf_release(&b);
}

static void test_binary_data(void **state)
{
	struct buf b;
	const char bin[] = { 'a', 0, 'b', 0 };

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, bin, sizeof(bin)), RONDA_OK);
	assert_int_equal(buf_len(&b), 4);
	assert_memory_equal(buf_data(&b), bin, 4);
	buf_release(&b);
}

static void test_alloc_failure_keeps_contents(void **state)
{
	struct buf b;
	char big[4096];

	(void)state;
	memset(big, 'y', sizeof(big));
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_puts(&b, "keep"), RONDA_OK);
	fail_realloc_after = 0;
	assert_int_equal(buf_append(&b, big, sizeof(big)), RONDA_ENOMEM);
	assert_int_equal(buf_printf(&b, "%4096s", "z"), RONDA_ENOMEM);
	fail_realloc_after = -1;
	assert_int_equal(buf_len(&b), 4);
	assert_string_equal(buf_data(&b), "keep");
	/* After memory comes back, the buffer works again. */
	assert_int_equal(buf_append(&b, big, sizeof(big)), RONDA_OK);
	assert_int_equal(buf_len(&b), 4 + sizeof(big));
	buf_release(&b);
}

static void test_first_alloc_failure(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	fail_realloc_after = 0;
	assert_int_equal(buf_puts(&b, "x"), RONDA_ENOMEM);
	fail_realloc_after = -1;
	assert_null(b.mem);
	assert_string_equal(buf_data(&b), "");
	buf_release(&b);
}

static void test_space_commit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_reserve(&b, 10), RONDA_OK);
	memcpy(buf_space(&b), "0123456789", 10);
	buf_commit(&b, 4);
	assert_string_equal(buf_data(&b), "0123");
	buf_release(&b);
}

static void test_move(void **state)
{
	struct buf a, b;

	(void)state;
	buf_init(&a, 100);
	buf_init(&b, 100);
	assert_int_equal(buf_puts(&a, "moved"), RONDA_OK);
	assert_int_equal(buf_puts(&b, "old"), RONDA_OK);
	buf_move(&b, &a);
	assert_string_equal(buf_data(&b), "moved");
	assert_int_equal(buf_len(&a), 0);
	assert_null(a.mem);
	buf_release(&a);
	buf_release(&b);
}

static void test_read_file_and_limit(void **state)
{
	char path[] = "/tmp/ronda-buf-test.XXXXXX";
	int fd = mkstemp(path);
	struct buf b;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	buf_init(&b, 100);
	assert_int_equal(buf_read_file(&b, path), RONDA_OK);
	assert_string_equal(buf_data(&b), "0123456789");
	buf_release(&b);
	/* a file longer than the buffer's limit is an error, not a cut */
	buf_init(&b, 5);
	assert_int_equal(buf_read_file(&b, path), RONDA_ELIMIT);
	buf_release(&b);
	unlink(path);
	buf_init(&b, 100);
	errno = 0;
	assert_int_equal(buf_read_file(&b, path), RONDA_ESYS);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* The byte at offset i of the test pattern (no period that divides 4096). */
static char pattern(size_t i)
{
	return (char)('a' + (i * 7 + i / 251) % 26);
}

static void test_write_fd_short_reader(void **state)
{
	const size_t n = (size_t)1 << 20;
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { { 0, 500 }, { 0, 500 } }, off = { { 0, 0 }, { 0, 0 } };
	struct buf b;
	int p[2], status, r;
	pid_t pid;

	(void)state;
	buf_init(&b, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(buf_putc(&b, pattern(i)), RONDA_OK);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A slow reader in small pieces, checking every byte. */
		char chunk[777];
		size_t got = 0;
		ssize_t k;

		close(p[1]);
		while ((k = read(p[0], chunk, sizeof(chunk))) > 0) {
			for (ssize_t j = 0; j < k; j++)
				if (chunk[j] != pattern(got + (size_t)j))
					_exit(2);
			got += (size_t)k;
			if (got % (64 * 777) < 777)
				usleep(2000);
		}
		_exit(k == 0 && got == n ? 0 : 1);
	}
	close(p[0]);
	/* A timer without SA_RESTART: writes come back short or with EINTR. */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	r = buf_write_fd(&b, p[1]);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	close(p[1]);
	assert_int_equal(r, RONDA_OK);
	/* nothing consumed */
	assert_int_equal(buf_len(&b), n);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	buf_release(&b);
}

static void test_write_fd_errors(void **state)
{
	struct buf b, empty;
	char got[8];
	int p[2];

	(void)state;
	buf_init(&b, 64);
	buf_init(&empty, 64);
	assert_int_equal(buf_puts(&b, "hello"), RONDA_OK);
	/* a closed descriptor */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[1]);
	errno = 0;
	assert_int_equal(buf_write_fd(&b, p[1]), RONDA_ESYS);
	assert_int_equal(errno, EBADF);
	close(p[0]);
	/* a pipe nobody reads any more */
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	errno = 0;
	assert_int_equal(buf_write_fd(&b, p[1]), RONDA_ESYS);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
	/* a full non-blocking pipe: EAGAIN is an error, not a spin */
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	while (write(p[1], "x", 1) == 1)
		;
	errno = 0;
	assert_int_equal(buf_write_raw("y", 1, p[1]), RONDA_ESYS);
	assert_int_equal(errno, EAGAIN);
	close(p[0]);
	close(p[1]);
	/* nothing to write: nothing written, and the raw form writes bytes */
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(buf_write_fd(&empty, p[1]), RONDA_OK);
	assert_int_equal(buf_write_raw("a\0b", 3, p[1]), RONDA_OK);
	assert_int_equal(read(p[0], got, sizeof(got)), 3);
	assert_memory_equal(got, "a\0b", 3);
	close(p[0]);
	close(p[1]);
	buf_release(&b);
	buf_release(&empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_empty_string),
		cmocka_unit_test(test_append_and_nul),
		cmocka_unit_test(test_limit_exact_and_over),
		cmocka_unit_test(test_huge_request_refused_without_overflow),
		cmocka_unit_test(test_consume_and_reclaim),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_peek_line),
		cmocka_unit_test(test_binary_data),
		cmocka_unit_test(test_alloc_failure_keeps_contents),
		cmocka_unit_test(test_first_alloc_failure),
		cmocka_unit_test(test_space_commit),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_read_file_and_limit),
		cmocka_unit_test(test_write_fd_short_reader),
		cmocka_unit_test(test_write_fd_errors),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
