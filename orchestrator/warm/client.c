/*
 * client.c - check --warm and run --warm (client.h): one request to the
 * warm daemon, one answer frame per host as it answers, then "done".
 */
#include "warm/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "proto.h"
#include "ssh/engine_cli.h"
#include "warm/wire.h"
#include "banned.h"

/* The daemon answers for each host by the host's deadline; this is its own. */
#define WARM_SLACK 10.0

static int status_from_name(const char *name, enum host_status *st)
{
	for (int s = 0; s < RESULT_COUNT; s++)
		if (name && strcmp(name, host_status_name((enum host_status)s)) == 0) {
			*st = (enum host_status)s;
			return 1;
		}
	return 0;
}

static long ms_of(json_t *ms, const char *key)
{
	json_t *v = json_object_get(ms, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* The session's facts (the held one's, or the last one's of a host down),
   as the engine would have set them cold. */
static void session_of(json_t *a, struct host_result *r)
{
	json_t *m = json_object_get(a, "methods"), *ms = json_object_get(a, "ms");

	r->methods.kex = json_string_value(json_object_get(m, "kex"));
	r->methods.hostkey = json_string_value(json_object_get(m, "hostkey"));
	r->methods.cipher[0] = json_string_value(json_object_get(m, "cipher_cs"));
	r->methods.cipher[1] = json_string_value(json_object_get(m, "cipher_sc"));
	r->methods.mac[0] = json_string_value(json_object_get(m, "mac_cs"));
	r->methods.mac[1] = json_string_value(json_object_get(m, "mac_sc"));
	r->ms_connect = ms_of(ms, "connect");
	r->ms_handshake = ms_of(ms, "handshake");
	r->ms_auth = ms_of(ms, "auth");
}

/* One host's answer frame, decoded into its patrol_host and result. */
static void host_answer(json_t *a, const struct proto_job *expect, struct patrol_host *h,
			struct host_result *r, double t0)
{
	const char *state = json_string_value(json_object_get(a, "state"));
	const char *why = json_string_value(json_object_get(a, "why"));
	json_t *out = json_object_get(a, "out");
	enum host_status st;

	r->ms_total = (long)((engine_cli_now() - t0) * 1000);
	r->ms_start = 0;
	r->attempts = (int)json_integer_value(json_object_get(a, "attempts"));
	session_of(a, r);
	if (state && strcmp(state, "answered") == 0 && json_is_string(out)) {
		r->ms_run = r->ms_total;
		push_parse_agent(json_string_value(out), json_string_length(out), expect, h,
				 r->why, sizeof(r->why));
		if (json_is_true(json_object_get(a, "cut")) && h->agent_error) {
			snprintf(r->why, sizeof(r->why), "agent output passed --max-output");
			patrol_host_set_error(h, r->why);
		}
		r->status = h->agent_error ? RESULT_AGENT : RESULT_OK;
		return;
	}
	if (state && strcmp(state, "down") == 0 &&
	    status_from_name(json_string_value(json_object_get(a, "status")), &st) &&
	    st != RESULT_OK) {
		/* as a cold run would find it: a refused key is that; a session
		   that was lost (its link, its agent) is a host not reached now */
		r->status = st == RESULT_AGENT || st == RESULT_PROTOCOL || st == RESULT_ERROR ||
			    st == RESULT_INTERRUPTED ? RESULT_UNREACHABLE : st;
		snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
		return;
	}
	if (state && strcmp(state, "timeout") == 0) {
		r->status = RESULT_TIMEOUT;
		snprintf(r->why, sizeof(r->why), "%s", why ? why : "no answer in time");
		return;
	}
	r->status = RESULT_UNREACHABLE;
	if (state && strcmp(state, "connecting") == 0)
		snprintf(r->why, sizeof(r->why), "the warm daemon has no session with it yet");
	else if (state && strcmp(state, "starting") == 0)
		snprintf(r->why, sizeof(r->why), "the warm daemon's agent on it is still starting");
	else if (state && strcmp(state, "unknown") == 0)
		snprintf(r->why, sizeof(r->why), "not held by the warm daemon (not in its pattern)");
	else
		snprintf(r->why, sizeof(r->why), "the warm daemon's answer for it says %.64s",
			 state ? state : "nothing");
}

static int request(const struct target_list *tl, const struct patrol_plan *plan,
		   double timeout, int partial, struct buf *out)
{
	struct timespec now;
	struct buf job;
	json_t *names = json_array(), *req = NULL;
	char *s = NULL;
	int rc = RONDA_ENOMEM;

	buf_init(&job, PROTO_JOB_MAX + 2);
	clock_gettime(CLOCK_REALTIME, &now);
	/* one job for every host: its "now" is taken here, as it is sent */
	if ((rc = patrol_plan_job(plan, (double)now.tv_sec + now.tv_nsec / 1e9, &job)))
		goto out;
	rc = RONDA_ENOMEM;
	for (size_t i = 0; names && i < tl->n; i++)
		if (json_array_append_new(names, json_string(tl->v[i].name)))
			goto out;
	req = json_pack("{s:s, s:s%, s:O, s:f, s:b}", "op", "job", "job", buf_data(&job),
			buf_len(&job), "hosts", names, "timeout", timeout, "partial", partial);
	s = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (s && !buf_puts(out, s))
		rc = RONDA_OK;
out:
	free(s);
	json_decref(req);
	json_decref(names);
	buf_release(&job);
	return rc;
}

int warm_patrol(const char *sock, const struct target_list *tl, const struct patrol_plan *plan,
		double timeout, int partial, struct patrol_host *hosts, struct host_result *res,
		struct warm_answers *keep, struct buf *err)
{
	struct proto_job expect;
	struct wire_conn wc;
	struct buf req, frame;
	size_t *by_name = target_list_by_name(tl), answered = 0;
	double t0 = engine_cli_now();
	int rc, open = 0;

	memset(&expect, 0, sizeof(expect));
	memset(keep, 0, sizeof(*keep));
	buf_init(&req, WIRE_MAX_REQUEST);
	buf_init(&frame, WIRE_MAX_ANSWER);
	keep->v = calloc(tl->n ? tl->n : 1, sizeof(*keep->v));
	keep->n = keep->v ? tl->n : 0;
	rc = by_name && keep->v ? patrol_plan_expect(plan, &expect) : RONDA_ENOMEM;
	if (rc == RONDA_OK)
		rc = request(tl, plan, timeout, partial, &req);
	if (rc == RONDA_OK)
		rc = wire_open(&wc, sock, buf_data(&req), timeout + WARM_SLACK, err);
	open = rc == RONDA_OK;
	for (size_t i = 0; i < tl->n; i++) {
		host_result_init(&res[i], 0);
		res[i].why[0] = '\0';
	}
	while (rc == RONDA_OK) {
		json_t *a;
		const char *name, *e;
		long i;

		if ((rc = wire_next(&wc, &frame, err)))
			break;
		a = json_loadb(buf_data(&frame), buf_len(&frame), 0, NULL);
		if ((e = json_string_value(json_object_get(a, "error")))) {
			buf_printf(err, "%s: the warm daemon refused the job: %s", sock, e);
			rc = json_is_true(json_object_get(a, "not_held")) ? RONDA_ENOTFOUND : RONDA_EINVAL;
			json_decref(a);
			break;
		}
		if (json_is_true(json_object_get(a, "done"))) {
			json_decref(a);
			break;
		}
		name = json_string_value(json_object_get(a, "host"));
		i = name ? target_list_find(tl, by_name, name) : -1;
		if (i < 0 || keep->v[i]) {
			buf_printf(err, "%s: the warm daemon answered for a host not asked (or twice): %.64s",
				   sock, name ? name : "(no name)");
			rc = RONDA_EPROTO;
			json_decref(a);
			break;
		}
		keep->v[i] = a;
		answered++;
		host_answer(a, &expect, &hosts[i], &res[i], t0);
	}
	if (rc == RONDA_OK && answered < tl->n) {
		buf_printf(err, "%s: the warm daemon answered for %zu of %zu hosts", sock, answered,
			   tl->n);
		rc = RONDA_EPROTO;
	}
	if (open)
		wire_close(&wc);
	proto_job_release(&expect);
	free(by_name);
	buf_release(&req);
	buf_release(&frame);
	return rc;
}

void warm_answers_release(struct warm_answers *keep)
{
	for (size_t i = 0; keep->v && i < keep->n; i++)
		json_decref(keep->v[i]);
	free(keep->v);
	memset(keep, 0, sizeof(*keep));
}
