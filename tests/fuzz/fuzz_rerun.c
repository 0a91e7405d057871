/* fuzz_rerun.c - an --out run's run.json as --rerun-failed reads it, and
 * the input's first line as a --serial/--max-fail count.  Every failed name
 * must be found again, there are never more failed hosts than hosts, and a
 * count that parses is within its bounds and reads back the same. */
#include "fuzz.h"

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "output/rerun.h"
#include "banned.h"

static char dir[64], file[96];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

static void count(const uint8_t *d, size_t n)
{
	const uint8_t *nl = memchr(d, '\n', n);
	char *s = fuzz_str(d, nl ? (size_t)(nl - d) : n), again[16];
	struct cli_count c, c2;

	memset(&c, 0, sizeof(c));
	if (s && cli_count_parse(s, &c) == RONDA_OK) {
		if (c.value > (c.percent ? 100u : CLI_MAX_COUNT) || !c.set)
			abort();
		if (c.percent && cli_count_of(&c, 1000) > 1000)
			abort();
		snprintf(again, sizeof(again), "%u%s", c.value, c.percent ? "%" : "");
		memset(&c2, 0, sizeof(c2));
		if (cli_count_parse(again, &c2) != RONDA_OK || c2.value != c.value ||
		    c2.percent != c.percent)
			abort();
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rerun r;
	struct buf err;
	FILE *f;

	fuzz_quiet();
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/ronda-fuzz-rerun.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof(file), "%s/run.json", dir);
		atexit(cleanup);
	}
	count(data, size);
	f = fopen(file, "we");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	rerun_init(&r);
	buf_init(&err, 4096);
	if (rerun_load(&r, dir, &err) == RONDA_OK) {
		if (r.failed.n > r.n_hosts)
			abort();
		for (size_t i = 0; i < r.failed.n; i++)
			if (!rerun_failed(&r, r.failed.v[i]))
				abort();
	} else if (!strstr(buf_data(&err), file) && buf_len(&err)) {
		abort();	/* every error names the file */
	}
	rerun_release(&r);
	buf_release(&err);
	return 0;
}
