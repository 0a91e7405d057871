/*
 * rerun.c - see rerun.h.
 */
#include "rerun.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "banned.h"

void rerun_init(struct rerun *r)
{
	hostlist_init(&r->failed);
	r->n_hosts = 0;
}

void rerun_release(struct rerun *r)
{
	hostlist_release(&r->failed);
	r->n_hosts = 0;
}

/* A host's entry: an exec object's "status", or a patrol verdict string. */
static const char *host_state(const json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	return json_string_value(json_object_get(v, "status"));
}

int rerun_load(struct rerun *r, const char *rundir, struct buf *err)
{
	struct buf file;
	json_error_t je;
	json_t *o = NULL, *hosts, *v;
	const char *name;
	int fd = -1, rc = RONDA_ECONFIG;

	buf_init(&file, 4096);
	if (buf_printf(&file, "%s/run.json", rundir)) {
		buf_printf(err, "%.64s...: path too long", rundir);
		goto out;
	}
	fd = open(buf_data(&file), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "%s: %s (not a directory from --out?)", buf_data(&file),
			   strerror(errno));
		goto out;
	}
	if (!(o = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je))) {
		buf_printf(err, "%s:%d: %s", buf_data(&file), je.line, je.text);
		goto out;
	}
	hosts = json_object_get(o, "hosts");
	if (!json_is_object(hosts)) {
		buf_printf(err, "%s: no \"hosts\" object: not a ronda run.json", buf_data(&file));
		goto out;
	}
	json_object_foreach(hosts, name, v) {
		const char *st = host_state(v);

		if (!st) {
			buf_printf(err, "%s: host \"%.64s\" has no status or verdict",
				   buf_data(&file), name);
			goto out;
		}
		r->n_hosts++;
		if (strcmp(st, "ok") != 0 && hostlist_push(&r->failed, name, strlen(name))) {
			rc = RONDA_ENOMEM;
			goto out;
		}
	}
	hostlist_sort_unique(&r->failed);
	rc = RONDA_OK;
out:
	if (fd >= 0)
		close(fd);
	json_decref(o);
	buf_release(&file);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return hostlist_natural_cmp(*(char *const *)a, *(char *const *)b);
}

int rerun_failed(const struct rerun *r, const char *name)
{
	return r->failed.n && bsearch(&name, r->failed.v, r->failed.n, sizeof(char *), cmp_name);
}
