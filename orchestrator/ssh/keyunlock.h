/*
 * keyunlock.h - passphrase-protected identity files, unlocked once per run.
 *
 * A run over 2,000 hosts must not decrypt a key 2,000 times (OpenSSH's
 * bcrypt KDF costs tens of milliseconds each), nor ask 2,000 times.  So an
 * encrypted key that no ssh-agent already holds is decrypted once, into a
 * private ssh-agent that ronda starts for the run (ssh-agent -D on a socket
 * in a 0700 directory) and stops at its end, by PID.  Every host then signs
 * through that agent, like through the user's own.
 *
 * The passphrase is asked once per key, as OpenSSH does: on the terminal
 * without echo; with SSH_ASKPASS when SSH_ASKPASS_REQUIRE=force, or
 * =prefer with DISPLAY/WAYLAND_DISPLAY set, or when there is no terminal
 * and a display.  With neither, the run stops before any host is touched,
 * naming the key and suggesting ssh-agent.  A wrong passphrase stops it
 * too, at once.  ssh-add reads the passphrase on a pipe; ronda's copy is
 * wiped as soon as it is written.
 */
#ifndef RONDA_KEYUNLOCK_H
#define RONDA_KEYUNLOCK_H

#include <sys/types.h>

#include "ident.h"

struct keyunlock {
	pid_t agent;		/* the private ssh-agent, or 0 */
	char dir[64];		/* its 0700 directory, or "" */
	char sock[96];		/* its socket, or "" */
	size_t n_keys;		/* keys added to it */
};

void keyunlock_init(struct keyunlock *k);
/*
 * Unlocks every encrypted identity of ids whose public key is not in
 * held (blobs of keys an agent already offers; NULL: none).  RONDA_OK with
 * k->sock set if any key was added; an error (logged, with the key's path)
 * otherwise.
 */
struct agent_keys;
int keyunlock_start(struct keyunlock *k, const struct ident_set *ids,
		    const struct agent_keys *held);
/* Stops the private agent and removes its directory. */
void keyunlock_stop(struct keyunlock *k);

#endif
