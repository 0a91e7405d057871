/*
 * html.c - the patrol as one self-contained HTML page (--html FILE):
 * a header (playbook, time, hosts per verdict), a grid of hosts coloured by
 * their worst verdict (hover: why), the unreachable and errored hosts
 * grouped by cause, the task problems grouped like the terminal summary
 * (patrol_groups_build), and every host's results in a closed <details>,
 * worst hosts first.
 *
 * The page has inline CSS and nothing else: no script, no external asset,
 * so it opens from a mail attachment or an air-gapped share.  Everything
 * that came from a host or a playbook (names, tasks, messages, facts) goes
 * through h_text(), which shows controls escaped as on the terminal
 * (escape.h) and escapes & < > " '; a
 * verdict is used as a CSS class only as one of the fixed names (the
 * verdicts were decoded into enums by patrol/results.c).  The
 * page is built in memory and written with file_replace().
 */
#include "html.h"
#include "summary.h"
#include "verdict.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "escape.h"
#include "file_replace.h"
#include "proto.h"
#include "banned.h"

/* Problems listed in a grid cell's hover title; the details have them all. */
#define TITLE_PROBLEMS 8
/* Longest message shown, in bytes (the JSON output has them whole). */
#define MESSAGE_MAX 600

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}"
	"h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em}"
	".meta{color:#555;margin:0 0 .8em}"
	".counts{display:flex;gap:.6em;flex-wrap:wrap;padding:0;margin:0;list-style:none}"
	".counts li{padding:.35em .8em;border-radius:4px;color:#fff;font-weight:600}"
	".counts li.zero{opacity:.35}"
	".legend{display:flex;gap:1em;margin:.3em 0 .6em;color:#444}"
	".legend i{display:inline-block;width:.9em;height:.9em;border-radius:2px;"
	"margin-right:.3em;vertical-align:-.1em}"
	".grid{display:flex;flex-wrap:wrap;gap:3px}"
	".grid a{font:11px/1.5 ui-monospace,monospace;padding:1px 5px;border-radius:3px;"
	"color:#fff;text-decoration:none}"
	"table{border-collapse:collapse;background:#fff;margin:.3em 0}"
	"th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}"
	"th{background:#eee}td.hosts{font-family:ui-monospace,monospace;max-width:40em}"
	"td.v{color:#fff;font-weight:600}"
	"details{background:#fff;border:1px solid #ddd;border-radius:4px;margin:3px 0;"
	"padding:.2em .6em}summary{cursor:pointer}summary b{font-family:ui-monospace,monospace}"
	".dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.3em}"
	".facts{color:#555;margin:.3em 0}.none{color:#555}"
	".v-ok{background:#2e7d32}.v-warn{background:#e08e00}.v-fail{background:#c62828}"
	".v-error{background:#6a1b9a}.v-unreachable{background:#546e7a}.v-skipped{background:#9e9e9e}"
	"td.v-ok,td.v-skipped{font-weight:400}";

/* The page being built; the first failed append is kept, later ones skip. */
struct html {
	struct buf b;
	int err;
};

static void h_puts(struct html *b, const char *s)
{
	if (!b->err)
		b->err = buf_puts(&b->b, s);
}

static void h_putc(struct html *b, char c)
{
	if (!b->err)
		b->err = buf_putc(&b->b, c);
}

static void h_printf(struct html *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void h_printf(struct html *b, const char *fmt, ...)
{
	va_list ap;

	if (b->err)
		return;
	va_start(ap, fmt);
	b->err = buf_vprintf(&b->b, fmt, ap);
	va_end(ap);
}

/*
 * Text from anywhere, made inert: controls, bidi controls and invalid
 * UTF-8 shown escaped as on the terminal (escape.h), then the five
 * characters HTML gives meaning to become entities (a newline becomes
 * &#10; so it survives in a title attribute).  At most max bytes of the
 * escaped text (0: all), then "…".
 */
static void h_textn(struct html *b, const char *raw, size_t rawlen, size_t max)
{
	struct buf e;
	const char *s;
	size_t len;

	buf_init(&e, BUF_DEFAULT_MAX);
	if (!b->err)
		b->err = esc_append(&e, raw, rawlen, ESC_KEEP_NL);
	s = buf_data(&e);
	len = buf_len(&e);
	for (size_t n = 0; n < len; n++) {
		unsigned char c = (unsigned char)s[n];

		if (max && n >= max && (c & 0xc0) != 0x80) {
			h_puts(b, "\u2026");
			break;
		}
		switch (c) {
		case '&': h_puts(b, "&amp;"); break;
		case '<': h_puts(b, "&lt;"); break;
		case '>': h_puts(b, "&gt;"); break;
		case '"': h_puts(b, "&quot;"); break;
		case '\'': h_puts(b, "&#39;"); break;
		case '\n': h_puts(b, "&#10;"); break;
		default:
			if (c >= 0x20 && c != 0x7f)
				h_putc(b, (char)c);
		}
	}
	buf_release(&e);
}

static void h_text(struct html *b, const char *s, size_t max)
{
	if (s)
		h_textn(b, s, strlen(s), max);
}

/* A folded host list, with a line break allowed after each comma. */
static void h_hosts(struct html *b, const char *folded)
{
	const char *comma;

	while ((comma = strchr(folded, ','))) {
		h_textn(b, folded, (size_t)(comma - folded) + 1, 0);
		h_puts(b, "<wbr>");
		folded = comma + 1;
	}
	h_text(b, folded, 0);
}

static const char *str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void header(struct html *b, const char *title, size_t n_hosts,
		   const struct patrol_groups *g, double duration_s)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	h_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width\">"
		 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		 "style-src 'unsafe-inline'\"><title>ronda patrol: ");
	h_text(b, title, 200);
	h_printf(b, "</title><style>%s</style></head>\n<body>\n<header><h1>ronda patrol: ", css);
	h_text(b, title, 200);
	h_printf(b, "</h1><p class=\"meta\">%s &middot; %zu host(s) &middot; %.1f s</p>\n"
		   "<ul class=\"counts\">", when, n_hosts, duration_s);
	for (int v = PV_OK; v <= PV_UNREACHABLE; v++)
		h_printf(b, "<li class=\"v-%s%s\">%zu %s</li>",
			   patrol_verdict_name((enum patrol_verdict)v), g->counts[v] ? "" : " zero",
			   g->counts[v], patrol_verdict_name((enum patrol_verdict)v));
	h_puts(b, "</ul></header>\n");
}

/* The hover title of a grid cell: the verdict and what made it. */
static void cell_title(struct html *b, const struct target *t, const struct patrol_host *h,
		       enum patrol_verdict v)
{
	size_t k, shown = 0, more = 0;

	h_text(b, t->name, 0);
	h_printf(b, ": %s", patrol_verdict_name(v));
	if (v == PV_ERROR || v == PV_UNREACHABLE) {
		h_puts(b, " &#8212; ");
		h_text(b, patrol_host_why(h), 300);
		return;
	}
	for (k = 0; k < h->n_results; k++) {
		const struct patrol_result *r = &h->results[k];
		const char *rv = proto_verdict_name(r->verdict);

		if (r->verdict == VERDICT_OK || r->verdict == VERDICT_SKIPPED)
			continue;
		if (shown++ == TITLE_PROBLEMS) {
			more++;
			continue;
		}
		h_puts(b, "&#10;");
		h_text(b, r->task, 100);
		h_printf(b, ": %s &#8212; ", rv);
		h_text(b, r->message, 200);
	}
	if (more)
		h_printf(b, "&#10;(and %zu more)", more);
}

static void grid(struct html *b, const struct target_list *tl, const struct patrol_host *hosts)
{
	h_puts(b, "<section><h2>Hosts</h2><div class=\"legend\">");
	for (int v = PV_OK; v <= PV_UNREACHABLE; v++)
		h_printf(b, "<span><i class=\"v-%1$s\"></i>%1$s</span>",
			   patrol_verdict_name((enum patrol_verdict)v));
	h_puts(b, "</div><div class=\"grid\">\n");
	for (size_t i = 0; i < tl->n; i++) {
		enum patrol_verdict v = patrol_host_verdict(&hosts[i]);

		h_printf(b, "<a href=\"#h%zu\" class=\"v-%s\" title=\"", i, patrol_verdict_name(v));
		cell_title(b, &tl->v[i], &hosts[i], v);
		h_puts(b, "\">");
		h_text(b, tl->v[i].name, 0);
		h_puts(b, "</a>\n");
	}
	h_puts(b, "</div></section>\n");
}

/* One group: [task,] verdict, hosts, count, then the cause or the value. */
static void group_row(struct html *b, const struct patrol_group *g, int task)
{
	const char *c = g->verdict;	/* one of ours: patrol_groups_build */

	h_puts(b, "<tr>");
	if (task) {
		h_puts(b, "<td>");
		h_text(b, g->key, 200);
		h_puts(b, "</td>");
	}
	h_printf(b, "<td class=\"v v-%s\">%s</td><td class=\"hosts\">", c, c);
	h_hosts(b, g->hosts);
	h_printf(b, "</td><td>%zu</td><td>", g->n);
	h_text(b, task ? g->value : g->key, MESSAGE_MAX);
	h_puts(b, "</td></tr>\n");
}

static void groups(struct html *b, const struct patrol_groups *g)
{
	if (g->n_down) {
		h_puts(b, "<section><h2>Unreachable and errored hosts</h2><table>"
			 "<tr><th>Verdict</th><th>Hosts</th><th>#</th><th>Cause</th></tr>\n");
		for (size_t i = 0; i < g->n_down; i++)
			group_row(b, &g->down[i], 0);
		h_puts(b, "</table></section>\n");
	}
	h_puts(b, "<section><h2>Task problems</h2>");
	if (!g->n_tasks) {
		h_puts(b, "<p class=\"none\">No task warned or failed.</p></section>\n");
		return;
	}
	h_puts(b, "<table><tr><th>Task</th><th>Verdict</th><th>Hosts</th><th>#</th>"
		 "<th>Value</th></tr>\n");
	for (size_t i = 0; i < g->n_tasks; i++)
		group_row(b, &g->tasks[i], 1);
	h_puts(b, "</table></section>\n");
}

/* "Debian GNU/Linux 12 · kernel 6.1.0 · x86_64 · 4 CPUs · up 3.2 d" */
static void facts_line(struct html *b, const json_t *f)
{
	const json_t *up = json_object_get(f, "uptime_s");

	h_puts(b, "<p class=\"facts\">");
	h_text(b, str_of(f, "os") ? str_of(f, "os") : "unknown OS", 200);
	if (str_of(f, "kernel")) {
		h_puts(b, " &middot; kernel ");
		h_text(b, str_of(f, "kernel"), 200);
	}
	if (str_of(f, "arch")) {
		h_puts(b, " &middot; ");
		h_text(b, str_of(f, "arch"), 50);
	}
	if (json_is_integer(json_object_get(f, "cpus")))
		h_printf(b, " &middot; %lld CPU(s)",
			   (long long)json_integer_value(json_object_get(f, "cpus")));
	if (json_is_number(up))
		h_printf(b, " &middot; up %.1f d", json_number_value(up) / 86400);
	h_puts(b, "</p>");
}

static void host_details(struct html *b, size_t i, const struct target *t,
			 const struct patrol_host *h)
{
	enum patrol_verdict v = patrol_host_verdict(h);
	const char *vn = patrol_verdict_name(v), *why = patrol_host_why(h);
	h_printf(b, "<details id=\"h%zu\"><summary><span class=\"dot v-%s\"></span><b>", i, vn);
	h_text(b, t->name, 0);
	h_printf(b, "</b> %s", vn);
	if (why[0]) {
		h_puts(b, ": ");
		h_text(b, why, MESSAGE_MAX);
	}
	h_puts(b, "</summary>");
	if (h->facts)
		facts_line(b, h->facts);
	if (!h->n_results) {
		h_puts(b, "<p class=\"none\">No task results.</p></details>\n");
		return;
	}
	h_puts(b, "<table><tr><th>Task</th><th>Check</th><th>Verdict</th><th>Message</th></tr>");
	for (size_t k = 0; k < h->n_results; k++) {
		const struct patrol_result *r = &h->results[k];
		const char *c = proto_verdict_name(r->verdict);

		h_puts(b, "<tr><td>");
		h_text(b, r->task, 200);
		h_puts(b, "</td><td>");
		h_text(b, r->check, 50);
		h_printf(b, "</td><td class=\"v v-%s\">%s</td><td>", c, c);
		h_text(b, r->message, MESSAGE_MAX);
		h_puts(b, "</td></tr>");
	}
	h_puts(b, "</table></details>\n");
}

struct order {
	size_t i;
	enum patrol_verdict v;
};

static int order_cmp(const void *pa, const void *pb)
{
	const struct order *a = pa, *b = pb;

	if (a->v != b->v)
		return a->v > b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

int patrol_report_html(const char *path, const char *title, const struct target_list *tl,
		       const struct patrol_host *hosts, double duration_s)
{
	struct patrol_groups g;
	struct order *o = NULL;
	struct html page = { .err = RONDA_OK };
	int r;

	buf_init(&page.b, BUF_DEFAULT_MAX);
	if ((r = patrol_groups_build(tl, hosts, &g)))
		goto out;
	o = calloc(tl->n ? tl->n : 1, sizeof(*o));
	if (!o) {
		r = RONDA_ENOMEM;
		goto out_groups;
	}
	header(&page, title ? title : "patrol", tl->n, &g, duration_s);
	grid(&page, tl, hosts);
	groups(&page, &g);
	h_puts(&page, "<section><h2>Hosts in detail</h2>\n");
	for (size_t i = 0; i < tl->n; i++)
		o[i] = (struct order){ .i = i, .v = patrol_host_verdict(&hosts[i]) };
	qsort(o, tl->n, sizeof(*o), order_cmp);
	for (size_t i = 0; i < tl->n; i++)
		host_details(&page, o[i].i, &tl->v[o[i].i], &hosts[o[i].i]);
	h_puts(&page, "</section>\n</body></html>\n");
	r = page.err ? page.err : file_replace(path, &page.b, 0644);
	free(o);
out_groups:
	patrol_groups_release(&g);
out:
	buf_release(&page.b);
	return r;
}
