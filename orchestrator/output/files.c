/*
 * files.c - see files.h.
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "banned.h"

/* Host names become file names: nothing that could leave hosts/. */
static int file_name_ok(const char *s)
{
	return s[0] && s[0] != '.' && !strchr(s, '/') && strlen(s) <= 250;
}

int rundir_create(struct rundir *rd, const char *dir, const struct target_list *tl)
{
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int r = RONDA_ESYS;

	rd->dir = rd->hosts = -1;
	buf_init(&rd->path, 4096);
	for (size_t i = 0; i < tl->n; i++) {
		if (!file_name_ok(tl->v[i].name))
			return RONDA_EINVAL;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		goto out;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H%M%SZ", &tm);
	for (int n = 1; ; n++) {
		buf_reset(&rd->path);
		if (buf_printf(&rd->path, n == 1 ? "%s/%s" : "%s/%s-%d", dir, stamp, n)) {
			r = RONDA_ELIMIT;
			goto out;
		}
		if (mkdir(buf_data(&rd->path), 0755) == 0)
			break;
		if (errno != EEXIST || n == 100)
			goto out;
	}
	rd->dir = open(buf_data(&rd->path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd->dir < 0 || mkdirat(rd->dir, "hosts", 0755) < 0)
		goto out;
	rd->hosts = openat(rd->dir, "hosts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd->hosts < 0)
		goto out;
	r = RONDA_OK;
out:
	if (r)
		rundir_close(rd);
	return r;
}

int rundir_write(int dfd, const char *name, int (*fn)(FILE *, void *), void *arg)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	FILE *f;
	int r;

	if (fd < 0)
		return RONDA_ESYS;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return RONDA_ESYS;
	}
	r = fn(f, arg);
	if (fclose(f) != 0 && r == RONDA_OK)
		r = RONDA_ESYS;
	return r;
}

struct bytes {
	const char *p;
	size_t n;
};

static int put_bytes(FILE *f, void *arg)
{
	const struct bytes *b = arg;

	return fwrite(b->p, 1, b->n, f) == b->n ? RONDA_OK : RONDA_ESYS;
}

int rundir_write_bytes(int dfd, const char *name, const char *p, size_t n)
{
	struct bytes b = { p, n };

	return rundir_write(dfd, name, put_bytes, &b);
}

int rundir_finish(struct rundir *rd, int r, char *run_dir, size_t run_dir_len)
{
	if (r == RONDA_OK && buf_len(&rd->path) + 1 > run_dir_len)
		r = RONDA_ELIMIT;
	if (r == RONDA_OK)
		memcpy(run_dir, buf_data(&rd->path), buf_len(&rd->path) + 1);
	rundir_close(rd);
	return r;
}

void rundir_close(struct rundir *rd)
{
	if (rd->hosts >= 0)
		close(rd->hosts);
	if (rd->dir >= 0)
		close(rd->dir);
	rd->dir = rd->hosts = -1;
	buf_release(&rd->path);
}
