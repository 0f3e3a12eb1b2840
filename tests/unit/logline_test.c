/*
 * Unit tests for src/logline.c: the JSON log lines.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "logline.h"

static void
time_format(void **state)
{
	struct timespec	ts = { 1796167262, 123456789 };
	char		buf[LOGLINE_TIME_LEN];

	logline_time(buf, sizeof(buf), &ts);
	assert_string_equal(buf, "2026-12-01T23:21:02.123Z");
}

static void
request_line_is_one_json_object(void **state)
{
	struct logline_request	r = { "2026-12-02T04:33:00.123Z",
	    "0123456789abcdef", "GET", "/api/v1/courses/:slug", 200, 1234567,
	    321, "7a1c1d3e-0000-4000-8000-000000000001" };
	char			buf[LOGLINE_MAX];
	json_t			*j;
	size_t			n;

	n = logline_request(buf, sizeof(buf), &r);
	assert_true(n > 0);
	assert_int_equal(n, strlen(buf));
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', n - 1));
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "route")),
	    "/api/v1/courses/:slug");
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
	assert_true(json_real_value(json_object_get(j, "duration_ms")) ==
	    1234.567);
	assert_string_equal(json_string_value(json_object_get(j, "user_id")),
	    r.user_id);
	assert_string_equal(json_string_value(json_object_get(j,
	    "request_id")), "0123456789abcdef");
	json_decref(j);

	r.user_id = NULL;
	r.route = "quote\" back\\ nl\n";
	n = logline_request(buf, sizeof(buf), &r);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(j, "user_id")));
	assert_string_equal(json_string_value(json_object_get(j, "route")),
	    "quote\" back\\ nl\n");
	json_decref(j);
}

static void
too_long_writes_nothing(void **state)
{
	struct logline_request	r = { "t", "id", "GET", "/x", 200, 0, 0, NULL };
	char			buf[40];

	assert_int_equal(logline_request(buf, sizeof(buf), &r), 0);
	assert_string_equal(buf, "");
	assert_int_equal(logline_event(buf, sizeof(buf), "t", "error", "id",
	    "a message far longer than forty bytes in all"), 0);
	assert_int_equal(logline_request(buf, 0, &r), 0);
}

static void
event_line(void **state)
{
	char		buf[LOGLINE_MAX];
	json_t		*j;

	assert_true(logline_event(buf, sizeof(buf), "t", "error", "abc",
	    "sql error XX000 in statement") > 0);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "level")),
	    "error");
	assert_string_equal(json_string_value(json_object_get(j,
	    "request_id")), "abc");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_format),
		cmocka_unit_test(request_line_is_one_json_object),
		cmocka_unit_test(too_long_writes_nothing),
		cmocka_unit_test(event_line),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
