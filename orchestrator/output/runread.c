/*
 * runread.c - see runread.h.
 */
#include "runread.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "proto.h"
#include "verdict.h"
#include "banned.h"

long runread_ms(const json_t *ms, const char *key)
{
	const json_t *v = json_object_get(ms, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	       json_integer_value(v) < (json_int_t)1 << 40 ? (long)json_integer_value(v) : -1;
}

/* What exec and patrol host objects share: status, cause, attempts, times. */
static int conn_decode(const json_t *o, struct host_result *r, struct buf *err)
{
	const json_t *why = json_object_get(o, "error"), *ms = json_object_get(o, "ms");
	const json_t *att = json_object_get(o, "attempts");

	if (!json_is_object(o)) {
		buf_puts(err, "not a host object");
		return RONDA_EPARSE;
	}
	if (host_status_from_name(json_string_value(json_object_get(o, "status")), &r->status)) {
		buf_puts(err, "no known \"status\"");
		return RONDA_EPARSE;
	}
	if (why && !json_is_null(why) && !json_is_string(why)) {
		buf_puts(err, "\"error\" is not a string");
		return RONDA_EPARSE;
	}
	snprintf(r->why, sizeof(r->why), "%s", json_is_string(why) ? json_string_value(why) : "");
	r->attempts = json_is_integer(att) && json_integer_value(att) >= 0 &&
		      json_integer_value(att) < 1000 ? (int)json_integer_value(att) : 0;
	r->ms_start = runread_ms(ms, "start");
	r->ms_connect = runread_ms(ms, "connect");
	r->ms_handshake = runread_ms(ms, "handshake");
	r->ms_auth = runread_ms(ms, "auth");
	r->ms_run = runread_ms(ms, "run");
	r->ms_total = runread_ms(ms, "total");
	return RONDA_OK;
}

int runread_exec_host(const json_t *o, struct host_result *r, struct buf *err)
{
	const json_t *code = json_object_get(o, "exit_code");
	int rc = conn_decode(o, r, err);

	if (rc)
		return rc;
	if (code && !json_is_null(code)) {
		if (!json_is_integer(code) || json_integer_value(code) < 0 ||
		    json_integer_value(code) > 255) {
			buf_puts(err, "\"exit_code\" is not 0-255 or null");
			return RONDA_EPARSE;
		}
		r->has_exit = 1;
		r->exit_code = (int)json_integer_value(code);
	}
	r->out_cut = json_is_true(json_object_get(o, "stdout_truncated"));
	r->err_cut = json_is_true(json_object_get(o, "stderr_truncated"));
	return RONDA_OK;
}

/* One task object back into the result line it came from. */
static int task_decode(struct patrol_host *h, const json_t *t, size_t i, struct buf *err)
{
	const json_t *v = json_object_get(t, "verdict"), *vals = json_object_get(t, "values");
	const json_t *ms = json_object_get(t, "ms"), *msg = json_object_get(t, "message");
	json_t *line;
	int pv;

	if (!json_is_object(t) || !json_is_string(json_object_get(t, "task")) ||
	    !json_is_string(json_object_get(t, "check")) || !json_is_string(v) ||
	    proto_verdict_from_name(json_string_value(v), &pv) ||
	    (vals && !json_is_object(vals)) || (ms && !json_is_number(ms)) ||
	    (msg && !json_is_string(msg))) {
		buf_printf(err, "tasks[%zu] is not a task result (task, check, verdict, "
			   "message, values, ms)", i);
		return RONDA_EPARSE;
	}
	line = json_copy((json_t *)(uintptr_t)t);
	if (!line || (!msg && json_object_set_new(line, "message", json_string(""))))
		return RONDA_ENOMEM;
	return patrol_host_add_line(h, "result", line) == RONDA_OK ? RONDA_OK : RONDA_ENOMEM;
}

/* The agent's summary line, from the keys patrol_host_json took out of it. */
static int summary_decode(struct patrol_host *h, const json_t *o)
{
	static const char *const keys[][2] = {
		{ "counts", "counts" }, { "agent", "agent" }, { "agent_ms", "ms" },
		{ "sandbox", "sandbox" }, { "stopped", "stopped" },
	};
	json_t *line = json_object();

	if (!line)
		return RONDA_ENOMEM;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(o, keys[i][0]);

		if (v && json_object_set(line, keys[i][1], v)) {
			json_decref(line);
			return RONDA_ENOMEM;
		}
	}
	return patrol_host_add_line(h, "summary", line) == RONDA_OK ? RONDA_OK : RONDA_ENOMEM;
}

int runread_patrol_host(const json_t *o, struct patrol_host *h, struct host_result *conn,
			struct buf *err)
{
	const json_t *tasks = json_object_get(o, "tasks"), *facts = json_object_get(o, "facts");
	const json_t *up = json_object_get(o, "uploaded_bytes"), *t;
	const char *stated = json_string_value(json_object_get(o, "verdict"));
	enum patrol_verdict want, got;
	size_t i;
	int rc;

	h->conn = conn;
	if ((rc = conn_decode(o, conn, err)))
		return rc;
	if (!stated || patrol_verdict_from_name(stated, &want)) {
		buf_puts(err, "no known \"verdict\"");
		return RONDA_EPARSE;
	}
	if ((tasks && !json_is_array(tasks)) || (facts && !json_is_null(facts) && !json_is_object(facts))) {
		buf_puts(err, "\"tasks\" is not an array or \"facts\" not an object");
		return RONDA_EPARSE;
	}
	if (json_is_object(facts))
		h->facts = json_incref((json_t *)(uintptr_t)facts);
	json_array_foreach(tasks, i, t)
		if ((rc = task_decode(h, t, i, err)))
			return rc;
	if (json_is_object(json_object_get(o, "counts")) && (rc = summary_decode(h, o)))
		return rc;
	h->uploaded = json_is_integer(up) && json_integer_value(up) > 0 ?
		      (size_t)json_integer_value(up) : 0;
	/* the agent's own error, which the file keeps only as the host's cause */
	if (want == PV_ERROR && conn->why[0] && patrol_host_set_error(h, conn->why))
		return RONDA_ENOMEM;
	got = patrol_host_verdict(h);
	if (got != want) {
		buf_printf(err, "verdict \"%s\" does not follow from the host's results (\"%s\")",
			   stated, patrol_verdict_name(got));
		return RONDA_EPARSE;
	}
	return RONDA_OK;
}

void runread_address(const json_t *o, const char **address, unsigned *port)
{
	const json_t *a = json_object_get(o, "address"), *p = json_object_get(o, "port");

	*address = json_string_value(a);
	*port = json_is_integer(p) && json_integer_value(p) >= 1 && json_integer_value(p) <= 65535 ?
		(unsigned)json_integer_value(p) : 22;
}
