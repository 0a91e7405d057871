/*
 * cfgutil.h - what the libconfig readers (inventory, playbooks) share:
 * errors that name file and line, and names for libconfig's types.
 */
#ifndef RONDA_CFGUTIL_H
#define RONDA_CFGUTIL_H

#include <stdarg.h>

#include <libconfig.h>

#include "buf.h"

/*
 * Reads path into cf (already config_init'ed), with @include relative to
 * the file's own directory.  RONDA_ECONFIG with "file:line: why" (or
 * "file: why" when it cannot be opened) in err.
 */
int cfg_read_file(config_t *cf, const char *path, struct buf *err);

/* The file s came from (an @include, or main_path); s may be NULL. */
const char *cfg_file(const config_setting_t *s, const char *main_path);
/* Appends "file:line: message" to err; returns RONDA_ECONFIG. */
int cfg_error(struct buf *err, const char *main_path, const config_setting_t *s,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cfg_verror(struct buf *err, const char *main_path, const config_setting_t *s,
	       const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* "an integer", "a string", ... as a person would say it. */
const char *cfg_type_name(const config_setting_t *s);
int cfg_is_int(const config_setting_t *s);

#endif
