/*
 * proto.h - the job and result schema shared by the orchestrator and the
 * agent (see PROTOCOL.md for the wire format).
 *
 * The orchestrator writes one job (a JSON object on one line) to the agent's
 * stdin; the agent answers with JSON Lines on stdout: one "facts" line, one
 * "result" line per task, one "summary" line; or a single "error" line when
 * the job is refused.  Every line carries "ronda": PROTO_VERSION.
 *
 * The check table (proto_schema.c) is the schema of each check type: its
 * keys, their JSON types, the rule each value follows and the rules between
 * keys.  proto_job_parse() checks a whole job against it (unknown keys,
 * wrong types, missing keys, values out of their rule, duplicate task names
 * are errors) so that the agent can refuse a bad job before running any of
 * it, and the orchestrator can refuse a bad playbook or check spec, with the
 * same words, before connecting anywhere.
 *
 * Usage:  struct proto_job job; struct buf err; buf_init(&err, 1024);
 *         if (proto_job_parse(text, len, &job, &err) == RONDA_OK) {
 *                 ...; proto_job_release(&job); }
 */
#ifndef RONDA_PROTO_H
#define RONDA_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

#define PROTO_VERSION 1
/* A job larger than this is refused (it would not be a patrol). */
#define PROTO_JOB_MAX ((size_t)1 << 20)
#define PROTO_MAX_TASKS 1000
/* The longest line the agent writes, newline included. */
#define PROTO_LINE_MAX ((size_t)64 << 20)
#define PROTO_LINE_MAX_TEXT "64 MiB"
/* Rotated files of one log that a rotate task may keep ("rotate"). */
#define PROTO_MAX_ROTATED 1000

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

/* What a value must be, beyond its JSON type. */
enum proto_rule {
	R_NONE = 0,
	R_RANGE,	/* a number in [min, max] (max may be INFINITY) */
	R_CHOICE,	/* one of words (an integer: its decimal form) */
	R_ABSPATH,	/* an absolute path */
	R_LOGGLOB,	/* absolute, wildcards (* ? [) in the last name only */
	R_NAMEGLOB,	/* a name pattern without '/' */
	R_OCTAL,	/* an octal mode, at most max */
	R_SIZE,		/* bytes, at least min: a number, or "100k", "10M", "1G" */
	R_UNIT,		/* a systemd unit name */
	R_SYSCTL,	/* a sysctl key (proto_sysctl_key_ok) */
	R_ADDRESS,	/* an IPv4 or IPv6 address literal */
	R_DATEFMT,	/* a dateext format: %Y %m %d %H %M %S %s, no '/' */
	R_ARGV,		/* non-empty; argv[0] absolute or a bare name */
};

struct proto_field {
	const char *name;
	enum proto_ftype type;
	int required;
	enum proto_rule rule;		/* for arrays of strings: each element
					   (R_ARGV: the whole array) */
	double min, max;		/* R_RANGE, R_SIZE (min), R_OCTAL (max) */
	const char *const *words;	/* R_CHOICE, NULL-terminated */
};

/* Rules between two keys of one task. */
enum proto_xkind {
	X_END = 0,
	X_NOT_BOTH,	/* not both a and b */
	X_ANY_OF,	/* a or b (or both) */
	X_ONLY_WITH,	/* a only when b is one of words */
	X_NUMBER_WITH,	/* b must be a number when a is one of words */
};

struct proto_xrule {
	enum proto_xkind kind;
	const char *a, *b;
	const char *const *words;
};

struct proto_check {
	const char *name;
	const struct proto_field *fields;	/* ends with a NULL name */
	const struct proto_xrule *xrules;	/* ends with X_END */
	int maintain_only;	/* needs the maintain profile */
	const char *host;	/* what only the agent checks, on the host
				   (for the documentation); NULL: nothing */
};

/* Where proto_job_parse_at found the fault. */
struct proto_fault {
	long task;		/* index in tasks; -1: the job itself */
	char key[64];		/* the key at fault; "" when none is */
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
 * Checks the values of obj, a task of check c whose keys and types are
 * already checked, against c's value and cross-key rules.  RONDA_EPARSE
 * with one line in err (such as `"exit" must be 0 to 255, not 256`) and
 * the key at fault in at->key (at may be NULL).
 */
int proto_schema_check_task(const struct proto_check *c, json_t *obj,
			    struct buf *err, struct proto_fault *at);
/* The rule of f in words ("0 to 255", "tcp or udp"); nothing if none. */
void proto_field_rule(const struct proto_field *f, struct buf *out);
/* A cross-key rule in words ("needs \"path\" or \"paths\""). */
void proto_xrule_text(const struct proto_xrule *x, struct buf *out);

/* "100", "10k", "2M", "1G" (k, M, G: powers of 1024) to bytes. */
int proto_size_parse(const char *s, uint64_t *v);
/* Is key a sysctl name (net.ipv4.ip_forward or net/ipv4/ip_forward)? */
int proto_sysctl_key_ok(const char *key);

/*
 * Parses and validates a job.  On failure returns RONDA_EPARSE (or
 * RONDA_ELIMIT, RONDA_ENOMEM) and appends one line of explanation to err
 * (without a newline), such as `tasks[2] ("root"): unknown key "pth"`.
 */
int proto_job_parse(const char *text, size_t len, struct proto_job *job,
		    struct buf *err);
/* The same, and on failure where: at->task and at->key (for file:line). */
int proto_job_parse_at(const char *text, size_t len, struct proto_job *job,
		       struct buf *err, struct proto_fault *at);
void proto_job_release(struct proto_job *job);

/* Typed access to a validated task's keys; def when the key is absent. */
const char *proto_task_str(const struct proto_task *t, const char *key,
			   const char *def);
double proto_task_num(const struct proto_task *t, const char *key, double def);
/* An R_SIZE key in bytes. */
uint64_t proto_task_size(const struct proto_task *t, const char *key, uint64_t def);
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
