/*
 * color.c - see color.h.
 */
#include "color.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "banned.h"

int color_mode_parse(const char *arg, enum color_mode *out)
{
	static const struct { const char *name; enum color_mode m; } names[] = {
		{ "auto", COLOR_AUTO }, { "tty", COLOR_AUTO }, { "if-tty", COLOR_AUTO },
		{ "always", COLOR_ALWAYS }, { "yes", COLOR_ALWAYS }, { "force", COLOR_ALWAYS },
		{ "never", COLOR_NEVER }, { "no", COLOR_NEVER }, { "none", COLOR_NEVER },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(arg, names[i].name) == 0) {
			*out = names[i].m;
			return RONDA_OK;
		}
	}
	return RONDA_EINVAL;
}

int color_use(enum color_mode m, int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (m != COLOR_AUTO)
		return m == COLOR_ALWAYS;
	if (no && *no)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fd);
}

const char *color_sgr(const char *w)
{
	static const char *const red[] = { "fail", "failed", NULL };
	static const char *const bold_red[] = { "error", "agent", "deploy", "become", "protocol",
						"unsupported", NULL };
	static const char *const magenta[] = { "unreachable", "timeout", "hostkey-changed",
					       "hostkey-unknown", "auth", NULL };
	size_t i;

	if (strcmp(w, "ok") == 0)
		return "\033[32m";
	if (strcmp(w, "warn") == 0)
		return "\033[33m";
	for (i = 0; red[i]; i++)
		if (strcmp(w, red[i]) == 0)
			return "\033[31m";
	for (i = 0; bold_red[i]; i++)
		if (strcmp(w, bold_red[i]) == 0)
			return "\033[1;31m";
	for (i = 0; magenta[i]; i++)
		if (strcmp(w, magenta[i]) == 0)
			return "\033[35m";
	return "\033[36m";	/* skipped, interrupted, not-started */
}

void color_word(FILE *out, int on, const char *word, int width)
{
	int len = (int)strlen(word);

	if (on)
		fprintf(out, "%s%s%s", color_sgr(word), word, COLOR_RESET);
	else
		fputs(word, out);
	if (width > len)
		fprintf(out, "%*s", width - len, "");
}
