/*
 * policy.c - parse and apply /etc/ronda/agent.cfg; see policy.h.
 *
 * The file is opened with O_NOFOLLOW and checked through the descriptor, so
 * the file that was checked is the file that is read.
 */
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "banned.h"

#define POLICY_MAX ((size_t)256 << 10)

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void policy_release(struct policy *p)
{
	free_list(p->allow, p->n_allow);
	free_list(p->deny, p->n_deny);
	policy_init(p);
}

static int push(char ***v, size_t *n, const char *s, size_t len)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return RONDA_ENOMEM;
	*v = nv;
	nv[*n] = strndup(s, len);
	if (!nv[*n])
		return RONDA_ENOMEM;
	(*n)++;
	return RONDA_OK;
}

int policy_parse(const char *text, struct policy *p, struct buf *err)
{
	const char *line = text, *nl, *w, *e;
	size_t lineno = 0;
	int r;

	for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		e = nl ? nl : line + strlen(line);
		lineno++;
		while (line < e && (*line == ' ' || *line == '\t'))
			line++;
		while (e > line && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (line == e || *line == '#')
			continue;
		for (w = line; w < e && *w != ' ' && *w != '\t'; w++)
			;
		const char *arg = w;
		while (arg < e && (*arg == ' ' || *arg == '\t'))
			arg++;
		if ((size_t)(w - line) == 7 && !strncmp(line, "sandbox", 7)) {
			if ((size_t)(e - arg) == 8 && !strncmp(arg, "optional", 8))
				p->sandbox_optional = 1;
			else if ((size_t)(e - arg) == 8 && !strncmp(arg, "required", 8))
				p->sandbox_optional = 0;
			else {
				buf_printf(err, "line %zu: want \"sandbox required\" or \"sandbox optional\"",
					   lineno);
				return RONDA_ECONFIG;
			}
			continue;
		}
		if (arg == e || *arg != '/') {
			buf_printf(err, "line %zu: want \"allow|deny /absolute/path-or-glob\"", lineno);
			return RONDA_ECONFIG;
		}
		if ((size_t)(w - line) == 5 && !strncmp(line, "allow", 5))
			r = push(&p->allow, &p->n_allow, arg, (size_t)(e - arg));
		else if ((size_t)(w - line) == 4 && !strncmp(line, "deny", 4))
			r = push(&p->deny, &p->n_deny, arg, (size_t)(e - arg));
		else {
			buf_printf(err, "line %zu: unknown directive \"%.*s\" (allow, deny or sandbox)",
				   lineno, (int)(w - line), line);
			return RONDA_ECONFIG;
		}
		if (r != RONDA_OK)
			return r;
	}
	return RONDA_OK;
}

int policy_load(const char *path, struct policy *p, struct buf *err)
{
	struct policy np;
	struct stat st;
	struct buf text;
	ssize_t n;
	int fd, r = RONDA_ECONFIG;

	policy_init(&np);
	buf_init(&text, POLICY_MAX + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		*p = np;
		r = RONDA_OK;
		goto out;
	}
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022)) {
		buf_printf(err, "%s: must be a regular file owned by root, writable only by root",
			   path);
		goto out;
	}
	/* One byte past the limit tells a file that is too large from one
	 * that is exactly as large, whatever sizes the reads return. */
	for (;;) {
		size_t want = POLICY_MAX + 1 - buf_len(&text);

		if (want > 4096)
			want = 4096;
		if (buf_reserve(&text, want) != RONDA_OK) {
			buf_printf(err, "%s: out of memory", path);
			r = RONDA_ENOMEM;
			goto out;
		}
		n = read(fd, buf_space(&text), want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		buf_commit(&text, (size_t)n);
		if (buf_len(&text) > POLICY_MAX) {
			buf_printf(err, "%s: larger than %zu bytes", path, POLICY_MAX);
			goto out;
		}
	}
	r = policy_parse(buf_data(&text), &np, err);
	if (r != RONDA_OK) {
		policy_release(&np);
		goto out;
	}
	np.present = 1;
	*p = np;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&text);
	return r;
}

int policy_permits(const struct policy *p, const char *exe, const char **why)
{
	for (size_t i = 0; i < p->n_deny; i++) {
		if (fnmatch(p->deny[i], exe, 0) == 0) {
			*why = p->deny[i];
			return 0;
		}
	}
	if (!p->n_allow)
		return 1;
	for (size_t i = 0; i < p->n_allow; i++) {
		if (fnmatch(p->allow[i], exe, 0) == 0)
			return 1;
	}
	*why = "no allow line matches";
	return 0;
}
