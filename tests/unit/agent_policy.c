/*
 * agent_policy.c - the host policy (agent/policy.c): which executables a
 * policy permits and why it refuses, how lines are read and which are
 * errors (with their line number), and which policy files are refused
 * (writable by others, not root's, a symlink, not a regular file, too
 * large), leaving the caller's policy as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "policy.h"
#include "banned.h"

static int permits(const struct policy *p, const char *exe, const char **why)
{
	*why = NULL;
	return policy_permits(p, exe, why);
}

static void test_decisions(void **state)
{
	struct policy p;
	struct buf err;
	const char *why;

	(void)state;
	buf_init(&err, 1024);
	policy_init(&p);
	/* No file, or an empty one: everything. */
	assert_true(permits(&p, "/usr/bin/anything", &why));
	assert_int_equal(policy_parse("# nothing\n\n   \n", &p, &err), RONDA_OK);
	assert_true(permits(&p, "/bin/sh", &why));

	/* Only deny lines: all but those. */
	assert_int_equal(policy_parse("deny /usr/bin/rm\ndeny /sbin/*\n", &p, &err), RONDA_OK);
	assert_true(permits(&p, "/usr/bin/ls", &why));
	assert_false(permits(&p, "/usr/bin/rm", &why));
	assert_string_equal(why, "/usr/bin/rm");
	assert_false(permits(&p, "/sbin/reboot", &why));
	assert_string_equal(why, "/sbin/*");
	assert_true(permits(&p, "/usr/bin/rmdir", &why));	/* whole-path match */
	policy_release(&p);

	/* Any allow line: only what matches one. */
	assert_int_equal(policy_parse("allow /usr/lib/nagios/plugins/check_*\n"
				      "allow /usr/bin/systemctl\n", &p, &err), RONDA_OK);
	assert_true(permits(&p, "/usr/bin/systemctl", &why));
	assert_true(permits(&p, "/usr/lib/nagios/plugins/check_disk", &why));
	assert_false(permits(&p, "/usr/bin/systemctl2", &why));
	assert_string_equal(why, "no allow line matches");
	assert_false(permits(&p, "/usr/lib/nagios/plugins/other", &why));
	policy_release(&p);

	/* deny wins over allow, whatever the order of the lines. */
	assert_int_equal(policy_parse("allow /usr/bin/*\ndeny /usr/bin/curl\n", &p, &err), RONDA_OK);
	assert_false(permits(&p, "/usr/bin/curl", &why));
	assert_string_equal(why, "/usr/bin/curl");
	assert_true(permits(&p, "/usr/bin/id", &why));
	policy_release(&p);
	assert_int_equal(policy_parse("deny /usr/bin/curl\nallow /usr/bin/curl\n", &p, &err),
			 RONDA_OK);
	assert_false(permits(&p, "/usr/bin/curl", &why));
	policy_release(&p);
	buf_release(&err);
}

static void test_lines(void **state)
{
	struct policy p;
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	policy_init(&p);
	/* Tabs, CRLF, indentation, trailing blanks, comments, no final newline. */
	assert_int_equal(policy_parse("\t# c\r\n  allow\t/a/b  \r\ndeny   /c\t\n#deny /x\nallow /d",
				      &p, &err), RONDA_OK);
	assert_int_equal(p.n_allow, 2);
	assert_string_equal(p.allow[0], "/a/b");
	assert_string_equal(p.allow[1], "/d");
	assert_int_equal(p.n_deny, 1);
	assert_string_equal(p.deny[0], "/c");
	assert_false(p.present);	/* only policy_load sets it */
	policy_release(&p);

	/* Errors name the line, counting blank and comment lines. */
	assert_int_equal(policy_parse("# c\n\nallow usr/bin/x\n", &p, &err), RONDA_ECONFIG);
	assert_string_equal(buf_data(&err), "line 3: want \"allow|deny /absolute/path-or-glob\"");
	policy_release(&p);
	buf_reset(&err);
	assert_int_equal(policy_parse("allow\n", &p, &err), RONDA_ECONFIG);
	assert_string_equal(buf_data(&err), "line 1: want \"allow|deny /absolute/path-or-glob\"");
	policy_release(&p);
	buf_reset(&err);
	assert_int_equal(policy_parse("allow /a\nAllow /b\n", &p, &err), RONDA_ECONFIG);
	assert_string_equal(buf_data(&err), "line 2: unknown directive \"Allow\" (allow, deny or sandbox)");
	policy_release(&p);
	buf_reset(&err);
	assert_int_equal(policy_parse("allowed /b\n", &p, &err), RONDA_ECONFIG);
	assert_string_equal(buf_data(&err), "line 1: unknown directive \"allowed\" (allow, deny or sandbox)");
	policy_release(&p);
	buf_reset(&err);
	assert_int_equal(policy_parse("den /b\n", &p, &err), RONDA_ECONFIG);
	assert_string_equal(buf_data(&err), "line 1: unknown directive \"den\" (allow, deny or sandbox)");
	policy_release(&p);
	buf_release(&err);
}

/* sandbox optional|required: the last line wins; nothing else is taken. */
static void test_sandbox_line(void **state)
{
	struct policy p;
	struct buf err;

	(void)state;
	buf_init(&err, 1024);
	policy_init(&p);
	assert_int_equal(policy_parse("allow /a\n", &p, &err), RONDA_OK);
	assert_false(p.sandbox_optional);	/* required unless said */
	policy_release(&p);
	assert_int_equal(policy_parse("  sandbox\toptional \r\nallow /a\n", &p, &err), RONDA_OK);
	assert_true(p.sandbox_optional);
	assert_int_equal(p.n_allow, 1);
	policy_release(&p);
	assert_int_equal(policy_parse("sandbox optional\nsandbox required\n", &p, &err), RONDA_OK);
	assert_false(p.sandbox_optional);
	policy_release(&p);
	for (size_t i = 0; i < 3; i++) {
		static const char *const bad[] = { "sandbox\n", "sandbox off\n",
						   "sandbox optional please\n" };

		buf_reset(&err);
		assert_int_equal(policy_parse(bad[i], &p, &err), RONDA_ECONFIG);
		assert_string_equal(buf_data(&err),
				    "line 1: want \"sandbox required\" or \"sandbox optional\"");
		assert_false(p.sandbox_optional);
		policy_release(&p);
	}
	buf_release(&err);
}

struct fixture {
	char dir[64], path[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_policy.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/agent.cfg", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	unlink(f->path);
	snprintf(p, sizeof(p), "%s/link", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sub", f->dir);
	rmdir(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* policy_load refuses path with a message starting with path; p stays as it was. */
static void load_refused(const char *path, const char *why)
{
	struct policy p;
	struct buf err;
	char want[512];

	buf_init(&err, 1024);
	policy_init(&p);
	assert_int_equal(policy_parse("allow /kept\n", &p, &err), RONDA_OK);
	assert_int_equal(policy_load(path, &p, &err), RONDA_ECONFIG);
	snprintf(want, sizeof(want), "%s: %s", path, why);
	if (strncmp(buf_data(&err), want, strlen(want)) != 0)
		fail_msg("'%s', want '%s'", buf_data(&err), want);
	assert_int_equal(p.n_allow, 1);
	assert_string_equal(p.allow[0], "/kept");
	assert_false(p.present);
	policy_release(&p);
	buf_release(&err);
}

static void test_load(void **state)
{
	struct fixture *f = *state;
	struct policy p;
	struct buf err;
	const char *why;

	buf_init(&err, 1024);
	policy_init(&p);
	/* Missing: an empty policy, not present. */
	assert_int_equal(policy_load(f->path, &p, &err), RONDA_OK);
	assert_false(p.present);
	assert_int_equal(p.n_allow + p.n_deny, 0);

	if (geteuid() != 0) {
		buf_release(&err);
		skip();
	}
	write_file(f->path, "allow /usr/bin/true\n", 0644);
	assert_int_equal(policy_load(f->path, &p, &err), RONDA_OK);
	assert_true(p.present);
	assert_true(permits(&p, "/usr/bin/true", &why));
	assert_false(permits(&p, "/usr/bin/false", &why));
	policy_release(&p);
	/* Read-only for root is fine too. */
	write_file(f->path, "deny /x\n", 0400);
	assert_int_equal(policy_load(f->path, &p, &err), RONDA_OK);
	assert_int_equal(p.n_deny, 1);
	policy_release(&p);
	buf_release(&err);
}

static void test_load_refused(void **state)
{
	struct fixture *f = *state;
	const char *mine = "must be a regular file owned by root, writable only by root";
	char link[128], sub[128];

	if (geteuid() != 0)
		skip();
	write_file(f->path, "allow /usr/bin/true\n", 0664);
	load_refused(f->path, mine);			/* group-writable */
	write_file(f->path, "allow /usr/bin/true\n", 0646);
	load_refused(f->path, mine);			/* world-writable */
	write_file(f->path, "allow /usr/bin/true\n", 0644);
	assert_int_equal(chown(f->path, 1, 0), 0);
	load_refused(f->path, mine);			/* not root's */
	assert_int_equal(chown(f->path, 0, 0), 0);

	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	load_refused(link, strerror(ELOOP));	/* never followed; libc words it */

	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	load_refused(sub, mine);			/* a directory */
}

/* A bad line in the file: the line's message, nothing else. */
static void test_load_bad_line(void **state)
{
	struct fixture *f = *state;
	struct policy p;
	struct buf err;

	if (geteuid() != 0)
		skip();
	buf_init(&err, 1024);
	policy_init(&p);
	write_file(f->path, "allow /a\nallow b\n", 0644);
	assert_int_equal(policy_load(f->path, &p, &err), RONDA_ECONFIG);
	assert_string_equal(buf_data(&err), "line 2: want \"allow|deny /absolute/path-or-glob\"");
	assert_int_equal(p.n_allow, 0);
	assert_false(p.present);
	buf_release(&err);
}

/* Writes a policy of size bytes: comment lines, a deny line last. */
static void write_sized(const char *path, size_t size)
{
	char *text = malloc(size + 1);
	const char *rule = "\ndeny /usr/bin/x\n";

	assert_non_null(text);
	assert_true(size > strlen(rule));
	for (size_t i = 0; i < size; i++)
		text[i] = i % 64 == 0 ? '#' : i % 64 == 63 ? '\n' : ' ';
	memcpy(text + size - strlen(rule), rule, strlen(rule));
	text[size] = '\0';
	write_file(path, text, 0644);
	free(text);
}

/* More than 256 KiB is refused. */
static void test_load_too_large(void **state)
{
	struct fixture *f = *state;
	size_t max = (size_t)256 << 10;
	struct policy p;
	struct buf err;
	char want[256];

	if (geteuid() != 0)
		skip();
	buf_init(&err, 1024);
	policy_init(&p);
	write_sized(f->path, max + 1);
	assert_int_equal(policy_load(f->path, &p, &err), RONDA_ECONFIG);
	snprintf(want, sizeof(want), "%s: larger than %zu bytes", f->path, max);
	assert_string_equal(buf_data(&err), want);
	assert_int_equal(p.n_deny, 0);
	write_sized(f->path, 5000);
	assert_int_equal(policy_load(f->path, &p, &err), RONDA_OK);
	assert_int_equal(p.n_deny, 1);
	policy_release(&p);
	/* Up to the limit itself is not too large (a read short of 4 KiB near
	 * the end used to be taken for too much). */
	for (size_t size = max - 4200; size <= max; size += 1500) {
		write_sized(f->path, size);
		if (policy_load(f->path, &p, &err) != RONDA_OK)
			fail_msg("%zu bytes: %s", size, buf_data(&err));
		assert_int_equal(p.n_deny, 1);
		policy_release(&p);
	}
	write_sized(f->path, max);
	assert_int_equal(policy_load(f->path, &p, &err), RONDA_OK);
	policy_release(&p);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_sandbox_line),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_bad_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_too_large, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
