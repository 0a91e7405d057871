/*
 * output_json.c - the one JSON writer: compact lines that take their
 * object, indented documents, and exec's lines with non-UTF-8 output sent
 * as base64 and flagged.
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
#include "output/json.h"
#include "banned.h"

static void test_json_writers(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	json_t *o = json_pack("{s:s, s:f, s:[i]}", "b", "x", "a", 0.1, "c", 1);

	(void)state;
	assert_non_null(m);
	assert_int_equal(json_put_doc(m, o), RONDA_OK);
	assert_int_equal(json_put_line(m, o), RONDA_OK);	/* takes o */
	assert_int_equal(json_put_line(m, NULL), RONDA_ENOMEM);
	fclose(m);
	assert_string_equal(text, "{\n  \"b\": \"x\",\n  \"a\": 0.1,\n  \"c\": [\n    1\n  ]\n}\n"
			    "{\"b\":\"x\",\"a\":0.1,\"c\":[1]}\n");
	free(text);
}

static void test_exec_json_base64(void **state)
{
	struct target_list tl;
	struct target t = { .name = (char *)(uintptr_t)"web01", .port = 22 };
	struct host_result r = { .status = RESULT_OK, .has_exit = 1, .ms_start = -1 };
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	target_list_init(&tl);
	assert_int_equal(target_list_add(&tl, &t), RONDA_OK);
	buf_init(&r.out, 4096);
	buf_init(&r.err, 4096);
	assert_int_equal(buf_puts(&r.out, "\xff\xfe"), RONDA_OK);
	assert_int_equal(buf_puts(&r.err, "fine"), RONDA_OK);
	m = open_memstream(&text, &len);
	assert_int_equal(report_json(m, &tl, &r), RONDA_OK);
	fclose(m);
	assert_non_null(strstr(text, "\"stdout\":\"//4=\",\"stderr\":\"fine\",\"stdout_encoding\":\"base64\","));
	assert_null(strstr(text, "stderr_encoding"));
	assert_non_null(strstr(text, "\"ms\":{\"start\":null,\"connect\":0,"));
	assert_ptr_equal(strchr(text, '\n'), text + len - 1);	/* one line */
	free(text);
	host_result_release(&r);
	target_list_release(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_writers),
		cmocka_unit_test(test_exec_json_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
