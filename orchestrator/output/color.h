/*
 * color.h - verdicts in colour on a terminal, as GNU tools do it:
 * --color=auto (the default) colours only a terminal and honours NO_COLOR
 * (https://no-color.org: set and not empty means no colour) and TERM=dumb;
 * --color=always and --color=never decide alone.  Only verdict and status
 * words ronda itself prints are coloured, never text from a host.
 */
#ifndef RONDA_COLOR_H
#define RONDA_COLOR_H

#include <stdio.h>

enum color_mode { COLOR_AUTO, COLOR_NEVER, COLOR_ALWAYS };

/* auto|always|never (and GNU's yes/force, no/none, tty/if-tty).  RONDA_EINVAL. */
int color_mode_parse(const char *arg, enum color_mode *out);
/* Whether output on descriptor fd gets colour. */
int color_use(enum color_mode m, int fd);
/*
 * The SGR sequence for a verdict or host status name ("ok" green, "warn"
 * yellow, "fail"/"failed" red, "error" and agent-side errors bold red,
 * "unreachable" and connection failures magenta, the rest cyan).
 */
const char *color_sgr(const char *word);
#define COLOR_RESET "\033[0m"
/*
 * Prints word, coloured when on, padded with spaces to width bytes
 * (escapes are not counted, so columns stay straight).
 */
void color_word(FILE *out, int on, const char *word, int width);

#endif
