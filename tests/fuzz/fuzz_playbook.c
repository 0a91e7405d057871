/* fuzz_playbook.c - the playbook loader (libconfig text), with and without
 * tag filters, then the job it builds. */
#include "fuzz.h"

#include "buf.h"
#include "err.h"
#include "patrol/playbook.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tags[] = { "daily", NULL };
	static const char *const skip[] = { "slow", NULL };
	const char *path;
	struct patrol_plan plan;
	struct buf err, job;

	fuzz_quiet();
	path = fuzz_file(data, size);
	buf_init(&err, 4096);
	buf_init(&job, 1 << 24);
	for (int pass = 0; pass < 2; pass++) {
		buf_reset(&err);
		if (playbook_load(path, pass ? tags : NULL, pass ? skip : NULL, &plan, &err) != RONDA_OK)
			break;
		buf_reset(&job);
		(void)patrol_plan_profile(&plan);
		(void)patrol_plan_job(&plan, 1700000000.25, &job);
		patrol_plan_release(&plan);
	}
	buf_release(&job);
	buf_release(&err);
	return 0;
}
