/*
 * agent_bin.c - the agent's bytes, loaded once per run; see agent_bin.h.
 */
#include "agent_bin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "banned.h"

#define AGENT_MAX ((size_t)64 << 20)

void agent_bin_release(struct agent_bin *a)
{
	free(a->path);
	free(a->data);
	memset(a, 0, sizeof(*a));
}

int agent_bin_load(const char *path, struct agent_bin *out, struct buf *err)
{
	char self[PATH_MAX], *slash;
	struct buf data, p;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int fd = -1, r;
	ssize_t n;

	buf_init(&data, AGENT_MAX);
	buf_init(&p, PATH_MAX);
	if (path) {
		r = buf_puts(&p, path);
	} else {
		/* installed beside ronda: same directory as /proc/self/exe */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0) {
			buf_printf(err, "cannot find ronda-agent: /proc/self/exe: %s", strerror(errno));
			r = RONDA_ESYS;
			goto out;
		}
		self[n] = '\0';
		slash = strrchr(self, '/');
		r = buf_printf(&p, "%.*s/ronda-agent", slash ? (int)(slash - self) : 1,
			       slash ? self : ".");
	}
	if (r)
		goto out;
	fd = open(buf_data(&p), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "agent %s: %s (use --agent FILE)", buf_data(&p), strerror(errno));
		r = RONDA_ESYS;
		goto out;
	}
	r = buf_read_fd(&data, fd);
	if (r) {
		buf_printf(err, "agent %s: %s", buf_data(&p),
			   r == RONDA_ESYS ? strerror(errno) : ronda_strerror(r));
		goto out;
	}
	if (buf_len(&data) < 4 || memcmp(buf_data(&data), "\177ELF", 4)) {
		buf_printf(err, "agent %s: not an ELF executable", buf_data(&p));
		r = RONDA_EINVAL;
		goto out;
	}
	if (!EVP_Digest(buf_data(&data), buf_len(&data), md, &mdlen, EVP_sha256(), NULL)) {
		r = RONDA_EINVAL;
		goto out;
	}
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(out->sha256 + 2 * i, 3, "%02x", md[i]);
	out->len = buf_len(&data);
	out->data = data.mem;
	out->path = strdup(buf_data(&p));
	buf_init(&data, AGENT_MAX);	/* ownership moved to out */
	r = out->path ? RONDA_OK : RONDA_ENOMEM;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&data);
	buf_release(&p);
	return r;
}
