/*
 * ssh_sshcert.c - OpenSSH certificates decoded once: the fields of
 * ed25519, ECDSA and RSA certificates made by ssh-keygen (user and host,
 * with and without an end), where a fixed "now" stands in their validity,
 * and hostile blobs: every truncation, a length past the end, trailing
 * bytes, an unknown type, a NUL in the key id, a bad certificate type, a
 * public key file whose type word lies about its blob.
 *
 * Made with: ssh-keygen -s ca -I cert-old -n root,admin -z 42
 *   -V 20200101000000Z:20200102000000Z ed.pub;  -I "ec id" -n root
 *   -V 20240101000000Z:forever ec.pub;  -I rsa-host -h -V always:forever
 *   rsa.pub (RSA 1024, small on purpose).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/sshcert.h"
#include "ssh/sshwire.h"
#include "buf.h"
#include "err.h"
#include "banned.h"

#define CERT_ED \
	"ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIP8" \
	"GxwJgimddJCNC3iQADCP14dBoJxuIUDktpqsH9OgiAAAAICTUwmkt/lwHMsPp9Wqao8K+1+AV7jZTHiYLYb0mShV" \
	"QAAAAAAAAACoAAAABAAAACGNlcnQtb2xkAAAAEQAAAARyb290AAAABWFkbWluAAAAAF4L4QAAAAAAXg0ygAAAAAA" \
	"AAACCAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAA" \
	"AFnBlcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAA" \
	"AAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIHtziEtQZCsSKF7cQX6eKHT2TnY+/RHsCBh6HC5hDFluAAAAUwA" \
	"AAAtzc2gtZWQyNTUxOQAAAECnWll+uFIvxKHiSghbMFeSLt1OaYDDM2Rx/IkwuR37ZplNTQqZOHtNXTf5og7a02o" \
	"nwcEZ/r+xMkM8oPvbsTAE ed"

#define CERT_EC \
	"ecdsa-sha2-nistp256-cert-v01@openssh.com AAAAKGVjZHNhLXNoYTItbmlzdHAyNTYtY2VydC12MDFAb3B" \
	"lbnNzaC5jb20AAAAg5nTeo+raxyQSHd6st/uqfyZBG+4HaPjrpbS84hC4Ih0AAAAIbmlzdHAyNTYAAABBBPLepBH" \
	"RpR9pJR7VNAIXfaIXNiAWifjQwpbysYJjbdOvR6l5uibt3FwSPdCyyorxeybmQDhG8KTSLhXsYGB7ow8AAAAAAAA" \
	"AAAAAAAEAAAAFZWMgaWQAAAAIAAAABHJvb3QAAAAAZZIAgP//////////AAAAAAAAAIIAAAAVcGVybWl0LVgxMS1" \
	"mb3J3YXJkaW5nAAAAAAAAABdwZXJtaXQtYWdlbnQtZm9yd2FyZGluZwAAAAAAAAAWcGVybWl0LXBvcnQtZm9yd2F" \
	"yZGluZwAAAAAAAAAKcGVybWl0LXB0eQAAAAAAAAAOcGVybWl0LXVzZXItcmMAAAAAAAAAAAAAADMAAAALc3NoLWV" \
	"kMjU1MTkAAAAge3OIS1BkKxIoXtxBfp4odPZOdj79EewIGHocLmEMWW4AAABTAAAAC3NzaC1lZDI1NTE5AAAAQDg" \
	"elnCu7JdxFRthYTYtPwwnLzK5f1gKuPMIzXmSjmazfMji3Cocv1H05z0fbwMw9xm9TR104mHGhaaXzDnGdgc= ec"

#define CERT_RSA \
	"ssh-rsa-cert-v01@openssh.com AAAAHHNzaC1yc2EtY2VydC12MDFAb3BlbnNzaC5jb20AAAAgp2YUk9PGh0T" \
	"pnu74sOJED3Fymf8DoQlY1Dw2L9Kf454AAAADAQABAAAAgQDfbOPOUsTRDRPH5E3u4gcjQbLVA1MMvXIvWNxB0RU" \
	"MzOD54vumsyVrtjlmh14XQZgL7sbvfwddQjUU3RskPOivOXZjszn0qFYEPTFU0nv9RiH8PS8YhvWsUwZq4fdO56v" \
	"ll7btKpx3B+kZdevy6Z7ZoceYSxGGZsebf3qmY/Sq2wAAAAAAAAAAAAAAAgAAAAhyc2EtaG9zdAAAAAAAAAAAAAA" \
	"AAP//////////AAAAAAAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACB7c4hLUGQrEihe3EF+nih09k52Pv0" \
	"R7AgYehwuYQxZbgAAAFMAAAALc3NoLWVkMjU1MTkAAABArl7RYd5BHhF+yaTt0nfL+K3FNxBzyYyWXWApFVVmvJ/" \
	"b41h4kdTzebwYT3PtsM2jmVzNssCp0SqSG/CAYXkTAg== rsa"

#define T_2020_01_01 1577836800ULL
#define T_2020_01_02 1577923200ULL
#define T_2024_01_01 1704067200ULL

struct blob {
	unsigned char *b;
	size_t n;
};

static struct blob blob_of(const char *line)
{
	struct blob k = { NULL, 0 };

	assert_int_equal(sshcert_pubfile_blob(line, strlen(line), &k.b, &k.n), RONDA_OK);
	return k;
}

static void test_ed25519_user_cert(void **state)
{
	struct blob k = blob_of(CERT_ED "\n");
	struct sshcert c;
	char when[64];

	(void)state;
	assert_int_equal(sshcert_decode(k.b, k.n, &c), RONDA_OK);
	assert_string_equal(c.type, "ssh-ed25519-cert-v01@openssh.com");
	assert_true(c.serial == 42);
	assert_int_equal(c.kind, SSHCERT_USER);
	assert_string_equal(c.key_id, "cert-old");
	assert_int_equal(c.n_principals, 2);
	assert_string_equal(c.principals[0], "root");
	assert_string_equal(c.principals[1], "admin");
	assert_true(c.valid_after == T_2020_01_01);
	assert_true(c.valid_before == T_2020_01_02);
	assert_int_equal(sshcert_check_time(&c, T_2020_01_01 - 1), SSHCERT_NOT_YET);
	assert_int_equal(sshcert_check_time(&c, T_2020_01_01), SSHCERT_VALID);
	assert_int_equal(sshcert_check_time(&c, T_2020_01_02 - 1), SSHCERT_VALID);
	assert_int_equal(sshcert_check_time(&c, T_2020_01_02), SSHCERT_EXPIRED);
	assert_int_equal(sshcert_check_time(&c, T_2024_01_01), SSHCERT_EXPIRED);
	sshcert_format_time(c.valid_before, when, sizeof(when));
	assert_string_equal(when, "2020-01-02 00:00:00 UTC");
	sshcert_release(&c);
	free(k.b);
}

static void test_ecdsa_and_rsa_certs(void **state)
{
	struct blob e = blob_of(CERT_EC), r = blob_of(CERT_RSA);
	struct sshcert c;
	char when[64];

	(void)state;
	assert_int_equal(sshcert_decode(e.b, e.n, &c), RONDA_OK);
	assert_string_equal(c.type, "ecdsa-sha2-nistp256-cert-v01@openssh.com");
	assert_string_equal(c.key_id, "ec id");
	assert_int_equal(c.n_principals, 1);
	assert_true(c.valid_after == T_2024_01_01);
	assert_true(c.valid_before == SSHCERT_FOREVER);
	assert_int_equal(sshcert_check_time(&c, T_2020_01_02), SSHCERT_NOT_YET);
	assert_int_equal(sshcert_check_time(&c, UINT64_MAX - 1), SSHCERT_VALID);
	sshcert_format_time(c.valid_before, when, sizeof(when));
	assert_string_equal(when, "forever");
	sshcert_release(&c);

	assert_int_equal(sshcert_decode(r.b, r.n, &c), RONDA_OK);
	assert_string_equal(c.type, "ssh-rsa-cert-v01@openssh.com");
	assert_int_equal(c.kind, SSHCERT_HOST);
	assert_string_equal(c.key_id, "rsa-host");
	assert_int_equal(c.n_principals, 0);
	assert_true(c.valid_after == 0);
	assert_int_equal(sshcert_check_time(&c, 0), SSHCERT_VALID);
	sshcert_release(&c);
	free(e.b);
	free(r.b);
}

static void test_every_truncation_fails(void **state)
{
	const char *lines[] = { CERT_ED, CERT_EC, CERT_RSA };
	struct sshcert c;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct blob k = blob_of(lines[i]);

		for (size_t len = 0; len < k.n; len++) {
			/* a private copy of exactly len bytes, so ASan sees any overread */
			unsigned char *p = malloc(len ? len : 1);

			memcpy(p, k.b, len);
			assert_int_equal(sshcert_decode(p, len, &c), RONDA_EPARSE);
			free(p);
		}
		free(k.b);
	}
}

/* A copy of the ed25519 certificate with bytes changed at an offset. */
static struct blob patched(size_t off, const void *bytes, size_t n)
{
	struct blob k = blob_of(CERT_ED);

	assert_true(off + n <= k.n);
	memcpy(k.b + off, bytes, n);
	return k;
}

static void test_hostile_fields(void **state)
{
	/* layout: type(4+32) nonce(4+32) pk(4+32) serial(8) kind(4) keyid(4+8) ... */
	const size_t nonce = 36, pk = 72, kind = 116, keyid = 120;
	struct sshcert c;
	struct blob k;
	struct buf b;

	(void)state;
	k = patched(nonce, "\xff\xff\xff\xff", 4);		/* nonce longer than all */
	assert_int_equal(sshcert_decode(k.b, k.n, &c), RONDA_EPARSE);
	free(k.b);
	k = patched(pk, "\x80\x00\x00\x00", 4);		/* negative as an int32 */
	assert_int_equal(sshcert_decode(k.b, k.n, &c), RONDA_EPARSE);
	free(k.b);
	k = patched(kind, "\x00\x00\x00\x03", 4);		/* neither user nor host */
	assert_int_equal(sshcert_decode(k.b, k.n, &c), RONDA_EPARSE);
	free(k.b);
	k = patched(keyid + 4 + 4, "\0", 1);			/* "cert\0old" */
	assert_int_equal(sshcert_decode(k.b, k.n, &c), RONDA_EPARSE);
	free(k.b);
	k = patched(4, "ssh-ed25519-cert-v02", 20);		/* unknown type */
	assert_int_equal(sshcert_decode(k.b, k.n, &c), RONDA_EPARSE);
	free(k.b);

	/* one trailing byte */
	k = blob_of(CERT_ED);
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_append(&b, k.b, k.n), RONDA_OK);
	assert_int_equal(buf_putc(&b, 0), RONDA_OK);
	assert_int_equal(sshcert_decode((const unsigned char *)buf_data(&b), buf_len(&b), &c),
			 RONDA_EPARSE);
	buf_release(&b);
	free(k.b);

	/* a plain key is not a certificate */
	buf_init(&b, 4096);
	assert_int_equal(sshwire_put_string(&b, "ssh-ed25519", 11), RONDA_OK);
	assert_int_equal(sshwire_put_string(&b, "0123456789abcdef0123456789abcdef", 32), RONDA_OK);
	assert_int_equal(sshcert_decode((const unsigned char *)buf_data(&b), buf_len(&b), &c),
			 RONDA_EPARSE);
	buf_release(&b);
}

static void test_principals_hostile(void **state)
{
	/* principals at 132: string of strings; make the inner length lie */
	const size_t principals = 132;
	struct blob k = patched(principals + 4, "\x00\x00\x00\x10", 4);
	struct sshcert c;

	(void)state;
	assert_int_equal(sshcert_decode(k.b, k.n, &c), RONDA_EPARSE);
	free(k.b);
}

static void test_pubfile_line(void **state)
{
	static unsigned char sentinel[] = "untouched";
	unsigned char *b = sentinel;
	size_t n = 77;
	static const char *const bad[] = {
		"",
		"ssh-ed25519-cert-v01@openssh.com",
		"ssh-ed25519-cert-v01@openssh.com ",
		"ssh-ed25519-cert-v01@openssh.com AAAA*AAA",
		"ssh-ed25519-cert-v01@openssh.com AAAAIHNz",
		/* the word says ssh-rsa, the blob says ed25519 */
		"ssh-rsa AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIP8G",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sshcert_pubfile_blob(bad[i], strlen(bad[i]), &b, &n), RONDA_EPARSE);
	assert_string_equal((const char *)b, "untouched");
	assert_int_equal(n, 77);
	assert_true(sshcert_is_cert_type((const unsigned char *)"ssh-rsa-cert-v01@openssh.com", 28));
	assert_false(sshcert_is_cert_type((const unsigned char *)"ssh-rsa", 7));
	assert_false(sshcert_is_cert_type((const unsigned char *)"-cert-v01@openssh.com", 21));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_user_cert),
		cmocka_unit_test(test_ecdsa_and_rsa_certs),
		cmocka_unit_test(test_every_truncation_fails),
		cmocka_unit_test(test_hostile_fields),
		cmocka_unit_test(test_principals_hostile),
		cmocka_unit_test(test_pubfile_line),
	};

	return cmocka_run_group_tests_name("sshcert", tests, NULL, NULL);
}
