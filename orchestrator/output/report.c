/*
 * report.c - see report.h.
 *
 * Folding groups hosts by an exact key (status, exit code, stdout, stderr,
 * cause), so two hosts share a block only if everything shown for them is
 * identical; the summary groups by status and cause (fold.h).
 */
#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "buf.h"
#include "err.h"
#include "escape.h"
#include "fold.h"
#include "proto.h"
#include "files.h"
#include "banned.h"

static int cmp_buf(const struct buf *a, const struct buf *b)
{
	size_t la = buf_len(a), lb = buf_len(b);
	int c = memcmp(buf_data(a), buf_data(b), la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

static int cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

/* The summary's key (fold.h): status and cause. */
static int cmp_cause(size_t ia, size_t ib, void *arg)
{
	const struct host_result *a = (const struct host_result *)arg + ia,
				 *b = (const struct host_result *)arg + ib;
	int c = cmp_int((int)a->status, (int)b->status);

	return c ? c : strcmp(a->why, b->why);
}

/* --fold's key: everything shown, so exit code and output too. */
static int cmp_shown(size_t ia, size_t ib, void *arg)
{
	const struct host_result *a = (const struct host_result *)arg + ia,
				 *b = (const struct host_result *)arg + ib;
	int c;

	if ((c = cmp_cause(ia, ib, arg)))
		return c;
	if ((c = cmp_int(a->has_exit, b->has_exit)) || (c = cmp_int(a->exit_code, b->exit_code)) ||
	    (c = cmp_int(a->out_cut || a->err_cut, b->out_cut || b->err_cut)))
		return c;
	if ((c = cmp_buf(&a->out, &b->out)))
		return c;
	return cmp_buf(&a->err, &b->err);
}

/* Host bytes as they came (raw), or escaped for a terminal. */
static void put_host_text(FILE *out, const char *p, size_t n, unsigned flags, int raw)
{
	if (raw)
		fwrite(p, 1, n, out);
	else
		esc_fwrite(out, p, n, flags);
}

static void print_prefixed(FILE *out, const char *host, const struct buf *b, int raw)
{
	const char *p = buf_data(b), *end = p + buf_len(b);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		fprintf(out, "%s: ", host);
		put_host_text(out, p, n, 0, raw);
		fputc('\n', out);
		p = nl ? nl + 1 : end;
	}
}

static void print_block(FILE *out, const struct buf *b, int raw)
{
	put_host_text(out, buf_data(b), buf_len(b), ESC_KEEP_NL, raw);
	if (buf_len(b) && buf_data(b)[buf_len(b) - 1] != '\n')
		fputc('\n', out);
}

int report_outputs(FILE *out, const struct target_list *tl,
		   const struct host_result *res, int fold, int raw)
{
	size_t *idx;
	struct buf range;
	int r = RONDA_OK;

	if (!fold) {
		for (size_t i = 0; i < tl->n; i++) {
			print_prefixed(out, tl->v[i].name, &res[i].out, raw);
			print_prefixed(out, tl->v[i].name, &res[i].err, raw);
			if (res[i].out_cut || res[i].err_cut)
				fprintf(out, "%s: [output cut at %zu bytes per stream]\n",
					tl->v[i].name, res[i].out.max);
		}
		return RONDA_OK;
	}
	if ((r = fold_sort(tl->n, cmp_shown, (void *)(uintptr_t)res, &idx)))
		return r;
	buf_init(&range, BUF_DEFAULT_MAX);
	for (size_t from = 0, to; from < tl->n; from = to) {
		const struct host_result *h = &res[idx[from]];

		to = fold_end(idx, from, tl->n, cmp_shown, (void *)(uintptr_t)res);
		if (!buf_len(&h->out) && !buf_len(&h->err))
			continue;
		buf_reset(&range);
		r = fold_names(tl, idx + from, to - from, &range);
		if (r)
			break;
		fprintf(out, "---------------\n%s (%zu)\n---------------\n",
			buf_data(&range), to - from);
		print_block(out, &h->out, raw);
		print_block(out, &h->err, raw);
		if (h->out_cut || h->err_cut)
			fprintf(out, "[output cut at %zu bytes per stream]\n", h->out.max);
	}
	buf_release(&range);
	free(idx);
	return r;
}

int report_summary(FILE *out, const struct target_list *tl,
		   const struct host_result *res)
{
	size_t *idx;
	struct buf range;
	int r;

	if ((r = fold_sort(tl->n, cmp_cause, (void *)(uintptr_t)res, &idx)))
		return r;
	buf_init(&range, BUF_DEFAULT_MAX);
	for (size_t from = 0, to; from < tl->n; from = to) {
		const struct host_result *h = &res[idx[from]];

		to = fold_end(idx, from, tl->n, cmp_cause, (void *)(uintptr_t)res);
		buf_reset(&range);
		r = fold_names(tl, idx + from, to - from, &range);
		if (r)
			break;
		fprintf(out, "%-16s %5zu  %s%s", host_status_name(h->status), to - from,
			buf_data(&range), h->why[0] ? ": " : "");
		esc_fwrite(out, h->why, strlen(h->why), 0);	/* may quote the host */
		fputc('\n', out);
	}
	buf_release(&range);
	free(idx);
	return r;
}

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

static json_t *ms(long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

int report_json(FILE *out, const struct target_list *tl,
		const struct host_result *res)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct host_result *h = &res[i];
		const char *oenc, *eenc;
		json_t *o = json_object(), *so = text_or_base64(&h->out, &oenc),
		       *se = text_or_base64(&h->err, &eenc);
		char *line = NULL;

		if (!o || !so || !se) {
			json_decref(o);
			json_decref(so);
			json_decref(se);
			return RONDA_ENOMEM;
		}
		json_object_set_new(o, "host", json_string(tl->v[i].name));
		json_object_set_new(o, "address", json_string(tl->v[i].address));
		json_object_set_new(o, "port", json_integer(tl->v[i].port));
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
		json_object_set_new(o, "ms", json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}",
			"start", ms(h->ms_start), "connect", ms(h->ms_connect),
			"handshake", ms(h->ms_handshake), "auth", ms(h->ms_auth),
			"run", ms(h->ms_run), "total", ms(h->ms_total)));
		line = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!line)
			return RONDA_ENOMEM;
		fputs(line, out);
		fputc('\n', out);
		free(line);
	}
	return RONDA_OK;
}

/* A JSON string of any bytes: invalid UTF-8 is replaced (proto.h). */
static json_t *text(const char *s)
{
	struct buf b;
	json_t *j = NULL;

	buf_init(&b, BUF_DEFAULT_MAX);
	if (proto_utf8_clean(&b, s, strlen(s)) == RONDA_OK)
		j = json_stringn(buf_data(&b), buf_len(&b));
	buf_release(&b);
	return j;
}

struct run_ctx {
	const struct target_list *tl;
	const struct host_result *res;
	char *const *argv;
	size_t argc;
};

/* run.json: when, what, and each host's result. */
static int write_run(FILE *f, void *arg)
{
	const struct run_ctx *c = arg;
	json_t *o = json_pack("{s:i, s:s, s:I, s:[], s:{}}", "ronda", 1, "kind", "exec",
			      "time", (json_int_t)time(NULL), "command", "hosts");
	json_t *cmd = json_object_get(o, "command"), *hosts = json_object_get(o, "hosts");
	int r = RONDA_ENOMEM;

	if (!o)
		return r;
	for (size_t i = 0; i < c->argc; i++)
		if (json_array_append_new(cmd, text(c->argv[i])))
			goto out;
	for (size_t i = 0; i < c->tl->n; i++) {
		const struct host_result *h = &c->res[i];
		json_t *e = json_pack("{s:s, s:o, s:o}", "status", host_status_name(h->status),
				      "exit_code", h->has_exit ? json_integer(h->exit_code) : json_null(),
				      "error", h->why[0] ? text(h->why) : json_null());

		if (!e || json_object_set_new(hosts, c->tl->v[i].name, e))
			goto out;
	}
	r = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
	    fputc('\n', f) != EOF ? RONDA_OK : RONDA_ESYS;
out:
	json_decref(o);
	return r;
}

int report_out(const char *dir, const struct target_list *tl,
	       const struct host_result *res, char *const argv[], size_t argc,
	       char *run_dir, size_t run_dir_len)
{
	struct run_ctx c = { .tl = tl, .res = res, .argv = argv, .argc = argc };
	struct rundir rd;
	char name[300], code[16];
	int r = rundir_create(&rd, dir, tl);

	if (r)
		return r;
	for (size_t i = 0; i < tl->n && r == RONDA_OK; i++) {
		const struct host_result *h = &res[i];

		snprintf(name, sizeof(name), "%s.stdout", tl->v[i].name);
		r = rundir_write_bytes(rd.hosts, name, buf_data(&h->out), buf_len(&h->out));
		snprintf(name, sizeof(name), "%s.stderr", tl->v[i].name);
		if (r == RONDA_OK)
			r = rundir_write_bytes(rd.hosts, name, buf_data(&h->err), buf_len(&h->err));
		snprintf(name, sizeof(name), "%s.exit", tl->v[i].name);
		snprintf(code, sizeof(code), "%d\n", h->exit_code);
		if (r == RONDA_OK && h->has_exit)
			r = rundir_write_bytes(rd.hosts, name, code, strlen(code));
	}
	if (r == RONDA_OK)
		r = rundir_write(rd.dir, "run.json", write_run, &c);
	return rundir_finish(&rd, r, run_dir, run_dir_len);
}
