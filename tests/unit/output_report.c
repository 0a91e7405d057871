/*
 * output_report.c - exec's outputs and summary escape what a host sent
 * (the outputs pass raw when asked).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "output/report.h"
#include "banned.h"

/* What report_outputs (raw or not) and report_summary print for one host. */
static void exec_report(int fold, int raw, char **outs, char **summary)
{
	struct target_list tl;
	struct target t = { .name = (char *)(uintptr_t)"web01", .port = 22 };
	struct host_result r = { .status = RESULT_ERROR };
	size_t n;
	FILE *m;

	target_list_init(&tl);
	assert_int_equal(target_list_add(&tl, &t), RONDA_OK);
	buf_init(&r.out, 4096);
	buf_init(&r.err, 4096);
	assert_int_equal(buf_puts(&r.out, "a\x1b[2Jb\nc\xe2\x80\xae\n"), RONDA_OK);
	snprintf(r.why, sizeof(r.why), "bootstrap said \x1b]0;x\x07\nerror 1 web02");
	m = open_memstream(outs, &n);
	assert_int_equal(report_outputs(m, &tl, &r, fold, raw), RONDA_OK);
	fclose(m);
	m = open_memstream(summary, &n);
	assert_int_equal(report_summary(m, &tl, &r, 0), RONDA_OK);
	fclose(m);
	host_result_release(&r);
	target_list_release(&tl);
}

static void test_exec_report_escapes(void **state)
{
	char *o, *s;

	(void)state;
	exec_report(0, 0, &o, &s);
	assert_string_equal(o, "web01: a\\x1b[2Jb\nweb01: c\\u202e\n");
	/* the cause stays on its line: no forged summary line */
	assert_non_null(strstr(s, "web01: bootstrap said \\x1b]0;x\\x07\\x0aerror 1 web02\n"));
	assert_null(strchr(s, 0x1b));
	free(o);
	free(s);
	exec_report(1, 0, &o, &s);
	assert_non_null(strstr(o, "\na\\x1b[2Jb\nc\\u202e\n"));
	free(o);
	free(s);
	exec_report(0, 1, &o, &s);
	assert_string_equal(o, "web01: a\x1b[2Jb\nweb01: c\xe2\x80\xae\n");
	free(o);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_report_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
