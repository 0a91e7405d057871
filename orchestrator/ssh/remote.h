/*
 * remote.h - what is sent to a remote shell, and what comes back from it.
 *
 * Commands are argument vectors.  Each argument is quoted for a POSIX shell
 * on its own, so nothing from the command line, an inventory or a playbook
 * is ever pasted into a remote shell unquoted.
 *
 * `ronda exec` wraps the user's command in a small POSIX sh guard that
 *   - runs the command in a session of its own (setsid(1)), without the
 *     channel's stdin descriptor;
 *   - watches the channel's stdin: when it closes (we timed out, were
 *     interrupted, or the connection died) that session and every
 *     descendant of its processes are stopped, then get SIGTERM, then
 *     SIGKILL, so no orphan keeps running on the host;
 *   - prints its exit status as a last line on stderr.  libssh2 1.10
 *     reports exit status 0 when none arrived (libssh2 #2515), so that
 *     line, not libssh2, is the authority.  It is removed from the output.
 */
#ifndef RONDA_REMOTE_H
#define RONDA_REMOTE_H

#include <stddef.h>

#include "buf.h"

/* Appends arg quoted for a POSIX shell ('...' with ' as '\''). */
int remote_quote(struct buf *out, const char *arg);
/*
 * Appends  sh -c 'SCRIPT' ARG0  : the start of a command line that runs a
 * fixed script (which must not contain a single quote); the caller appends
 * the script's arguments with remote_quote().
 */
int remote_sh(struct buf *out, const char *script, const char *arg0);
/* The full remote command line for argv under the guard. */
int remote_guarded_command(struct buf *out, char *const argv[], size_t argc);
/*
 * The same for a command that reads input.  The channel's stdin must carry
 * remote_input_header(n), then the n bytes, and stay open: the guard hands
 * the command exactly those bytes and then EOF, and closing the channel's
 * stdin still kills.  Needs mktemp -d, mkfifo and head -c on the host.
 */
int remote_guarded_input_command(struct buf *out, char *const argv[], size_t argc);
int remote_input_header(struct buf *out, size_t n);

/*
 * The argument vector that runs a script whose text goes to the command's
 * stdin (exec --script): the interpreter of its #! line (the path as
 * written, or the program that `#!/usr/bin/env PROG` names, found on the
 * host's PATH) with the line's one optional argument, as the kernel reads
 * it; sh when there is no #! line.  A shell (sh, bash, dash, ksh, mksh,
 * zsh, ash, yash) gets  -c 'eval "$(cat)"' NAME ARGS...  (the script is
 * read whole, then runs with $0 = NAME's last part); any other interpreter
 * gets  - ARGS...  (python3, perl, ruby and node read the program from
 * stdin).  RONDA_EINVAL with a reason in why for a #! line it cannot use.
 * Free *argv with remote_argv_free().
 */
int remote_script_argv(const char *text, size_t n, const char *name, char *const args[],
		       size_t nargs, char ***argv, size_t *argc, char *why, size_t wn);
void remote_argv_free(char **argv, size_t argc);

/* The longest possible status line, for keeping a tail of stderr. */
#define REMOTE_STATUS_MAX 32

/*
 * Looks for the status line at the end of tail (the last bytes of stderr).
 * On success sets *code and *len (bytes of the line, to strip) and returns
 * RONDA_OK; RONDA_ENOTFOUND if there is none.
 */
int remote_parse_status(const char *tail, size_t n, int *code, size_t *len);

#endif
