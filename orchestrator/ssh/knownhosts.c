/*
 * knownhosts.c - see knownhosts.h.
 *
 * Entries are kept as parsed lines: a list of host patterns (or one hashed
 * name), the key type taken from the blob itself, and the blob.  A check
 * walks all entries; the file is small next to the cost of one SSH
 * handshake, and a few thousand entries take microseconds to scan.
 */
#include "knownhosts.h"

#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "grow.h"
#include "sshwire.h"
#include "banned.h"

#define KH_MAX_FILE ((size_t)64 << 20)
#define KH_MAX_BLOB 16384

enum kh_marker { MARK_NONE, MARK_REVOKED, MARK_CA };

struct kh_entry {
	char *patterns;		/* comma list, or NULL when hashed */
	unsigned char salt[64], hash[64];
	size_t saltlen, hashlen;
	enum kh_marker marker;
	size_t lineno;		/* in the file; 0 for entries added in memory */
	unsigned char *blob;
	size_t bloblen;
	int is_new;		/* added by accept-new, not yet saved */
	char *line;		/* for new entries: the line to write */
};

/*
 * Lookups by name would scan every entry for every host: O(hosts x lines),
 * 15 % of a 5,000-host run.  So entries whose patterns are all literal
 * names are indexed by each name (lower case, as OpenSSH compares), in a
 * sorted array; the rest (hashed, wildcards, negations) are scanned.  A
 * lookup walks both in file order.
 */
struct kh_key {
	char *name;
	size_t idx;		/* into v; ascending within a name */
};

struct knownhosts {
	char *path;
	struct kh_entry *v;
	size_t n, alloc;
	struct kh_key *keys;	/* sorted by name, then idx */
	size_t nkeys, akeys;
	size_t *scan;		/* idx of the entries not indexed, ascending */
	size_t nscan, ascan;
};

static void entry_release(struct kh_entry *e)
{
	free(e->patterns);
	free(e->blob);
	free(e->line);
}

void knownhosts_free(struct knownhosts *kh)
{
	if (!kh)
		return;
	for (size_t i = 0; i < kh->n; i++)
		entry_release(&kh->v[i]);
	for (size_t i = 0; i < kh->nkeys; i++)
		free(kh->keys[i].name);
	free(kh->keys);
	free(kh->scan);
	free(kh->v);
	free(kh->path);
	free(kh);
}

int knownhosts_key_type(const unsigned char *b, size_t n, const unsigned char **t,
			size_t *tlen)
{
	struct sshwire w;

	sshwire_init(&w, b, n);
	if (sshwire_string(&w, t, tlen) || *tlen == 0)
		return RONDA_EPARSE;
	return RONDA_OK;
}

static int same_type(const unsigned char *a, size_t an, const unsigned char *b,
		     size_t bn)
{
	const unsigned char *ta, *tb;
	size_t la, lb;

	if (knownhosts_key_type(a, an, &ta, &la) || knownhosts_key_type(b, bn, &tb, &lb))
		return 0;
	return la == lb && memcmp(ta, tb, la) == 0;
}

/* Splits "|1|salt|hash" into its decoded parts. */
static int parse_hashed(const char *f, size_t n, struct kh_entry *e)
{
	const char *bar;

	if (n < 3 || memcmp(f, "|1|", 3))
		return RONDA_EPARSE;
	bar = memchr(f + 3, '|', n - 3);
	if (!bar)
		return RONDA_EPARSE;
	if (sshwire_b64_decode(f + 3, (size_t)(bar - f - 3), e->salt, sizeof(e->salt), &e->saltlen) ||
	    sshwire_b64_decode(bar + 1, n - (size_t)(bar + 1 - f), e->hash, sizeof(e->hash), &e->hashlen) ||
	    e->hashlen != 20)
		return RONDA_EPARSE;
	return RONDA_OK;
}

static int next_field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return RONDA_EPARSE;
	*f = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*n = (size_t)(s - *f);
	*p = s;
	return RONDA_OK;
}

/* Parses one line into e.  RONDA_ENOTFOUND for lines to skip quietly. */
static int parse_line(const char *line, size_t len, struct kh_entry *e)
{
	const char *p = line, *end = line + len, *f;
	size_t n;
	unsigned char *blob = NULL;
	size_t bloblen;
	const unsigned char *t;
	size_t tlen;
	int r = RONDA_EPARSE;

	memset(e, 0, sizeof(*e));
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return RONDA_ENOTFOUND;
	if (next_field(&p, end, &f, &n))
		goto out;
	if (*f == '@') {
		if (n == 8 && memcmp(f, "@revoked", 8) == 0)
			e->marker = MARK_REVOKED;
		else if (n == 15 && memcmp(f, "@cert-authority", 15) == 0)
			e->marker = MARK_CA;
		else
			goto out;
		if (next_field(&p, end, &f, &n))
			goto out;
	}
	if (*f == '|') {
		if (parse_hashed(f, n, e))
			goto out;
	} else {
		e->patterns = strndup(f, n);
		if (!e->patterns) {
			r = RONDA_ENOMEM;
			goto out;
		}
	}
	/* key type field, then base64 blob */
	if (next_field(&p, end, &f, &n))
		goto out;
	{
		const char *kt = f;
		size_t ktn = n;

		if (next_field(&p, end, &f, &n))
			goto out;
		/* sized to the text: a file of many keys must not hold 16 KiB each */
		size_t cap = n / 4 * 3 + 3 < KH_MAX_BLOB ? n / 4 * 3 + 3 : KH_MAX_BLOB;

		blob = malloc(cap);
		if (!blob) {
			r = RONDA_ENOMEM;
			goto out;
		}
		if (sshwire_b64_decode(f, n, blob, cap, &bloblen) ||
		    knownhosts_key_type(blob, bloblen, &t, &tlen) || tlen != ktn ||
		    memcmp(t, kt, ktn))
			goto out;
	}
	e->blob = blob;
	e->bloblen = bloblen;
	blob = NULL;
	r = RONDA_OK;
out:
	free(blob);
	if (r != RONDA_OK) {
		free(e->patterns);
		e->patterns = NULL;
	}
	return r;
}

static int name_cmp(const char *a, size_t an, const char *b)
{
	int c = strncmp(a, b, an);

	return c ? c : b[an] ? -1 : 0;
}

/* The first key whose name is not below name[0..n) (upper: above). */
static size_t key_bound(const struct knownhosts *kh, const char *name, size_t n, int upper)
{
	size_t lo = 0, hi = kh->nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(name, n, kh->keys[mid].name);

		if (c > 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Indexes v[idx] (the newest entry) by its names, or lists it for scans. */
static int index_entry(struct knownhosts *kh, size_t idx)
{
	const char *p = kh->v[idx].patterns;

	if (!p || strpbrk(p, "*?!")) {
		if (GROW(kh->scan, kh->nscan, kh->ascan, 64))
			return RONDA_ENOMEM;
		kh->scan[kh->nscan++] = idx;
		return RONDA_OK;
	}
	while (*p) {
		size_t n = strcspn(p, ","), at;
		char *name = strndup(p, n);

		if (!name || GROW(kh->keys, kh->nkeys, kh->akeys, 64)) {
			free(name);
			return RONDA_ENOMEM;
		}
		for (size_t i = 0; i < n; i++)
			name[i] = (char)tolower((unsigned char)name[i]);
		/* idx is the largest so far: after the same name's keys */
		at = key_bound(kh, name, n, 1);
		memmove(&kh->keys[at + 1], &kh->keys[at], (kh->nkeys - at) * sizeof(*kh->keys));
		kh->keys[at].name = name;
		kh->keys[at].idx = idx;
		kh->nkeys++;
		p += n + (p[n] == ',');
	}
	return RONDA_OK;
}

/* On success kh owns e's memory; else the caller still does. */
static int push(struct knownhosts *kh, const struct kh_entry *e)
{
	if (GROW(kh->v, kh->n, kh->alloc, 64))
		return RONDA_ENOMEM;
	kh->v[kh->n++] = *e;
	if (index_entry(kh, kh->n - 1)) {
		/* out of memory midway: no key may name the slot given back */
		size_t k = 0;

		kh->n--;
		for (size_t i = 0; i < kh->nkeys; i++) {
			if (kh->keys[i].idx == kh->n)
				free(kh->keys[i].name);
			else
				kh->keys[k++] = kh->keys[i];
		}
		kh->nkeys = k;
		return RONDA_ENOMEM;
	}
	return RONDA_OK;
}

/* The file's text; RONDA_ENOTFOUND if it does not exist. */
static int read_file(const char *path, struct buf *b)
{
	int r = buf_read_file(b, path);

	return r == RONDA_ESYS && errno == ENOENT ? RONDA_ENOTFOUND : r;
}

/* Parses every line of text into kh; counts bad lines. */
static int parse_all(struct knownhosts *kh, const char *text, size_t len, size_t *bad)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct kh_entry e;
		int r;

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		r = parse_line(p, n, &e);
		if (r == RONDA_OK) {
			e.lineno = lineno;
			r = push(kh, &e);
			if (r) {
				entry_release(&e);
				return r;
			}
		} else if (r == RONDA_EPARSE) {
			(*bad)++;
			log_debug("%s:%zu: unreadable known_hosts line skipped",
				  kh->path, lineno);
		} else if (r != RONDA_ENOTFOUND) {
			return r;
		}
		p = nl ? nl + 1 : end;
	}
	return RONDA_OK;
}

int knownhosts_load(const char *path, struct knownhosts **out, size_t *bad)
{
	struct knownhosts *kh = calloc(1, sizeof(*kh));
	struct buf b;
	int r = RONDA_ENOMEM;

	buf_init(&b, KH_MAX_FILE);
	*bad = 0;
	if (!kh)
		goto out;
	kh->path = strdup(path);
	if (!kh->path)
		goto out;
	r = read_file(path, &b);
	if (r == RONDA_ENOTFOUND)
		r = RONDA_OK;
	if (r)
		goto out;
	r = parse_all(kh, buf_data(&b), buf_len(&b), bad);
out:
	buf_release(&b);
	if (r) {
		knownhosts_free(kh);
		return r;
	}
	*out = kh;
	return RONDA_OK;
}

int knownhosts_load_more(struct knownhosts *kh, const char *path, size_t *bad)
{
	struct buf b;
	int r;

	buf_init(&b, KH_MAX_FILE);
	*bad = 0;
	r = read_file(path, &b);
	if (r == RONDA_ENOTFOUND)
		r = RONDA_OK;
	else if (r == RONDA_OK)
		r = parse_all(kh, buf_data(&b), buf_len(&b), bad);
	buf_release(&b);
	return r;
}

/* The name as it appears in known_hosts: "host", or "[host]:port". */
static int host_name(const char *host, unsigned port, char *out, size_t cap)
{
	int n = port == 22 ? snprintf(out, cap, "%s", host)
			   : snprintf(out, cap, "[%s]:%u", host, port);

	return n < 0 || (size_t)n >= cap ? RONDA_ELIMIT : RONDA_OK;
}

/*
 * OpenSSH host patterns know only '*' and '?', compared without case; '['
 * is literal ("[host]:port"), so fnmatch(3) would be wrong here.
 */
static int wild_match(const char *pat, size_t plen, const char *s)
{
	size_t p = 0, star = (size_t)-1;
	const char *retry = NULL;

	while (*s) {
		if (p < plen && pat[p] == '*') {
			star = p++;
			retry = s;
		} else if (p < plen && (pat[p] == '?' ||
			   tolower((unsigned char)pat[p]) == tolower((unsigned char)*s))) {
			p++;
			s++;
		} else if (star != (size_t)-1) {
			/* let the last '*' swallow one more character */
			p = star + 1;
			s = ++retry;
		} else {
			return 0;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* OpenSSH pattern lists: any positive match, and no negated match. */
static int patterns_match(const char *list, const char *name)
{
	const char *p = list;
	int hit = 0;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		int neg = n && *p == '!';

		if (wild_match(p + neg, n - (size_t)neg, name)) {
			if (neg)
				return 0;
			hit = 1;
		}
		p = comma ? comma + 1 : p + n;
	}
	return hit;
}

static int hashed_match(const struct kh_entry *e, const char *name)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!HMAC(EVP_sha1(), e->salt, (int)e->saltlen,
		  (const unsigned char *)name, strlen(name), md, &mdlen))
		return 0;
	return mdlen == e->hashlen && CRYPTO_memcmp(md, e->hash, mdlen) == 0;
}

static int entry_matches(const struct kh_entry *e, const char *name)
{
	return e->patterns ? patterns_match(e->patterns, name) : hashed_match(e, name);
}

/* The entries that match a name, in file order: kh_first, then kh_next. */
struct kh_iter {
	const struct knownhosts *kh;
	const char *name;
	size_t k, k_end, s, last;
};

static const struct kh_entry *kh_next(struct kh_iter *it)
{
	const struct knownhosts *kh = it->kh;

	for (;;) {
		size_t ki = it->k < it->k_end ? kh->keys[it->k].idx : SIZE_MAX;
		size_t si = it->s < kh->nscan ? kh->scan[it->s] : SIZE_MAX;

		if (ki == SIZE_MAX && si == SIZE_MAX)
			return NULL;
		if (ki < si) {
			it->k++;
			if (ki == it->last)	/* "a,a": one entry, once */
				continue;
			it->last = ki;
			return &kh->v[ki];
		}
		it->s++;
		if (entry_matches(&kh->v[si], it->name))
			return &kh->v[si];
	}
}

static const struct kh_entry *kh_first(struct kh_iter *it, const struct knownhosts *kh,
				       const char *name)
{
	char low[1100];
	size_t n = strlen(name);

	it->kh = kh;
	it->name = name;
	it->s = 0;
	it->last = SIZE_MAX;
	it->k = it->k_end = 0;
	if (n < sizeof(low)) {
		for (size_t i = 0; i <= n; i++)
			low[i] = (char)tolower((unsigned char)name[i]);
		it->k = key_bound(kh, low, n, 0);
		it->k_end = key_bound(kh, low, n, 1);
	}
	return kh_next(it);
}

/* One name's verdict, as OpenSSH's check_key_in_hostkeys gives it. */
static enum kh_result check_name(const struct knownhosts *kh, const char *name,
				 const unsigned char *key, size_t keylen)
{
	int found = 0, changed = 0, other = 0;
	struct kh_iter it;

	for (const struct kh_entry *e = kh_first(&it, kh, name); e; e = kh_next(&it)) {
		int same = e->bloblen == keylen && memcmp(e->blob, key, keylen) == 0;

		/* @revoked counts only for the names its patterns match; a CA's
		   key is not the host's own. */
		if (e->marker == MARK_CA)
			continue;
		if (e->marker == MARK_REVOKED) {
			if (same)
				return KH_REVOKED;
			continue;
		}
		if (same)
			found = 1;
		else if (same_type(e->blob, e->bloblen, key, keylen))
			changed = 1;
		else
			other = 1;
	}
	if (found)
		return KH_OK;
	if (changed)
		return KH_CHANGED;
	return other ? KH_OTHER_TYPE : KH_UNKNOWN;
}

/*
 * OpenSSH 9.2 (sshconnect.c, "checking without port identifier"): when
 * "[host]:port" has no entry at all, the plain "host" entry may vouch for
 * the key; anything else it says leaves the key unknown.  A key revoked
 * under "host" is refused here too, where ssh's accept-new would record it.
 */
enum kh_result knownhosts_check(const struct knownhosts *kh, const char *host,
				unsigned port, const unsigned char *key,
				size_t keylen)
{
	char name[1100];
	enum kh_result r, plain;

	if (host_name(host, port, name, sizeof(name)))
		return KH_UNKNOWN;
	r = check_name(kh, name, key, keylen);
	if (r != KH_UNKNOWN || port == 22)
		return r;
	plain = check_name(kh, host, key, keylen);
	return plain == KH_OK || plain == KH_REVOKED ? plain : KH_UNKNOWN;
}

/* The first @cert-authority line whose patterns match name, or 0. */
static size_t ca_line(const struct knownhosts *kh, const char *name)
{
	struct kh_iter it;

	for (const struct kh_entry *e = kh_first(&it, kh, name); e; e = kh_next(&it)) {
		if (e->marker == MARK_CA)
			return e->lineno;
	}
	return 0;
}

/*
 * As for keys, "[host]:port" first, then the plain name: ssh retries
 * without the port for a key it does not know, CA lines included.
 */
int knownhosts_ca(const struct knownhosts *kh, const char *host, unsigned port,
		  size_t *line)
{
	char name[1100];
	size_t l;

	if (host_name(host, port, name, sizeof(name)))
		return 0;
	l = ca_line(kh, name);
	if (!l && port != 22)
		l = ca_line(kh, host);
	if (!l)
		return 0;
	*line = l;
	return 1;
}

/* Appends the key types of name's entries to out, each once. */
static int types_of(const struct knownhosts *kh, const char *name, struct buf *out)
{
	struct kh_iter it;

	for (const struct kh_entry *e = kh_first(&it, kh, name); e; e = kh_next(&it)) {
		const unsigned char *t;
		size_t tlen;
		int r;

		if (e->marker != MARK_NONE ||
		    knownhosts_key_type(e->blob, e->bloblen, &t, &tlen) ||
		    knownhosts_list_has(buf_len(out) ? buf_data(out) : "",
					(const char *)t, tlen))
			continue;
		r = buf_printf(out, "%s%.*s", buf_len(out) ? "," : "", (int)tlen,
			       (const char *)t);
		if (r)
			return r;
	}
	return RONDA_OK;
}

int knownhosts_types(const struct knownhosts *kh, const char *host,
		     unsigned port, struct buf *out)
{
	char name[1100];
	size_t before = buf_len(out);
	int r = host_name(host, port, name, sizeof(name));

	if (r == RONDA_OK)
		r = types_of(kh, name, out);
	/* the plain name counts only when "[host]:port" has no entry */
	if (r == RONDA_OK && port != 22 && buf_len(out) == before)
		r = types_of(kh, host, out);
	return r;
}

int knownhosts_list_has(const char *list, const char *word, size_t n)
{
	const char *p = list;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && memcmp(p, word, n) == 0)
			return 1;
		p = comma ? comma + 1 : p + len;
	}
	return 0;
}

int knownhosts_add(struct knownhosts *kh, const char *host, unsigned port,
		   const unsigned char *key, size_t keylen)
{
	char name[1100];
	struct kh_entry e;
	struct buf line;
	const unsigned char *t;
	size_t tlen;
	char *b64 = NULL;
	int r;

	memset(&e, 0, sizeof(e));
	buf_init(&line, 65536);
	r = host_name(host, port, name, sizeof(name));
	if (r)
		goto out;
	r = RONDA_EINVAL;
	if (keylen > KH_MAX_BLOB || knownhosts_key_type(key, keylen, &t, &tlen))
		goto out;
	r = RONDA_ENOMEM;
	b64 = malloc(4 * ((keylen + 2) / 3) + 1);
	e.patterns = strdup(name);
	e.blob = malloc(keylen);
	if (!b64 || !e.patterns || !e.blob)
		goto out;
	EVP_EncodeBlock((unsigned char *)b64, key, (int)keylen);
	memcpy(e.blob, key, keylen);
	e.bloblen = keylen;
	e.is_new = 1;
	r = buf_printf(&line, "%s %.*s %s\n", name, (int)tlen, (const char *)t, b64);
	if (r)
		goto out;
	e.line = strdup(buf_data(&line));
	if (!e.line) {
		r = RONDA_ENOMEM;
		goto out;
	}
	r = push(kh, &e);
out:
	free(b64);
	buf_release(&line);
	if (r)
		entry_release(&e);
	return r;
}

size_t knownhosts_pending(const struct knownhosts *kh)
{
	size_t n = 0;

	for (size_t i = 0; i < kh->n; i++)
		n += kh->v[i].is_new;
	return n;
}

/* Whether kh already holds key under the known_hosts name. */
static int has_key(const struct knownhosts *kh, const char *name,
		   const unsigned char *key, size_t keylen)
{
	struct kh_iter it;

	for (const struct kh_entry *e = kh_first(&it, kh, name); e; e = kh_next(&it)) {
		if (e->marker == MARK_NONE && e->bloblen == keylen &&
		    memcmp(e->blob, key, keylen) == 0)
			return 1;
	}
	return 0;
}

/*
 * Appends the new entries that the file does not hold yet.  Like ssh, the
 * file is opened through a symlink and only ever appended to, never
 * rewritten; a lock on the file itself serialises concurrent ronda runs,
 * which re-read it under the lock so that a key is written once.
 */
int knownhosts_save(struct knownhosts *kh)
{
	struct buf cur, add;
	struct knownhosts *disk = NULL;
	size_t bad = 0, added = 0;
	int fd = -1, r;

	buf_init(&cur, KH_MAX_FILE);
	buf_init(&add, KH_MAX_FILE);
	if (!knownhosts_pending(kh))
		return RONDA_OK;
	fd = open(kh->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		r = RONDA_ESYS;
		goto out;
	}
	r = buf_read_fd(&cur, fd);
	if (r)
		goto out;
	disk = calloc(1, sizeof(*disk));
	if (!disk || !(disk->path = strdup(kh->path))) {
		r = RONDA_ENOMEM;
		goto out;
	}
	r = parse_all(disk, buf_data(&cur), buf_len(&cur), &bad);
	if (r)
		goto out;
	if (buf_len(&cur) && buf_data(&cur)[buf_len(&cur) - 1] != '\n' &&
	    (r = buf_putc(&add, '\n')))
		goto out;
	for (size_t i = 0; i < kh->n; i++) {
		struct kh_entry *e = &kh->v[i];

		if (!e->is_new)
			continue;
		/* Another run may have added it meanwhile. */
		if (!has_key(disk, e->patterns, e->blob, e->bloblen)) {
			r = buf_puts(&add, e->line);
			if (r)
				goto out;
			added++;
		}
	}
	if (added) {
		r = buf_write_fd(&add, fd);
		if (r == RONDA_OK && fsync(fd) < 0)
			r = RONDA_ESYS;
		if (r)
			goto out;
	}
	for (size_t i = 0; i < kh->n; i++)
		kh->v[i].is_new = 0;
	log_info("%s: %zu new host key(s) recorded", kh->path, added);
out:
	if (fd >= 0)
		close(fd);	/* and with it the lock */
	knownhosts_free(disk);
	buf_release(&cur);
	buf_release(&add);
	return r;
}

int knownhosts_fingerprint(const unsigned char *key, size_t keylen, char *out,
			   size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char b64[64];
	int n;

	if (!EVP_Digest(key, keylen, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return RONDA_EINVAL;
	n = EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
	while (n > 0 && b64[n - 1] == '=')	/* ssh prints it unpadded */
		b64[--n] = '\0';
	n = snprintf(out, outlen, "SHA256:%s", b64);
	return n < 0 || (size_t)n >= outlen ? RONDA_ELIMIT : RONDA_OK;
}
