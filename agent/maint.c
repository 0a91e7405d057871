/*
 * maint.c - reports, dry runs, su and sizes for rotate and cleanup; see
 * maint.h.
 */
#include "maint.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "err.h"
#include "fsafe.h"
#include "banned.h"

void (*maint_hook)(const char *point, int dfd, const char *name);

int maint_report_init(struct maint_report *m, int dry)
{
	memset(m, 0, sizeof(*m));
	m->dry = dry;
	m->skipped = json_array();
	m->actions = json_array();
	return m->skipped && m->actions ? RONDA_OK : RONDA_ENOMEM;
}

void maint_skip(struct maint_report *m, const char *dir, const char *name,
		const char *fmt, ...)
{
	char why[512], path[4096 + 256];
	va_list ap;

	if (json_array_size(m->skipped) >= MAINT_MAX_LISTED)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s%s%s", dir, name && name[0] ?
		 (strcmp(dir, "/") ? "/" : "") : "", name ? name : "");
	json_array_append_new(m->skipped, json_pack("{s:o, s:o}", "path", proto_string(path),
						    "reason", proto_string(why)));
}

void maint_action(struct maint_report *m, const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	int n;

	m->n_actions++;
	if (json_array_size(m->actions) >= MAINT_MAX_LISTED)
		return;
	n = m->dry ? snprintf(what, sizeof(what), "would ") : 0;
	va_start(ap, fmt);
	vsnprintf(what + n, sizeof(what) - (size_t)n, fmt, ap);
	va_end(ap);
	json_array_append_new(m->actions, proto_string(what));
}

void maint_report_finish(struct maint_report *m, struct check_result *res)
{
	json_object_set_new(res->values, "dry_run", json_boolean(m->dry));
	check_value(res, "files_rotated", (double)m->rotated);
	check_value(res, "files_compressed", (double)m->compressed);
	check_value(res, "files_archived", (double)m->archived);
	check_value(res, "files_deleted", (double)m->deleted);
	check_value(res, "files_recovered", (double)m->recovered);
	check_value(res, "bytes_freed", (double)m->freed);
	check_value(res, "bytes_before", (double)m->before);
	check_value(res, "bytes_after", (double)m->after);
	json_object_set_new(res->values, "skipped", m->skipped);
	json_object_set_new(res->values, "actions", m->actions);
	if (m->n_actions > json_array_size(m->actions))
		check_value(res, "actions_not_listed",
			    (double)(m->n_actions - json_array_size(m->actions)));
	m->skipped = m->actions = NULL;
}

int maint_dry(const struct proto_task *t, const struct check_ctx *c)
{
	return proto_task_bool(t, "dry_run", 0) || (c && c->job && c->job->dry_run);
}

int maint_su(const struct proto_task *t, uid_t *uid, gid_t *gid,
	     struct buf *err)
{
	const char *su = proto_task_str(t, "su", NULL), *colon;
	unsigned long long u, g = (unsigned long long)-1;
	char user[256];

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (!su)
		return RONDA_OK;
	colon = strchr(su, ':');
	snprintf(user, sizeof(user), "%.*s", colon ? (int)(colon - su) : (int)strlen(su), su);
	if (ids_lookup("/etc/passwd", user, &u) != RONDA_OK ||
	    (colon && ids_lookup("/etc/group", colon + 1, &g) != RONDA_OK)) {
		buf_printf(err, "\"su\": no such user or group: %s", su);
		return RONDA_EINVAL;
	}
	/* Without a group, the user's name as a group (Debian's habit). */
	if (!colon && ids_lookup("/etc/group", user, &g) != RONDA_OK)
		g = (unsigned long long)-1;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return RONDA_OK;
}
