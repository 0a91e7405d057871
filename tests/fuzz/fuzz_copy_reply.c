/* fuzz_copy_reply.c - the copy script's answers (copy/copyproto.h) as a
 * host may send them: every answer found has an index below the count. */
#include "fuzz.h"

#include "copy/copyproto.h"
#include "err.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct copy_reply r;
	int rc;

	fuzz_quiet();
	while ((rc = copy_reply_next(&p, end, 7, &r)) == RONDA_OK) {
		if (r.index >= 7 || (r.word == COPY_ERR && r.text_len && (r.text < (const char *)data ||
		    r.text + r.text_len > end)))
			abort();
		if (p > end)
			abort();
	}
	if (rc != RONDA_ENOTFOUND && rc != RONDA_EPARSE)
		abort();
	return 0;
}
