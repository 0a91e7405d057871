/*
 * server.c - ronda serve's hosts and socket (server.h).
 *
 * Clients are served one request each, without blocking the loop: a
 * client that sends nothing, or reads nothing, is dropped at its deadline
 * and never holds up a host.
 */
#include "warm/server.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>

#include "err.h"
#include "proto.h"
#include "log.h"
#include "ssh/engine_cli.h"
#include "ssh/remote.h"
#include "warm/wire.h"
#include "banned.h"

#define CLIENT_DEADLINE 10.0	/* seconds for one request and its answer */
#define MAX_CLIENTS 64		/* at once; more are dropped */
#define STOP_FLUSH 2.0		/* seconds to send what is answered, stopping */
#define TRIM_EVERY 10.0		/* seconds between looks at the heap */

struct warm_client {
	struct warm_server *ws;
	int fd;
	ev_io io;
	ev_timer deadline;
	struct buf in, out;
	size_t sent;
	int answering;		/* the request is read: out is what goes back */
	int finished;		/* out holds the last frame */
	struct warm_job *job;	/* op "job": the hosts' answers, as they come */
	struct warm_client *next;
};

static const char *const state_names[] = {
	[WARM_CONNECTING] = "connecting", [WARM_STARTING] = "starting",
	[WARM_UP] = "up", [WARM_DOWN] = "down",
};

const char *warm_state_name(enum warm_state s)
{
	return state_names[s];
}

void warm_set_state(struct warm_server *ws, struct warm_host *h, enum warm_state s)
{
	h->state = s;
	h->since = engine_cli_now();
	ws->churn = 1;
}

/* ---- the socket ---- */

/* The directory of the socket: made 0700, or one only its owner may enter. */
static int safe_dir(const char *sock, struct buf *err)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", sock);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return RONDA_OK;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		buf_printf(err, "%s: cannot make the socket's directory: %s", dir, strerror(errno));
		return RONDA_ESYS;
	}
	if (lstat(dir, &st) != 0) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return RONDA_ESYS;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		buf_printf(err, "%s: the socket's directory must be ours and mode 0700 (it is %s, uid %u, mode %03o)",
			   dir, S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
			   (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
		return RONDA_EINVAL;
	}
	return RONDA_OK;
}

/* A socket file left at path: another daemon's (refused) or a stale one (removed). */
static int clear_stale(const struct sockaddr_un *sun, struct buf *err)
{
	struct stat st;
	int fd;

	if (lstat(sun->sun_path, &st) != 0)
		return RONDA_OK;
	if (!S_ISSOCK(st.st_mode)) {
		buf_printf(err, "%s: exists and is not a socket", sun->sun_path);
		return RONDA_EINVAL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		close(fd);
		buf_printf(err, "%s: a warm daemon already answers there", sun->sun_path);
		return RONDA_EINVAL;
	}
	if (fd >= 0)
		close(fd);
	if (unlink(sun->sun_path) != 0 && errno != ENOENT) {
		buf_printf(err, "%s: cannot remove the stale socket: %s", sun->sun_path, strerror(errno));
		return RONDA_ESYS;
	}
	return RONDA_OK;
}

int warm_server_init(struct warm_server *ws, const struct target_list *tl,
		     const char *path, struct buf *err)
{
	struct sockaddr_un sun;
	mode_t old;
	int rc;

	memset(ws, 0, sizeof(*ws));
	ws->lfd = -1;
	ws->tl = tl;
	ws->t0 = engine_cli_now();
	buf_init(&ws->path, sizeof(sun.sun_path));
	ws->hosts = calloc(tl->n ? tl->n : 1, sizeof(*ws->hosts));
	ws->by_name = target_list_by_name(tl);
	if (!ws->hosts || !ws->by_name || buf_puts(&ws->path, path))
		return RONDA_ENOMEM;
	for (size_t i = 0; i < tl->n; i++)
		ws->hosts[i].since = ws->t0;
	warm_hosts_init(ws);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rc = safe_dir(path, err);
	if (rc == RONDA_OK)
		rc = clear_stale(&sun, err);
	if (rc)
		return rc;
	ws->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ws->lfd < 0) {
		buf_printf(err, "socket: %s", strerror(errno));
		return RONDA_ESYS;
	}
	/* 0600 from the start: no moment when another uid could connect */
	old = umask(0177);
	rc = bind(ws->lfd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	ws->bound = rc == 0;
	if (rc != 0 || listen(ws->lfd, 128) != 0) {
		buf_printf(err, "%s: cannot listen: %s", path, strerror(errno));
		return RONDA_ESYS;
	}
	return RONDA_OK;
}

/* ---- clients ---- */

static void job_free(struct warm_job *j)
{
	if (!j)
		return;
	if (j->p)	/* NULL: its allocation failed, nothing was sent */
		warm_job_abandon(j);
	ev_timer_stop(j->ws->loop, &j->deadline);
	free(j->host);
	free(j->p);
	free(j);
}

static void client_free(struct warm_client *c)
{
	struct warm_server *ws = c->ws;
	struct warm_client **p;

	job_free(c->job);
	for (p = &ws->clients; *p && *p != c; p = &(*p)->next)
		;
	if (*p)
		*p = c->next;
	ws->n_clients--;
	ev_io_stop(ws->loop, &c->io);
	ev_timer_stop(ws->loop, &c->deadline);
	close(c->fd);
	buf_release(&c->in);
	buf_release(&c->out);
	free(c);
}

int warm_status_json(const struct warm_server *ws, double now, struct buf *out)
{
	json_t *o = json_object(), *hosts = json_array();
	char *s = NULL;
	int rc = RONDA_ENOMEM;

	if (!o || !hosts)
		goto out;
	for (size_t i = 0; i < ws->tl->n; i++) {
		const struct warm_host *h = &ws->hosts[i];
		json_t *e = json_object();

		if (!e || json_array_append_new(hosts, e) ||
		    json_object_set_new(e, "host", json_string(ws->tl->v[i].name)) ||
		    json_object_set_new(e, "state", json_string(state_names[h->state])) ||
		    json_object_set_new(e, "for_s", json_real(now - h->since)) ||
		    json_object_set_new(e, "connects", json_integer(h->connects)))
			goto out;
		if (h->state == WARM_DOWN) {
			char why[sizeof(h->why) + 32];

			snprintf(why, sizeof(why), "%s: %s", host_status_name(h->status), h->why);
			if (json_object_set_new(e, "why", json_string(why)))
				goto out;
		}
	}
	if (json_object_set(o, "hosts", hosts) ||
	    json_object_set_new(o, "pid", json_integer(getpid())) ||
	    json_object_set_new(o, "up_s", json_real(now - ws->t0)))
		goto out;
	s = json_dumps(o, JSON_COMPACT);
	if (s)
		rc = buf_puts(out, s) ? RONDA_ENOMEM : RONDA_OK;
out:
	free(s);
	json_decref(hosts);
	json_decref(o);
	return rc;
}

/* {"error": why}, with "not_held": true when the refusal is the client's to
   take back to a cold run (wire.h). */
static int error_json(struct buf *out, const char *why, int not_held)
{
	json_t *o = not_held ? json_pack("{s:s, s:b}", "error", why, "not_held", 1)
			     : json_pack("{s:s}", "error", why);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc = s && !buf_puts(out, s) ? RONDA_OK : RONDA_ENOMEM;

	free(s);
	json_decref(o);
	return rc;
}

/*
 * Sends what the socket takes now; what it has taken is dropped from out,
 * unless it was the last frame (the watcher then ends the client).
 * RONDA_ESYS once the client is gone.
 */
static int client_push(struct warm_client *c)
{
	while (c->sent < buf_len(&c->out)) {
		ssize_t r = send(c->fd, buf_data(&c->out) + c->sent, buf_len(&c->out) - c->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return RONDA_OK;
		if (r <= 0)
			return RONDA_ESYS;
		c->sent += (size_t)r;
	}
	if (c->sent && !c->finished) {
		buf_reset(&c->out);
		c->sent = 0;
	}
	return RONDA_OK;
}

/*
 * What the socket takes now goes now: 1,000 hosts answering in one pass of
 * the loop would otherwise all wait in c->out.  The write watcher sends the
 * rest, sees a client gone, and ends one whose last frame has gone.
 */
static void client_flush(struct warm_client *c)
{
	if (c->answering)
		client_push(c);
	if ((buf_len(&c->out) > c->sent || c->finished) && !ev_is_active(&c->io)) {
		ev_io_set(&c->io, c->fd, EV_WRITE);
		ev_io_start(c->ws->loop, &c->io);
	}
}

/* Appends one answer frame of the JSON object o (taken) to c->out. */
static int client_send(struct warm_client *c, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc = s ? wire_frame(&c->out, s, strlen(s)) : RONDA_ENOMEM;

	free(s);
	json_decref(o);
	client_flush(c);
	return rc;
}

void warm_job_answer(struct warm_job *j, size_t slot, json_t *a)
{
	struct warm_client *c = j->c;

	warm_job_drop(j, slot);
	j->left--;
	if (client_send(c, a) != RONDA_OK)
		log_warn("serve: an answer for %s was lost: out of memory",
			 j->ws->tl->v[j->host[slot]].name);
	if (j->left == 0) {
		j->ws->churn = 1;
		ev_timer_stop(j->ws->loop, &j->deadline);
		c->finished = 1;
		client_send(c, json_pack("{s:b}", "done", 1));
	}
}

/* The job's deadline: every host not answered yet is answered so. */
static void job_expire_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct warm_job *j = w->data;
	char why[64];

	(void)loop;
	(void)revents;
	snprintf(why, sizeof(why), "no answer from the warm daemon's host within %gs", j->timeout);
	for (size_t s = 0; s < j->n && j->left; s++) {
		if (!j->p[s])
			continue;
		/* answered now: its host's answer, if it comes, is dropped */
		warm_job_answer(j, s, json_pack("{s:s, s:s, s:s}", "host",
						j->ws->tl->v[j->host[s]].name,
						"state", "timeout", "why", why));
	}
}

/* Sends the job's work to slot's host (warm_job_send, warm_exec_send). */
typedef int (*slot_send_fn)(struct warm_job *j, size_t slot, const void *what);

/*
 * The hosts of a request: "hosts" (names), "timeout" (seconds), "partial".
 * Unless partial, a host the daemon does not hold refuses the whole
 * request (RONDA_ENOTFOUND, why lists them): the client runs cold rather
 * than half warm.  Each host is given the work by send, and answered in
 * its own frame as it answers; then {"done": true}.
 */
static int start_hosts(struct warm_client *c, json_t *req, struct buf *why, double slack,
		       slot_send_fn send, const void *what)
{
	struct warm_server *ws = c->ws;
	json_t *hosts = json_object_get(req, "hosts");
	double timeout = json_number_value(json_object_get(req, "timeout"));
	struct warm_job *j;
	size_t unknown = 0;
	int rc = RONDA_OK;

	if (!json_is_array(hosts) || !(timeout > 0) || timeout > 86400) {
		buf_puts(why, "a request needs \"hosts\" and \"timeout\" (seconds)");
		return RONDA_EINVAL;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return RONDA_ENOMEM;
	j->ws = ws;
	j->c = c;
	j->n = j->left = json_array_size(hosts);
	j->host = calloc(j->n ? j->n : 1, sizeof(*j->host));
	j->p = calloc(j->n ? j->n : 1, sizeof(*j->p));
	c->job = j;	/* freed with the client, whatever happens next */
	if (!j->host || !j->p)
		return RONDA_ENOMEM;
	for (size_t s = 0; s < j->n; s++) {
		const char *name = json_string_value(json_array_get(hosts, s));
		long i = name ? target_list_find(ws->tl, ws->by_name, name) : -1;

		j->host[s] = i < 0 ? SIZE_MAX : (size_t)i;
		if (i < 0)
			buf_printf(why, "%s%.64s", unknown++ ? ", " : "it does not hold ",
				   name ? name : "?");
	}
	if (unknown && !json_is_true(json_object_get(req, "partial")))
		return RONDA_ENOTFOUND;
	buf_reset(why);
	j->timeout = timeout + slack;
	ev_timer_init(&j->deadline, job_expire_cb, j->timeout, 0);
	j->deadline.data = j;
	/* the client waits as long as its job, and then for the job's answers */
	ev_timer_stop(ws->loop, &c->deadline);
	ev_timer_set(&c->deadline, j->timeout + CLIENT_DEADLINE, 0);
	ev_timer_start(ws->loop, &c->deadline);
	c->answering = 1;
	for (size_t s = 0; s < j->n && rc == RONDA_OK; s++) {
		if (j->host[s] == SIZE_MAX) {
			const char *name = json_string_value(json_array_get(hosts, s));

			j->left--;
			rc = client_send(c, json_pack("{s:s, s:s}", "host", name ? name : "",
						      "state", "unknown"));
			continue;
		}
		rc = send(j, s, what);
	}
	if (rc == RONDA_OK && j->left == 0 && !c->finished) {
		c->finished = 1;
		rc = client_send(c, json_pack("{s:b}", "done", 1));
	}
	if (rc == RONDA_OK && j->left)
		ev_timer_start(ws->loop, &j->deadline);
	return rc;
}

struct job_line {
	const char *line;
	size_t len;
};

static int send_job(struct warm_job *j, size_t slot, const void *what)
{
	const struct job_line *l = what;

	return warm_job_send(j, slot, l->line, l->len);
}

/*
 * op "job": {"op": "job", "job": the job line, hosts...}.  It must be an
 * inspect job: the daemon never runs maintain work (and its agents would
 * refuse it).
 */
static int start_job(struct warm_client *c, json_t *req, struct buf *why)
{
	struct job_line l = {
		json_string_value(json_object_get(req, "job")),
		json_string_length(json_object_get(req, "job")),
	};
	json_t *jo, *jl;
	const char *prof;

	if (!l.line || !l.len || l.len > PROTO_JOB_MAX || l.line[l.len - 1] != '\n' ||
	    memchr(l.line, '\n', l.len - 1)) {
		buf_puts(why, "a job needs \"job\": one line");
		return RONDA_EINVAL;
	}
	jo = json_loadb(l.line, l.len, JSON_REJECT_DUPLICATES, NULL);
	jl = json_object_get(jo, "profile");
	prof = json_string_value(jl);
	if (!json_is_object(jo) || (jl && (!prof || strcmp(prof, "inspect") != 0))) {
		json_decref(jo);
		buf_puts(why, "the warm daemon runs inspect jobs only");
		return RONDA_EINVAL;
	}
	json_decref(jo);
	return start_hosts(c, req, why, 0, send_job, &l);
}

static int send_exec(struct warm_job *j, size_t slot, const void *what)
{
	return warm_exec_send(j, slot, what);
}

/*
 * op "exec": {"op": "exec", "argv": [...], "stdin": base64 or absent,
 * "max_output": bytes, hosts...}: exec --warm, under the exec guard the
 * daemon itself puts around argv (remote.h), on a new channel of each
 * held session.
 */
static int start_exec(struct warm_client *c, json_t *req, struct buf *why)
{
	json_t *av = json_object_get(req, "argv"), *v;
	const char *in64 = json_string_value(json_object_get(req, "stdin"));
	json_int_t max = json_integer_value(json_object_get(req, "max_output"));
	struct engine_side_req sr;
	struct buf cmd, in;
	char **argv = NULL;
	size_t k, n = json_array_size(av);
	int rc = RONDA_EINVAL;

	memset(&sr, 0, sizeof(sr));
	buf_init(&cmd, (size_t)1 << 20);
	buf_init(&in, WIRE_MAX_REQUEST);
	if (!n || n > 4096 || max <= 0 || (json_object_get(req, "stdin") && !in64)) {
		buf_puts(why, "an exec needs \"argv\" (strings), \"max_output\" (bytes) and "
			 "\"stdin\" as base64 or not at all");
		goto out;
	}
	argv = calloc(n, sizeof(*argv));
	if (!argv) {
		rc = RONDA_ENOMEM;
		goto out;
	}
	json_array_foreach(av, k, v) {
		if (!json_is_string(v) || memchr(json_string_value(v), '\0', json_string_length(v))) {
			buf_puts(why, "\"argv\" holds strings only");
			goto out;
		}
		argv[k] = (char *)(uintptr_t)json_string_value(v);
	}
	if (in64) {
		/* the guard's framing (remote.h), then the bytes */
		struct buf raw;

		buf_init(&raw, WIRE_MAX_REQUEST);
		rc = wire_b64_decode(in64, &raw);
		if (rc == RONDA_OK)
			rc = remote_input_header(&in, buf_len(&raw));
		if (rc == RONDA_OK)
			rc = buf_append(&in, buf_data(&raw), buf_len(&raw));
		buf_release(&raw);
		if (rc) {
			buf_puts(why, "\"stdin\" is not base64");
			rc = RONDA_EINVAL;
			goto out;
		}
	}
	rc = in64 ? remote_guarded_input_command(&cmd, argv, n) : remote_guarded_command(&cmd, argv, n);
	if (rc) {
		buf_puts(why, "the command is too long");
		rc = RONDA_EINVAL;
		goto out;
	}
	sr.cmd = buf_data(&cmd);
	sr.in = buf_data(&in);
	sr.inlen = buf_len(&in);
	sr.max_output = (size_t)max;
	sr.timeout = json_number_value(json_object_get(req, "timeout"));
	/* the command's own timeout kills it, and its end comes back first */
	rc = start_hosts(c, req, why, WIRE_EXEC_SLACK, send_exec, &sr);
out:
	free(argv);
	buf_release(&cmd);
	buf_release(&in);
	return rc;
}

/* The request, decoded at the edge, and its answer framed in c->out. */
static int answer(struct warm_client *c, const char *body, size_t n)
{
	struct buf a, why;
	json_t *req = json_loadb(body, n, JSON_REJECT_DUPLICATES, NULL);
	const char *op = req ? json_string_value(json_object_get(req, "op")) : NULL;
	int rc;

	buf_init(&a, WIRE_MAX_ANSWER);
	buf_init(&why, 256);
	if (op && (strcmp(op, "job") == 0 || strcmp(op, "exec") == 0)) {
		rc = op[0] == 'j' ? start_job(c, req, &why) : start_exec(c, req, &why);
		if (rc == RONDA_ENOTFOUND || rc == RONDA_EINVAL) {
			rc = error_json(&a, buf_data(&why), rc == RONDA_ENOTFOUND);
		} else {
			goto out;
		}
	} else if (!op)
		rc = error_json(&a, "the request is not a JSON object with an \"op\"", 0);
	else if (strcmp(op, "status") == 0)
		rc = warm_status_json(c->ws, engine_cli_now(), &a);
	else {
		char unknown[128];

		snprintf(unknown, sizeof(unknown), "unknown op \"%.64s\"", op);
		rc = error_json(&a, unknown, 0);
	}
	if (rc == RONDA_OK)
		rc = wire_frame(&c->out, buf_data(&a), buf_len(&a));
	c->answering = c->finished = 1;
out:
	json_decref(req);
	buf_release(&a);
	buf_release(&why);
	return rc;
}

/* The write watcher: the client goes once its last frame has, or it has. */
static void client_write(struct warm_client *c)
{
	if (client_push(c) != RONDA_OK ||	/* gone: its pending hosts are forgotten */
	    (c->finished && c->sent == buf_len(&c->out))) {
		client_free(c);
		return;
	}
	if (c->sent == buf_len(&c->out))
		ev_io_stop(c->ws->loop, &c->io);	/* until more is answered */
}

static void client_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct warm_client *c = w->data;
	const char *body;
	size_t n;
	ssize_t r;
	int rc;

	(void)revents;
	if (c->answering) {
		client_write(c);
		return;
	}
	if (buf_reserve(&c->in, 65536)) {
		client_free(c);		/* past the request's limit */
		return;
	}
	r = read(c->fd, buf_space(&c->in), 65536);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_free(c);
		return;
	}
	buf_commit(&c->in, (size_t)r);
	rc = wire_unframe(&c->in, WIRE_MAX_REQUEST, &body, &n);
	if (rc == RONDA_EAGAIN)
		return;
	if (rc != RONDA_OK || answer(c, body, n) != RONDA_OK) {
		client_free(c);
		return;
	}
	ev_io_stop(loop, &c->io);
	client_flush(c);
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	client_free(w->data);
}

/* Another uid: told why, in one frame sent without waiting, and dropped. */
static void refuse(int fd, uid_t uid)
{
	char why[128];
	struct buf a, f;

	buf_init(&a, 4096);
	buf_init(&f, 4096);
	snprintf(why, sizeof(why), "refused: uid %u is not the daemon's (%u)", (unsigned)uid,
		 (unsigned)geteuid());
	if (error_json(&a, why, 0) == RONDA_OK && wire_frame(&f, buf_data(&a), buf_len(&a)) == RONDA_OK &&
	    send(fd, buf_data(&f), buf_len(&f), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("serve: the refusal was not sent: %s", strerror(errno));
	buf_release(&a);
	buf_release(&f);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct warm_server *ws = w->data;

	(void)revents;
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct warm_client *c;
		int fd = accept4(ws->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			/* the listener stays readable: pause rather than spin */
			log_warn("serve: out of descriptors; clients wait a second");
			ev_io_stop(loop, &ws->accept_io);
			/* set again: a one-shot timer that fired keeps no "after" */
			ev_timer_set(&ws->accept_pause, 1.0, 0);
			ev_timer_start(loop, &ws->accept_pause);
			return;
		}
		if (fd < 0)
			return;		/* EAGAIN, or a client gone before we took it */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
			log_warn("serve: a client without credentials (%s): dropped", strerror(errno));
			close(fd);
			continue;
		}
		if (cred.uid != geteuid()) {
			log_warn("serve: refused a client of uid %u (pid %d): not the daemon's uid %u",
				 (unsigned)cred.uid, (int)cred.pid, (unsigned)geteuid());
			refuse(fd, cred.uid);
			close(fd);
			continue;
		}
		if (ws->n_clients >= MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			log_warn("serve: %zu clients at once: one dropped", ws->n_clients);
			close(fd);
			continue;
		}
		c->ws = ws;
		c->fd = fd;
		buf_init(&c->in, WIRE_MAX_REQUEST + 4);
		buf_init(&c->out, WIRE_MAX_ANSWER + 4);
		c->next = ws->clients;
		ws->clients = c;
		ws->n_clients++;
		ev_io_init(&c->io, client_cb, fd, EV_READ);
		c->io.data = c;
		ev_io_start(loop, &c->io);
		ev_timer_init(&c->deadline, client_timeout_cb, CLIENT_DEADLINE, 0);
		c->deadline.data = c;
		ev_timer_start(loop, &c->deadline);
	}
}

static void accept_again_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct warm_server *ws = w->data;

	(void)revents;
	ev_io_start(loop, &ws->accept_io);
}

/* ---- the hosts, from the engine ---- */

/*
 * Sessions starting together leave the heap full of freed handshake
 * buffers, which glibc keeps: given back once the hosts have settled, a
 * daemon holding 1,000 hosts is that much smaller for as long as it runs.
 */
static void trim_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct warm_server *ws = w->data;

	(void)loop;
	(void)revents;
	if (ws->churn) {
		ws->churn = 0;
		malloc_trim(0);
	}
}

static void on_start(void *arg, struct engine *e, void *loop)
{
	struct warm_server *ws = arg;

	ws->e = e;
	ws->loop = loop;
	ev_io_init(&ws->accept_io, accept_cb, ws->lfd, EV_READ);
	ws->accept_io.data = ws;
	ev_io_start(ws->loop, &ws->accept_io);
	/* the listener alone does not keep the loop: the hosts do */
	ev_unref(ws->loop);
	ev_timer_init(&ws->accept_pause, accept_again_cb, 1.0, 0);
	ws->accept_pause.data = ws;
	ev_timer_init(&ws->trim, trim_cb, TRIM_EVERY, TRIM_EVERY);
	ws->trim.data = ws;
	ev_timer_start(ws->loop, &ws->trim);
	ev_unref(ws->loop);
	log_info("serve: %zu host(s); answering on %s", ws->tl->n, buf_data(&ws->path));
}

/*
 * The deploy steps (deploy.h, warm mode) start the resident agent: once
 * the session is up the host is starting, and up when the agent's hello
 * has come (hosts.c).  An agent that ends is a lost host: it rests and
 * comes back on a new session.
 */
static int plan(void *arg, size_t i, const struct target *t, struct host_result *r,
		int step, struct engine_step *next)
{
	struct warm_server *ws = arg;
	struct warm_host *h = &ws->hosts[i];

	if (step == 0) {
		h->connects++;
		warm_set_state(ws, h, WARM_STARTING);
	}
	return push_plan(ws->pc, i, t, r, step, next);
}

static void on_done(void *arg, size_t i, const struct host_result *r)
{
	struct warm_server *ws = arg;
	struct warm_host *h = &ws->hosts[i];

	h->status = r->status;
	h->attempts = r->attempts;
	h->methods = r->methods;	/* libssh2's static names: they outlive it */
	/* a broken agent stream says more than the engine's "step 1: ..." */
	snprintf(h->why, sizeof(h->why), "%.200s", h->fault[0] ? h->fault : r->why);
	h->fault[0] = '\0';
	warm_set_state(ws, h, WARM_DOWN);
	warm_host_lost(ws, i);
}

void warm_server_engine(struct warm_server *ws, struct engine_opts *eo,
			void (**done)(void *, size_t, const struct host_result *), void **arg)
{
	eo->hold = 1;
	eo->plan = plan;
	eo->plan_arg = ws;
	eo->on_start = on_start;
	eo->start_arg = ws;
	*done = on_done;
	*arg = ws;
}

/*
 * The daemon stops: what its clients have been answered (the hosts
 * stopped with it say so) still goes out, within STOP_FLUSH seconds in
 * all, rather than a connection closed before answering.
 */
static void flush_clients(struct warm_server *ws)
{
	double until = engine_cli_now() + STOP_FLUSH;

	for (struct warm_client *c = ws->clients; c; c = c->next) {
		while (c->answering && client_push(c) == RONDA_OK && c->sent < buf_len(&c->out)) {
			struct pollfd p = { .fd = c->fd, .events = POLLOUT };
			double left = until - engine_cli_now();

			if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
				return;
		}
	}
}

void warm_server_release(struct warm_server *ws)
{
	flush_clients(ws);
	while (ws->clients)
		client_free(ws->clients);
	warm_hosts_release(ws);
	free(ws->by_name);
	if (ws->loop) {
		/* the one reference given back is the listener's, active or paused */
		ev_ref(ws->loop);
		ev_io_stop(ws->loop, &ws->accept_io);
		ev_timer_stop(ws->loop, &ws->accept_pause);
		ev_ref(ws->loop);	/* and the trim timer's */
		ev_timer_stop(ws->loop, &ws->trim);
	}
	if (ws->lfd >= 0)
		close(ws->lfd);
	if (ws->bound)
		unlink(buf_data(&ws->path));
	buf_release(&ws->path);
	free(ws->hosts);
}
