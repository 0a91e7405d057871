/*
 * agent_bin.c - the agents' bytes, loaded once per run; see agent_bin.h.
 */
#include "agent_bin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "err.h"
#include "banned.h"

#define AGENT_MAX ((size_t)64 << 20)

/* e_machine values (elf.h) and the names uname -m gives them. */
static const struct {
	unsigned machine;
	const char *arch;
} arches[] = {
	{ 62, "x86_64" },	/* EM_X86_64 */
	{ 183, "aarch64" },	/* EM_AARCH64 */
};

const char *agent_elf_arch(const char *data, size_t len)
{
	const unsigned char *e = (const unsigned char *)data;
	unsigned m;

	/* 64-bit, little-endian: e_machine is the half word at 18 */
	if (len < 20 || memcmp(e, "\177ELF", 4) || e[4] != 2 || e[5] != 1)
		return NULL;
	m = e[18] | (unsigned)e[19] << 8;
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].machine == m)
			return arches[i].arch;
	return NULL;
}

static void bin_release(struct agent_bin *a)
{
	free(a->path);
	free(a->data);
	free(a->gz);
	memset(a, 0, sizeof(*a));
}

void agent_set_release(struct agent_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		bin_release(&s->v[i]);
	s->n = 0;
}

/* Reads one agent; a missing file is RONDA_ENOTFOUND with errno ENOENT. */
static int bin_load(const char *path, struct agent_bin *out, struct buf *err)
{
	struct buf data;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int fd, r;

	buf_init(&data, AGENT_MAX);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ENOENT ? RONDA_ENOTFOUND : RONDA_ESYS;
		buf_printf(err, "agent %s: %s (use --agent FILE)", path, strerror(errno));
		goto out;
	}
	r = buf_read_fd(&data, fd);
	if (r) {
		buf_printf(err, "agent %s: %s", path,
			   r == RONDA_ESYS ? strerror(errno) : ronda_strerror(r));
		goto out;
	}
	if (buf_len(&data) < 4 || memcmp(buf_data(&data), "\177ELF", 4)) {
		buf_printf(err, "agent %s: not an ELF executable", path);
		r = RONDA_EINVAL;
		goto out;
	}
	out->arch = agent_elf_arch(buf_data(&data), buf_len(&data));
	if (!out->arch) {
		buf_printf(err, "agent %s: an ELF for an architecture ronda does not know", path);
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
	out->path = strdup(path);
	buf_init(&data, AGENT_MAX);	/* ownership moved to out */
	r = out->path ? RONDA_OK : RONDA_ENOMEM;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&data);
	return r;
}

/* Adds the agent at path; dup is an error (two for one architecture). */
static int set_add(struct agent_set *s, const char *path, struct buf *err)
{
	struct agent_bin a;
	int r;

	if (s->n == AGENT_ARCH_MAX) {
		buf_printf(err, "agent %s: at most %d agents", path, AGENT_ARCH_MAX);
		return RONDA_ELIMIT;
	}
	memset(&a, 0, sizeof(a));
	r = bin_load(path, &a, err);
	if (r)
		return r;
	if (agent_set_find(s, a.arch, strlen(a.arch))) {
		buf_printf(err, "agent %s: a second agent for %s (the first: %s)", path, a.arch,
			   agent_set_find(s, a.arch, strlen(a.arch))->path);
		bin_release(&a);
		return RONDA_EINVAL;
	}
	s->v[s->n++] = a;
	return RONDA_OK;
}

int agent_set_load(struct agent_set *s, const char *const *paths, size_t n, struct buf *err)
{
	char self[PATH_MAX];
	struct buf p;
	ssize_t len;
	size_t dir;
	int r = RONDA_OK;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n && r == RONDA_OK; i++)
		r = set_add(s, paths[i], err);
	if (n)
		goto out;
	/* installed beside ronda: same directory as /proc/self/exe */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0) {
		buf_printf(err, "cannot find ronda-agent: /proc/self/exe: %s", strerror(errno));
		return RONDA_ESYS;
	}
	self[len] = '\0';
	dir = strrchr(self, '/') ? (size_t)(strrchr(self, '/') - self) : 0;
	buf_init(&p, PATH_MAX);
	r = buf_printf(&p, "%.*s/ronda-agent", (int)dir, dir ? self : ".");
	if (r == RONDA_OK)
		r = set_add(s, buf_data(&p), err);
	for (size_t i = 0; r == RONDA_OK && i < sizeof(arches) / sizeof(arches[0]); i++) {
		if (agent_set_find(s, arches[i].arch, strlen(arches[i].arch)))
			continue;
		buf_reset(&p);
		r = buf_printf(&p, "%.*s/ronda-agent.%s", (int)dir, dir ? self : ".",
			       arches[i].arch);
		if (r == RONDA_OK)
			r = set_add(s, buf_data(&p), err);
		if (r == RONDA_ENOTFOUND) {	/* not built for that one */
			buf_reset(err);
			r = RONDA_OK;
		}
	}
	buf_release(&p);
out:
	if (r)
		agent_set_release(s);
	return r;
}

struct agent_bin *agent_set_find(struct agent_set *s, const char *arch, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i].arch) == len && memcmp(s->v[i].arch, arch, len) == 0)
			return &s->v[i];
	return NULL;
}

int agent_bin_gzip(struct agent_bin *a)
{
	z_stream z;
	size_t cap;
	char *out = NULL;
	int r = RONDA_ENOMEM, zr;

	if (a->gz)
		return RONDA_OK;
	if (a->gz_failed)
		return RONDA_EINVAL;
	memset(&z, 0, sizeof(z));
	/*
	 * windowBits 15 + 16: a gzip stream, what gzip -d reads.  Level 6:
	 * the musl agent in 22 ms of CPU instead of 66 at 9, in the loop
	 * while the first host waits, for 960 bytes more (234,742); hosts
	 * unpack either as fast.
	 */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		goto out;
	cap = deflateBound(&z, (uLong)a->len);
	out = malloc(cap);
	if (out) {
		z.next_in = (Bytef *)a->data;
		z.avail_in = (uInt)a->len;
		z.next_out = (Bytef *)out;
		z.avail_out = (uInt)cap;
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_END) {
			a->gz = out;
			a->gzlen = cap - z.avail_out;
			out = NULL;
			r = RONDA_OK;
		}
	}
	deflateEnd(&z);
out:
	free(out);
	if (r)
		a->gz_failed = 1;
	return r;
}
