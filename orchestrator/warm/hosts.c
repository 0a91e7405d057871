/*
 * hosts.c - ronda serve's resident agents (server.h): the frames to and
 * from `ronda-agent serve` on each held session (common/PROTOCOL.md "Warm
 * mode"), and the jobs clients asked of them.
 *
 * The agent answers its jobs in the order it was sent them, so each host
 * keeps a queue of the jobs sent, and an answer must be for the oldest.
 * Anything else from it (a frame that is not one, an answer to a job it
 * was not sent) means its stream cannot be trusted: the host ends, with
 * the cause, and comes back on a new session with a new agent.  Lines are
 * never decoded here: the client decodes them, as a cold run does.
 */
#include "warm/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <jansson.h>

#include "err.h"
#include "frame.h"
#include "log.h"
#include "proto.h"
#include "warm/wire.h"
#include "banned.h"

/* One job sent to a host and not answered yet. */
struct warm_pending {
	uint64_t id;
	struct warm_job *job;	/* NULL: given up, its answer is dropped */
	size_t slot;
	struct warm_pending *next;
};

/* No stream, and no buffer kept for one (an idle host holds none). */
static void streams_release(struct warm_host *h)
{
	buf_release(&h->rx);
	buf_release(&h->tx);
	buf_release(&h->answer);
	h->tx_base = 0;
	h->answer_cut = 0;
}

/* Empties the host's queue of jobs sent; each still wanted is answered
   with the host's state, when answer. */
static void queue_clear(struct warm_server *ws, size_t i, int answer)
{
	struct warm_host *h = &ws->hosts[i];

	while (h->head) {
		struct warm_pending *p = h->head;

		h->head = p->next;
		if (answer && p->job)
			warm_job_answer(p->job, p->slot, warm_host_json(ws, i, "down"));
		free(p);
	}
	h->tail = NULL;
}

/* The host's stream is broken: why, for its status; the host ends. */
static int fault(struct warm_host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fault(struct warm_host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->fault, sizeof(h->fault), fmt, ap);
	va_end(ap);
	return RONDA_EPROTO;
}

static json_t *methods_json(const struct ssh_methods *m)
{
	json_t *mj = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
			       "kex", m->kex, "hostkey", m->hostkey,
			       "cipher_cs", m->cipher[0], "cipher_sc", m->cipher[1],
			       "mac_cs", m->mac[0], "mac_sc", m->mac[1]);

	return mj ? mj : json_null();
}

json_t *warm_host_json(const struct warm_server *ws, size_t i, const char *state)
{
	const struct warm_host *h = &ws->hosts[i];
	const struct host_result *r = &ws->res[i];
	json_t *o = json_pack("{s:s, s:s}", "host", ws->tl->v[i].name, "state", state);

	if (!o)
		return NULL;
	if (strcmp(state, "answered") == 0 || strcmp(state, "ran") == 0) {
		json_object_set_new(o, "attempts", json_integer(r->attempts));
		json_object_set_new(o, "methods", methods_json(&r->methods));
		json_object_set_new(o, "ms", json_pack("{s:I, s:I, s:I}",
			"connect", (json_int_t)r->ms_connect, "handshake", (json_int_t)r->ms_handshake,
			"auth", (json_int_t)r->ms_auth));
	} else if (h->state == WARM_DOWN) {
		json_object_set_new(o, "status", json_string(host_status_name(h->status)));
		json_object_set_new(o, "attempts", json_integer(h->attempts));
		json_object_set_new(o, "methods", methods_json(&h->methods));
		json_object_set_new(o, "why", json_string(h->why));
	}
	return o;
}

/* ---- the agent's side of the channel (struct push_serve) ---- */

static void started(void *arg, size_t i)
{
	struct warm_server *ws = arg;

	streams_release(&ws->hosts[i]);
	ws->hosts[i].fault[0] = '\0';
}

/* An L frame: one line of the oldest job's answer (id 0: the agent's own). */
static int on_line(struct warm_server *ws, size_t i, const struct frame *f)
{
	struct warm_host *h = &ws->hosts[i];

	if (f->id == 0) {
		json_t *l = json_loadb(f->body, (size_t)f->n, 0, NULL);
		const char *type = json_string_value(json_object_get(l, "type"));
		const char *msg = json_string_value(json_object_get(l, "message"));

		if (type && strcmp(type, "hello") == 0 && h->state == WARM_STARTING) {
			warm_set_state(ws, h, WARM_UP);
			log_debug("%s: the resident agent is up", ws->tl->v[i].name);
		} else {
			/* the agent says why it stops: kept for the host's cause */
			fault(h, "the resident agent said: %.100s", msg ? msg : "a line of no known type");
		}
		json_decref(l);
		return RONDA_OK;
	}
	if (!h->head || h->head->id != f->id)
		return fault(h, "the resident agent answered job %llu, which it was not sent (or not next)",
			     (unsigned long long)f->id);
	if (h->answer_cut || buf_len(&h->answer) + f->n > WARM_MAX_ANSWER) {
		h->answer_cut = 1;
		return RONDA_OK;
	}
	return buf_append(&h->answer, f->body, (size_t)f->n);
}

/* An E frame: the oldest job's answer is whole (id 0: the agent stops). */
static int on_end(struct warm_server *ws, size_t i, const struct frame *f)
{
	struct warm_host *h = &ws->hosts[i];
	struct warm_pending *p = h->head;

	if (f->id == 0) {
		if (!h->fault[0])
			fault(h, "the resident agent stopped (code %llu)", (unsigned long long)f->n);
		return RONDA_OK;	/* its channel closes next */
	}
	if (!p || p->id != f->id)
		return fault(h, "the resident agent ended job %llu, which it was not sent (or not next)",
			     (unsigned long long)f->id);
	h->head = p->next;
	if (!h->head)
		h->tail = NULL;
	if (p->job) {
		json_t *a = warm_host_json(ws, i, "answered");
		json_t *out = json_stringn(buf_data(&h->answer), buf_len(&h->answer));

		if (!out) {
			/* not UTF-8: no agent line can be that */
			json_decref(a);
			free(p);
			return fault(h, "the resident agent's answer to job %llu is not UTF-8",
				     (unsigned long long)f->id);
		}
		if (a) {
			json_object_set_new(a, "code", json_integer((json_int_t)f->n));
			json_object_set_new(a, "cut", json_boolean(h->answer_cut));
		}
		json_object_set_new(a, "out", out);
		warm_job_answer(p->job, p->slot, a);
	}
	free(p);
	/* an idle host keeps no buffer: 1,000 of them are 1,000 sessions' worth */
	buf_release(&h->answer);
	h->answer_cut = 0;
	return RONDA_OK;
}

/* The agent's stdout, after the bootstrap's status line: its frames. */
static int out(void *arg, size_t i, const char *data, size_t n)
{
	struct warm_server *ws = arg;
	struct warm_host *h = &ws->hosts[i];
	struct buf err;
	struct frame f;
	size_t at = 0;
	int rc;

	if (h->fault[0])
		return RONDA_EPROTO;
	if (buf_append(&h->rx, data, n))
		return fault(h, "the resident agent sent more than %zu bytes in one frame",
			     (size_t)PROTO_LINE_MAX);
	buf_init(&err, 256);
	for (;;) {
		rc = frame_parse(buf_data(&h->rx) + at, buf_len(&h->rx) - at,
				 FRAME_ACCEPT_LINE | FRAME_ACCEPT_END, &f, &err);
		if (rc == RONDA_EAGAIN) {
			rc = RONDA_OK;
			break;
		}
		if (rc) {
			rc = fault(h, "the resident agent's stream is broken: %.80s", buf_data(&err));
			break;
		}
		rc = f.type == FRAME_LINE ? on_line(ws, i, &f) : on_end(ws, i, &f);
		if (rc)
			break;
		at += f.size;
	}
	buf_consume(&h->rx, at);
	if (!buf_len(&h->rx))
		buf_release(&h->rx);
	buf_release(&err);
	return rc;
}

/* The agent's stdin: off counts from its first byte; tx starts at tx_base. */
static int in(void *arg, size_t i, size_t off, const char **data, size_t *n)
{
	struct warm_host *h = &((struct warm_server *)arg)->hosts[i];

	if (off < h->tx_base || off - h->tx_base > buf_len(&h->tx))
		return RONDA_EPROTO;
	buf_consume(&h->tx, off - h->tx_base);
	h->tx_base = off;
	if (!buf_len(&h->tx))
		buf_release(&h->tx);
	*data = buf_data(&h->tx);
	*n = buf_len(&h->tx);
	return RONDA_OK;
}

void warm_hosts_init(struct warm_server *ws)
{
	for (size_t i = 0; i < ws->tl->n; i++) {
		buf_init(&ws->hosts[i].rx, (size_t)PROTO_LINE_MAX + FRAME_HDR_MAX);
		buf_init(&ws->hosts[i].tx, SIZE_MAX / 2);	/* jobs are bounded by the clients */
		buf_init(&ws->hosts[i].answer, WARM_MAX_ANSWER);
	}
	ws->next_id = 1;
	ws->serve.started = started;
	ws->serve.out = out;
	ws->serve.in = in;
	ws->serve.arg = ws;
}

/* ---- jobs ---- */

/*
 * slot's work, if its host is up: a pending answer for it (RONDA_OK, *pp
 * set); a host not up is answered so at once (RONDA_OK, *pp NULL).
 */
static int pending_new(struct warm_job *j, size_t slot, struct warm_pending **pp)
{
	size_t i = j->host[slot];
	const struct warm_host *h = &j->ws->hosts[i];

	*pp = NULL;
	if (h->state != WARM_UP) {
		warm_job_answer(j, slot, warm_host_json(j->ws, i, warm_state_name(h->state)));
		return RONDA_OK;
	}
	*pp = calloc(1, sizeof(**pp));
	if (!*pp)
		return RONDA_ENOMEM;
	(*pp)->job = j;
	(*pp)->slot = slot;
	return RONDA_OK;
}

int warm_job_send(struct warm_job *j, size_t slot, const char *job, size_t len)
{
	struct warm_server *ws = j->ws;
	size_t i = j->host[slot];
	struct warm_host *h = &ws->hosts[i];
	struct warm_pending *p;
	char hdr[FRAME_HDR_MAX];
	size_t hn;
	int rc = pending_new(j, slot, &p);

	if (rc || !p)
		return rc;
	hn = frame_header(hdr, FRAME_JOB, ws->next_id, len);
	if (buf_append(&h->tx, hdr, hn) || buf_append(&h->tx, job, len)) {
		free(p);
		return RONDA_ENOMEM;
	}
	p->id = ws->next_id++;
	if (h->tail)
		h->tail->next = p;
	else
		h->head = p;
	h->tail = p;
	j->p[slot] = p;
	engine_kick(ws->e, i);
	return RONDA_OK;
}

void warm_job_drop(struct warm_job *j, size_t slot)
{
	if (j->p[slot])
		j->p[slot]->job = NULL;
	j->p[slot] = NULL;
}

void warm_job_abandon(struct warm_job *j)
{
	for (size_t s = 0; s < j->n; s++)
		warm_job_drop(j, s);
}

void warm_host_lost(struct warm_server *ws, size_t i)
{
	queue_clear(ws, i, 1);
	streams_release(&ws->hosts[i]);
}

void warm_hosts_release(struct warm_server *ws)
{
	for (size_t i = 0; ws->hosts && i < ws->tl->n; i++) {
		queue_clear(ws, i, 0);
		streams_release(&ws->hosts[i]);
	}
}

/* ---- exec --warm: side channels of the held sessions ---- */

/* Bytes as base64, for a JSON string (the output may be any bytes). */
static json_t *b64_json(const struct buf *b)
{
	struct buf t;
	json_t *j = NULL;

	buf_init(&t, SIZE_MAX / 2);
	if (wire_b64_encode(buf_data(b), buf_len(b), &t) == RONDA_OK)
		j = json_stringn(buf_len(&t) ? buf_data(&t) : "", buf_len(&t));
	buf_release(&t);
	return j;
}

static void side_ended(void *arg, size_t i, const struct host_result *r)
{
	struct warm_pending *p = arg;

	if (p->job) {
		struct warm_server *ws = p->job->ws;
		json_t *a = warm_host_json(ws, i, "ran");

		if (a) {
			json_object_set_new(a, "status", json_string(host_status_name(r->status)));
			json_object_set_new(a, "exit_code", r->has_exit ? json_integer(r->exit_code)
									: json_null());
			json_object_set_new(a, "why", json_string(r->why));
			json_object_set_new(a, "out", b64_json(&r->out));
			json_object_set_new(a, "err", b64_json(&r->err));
			json_object_set_new(a, "out_cut", json_boolean(r->out_cut));
			json_object_set_new(a, "err_cut", json_boolean(r->err_cut));
			json_object_set_new(json_object_get(a, "ms"), "run", json_integer(r->ms_run));
		}
		warm_job_answer(p->job, p->slot, a);
	}
	free(p);
}

int warm_exec_send(struct warm_job *j, size_t slot, const struct engine_side_req *req)
{
	struct warm_server *ws = j->ws;
	size_t i = j->host[slot];
	struct engine_side_req r = *req;
	struct warm_pending *p;
	int rc = pending_new(j, slot, &p);

	if (rc || !p)
		return rc;
	r.on_end = side_ended;
	r.arg = p;
	j->p[slot] = p;
	rc = engine_side_start(ws->e, i, &r);
	if (rc == RONDA_EAGAIN) {
		/* up, yet between sessions in the engine: as a host not up */
		j->p[slot] = NULL;
		free(p);
		warm_job_answer(j, slot, warm_host_json(ws, i, "starting"));
		return RONDA_OK;
	}
	if (rc) {
		j->p[slot] = NULL;
		free(p);
	}
	return rc;
}
