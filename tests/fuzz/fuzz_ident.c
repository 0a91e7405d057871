/* fuzz_ident.c - an identity file's text, asked whether it is
 * passphrase-protected (OpenSSH's header, PEM's markers): ronda reads this
 * before it decides to ask for a passphrase or to offer the key. */
#include "fuzz.h"

#include "ssh/ident.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)ident_key_encrypted((const char *)data, size);
	return 0;
}
