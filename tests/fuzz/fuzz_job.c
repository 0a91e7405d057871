/* fuzz_job.c - the agent's job parser, proto_job_parse(), and then every
 * task's prepare step as the agent runs it before any task, rotate and
 * cleanup included.  The context has no job, as in a probe child, so no
 * prepare step touches the disk (rotate makes its state directory only
 * for a real job). */
#include "fuzz.h"

#include "buf.h"
#include "check.h"
#include "err.h"
#include "proto.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_job job;
	struct check_ctx ctx;
	struct buf err;

	fuzz_quiet();
	memset(&ctx, 0, sizeof(ctx));
	ctx.received = 1700000000.5;
	ctx.self = "/proc/self/exe";
	buf_init(&err, 4096);
	if (proto_job_parse((const char *)data, size, &job, &err) == RONDA_OK) {
		for (size_t i = 0; i < job.n_tasks; i++) {
			const struct check_ops *ops = check_find(job.tasks[i].check->name);

			if (!ops)
				abort();	/* the schema let through an unknown check */
			buf_reset(&err);
			if (ops->prepare)	/* NULL: the schema says it all */
				(void)ops->prepare(&job.tasks[i], &ctx, &err);
		}
		proto_job_release(&job);
	}
	buf_release(&err);
	return 0;
}
