/*
 * wire.h - what ronda serve and its clients say over the daemon's socket.
 *
 * The socket is a Unix stream socket, by default
 * $XDG_RUNTIME_DIR/ronda/serve.sock, in a directory of mode 0700 with the
 * socket itself 0600; the daemon also checks every client's uid with
 * SO_PEERCRED.  A client connects, sends one request and reads one
 * answer; then both close.  Each is a frame: a 4-byte big-endian length,
 * then that many bytes of one JSON object.
 *
 *   request  {"op": "status"}
 *   answer   {"hosts": [{"host", "state", "for_s", "connects", "why"}...],
 *             "pid", "up_s"}  or  {"error": "..."}
 *
 * state is "connecting" (no session yet), "up" (a session and its resident
 * channel), or "down" (lost or refused, connecting again after a backoff;
 * why says what happened).
 */
#ifndef RONDA_WARM_WIRE_H
#define RONDA_WARM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define WIRE_MAX_REQUEST ((size_t)1 << 20)
#define WIRE_MAX_ANSWER ((size_t)256 << 20)

/*
 * The socket path: path if given, else $XDG_RUNTIME_DIR/ronda/serve.sock.
 * RONDA_EINVAL with a message when neither is there, or the path does not
 * fit a sockaddr_un.
 */
int wire_socket_path(const char *path, struct buf *out, struct buf *err);

/* Appends a frame of the n bytes at json to out. */
int wire_frame(struct buf *out, const char *json, size_t n);
/*
 * A whole frame at the start of in: RONDA_OK with *body and *n set (the
 * frame is 4 + *n bytes), RONDA_EAGAIN when more is needed, RONDA_ELIMIT
 * when its length passes max.
 */
int wire_unframe(const struct buf *in, size_t max, const char **body, size_t *n);

/*
 * The client's side: connects to the daemon at path, sends the request
 * (JSON text), and reads the answer's JSON into answer, within timeout
 * seconds.  RONDA_ESYS with a message naming the path when there is no
 * daemon (errno ENOENT, ECONNREFUSED); RONDA_EPROTO when the answer is
 * not a frame.
 */
int wire_call(const char *path, const char *request, double timeout,
	      struct buf *answer, struct buf *err);

#endif
