/*
 * common_file_replace.c - the one atomic file replacement: the content is
 * replaced, the mode is exactly the one asked (umask or the old file's mode
 * do not change it), and no temporary file is left, neither on success nor
 * when the directory cannot be written, a write fails (RLIMIT_FSIZE) or the
 * rename fails; after a failure the old content is still there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "file_replace.h"
#include "banned.h"

struct fix {
	char dir[64], path[128];
	mode_t umask;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_file_replace.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/out.txt", f->dir);
	/* A narrow umask: the mode asked for must still be the mode made. */
	f->umask = umask(077);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[512];
	DIR *d = opendir(f->dir);
	struct dirent *e;

	umask(f->umask);
	chmod(f->dir, 0700);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		snprintf(cmd, sizeof(cmd), "%s/%s", f->dir, e->d_name);
		if (unlink(cmd) < 0)
			rmdir(cmd);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The names in dir, sorted, joined by spaces. */
static void names(const char *dir, char *out, size_t n)
{
	struct dirent **v;
	int k = scandir(dir, &v, NULL, alphasort);

	out[0] = '\0';
	assert_true(k >= 0);
	for (int i = 0; i < k; i++) {
		if (strcmp(v[i]->d_name, ".") && strcmp(v[i]->d_name, ".."))
			snprintf(out + strlen(out), n - strlen(out), "%s%s",
				 out[0] ? " " : "", v[i]->d_name);
		free(v[i]);
	}
	free(v);
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void assert_file(const char *path, const char *text, mode_t mode)
{
	struct buf b;
	struct stat st;

	buf_init(&b, 1 << 20);
	assert_int_equal(buf_read_file(&b, path), RONDA_OK);
	assert_string_equal(buf_data(&b), text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
	buf_release(&b);
}

static void text_of(struct buf *b, const char *s)
{
	buf_init(b, BUF_DEFAULT_MAX);
	assert_int_equal(buf_puts(b, s), RONDA_OK);
}

static void test_new_file_gets_mode(void **state)
{
	struct fix *f = *state;
	char ls[256];
	struct buf t;

	text_of(&t, "first\n");
	assert_int_equal(file_replace(f->path, &t, 0644), RONDA_OK);
	assert_file(f->path, "first\n", 0644);
	names(f->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.txt");
	buf_release(&t);
}

static void test_replaces_content_and_sets_mode(void **state)
{
	struct fix *f = *state;
	char ls[256];
	struct buf t;

	put(f->path, "old old old old\n", 0600);
	text_of(&t, "new\n");
	assert_int_equal(file_replace(f->path, &t, 0644), RONDA_OK);
	assert_file(f->path, "new\n", 0644);
	/* and back to a private mode, with an empty content */
	buf_reset(&t);
	assert_int_equal(file_replace(f->path, &t, 0600), RONDA_OK);
	assert_file(f->path, "", 0600);
	names(f->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.txt");
	buf_release(&t);
}

static void test_relative_path(void **state)
{
	struct fix *f = *state;
	char cwd[4096], ls[256];
	struct buf t;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	text_of(&t, "here\n");
	assert_int_equal(file_replace("out.txt", &t, 0640), RONDA_OK);
	assert_int_equal(chdir(cwd), 0);
	assert_file(f->path, "here\n", 0640);
	names(f->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.txt");
	buf_release(&t);
}

static void test_dirfd_with_fixed_tmp(void **state)
{
	struct fix *f = *state;
	char ls[256];
	struct buf t;
	int dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(dfd >= 0);
	put(f->path, "old\n", 0644);
	text_of(&t, "{\"state\": 1}\n");
	assert_int_equal(file_replace_at(dfd, "out.txt", ".out.txt.tmp", &t, 0600), RONDA_OK);
	assert_file(f->path, "{\"state\": 1}\n", 0600);
	names(f->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.txt");
	/* A temporary name that exists is not ours: refused and kept. */
	assert_int_equal(mkdirat(dfd, ".out.txt.tmp", 0700), 0);
	buf_reset(&t);
	assert_int_equal(buf_puts(&t, "lost\n"), RONDA_OK);
	errno = 0;
	assert_int_equal(file_replace_at(dfd, "out.txt", ".out.txt.tmp", &t, 0600), RONDA_ESYS);
	assert_int_equal(errno, EEXIST);
	assert_file(f->path, "{\"state\": 1}\n", 0600);
	names(f->dir, ls, sizeof(ls));
	assert_string_equal(ls, ".out.txt.tmp out.txt");
	unlinkat(dfd, ".out.txt.tmp", AT_REMOVEDIR);
	close(dfd);
	buf_release(&t);
}

static void test_unwritable_directory(void **state)
{
	struct fix *f = *state;
	char ls[256], gone[128];
	struct buf t;
	int dfd;

	put(f->path, "old\n", 0644);
	text_of(&t, "new\n");
	if (geteuid() != 0) {
		/* root writes anywhere: this half only runs as a user */
		assert_int_equal(chmod(f->dir, 0500), 0);
		errno = 0;
		assert_int_equal(file_replace(f->path, &t, 0644), RONDA_ESYS);
		assert_int_equal(errno, EACCES);
		assert_int_equal(chmod(f->dir, 0700), 0);
		assert_file(f->path, "old\n", 0644);
		names(f->dir, ls, sizeof(ls));
		assert_string_equal(ls, "out.txt");
	}
	/* A removed directory cannot take a new file, even for root. */
	snprintf(gone, sizeof(gone), "%s/gone", f->dir);
	assert_int_equal(mkdir(gone, 0700), 0);
	dfd = open(gone, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(rmdir(gone), 0);
	errno = 0;
	assert_int_equal(file_replace_at(dfd, "out.txt", NULL, &t, 0644), RONDA_ESYS);
	assert_int_equal(errno, ENOENT);
	close(dfd);
	/* No directory at all. */
	snprintf(gone, sizeof(gone), "%s/none/out.txt", f->dir);
	errno = 0;
	assert_int_equal(file_replace(gone, &t, 0644), RONDA_ESYS);
	assert_int_equal(errno, ENOENT);
	names(f->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.txt");
	buf_release(&t);
}

static void test_write_error_keeps_old(void **state)
{
	struct fix *f = *state;
	struct rlimit was, small = { 4096, 4096 };
	char ls[256];
	struct buf t;
	int r, e;

	put(f->path, "old content\n", 0644);
	buf_init(&t, BUF_DEFAULT_MAX);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(&t, "0123456789abcdef\n"), RONDA_OK);
	/* A file may not grow past 4 KiB: the write fails with EFBIG. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	small.rlim_max = was.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	errno = 0;
	r = file_replace(f->path, &t, 0644);
	e = errno;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(r, RONDA_ESYS);
	assert_int_equal(e, EFBIG);
	assert_file(f->path, "old content\n", 0644);
	names(f->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.txt");
	buf_release(&t);
}

static void test_rename_error_keeps_old(void **state)
{
	struct fix *f = *state;
	char ls[256], sub[160];
	struct buf t;

	/* The target is a directory that is not empty: the rename fails. */
	assert_int_equal(mkdir(f->path, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/inside", f->path);
	put(sub, "kept\n", 0600);
	text_of(&t, "new\n");
	errno = 0;
	assert_int_equal(file_replace(f->path, &t, 0644), RONDA_ESYS);
	assert_true(errno == EISDIR || errno == ENOTEMPTY);
	assert_file(sub, "kept\n", 0600);
	names(f->dir, ls, sizeof(ls));
	assert_string_equal(ls, "out.txt");
	unlink(sub);
	buf_release(&t);
}

static void test_bad_names(void **state)
{
	struct buf t;
	char longname[400];

	(void)state;
	text_of(&t, "x");
	assert_int_equal(file_replace("/tmp/", &t, 0644), RONDA_EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	errno = 0;
	assert_int_not_equal(file_replace(longname, &t, 0644), RONDA_OK);
	assert_int_equal(errno, ENAMETOOLONG);
	buf_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_file_gets_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaces_content_and_sets_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirfd_with_fixed_tmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_error_keeps_old, setup, teardown),
		cmocka_unit_test(test_bad_names),
	};

	return cmocka_run_group_tests_name("file_replace", tests, NULL, NULL);
}
