/*
 * patrol_fixture.h - synthetic fleets for the patrol report tests: a
 * target list and struct patrol_host array built from agent lines, decoded
 * as patrol/results.c decodes them (without holding them against a job).
 * Included by the output_* tests after cmocka.h; everything is static
 * inline so a test file may use only part of it.
 */
#ifndef RONDA_TEST_PATROL_FIXTURE_H
#define RONDA_TEST_PATROL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "patrol/results.h"
#include "proto.h"

struct fleet {
	struct target_list tl;
	struct patrol_host *h;
	struct host_result *conn;
	size_t n;
};

static inline void fleet_init(struct fleet *f, size_t n)
{
	memset(f, 0, sizeof(*f));
	target_list_init(&f->tl);
	f->h = calloc(n, sizeof(*f->h));
	f->conn = calloc(n, sizeof(*f->conn));
	assert_non_null(f->h);
	assert_non_null(f->conn);
}

static inline void fleet_release(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++)
		patrol_host_release(&f->h[i]);
	free(f->h);
	free(f->conn);
	target_list_release(&f->tl);
}

#define FACTS "{\"ronda\":1,\"type\":\"facts\",\"hostname\":\"h\",\"cpus\":2}\n"
#define SUMMARY "{\"ronda\":1,\"type\":\"summary\",\"counts\":{\"ok\":1},\"tasks\":1,\"ms\":3.5,\"agent\":\"0.1.0\"}\n"
#define RES(task, check, verdict, msg, values) "{\"ronda\":1,\"type\":\"result\",\"task\":\"" task \
	"\",\"check\":\"" check "\",\"verdict\":\"" verdict "\",\"message\":\"" msg \
	"\",\"values\":" values ",\"started\":1700000000.5,\"ms\":1.25}\n"
#define DISK(pct, verdict) RES("disk /var", "disk", verdict, "full", \
	"{\"filesystems\":[{\"path\":\"/var\",\"used_pct\":" #pct ",\"size_bytes\":100}]}")

/* Adds a host: its name, what the engine says, and the agent's output. */
static inline void add(struct fleet *f, const char *name, enum host_status st, const char *why,
		const char *lines)
{
	struct target t = { .name = (char *)(uintptr_t)name, .port = 22 };
	struct patrol_host *h = &f->h[f->n];
	struct host_result *c = &f->conn[f->n];
	struct buf err;
	const char *p = lines;

	assert_int_equal(target_list_add(&f->tl, &t), RONDA_OK);
	c->status = st;
	c->ms_connect = 12;
	c->ms_handshake = 30;
	c->ms_auth = st == RESULT_UNREACHABLE ? -1 : 5;
	c->ms_run = -1;
	snprintf(c->why, sizeof(c->why), "%s", why ? why : "");
	h->conn = c;
	buf_init(&err, 1024);
	while (p && *p) {
		const char *nl = strchr(p, '\n'), *type;
		json_t *o;

		assert_non_null(nl);
		if (proto_line_parse(p, (size_t)(nl - p), &o, &type, &err) != RONDA_OK)
			fail_msg("bad line %.*s: %s", (int)(nl - p), p, buf_data(&err));
		if (strcmp(type, "error") == 0) {
			/* the agent's own words, without what a patrol adds */
			assert_int_equal(patrol_host_set_error(h, json_string_value(json_object_get(o, "error"))),
					 RONDA_OK);
			json_decref(o);
		} else {
			assert_int_equal(patrol_host_add_line(h, type, o), RONDA_OK);
		}
		p = nl + 1;
	}
	buf_release(&err);
	f->n++;
}

static inline void mixed(struct fleet *f)
{
	fleet_init(f, 9);
	add(f, "web01", RESULT_OK, NULL, FACTS DISK(50, "ok") SUMMARY);
	add(f, "web02", RESULT_FAILED, NULL, FACTS DISK(94, "fail") SUMMARY);
	add(f, "web03", RESULT_FAILED, NULL, FACTS DISK(97.5, "fail")
	    RES("load", "load", "warn", "load high", "{\"per_cpu\":1.75}") SUMMARY);
	add(f, "web04", RESULT_UNREACHABLE, "connection refused", NULL);
	add(f, "web05", RESULT_UNREACHABLE, "connection refused", NULL);
	add(f, "web06", RESULT_AUTH, "no identity accepted", NULL);
	/* cut short: facts and one result, then the link went */
	add(f, "web07", RESULT_TIMEOUT, "timed out", FACTS DISK(95, "fail"));
	add(f, "db01", RESULT_FAILED, NULL,
	    "{\"ronda\":1,\"type\":\"error\",\"code\":\"bad-job\",\"error\":\"tasks[0]: nope\",\"agent\":\"0.1.0\"}\n");
}

static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

#endif
