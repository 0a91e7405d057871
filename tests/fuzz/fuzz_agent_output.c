/* fuzz_agent_output.c - what the orchestrator makes of an agent's stdout:
 * push_parse_agent() or results_feed() in pieces into a host, then everything that reads the decoded
 * host (verdict, cause, summary groups, terminal summary and JSON Lines). */
#include "fuzz.h"

#include "buf.h"
#include "ssh/engine.h"
#include "err.h"
#include "output/exitcode.h"
#include "output/json.h"
#include "output/summary.h"
#include "output/verdict.h"
#include "proto.h"
#include "patrol/results.h"
#include "inventory/target.h"
#include "banned.h"

/* The job the lines are held against: two tasks, so the accounting of
 * missing, extra and duplicate results is reached. */
static const char job_text[] =
	"{\"ronda\":1,\"profile\":\"inspect\",\"tasks\":["
	"{\"name\":\"root\",\"check\":\"disk\",\"path\":\"/\"},"
	"{\"name\":\"load\",\"check\":\"load\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proto_job job;
	static int have_job = -1;
	struct target t = { .name = (char *)(uintptr_t)"web01", .port = 22 };
	struct host_result conn;
	struct patrol_host h;
	struct target_list tl;
	struct patrol_groups g;
	char why[512];
	FILE *null;

	fuzz_quiet();
	if (have_job < 0) {
		struct buf err;

		buf_init(&err, 1024);
		have_job = proto_job_parse(job_text, sizeof(job_text) - 1, &job, &err) == RONDA_OK;
		buf_release(&err);
	}
	memset(&conn, 0, sizeof(conn));
	memset(&h, 0, sizeof(h));
	conn.status = RESULT_OK;
	conn.ms_connect = conn.ms_handshake = conn.ms_auth = conn.ms_run = 1;
	h.conn = &conn;
	why[0] = '\0';
	if (size && data[0] & 1) {
		push_parse_agent((const char *)data, size, have_job ? &job : NULL, &h, why, sizeof(why));
	} else {
		/* fed in pieces whose sizes the input picks, as a stream arrives */
		struct results_parser p;
		size_t step = size ? (size_t)data[0] % 17 + 1 : 1;

		results_init(&p, &h, have_job ? &job : NULL);
		p.line_max = 4096;	/* so that the over-long path is reached */
		for (size_t at = 0; at < size; at += step)
			results_feed(&p, (const char *)data + at, size - at < step ? size - at : step);
		results_finish(&p);
		results_release(&p);
	}
	(void)patrol_host_verdict(&h);
	(void)patrol_host_why(&h);
	(void)patrol_exit_code(&h, 1);
	target_list_init(&tl);
	if (target_list_add(&tl, &t) == RONDA_OK) {
		if (patrol_groups_build(&tl, &h, &g) == RONDA_OK)
			patrol_groups_release(&g);
		if ((null = fopen("/dev/null", "we"))) {
			/* the spread and colours too: hostile values reach both */
			(void)patrol_report_summary(null, &tl, &h, (int)(size & 1));
			(void)patrol_report_json(null, &tl, &h);
			fclose(null);
		}
	}
	target_list_release(&tl);
	patrol_host_release(&h);
	return 0;
}
