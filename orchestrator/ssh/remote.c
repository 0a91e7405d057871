/*
 * remote.c - quoting and the exec guard; see remote.h.
 */
#include "remote.h"

#include <errno.h>
#include <stdio.h>
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
 *
 * With input (guard_in), the channel's stdin stays the kill signal, so
 * the bytes come framed: a line with their count, then the bytes.  The
 * command reads a FIFO, made in a private mktemp -d directory that is
 * removed as soon as both ends are open; the watcher first copies exactly
 * that many bytes into it with head -c, closes it (the command sees EOF),
 * then watches as above.  Nothing is left on the host.
 */
#define GUARD_RUN(in) \
	"if command -v setsid >/dev/null 2>&1; then setsid \"$@\" " in "3<&- & p=$!; s=$p; " \
	"else \"$@\" " in "3<&- & p=$!; s=; fi; " \
	"t() { c=1; n=0; while [ $c = 1 ] && [ $n -lt 8 ]; do c=0; n=$((n + 1)); " \
	"for f in /proc/[0-9]*/stat; do read -r l <\"$f\" || continue; q=${f#/proc/}; q=${q%/stat}; " \
	"case $k in *\" $q \"*) continue;; esac; set -- ${l##*) }; " \
	"case $k in *\" $2 \"*) k=\"$k$q \"; c=1; continue;; esac; " \
	"if [ \"$4\" = \"$s\" ]; then k=\"$k$q \"; c=1; fi; done; done; }; " \
	"a() { for q in $k; do read -r l </proc/$q/stat || continue; set -- ${l##*) }; " \
	"[ \"$1\" != Z ] && return 0; done; return 1; }; "
#define GUARD_WATCH(feed, close) \
	"( " feed "while read -r x <&3; do :; done; trap \"\" TERM; " \
	"k=\" $p \"; t; kill -STOP $k; t; kill -STOP $k; kill -TERM $k; kill -CONT $k; " \
	"i=0; while [ $i -lt 20 ] && a; do sleep 0.1 || { sleep 2; break; }; i=$((i + 1)); done; " \
	"t; kill -KILL $k ) >/dev/null 2>&1 & " \
	"w=$!; exec 3<&-" close "; " \
	"wait $p; r=$?; kill -TERM $w 2>/dev/null; wait $w 2>/dev/null; " \
	"printf \"\\036ronda-exit %d\\n\" $r >&2; exit $r"

static const char guard[] =
	"exec 3<&0 </dev/null; " GUARD_RUN("") GUARD_WATCH("", "");

static const char guard_in[] =
	"exec 3<&0 </dev/null; "
	"read -r n <&3 && case $n in \"\"|*[!0-9]*) false;; esac && "
	"d=$(mktemp -d 2>/dev/null) && { mkfifo \"$d/i\" || { rmdir \"$d\"; false; }; } || "
	"{ echo \"ronda-exec: cannot pass stdin to the command (mktemp -d, mkfifo)\" >&2; "
	"printf \"\\036ronda-exit 125\\n\" >&2; exit 125; }; "
	GUARD_RUN("<\"$d/i\" ")
	"exec 4>\"$d/i\"; rm -r \"$d\"; "
	GUARD_WATCH("head -c \"$n\" <&3 >&4 2>/dev/null; exec 4>&-; ", " 4>&-");

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

static int guarded(struct buf *out, const char *script, char *const argv[], size_t argc)
{
	int r;

	if (argc == 0)
		return RONDA_EINVAL;
	r = remote_sh(out, script, "ronda-exec");
	for (size_t i = 0; i < argc && r == RONDA_OK; i++) {
		r = buf_putc(out, ' ');
		if (r == RONDA_OK)
			r = remote_quote(out, argv[i]);
	}
	return r;
}

int remote_guarded_command(struct buf *out, char *const argv[], size_t argc)
{
	return guarded(out, guard, argv, argc);
}

int remote_guarded_input_command(struct buf *out, char *const argv[], size_t argc)
{
	return guarded(out, guard_in, argv, argc);
}

int remote_input_header(struct buf *out, size_t n)
{
	return buf_printf(out, "%zu\n", n);
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

/* Shells get the script through eval: read whole first, then run. */
static const char *const shells[] = { "sh", "bash", "dash", "ksh", "mksh", "zsh", "ash", "yash" };
static const char eval_all[] = "eval \"$(cat)\"";

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The interpreter and its optional argument from a #! line, as copies. */
static int shebang(const char *text, size_t n, char **interp, char **arg, char *why, size_t wn)
{
	const char *nl, *p, *end, *w;

	*interp = *arg = NULL;
	if (n < 2 || text[0] != '#' || text[1] != '!')
		return (*interp = strdup("sh")) ? RONDA_OK : RONDA_ENOMEM;
	nl = memchr(text, '\n', n);
	end = nl ? nl : text + n;
	if (end - text > 255) {
		snprintf(why, wn, "its #! line is longer than 255 bytes");
		return RONDA_EINVAL;
	}
	for (p = text + 2; p < end && is_space(*p); p++)
		;
	for (w = p; p < end && !is_space(*p); p++)
		;
	if (p == w || memchr(w, '\0', (size_t)(p - w))) {
		snprintf(why, wn, "its #! line names no interpreter");
		return RONDA_EINVAL;
	}
	if (!(*interp = strndup(w, (size_t)(p - w))))
		return RONDA_ENOMEM;
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if (end > p && !(*arg = strndup(p, (size_t)(end - p))))
		return RONDA_ENOMEM;
	return RONDA_OK;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int remote_script_argv(const char *text, size_t n, const char *name, char *const args[],
		       size_t nargs, char ***argv, size_t *argc, char *why, size_t wn)
{
	char *interp, *arg, **v = NULL;
	size_t k = 0;
	int r = shebang(text, n, &interp, &arg, why, wn), shell = 0;

	if (r)
		goto out;
	if (strcmp(base_name(interp), "env") == 0) {
		/* #!/usr/bin/env PROG: PROG found on the host's PATH */
		if (!arg || arg[0] == '-' || strpbrk(arg, " \t")) {
			snprintf(why, wn, "its #! line runs env without one program name "
				 "(options such as -S are not supported)");
			r = RONDA_EINVAL;
			goto out;
		}
		free(interp);
		interp = arg;
		arg = NULL;
	}
	for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		shell |= strcmp(base_name(interp), shells[i]) == 0;
	r = RONDA_ENOMEM;
	if (!(v = calloc(nargs + 6, sizeof(*v))))
		goto out;
	v[k++] = interp;
	interp = NULL;
	if (arg) {
		v[k++] = arg;
		arg = NULL;
	}
	if (shell) {
		if (!(v[k++] = strdup("-c")) || !(v[k++] = strdup(eval_all)) ||
		    !(v[k++] = strdup(base_name(name))))
			goto out;
	} else if (!(v[k++] = strdup("-"))) {
		goto out;
	}
	for (size_t i = 0; i < nargs; i++)
		if (!(v[k++] = strdup(args[i])))
			goto out;
	*argv = v;
	*argc = k;
	v = NULL;
	r = RONDA_OK;
out:
	remote_argv_free(v, k);
	free(interp);
	free(arg);
	return r;
}

void remote_argv_free(char **argv, size_t argc)
{
	for (size_t i = 0; argv && i < argc; i++)
		free(argv[i]);
	free(argv);
}
