/*
 * log.c - see log.h.
 *
 * Lines look like "ronda: warn: message".  Debug and trace lines carry a
 * monotonic timestamp in seconds so that state transitions can be timed.
 * Lines longer than LOG_LINE_MAX are cut and end in "...".
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "escape.h"
#include "banned.h"

#define LOG_LINE_MAX 2048

static const char *log_prog = "ronda";
static int log_level = RLOG_WARN;
static int log_fd = 2;

static const char *const level_names[] = {
	[RLOG_ERROR] = "error",
	[RLOG_WARN] = "warn",
	[RLOG_INFO] = "info",
	[RLOG_DEBUG] = "debug",
	[RLOG_TRACE] = "trace",
};

void log_init(const char *prog, int level, int fd)
{
	if (prog)
		log_prog = prog;
	log_set_level(level);
	log_fd = fd;
}

void log_set_level(int level)
{
	if (level < RLOG_ERROR)
		level = RLOG_ERROR;
	if (level > RLOG_TRACE)
		level = RLOG_TRACE;
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

int log_level_from_name(const char *name, int *level)
{
	for (int i = RLOG_ERROR; i <= RLOG_TRACE; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = i;
			return RONDA_OK;
		}
	}
	return RONDA_EINVAL;
}

/* Appends to line[*n] within cap, keeping room for the newline. */
static void put(char *line, size_t cap, size_t *n, int wrote)
{
	if (wrote < 0)
		return;
	if ((size_t)wrote >= cap - *n) {
		*n = cap - 1;
		memcpy(line + cap - 4, "...", 3);
		return;
	}
	*n += (size_t)wrote;
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX + 1], msg[LOG_LINE_MAX + 1];
	int wrote;
	size_t n = 0, cap = LOG_LINE_MAX;	/* one byte kept for '\n' */
	int saved = errno;
	struct timespec ts;

	if (level > log_level || level < RLOG_ERROR)
		return;
	put(line, cap, &n, snprintf(line, cap, "%s: %s: ", log_prog,
				    level_names[level]));
	if (level >= RLOG_DEBUG && clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		put(line, cap, &n, snprintf(line + n, cap - n, "%lld.%03ld ",
					    (long long)ts.tv_sec,
					    ts.tv_nsec / 1000000));
	/* A message may carry what a host sent: shown escaped, on one line. */
	wrote = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (wrote >= 0 && n + 3 < cap) {
		size_t m = (size_t)wrote < sizeof(msg) ? (size_t)wrote : sizeof(msg) - 1;
		size_t e;

		/* room for "..." is kept, so the cut never splits an escape */
		if (esc_copy(line + n, cap - n - 3, msg, m, 0, &e) || (size_t)wrote > m) {
			memcpy(line + n + e, "...", 3);
			e += 3;
		}
		n += e;
	}
	line[n++] = '\n';
	/* Best effort: a log line that cannot be written is dropped. */
	while (write(log_fd, line, n) < 0 && errno == EINTR)
		;
	errno = saved;
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
