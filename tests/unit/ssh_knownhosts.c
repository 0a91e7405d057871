/*
 * ssh_knownhosts.c - known_hosts lookups as OpenSSH 9.2 does them:
 * [host]:port, falling back to the plain host only when [host]:port has no
 * entry, another key type counted as a change, hashed names, patterns with
 * negation, @revoked only for the names it matches, which hosts an
 * @cert-authority line covers (its key vouching for none), unreadable lines
 * skipped (not fatal), the known types of a host, and accept-new appending
 * each key once, through a symlink, even when two runs add the same host.
 * tests/integration/47-knownhosts.sh holds the same verdicts up against
 * the real ssh client.
 * The keys and the hashed line were made with ssh-keygen (-H for the hash).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ssh/knownhosts.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIC9Ee+tzpQc34airOg7GcFmEJmfTiecuWUj6/IvWWIiA"
#define KEY_B "AAAAC3NzaC1lZDI1NTE5AAAAIAZAd3xG2TmLS//kjoLA7nG0k+wiQ/TWnJKR0o1SaTSN"
#define KEY_R "AAAAC3NzaC1lZDI1NTE5AAAAIJ3PaHcHrFX/IWpv/AsVSQXalAfQ7zgZiwrY3KfjguGX"
#define KEY_C "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLG7NZrnto2EJO4Uo1idiV3Ul6aw7+YQH3E97qanZgaBmJ7lw0lEVv3Ulv8jr3+P7RwuPccZd3kjH+ZdU5VGqhU="
/* "[h.example]:2200" hashed by ssh-keygen -H, key A */
#define FP_A "ebbeR+7gQm97/hqjeoBNqdIAzSJoIhbnzf2GrmG9R/E"
#define HASHED "|1|7UIlLLKh+Gp4DH0P2xx2Qjv5TeE=|Z7iZc/7vgnw3m9kHQBbhIWmtY5k="

struct blob { unsigned char b[512]; size_t n; };

static struct blob decode(const char *b64)
{
	struct blob k;
	size_t len = strlen(b64);
	int n = EVP_DecodeBlock(k.b, (const unsigned char *)b64, (int)len);

	assert_true(n > 0);
	k.n = (size_t)n - (b64[len - 1] == '=') - (b64[len - 2] == '=');
	return k;
}

static char path[64];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/ronda-kh-test.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	char lock[80];

	(void)state;
	unlink(path);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(lock);
	return 0;
}

static struct knownhosts *load(size_t *bad)
{
	struct knownhosts *kh = NULL;

	assert_int_equal(knownhosts_load(path, &kh, bad), RONDA_OK);
	assert_non_null(kh);
	return kh;
}

static enum kh_result check(struct knownhosts *kh, const char *h, unsigned port,
			    const char *key)
{
	struct blob k = decode(key);

	return knownhosts_check(kh, h, port, k.b, k.n);
}

static void test_plain_and_port_entries(void **state)
{
	struct knownhosts *kh;
	size_t bad;

	(void)state;
	write_file("127.0.0.2 ssh-ed25519 " KEY_A "\n"
		   "[127.0.0.3]:2222 ssh-ed25519 " KEY_A " comment here\n");
	kh = load(&bad);
	assert_int_equal(bad, 0);
	assert_int_equal(check(kh, "127.0.0.2", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "127.0.0.2", 22, KEY_B), KH_CHANGED);
	/* No [127.0.0.2]:2222 entry: the plain one vouches, as in ssh 9.2. */
	assert_int_equal(check(kh, "127.0.0.2", 2222, KEY_A), KH_OK);
	/* ... and says nothing against another key: that one is unknown. */
	assert_int_equal(check(kh, "127.0.0.2", 2222, KEY_B), KH_UNKNOWN);
	assert_int_equal(check(kh, "127.0.0.2", 2222, KEY_C), KH_UNKNOWN);
	assert_int_equal(check(kh, "127.0.0.3", 2222, KEY_A), KH_OK);
	assert_int_equal(check(kh, "127.0.0.3", 2222, KEY_B), KH_CHANGED);
	assert_int_equal(check(kh, "127.0.0.3", 22, KEY_A), KH_UNKNOWN);
	/* Another key type for a known host: ssh says changed. */
	assert_int_equal(check(kh, "127.0.0.2", 22, KEY_C), KH_OTHER_TYPE);
	assert_int_equal(check(kh, "127.0.0.3", 2222, KEY_C), KH_OTHER_TYPE);
	knownhosts_free(kh);
}

static void test_port_fallback_only_without_entry(void **state)
{
	struct knownhosts *kh;
	size_t bad;

	(void)state;
	/* [h]:2222 has a wrong key, h the right one: still changed. */
	write_file("[h]:2222 ssh-ed25519 " KEY_B "\n"
		   "h ssh-ed25519 " KEY_A "\n"
		   "[k]:2222 ecdsa-sha2-nistp256 " KEY_C "\n"
		   "k ssh-ed25519 " KEY_A "\n");
	kh = load(&bad);
	assert_int_equal(check(kh, "h", 2222, KEY_B), KH_OK);
	assert_int_equal(check(kh, "h", 2222, KEY_A), KH_CHANGED);
	/* a key of another type under [k]:2222 is no reason to fall back */
	assert_int_equal(check(kh, "k", 2222, KEY_A), KH_OTHER_TYPE);
	knownhosts_free(kh);
}

static void test_known_types(void **state)
{
	struct knownhosts *kh;
	struct buf b;
	size_t bad;

	(void)state;
	buf_init(&b, 4096);
	write_file("h ecdsa-sha2-nistp256 " KEY_C "\n"
		   "h,g ssh-ed25519 " KEY_A "\n"
		   "h ssh-ed25519 " KEY_B "\n"
		   "@revoked g ecdsa-sha2-nistp256 " KEY_C "\n"
		   "[g]:2222 ssh-ed25519 " KEY_B "\n");
	kh = load(&bad);
	assert_int_equal(knownhosts_types(kh, "h", 22, &b), RONDA_OK);
	assert_string_equal(buf_data(&b), "ecdsa-sha2-nistp256,ssh-ed25519");
	buf_reset(&b);
	/* h:2222 has no entry of its own: h's types count */
	assert_int_equal(knownhosts_types(kh, "h", 2222, &b), RONDA_OK);
	assert_string_equal(buf_data(&b), "ecdsa-sha2-nistp256,ssh-ed25519");
	buf_reset(&b);
	/* a revoked key is no known type */
	assert_int_equal(knownhosts_types(kh, "g", 22, &b), RONDA_OK);
	assert_string_equal(buf_data(&b), "ssh-ed25519");
	buf_reset(&b);
	assert_int_equal(knownhosts_types(kh, "nope", 22, &b), RONDA_OK);
	assert_int_equal(buf_len(&b), 0);
	assert_true(knownhosts_list_has("a,bc,d", "bc", 2));
	assert_false(knownhosts_list_has("a,bcd", "bc", 2));
	buf_release(&b);
	knownhosts_free(kh);
}

static void test_hashed_entry(void **state)
{
	struct knownhosts *kh;
	size_t bad;

	(void)state;
	write_file(HASHED " ssh-ed25519 " KEY_A "\n");
	kh = load(&bad);
	assert_int_equal(bad, 0);
	assert_int_equal(check(kh, "h.example", 2200, KEY_A), KH_OK);
	assert_int_equal(check(kh, "h.example", 2200, KEY_B), KH_CHANGED);
	assert_int_equal(check(kh, "h.example", 22, KEY_A), KH_UNKNOWN);
	assert_int_equal(check(kh, "g.example", 2200, KEY_A), KH_UNKNOWN);
	knownhosts_free(kh);
}

static void test_patterns_and_negation(void **state)
{
	struct knownhosts *kh;
	size_t bad;

	(void)state;
	write_file("*.dc1,!bad.dc1 ssh-ed25519 " KEY_A "\n"
		   "web?.dc2 ssh-ed25519 " KEY_A "\n"
		   "a*b*c ssh-ed25519 " KEY_B "\n");
	kh = load(&bad);
	assert_int_equal(check(kh, "web.dc1", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "WEB.DC1", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "bad.dc1", 22, KEY_A), KH_UNKNOWN);
	assert_int_equal(check(kh, "web1.dc2", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "web10.dc2", 22, KEY_A), KH_UNKNOWN);
	assert_int_equal(check(kh, "x.dc1.dc1", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "x.dc1.dc2", 22, KEY_A), KH_UNKNOWN);
	assert_int_equal(check(kh, "axxbyybc", 22, KEY_B), KH_OK);
	assert_int_equal(check(kh, "abc", 22, KEY_B), KH_OK);
	assert_int_equal(check(kh, "axxbyybcd", 22, KEY_B), KH_UNKNOWN);
	knownhosts_free(kh);
}

static void test_bad_lines_skipped_not_fatal(void **state)
{
	struct knownhosts *kh;
	size_t bad;

	(void)state;
	write_file("# a comment\n"
		   "\n"
		   "this is not a key line\n"
		   "host1 ssh-ed25519 !!!notbase64!!!\n"
		   "host2 ssh-rsa " KEY_A "\n"	/* type does not match blob */
		   "@bogus-marker host3 ssh-ed25519 " KEY_A "\n"
		   "@cert-authority *.x ssh-ed25519 " KEY_A "\n"
		   "host4 ssh-ed25519 " KEY_A "\r\n"
		   "host5 ssh-ed25519 " KEY_B);	/* no final newline */
	kh = load(&bad);
	assert_int_equal(bad, 4);
	assert_int_equal(check(kh, "host4", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "host5", 22, KEY_B), KH_OK);
	assert_int_equal(check(kh, "host2", 22, KEY_A), KH_UNKNOWN);
	assert_int_equal(check(kh, "a.x", 22, KEY_A), KH_UNKNOWN);
	knownhosts_free(kh);
}

static void test_revoked(void **state)
{
	struct knownhosts *kh;
	size_t bad;

	(void)state;
	write_file("@revoked * ssh-ed25519 " KEY_R "\n"
		   "host1 ssh-ed25519 " KEY_R "\n");
	kh = load(&bad);
	assert_int_equal(check(kh, "host1", 22, KEY_R), KH_REVOKED);
	assert_int_equal(check(kh, "other", 22, KEY_R), KH_REVOKED);
	knownhosts_free(kh);
}

/* @revoked applies to the names its patterns match, as in ssh. */
static void test_revoked_by_name(void **state)
{
	struct knownhosts *kh;
	size_t bad;

	(void)state;
	write_file("@revoked h ssh-ed25519 " KEY_A "\n"
		   "[h]:2222 ssh-ed25519 " KEY_A "\n"
		   "g ssh-ed25519 " KEY_A "\n"
		   "@revoked [g]:2222 ssh-ed25519 " KEY_A "\n");
	kh = load(&bad);
	assert_int_equal(check(kh, "h", 22, KEY_A), KH_REVOKED);
	assert_int_equal(check(kh, "h", 2222, KEY_A), KH_OK);
	assert_int_equal(check(kh, "g", 2222, KEY_A), KH_REVOKED);
	assert_int_equal(check(kh, "g", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "elsewhere", 22, KEY_A), KH_UNKNOWN);
	/* revoked under the plain name, [h]:3333 unknown: refused */
	assert_int_equal(check(kh, "h", 3333, KEY_A), KH_REVOKED);
	knownhosts_free(kh);
}

static size_t ca(struct knownhosts *kh, const char *h, unsigned port)
{
	size_t line = 999;

	if (!knownhosts_ca(kh, h, port, &line)) {
		assert_int_equal(line, 999);	/* untouched when not covered */
		return 0;
	}
	return line;
}

/*
 * @cert-authority lines say which hosts a CA covers, by the patterns and
 * names plain lines use; the CA's key is never a host's own key.
 */
static void test_cert_authority(void **state)
{
	struct knownhosts *kh;
	struct buf b;
	size_t bad;

	(void)state;
	buf_init(&b, 4096);
	write_file("h ssh-ed25519 " KEY_A "\n"
		   "@cert-authority *.dc1,!bad.dc1 ssh-ed25519 " KEY_B "\n"
		   "@cert-authority h,10.0.0.5 ssh-ed25519 " KEY_B "\n"
		   "@cert-authority [10.0.0.6]:2222 ecdsa-sha2-nistp256 " KEY_C "\n"
		   "@cert-authority " HASHED " ssh-ed25519 " KEY_B "\n"
		   "@cert-authority  *.dc1\tssh-ed25519 " KEY_A "\n");
	kh = load(&bad);
	assert_int_equal(bad, 0);
	assert_int_equal(ca(kh, "web.dc1", 22), 2);	/* the first line that covers it */
	assert_int_equal(ca(kh, "WEB.DC1", 22), 2);
	assert_int_equal(ca(kh, "bad.dc1", 22), 6);	/* negated on line 2 only */
	assert_int_equal(ca(kh, "dc1", 22), 0);
	assert_int_equal(ca(kh, "elsewhere", 22), 0);
	/* [host]:port first, then the plain name, as for keys */
	assert_int_equal(ca(kh, "10.0.0.5", 22), 3);
	assert_int_equal(ca(kh, "10.0.0.5", 2222), 3);
	assert_int_equal(ca(kh, "10.0.0.6", 2222), 4);
	assert_int_equal(ca(kh, "10.0.0.6", 22), 0);
	assert_int_equal(ca(kh, "h.example", 2200), 5);
	assert_int_equal(ca(kh, "h.example", 22), 0);
	/* The CA's key vouches for no host, not even as a changed key. */
	assert_int_equal(check(kh, "web.dc1", 22, KEY_B), KH_UNKNOWN);
	assert_int_equal(check(kh, "h.example", 2200, KEY_B), KH_UNKNOWN);
	assert_int_equal(check(kh, "10.0.0.6", 2222, KEY_C), KH_UNKNOWN);
	assert_int_equal(check(kh, "h", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "h", 22, KEY_B), KH_CHANGED);
	assert_int_equal(check(kh, "h", 22, KEY_C), KH_OTHER_TYPE);
	assert_int_equal(knownhosts_types(kh, "web.dc1", 22, &b), RONDA_OK);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(knownhosts_types(kh, "h", 22, &b), RONDA_OK);
	assert_string_equal(buf_data(&b), "ssh-ed25519");
	buf_release(&b);
	knownhosts_free(kh);
}

/* Broken CA lines are skipped and counted, and cover nothing. */
static void test_cert_authority_hostile(void **state)
{
	struct knownhosts *kh;
	size_t bad;

	(void)state;
	write_file("@cert-authority\n"				/* nothing else */
		   "@cert-authority *\n"			/* no key */
		   "@cert-authority * ssh-ed25519\n"		/* no blob */
		   "@cert-authority * ssh-ed25519 !!!notbase64!!!\n"
		   "@cert-authority * ssh-ed25519 AAAA\n"	/* too short */
		   "@cert-authority * ssh-rsa " KEY_A "\n"	/* type is not the blob's */
		   "@cert-authority ssh-ed25519 " KEY_A "\n"	/* marker, no host */
		   "@cert-authority |1|bad|hash ssh-ed25519 " KEY_A "\n"
		   "@cert-authorityx * ssh-ed25519 " KEY_A "\n"
		   "@Cert-Authority * ssh-ed25519 " KEY_A "\n"
		   "ok ssh-ed25519 " KEY_A "\n");
	kh = load(&bad);
	assert_int_equal(bad, 10);
	assert_int_equal(ca(kh, "ok", 22), 0);
	assert_int_equal(ca(kh, "ssh-ed25519", 22), 0);
	assert_int_equal(ca(kh, "anything", 2222), 0);
	assert_int_equal(check(kh, "ok", 22, KEY_A), KH_OK);
	knownhosts_free(kh);
}

static void test_missing_file_is_empty(void **state)
{
	struct knownhosts *kh = NULL;
	size_t bad;

	(void)state;
	unlink(path);
	assert_int_equal(knownhosts_load(path, &kh, &bad), RONDA_OK);
	assert_int_equal(check(kh, "host1", 22, KEY_A), KH_UNKNOWN);
	knownhosts_free(kh);
}

static size_t count_lines(void)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	int c;

	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void test_accept_new_saves_once(void **state)
{
	struct knownhosts *a, *b, *c;
	struct blob k = decode(KEY_A), k2 = decode(KEY_B);
	struct stat st;
	size_t bad;

	(void)state;
	write_file("old ssh-ed25519 " KEY_B "\n");
	chmod(path, 0644);
	a = load(&bad);
	b = load(&bad);
	assert_int_equal(knownhosts_add(a, "10.0.0.1", 2222, k.b, k.n), RONDA_OK);
	/* In memory at once: a second session of the same run sees it. */
	assert_int_equal(knownhosts_check(a, "10.0.0.1", 2222, k.b, k.n), KH_OK);
	assert_int_equal(knownhosts_check(a, "10.0.0.1", 2222, k2.b, k2.n), KH_CHANGED);
	assert_int_equal(knownhosts_add(a, "10.0.0.2", 22, k.b, k.n), RONDA_OK);
	assert_int_equal(knownhosts_pending(a), 2);
	/* Another run adds one of the same hosts. */
	assert_int_equal(knownhosts_add(b, "10.0.0.1", 2222, k.b, k.n), RONDA_OK);
	assert_int_equal(knownhosts_save(b), RONDA_OK);
	assert_int_equal(knownhosts_save(a), RONDA_OK);
	assert_int_equal(knownhosts_pending(a), 0);
	assert_int_equal(knownhosts_save(a), RONDA_OK);	/* nothing to do */
	assert_int_equal(count_lines(), 3);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);	/* mode kept */
	c = load(&bad);
	assert_int_equal(bad, 0);
	assert_int_equal(check(c, "10.0.0.1", 2222, KEY_A), KH_OK);
	assert_int_equal(check(c, "10.0.0.2", 22, KEY_A), KH_OK);
	assert_int_equal(check(c, "old", 22, KEY_B), KH_OK);
	knownhosts_free(a);
	knownhosts_free(b);
	knownhosts_free(c);
}

/* ssh follows a symlinked known_hosts and appends; so do we. */
static void test_save_through_symlink(void **state)
{
	char link[80], dir[64], *slash;
	struct knownhosts *kh;
	struct blob k = decode(KEY_A);
	struct stat st;
	size_t bad;

	(void)state;
	snprintf(link, sizeof(link), "%s.link", path);
	write_file("old ssh-ed25519 " KEY_B);	/* no final newline */
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(knownhosts_load(link, &kh, &bad), RONDA_OK);
	assert_int_equal(knownhosts_add(kh, "10.0.0.1", 22, k.b, k.n), RONDA_OK);
	assert_int_equal(knownhosts_save(kh), RONDA_OK);
	knownhosts_free(kh);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(count_lines(), 2);
	kh = load(&bad);
	assert_int_equal(bad, 0);
	assert_int_equal(check(kh, "old", 22, KEY_B), KH_OK);
	assert_int_equal(check(kh, "10.0.0.1", 22, KEY_A), KH_OK);
	knownhosts_free(kh);
	unlink(link);
	/* nothing else was left beside the file */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	{
		char pfx[64];
		DIR *d = opendir(dir);
		struct dirent *de;
		int others = 0;

		assert_non_null(d);
		snprintf(pfx, sizeof(pfx), "%s.", slash + 1);
		while ((de = readdir(d)))
			others += strncmp(de->d_name, pfx, strlen(pfx)) == 0;
		closedir(d);
		assert_int_equal(others, 0);
	}
}

static void test_fingerprint_like_ssh_keygen(void **state)
{
	struct blob k = decode(KEY_A);
	char fp[80];

	(void)state;
	assert_int_equal(knownhosts_fingerprint(k.b, k.n, fp, sizeof(fp)), RONDA_OK);
	/* ssh-keygen -lf a.pub */
	assert_string_equal(fp, "SHA256:" FP_A);
	assert_int_equal(knownhosts_fingerprint(k.b, k.n, fp, 10), RONDA_ELIMIT);
}

/*
 * Literal names are looked up through an index, the rest scanned: mixed
 * in one big file, in any case, the answers and the first matching CA
 * line are those of a scan in file order, and entries added at run time
 * are found at once.
 */
static void test_index_agrees_with_scan(void **state)
{
	struct buf text;
	struct knownhosts *kh;
	struct blob k = decode(KEY_A);
	size_t bad = 0;

	(void)state;
	buf_init(&text, 1 << 22);
	assert_int_equal(buf_puts(&text, "@cert-authority lit.example ssh-ed25519 " KEY_B "\n"), RONDA_OK);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(buf_printf(&text, "[10.0.%d.%d]:2200,Alias%d ssh-ed25519 %s\n",
					    i / 250, i % 250, i, i == 7 ? KEY_B : KEY_A), RONDA_OK);
	assert_int_equal(buf_puts(&text, "*.wild,!no.wild ssh-ed25519 " KEY_A "\n"
				  "dup,dup ssh-ed25519 " KEY_B "\n"
				  "@revoked alias9 ssh-ed25519 " KEY_A "\n"
				  "@cert-authority *.example ssh-ed25519 " KEY_B "\n"), RONDA_OK);
	write_file(buf_data(&text));
	kh = load(&bad);
	assert_int_equal(bad, 0);
	assert_int_equal(check(kh, "10.0.0.0", 2200, KEY_A), KH_OK);
	assert_int_equal(check(kh, "10.0.11.249", 2200, KEY_A), KH_OK);
	assert_int_equal(check(kh, "10.0.0.7", 2200, KEY_A), KH_CHANGED);
	assert_int_equal(check(kh, "10.0.12.0", 2200, KEY_A), KH_UNKNOWN);
	assert_int_equal(check(kh, "ALIAS42", 22, KEY_A), KH_OK);	/* without case */
	assert_int_equal(check(kh, "alias9", 22, KEY_A), KH_REVOKED);
	assert_int_equal(check(kh, "Alias4", 22, KEY_A), KH_OK);	/* not Alias42's */
	assert_int_equal(check(kh, "x.wild", 22, KEY_A), KH_OK);
	assert_int_equal(check(kh, "no.wild", 22, KEY_A), KH_UNKNOWN);
	assert_int_equal(check(kh, "dup", 22, KEY_B), KH_OK);
	assert_int_equal(check(kh, "dup", 22, KEY_A), KH_CHANGED);
	/* the first CA line that covers the name: line 1, not the last */
	assert_int_equal(ca(kh, "lit.example", 22), 1);
	assert_int_equal(ca(kh, "other.example", 22), 3005);
	assert_int_equal(ca(kh, "alias1", 22), 0);
	/* accept-new: found by the next lookup */
	assert_int_equal(check(kh, "new.host", 2200, KEY_A), KH_UNKNOWN);
	assert_int_equal(knownhosts_add(kh, "New.Host", 2200, k.b, k.n), RONDA_OK);
	assert_int_equal(check(kh, "new.host", 2200, KEY_A), KH_OK);
	knownhosts_free(kh);
	buf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_and_port_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashed_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_patterns_and_negation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_agrees_with_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines_skipped_not_fatal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_authority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_authority_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_fallback_only_without_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_through_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_new_saves_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_like_ssh_keygen, setup, teardown),
	};

	return cmocka_run_group_tests_name("knownhosts", tests, NULL, NULL);
}
