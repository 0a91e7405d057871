/* fuzz_sshcert.c - certificates as ronda meets them: the input as the text
 * of a KEY-cert.pub (type word, base64 blob), and the input as a raw blob
 * (what ssh-agent lists); each decoded one is checked against a few
 * "now"s and its times formatted. */
#include "fuzz.h"

#include "ssh/sshcert.h"
#include "banned.h"

static void check(const unsigned char *b, size_t n)
{
	static const uint64_t nows[] = { 0, 1577836800, UINT64_MAX };
	struct sshcert c;
	char when[64];

	if (sshcert_decode(b, n, &c) != 0)
		return;
	for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++)
		(void)sshcert_check_time(&c, nows[i]);
	sshcert_format_time(c.valid_after, when, sizeof(when));
	sshcert_format_time(c.valid_before, when, sizeof(when));
	for (size_t i = 0; i < c.n_principals; i++)
		(void)strlen(c.principals[i]);
	(void)strlen(c.key_id);
	sshcert_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *blob;
	size_t n;

	fuzz_quiet();
	check(data, size);
	/* the input as a certificate against its own halves as a plain key */
	(void)sshcert_certifies(data, size, data + size / 2, size - size / 2);
	if (sshcert_pubfile_blob((const char *)data, size, &blob, &n) == 0) {
		check(blob, n);
		free(blob);
	}
	return 0;
}
