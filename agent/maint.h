/*
 * maint.h - what the maintenance tasks (rotate, cleanup) share: the report
 * every host sends back, dry runs, the "su" user and sizes.
 *
 * A report counts what was done (or, in a dry run, what would be done) and
 * lists what was skipped with the reason; maint_report_finish() turns it
 * into the result's values:
 *   dry_run, files_rotated, files_compressed, files_archived, files_deleted,
 *   files_recovered, bytes_freed, bytes_before, bytes_after,
 *   skipped: [{path, reason}], actions: ["rename a -> b", ...] (capped).
 */
#ifndef RONDA_MAINT_H
#define RONDA_MAINT_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "check.h"

#define MAINT_MAX_LISTED 200

struct maint_report {
	int dry;
	uint64_t rotated, compressed, archived, deleted, recovered;
	int64_t freed, before, after;
	json_t *skipped, *actions;
	size_t n_actions;
};

/*
 * Tests only: when set, called at named points between two steps of a
 * maintenance task ("cleanup: unlink", "rotate: create", "heal: unlink"),
 * with the directory and the name about to be acted on, so a test can make
 * a writer act there without racing.  NULL in the agent.
 */
extern void (*maint_hook)(const char *point, int dfd, const char *name);
#define MAINT_HOOK(point, dfd, name) \
	do { if (maint_hook) maint_hook(point, dfd, name); } while (0)

int maint_report_init(struct maint_report *m, int dry);
/* Records dir/name as skipped, with a reason. */
void maint_skip(struct maint_report *m, const char *dir, const char *name,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Records an action ("would ..." in a dry run). */
void maint_action(struct maint_report *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Puts the report into res->values and frees it. */
void maint_report_finish(struct maint_report *m, struct check_result *res);

/* A dry run: the task's dry_run, or the whole job's. */
int maint_dry(const struct proto_task *t, const struct check_ctx *c);

/*
 * The task's "su": "user" or "user:group", names or numbers.  Without it
 * *uid and *gid are (uid_t)-1 and (gid_t)-1.
 */
int maint_su(const struct proto_task *t, uid_t *uid, gid_t *gid,
	     struct buf *err);

#endif
