/*
 * server.h - ronda serve: hold a session per host, answer on a socket.
 *
 * The engine runs in warm mode (engine_opts.hold): each host keeps its
 * session and one resident channel, and a host that loses either rests
 * and connects again (engine.h).  The server follows each host's state
 * from the engine's callbacks and answers clients on the daemon's Unix
 * socket (wire.h), on the engine's own loop: one process, one loop.
 *
 * Only a client of the daemon's own uid is answered (SO_PEERCRED); any
 * other is told so and dropped, and the refusal is logged.
 *
 * Usage: warm_server_init (the socket exists before any host is
 * touched, so a second daemon fails at once), warm_server_engine (plan,
 * on_done, on_start for the engine_opts), engine_run,
 * warm_server_release.
 */
#ifndef RONDA_WARM_SERVER_H
#define RONDA_WARM_SERVER_H

#include <stddef.h>

#include <ev.h>

#include "buf.h"
#include "inventory/target.h"
#include "ssh/engine.h"

enum warm_state { WARM_CONNECTING, WARM_UP, WARM_DOWN };

struct warm_host {
	enum warm_state state;
	double since;		/* monotonic seconds of the last change */
	unsigned connects;	/* sessions made so far */
	char why[256];		/* WARM_DOWN: what ended the last one */
};

struct warm_client;

struct warm_server {
	const struct target_list *tl;
	struct warm_host *hosts;
	struct buf path;	/* the socket */
	int lfd;		/* listening; -1 before init */
	int bound;		/* the socket file is ours to remove */
	struct ev_loop *loop;	/* the engine's, from on_start */
	struct engine *e;
	ev_io accept_io;
	struct warm_client *clients;
	size_t n_clients;
	double t0;		/* started, monotonic */
	const char *resident;	/* the resident channel's command line, quoted */
};

/*
 * Makes the socket's directory (0700, or refuses one that others may
 * enter) and listens on path (0600).  RONDA_EINVAL with a message when a
 * daemon already answers there or the directory is not safe; RONDA_ESYS
 * with errno in the message otherwise.
 */
int warm_server_init(struct warm_server *ws, const struct target_list *tl,
		     const char *path, struct buf *err);
/*
 * Fills the engine options that drive the server (hold mode, plan,
 * on_start); *on_done and *arg get what engine_cli's on_done hook wants.
 */
void warm_server_engine(struct warm_server *ws, struct engine_opts *eo,
			void (**on_done)(void *, size_t, const struct host_result *), void **arg);
void warm_server_release(struct warm_server *ws);

/* The status answer's JSON (wire.h), for a client and the unit tests. */
int warm_status_json(const struct warm_server *ws, double now, struct buf *out);

#endif
