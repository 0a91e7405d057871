/*
 * log.h - levelled logging to stderr (or any descriptor).
 *
 * Each message is formatted into one line and written with a single write(2),
 * so lines from concurrent processes never interleave.  Messages above the
 * current level cost one comparison.  Library code logs; only main() decides
 * what a failure means for the process.
 */
#ifndef RONDA_LOG_H
#define RONDA_LOG_H

#include <stdarg.h>

enum rlog_level {
	RLOG_ERROR = 0,
	RLOG_WARN = 1,
	RLOG_INFO = 2,
	RLOG_DEBUG = 3,
	RLOG_TRACE = 4,
};

/* prog prefixes every line; fd is where lines go (2 by default). */
void log_init(const char *prog, int level, int fd);
void log_set_level(int level);
int log_get_level(void);
/* Maps a name ("error", "warn", "info", "debug", "trace") to a level. */
int log_level_from_name(const char *name, int *level);

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_error(...) log_msg(RLOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(RLOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(RLOG_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_get_level() >= RLOG_DEBUG) log_msg(RLOG_DEBUG, __VA_ARGS__); } while (0)
#define log_trace(...) \
	do { if (log_get_level() >= RLOG_TRACE) log_msg(RLOG_TRACE, __VA_ARGS__); } while (0)

#endif
