/*
 * check_fs.c - checks of file systems and files: disk, file, mount.
 *
 * disk and file call statvfs/stat, which wait for the file server of a
 * network mount, so they are isolated (run in a probe child under a
 * deadline); check_progress() names each path before touching it.  mount
 * reads only /proc/self/mounts and runs in-process.
 */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "checks.h"
#include "err.h"
#include "banned.h"

void mounts_unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
		    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) |
				      (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

/* One line of /proc/self/mounts split into fields (unescaped, in place). */
struct mnt {
	char *dev, *dir, *type, *opts;
};

static int mnt_split(char *line, struct mnt *m)
{
	char *save = NULL;

	m->dev = strtok_r(line, " ", &save);
	m->dir = strtok_r(NULL, " ", &save);
	m->type = strtok_r(NULL, " ", &save);
	m->opts = strtok_r(NULL, " ", &save);
	if (!m->opts)
		return RONDA_EPARSE;
	mounts_unescape(m->dev);
	mounts_unescape(m->dir);
	return RONDA_OK;
}

/* Reads /proc/self/mounts into b; on failure the result says so. */
static int read_mounts(struct buf *b, struct check_result *res)
{
	check_progress("read", "/proc/self/mounts");
	if (check_read_file("/proc/self/mounts", b, 4 << 20) != RONDA_OK) {
		check_say(res, VERDICT_ERROR, "cannot read /proc/self/mounts");
		return RONDA_ESYS;
	}
	return RONDA_OK;
}

/* File systems that hold no user data, skipped by "every mount". */
static const char *const pseudo_fs[] = {
	"proc", "sysfs", "devtmpfs", "tmpfs", "devpts", "cgroup", "cgroup2",
	"mqueue", "debugfs", "tracefs", "securityfs", "pstore", "bpf",
	"autofs", "hugetlbfs", "fusectl", "configfs", "binfmt_misc", "nsfs",
	"ramfs", "rpc_pipefs", "efivarfs", "squashfs", "overlay", "fuse.lxcfs",
	"selinuxfs", "iso9660", NULL,
};

static int is_pseudo(const char *type)
{
	for (const char *const *p = pseudo_fs; *p; p++) {
		if (strcmp(*p, type) == 0)
			return 1;
	}
	return 0;
}

/*
 * Measures one path and adds its object to arr.  The message names the worst
 * file system so far (*wv, *wpct: its verdict and use).
 */
static void disk_one(const struct proto_task *t, const char *path, json_t *arr,
		     struct check_result *res, int *wv, double *wpct)
{
	struct statvfs sv;
	double used, avail, pct, ipct = 0;
	int v, vi;

	check_progress("statvfs", path);
	if (statvfs(path, &sv) < 0) {
		if (*wv < VERDICT_ERROR)
			check_say(res, VERDICT_ERROR, "%s: %s", path, strerror(errno));
		*wv = VERDICT_ERROR;
		return;
	}
	used = (double)(sv.f_blocks - sv.f_bfree) * (double)sv.f_frsize;
	avail = (double)sv.f_bavail * (double)sv.f_frsize;
	/* As df: the share of what non-root users can use. */
	pct = used + avail > 0 ? 100.0 * used / (used + avail) : 0;
	if (sv.f_files)
		ipct = 100.0 * (double)(sv.f_files - sv.f_ffree) / (double)sv.f_files;
	json_array_append_new(arr, json_pack("{s:o, s:f, s:I, s:I, s:f}",
		"path", proto_string(path), "used_pct", round(pct * 10) / 10,
		"size_bytes", (json_int_t)((double)sv.f_blocks * (double)sv.f_frsize),
		"avail_bytes", (json_int_t)avail,
		"inodes_used_pct", round(ipct * 10) / 10));
	v = check_above(pct, proto_task_num(t, "warn", 80), proto_task_num(t, "fail", 90));
	vi = check_above(ipct, proto_task_num(t, "inode_warn", 80),
			 proto_task_num(t, "inode_fail", 90));
	if (vi > v)
		v = vi;
	if (v > *wv || (v == *wv && pct > *wpct)) {
		*wv = v;
		*wpct = pct;
		check_say(res, v, "%s %.1f%% used (%.1f GiB free), inodes %.1f%%",
			  path, pct, avail / (1 << 30), ipct);
	}
}

static int disk_run(const struct proto_task *t, const struct check_ctx *c,
		    struct check_result *res)
{
	const char *path = proto_task_str(t, "path", NULL);
	json_t *arr = json_array(), *fsids = json_array();
	struct buf b;
	char *line, *save = NULL;
	double worst = -1;
	int wv = -1;
	size_t n = 0;

	(void)c;
	buf_init(&b, 4 << 20);
	if (path) {
		disk_one(t, path, arr, res, &wv, &worst);
		goto out;
	}
	if (read_mounts(&b, res) != RONDA_OK)
		goto out;
	for (line = strtok_r(b.mem ? b.mem + b.off : NULL, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mnt m;
		struct statvfs sv;
		char id[64];
		size_t i;
		json_t *e;

		if (mnt_split(line, &m) != RONDA_OK || is_pseudo(m.type))
			continue;
		/* The same file system bind-mounted twice is counted once. */
		check_progress("statvfs", m.dir);
		if (statvfs(m.dir, &sv) < 0 || sv.f_blocks == 0)
			continue;
		snprintf(id, sizeof(id), "%lx", (unsigned long)sv.f_fsid);
		json_array_foreach(fsids, i, e) {
			if (strcmp(json_string_value(e), id) == 0)
				break;
		}
		if (i < json_array_size(fsids))
			continue;
		json_array_append_new(fsids, json_string(id));
		disk_one(t, m.dir, arr, res, &wv, &worst);
		n++;
	}
	if (n == 0)
		check_say(res, VERDICT_SKIPPED, "no real file system mounted");
	else if (n > 1)
		check_add(res, VERDICT_OK, "the worst of %zu file systems", n);
out:
	json_object_set_new(res->values, "filesystems", arr);
	json_decref(fsids);
	buf_release(&b);
	return RONDA_OK;
}

int ids_lookup(const char *file, const char *name, unsigned long long *id)
{
	unsigned long long v;
	struct buf b;
	char *line, *save = NULL, *f_save, *nm, *num;
	int r = RONDA_ENOTFOUND;

	if (check_parse_u64(name, &v) == RONDA_OK) {
		*id = v;
		return RONDA_OK;
	}
	buf_init(&b, 8 << 20);
	if (check_read_file(file, &b, 8 << 20) != RONDA_OK) {
		r = RONDA_ESYS;
		goto out;
	}
	for (line = strtok_r(b.mem ? b.mem + b.off : NULL, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		f_save = NULL;
		nm = strtok_r(line, ":", &f_save);
		(void)strtok_r(NULL, ":", &f_save);	/* password */
		num = strtok_r(NULL, ":", &f_save);
		if (nm && num && strcmp(nm, name) == 0 &&
		    check_parse_u64(num, &v) == RONDA_OK) {
			*id = v;
			r = RONDA_OK;
			break;
		}
	}
out:
	buf_release(&b);
	return r;
}

static const char *ftype_of(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "symlink" :
	       S_ISSOCK(m) ? "socket" : S_ISFIFO(m) ? "fifo" : S_ISBLK(m) ? "block" :
	       S_ISCHR(m) ? "char" : "other";
}

static int file_prepare(const struct proto_task *t, const struct check_ctx *c,
			struct buf *err)
{
	const char *re = proto_task_str(t, "contains", NULL);
	regex_t rx;
	int rc;

	/* path, type and mode follow the schema (proto_schema.c). */
	(void)c;
	if (re) {
		rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
		if (rc) {
			buf_printf(err, "\"contains\" is not a valid extended regex: %s", re);
			return RONDA_EINVAL;
		}
		regfree(&rx);
	}
	return RONDA_OK;
}

static void file_contains(const char *path, const char *re,
			  struct check_result *res)
{
	const size_t max = (size_t)4 << 20;
	struct buf b;
	regex_t rx;
	int hit;

	buf_init(&b, max);
	check_progress("read", path);
	if (check_read_file(path, &b, max) != RONDA_OK) {
		check_add(res, VERDICT_ERROR, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE))
		goto out;
	/* Text with NULs is searched up to the first one. */
	hit = regexec(&rx, buf_data(&b), 0, NULL, 0) == 0;
	regfree(&rx);
	json_object_set_new(res->values, "contains", json_boolean(hit));
	if (!hit)
		check_add(res, VERDICT_FAIL, "no line matches /%s/%s", re,
			  buf_len(&b) >= max ? " in the first 4 MiB" : "");
out:
	buf_release(&b);
}

static int file_run(const struct proto_task *t, const struct check_ctx *c,
		    struct check_result *res)
{
	const char *path = proto_task_str(t, "path", "");
	const char *type = proto_task_str(t, "type", NULL);
	const char *mode = proto_task_str(t, "mode", NULL);
	const char *owner = proto_task_str(t, "owner", NULL);
	const char *group = proto_task_str(t, "group", NULL);
	const char *re = proto_task_str(t, "contains", NULL);
	int want = proto_task_bool(t, "exists", 1), v;
	unsigned long long id;
	struct stat st;
	double age;

	(void)c;
	check_progress(type && !strcmp(type, "symlink") ? "lstat" : "stat", path);
	if ((type && !strcmp(type, "symlink") ? lstat(path, &st) : stat(path, &st)) < 0) {
		json_object_set_new(res->values, "exists", json_false());
		if (errno == ENOENT || errno == ENOTDIR)
			check_say(res, want ? VERDICT_FAIL : VERDICT_OK, "%s does not exist", path);
		else
			check_say(res, VERDICT_ERROR, "%s: %s", path, strerror(errno));
		return RONDA_OK;
	}
	json_object_set_new(res->values, "exists", json_true());
	if (!want) {
		check_say(res, VERDICT_FAIL, "%s exists", path);
		return RONDA_OK;
	}
	age = difftime(time(NULL), st.st_mtime);
	check_value_str(res, "type", ftype_of(st.st_mode));
	check_value(res, "mode", (double)(st.st_mode & 07777));
	check_value(res, "uid", (double)st.st_uid);
	check_value(res, "gid", (double)st.st_gid);
	check_value(res, "size_bytes", (double)st.st_size);
	check_value(res, "age_s", age);
	check_say(res, VERDICT_OK, "%s: %s, mode %04o, %lld bytes, %.0f s old", path,
		  ftype_of(st.st_mode), (unsigned)(st.st_mode & 07777),
		  (long long)st.st_size, age);
	if (type && strcmp(type, ftype_of(st.st_mode)))
		check_add(res, VERDICT_FAIL, "is a %s, not a %s", ftype_of(st.st_mode), type);
	if (mode && (st.st_mode & 07777) != strtoul(mode, NULL, 8))
		check_add(res, VERDICT_FAIL, "mode is %04o, not %s",
			  (unsigned)(st.st_mode & 07777), mode);
	if (owner) {
		if (ids_lookup("/etc/passwd", owner, &id) != RONDA_OK)
			check_add(res, VERDICT_ERROR, "no user %s", owner);
		else if (id != st.st_uid)
			check_add(res, VERDICT_FAIL, "owner is uid %u, not %s",
				  (unsigned)st.st_uid, owner);
	}
	if (group) {
		if (ids_lookup("/etc/group", group, &id) != RONDA_OK)
			check_add(res, VERDICT_ERROR, "no group %s", group);
		else if (id != st.st_gid)
			check_add(res, VERDICT_FAIL, "group is gid %u, not %s",
				  (unsigned)st.st_gid, group);
	}
	if (proto_task_has(t, "max_size") && st.st_size > proto_task_num(t, "max_size", 0))
		check_add(res, VERDICT_FAIL, "larger than %.0f bytes",
			  proto_task_num(t, "max_size", 0));
	v = check_above(age, proto_task_num(t, "warn_age", -1),
			proto_task_num(t, "fail_age", -1));
	if (v != VERDICT_OK)
		check_add(res, v, "not modified for %.0f s", age);
	if (re && S_ISREG(st.st_mode))
		file_contains(path, re, res);
	else if (re)
		check_add(res, VERDICT_ERROR, "\"contains\" needs a regular file");
	return RONDA_OK;
}

static int has_opt(const char *opts, const char *o)
{
	size_t n = strlen(o);

	for (const char *p = opts; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, o, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

static int mount_run(const struct proto_task *t, const struct check_ctx *c,
		     struct check_result *res)
{
	const char *path = proto_task_str(t, "path", "");
	const char *fstype = proto_task_str(t, "fstype", NULL);
	json_t *want = proto_task_strs(t, "options"), *e;
	char *line, *save = NULL, type[64] = "", opts[1024] = "", dev[256] = "";
	struct buf b;
	int found = 0;
	size_t i;

	(void)c;
	buf_init(&b, 4 << 20);
	if (read_mounts(&b, res) != RONDA_OK)
		goto out;
	/* The last entry for a mount point is the one on top. */
	for (line = strtok_r(b.mem ? b.mem + b.off : NULL, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mnt m;

		if (mnt_split(line, &m) != RONDA_OK || strcmp(m.dir, path))
			continue;
		found = 1;
		snprintf(type, sizeof(type), "%s", m.type);
		snprintf(opts, sizeof(opts), "%s", m.opts);
		snprintf(dev, sizeof(dev), "%s", m.dev);
	}
	json_object_set_new(res->values, "mounted", json_boolean(found));
	if (!found) {
		check_say(res, VERDICT_FAIL, "%s is not a mount point", path);
		goto out;
	}
	check_value_str(res, "fstype", type);
	check_value_str(res, "options", opts);
	check_say(res, VERDICT_OK, "%s on %s type %s (%s)", dev, path, type, opts);
	if (fstype && strcmp(fstype, type))
		check_add(res, VERDICT_FAIL, "type is %s, not %s", type, fstype);
	json_array_foreach(want, i, e) {
		if (!has_opt(opts, json_string_value(e)))
			check_add(res, VERDICT_FAIL, "option %s missing", json_string_value(e));
	}
out:
	buf_release(&b);
	return RONDA_OK;
}

const struct check_ops check_disk = { "disk", 1, 10, NULL, disk_run, NULL, NULL };
const struct check_ops check_file = { "file", 1, 10, file_prepare, file_run, NULL, NULL };
const struct check_ops check_mount = { "mount", 0, 5, NULL, mount_run, NULL, NULL };
