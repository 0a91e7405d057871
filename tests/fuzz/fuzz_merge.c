/* fuzz_merge.c - ronda merge's readers: the input is a JSON array of
 * run.json objects (the shards), each decoded as merge does, then
 * planned; every element is also read back as an exec and a patrol host
 * file.  A plan that succeeds must account for every host of every run
 * exactly once, each in the shard its hash names, and count the hosts it
 * leaves unpatrolled right. */
#include "fuzz.h"

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "inventory/shard.h"
#include "output/merge.h"
#include "output/runread.h"
#include "banned.h"

#define MAX_RUNS 8

static void check_plan(const struct merge_run *runs, size_t n, const struct merge_plan *p)
{
	size_t owned = 0, missing = 0, in_runs = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (p->owner[i] < 0) {
			missing++;
			continue;
		}
		if ((size_t)p->owner[i] >= n ||
		    !json_object_get(runs[p->owner[i]].hosts, p->names[i]) ||
		    runs[p->owner[i]].k != shard_of(p->names[i], p->n_shards))
			abort();
		owned++;
	}
	for (size_t r = 0; r < n; r++)
		in_runs += json_object_size(runs[r].hosts);
	if (missing != p->n_missing || owned != in_runs)
		abort();
}

static void read_hosts(const json_t *o)
{
	struct patrol_host h;
	struct host_result conn;
	struct buf err;

	buf_init(&err, 4096);
	memset(&h, 0, sizeof(h));
	host_result_init(&conn, 0);
	runread_patrol_host(o, &h, &conn, &err);
	patrol_host_release(&h);
	host_result_release(&conn);
	host_result_init(&conn, 0);
	runread_exec_host(o, &conn, &err);
	host_result_release(&conn);
	buf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merge_run runs[MAX_RUNS];
	struct merge_plan plan;
	struct buf err;
	json_t *all = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL), *o;
	size_t n = 0, i;

	fuzz_quiet();
	if (!json_is_array(all)) {
		json_decref(all);
		return 0;
	}
	buf_init(&err, 65536);
	json_array_foreach(all, i, o) {
		read_hosts(o);
		buf_reset(&err);
		if (n < MAX_RUNS && merge_run_decode(o, "RUN", &runs[n], &err) == RONDA_OK)
			n++;
		else if (n < MAX_RUNS && !strstr(buf_data(&err), "RUN/run.json: "))
			abort();	/* every error names the file */
	}
	memset(&plan, 0, sizeof(plan));
	buf_reset(&err);
	if (merge_plan(runs, n, &plan, &err) == RONDA_OK)
		check_plan(runs, n, &plan);
	else if (!buf_len(&err))
		abort();	/* every refusal says why */
	merge_plan_release(&plan);
	for (size_t r = 0; r < n; r++)
		merge_run_release(&runs[r]);
	buf_release(&err);
	json_decref(all);
	return 0;
}
