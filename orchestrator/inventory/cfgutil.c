/*
 * cfgutil.c - see cfgutil.h.
 */
#include "cfgutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "banned.h"

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
