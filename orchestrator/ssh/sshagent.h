/*
 * sshagent.h - signing with keys held by ssh-agent, without blocking.
 *
 * The identity list is fetched once before the loop starts (a bounded,
 * blocking round trip to a local socket).  Each host then signs on its own
 * non-blocking connection to the agent: sshagent_sign() sends the request
 * and returns RONDA_EAGAIN until the answer is complete, and the engine
 * waits on sshagent_fd() with the loop, like on any socket.  A silent
 * agent therefore costs a host its connect deadline, never the run.
 *
 * Protocol: draft-miller-ssh-agent (REQUEST_IDENTITIES 11, IDENTITIES_ANSWER
 * 12, SIGN_REQUEST 13, SIGN_RESPONSE 14, FAILURE 5).
 */
#ifndef RONDA_SSHAGENT_H
#define RONDA_SSHAGENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sshcert.h"

struct agent_key {
	unsigned char *blob;	/* public key or certificate, SSH wire format */
	size_t bloblen;
	char *comment;
	char *type;		/* the blob's key type */
	int is_cert;
	struct sshcert cert;	/* when is_cert */
	const char *sock;	/* the agent that holds it; NULL: SSH_AUTH_SOCK */
};

struct agent_keys {
	struct agent_key *v;
	size_t n;
};

/*
 * Lists the agent's keys (socket path from SSH_AUTH_SOCK when path is
 * NULL).  No agent is not an error: *keys stays empty.  ed25519, ECDSA
 * and RSA keys and their certificates are kept, others left out.
 */
int sshagent_list(const char *path, double timeout, struct agent_keys *keys);
void sshagent_keys_release(struct agent_keys *keys);
/* Moves from's keys to the end of into, each marked as held at sock. */
int sshagent_keys_take(struct agent_keys *into, struct agent_keys *from, const char *sock);

/* One signing exchange, owned by one host. */
struct agent_sign {
	int fd;
	struct buf out, in;
};

void sshagent_sign_init(struct agent_sign *s);
void sshagent_sign_release(struct agent_sign *s);
/*
 * Signs data with key.  RONDA_EAGAIN: wait for sshagent_fd() to be readable
 * (or writable when sshagent_wants_write()) and call again with the same
 * arguments.  RONDA_OK: *sig (malloc'd raw signature) and *siglen are set.
 * RONDA_EINVAL: libssh2 asked for ssh-rsa (SHA-1), which is never sent.
 */
int sshagent_sign(struct agent_sign *s, const char *path,
		  const struct agent_key *key, const unsigned char *data,
		  size_t datalen, unsigned char **sig, size_t *siglen);
/*
 * The agent flags for the signature algorithm named in data (libssh2's
 * data to sign), and that name.  RONDA_EINVAL for ssh-rsa (SHA-1),
 * RONDA_EPARSE if data is not a publickey request.
 */
int sshagent_sign_flags(const unsigned char *data, size_t n, uint32_t *flags,
			const unsigned char **alg, size_t *alglen);
int sshagent_fd(const struct agent_sign *s);
int sshagent_wants_write(const struct agent_sign *s);

#endif
