/*
 * ssh_ident.c - which identity files are passphrase-protected: OpenSSH's
 * format with and without a cipher (keys made by ssh-keygen -t ed25519,
 * -N '' and -N x, throwaway), PEM's two ways of saying so, and hostile
 * text: a truncated header, bad base64, the wrong magic, a cipher name
 * whose length runs past the end.  A wrong answer either asks for a
 * passphrase nobody set or offers an encrypted key libssh2 cannot read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "ssh/ident.h"
#include "banned.h"

#define KEY_PLAIN \
	"-----BEGIN OPENSSH PRIVATE KEY-----\n" \
	"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" \
	"QyNTUxOQAAACD2QccrPKMIXCyULpx0eVBW2Lgshc71PN27FK6pUdfePQAAAIgqKFigKihY\n" \
	"oAAAAAtzc2gtZWQyNTUxOQAAACD2QccrPKMIXCyULpx0eVBW2Lgshc71PN27FK6pUdfePQ\n" \
	"AAAEAGTXWhuDM+sEddRGoD2jR1LEcGag2/CHYXXnZN0HJfJPZBxys8owhcLJQunHR5UFbY\n" \
	"uCyFzvU83bsUrqlR1949AAAAAXUBAgME\n" \
	"-----END OPENSSH PRIVATE KEY-----\n"
#define KEY_ENC \
	"-----BEGIN OPENSSH PRIVATE KEY-----\n" \
	"b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAH87d8Lw\n" \
	"p8EP84ee17huHcAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIPf4YgWwiqyA58QN\n" \
	"ePWzf2m0sgSibcY9E055GAMCMI0wAAAAkJ9WbokXewVZocOqX91wPS+jVnXaBVS+DbqYOi\n" \
	"Wq4m/Pn2Nxf5r0Z2L98Siq3Z/u5lyKK152wPUAzN31aRqyhMyCsoymuYnzR3M3I4PndKOk\n" \
	"LSB+8C1CMeOjkbVZRu5W8cxOFHCjlBag9PxuaU7TnFXKKeAS+93e4GovlWXum9o7+6iMpv\n" \
	"dj8OkGwJ7ryOKMtg==\n" \
	"-----END OPENSSH PRIVATE KEY-----\n"

static int enc(const char *s)
{
	return ident_key_encrypted(s, strlen(s));
}

static void test_openssh_format(void **state)
{
	(void)state;
	assert_int_equal(enc(KEY_PLAIN), 0);
	assert_int_equal(enc(KEY_ENC), 1);
	/* CRLF line ends, as a key copied from Windows has */
	assert_int_equal(enc("-----BEGIN OPENSSH PRIVATE KEY-----\r\n"
			     "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAH87d8Lw\r\n"
			     "p8EP84ee17huHcAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIPf4YgWwiqyA58QN\r\n"), 1);
}

static void test_pem(void **state)
{
	(void)state;
	assert_int_equal(enc("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
			     "DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"), 1);
	assert_int_equal(enc("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
			     "-----END ENCRYPTED PRIVATE KEY-----\n"), 1);
	assert_int_equal(enc("-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n"
			     "-----END RSA PRIVATE KEY-----\n"), 0);
}

static void test_hostile(void **state)
{
	(void)state;
	assert_int_equal(enc(""), 0);
	/* a header cut short: too little to read a cipher name */
	assert_int_equal(enc("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACmFl\n"), 0);
	/* not base64 */
	assert_int_equal(enc("-----BEGIN OPENSSH PRIVATE KEY-----\n"
			     "!!!!bnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAH87d8Lw\n"
			     "p8EP84ee17huHcAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIPf4YgWwiqyA58QN\n"), 0);
	/* "openssh-key-v2": wrong magic */
	assert_int_equal(enc("-----BEGIN OPENSSH PRIVATE KEY-----\n"
			     "b3BlbnNzaC1rZXktdjIAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAH87d8Lw\n"
			     "p8EP84ee17huHcAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIPf4YgWwiqyA58QN\n"), 0);
	/* a cipher name of length 0x7fffffff: never read past the end */
	assert_int_equal(enc("-----BEGIN OPENSSH PRIVATE KEY-----\n"
			     "b3BlbnNzaC1rZXktdjEAf////2FlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAH87d8Lw\n"
			     "p8EP84ee17huHcAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIPf4YgWwiqyA58QN\n"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssh_format),
		cmocka_unit_test(test_pem),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
