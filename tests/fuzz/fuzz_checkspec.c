/* fuzz_checkspec.c - `ronda check` specs: each input line is one spec, all
 * into one plan, then the job it builds. */
#include "fuzz.h"

#include "buf.h"
#include "err.h"
#include "patrol/checkspec.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct patrol_plan plan;
	struct buf err, job;
	char *s, *line, *nl;

	fuzz_quiet();
	if (!(s = fuzz_str(data, size)))
		return 0;
	patrol_plan_init(&plan);
	buf_init(&err, 4096);
	buf_init(&job, 1 << 24);
	for (line = s; line; line = nl ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		buf_reset(&err);
		(void)checkspec_parse(line, &plan, &err);
	}
	(void)patrol_plan_job(&plan, 1700000000.25, &job);
	patrol_plan_release(&plan);
	buf_release(&job);
	buf_release(&err);
	free(s);
	return 0;
}
