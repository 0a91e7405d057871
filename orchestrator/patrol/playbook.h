/*
 * playbook.h - a libconfig playbook read into a patrol plan (plan.h); see
 * playbooks/patrol.cfg for the form of the file.
 */
#ifndef RONDA_PLAYBOOK_H
#define RONDA_PLAYBOOK_H

#include "buf.h"
#include "plan.h"

/*
 * Loads a libconfig playbook.  Errors name file and line in err and return
 * RONDA_ECONFIG.  tags/skip_tags (NULL-terminated, may be NULL) filter
 * tasks by their tags.
 */
int playbook_load(const char *path, const char *const *tags,
		  const char *const *skip_tags, struct patrol_plan *out,
		  struct buf *err);

#endif
