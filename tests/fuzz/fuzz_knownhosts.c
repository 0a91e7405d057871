/* fuzz_knownhosts.c - known_hosts lines: load the input as a file, then
 * look up plain, [host]:port and hashed-looking names with two key types,
 * ask which @cert-authority line covers each, list the key types known for
 * each, and record a new key for a host (accept-new, in memory only). */
#include "fuzz.h"

#include "buf.h"
#include "ssh/knownhosts.h"
#include "banned.h"

/* Key blobs as a server sends them: string type, then key material. */
static const unsigned char ed25519[] = {
	0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9',
	0, 0, 0, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};
static const unsigned char rsa[] = {
	0, 0, 0, 7, 's', 's', 'h', '-', 'r', 's', 'a', 0, 0, 0, 1, 3,
	0, 0, 0, 4, 0xc1, 0x02, 0x03, 0x04,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = { "web01", "10.0.0.1", "host", "*", "" };
	static const unsigned ports[] = { 22, 2222 };
	struct knownhosts *kh = NULL;
	size_t bad = 0, line = 0;
	char fp[128];
	struct buf types;

	fuzz_quiet();
	if (knownhosts_load(fuzz_file(data, size), &kh, &bad) != 0)
		return 0;
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		for (size_t p = 0; p < 2; p++) {
			(void)knownhosts_check(kh, hosts[h], ports[p], ed25519, sizeof(ed25519));
			(void)knownhosts_check(kh, hosts[h], ports[p], rsa, sizeof(rsa));
			(void)knownhosts_ca(kh, hosts[h], ports[p], &line);
			buf_init(&types, 4096);
			(void)knownhosts_types(kh, hosts[h], ports[p], &types);
			buf_release(&types);
		}
	}
	(void)knownhosts_add(kh, "new.example", 2222, ed25519, sizeof(ed25519));
	(void)knownhosts_check(kh, "new.example", 2222, ed25519, sizeof(ed25519));
	(void)knownhosts_fingerprint(data, size, fp, sizeof(fp));
	knownhosts_free(kh);
	return 0;
}
