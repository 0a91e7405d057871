/*
 * become.h - exec through sudo with a password (-K, --ask-become-pass).
 *
 * The password is asked once, on /dev/tty without echo, before any host is
 * touched; with no terminal the run stops (exit 64): it is never read from
 * the environment or argv.  It lives in a struct secret (common/secret.h)
 * and reaches each host only as bytes on a channel's stdin, read by
 * sudo -S -p '': never in an argument, a variable, a log or the output.
 *
 * Each host that becomes runs two steps:
 *   - the probe: sudo -n -k -u USER true tells whether sudo wants a
 *      password at all (NOPASSWD: no password may be sent, or the command
 *      would read it); if it does, sudo -S -k -u USER true reads the
 *      password and then end of file, so a wrong one fails at once (sudo's
 *      later tries read EOF), never hangs and never eats the command's
 *      input.  It prints "pass" or "nopass"; anything else is RESULT_BECOME.
 *   - the command: sudo -S -k -p '' -u USER -- GUARD CMD (or sudo -n for
 *      nopass), the password line first on stdin, then what the guard wants
 *      (remote.h).  sudo reads its password one byte at a time, up to the
 *      newline, so the guard gets exactly the rest; -k makes sudo read it
 *      even when a timestamp from the probe is cached.  The guard runs under
 *      sudo, so its watcher kills the command as USER (root) on a timeout.
 */
#ifndef RONDA_BECOME_H
#define RONDA_BECOME_H

#include <stddef.h>

#include "buf.h"
#include "secret.h"
#include "ssh/engine.h"

struct become {
	struct secret pass;	/* the password and its newline, or p NULL */
	const char *user;	/* --become-user, or "root" */
	struct buf probe;	/* the probe's command line */
};

enum become_mode { BECOME_PASS, BECOME_NOPASS };

void become_init(struct become *b, const char *user);
void become_release(struct become *b);
/*
 * Asks for the password on /dev/tty.  RONDA_EINVAL with a message in err
 * when there is no terminal, RONDA_ESYS/ENOMEM when asking fails.
 */
int become_ask(struct become *b, struct buf *err);
/*
 * Appends the command line that runs the already guarded line `guarded`
 * (remote_guarded_command or remote_guarded_input_command) through sudo as
 * b->user: with -S for BECOME_PASS, with -n for BECOME_NOPASS.
 */
int become_command(const struct become *b, enum become_mode m, const char *guarded,
		   struct buf *out);
/*
 * The probe's answer, from r after it ran: the mode, or -1 with r->status
 * RESULT_BECOME and r->why set.
 */
int become_probe_result(const struct become *b, struct host_result *r);
/*
 * stdin for a step (engine_step.on_stdin): for BECOME_PASS the password
 * line, then in (inlen bytes, may be NULL); off as the engine gives it.
 */
void become_stdin(const struct become *b, const char *in, size_t inlen, size_t off,
		  const char **data, size_t *n);

#endif
