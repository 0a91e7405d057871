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
#include <stdint.h>

#include <jansson.h>

#include <ev.h>

#include "buf.h"
#include "inventory/target.h"
#include "ssh/engine.h"
#include "patrol/deploy.h"

enum warm_state { WARM_CONNECTING, WARM_STARTING, WARM_UP, WARM_DOWN };

struct warm_pending;
struct warm_job;

struct warm_host {
	enum warm_state state;
	double since;		/* monotonic seconds of the last change */
	unsigned connects;	/* sessions made so far */
	enum host_status status;	/* WARM_DOWN: how the last one ended */
	int attempts;		/* WARM_DOWN: the connects that ended so */
	struct ssh_methods methods;	/* WARM_DOWN: what its handshake agreed */
	char why[256];		/* WARM_DOWN: what ended it */
	char fault[128];	/* the resident agent broke its stream: why */
	/* the resident agent's streams (hosts.c) */
	struct buf rx;		/* its frames, from a frame's start */
	struct buf tx;		/* frames for it the engine has not taken */
	size_t tx_base;		/* the stdin offset of tx's first byte */
	struct buf answer;	/* the L bodies of the job it answers now */
	int answer_cut;		/* they passed WARM_MAX_ANSWER */
	struct warm_pending *head, *tail;	/* jobs sent, oldest first */
};

struct warm_client;

struct warm_server {
	const struct target_list *tl;
	struct warm_host *hosts;
	struct host_result *res;	/* the engine's, for the held sessions */
	size_t *by_name;	/* host indexes sorted by name */
	struct buf path;	/* the socket */
	int lfd;		/* listening; -1 before init */
	int bound;		/* the socket file is ours to remove */
	struct ev_loop *loop;	/* the engine's, from on_start */
	struct engine *e;
	ev_io accept_io;
	ev_timer accept_pause;	/* out of descriptors: accept again later */
	ev_timer trim;		/* gives freed memory back once things settle */
	int churn;		/* hosts came or went, or work ended, since */
	struct warm_client *clients;
	size_t n_clients;
	double t0;		/* started, monotonic */
	uint64_t next_id;	/* the next job's id (frames) */
	struct push_ctx *pc;	/* the resident agent's deploy (deploy.h) */
	struct push_serve serve;
};

/* The state's name (status answers, job answers); a host's change of it. */
const char *warm_state_name(enum warm_state s);
void warm_set_state(struct warm_server *ws, struct warm_host *h, enum warm_state s);

/* Bytes of one job's answer a host may send (as check's --max-output). */
#define WARM_MAX_ANSWER ((size_t)8 << 20)

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

/* ---- hosts.c: the resident agents ---- */

/* The push_serve callbacks (deploy.h) that feed ws's hosts' agents. */
void warm_hosts_init(struct warm_server *ws);
/* Host i's session ended (on_done): its pending jobs are answered so. */
void warm_host_lost(struct warm_server *ws, size_t i);
void warm_hosts_release(struct warm_server *ws);

/*
 * A client's job over k hosts (server.c makes it): each host is sent the
 * job line, or answered at once when it is not up; the answers go to
 * warm_job_answer as they come, and warm_job_expire answers the rest.
 */
struct warm_job {
	struct warm_server *ws;
	struct warm_client *c;		/* NULL once the client has gone */
	size_t n, left;			/* hosts; not answered yet */
	size_t *host;			/* per slot: the host's index */
	double timeout;			/* seconds, from the request */
	struct warm_pending **p;	/* per slot: its job in the host's queue */
	ev_timer deadline;
};

int warm_job_send(struct warm_job *j, size_t slot, const char *job, size_t len);
/* exec: the command req describes, on a side channel of slot's host. */
int warm_exec_send(struct warm_job *j, size_t slot, const struct engine_side_req *req);
/* Called by hosts.c: slot's answer, as the JSON object the client gets. */
void warm_job_answer(struct warm_job *j, size_t slot, json_t *answer);
/* The host's answer object: its name, state, and for a session what it negotiated. */
json_t *warm_host_json(const struct warm_server *ws, size_t i, const char *state);
/* Forgets slot: the host's answer to it, if it comes, is dropped. */
void warm_job_drop(struct warm_job *j, size_t slot);
/* Forgets the slots still pending (their answers, if they come, are dropped). */
void warm_job_abandon(struct warm_job *j);

/* The status answer's JSON (wire.h), for a client and the unit tests. */
int warm_status_json(const struct warm_server *ws, double now, struct buf *out);

#endif
