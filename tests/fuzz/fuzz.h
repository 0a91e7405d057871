/*
 * fuzz.h - what the libFuzzer targets in tests/fuzz/ share.  Each target is
 * one fuzz_NAME.c with LLVMFuzzerTestOneInput, built with clang under ASan
 * and UBSan into build-fuzz/fuzz/ (make fuzz-build FUZZ=1); its seeds are in
 * tests/fuzz/corpus/NAME/.
 *
 * The parsers that read files get the input through fuzz_file(): one file in
 * a private directory, rewritten for every input.  Logging is silenced, so
 * the fuzzer's throughput is the parser's and not stderr's.
 */
#ifndef RONDA_FUZZ_H
#define RONDA_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * libconfig 1.7.3 leaks its scanner's buffers (strbuf_append, libconfig_yylex)
 * on some syntax errors; config_read() and config_destroy() alone show it, so
 * it is not ours to fix.  Only those frames are suppressed.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static inline void fuzz_quiet(void)
{
	static int done;

	if (!done) {
		log_init("fuzz", RLOG_ERROR, open("/dev/null", O_WRONLY | O_CLOEXEC));
		done = 1;
	}
}

static char fuzz_dir[64];

static inline void fuzz_cleanup(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/input", fuzz_dir);
	unlink(p);
	rmdir(fuzz_dir);
}

/* The input as a file named dir/input; NULL if it cannot be written. */
static inline const char *fuzz_file(const uint8_t *d, size_t n)
{
	static char path[128];
	int fd;

	if (!fuzz_dir[0]) {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/ronda-fuzz.XXXXXX");
		if (!mkdtemp(fuzz_dir))
			abort();
		atexit(fuzz_cleanup);
		snprintf(path, sizeof(path), "%s/input", fuzz_dir);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (n && write(fd, d, n) != (ssize_t)n)
		abort();
	close(fd);
	return path;
}

/* The input as a NUL-terminated string (caller frees); NULL on ENOMEM. */
static inline char *fuzz_str(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, d, n);
		s[n] = '\0';
	}
	return s;
}

#endif
