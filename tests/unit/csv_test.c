/*
 * Unit tests for src/csv.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

static const char *
field(json_t *rows, size_t r, size_t f)
{
	return (json_string_value(json_array_get(json_object_get(
	    json_array_get(rows, r), "fields"), f)));
}

static void
plain_and_quoted(void **state)
{
	const char		*t = "email,course\r\n\"a,b\"\"c\"\"@x.org\",one\n\nd@x.org,\"two\"\n";
	struct csv_error	err;
	json_t			*rows;

	rows = csv_parse(t, strlen(t), 100, &err);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 3);
	assert_string_equal(field(rows, 1, 0), "a,b\"c\"@x.org");
	assert_string_equal(field(rows, 2, 1), "two");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(rows, 2), "line")), 4);
	json_decref(rows);
}

static void
multiline_quoted_field_keeps_line_numbers(void **state)
{
	const char		*t = "a,b\n\"x\ny\",z\nlast,row";
	struct csv_error	err;
	json_t			*rows;

	rows = csv_parse(t, strlen(t), 100, &err);
	assert_non_null(rows);
	assert_string_equal(field(rows, 1, 0), "x\ny");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(rows, 2), "line")), 4);
	json_decref(rows);
}

static void
malformed_files_fail_with_a_line(void **state)
{
	struct csv_error	err;
	const char		*cases[] = {
		"a,b\n\"open,x\n",	/* never closed */
		"a,b\nx\"y,z\n",		/* stray quote */
		"a,b\n\"x\"y,z\n",	/* text after closing quote */
		"a,b\n1,2,3\n",		/* width */
		"a,b\n\xff,x\n",		/* UTF-8 */
	};
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_null(csv_parse(cases[i], strlen(cases[i]), 100, &err));
		assert_true(err.line >= 1);
		assert_true(strlen(err.message) > 0);
	}
}

static void
row_limit(void **state)
{
	const char		*t = "a\n1\n2\n3\n";
	struct csv_error	err;

	assert_null(csv_parse(t, strlen(t), 3, &err));
	assert_int_equal(err.line, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_and_quoted),
		cmocka_unit_test(multiline_quoted_field_keeps_line_numbers),
		cmocka_unit_test(malformed_files_fail_with_a_line),
		cmocka_unit_test(row_limit),
	};

	return (cmocka_run_group_tests_name("csv", tests, NULL, NULL));
}
