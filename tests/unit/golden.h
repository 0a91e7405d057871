/*
 * golden.h - golden files for the output tests: a test's text compared with
 * tests/unit/golden/NAME, byte for byte; GOLDEN_WRITE=1 rewrites the file,
 * and a difference leaves the new text in /tmp/golden-NAME.  unclock() cuts
 * the clock out first.  Included after cmocka.h; static inline, so a test
 * may use only part of it.
 */
#ifndef RONDA_TEST_GOLDEN_H
#define RONDA_TEST_GOLDEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/engine.h"

#define GOLDEN "tests/unit/golden/"

/* What a fixture host's handshake agreed on (ssh/engine.h). */
static inline void golden_methods(struct host_result *r, const char *hostkey,
				  const char *cs, const char *sc, const char *mac)
{
	/* literals, as libssh2's own names are static */
	r->methods.kex = "curve25519-sha256";
	r->methods.hostkey = hostkey;
	r->methods.cipher[0] = cs;
	r->methods.cipher[1] = sc;
	r->methods.mac[0] = mac;
	r->methods.mac[1] = mac;
}

static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

/* Cuts out what follows each mark up to the end char (the clock). */
static inline void unclock(char *s, const char *mark, char end)
{
	char *p = s;

	while ((p = strstr(p, mark))) {
		char *q = strchr(p + strlen(mark), end);

		assert_non_null(q);
		memmove(p + strlen(mark), q, strlen(q) + 1);
		p += strlen(mark);
	}
}

static inline void golden(const char *name, const char *text)
{
	char path[256], *want;
	FILE *f;

	snprintf(path, sizeof(path), GOLDEN "%s", name);
	if (getenv("GOLDEN_WRITE")) {
		f = fopen(path, "we");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	want = slurp(path);
	if (!want)
		fail_msg("no %s (GOLDEN_WRITE=1 makes it)", path);
	if (strcmp(want, text)) {
		snprintf(path, sizeof(path), "/tmp/golden-%s", name);
		f = fopen(path, "we");
		if (f) {
			fputs(text, f);
			fclose(f);
		}
		fail_msg("%s differs from " GOLDEN "%s", path, name);
	}
	free(want);
}

#endif
