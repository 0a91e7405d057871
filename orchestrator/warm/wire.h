/*
 * wire.h - what ronda serve and its clients say over the daemon's socket.
 *
 * The socket is a Unix stream socket, by default
 * $XDG_RUNTIME_DIR/ronda/serve.sock, in a directory of mode 0700 with the
 * socket itself 0600; the daemon also checks every client's uid with
 * SO_PEERCRED.  A client connects, sends one request and reads its
 * answer (one frame, or for a job one per host and a last one); then both
 * close.  Each is a frame: a 4-byte big-endian length,
 * then that many bytes of one JSON object.
 *
 *   request  {"op": "status"}
 *   answer   {"hosts": [{"host", "state", "for_s", "connects", "why"}...],
 *             "pid", "up_s"}  or  {"error": "..."}
 *
 * state is "connecting" (no session yet), "starting" (a session, its
 * resident agent not up yet), "up" (its agent said hello), or "down" (lost
 * or refused, connecting again after a backoff; why says what happened).
 *
 *   request  {"op": "job", "job": "<the job line>\n", "hosts": [names],
 *             "timeout": seconds, "partial": false}
 *   answers  one per host, in the order they come:
 *             {"host", "state": "answered", "code", "out": the agent's
 *              lines, "cut", "attempts", "methods", "ms"}
 *             {"host", "state": "down", "status", "why", "attempts", "methods"}
 *             {"host", "state": "connecting" | "starting" | "timeout" | "unknown"}
 *            then {"done": true};  or one {"error": "...", "not_held"?: true}
 *
 * The job is an inspect job (the daemon refuses any other).  Unless
 * partial, a host the daemon does not hold refuses the whole job
 * (not_held), so that the client can run it cold instead.
 */
#ifndef RONDA_WARM_WIRE_H
#define RONDA_WARM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define WIRE_MAX_REQUEST ((size_t)1 << 20)
#define WIRE_MAX_ANSWER ((size_t)256 << 20)
/* The daemon answers an exec's hosts within its timeout and this: the
   command's own kill (the guard) comes back first.  A client waits longer. */
#define WIRE_EXEC_SLACK 10.0

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

/* Any bytes as base64 (exec --warm's stdin and output), appended to out;
   decode: RONDA_EPARSE for what is not base64. */
int wire_b64_encode(const char *p, size_t n, struct buf *out);
int wire_b64_decode(const char *s, struct buf *out);

/*
 * The client's side: connects to the daemon at path, sends the request
 * (JSON text), and reads the answer's JSON into answer, within timeout
 * seconds.  RONDA_ESYS with a message naming the path when there is no
 * daemon (errno ENOENT, ECONNREFUSED); RONDA_EPROTO when the answer is
 * not a frame.
 */
int wire_call(const char *path, const char *request, double timeout,
	      struct buf *answer, struct buf *err);

/*
 * The same in parts, for a request answered by many frames (a job): open
 * sends the request, each next reads one answer frame, all within timeout
 * seconds of the open; the errors are wire_call's.  close always.
 */
struct wire_conn {
	int fd;
	struct buf in;
	size_t used;		/* bytes of in the last answer came from */
	const char *path;
	double timeout, deadline;
};

int wire_open(struct wire_conn *wc, const char *path, const char *request, double timeout,
	      struct buf *err);
int wire_next(struct wire_conn *wc, struct buf *answer, struct buf *err);
void wire_close(struct wire_conn *wc);

#endif
