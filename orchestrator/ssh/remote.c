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
 * single quote, since it is sent inside one.
 *
 * fd 3 keeps the channel's stdin for the watcher; the command reads
 * /dev/null and never gets fd 3.  The command runs under setsid(1) in a
 * session of its own, whose id is its pid $p (a background job of a shell
 * without job control is no group leader, so setsid does not fork).  When
 * the channel closes, the watcher collects the tree t(): every process of
 * that session, and every descendant of one (by parent pid, so children
 * that called setsid again are found while their parent lives).  It stops
 * them all, collects again (nothing can fork while stopped), sends TERM and
 * CONT, waits until none is left but zombies (at most 2 s, in steps of
 * 0.1 s, or one step of 2 s where sleep takes whole seconds only), collects
 * again and sends KILL.  Most commands die at TERM, so a kill costs a
 * moment, not the whole grace.  Without setsid(1) the
 * command runs in the guard's group and only its descendants are killed.
 * The guard and the watcher are outside the session; the guard ends the
 * watcher with TERM while it still waits, never in its kill phase, and
 * reaps it (not every init reaps orphans).  The watcher uses builtins only,
 * to spare a process per host.
 */
static const char guard[] =
	"exec 3<&0 </dev/null; "
	"if command -v setsid >/dev/null 2>&1; then setsid \"$@\" 3<&- & p=$!; s=$p; "
	"else \"$@\" 3<&- & p=$!; s=; fi; "
	"t() { c=1; n=0; while [ $c = 1 ] && [ $n -lt 8 ]; do c=0; n=$((n + 1)); "
	"for f in /proc/[0-9]*/stat; do read -r l <\"$f\" || continue; q=${f#/proc/}; q=${q%/stat}; "
	"case $k in *\" $q \"*) continue;; esac; set -- ${l##*) }; "
	"case $k in *\" $2 \"*) k=\"$k$q \"; c=1; continue;; esac; "
	"if [ \"$4\" = \"$s\" ]; then k=\"$k$q \"; c=1; fi; done; done; }; "
	"a() { for q in $k; do read -r l </proc/$q/stat || continue; set -- ${l##*) }; "
	"[ \"$1\" != Z ] && return 0; done; return 1; }; "
	"( while read -r x <&3; do :; done; trap \"\" TERM; "
	"k=\" $p \"; t; kill -STOP $k; t; kill -STOP $k; kill -TERM $k; kill -CONT $k; "
	"i=0; while [ $i -lt 20 ] && a; do sleep 0.1 || { sleep 2; break; }; i=$((i + 1)); done; "
	"t; kill -KILL $k ) >/dev/null 2>&1 & "
	"w=$!; exec 3<&-; "
	"wait $p; r=$?; kill -TERM $w 2>/dev/null; wait $w 2>/dev/null; "
	"printf \"\\036ronda-exit %d\\n\" $r >&2; exit $r";

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
