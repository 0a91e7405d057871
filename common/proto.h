/*
 * proto.h - the job and result schema shared by the orchestrator and the
 * agent (see PROTOCOL.md for the wire format).
 *
 * The orchestrator writes one job (a JSON object on one line) to the agent's
 * stdin; the agent answers with JSON Lines on stdout: one "facts" line, one
 * "result" line per task, one "summary" line; or a single "error" line when
 * the job is refused.  Every line carries "ronda": PROTO_VERSION.
 *
 * The check table below is the schema of each check type: its keys and their
 * JSON types.  proto_job_parse() checks a whole job against it (unknown keys,
 * wrong types, missing keys, duplicate task names are errors) so that the
 * agent can refuse a bad job before running any of it, and the orchestrator
 * can refuse a bad playbook before connecting anywhere.
 *
 * Usage:  struct proto_job job; struct buf err; buf_init(&err, 1024);
 *         if (proto_job_parse(text, len, &job, &err) == RONDA_OK) {
 *                 ...; proto_job_release(&job); }
 */
#ifndef RONDA_PROTO_H
#define RONDA_PROTO_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"

#define PROTO_VERSION 1
/* A job larger than this is refused (it would not be a patrol). */
#define PROTO_JOB_MAX ((size_t)1 << 20)
#define PROTO_MAX_TASKS 1000
/* The longest line the agent writes, newline included. */
#define PROTO_LINE_MAX ((size_t)64 << 20)
#define PROTO_LINE_MAX_TEXT "64 MiB"

enum proto_verdict {
	VERDICT_OK = 0,
	VERDICT_WARN,
	VERDICT_FAIL,
	VERDICT_ERROR,
	VERDICT_SKIPPED,
	VERDICT__COUNT
};

enum proto_profile {
	PROFILE_INSPECT = 0,	/* check-only: nothing on the host is written */
	PROFILE_MAINTAIN,	/* writes allowed under the job's write_paths */
};

enum proto_ftype {
	FT_STR,		/* string */
	FT_NUM,		/* number (integer or real) */
	FT_INT,		/* integer */
	FT_BOOL,
	FT_STRS,	/* array of strings */
	FT_SCALAR,	/* string or number */
	FT_ARRAY,	/* array of anything (checked by the caller) */
	FT_OBJECT,	/* object (checked by the caller) */
};

struct proto_field {
	const char *name;
	enum proto_ftype type;
	int required;
};

struct proto_check {
	const char *name;
	const struct proto_field *fields;	/* ends with a NULL name */
	int maintain_only;	/* needs the maintain profile */
};

struct proto_task {
	const char *name;		/* unique within the job */
	const struct proto_check *check;
	json_t *obj;			/* the task object (borrowed from the job) */
	double timeout;			/* seconds; 0 = the check's default */
	/* "when": run only if earlier task when_task (-1: always run) got
	 * a verdict in when_verdicts (bit 1 << verdict). */
	int when_task;
	unsigned when_verdicts;
};

struct proto_job {
	int version;
	enum proto_profile profile;
	double now;		/* orchestrator's clock, Unix seconds; 0 = absent */
	double timeout;		/* whole job, seconds; 0 = none */
	int dry_run;		/* maintenance tasks only report what they would do */
	struct proto_task *tasks;
	size_t n_tasks;
	const char **write_paths;	/* maintain profile only */
	size_t n_write_paths;
	json_t *root;
};

const char *proto_verdict_name(int verdict);
int proto_verdict_from_name(const char *name, int *verdict);
const char *proto_profile_name(int profile);
int proto_profile_from_name(const char *name, int *profile);

/* The check table; NULL if name is not a check type. */
const struct proto_check *proto_check_find(const char *name);
const struct proto_check *proto_checks(size_t *n);

/*
 * Parses and validates a job.  On failure returns RONDA_EPARSE (or
 * RONDA_ELIMIT, RONDA_ENOMEM) and appends one line of explanation to err
 * (without a newline), such as `tasks[2] ("root"): unknown key "pth"`.
 */
int proto_job_parse(const char *text, size_t len, struct proto_job *job,
		    struct buf *err);
void proto_job_release(struct proto_job *job);

/* Typed access to a validated task's keys; def when the key is absent. */
const char *proto_task_str(const struct proto_task *t, const char *key,
			   const char *def);
double proto_task_num(const struct proto_task *t, const char *key, double def);
int proto_task_bool(const struct proto_task *t, const char *key, int def);
int proto_task_has(const struct proto_task *t, const char *key);
/* The array of strings under key, or NULL. */
json_t *proto_task_strs(const struct proto_task *t, const char *key);

/*
 * Strings from the host (command output, file names, the hostname) may hold
 * any bytes, but JSON strings are UTF-8: proto_utf8_clean() appends s[0..n)
 * to b with each byte that is not part of a valid UTF-8 character (and each
 * NUL and DEL) replaced by U+FFFD, as PROTOCOL.md says.  proto_string() and
 * proto_stringn() make a JSON string that way; NULL only when out of memory.
 * Every string the agent puts in a line goes through them.
 */
int proto_utf8_clean(struct buf *b, const char *s, size_t n);
json_t *proto_stringn(const char *s, size_t n);
json_t *proto_string(const char *s);

/*
 * Appends one protocol line: obj with "ronda" and "type" put first, as
 * compact JSON, and a newline.  obj is not modified.
 */
int proto_line(const char *type, json_t *obj, struct buf *out);

/*
 * Parses one line from an agent.  Checks the version and the type, and for
 * "result" lines the fields every result has (task, check, verdict, message,
 * values, ms).  On success *obj is a new reference and *type points into it.
 */
int proto_line_parse(const char *line, size_t n, json_t **obj,
		     const char **type, struct buf *err);

#endif
