/*
 * output_spread.c - each task's spread (min, median, max, worst hosts) and
 * the --values listing, on synthetic fleets built from agent lines; and
 * the colour rules (color.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "output/color.h"
#include "output/spread.h"
#include "output/summary.h"
#include "proto.h"
#include "patrol_fixture.h"
#include "banned.h"

#define VAR(pct, verdict) RES("var", "disk", verdict, "m", \
	"{\"filesystems\":[{\"path\":\"/var\",\"used_pct\":" #pct "}]}")
#define MEM(pct, verdict) RES("mem", "memory", verdict, "m", "{\"available_pct\":" #pct "}")
#define CLOCK(s) RES("clock", "clock", "ok", "m", "{\"offset_s\":" #s "}")

static char *text_of(struct fleet *f, int values, enum values_sort sort, int color)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	if (values)
		assert_int_equal(patrol_report_values(m, &f->tl, f->h, sort, color), RONDA_OK);
	else
		assert_int_equal(patrol_report_summary(m, &f->tl, f->h, color), RONDA_OK);
	fclose(m);
	if (getenv("SHOW_SUMMARY"))
		fputs(text, stdout);
	return text;
}

static const struct task_spread *row(const struct spread *s, const char *task)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].task, task) == 0)
			return &s->v[i];
	fail_msg("no row %s", task);
	return NULL;
}

/* Odd count: the middle value; even: the mean of the two middle ones. */
static void test_median(void **state)
{
	struct fleet f;
	struct spread s;
	const struct task_spread *t;

	(void)state;
	fleet_init(&f, 4);
	add(&f, "a", RESULT_OK, NULL, FACTS VAR(40, "ok") SUMMARY);
	add(&f, "b", RESULT_OK, NULL, FACTS VAR(10, "ok") SUMMARY);
	add(&f, "c", RESULT_OK, NULL, FACTS VAR(30, "ok") SUMMARY);
	assert_int_equal(spread_build(&f.tl, f.h, &s), RONDA_OK);
	t = row(&s, "var");
	assert_int_equal(t->n, 3);
	assert_true(t->min == 10 && t->median == 30 && t->max == 40);
	spread_release(&s);
	add(&f, "d", RESULT_OK, NULL, FACTS VAR(25, "ok") SUMMARY);
	assert_int_equal(spread_build(&f.tl, f.h, &s), RONDA_OK);
	t = row(&s, "var");
	assert_int_equal(t->n, 4);
	assert_true(t->median == 27.5);	/* (25 + 30) / 2 */
	/* worst first: the fullest */
	assert_int_equal(t->order[0].host, 0);
	assert_int_equal(t->order[1].host, 2);
	assert_int_equal(t->order[2].host, 3);
	assert_int_equal(t->order[3].host, 1);
	spread_release(&s);
	fleet_release(&f);
}

/*
 * Ties keep the hosts' order; a worse verdict comes before a worse value;
 * memory is worse lower, clock farther from 0.
 */
static void test_worst_order(void **state)
{
	struct fleet f;
	struct spread s;
	const struct task_spread *t;
	char *text;

	(void)state;
	fleet_init(&f, 6);
	add(&f, "h1", RESULT_OK, NULL, FACTS VAR(50, "ok") MEM(40, "ok") CLOCK(0.5) SUMMARY);
	add(&f, "h2", RESULT_OK, NULL, FACTS VAR(70, "ok") MEM(8, "warn") CLOCK(-2) SUMMARY);
	add(&f, "h3", RESULT_OK, NULL, FACTS VAR(70, "ok") MEM(30, "ok") CLOCK(1) SUMMARY);
	add(&f, "h4", RESULT_OK, NULL, FACTS VAR(60, "fail") MEM(3, "fail") CLOCK(0) SUMMARY);
	add(&f, "h5", RESULT_OK, NULL, FACTS VAR(20, "ok") MEM(50, "ok") CLOCK(0.1) SUMMARY);
	add(&f, "h6", RESULT_OK, NULL, FACTS VAR(70, "ok") MEM(30, "ok") CLOCK(-0.2) SUMMARY);
	assert_int_equal(spread_build(&f.tl, f.h, &s), RONDA_OK);
	t = row(&s, "var");
	/* h4 failed (a threshold of its own); then 70 70 70 in host order */
	assert_int_equal(t->order[0].host, 3);
	assert_int_equal(t->order[1].host, 1);
	assert_int_equal(t->order[2].host, 2);
	assert_int_equal(t->order[3].host, 5);
	assert_int_equal(t->order[4].host, 0);
	assert_int_equal(t->order[5].host, 4);
	t = row(&s, "mem");
	assert_int_equal(t->order[0].host, 3);	/* fail */
	assert_int_equal(t->order[1].host, 1);	/* warn */
	assert_int_equal(t->order[2].host, 2);	/* 30, before h6's 30 */
	assert_int_equal(t->order[3].host, 5);
	assert_int_equal(t->order[4].host, 0);	/* 40 */
	assert_int_equal(t->order[5].host, 4);	/* 50: the best */
	t = row(&s, "clock");
	assert_int_equal(t->order[0].host, 1);	/* -2 */
	assert_int_equal(t->order[1].host, 2);	/* 1 */
	assert_int_equal(t->order[2].host, 0);	/* 0.5 */
	assert_int_equal(t->order[3].host, 5);	/* -0.2 */
	assert_int_equal(t->order[4].host, 4);	/* 0.1 */
	assert_true(t->min == -2 && t->max == 1 && t->median == 0.05);
	spread_release(&s);
	text = text_of(&f, 0, VALUES_WORST, 0);
	/* five worst at most, the best host never among them */
	assert_non_null(strstr(text, "var      6/6  20%  65%     70%  h4 60%, h2 70%, h3 70%, h6 70%, h1 50%\n"));
	assert_non_null(strstr(text, "mem      6/6  3%   30%     50%  h4 3%, h2 8%, h3 30%, h6 30%, h1 40%\n"));
	assert_non_null(strstr(text, "clock    6/6  -2s  0.05s   1s   h2 -2s, h3 1s, h1 0.5s, h6 -0.2s, h5 0.1s\n"));
	free(text);
	fleet_release(&f);
}

/*
 * Excluded and counted: a task error, a skipped task, a result without
 * the value, a host in error (cut short), an unreachable host.
 */
static void test_excluded(void **state)
{
	struct fleet f;
	struct spread s;
	const struct task_spread *t;
	char *text;

	(void)state;
	fleet_init(&f, 7);
	add(&f, "a", RESULT_OK, NULL, FACTS VAR(40, "ok") SUMMARY);
	add(&f, "b", RESULT_OK, NULL, FACTS RES("var", "disk", "error", "cannot read", "{}") SUMMARY);
	add(&f, "c", RESULT_OK, NULL, FACTS RES("var", "disk", "skipped", "deadline", "{}") SUMMARY);
	add(&f, "d", RESULT_OK, NULL, FACTS RES("var", "disk", "ok", "m", "{\"filesystems\":[]}") SUMMARY);
	add(&f, "e", RESULT_TIMEOUT, "timed out", FACTS VAR(99, "fail"));	/* no summary */
	add(&f, "f", RESULT_UNREACHABLE, "refused", NULL);
	add(&f, "g", RESULT_OK, NULL, FACTS VAR(40, "ok") SUMMARY);
	assert_int_equal(spread_build(&f.tl, f.h, &s), RONDA_OK);
	t = row(&s, "var");
	assert_int_equal(t->n, 2);
	assert_int_equal(t->n_error, 1);
	assert_int_equal(t->n_novalue, 2);
	assert_int_equal(t->n_down, 1);
	assert_int_equal(t->n_order, 6);	/* f sent nothing */
	assert_true(t->min == 40 && t->median == 40 && t->max == 40);	/* not e's 99 */
	spread_release(&s);
	text = text_of(&f, 0, VALUES_WORST, 0);
	/* every host says the same: no host is worst */
	assert_non_null(strstr(text, "var     2/7  40%  40%     40%  -\n"));
	free(text);
	/* --values: every host, values worst first, then the rest by verdict */
	text = text_of(&f, 1, VALUES_WORST, 0);
	assert_string_equal(text,
			    "a  var  40%  ok\n"
			    "g  var  40%  ok\n"
			    "b  var  -    error\n"
			    "e  var  99%  fail\n"
			    "d  var  -    ok\n"
			    "c  var  -    skipped\n"
			    "f  var  -    unreachable\n");
	free(text);
	fleet_release(&f);
}

/* --values by host: natural name order, each host's tasks in run order. */
static void test_values_by_host(void **state)
{
	struct fleet f;
	char *text;

	(void)state;
	fleet_init(&f, 4);
	add(&f, "web10", RESULT_OK, NULL, FACTS VAR(90, "fail") MEM(20, "ok") SUMMARY);
	add(&f, "web9", RESULT_OK, NULL, FACTS VAR(10, "ok") MEM(60, "ok") SUMMARY);
	add(&f, "web1", RESULT_UNREACHABLE, "refused", NULL);
	add(&f, "db1", RESULT_OK, NULL, FACTS VAR(55.25, "ok") MEM(5, "warn") SUMMARY);
	text = text_of(&f, 1, VALUES_HOST, 0);
	assert_string_equal(text,
			    "db1    var  55.2%  ok\n"
			    "db1    mem  5%     warn\n"
			    "web1   var  -      unreachable\n"
			    "web1   mem  -      unreachable\n"
			    "web9   var  10%    ok\n"
			    "web9   mem  60%    ok\n"
			    "web10  var  90%    fail\n"
			    "web10  mem  20%    ok\n");
	free(text);
	text = text_of(&f, 1, VALUES_WORST, 1);
	assert_non_null(strstr(text, "web10  var  90%    \033[31mfail\033[0m\n"));
	assert_non_null(strstr(text, "web1   mem  -      \033[35munreachable\033[0m\n"));
	free(text);
	fleet_release(&f);

	/* no host ran a task: one line each */
	fleet_init(&f, 2);
	add(&f, "a", RESULT_UNREACHABLE, "refused", NULL);
	add(&f, "b", RESULT_AUTH, "no key", NULL);
	text = text_of(&f, 1, VALUES_WORST, 0);
	assert_string_equal(text, "a  -  -  unreachable\nb  -  -  unreachable\n");
	free(text);
	fleet_release(&f);
}

/* The summary's colours: only on request, and never inside a column's width. */
static void test_summary_color(void **state)
{
	struct fleet f;
	char *text;

	(void)state;
	mixed(&f);
	text = text_of(&f, 0, VALUES_WORST, 0);
	assert_null(strchr(text, 0x1b));
	free(text);
	text = text_of(&f, 0, VALUES_WORST, 1);
	assert_non_null(strstr(text, "8 host(s): 1 \033[32mok\033[0m, 0 warn, 2 \033[31mfail\033[0m, "
				     "3 \033[35munreachable\033[0m, 2 \033[1;31merror\033[0m\n"));
	assert_non_null(strstr(text, "\033[35munreachable\033[0m  web[04-05] (2): connection refused\n"));
	assert_non_null(strstr(text, "disk /var  \033[31mfail\033[0m     "));
	free(text);
	fleet_release(&f);
}

static void test_color_rules(void **state)
{
	enum color_mode m;
	int fds[2], pty;

	(void)state;
	assert_int_equal(color_mode_parse("auto", &m), RONDA_OK);
	assert_int_equal(m, COLOR_AUTO);
	assert_int_equal(color_mode_parse("always", &m), RONDA_OK);
	assert_int_equal(m, COLOR_ALWAYS);
	assert_int_equal(color_mode_parse("never", &m), RONDA_OK);
	assert_int_equal(m, COLOR_NEVER);
	assert_int_equal(color_mode_parse("sometimes", &m), RONDA_EINVAL);
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	assert_int_equal(color_use(COLOR_AUTO, fds[1]), 0);	/* a pipe */
	assert_int_equal(color_use(COLOR_ALWAYS, fds[1]), 1);
	pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty >= 0) {
		assert_int_equal(color_use(COLOR_AUTO, pty), 1);
		assert_int_equal(color_use(COLOR_NEVER, pty), 0);
		setenv("NO_COLOR", "", 1);	/* empty: as if unset */
		assert_int_equal(color_use(COLOR_AUTO, pty), 1);
		setenv("NO_COLOR", "1", 1);
		assert_int_equal(color_use(COLOR_AUTO, pty), 0);
		assert_int_equal(color_use(COLOR_ALWAYS, pty), 1);	/* the command line wins */
		unsetenv("NO_COLOR");
		setenv("TERM", "dumb", 1);
		assert_int_equal(color_use(COLOR_AUTO, pty), 0);
		close(pty);
	}
	close(fds[0]);
	close(fds[1]);
	assert_string_equal(color_sgr("ok"), "\033[32m");
	assert_string_equal(color_sgr("warn"), "\033[33m");
	assert_string_equal(color_sgr("fail"), "\033[31m");
	assert_string_equal(color_sgr("error"), "\033[1;31m");
	assert_string_equal(color_sgr("timeout"), "\033[35m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_worst_order),
		cmocka_unit_test(test_excluded),
		cmocka_unit_test(test_values_by_host),
		cmocka_unit_test(test_summary_color),
		cmocka_unit_test(test_color_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
