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

static const char *const columns[] = { "email", "course", NULL };

static void
columns_by_name(void **state)
{
	const char		*t = "Name,COURSE,Email\nAna,intro,a@x.org\n"
	    "\nBo,\"adv\",b@x.org\n";
	struct csv_error	err;
	json_t			*rows, *r;

	rows = csv_columns(t, strlen(t), 100, columns, &err);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 2);
	r = json_array_get(rows, 1);
	assert_int_equal(json_object_size(r), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "line")), 4);
	assert_string_equal(json_string_value(json_object_get(r, "email")),
	    "b@x.org");
	assert_string_equal(json_string_value(json_object_get(r, "course")),
	    "adv");
	json_decref(rows);
}

static void
columns_header_only(void **state)
{
	const char		*t = "email,course\r\n";
	struct csv_error	err;
	json_t			*rows;

	rows = csv_columns(t, strlen(t), 100, columns, &err);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
}

static void
columns_missing_from_the_header(void **state)
{
	const char		*cases[] = { "email,name\nx,y\n", "course\n",
	    "", "\n\n", "e-mail,course\n" };
	struct csv_error	err;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_null(csv_columns(cases[i], strlen(cases[i]), 100,
		    columns, &err));
		assert_int_equal(err.line, 1);
		assert_string_equal(err.message, "the header must name the "
		    "columns email and course.");
	}
}

static void
columns_report_parse_errors(void **state)
{
	const char		*t = "email,course\na@x.org,intro\nb@x.org\n";
	const char		*many = "email,course\n1,1\n2,2\n3,3\n";
	struct csv_error	err;

	assert_null(csv_columns(t, strlen(t), 100, columns, &err));
	assert_int_equal(err.line, 3);
	/* The limit counts the header: three lines fit in 3, four do not. */
	assert_null(csv_columns(many, strlen(many), 3, columns, &err));
	assert_int_equal(err.line, 4);
	assert_string_equal(err.message, "The file has too many lines.");
}

static void
empty_file_has_no_records(void **state)
{
	struct csv_error	err;
	json_t			*rows;

	rows = csv_parse("", 0, 100, &err);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
	rows = csv_parse("\xef\xbb\xbf\r\n\n", 5, 100, &err);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_and_quoted),
		cmocka_unit_test(multiline_quoted_field_keeps_line_numbers),
		cmocka_unit_test(malformed_files_fail_with_a_line),
		cmocka_unit_test(row_limit),
		cmocka_unit_test(empty_file_has_no_records),
		cmocka_unit_test(columns_by_name),
		cmocka_unit_test(columns_header_only),
		cmocka_unit_test(columns_missing_from_the_header),
		cmocka_unit_test(columns_report_parse_errors),
	};

	return (cmocka_run_group_tests_name("csv", tests, NULL, NULL));
}
