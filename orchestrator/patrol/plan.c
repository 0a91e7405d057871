/*
 * plan.c - a patrol plan and the job line made from it; see plan.h.
 *
 * The plan keeps its tasks as JSON objects already in the agent's format
 * (playbook_load and checkspec_parse build them), so making the job is only
 * wrapping them with the protocol version, profile, clock and deadline.
 * The job is checked with proto_job_parse before it leaves, the same check
 * the agent makes, so a bad plan fails here and not on a thousand hosts.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "proto.h"
#include "banned.h"

void patrol_plan_init(struct patrol_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void patrol_plan_release(struct patrol_plan *p)
{
	free(p->name);
	free(p->profile);
	json_decref(p->tasks);
	json_decref(p->write_paths);
	memset(p, 0, sizeof(*p));
}

static int dump_cb(const char *text, size_t n, void *data)
{
	return buf_append(data, text, n) == RONDA_OK ? 0 : -1;
}

void patrol_plan_preview(struct patrol_plan *p)
{
	p->dry_run = 1;
}

const char *patrol_plan_profile(const struct patrol_plan *p)
{
	return p->dry_run || !p->profile ? "inspect" : p->profile;
}

int patrol_plan_job(const struct patrol_plan *p, double now, struct buf *out)
{
	json_t *job = NULL;
	struct buf err;
	struct proto_job check;
	size_t mark = buf_len(out);
	int r = RONDA_ENOMEM;

	buf_init(&err, 1024);
	job = json_pack("{s:i, s:s}", "ronda", PROTO_VERSION, "profile",
			patrol_plan_profile(p));
	if (!job)
		goto out;
	if (now > 0 && json_object_set_new(job, "now", json_real(now)))
		goto out;
	if (p->timeout > 0 && json_object_set_new(job, "timeout", json_real(p->timeout)))
		goto out;
	if (p->tasks ? json_object_set(job, "tasks", p->tasks) :
	    json_object_set_new(job, "tasks", json_array()))
		goto out;
	if (p->dry_run && json_object_set_new(job, "dry_run", json_true()))
		goto out;
	if (!p->dry_run && p->write_paths && json_array_size(p->write_paths) &&
	    json_object_set(job, "write_paths", p->write_paths))
		goto out;
	if (json_dump_callback(job, dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER |
			       JSON_REAL_PRECISION(17)) != 0) {
		r = RONDA_ELIMIT;
		goto out;
	}
	/* The agent's own check, so that no host ever gets a job it refuses. */
	r = proto_job_parse(buf_data(out) + mark, buf_len(out) - mark, &check, &err);
	if (r != RONDA_OK) {
		r = RONDA_EINVAL;
		goto out;
	}
	proto_job_release(&check);
	r = buf_putc(out, '\n');
out:
	if (r != RONDA_OK)
		buf_truncate(out, mark);
	json_decref(job);
	buf_release(&err);
	return r;
}

int patrol_plan_expect(const struct patrol_plan *plan, struct proto_job *job)
{
	struct buf text, err;
	int r;

	buf_init(&text, PROTO_JOB_MAX + 2);
	buf_init(&err, 1024);
	r = patrol_plan_job(plan, 0, &text);
	if (r == RONDA_OK)
		r = proto_job_parse(buf_data(&text), buf_len(&text), job, &err);
	buf_release(&text);
	buf_release(&err);
	return r;
}
