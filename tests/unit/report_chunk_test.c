/*
 * Unit tests for src/report_chunk.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "report_chunk.h"

static void
formats(void **state)
{
	assert_int_equal(report_format_parse(NULL), REPORT_CSV);
	assert_int_equal(report_format_parse("csv"), REPORT_CSV);
	assert_int_equal(report_format_parse("ndjson"), REPORT_NDJSON);
	assert_int_equal(report_format_parse("json"), REPORT_JSON);
	assert_int_equal(report_format_parse("CSV"), -1);
	assert_int_equal(report_format_parse(""), -1);
	assert_int_equal(report_format_parse("xlsx"), -1);
	assert_string_equal(report_format_ctype(REPORT_CSV),
	    "text/csv; charset=utf-8");
	assert_string_equal(report_format_ctype(REPORT_NDJSON),
	    "application/x-ndjson");
	assert_string_equal(report_format_ext(REPORT_JSON), "json");
}

static void
chunk_size_line(void **state)
{
	uint8_t		buf[REPORT_CHUNK_HEAD + 300];
	size_t		start;

	memset(buf, 'x', sizeof(buf));
	start = report_chunk_head(buf, REPORT_CHUNK_HEAD + 5);
	assert_int_equal(start, REPORT_CHUNK_HEAD - 3);
	assert_memory_equal(buf + start, "5\r\nxxxxx", 8);

	start = report_chunk_head(buf, REPORT_CHUNK_HEAD + 300);
	assert_int_equal(start, REPORT_CHUNK_HEAD - 5);
	assert_memory_equal(buf + start, "12c\r\n", 5);
}

static void
chunk_size_large(void **state)
{
	static uint8_t	buf[REPORT_CHUNK_HEAD + 0x10000];
	size_t		start;

	start = report_chunk_head(buf, sizeof(buf));
	assert_int_equal(start, REPORT_CHUNK_HEAD - 7);
	assert_memory_equal(buf + start, "10000\r\n", 7);
}

static void
json_rows(void **state)
{
	const char	*row = "{\"a\":1}\n";

	assert_string_equal(report_prefix(REPORT_JSON, 0), "{\"rows\":[");
	assert_string_equal(report_row_sep(REPORT_JSON, 0), "\n");
	assert_string_equal(report_row_sep(REPORT_JSON, 1), ",\n");
	assert_int_equal(report_row_len(REPORT_JSON, row, strlen(row)), 7);
	assert_string_equal(report_suffix(REPORT_JSON), "\n]}\n");
}

static void
ndjson_and_csv_rows_as_copy_gave_them(void **state)
{
	const char	*row = "a,\"b\"\"c\"\n";

	assert_string_equal(report_prefix(REPORT_NDJSON, 1), "");
	assert_string_equal(report_row_sep(REPORT_NDJSON, 3), "");
	assert_int_equal(report_row_len(REPORT_CSV, row, strlen(row)),
	    strlen(row));
	assert_int_equal(report_row_len(REPORT_NDJSON, row, strlen(row)),
	    strlen(row));
	assert_string_equal(report_suffix(REPORT_CSV), "");
	assert_string_equal(report_prefix(REPORT_CSV, 0), "");
	assert_string_equal(report_prefix(REPORT_CSV, 1), "\xef\xbb\xbf");
}

static void
file_names(void **state)
{
	assert_true(report_file_ok("completions_all_2026-12-02"));
	assert_true(report_file_ok("completions_intro_from-2026-01-01_x"));
	assert_false(report_file_ok(""));
	assert_false(report_file_ok(NULL));
	assert_false(report_file_ok("a\"b"));
	assert_false(report_file_ok("a b"));
	assert_false(report_file_ok("a\r\nb"));
	assert_false(report_file_ok("../x"));
	assert_false(report_file_ok("A"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats),
		cmocka_unit_test(chunk_size_line),
		cmocka_unit_test(chunk_size_large),
		cmocka_unit_test(json_rows),
		cmocka_unit_test(ndjson_and_csv_rows_as_copy_gave_them),
		cmocka_unit_test(file_names),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
