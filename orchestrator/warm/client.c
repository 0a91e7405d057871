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
#include "output/runread.h"
#include "proto.h"
#include "ssh/engine_cli.h"
#include "warm/wire.h"
#include "banned.h"

/* The daemon answers every host by the request's deadline (an exec's
   WIRE_EXEC_SLACK later); the client waits this much more for it. */
#define WARM_SLACK 10.0

/* The session's facts (the held one's, or the last one's of a host down),
   as the engine would have set them cold. */
static void session_of(json_t *a, struct host_result *r)
{
	json_t *m = json_object_get(a, "methods"), *ms = json_object_get(a, "ms");

	r->attempts = (int)json_integer_value(json_object_get(a, "attempts"));
	r->methods.kex = json_string_value(json_object_get(m, "kex"));
	r->methods.hostkey = json_string_value(json_object_get(m, "hostkey"));
	r->methods.cipher[0] = json_string_value(json_object_get(m, "cipher_cs"));
	r->methods.cipher[1] = json_string_value(json_object_get(m, "cipher_sc"));
	r->methods.mac[0] = json_string_value(json_object_get(m, "mac_cs"));
	r->methods.mac[1] = json_string_value(json_object_get(m, "mac_sc"));
	r->ms_connect = runread_ms(ms, "connect");
	r->ms_handshake = runread_ms(ms, "handshake");
	r->ms_auth = runread_ms(ms, "auth");
}

/*
 * An answer that is not the work's: the host as a cold run would find it
 * (a refused key is that; a session that was lost, its link or its agent,
 * is a host not reached now).  0 when the answer is the work's.
 */
static int not_answered(json_t *a, struct host_result *r, const char *worked)
{
	const char *state = json_string_value(json_object_get(a, "state"));
	const char *why = json_string_value(json_object_get(a, "why"));
	enum host_status st;

	session_of(a, r);
	if (state && strcmp(state, worked) == 0)
		return 0;
	if (state && strcmp(state, "down") == 0 &&
	    host_status_from_name(json_string_value(json_object_get(a, "status")), &st) == RONDA_OK &&
	    st != RESULT_OK) {
		r->status = st == RESULT_AGENT || st == RESULT_PROTOCOL || st == RESULT_ERROR
			    ? RESULT_UNREACHABLE : st;
		snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
		return 1;
	}
	if (state && strcmp(state, "timeout") == 0) {
		r->status = RESULT_TIMEOUT;
		snprintf(r->why, sizeof(r->why), "%s", why ? why : "no answer in time");
		return 1;
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
	return 1;
}

/* One host's answer to a job, decoded into its patrol_host and result. */
static void host_answer(json_t *a, const struct proto_job *expect, struct patrol_host *h,
			struct host_result *r)
{
	json_t *out = json_object_get(a, "out");

	if (not_answered(a, r, "answered"))
		return;
	if (!json_is_string(out)) {
		r->status = RESULT_AGENT;
		snprintf(r->why, sizeof(r->why), "the warm daemon's answer has no output");
		return;
	}
	push_parse_agent(json_string_value(out), json_string_length(out), expect, h,
			 r->why, sizeof(r->why));
	if (json_is_true(json_object_get(a, "cut")) && h->agent_error) {
		snprintf(r->why, sizeof(r->why), "agent output passed --max-output");
		patrol_host_set_error(h, r->why);
	}
	r->status = h->agent_error ? RESULT_AGENT : RESULT_OK;
}

/*
 * Sends the request and hands each host's answer to each, with its
 * index; res is initialised for every host first (streams cut at
 * max_output), and each answer's ms_total (and ms_run) is the time since
 * the request.
 */
static int ask(const char *sock, const struct target_list *tl, const char *request,
	       double timeout, size_t max_output, struct host_result *res, struct warm_answers *keep,
	       void (*each)(void *arg, size_t i, json_t *a), void *arg, struct buf *err)
{
	struct wire_conn wc;
	struct buf frame;
	size_t *by_name = target_list_by_name(tl), answered = 0;
	double t0 = engine_cli_now();
	int rc;

	memset(keep, 0, sizeof(*keep));
	buf_init(&frame, WIRE_MAX_ANSWER);
	keep->v = calloc(tl->n ? tl->n : 1, sizeof(*keep->v));
	keep->n = keep->v ? tl->n : 0;
	rc = by_name && keep->v ? wire_open(&wc, sock, request,
						      timeout + WIRE_EXEC_SLACK + WARM_SLACK, err)
				: RONDA_ENOMEM;
	if (rc) {
		free(by_name);
		return rc;
	}
	for (size_t i = 0; i < tl->n; i++)
		host_result_init(&res[i], max_output);
	while (rc == RONDA_OK) {
		json_t *a;
		const char *name, *e;
		long i;

		if ((rc = wire_next(&wc, &frame, err)))
			break;
		a = json_loadb(buf_data(&frame), buf_len(&frame), 0, NULL);
		if ((e = json_string_value(json_object_get(a, "error")))) {
			buf_printf(err, "%s: the warm daemon refused the work: %s", sock, e);
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
		res[i].why[0] = '\0';
		res[i].ms_start = 0;
		res[i].ms_total = res[i].ms_run = (long)((engine_cli_now() - t0) * 1000);
		each(arg, (size_t)i, a);
	}
	if (rc == RONDA_OK && answered < tl->n) {
		buf_printf(err, "%s: the warm daemon answered for %zu of %zu hosts", sock, answered,
			   tl->n);
		rc = RONDA_EPROTO;
	}
	wire_close(&wc);
	free(by_name);
	buf_release(&frame);
	return rc;
}

/* The names of tl's hosts, for a request. */
static json_t *names_json(const struct target_list *tl)
{
	json_t *names = json_array();

	for (size_t i = 0; names && i < tl->n; i++)
		if (json_array_append_new(names, json_string(tl->v[i].name))) {
			json_decref(names);
			return NULL;
		}
	return names;
}

/* The request as one JSON text in out; takes req. */
static int request_text(json_t *req, struct buf *out)
{
	char *s = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int rc = s && !buf_puts(out, s) ? RONDA_OK : RONDA_ENOMEM;

	free(s);
	json_decref(req);
	return rc;
}

struct patrol_ans {
	const struct proto_job *expect;
	struct patrol_host *hosts;
	struct host_result *res;
};

static void patrol_each(void *arg, size_t i, json_t *a)
{
	struct patrol_ans *pa = arg;

	host_answer(a, pa->expect, &pa->hosts[i], &pa->res[i]);
}

int warm_patrol(const char *sock, const struct target_list *tl, const struct patrol_plan *plan,
		double timeout, int partial, struct patrol_host *hosts, struct host_result *res,
		struct warm_answers *keep, struct buf *err)
{
	struct proto_job expect;
	struct patrol_ans pa = { &expect, hosts, res };
	struct timespec now;
	struct buf job, req;
	json_t *names = names_json(tl);
	int rc;

	memset(&expect, 0, sizeof(expect));
	memset(keep, 0, sizeof(*keep));
	buf_init(&job, PROTO_JOB_MAX + 2);
	buf_init(&req, WIRE_MAX_REQUEST);
	clock_gettime(CLOCK_REALTIME, &now);
	/* one job for every host: its "now" is taken here, as it is sent */
	rc = names ? patrol_plan_expect(plan, &expect) : RONDA_ENOMEM;
	if (rc == RONDA_OK)
		rc = patrol_plan_job(plan, (double)now.tv_sec + now.tv_nsec / 1e9, &job);
	if (rc == RONDA_OK)
		rc = request_text(json_pack("{s:s, s:s%, s:O, s:f, s:b}", "op", "job", "job",
					    buf_data(&job), buf_len(&job), "hosts", names,
					    "timeout", timeout, "partial", partial), &req);
	if (rc == RONDA_OK)
		rc = ask(sock, tl, buf_data(&req), timeout, 0, res, keep, patrol_each, &pa, err);
	json_decref(names);
	proto_job_release(&expect);
	buf_release(&job);
	buf_release(&req);
	return rc;
}

struct exec_ans {
	struct host_result *res;
	void (*done)(void *arg, size_t i);
	void *arg;
};

/*
 * A stream's base64 bytes into b, cut at its max as the engine cuts.
 * RONDA_EPARSE when they are missing or not base64: that output is not
 * shown as empty.
 */
static int output_of(json_t *a, const char *key, struct buf *b, int *cut)
{
	const char *s = json_string_value(json_object_get(a, key));
	struct buf raw;
	int rc;

	if (!s)
		return RONDA_EPARSE;
	buf_init(&raw, SIZE_MAX / 2);
	rc = wire_b64_decode(s, &raw);
	if (rc == RONDA_OK)
		host_result_keep(b, cut, buf_data(&raw), buf_len(&raw));
	buf_release(&raw);
	return rc;
}

static void exec_each(void *arg, size_t i, json_t *a)
{
	struct exec_ans *ea = arg;
	struct host_result *r = &ea->res[i];
	json_t *code = json_object_get(a, "exit_code");
	const char *why = json_string_value(json_object_get(a, "why"));
	enum host_status st;

	if (!not_answered(a, r, "ran")) {
		r->status = host_status_from_name(json_string_value(json_object_get(a, "status")),
						  &st) == RONDA_OK ? st : RESULT_PROTOCOL;
		r->has_exit = json_is_integer(code);
		r->exit_code = (int)json_integer_value(code);
		snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
		r->out_cut = json_is_true(json_object_get(a, "out_cut"));
		r->err_cut = json_is_true(json_object_get(a, "err_cut"));
		r->ms_run = runread_ms(json_object_get(a, "ms"), "run");
		if (output_of(a, "out", &r->out, &r->out_cut) ||
		    output_of(a, "err", &r->err, &r->err_cut)) {
			r->status = RESULT_PROTOCOL;
			snprintf(r->why, sizeof(r->why), "the warm daemon's answer for it has no "
				 "output it can read (out and err, base64)");
		}
	}
	if (ea->done)
		ea->done(ea->arg, i);
}

int warm_exec(const char *sock, const struct target_list *tl, char *const argv[], size_t argc,
	      const char *in, size_t inlen, double timeout, size_t max_output, int partial,
	      struct host_result *res, void (*done)(void *arg, size_t i), void *arg,
	      struct warm_answers *keep, struct buf *err)
{
	struct exec_ans ea = { res, done, arg };
	json_t *names = names_json(tl), *av = json_array(), *req;
	struct buf req_text, in64;
	int rc = names && av ? RONDA_OK : RONDA_ENOMEM;

	memset(keep, 0, sizeof(*keep));
	buf_init(&req_text, WIRE_MAX_REQUEST);
	buf_init(&in64, WIRE_MAX_REQUEST);
	for (size_t k = 0; rc == RONDA_OK && k < argc; k++)
		if (json_array_append_new(av, json_string(argv[k])))
			rc = RONDA_EINVAL;	/* not UTF-8: JSON cannot carry it */
	if (rc == RONDA_OK && in && (rc = wire_b64_encode(in, inlen, &in64)) == RONDA_OK &&
	    buf_putc(&in64, '\0'))
		rc = RONDA_ELIMIT;
	if (rc == RONDA_OK) {
		req = json_pack("{s:s, s:O, s:O, s:f, s:I, s:b}", "op", "exec", "argv", av,
				"hosts", names, "timeout", timeout, "max_output", (json_int_t)max_output,
				"partial", partial);
		if (req && in)
			json_object_set_new(req, "stdin", json_string(buf_data(&in64)));
		rc = request_text(req, &req_text);
	}
	if (rc == RONDA_EINVAL)
		buf_printf(err, "an argument is not UTF-8: the warm daemon cannot be sent it");
	if (rc == RONDA_OK)
		rc = ask(sock, tl, buf_data(&req_text), timeout, max_output, res, keep, exec_each,
			 &ea, err);
	json_decref(names);
	json_decref(av);
	buf_release(&req_text);
	buf_release(&in64);
	return rc;
}

void warm_answers_release(struct warm_answers *keep)
{
	for (size_t i = 0; keep->v && i < keep->n; i++)
		json_decref(keep->v[i]);
	free(keep->v);
	memset(keep, 0, sizeof(*keep));
}

double warm_timeout(const struct target_list *tl)
{
	double t = 0;

	for (size_t i = 0; i < tl->n; i++)
		if (tl->v[i].command_timeout > t)
			t = tl->v[i].command_timeout;
	return t > 0 && t <= WARM_TIMEOUT_MAX ? t : WARM_TIMEOUT_MAX;
}

int warm_socket(const char *opt, struct buf *path, struct buf *err)
{
	/* no socket to ask (XDG_RUNTIME_DIR unset) is no daemon */
	return wire_socket_path(opt, path, err) == RONDA_OK ? RONDA_OK : RONDA_ESYS;
}

int warm_settle(const char *who, int mode, int rc, const char *no, const char *sock,
		const char *err, int *code)
{
	if (!no && rc == RONDA_OK) {
		fprintf(stderr, "%s: answered by the warm daemon at %s\n", who, sock);
		return 1;
	}
	if (mode == 1 && (no || rc == RONDA_ESYS || rc == RONDA_ENOTFOUND)) {
		fprintf(stderr, "%s: --warm: %s; running cold\n", who, no ? no : err);
		return 0;
	}
	fprintf(stderr, "%s: --warm%s: %s\n", who, mode == 2 ? "=required" : "", no ? no : err);
	*code = no ? WARM_EXIT_USAGE : rc == RONDA_ESYS ? WARM_EXIT_NO_DAEMON : WARM_EXIT_SOFTWARE;
	return -1;
}

int warm_opt(int *mode, const char *arg, struct buf *err)
{
	if (!arg)
		*mode = 1;
	else if (strcmp(arg, "required") == 0)
		*mode = 2;
	else {
		buf_printf(err, "--warm: '%.32s' is not required (--warm or --warm=required)", arg);
		return RONDA_EINVAL;
	}
	return RONDA_OK;
}

const char *warm_not_for(const struct engine_cli *ec, const struct target_list *tl)
{
	if (ec->serial.set || ec->max_fail.set)
		return "--serial and --max-fail run in batches, which the warm daemon does not";
	for (size_t i = 0; i < tl->n; i++)
		if (tl->v[i].become)
			return "the warm daemon's agents do not run through sudo (--become)";
	return NULL;
}
