/*
 * cfgutil.c - see cfgutil.h.
 */
#include "cfgutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "banned.h"

#define INCLUDE_DEPTH 10	/* as libconfig's own limit */

/*
 * libconfig 1.5 opens an @include target with fopen and its flex scanner
 * calls exit() when reading fails: "@include \".\"" (a directory) ended
 * ronda with status 2 and no word of why.  So every @include, nested ones
 * too, is checked first: a regular file, or an error naming the line.
 */
static int check_includes(const char *path, const char *dir, int depth, struct buf *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int r = RONDA_OK;

	if (!f)
		return RONDA_OK;	/* config_read says why, for the main file */
	while (r == RONDA_OK && (len = getline(&line, &cap, f)) >= 0) {
		const char *p = line, *end = line + len, *q;
		char name[4096], full[8192];
		struct stat st;
		size_t n;

		lineno++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 8 || memcmp(p, "@include", 8) != 0)
			continue;
		for (p += 8; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		if (p >= end || *p != '"')
			continue;	/* not one libconfig takes either: its parser says so */
		if (!(q = memchr(p + 1, '"', end - p - 1))) {
			/* libconfig would read the name on past the line */
			buf_printf(err, "%s:%u: @include: the file name must end on its line",
				   path, lineno);
			r = RONDA_ECONFIG;
			break;
		}
		/* libconfig's name is a C string: it ends at a NUL */
		n = strnlen(p + 1, q - p - 1);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p + 1, n);
		name[n] = '\0';
		snprintf(full, sizeof(full), "%s%s%s", name[0] == '/' || !dir ? "" : dir,
			 name[0] == '/' || !dir ? "" : "/", name);
		if (!name[0] || stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
			buf_printf(err, "%s:%u: @include \"%.200s\": %s", path, lineno, name,
				   !name[0] ? "no file name" : errno == ENOENT ? "no such file" :
				   "not a regular file");
			r = RONDA_ECONFIG;
		} else if (depth + 1 > INCLUDE_DEPTH) {
			buf_printf(err, "%s:%u: @include nested more than %d deep", path, lineno,
				   INCLUDE_DEPTH);
			r = RONDA_ECONFIG;
		} else {
			r = check_includes(full, dir, depth + 1, err);
		}
	}
	free(line);
	fclose(f);
	return r;
}

int cfg_read_file(config_t *cf, const char *path, struct buf *err)
{
	FILE *f = fopen(path, "re");
	char *dir = NULL, *slash;
	int r = RONDA_ECONFIG;

	if (!f) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return r;
	}
	/* @include "x.cfg" is relative to the including file. */
	dir = strdup(path);
	if (!dir) {
		r = RONDA_ENOMEM;
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash) {
		slash[slash == dir] = '\0';
		config_set_include_dir(cf, dir);
	}
	if ((r = check_includes(path, slash ? dir : NULL, 0, err)))
		goto out;
	r = RONDA_ECONFIG;
	if (!config_read(cf, f)) {
		buf_printf(err, "%s:%d: %s", config_error_file(cf) ? config_error_file(cf) : path,
			   config_error_line(cf), config_error_text(cf));
		goto out;
	}
	r = RONDA_OK;
out:
	free(dir);
	fclose(f);
	return r;
}

const char *cfg_file(const config_setting_t *s, const char *main_path)
{
	const char *f = s ? config_setting_source_file(s) : NULL;

	return f ? f : main_path;
}

int cfg_verror(struct buf *err, const char *main_path, const config_setting_t *s,
	       const char *fmt, va_list ap)
{
	buf_printf(err, "%s:%u: ", cfg_file(s, main_path),
		   s ? config_setting_source_line(s) : 0);
	buf_vprintf(err, fmt, ap);
	return RONDA_ECONFIG;
}

int cfg_error(struct buf *err, const char *main_path, const config_setting_t *s,
	      const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cfg_verror(err, main_path, s, fmt, ap);
	va_end(ap);
	return r;
}

const char *cfg_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:		return "an integer";
	case CONFIG_TYPE_FLOAT:		return "a number";
	case CONFIG_TYPE_STRING:	return "a string";
	case CONFIG_TYPE_BOOL:		return "true or false";
	case CONFIG_TYPE_ARRAY:		return "an array [ ]";
	case CONFIG_TYPE_LIST:		return "a list ( )";
	}
	return "nothing";
}

int cfg_is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	       config_setting_type(s) == CONFIG_TYPE_INT64;
}
