/*
 * json.c - see json.h.
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "err.h"
#include "verdict.h"
#include "banned.h"

/* A JSON string for b, or base64 when b is not UTF-8 (flagged in enc). */
static json_t *text_or_base64(const struct buf *b, const char **enc)
{
	json_t *s = json_stringn(buf_data(b), buf_len(b));
	char *b64;

	*enc = NULL;
	if (s)
		return s;
	b64 = malloc(4 * ((buf_len(b) + 2) / 3) + 1);
	if (!b64)
		return NULL;
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)buf_data(b),
			(int)buf_len(b));
	s = json_string(b64);
	free(b64);
	*enc = "base64";
	return s;
}

static json_t *ms_or_null(long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

/* What the handshake agreed on; null before a handshake succeeded. */
static void set_methods(json_t *o, const struct ssh_methods *m)
{
	char cipher[100], mac[100];

	ssh_method_pair(m->cipher[0], m->cipher[1], cipher, sizeof(cipher));
	ssh_method_pair(m->mac[0], m->mac[1], mac, sizeof(mac));
	json_object_set_new(o, "kex", str_or_null(m->kex));
	json_object_set_new(o, "hostkey_type", str_or_null(m->hostkey));
	json_object_set_new(o, "cipher", str_or_null(cipher));
	json_object_set_new(o, "mac", str_or_null(mac));
}

int json_put_line(FILE *out, json_t *o)
{
	int r = o && json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER |
				 JSON_REAL_PRECISION(15)) == 0 ? RONDA_OK : RONDA_ENOMEM;

	json_decref(o);
	if (r == RONDA_OK && fputc('\n', out) == EOF)
		r = RONDA_ESYS;
	return r;
}

int json_put_doc(FILE *f, const json_t *o)
{
	return json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) == 0 &&
	       fputc('\n', f) != EOF ? RONDA_OK : RONDA_ESYS;
}

int report_json_host(FILE *out, const struct target *t, const struct host_result *h)
{
	const char *oenc, *eenc;
	json_t *o = json_object(), *so = text_or_base64(&h->out, &oenc),
	       *se = text_or_base64(&h->err, &eenc);

	if (!o || !so || !se) {
		json_decref(o);
		json_decref(so);
		json_decref(se);
		return RONDA_ENOMEM;
	}
	json_object_set_new(o, "host", json_string(t->name));
	json_object_set_new(o, "address", json_string(t->address));
	json_object_set_new(o, "port", json_integer(t->port));
	json_object_set_new(o, "status", json_string(host_status_name(h->status)));
	json_object_set_new(o, "exit_code", h->has_exit ? json_integer(h->exit_code) : json_null());
	json_object_set_new(o, "error", h->why[0] ? json_string(h->why) : json_null());
	json_object_set_new(o, "stdout", so);
	json_object_set_new(o, "stderr", se);
	if (oenc)
		json_object_set_new(o, "stdout_encoding", json_string(oenc));
	if (eenc)
		json_object_set_new(o, "stderr_encoding", json_string(eenc));
	json_object_set_new(o, "stdout_truncated", json_boolean(h->out_cut));
	json_object_set_new(o, "stderr_truncated", json_boolean(h->err_cut));
	json_object_set_new(o, "attempts", json_integer(h->attempts));
	set_methods(o, &h->methods);
	json_object_set_new(o, "ms", json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}",
		"start", ms_or_null(h->ms_start), "connect", ms_or_null(h->ms_connect),
		"handshake", ms_or_null(h->ms_handshake), "auth", ms_or_null(h->ms_auth),
		"run", ms_or_null(h->ms_run), "total", ms_or_null(h->ms_total)));
	return json_put_line(out, o);
}

int report_json(FILE *out, const struct target_list *tl,
		const struct host_result *res)
{
	int r;

	for (size_t i = 0; i < tl->n; i++)
		if ((r = report_json_host(out, &tl->v[i], &res[i])))
			return r;
	return RONDA_OK;
}

json_t *patrol_host_json(const struct target *t, const struct patrol_host *h)
{
	enum patrol_verdict v = patrol_host_verdict(h);
	const struct host_result *c = h->conn;
	const char *why = patrol_host_why(h);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "type", "host",
			      "host", t->name, "verdict", patrol_verdict_name(v),
			      "address", t->address ? t->address : t->name,
			      "port", (int)t->port,
			      "status", c ? host_status_name(c->status) : "unknown");

	if (!o)
		return NULL;
	json_object_set_new(o, "error", why[0] ? json_string(why) : json_null());
	if (c) {
		json_object_set_new(o, "attempts", json_integer(c->attempts));
		set_methods(o, &c->methods);
		json_object_set_new(o, "ms", json_pack("{s:o, s:o, s:o, s:o}",
			"connect", ms_or_null(c->ms_connect), "handshake", ms_or_null(c->ms_handshake),
			"auth", ms_or_null(c->ms_auth), "run", ms_or_null(c->ms_run)));
	}
	json_object_set_new(o, "uploaded_bytes", json_integer((json_int_t)h->uploaded));
	json_object_set(o, "facts", h->facts ? h->facts : json_null());
	if (h->summary) {
		const json_t *s = h->summary->line;

		json_object_set(o, "counts", json_object_get(s, "counts"));
		json_object_set(o, "agent", json_object_get(s, "agent"));
		json_object_set(o, "agent_ms", json_object_get(s, "ms"));
		json_object_set(o, "sandbox", json_object_get(s, "sandbox"));
		if (h->summary->stopped)
			json_object_set(o, "stopped", json_object_get(s, "stopped"));
	} else {
		json_object_set_new(o, "counts", json_null());
	}
	return o;
}

json_t *patrol_task_json(const char *host, const struct patrol_result *res)
{
	json_t *o = json_pack("{s:s, s:s}", "type", "task", "host", host);
	const char *key;
	json_t *v;

	if (!o)
		return NULL;
	json_object_foreach(res->line, key, v) {
		if (strcmp(key, "ronda") && strcmp(key, "type") && strcmp(key, "host"))
			json_object_set(o, key, v);
	}
	return o;
}

int patrol_report_json(FILE *out, const struct target_list *tl,
		       const struct patrol_host *hosts)
{
	int r;

	for (size_t i = 0; i < tl->n; i++) {
		if ((r = json_put_line(out, patrol_host_json(&tl->v[i], &hosts[i]))))
			return r;
		for (size_t k = 0; k < hosts[i].n_results; k++) {
			if ((r = json_put_line(out, patrol_task_json(tl->v[i].name, &hosts[i].results[k]))))
				return r;
		}
	}
	return ferror(out) ? RONDA_ESYS : RONDA_OK;
}
