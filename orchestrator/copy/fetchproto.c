/*
 * fetchproto.c - see fetchproto.h.  A state machine over the bytes as
 * they come; a header line is collected whole (bounded) before it is read.
 */
#include "fetchproto.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"
#include "manifest.h"
#include "banned.h"

#define START "\036RONDA fetch 1\n"
#define HEADER_MAX (FETCH_NAME_MAX + 128)

enum { FP_NOISE, FP_HEAD, FP_DATA, FP_TARGET, FP_END, FP_BAD };

int fetch_name_ok(const char *name, size_t len)
{
	size_t comp = 0;

	if (!len || len > FETCH_NAME_MAX || name[0] == '/')
		return 0;
	if (memchr(name, '\0', len) || memchr(name, '\n', len))
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '/') {
			continue;
		}
		/* name[comp, i) is one component */
		if (i == comp || i - comp > 255)
			return 0;
		if (name[comp] == '.' && (i - comp == 1 || (i - comp == 2 && name[comp + 1] == '.')))
			return 0;
		comp = i + 1;
	}
	return 1;
}

int fetch_parser_init(struct fetch_parser *p, const struct fetch_ops *ops, void *arg,
		      uint64_t max_bytes)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->arg = arg;
	p->max_bytes = max_bytes;
	p->state = FP_NOISE;
	buf_init(&p->line, FETCH_NOISE_MAX + sizeof(START));
	if (!(p->md = EVP_MD_CTX_new()))
		return RONDA_ENOMEM;
	return RONDA_OK;
}

void fetch_parser_release(struct fetch_parser *p)
{
	buf_release(&p->line);
	EVP_MD_CTX_free(p->md);
	p->md = NULL;
}

static int bad(struct fetch_parser *p, int rc, const char *why)
{
	snprintf(p->why, sizeof(p->why), "%s", why);
	p->state = FP_BAD;
	return rc;
}

/* Octal permission bits, 1-4 digits. */
static int parse_mode(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	if (!n || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -1;
		v = v * 8 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || n > 18 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Splits off the next space-ended field of [*s, end). */
static int field(const char **s, const char *end, const char **f, size_t *n)
{
	const char *sp = memchr(*s, ' ', (size_t)(end - *s));

	if (!sp)
		return -1;
	*f = *s;
	*n = (size_t)(sp - *s);
	*s = sp + 1;
	return 0;
}

static int sha_ok(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The name that ends a header, copied NUL-ended into out. */
static int take_name(struct fetch_parser *p, const char *s, const char *end, char *out)
{
	size_t n = (size_t)(end - s);

	if (!fetch_name_ok(s, n))
		return bad(p, RONDA_EPROTO, "the host sent an unsafe name");
	memcpy(out, s, n);
	out[n] = '\0';
	return RONDA_OK;
}

static int count_entry(struct fetch_parser *p)
{
	if (++p->entries > FETCH_MAX_ENTRIES)
		return bad(p, RONDA_ELIMIT, "the host sent more than 1000000 entries");
	return RONDA_OK;
}

/* One header line, without its newline. */
static int header(struct fetch_parser *p, const char *s, size_t len)
{
	const char *end = s + len, *f;
	char name[FETCH_NAME_MAX + 1];
	unsigned mode;
	uint64_t size;
	size_t n;
	int r;

	if (len == 1 && s[0] == 'Z') {
		p->state = FP_END;
		return RONDA_OK;
	}
	if (len < 2 || s[1] != ' ')
		return bad(p, RONDA_EPROTO, "the host sent a bad header");
	switch (s[0]) {
	case 'X':
		return p->ops->note(p->arg, s + 2, len - 2);
	case 'D':
		s += 2;
		if (field(&s, end, &f, &n) || parse_mode(f, n, &mode))
			return bad(p, RONDA_EPROTO, "the host sent a bad directory header");
		if ((r = take_name(p, s, end, name)) || (r = count_entry(p)))
			return r;
		return p->ops->dir(p->arg, name, mode);
	case 'L':
		if ((r = take_name(p, s + 2, end, p->link_name)) || (r = count_entry(p)))
			return r;
		p->state = FP_TARGET;
		return RONDA_OK;
	case 'F':
		s += 2;
		if (field(&s, end, &f, &n) || parse_mode(f, n, &mode) ||
		    field(&s, end, &f, &n) || parse_size(f, n, &size) ||
		    field(&s, end, &f, &n) || !sha_ok(f, n))
			return bad(p, RONDA_EPROTO, "the host sent a bad file header");
		memcpy(p->sha, f, 64);
		p->sha[64] = '\0';
		if ((r = take_name(p, s, end, name)) || (r = count_entry(p)))
			return r;
		if (size > p->max_bytes - p->bytes) {
			snprintf(p->why, sizeof(p->why), "the files pass --max-size (%llu bytes)",
				 (unsigned long long)p->max_bytes);
			p->state = FP_BAD;
			return RONDA_ELIMIT;
		}
		p->bytes += size;
		p->left = size;
		if (!EVP_DigestInit_ex(p->md, EVP_sha256(), NULL))
			return RONDA_ENOMEM;
		p->state = FP_DATA;
		if ((r = p->ops->file_begin(p->arg, name, mode, size)))
			return r;
		return size ? RONDA_OK : RONDA_EAGAIN;	/* empty: ends at once */
	}
	return bad(p, RONDA_EPROTO, "the host sent a bad header");
}

static int file_done(struct fetch_parser *p)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char hex[65];

	if (!EVP_DigestFinal_ex(p->md, md, &mdlen) || mdlen != 32)
		return RONDA_ENOMEM;
	copy_hex(md, hex);
	p->state = FP_HEAD;
	return p->ops->file_end(p->arg, strcmp(hex, p->sha) == 0);
}

int fetch_parser_feed(struct fetch_parser *p, const char *data, size_t n)
{
	const char *end = data + n;
	int r;

	while (data < end) {
		switch (p->state) {
		case FP_NOISE: {
			const char *s;
			size_t k, old = buf_len(&p->line), take = (size_t)(end - data);

			/* look for the start line across the noise kept so far */
			if (take > FETCH_NOISE_MAX + sizeof(START) - buf_len(&p->line))
				take = FETCH_NOISE_MAX + sizeof(START) - buf_len(&p->line);
			if ((r = buf_append(&p->line, data, take)))
				return r;
			data += take;
			s = buf_data(&p->line);
			/* from where a start line cut by the last chunk could begin */
			k = old > sizeof(START) - 2 ? old - (sizeof(START) - 2) : 0;
			for (; k + sizeof(START) - 1 <= buf_len(&p->line); k++)
				if (memcmp(s + k, START, sizeof(START) - 1) == 0)
					break;
			if (k + sizeof(START) - 1 <= buf_len(&p->line)) {
				size_t after = k + sizeof(START) - 1, rest = buf_len(&p->line) - after;

				/* what followed the start line is the stream: go again */
				p->state = FP_HEAD;
				data -= rest;
				buf_reset(&p->line);
				break;
			}
			if (buf_len(&p->line) >= FETCH_NOISE_MAX + sizeof(START) - 1)
				return bad(p, RONDA_EPROTO, "no fetch stream in the first 64 KiB of output");
			break;
		}
		case FP_HEAD:
		case FP_TARGET: {
			const char *nl = memchr(data, '\n', (size_t)(end - data));
			size_t take = nl ? (size_t)(nl - data) : (size_t)(end - data);

			if (buf_len(&p->line) + take > HEADER_MAX)
				return bad(p, RONDA_EPROTO, "the host sent a header line past 4 KiB");
			if ((r = buf_append(&p->line, data, take)))
				return r;
			data += take;
			if (!nl)
				break;
			data++;
			if (memchr(buf_data(&p->line), '\0', buf_len(&p->line)))
				return bad(p, RONDA_EPROTO, "the host sent a NUL in a header");
			if (p->state == FP_TARGET) {
				size_t tl = buf_len(&p->line);

				if (!tl || tl > FETCH_NAME_MAX)
					return bad(p, RONDA_EPROTO, "the host sent a bad link target");
				p->state = FP_HEAD;
				r = p->ops->link(p->arg, p->link_name, buf_data(&p->line));
			} else {
				r = header(p, buf_data(&p->line), buf_len(&p->line));
			}
			buf_reset(&p->line);
			if (r == RONDA_EAGAIN)
				r = file_done(p);
			if (r)
				return r;
			break;
		}
		case FP_DATA: {
			size_t take = (size_t)(end - data);

			if (take > p->left)
				take = (size_t)p->left;
			if (!EVP_DigestUpdate(p->md, data, take))
				return RONDA_ENOMEM;
			if ((r = p->ops->file_data(p->arg, data, take)))
				return r;
			data += take;
			p->left -= take;
			if (!p->left && (r = file_done(p)))
				return r;
			break;
		}
		case FP_END:
			return bad(p, RONDA_EPROTO, "the host sent bytes after the end of the stream");
		default:
			return RONDA_EPROTO;
		}
	}
	return RONDA_OK;
}

int fetch_parser_finish(struct fetch_parser *p)
{
	if (p->state == FP_END)
		return RONDA_OK;
	if (p->state == FP_BAD)
		return RONDA_EPROTO;
	if (p->state == FP_NOISE)
		return bad(p, RONDA_EPROTO, "the fetch script did not start");
	return bad(p, RONDA_EPROTO, "the stream was cut short");
}
