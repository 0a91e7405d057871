/*
 * rotate_state.c - the rotation state file; see rotate_state.h.
 */
#include "rotate_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "escape.h"
#include "file_replace.h"
#include "fsafe.h"
#include "banned.h"

#define STATE_MAX ((size_t)16 << 20)
#define LOCK_TRIES 50	/* x 100 ms */

/* Splits path into its directory (into dir) and last name (into name). */
static int split(const char *path, char *dir, size_t dn, char *name, size_t nn)
{
	const char *slash = strrchr(path, '/');

	if (path[0] != '/' || !slash || !slash[1])
		return RONDA_EINVAL;
	if (snprintf(dir, dn, "%.*s", slash == path ? 1 : (int)(slash - path), path) >= (int)dn ||
	    snprintf(name, nn, "%s", slash + 1) >= (int)nn)
		return RONDA_ELIMIT;
	return RONDA_OK;
}

int rot_state_mkdir(const char *path, struct buf *why)
{
	char dir[PATH_MAX], name[NAME_MAX + 1], pdir[PATH_MAX], pname[NAME_MAX + 1];
	int pfd = -1, r;

	r = split(path, dir, sizeof(dir), name, sizeof(name));
	if (r == RONDA_OK && strcmp(dir, "/") != 0)
		r = split(dir, pdir, sizeof(pdir), pname, sizeof(pname));
	else if (r == RONDA_OK)
		return RONDA_OK;
	if (r != RONDA_OK) {
		buf_printf(why, "\"state\": bad path %s", path);
		return r;
	}
	r = fsafe_opendir(pdir, &pfd, why);
	if (r != RONDA_OK)
		return r;
	if (mkdirat(pfd, pname, 0700) < 0 && errno != EEXIST) {
		buf_printf(why, "creating %s: %s", dir, strerror(errno));
		r = RONDA_ESYS;
	}
	close(pfd);
	return r;
}

int rot_state_key(const char *path, char *key, size_t n)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t len = strlen(path), k = 0, i, cl;
	unsigned cp;
	int plain = 1;

	for (i = 0; i < len && plain; i += cl)
		plain = (cl = utf8_next(p + i, len - i, &cp)) != 0;
	if (plain) {
		if (len >= n)
			return RONDA_ELIMIT;
		memcpy(key, path, len + 1);
		return RONDA_OK;
	}
	/* Not UTF-8, so not a JSON string: the marker, then each '%' and
	 * each byte outside a valid character as %HH. */
	if (n <= strlen(ROT_STATE_BYTES))
		return RONDA_ELIMIT;
	k = (size_t)snprintf(key, n, "%s", ROT_STATE_BYTES);
	for (i = 0; i < len; i += cl) {
		cl = utf8_next(p + i, len - i, &cp);
		if (cl && p[i] != '%') {
			if (k + cl >= n)
				return RONDA_ELIMIT;
			memcpy(key + k, p + i, cl);
			k += cl;
			continue;
		}
		cl = 1;
		if (k + 3 >= n)
			return RONDA_ELIMIT;
		snprintf(key + k, n - k, "%%%02X", p[i]);
		k += 3;
	}
	key[k] = '\0';
	return RONDA_OK;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int rot_state_unkey(const char *key, char *path, size_t n)
{
	size_t k = 0, ml = strlen(ROT_STATE_BYTES);
	const char *s = key;

	if (strncmp(key, ROT_STATE_BYTES, ml) == 0) {
		for (s = key + ml; *s; s++) {
			int c = (unsigned char)*s;

			if (c == '%') {
				if (hexval(s[1]) < 0 || hexval(s[2]) < 0)
					return RONDA_EPARSE;
				c = hexval(s[1]) * 16 + hexval(s[2]);
				s += 2;
			}
			if (c == 0 || k + 1 >= n)
				return c ? RONDA_ELIMIT : RONDA_EPARSE;
			path[k++] = (char)c;
		}
		path[k] = '\0';
	} else if (snprintf(path, n, "%s", key) >= (int)n) {
		return RONDA_ELIMIT;
	}
	return path[0] == '/' ? RONDA_OK : RONDA_EPARSE;
}

int rot_state_parse(const char *text, size_t n, json_t **logs, struct buf *why)
{
	json_error_t jerr;
	char path[PATH_MAX];
	json_t *root, *l, *v;
	const char *k;
	int r = RONDA_EPARSE;

	root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		buf_printf(why, "not JSON (%s, line %d)", jerr.text, jerr.line);
		return RONDA_EPARSE;
	}
	v = json_object_get(root, "ronda_rotate_state");
	l = json_object_get(root, "logs");
	if (!json_is_integer(v) || json_integer_value(v) != 1 || !json_is_object(l)) {
		buf_puts(why, "not a version 1 state file");
		goto out;
	}
	json_object_foreach(l, k, v) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    rot_state_unkey(k, path, sizeof(path)) != RONDA_OK) {
			buf_puts(why, "an entry is not an absolute path with a time");
			goto out;
		}
	}
	*logs = json_incref(l);
	r = RONDA_OK;
out:
	json_decref(root);
	return r;
}

static int take_lock(int dfd)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };

	for (int i = 0; i < LOCK_TRIES; i++) {
		if (flock(dfd, LOCK_EX | LOCK_NB) == 0)
			return RONDA_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return RONDA_ESYS;
		nanosleep(&tick, NULL);
	}
	errno = EWOULDBLOCK;
	return RONDA_ETIMEOUT;
}

int rot_state_open(const char *path, int lock, struct rot_state *s,
		   struct buf *why)
{
	char dir[PATH_MAX];
	struct buf text;
	struct stat st;
	int fd = -1, r;

	memset(s, 0, sizeof(*s));
	s->dfd = -1;
	buf_init(&text, STATE_MAX);
	r = split(path, dir, sizeof(dir), s->name, sizeof(s->name));
	if (r != RONDA_OK) {
		buf_printf(why, "bad state path %s", path);
		goto out;
	}
	r = fsafe_opendir(dir, &s->dfd, why);
	if (r != RONDA_OK && !lock && errno == ENOENT) {
		/* A dry run reads only: no directory yet is an empty state. */
		buf_truncate(why, 0);
		s->logs = json_object();
		r = s->logs ? RONDA_OK : RONDA_ENOMEM;
		goto out;
	}
	if (r != RONDA_OK)
		goto out;
	if (lock) {
		r = take_lock(s->dfd);
		if (r != RONDA_OK) {
			buf_printf(why, "%s: another rotation holds the lock", dir);
			goto out;
		}
		s->locked = 1;
	}
	fd = openat(s->dfd, s->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		s->logs = json_object();
		r = s->logs ? RONDA_OK : RONDA_ENOMEM;
		goto out;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    buf_read_fd(&text, fd) != RONDA_OK ||
	    rot_state_parse(buf_data(&text), buf_len(&text), &s->logs, why) != RONDA_OK) {
		if (!buf_len(why))
			buf_puts(why, fd < 0 ? strerror(errno) : "unreadable or not a regular file");
		/* Never stop rotating over it: start empty, rebuild, rewrite. */
		s->corrupt = 1;
		s->dirty = 1;
		s->logs = json_object();
	}
	r = s->logs ? RONDA_OK : RONDA_ENOMEM;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&text);
	if (r != RONDA_OK)
		rot_state_release(s);
	return r;
}

int rot_state_get(const struct rot_state *s, const char *log, double *t)
{
	char key[ROT_STATE_KEY_MAX];
	json_t *v;

	if (rot_state_key(log, key, sizeof(key)) != RONDA_OK)
		return RONDA_ENOTFOUND;
	v = json_object_get(s->logs, key);
	if (!json_is_number(v))
		return RONDA_ENOTFOUND;
	*t = json_number_value(v);
	return RONDA_OK;
}

int rot_state_set(struct rot_state *s, const char *log, double t)
{
	char key[ROT_STATE_KEY_MAX];

	if (rot_state_key(log, key, sizeof(key)) != RONDA_OK ||
	    json_object_set_new(s->logs, key, json_integer((json_int_t)t)) != 0)
		return RONDA_ENOMEM;
	s->dirty = 1;
	return RONDA_OK;
}

static int dump_to_buf(const char *p, size_t n, void *b)
{
	return buf_append(b, p, n) == RONDA_OK ? 0 : -1;
}

int rot_state_save(struct rot_state *s, struct buf *why)
{
	char tmp[NAME_MAX + 1];
	struct buf text;
	json_t *root;
	int r = RONDA_ENOMEM;

	if (!s->dirty)
		return RONDA_OK;
	if (snprintf(tmp, sizeof(tmp), ".%s%s", s->name, FSAFE_TMP) >= (int)sizeof(tmp))
		return RONDA_ELIMIT;
	buf_init(&text, BUF_DEFAULT_MAX);
	root = json_pack("{s:i, s:O}", "ronda_rotate_state", 1, "logs", s->logs);
	if (!root || json_dump_callback(root, dump_to_buf, &text,
					JSON_INDENT(1) | JSON_SORT_KEYS) != 0 ||
	    buf_putc(&text, '\n') != RONDA_OK)
		goto out;
	fsafe_drop_tmp(s->dfd, tmp);
	/* The one rename that replaces: the state file is ours, and the
	 * caller's flock on the directory keeps tmp ours alone. */
	r = file_replace_at(s->dfd, s->name, tmp, &text, 0600);
	if (r != RONDA_OK) {
		buf_printf(why, "writing the state file %s: %s", s->name, strerror(errno));
		goto out;
	}
	s->dirty = 0;
out:
	buf_release(&text);
	json_decref(root);
	return r;
}

void rot_state_release(struct rot_state *s)
{
	if (s->dfd >= 0)
		close(s->dfd);	/* drops the flock too */
	s->dfd = -1;
	json_decref(s->logs);
	s->logs = NULL;
}
