/*
 * proto_schema.c - the schema of every check type: its keys, their JSON
 * types and the rules their values follow; see proto.h and PROTOCOL.md.
 *
 * Each field may carry one value rule (a range, a list of words, or a
 * named pattern such as an octal mode or a size) and each check a list of
 * rules between its keys (not both, at least one of, only with).  The same
 * data gives the error words (proto_schema_check_task) and the
 * documentation (proto_field_rule, proto_xrule_text), so the agent, the
 * playbook reader and the check specs refuse the same values with the
 * same words.  What only the host can tell (does a user exist, does a
 * regex compile under the agent's libc) stays in the agent's prepare step;
 * each check's "host" text says what that is.
 */
#include "proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "banned.h"

#define F(n, t)			{ .name = n, .type = t }
#define RULE(n, t, r)		{ .name = n, .type = t, .rule = r }
#define RANGE(n, t, lo, hi)	{ .name = n, .type = t, .rule = R_RANGE, .min = lo, .max = hi }
#define PCT(n)			RANGE(n, FT_NUM, 0, 100)
#define CHOICE(n, t, w)		{ .name = n, .type = t, .rule = R_CHOICE, .words = w }
#define END			{ .name = NULL }

static const char *const w_proto[] = { "tcp", "udp", NULL };
static const char *const w_listen[] = { "listening", "closed", NULL };
static const char *const w_ftype[] = { "file", "dir", "symlink", "socket",
				       "fifo", "block", "char", NULL };
static const char *const w_ops[] = { "eq", "ne", "lt", "le", "gt", "ge", NULL };
static const char *const w_order_ops[] = { "lt", "le", "gt", "ge", NULL };
static const char *const w_verdict3[] = { "ok", "warn", "fail", NULL };
static const char *const w_window[] = { "1", "5", "15", NULL };
static const char *const w_freq[] = { "daily", "weekly", "monthly", "yearly", NULL };
static const char *const w_weekly[] = { "weekly", NULL };

static const struct proto_field f_disk[] = {
	RULE("path", FT_STR, R_ABSPATH), PCT("warn"), PCT("fail"),
	PCT("inode_warn"), PCT("inode_fail"), END };
static const struct proto_field f_memory[] = {
	PCT("warn"), PCT("fail"), PCT("swap_warn"), PCT("swap_fail"), END };
static const struct proto_field f_load[] = {
	F("warn", FT_NUM), F("fail", FT_NUM), CHOICE("window", FT_INT, w_window), END };
static const struct proto_field f_uptime[] = {
	F("warn_days", FT_NUM), F("fail_days", FT_NUM), F("warn_below", FT_NUM),
	CHOICE("reboot_required", FT_STR, w_verdict3), END };
static const struct proto_field f_process[] = {
	F("comm", FT_STR), F("match", FT_STR), F("user", FT_STR),
	RANGE("min", FT_INT, 0, INFINITY), F("max", FT_INT),
	F("zombie_warn", FT_INT), F("zombie_fail", FT_INT), END };
static const struct proto_xrule x_process[] = {
	{ X_NOT_BOTH, "comm", "match", NULL }, { X_END, NULL, NULL, NULL } };
static const struct proto_field f_port[] = {
	{ .name = "port", .type = FT_INT, .required = 1, .rule = R_RANGE, .min = 1, .max = 65535 },
	CHOICE("proto", FT_STR, w_proto), RULE("address", FT_STR, R_ADDRESS),
	CHOICE("expect", FT_STR, w_listen), END };
static const struct proto_field f_file[] = {
	{ .name = "path", .type = FT_STR, .required = 1, .rule = R_ABSPATH },
	F("exists", FT_BOOL), CHOICE("type", FT_STR, w_ftype),
	{ .name = "mode", .type = FT_STR, .rule = R_OCTAL, .max = 07777 },
	F("owner", FT_STR), F("group", FT_STR), F("max_size", FT_NUM),
	F("warn_age", FT_NUM), F("fail_age", FT_NUM), F("contains", FT_STR), END };
static const struct proto_field f_mount[] = {
	{ .name = "path", .type = FT_STR, .required = 1, .rule = R_ABSPATH },
	F("options", FT_STRS), F("fstype", FT_STR), END };
static const struct proto_field f_sysctl[] = {
	{ .name = "key", .type = FT_STR, .required = 1, .rule = R_SYSCTL },
	CHOICE("op", FT_STR, w_ops), { .name = "value", .type = FT_SCALAR, .required = 1 }, END };
static const struct proto_xrule x_sysctl[] = {
	{ X_NUMBER_WITH, "op", "value", w_order_ops }, { X_END, NULL, NULL, NULL } };
static const struct proto_field f_service[] = {
	{ .name = "unit", .type = FT_STR, .required = 1, .rule = R_UNIT },
	F("expect", FT_STR), END };
static const struct proto_field f_units[] = {
	RANGE("max", FT_INT, 0, 1000000), F("ignore", FT_STRS), END };
static const struct proto_field f_command[] = {
	{ .name = "argv", .type = FT_STRS, .required = 1, .rule = R_ARGV },
	RANGE("exit", FT_INT, 0, 255), F("match", FT_STR),
	RANGE("max_output", FT_INT, 0, 16 << 20), END };
static const struct proto_field f_clock[] = {
	F("warn", FT_NUM), F("fail", FT_NUM), END };

/* Log rotation (logrotate's directives) and the sweep; see PROTOCOL.md. */
static const struct proto_field f_rotate[] = {
	RULE("path", FT_STR, R_LOGGLOB), RULE("paths", FT_STRS, R_LOGGLOB),
	CHOICE("frequency", FT_STR, w_freq), RANGE("weekday", FT_INT, 0, 7),
	RULE("size", FT_SCALAR, R_SIZE), RULE("minsize", FT_SCALAR, R_SIZE),
	RULE("maxsize", FT_SCALAR, R_SIZE), RANGE("rotate", FT_INT, 0, PROTO_MAX_ROTATED),
	F("maxage", FT_NUM), F("compress", FT_BOOL),
	RANGE("compress_level", FT_INT, 1, 9), F("delaycompress", FT_BOOL),
	F("copytruncate", FT_BOOL), F("create", FT_BOOL),
	{ .name = "create_mode", .type = FT_STR, .rule = R_OCTAL, .max = 0777 },
	F("owner", FT_STR), F("group", FT_STR), F("dateext", FT_BOOL),
	RULE("dateformat", FT_STR, R_DATEFMT), F("missingok", FT_BOOL),
	F("notifempty", FT_BOOL), RULE("olddir", FT_STR, R_ABSPATH),
	RULE("postrotate", FT_STRS, R_ARGV), F("su", FT_STR),
	F("dry_run", FT_BOOL), RULE("state", FT_STR, R_ABSPATH), END };
static const struct proto_xrule x_rotate[] = {
	{ X_ANY_OF, "path", "paths", NULL },
	{ X_ONLY_WITH, "weekday", "frequency", w_weekly }, { X_END, NULL, NULL, NULL } };
static const struct proto_field f_cleanup[] = {
	{ .name = "path", .type = FT_STR, .required = 1, .rule = R_ABSPATH },
	RULE("glob", FT_STR, R_NAMEGLOB), RANGE("older_than", FT_NUM, 0, INFINITY),
	{ .name = "max_total", .type = FT_SCALAR, .rule = R_SIZE, .min = 1 },
	F("archive", FT_BOOL), RANGE("compress_level", FT_INT, 1, 9),
	F("recurse", FT_BOOL), F("cross_mounts", FT_BOOL), F("su", FT_STR),
	F("dry_run", FT_BOOL), END };
static const struct proto_xrule x_cleanup[] = {
	{ X_ANY_OF, "older_than", "max_total", NULL }, { X_END, NULL, NULL, NULL } };

static const struct proto_xrule x_none[] = { { X_END, NULL, NULL, NULL } };

static const struct proto_check checks[] = {
	{ "disk", f_disk, x_none, 0, NULL },
	{ "memory", f_memory, x_none, 0, NULL },
	{ "load", f_load, x_none, 0, NULL },
	{ "uptime", f_uptime, x_none, 0, NULL },
	{ "process", f_process, x_process, 0,
	  "`match` compiles as an extended regex; `user` exists" },
	{ "port", f_port, x_none, 0, NULL },
	{ "file", f_file, x_none, 0, "`contains` compiles as an extended regex" },
	{ "mount", f_mount, x_none, 0, NULL },
	{ "sysctl", f_sysctl, x_sysctl, 0, NULL },
	{ "service", f_service, x_none, 0, NULL },
	{ "units", f_units, x_none, 0, NULL },
	{ "command", f_command, x_none, 0, "`match` compiles as an extended regex" },
	{ "clock", f_clock, x_none, 0, NULL },
	{ "rotate", f_rotate, x_rotate, 1,
	  "`owner`, `group`, `su` exist; the state file's directory can be made" },
	{ "cleanup", f_cleanup, x_cleanup, 1, "`su` exists" },
};

const struct proto_check *proto_check_find(const char *name)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (strcmp(name, checks[i].name) == 0)
			return &checks[i];
	}
	return NULL;
}

const struct proto_check *proto_checks(size_t *n)
{
	*n = sizeof(checks) / sizeof(checks[0]);
	return checks;
}

int proto_size_parse(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;
	unsigned shift = 0;

	if (!s || *s < '0' || *s > '9')
		return RONDA_EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno)
		return RONDA_EINVAL;
	switch (*end) {
	case '\0':		break;
	case 'k': case 'K':	shift = 10; end++; break;
	case 'M':		shift = 20; end++; break;
	case 'G':		shift = 30; end++; break;
	default:		return RONDA_EINVAL;
	}
	if (*end || (shift && x > (ULLONG_MAX >> shift)))
		return RONDA_EINVAL;
	*v = (uint64_t)x << shift;
	return RONDA_OK;
}

/* A size value (number or "100k") as bytes; RONDA_EINVAL if it is none. */
static int size_of(const json_t *v, uint64_t *out)
{
	if (json_is_number(v)) {
		double d = json_number_value(v);

		if (!(d >= 0 && d <= 9e18))
			return RONDA_EINVAL;
		*out = (uint64_t)d;
		return RONDA_OK;
	}
	return proto_size_parse(json_string_value(v), out);
}

uint64_t proto_task_size(const struct proto_task *t, const char *key, uint64_t def)
{
	uint64_t v;

	return size_of(json_object_get(t->obj, key), &v) == RONDA_OK ? v : def;
}

int proto_sysctl_key_ok(const char *key)
{
	if (!key[0] || key[0] == '.' || key[0] == '/' || strstr(key, "..") ||
	    strlen(key) > 400)
		return 0;
	for (; *key; key++) {
		char ch = *key;

		if (!(ch == '.' || ch == '/' || ch == '_' || ch == '-' ||
		      (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9')))
			return 0;
	}
	return 1;
}

/* systemd's unit name characters; a leading '-' would be an option. */
static int unit_ok(const char *u)
{
	if (!u[0] || u[0] == '-' || strlen(u) > 256)
		return 0;
	for (; *u; u++) {
		if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') ||
		      (*u >= '0' && *u <= '9') || strchr(":_.@-\\", *u)))
			return 0;
	}
	return 1;
}

static int octal_ok(const char *s, double max)
{
	char *end;
	unsigned long m;

	if (*s < '0' || *s > '7')
		return 0;
	errno = 0;
	m = strtoul(s, &end, 8);
	return !*end && !errno && (double)m <= max;
}

/* Absolute, a last name, wildcards (* ? [) in that last name only. */
static int logglob_ok(const char *p)
{
	const char *slash = strrchr(p, '/'), *w = strpbrk(p, "*?[");

	return p[0] == '/' && slash[1] && !(w && w < slash);
}

static int datefmt_ok(const char *s)
{
	if (strchr(s, '/') || strlen(s) > 64)
		return 0;
	for (; *s; s++) {
		if (*s == '%' && !(s[1] && strchr("YmdHMSs", s[1])))
			return 0;
		if (*s == '%')
			s++;
	}
	return 1;
}

static int argv_ok(const json_t *v)
{
	const char *a0;

	if (json_array_size(v) == 0)
		return 0;
	a0 = json_string_value(json_array_get(v, 0));
	return a0[0] && !(strchr(a0, '/') && a0[0] != '/');
}

static int address_ok(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* A number as people write it: 16777216, 0.5, not 1.67772e+07. */
static void put_num(struct buf *b, double x)
{
	if (x == floor(x) && fabs(x) < 1e15)
		buf_printf(b, "%.0f", x);
	else
		buf_printf(b, "%g", x);
}

/* "a, b or c" */
static void put_words(struct buf *b, const char *const *w, const char *last)
{
	for (size_t i = 0; w[i]; i++)
		buf_printf(b, "%s%s", i == 0 ? "" : w[i + 1] ? ", " : last, w[i]);
}

void proto_field_rule(const struct proto_field *f, struct buf *out)
{
	switch (f->rule) {
	case R_NONE:
		break;
	case R_RANGE:
		if (isinf(f->max)) {
			buf_puts(out, "at least ");
			put_num(out, f->min);
		} else {
			put_num(out, f->min);
			buf_puts(out, " to ");
			put_num(out, f->max);
		}
		break;
	case R_CHOICE:
		put_words(out, f->words, " or ");
		break;
	case R_ABSPATH:
		buf_puts(out, "an absolute path");
		break;
	case R_LOGGLOB:
		buf_puts(out, "an absolute path, with wildcards (* ? [) in the last name only");
		break;
	case R_NAMEGLOB:
		buf_puts(out, "a name pattern, without /");
		break;
	case R_OCTAL:
		buf_printf(out, "an octal mode up to 0%o, such as \"0640\"", (unsigned)f->max);
		break;
	case R_SIZE:
		buf_puts(out, "a size in bytes, or with k, M or G, such as \"100k\"");
		if (f->min > 0) {
			buf_puts(out, ", at least ");
			put_num(out, f->min);
		}
		break;
	case R_UNIT:
		buf_puts(out, "a systemd unit name (letters, digits and : _ . @ - \\, not starting with -)");
		break;
	case R_SYSCTL:
		buf_puts(out, "a sysctl name such as net.ipv4.ip_forward");
		break;
	case R_ADDRESS:
		buf_puts(out, "an IPv4 or IPv6 address");
		break;
	case R_DATEFMT:
		buf_puts(out, "at most 64 characters, no /, using %Y %m %d %H %M %S %s only");
		break;
	case R_ARGV:
		buf_puts(out, "a non-empty argv whose argv[0] is an absolute path or a bare program name");
		break;
	}
}

void proto_xrule_text(const struct proto_xrule *x, struct buf *out)
{
	switch (x->kind) {
	case X_END:
		break;
	case X_NOT_BOTH:
		buf_printf(out, "give \"%s\" or \"%s\", not both", x->a, x->b);
		break;
	case X_ANY_OF:
		buf_printf(out, "needs \"%s\" or \"%s\"", x->a, x->b);
		break;
	case X_ONLY_WITH:
		buf_printf(out, "\"%s\" only with \"%s\" ", x->a, x->b);
		put_words(out, x->words, " or ");
		break;
	case X_NUMBER_WITH:
		buf_printf(out, "\"%s\" must be a number when \"%s\" is ", x->b, x->a);
		put_words(out, x->words, " or ");
		break;
	}
}

static int word_in(const char *s, const char *const *w)
{
	for (; *w; w++) {
		if (strcmp(s, *w) == 0)
			return 1;
	}
	return 0;
}

/* Does v (of f's JSON type, already checked) follow f's rule? */
static int value_ok(const struct proto_field *f, const json_t *v)
{
	const char *s = json_string_value(v);
	char num[32];
	uint64_t size;

	switch (f->rule) {
	case R_NONE:
		return 1;
	case R_RANGE:
		return json_number_value(v) >= f->min && json_number_value(v) <= f->max;
	case R_CHOICE:
		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			s = num;
		}
		return s && word_in(s, f->words);
	case R_ABSPATH:
		return s[0] == '/';
	case R_LOGGLOB:
		return logglob_ok(s);
	case R_NAMEGLOB:
		return s[0] && !strchr(s, '/');
	case R_OCTAL:
		return octal_ok(s, f->max);
	case R_SIZE:
		return size_of(v, &size) == RONDA_OK && (double)size >= f->min;
	case R_UNIT:
		return unit_ok(s);
	case R_SYSCTL:
		return proto_sysctl_key_ok(s);
	case R_ADDRESS:
		return address_ok(s);
	case R_DATEFMT:
		return datefmt_ok(s);
	case R_ARGV:
		return argv_ok(v);
	}
	return 0;
}

/* ', not "0o644"' (strings cut short), ', not 256' */
static void put_not(struct buf *b, const json_t *v)
{
	if (json_is_string(v)) {
		buf_printf(b, ", not \"%.60s%s\"", json_string_value(v),
			   json_string_length(v) > 60 ? "..." : "");
	} else if (json_is_number(v)) {
		buf_puts(b, ", not ");
		put_num(b, json_number_value(v));
	}
}

static void set_key(struct proto_fault *at, const char *key)
{
	if (at)
		snprintf(at->key, sizeof(at->key), "%s", key);
}

/* One field's value; arrays of strings are checked element by element. */
static int check_value(const struct proto_field *f, const json_t *v,
		       struct buf *err, struct proto_fault *at)
{
	size_t i;
	json_t *e;

	if (f->type == FT_STRS && f->rule != R_ARGV) {
		json_array_foreach(v, i, e) {
			if (!value_ok(f, e)) {
				set_key(at, f->name);
				buf_printf(err, "\"%s\"[%zu] must be ", f->name, i);
				proto_field_rule(f, err);
				put_not(err, e);
				return RONDA_EPARSE;
			}
		}
		return RONDA_OK;
	}
	if (value_ok(f, v))
		return RONDA_OK;
	set_key(at, f->name);
	buf_printf(err, "\"%s\" must be ", f->name);
	proto_field_rule(f, err);
	put_not(err, v);
	return RONDA_EPARSE;
}

static int xrule_ok(const struct proto_xrule *x, json_t *obj)
{
	json_t *a = json_object_get(obj, x->a), *b = json_object_get(obj, x->b);

	switch (x->kind) {
	case X_END:
		return 1;
	case X_NOT_BOTH:
		return !(a && b);
	case X_ANY_OF:
		return a || b;
	case X_ONLY_WITH:
		return !a || (json_is_string(b) && word_in(json_string_value(b), x->words));
	case X_NUMBER_WITH:
		return !(json_is_string(a) && word_in(json_string_value(a), x->words)) ||
			json_is_number(b);
	}
	return 0;
}

int proto_schema_check_task(const struct proto_check *c, json_t *obj,
			    struct buf *err, struct proto_fault *at)
{
	const struct proto_field *f;
	const struct proto_xrule *x;
	json_t *v;

	for (f = c->fields; f->name; f++) {
		v = json_object_get(obj, f->name);
		if (v && check_value(f, v, err, at) != RONDA_OK)
			return RONDA_EPARSE;
	}
	for (x = c->xrules; x->kind != X_END; x++) {
		if (!xrule_ok(x, obj)) {
			/* The key to point at: the one that is there, or wrong. */
			set_key(at, x->kind == X_ANY_OF ? "" :
				x->kind == X_ONLY_WITH ? x->a : x->b);
			proto_xrule_text(x, err);
			return RONDA_EPARSE;
		}
	}
	return RONDA_OK;
}
