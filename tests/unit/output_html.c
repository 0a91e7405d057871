/*
 * output_html.c - the HTML report: what hosts send comes out inert
 * (every tag and attribute in the page is one the report itself writes),
 * the page has its parts (header counts, grid, legend, grouped problems,
 * details per host), and it is written atomically.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/html.h"
#include "patrol_fixture.h"
#include "banned.h"

/* Writes the report of f into a fresh directory; returns the page. */
static char *render(struct fleet *f, const char *title, char *dir, size_t dir_len)
{
	char path[600];
	char *text;

	snprintf(dir, dir_len, "/tmp/test_html.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.html", dir);
	assert_int_equal(patrol_report_html(path, title, &f->tl, f->h, 2.5), RONDA_OK);
	text = slurp(path);
	if (getenv("SHOW_HTML"))
		fputs(text, stdout);
	return text;
}

static void cleanup(const char *dir)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/report.html", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);	/* nothing else was left there */
}

static int in_list(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncmp(s, *list, n) == 0)
			return 1;
	return 0;
}

/*
 * Every '<' opens a tag the report writes, and every attribute in a tag
 * is one the report uses: text from a host cannot have become markup.
 */
static void check_markup(const char *page)
{
	static const char *const tags[] = { "!DOCTYPE", "html", "head", "meta", "title", "style",
		"body", "header", "h1", "h2", "p", "ul", "li", "section", "div", "span", "i", "a",
		"table", "tr", "th", "td", "details", "summary", "b", "wbr", NULL };
	static const char *const attrs[] = { "lang", "charset", "name", "content", "http-equiv",
		"class", "href", "title", "id", NULL };
	const char *p = page;

	while ((p = strchr(p, '<'))) {
		const char *q = p + 1, *end;
		size_t n;

		if (*q == '/')
			q++;
		n = strcspn(q, " >");
		if (!in_list(q, n, tags))
			fail_msg("unexpected tag at: %.60s", p);
		if (strncmp(q, "!DOCTYPE html>", 14) == 0) {
			p = q;
			continue;
		}
		if (strncmp(q, "style>", 6) == 0) {	/* our CSS: no '<' in it */
			p = strstr(q, "</style>");
			assert_non_null(p);
			p++;
			continue;
		}
		end = strchr(q, '>');
		assert_non_null(end);
		for (q += n; q < end; ) {
			while (*q == ' ')
				q++;
			if (q >= end)
				break;
			n = strcspn(q, "=");
			if (q + n > end || !in_list(q, n, attrs))
				fail_msg("unexpected attribute at: %.60s", q);
			q += n + 1;
			if (*q != '"')
				fail_msg("unquoted attribute at: %.60s", q);
			q = strchr(q + 1, '"');
			assert_true(q && q < end);
			q++;
		}
		p = end;
	}
}

static void test_escaping(void **state)
{
	struct fleet f;
	char dir[64], *page;

	(void)state;
	fleet_init(&f, 3);
	add(&f, "ev'il\"<b>", RESULT_OK, NULL, FACTS
	    RES("<img src=x onerror=alert(1)>", "command", "fail",
		"<script>alert(\\\"pwned\\\")</script> it's \\\"quoted\\\" & more",
		"{\"exit\":1}")
	    RES("t", "command", "ok", "verdict from a host", "{}")
	    RES("d\u202eisk", "command", "fail", "x", "{}") SUMMARY);
	/* proto_line_parse refuses unknown verdicts; the report must not trust
	 * that: neither the line's text nor an enum out of its range */
	json_object_set_new(f.h[0].results[1].line, "verdict", json_string("<script>"));
	f.h[0].results[1].verdict = (enum proto_verdict)VERDICT__COUNT;
	add(&f, "web02", RESULT_UNREACHABLE, "refused <script>x</script>", NULL);
	add(&f, "web03", RESULT_OK, NULL,
	    "{\"ronda\":1,\"type\":\"facts\",\"os\":\"</p><script>1</script>\",\"kernel\":\"6\\\"x\"}\n"
	    RES("line\\nbreak\\u0001", "load", "warn", "a\\u0007b", "{\"per_cpu\":3}") SUMMARY);
	page = render(&f, "play<book> \"x\"", dir, sizeof(dir));
	check_markup(page);
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<img"));
	assert_null(strstr(page, "\x01"));
	assert_null(strstr(page, "\x07"));
	/* controls and bidi overrides shown, as on the terminal, not dropped */
	assert_non_null(strstr(page, "a\\x07b"));
	assert_non_null(strstr(page, "line&#10;break\\x01"));
	assert_null(strstr(page, "\xe2\x80\xae"));
	assert_non_null(strstr(page, "d\\u202eisk"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; "
				     "it&#39;s &quot;quoted&quot; &amp; more"));
	assert_non_null(strstr(page, "ev&#39;il&quot;&lt;b&gt;"));
	assert_non_null(strstr(page, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(page, "refused &lt;script&gt;x&lt;/script&gt;"));
	assert_non_null(strstr(page, "&lt;/p&gt;&lt;script&gt;1&lt;/script&gt;"));
	assert_non_null(strstr(page, "<title>ronda patrol: play&lt;book&gt; &quot;x&quot;</title>"));
	/* an unknown verdict is shown, and styled, as an error */
	assert_null(strstr(page, "v-<"));
	assert_non_null(strstr(page, "<td class=\"v v-error\">error</td>"));
	/* no script, no external asset */
	assert_null(strstr(page, "src=\""));
	assert_null(strstr(page, "http://"));
	assert_null(strstr(page, "https://"));
	free(page);
	cleanup(dir);
	fleet_release(&f);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

static void test_structure(void **state)
{
	struct fleet f;
	struct stat st;
	char dir[64], path[600], *page, *grid, *problems, *details;

	(void)state;
	mixed(&f);
	page = render(&f, "nightly patrol", dir, sizeof(dir));
	check_markup(page);
	assert_true(strncmp(page, "<!DOCTYPE html>", 15) == 0);
	assert_non_null(strstr(page, "</html>\n"));
	/* header: name and a count per verdict */
	assert_non_null(strstr(page, "<h1>ronda patrol: nightly patrol</h1>"));
	assert_non_null(strstr(page, "8 host(s)"));
	assert_non_null(strstr(page, "<li class=\"v-ok\">1 ok</li>"));
	assert_non_null(strstr(page, "<li class=\"v-warn zero\">0 warn</li>"));
	assert_non_null(strstr(page, "<li class=\"v-fail\">2 fail</li>"));
	assert_non_null(strstr(page, "<li class=\"v-unreachable\">3 unreachable</li>"));
	assert_non_null(strstr(page, "<li class=\"v-error\">2 error</li>"));
	/* the grid, a legend, and a cell per host with why in its title */
	grid = strstr(page, "<div class=\"grid\">");
	problems = strstr(page, "<h2>Task problems</h2>");
	details = strstr(page, "<h2>Hosts in detail</h2>");
	assert_true(grid && problems && details && grid < problems && problems < details);
	assert_non_null(strstr(page, "<span><i class=\"v-unreachable\"></i>unreachable</span>"));
	assert_non_null(strstr(grid, "<a href=\"#h3\" class=\"v-unreachable\" "
				     "title=\"web04: unreachable &#8212; connection refused\">web04</a>"));
	assert_non_null(strstr(grid, "class=\"v-fail\" title=\"web03: fail&#10;disk /var: fail "
				     "&#8212; full&#10;load: warn &#8212; load high\">web03</a>"));
	/* unreachable hosts grouped by cause; task problems as in the summary */
	assert_non_null(strstr(page, "<td class=\"hosts\">web[04-05]</td><td>2</td><td>connection refused</td>"));
	assert_non_null(strstr(problems, "<tr><td>disk /var</td><td class=\"v v-fail\">fail</td>"
					 "<td class=\"hosts\">web[02-03,<wbr>07]</td><td>3</td><td>94%\u202697.5%</td></tr>"));
	assert_true(strstr(problems, "disk /var") < strstr(problems, "<td>load</td>"));
	/* one closed <details> per host, worst first, each linked from the grid */
	assert_int_equal(count(details, "<details id=\"h"), 8);
	assert_null(strstr(details, "<details open"));
	assert_true(strstr(details, "id=\"h3\"") < strstr(details, "id=\"h1\""));
	assert_true(strstr(details, "id=\"h1\"") < strstr(details, "id=\"h0\""));
	assert_non_null(strstr(details, "<b>db01</b> error: tasks[0]: nope</summary>"));
	free(page);

	/* rewriting replaces the file whole: still one file, mode 0644 */
	snprintf(path, sizeof(path), "%s/report.html", dir);
	assert_int_equal(patrol_report_html(path, NULL, &f.tl, f.h, 1), RONDA_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	page = slurp(path);
	assert_non_null(strstr(page, "<h1>ronda patrol: patrol</h1>"));
	free(page);
	cleanup(dir);
	/* an unwritable place fails cleanly */
	assert_int_equal(patrol_report_html("/nonexistent/dir/r.html", "x", &f.tl, f.h, 1), RONDA_ESYS);
	fleet_release(&f);
}

/* No task problems, no down hosts: the sections say so instead of empty tables. */
static void test_all_ok(void **state)
{
	struct fleet f;
	char dir[64], *page;

	(void)state;
	fleet_init(&f, 2);
	add(&f, "a1", RESULT_OK, NULL, FACTS DISK(10, "ok") SUMMARY);
	add(&f, "a2", RESULT_OK, NULL, FACTS DISK(20, "ok") SUMMARY);
	page = render(&f, "p", dir, sizeof(dir));
	check_markup(page);
	assert_non_null(strstr(page, "No task warned or failed."));
	assert_null(strstr(page, "Unreachable and errored hosts"));
	assert_int_equal(count(page, "class=\"v-ok\" title=\""), 2);
	free(page);
	cleanup(dir);
	fleet_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_all_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
