/*
 * remote.c - quoting and the exec guard; see remote.h.
 */
#include "remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "banned.h"

/* The status line: RS (0x1e), "ronda-exit ", the number, newline. */
#define STATUS_PREFIX "\036ronda-exit "

/*
 * The guard, run as  sh -c GUARD ronda-exec ARGV...  It must not contain a
 * single quote, since it is sent inside one.  fd 3 keeps the channel's
 * stdin for the watcher; the command itself reads /dev/null.  sshd makes
 * the shell a session and process group leader, and without job control
 * everything it starts stays in that group, so the watcher's "kill 0"
 * reaches the whole command tree (and the guard itself: no status line is
 * owed once we have given up on the command).  The watcher uses the read
 * builtin, not cat, to spare a process per host, and is reaped before the
 * guard exits (not every init reaps orphans).
 */
static const char guard[] =
	"exec 3<&0 </dev/null; "
	"\"$@\" & p=$!; "
	"( trap \"\" TERM; while read -r x <&3; do :; done; "
	"kill -TERM 0; sleep 2; kill -KILL 0 ) >/dev/null 2>&1 & "
	"w=$!; exec 3<&-; "
	"wait $p; s=$?; kill -KILL $w 2>/dev/null; wait $w 2>/dev/null; "
	"printf \"\\036ronda-exit %d\\n\" $s >&2; exit $s";

int remote_quote(struct buf *out, const char *arg)
{
	int r = buf_putc(out, '\'');

	for (const char *p = arg; *p && r == RONDA_OK; p++)
		r = *p == '\'' ? buf_puts(out, "'\\''") : buf_putc(out, *p);
	return r ? r : buf_putc(out, '\'');
}

int remote_sh(struct buf *out, const char *script, const char *arg0)
{
	if (strchr(script, '\''))
		return RONDA_EINVAL;
	return buf_printf(out, "sh -c '%s' %s", script, arg0);
}

int remote_guarded_command(struct buf *out, char *const argv[], size_t argc)
{
	int r;

	if (argc == 0)
		return RONDA_EINVAL;
	r = remote_sh(out, guard, "ronda-exec");
	for (size_t i = 0; i < argc && r == RONDA_OK; i++) {
		r = buf_putc(out, ' ');
		if (r == RONDA_OK)
			r = remote_quote(out, argv[i]);
	}
	return r;
}

int remote_parse_status(const char *tail, size_t n, int *code, size_t *len)
{
	size_t plen = sizeof(STATUS_PREFIX) - 1, start;
	char num[12], *end;
	long v;

	if (n < plen + 2 || tail[n - 1] != '\n')
		return RONDA_ENOTFOUND;
	/* find the prefix that begins the last line */
	start = n - 1;
	while (start > 0 && tail[start - 1] != '\n' && tail[start - 1] != '\036')
		start--;
	if (start == 0 || tail[start - 1] != '\036')
		return RONDA_ENOTFOUND;
	start--;
	if (n - start < plen + 2 || memcmp(tail + start, STATUS_PREFIX, plen))
		return RONDA_ENOTFOUND;
	if (n - start - plen - 1 >= sizeof(num))
		return RONDA_ENOTFOUND;
	memcpy(num, tail + start + plen, n - start - plen - 1);
	num[n - start - plen - 1] = '\0';
	errno = 0;
	v = strtol(num, &end, 10);
	if (errno || end == num || *end || v < 0 || v > 255)
		return RONDA_ENOTFOUND;
	*code = (int)v;
	*len = n - start;
	return RONDA_OK;
}
