/*
 * Unit tests for src/route_match.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "route_match.h"

static char	params[ROUTE_MAX_PARAMS][ROUTE_PARAM_LEN];
static int	n;

static void
literal_paths(void **state)
{
	assert_true(route_match("/api/v1/meta", "/api/v1/meta", params, &n));
	assert_int_equal(n, 0);
	assert_false(route_match("/api/v1/meta", "/api/v1/met", params, &n));
	assert_false(route_match("/api/v1/meta", "/api/v1/metas", params, &n));
	assert_false(route_match("/api/v1/meta", "/api/v1/meta/", params, &n));
	assert_false(route_match("/api/v1/meta", "/API/v1/meta", params, &n));
}

static void
empty_pattern_and_path(void **state)
{
	assert_true(route_match("", "", params, &n));
	assert_false(route_match("", "/", params, &n));
	assert_false(route_match("/", "", params, &n));
	assert_false(route_match("/api/v1/courses/:slug", "", params, &n));
}

static void
parameters_in_order(void **state)
{
	assert_true(route_match("/api/v1/instructor/courses/:slug/modules/:key",
	    "/api/v1/instructor/courses/intro/modules/m-1", params, &n));
	assert_int_equal(n, 2);
	assert_string_equal(params[0], "intro");
	assert_string_equal(params[1], "m-1");

	/* A parameter at the end takes the rest of its segment only. */
	assert_true(route_match("/api/v1/courses/:slug", "/api/v1/courses/a.b",
	    params, &n));
	assert_string_equal(params[0], "a.b");
	assert_false(route_match("/api/v1/courses/:slug",
	    "/api/v1/courses/a/progress", params, &n));
	assert_false(route_match("/api/v1/courses/:slug/progress",
	    "/api/v1/courses/a", params, &n));
}

static void
empty_parameter_refused(void **state)
{
	assert_false(route_match("/api/v1/courses/:slug", "/api/v1/courses/",
	    params, &n));
	assert_false(route_match("/api/v1/courses/:slug/progress",
	    "/api/v1/courses//progress", params, &n));
}

static void
oversized_parameter_refused(void **state)
{
	char	path[ROUTE_PARAM_LEN + 32];
	size_t	off;

	off = strlen("/api/v1/courses/");
	memcpy(path, "/api/v1/courses/", off);
	memset(path + off, 'a', ROUTE_PARAM_LEN - 1);
	path[off + ROUTE_PARAM_LEN - 1] = '\0';
	assert_true(route_match("/api/v1/courses/:slug", path, params, &n));
	assert_int_equal(strlen(params[0]), ROUTE_PARAM_LEN - 1);

	path[off + ROUTE_PARAM_LEN - 1] = 'a';
	path[off + ROUTE_PARAM_LEN] = '\0';
	assert_false(route_match("/api/v1/courses/:slug", path, params, &n));
}

static void
too_many_parameters_refused(void **state)
{
	assert_true(route_match("/:a/:b/:c/:d", "/1/2/3/4", params, &n));
	assert_int_equal(n, 4);
	assert_string_equal(params[3], "4");
	assert_false(route_match("/:a/:b/:c/:d/:e", "/1/2/3/4/5", params, &n));
}

static void
count_restarts_on_each_call(void **state)
{
	assert_true(route_match("/x/:a", "/x/1", params, &n));
	assert_int_equal(n, 1);
	assert_false(route_match("/y/:a", "/x/1", params, &n));
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_paths),
		cmocka_unit_test(empty_pattern_and_path),
		cmocka_unit_test(parameters_in_order),
		cmocka_unit_test(empty_parameter_refused),
		cmocka_unit_test(oversized_parameter_refused),
		cmocka_unit_test(too_many_parameters_refused),
		cmocka_unit_test(count_restarts_on_each_call),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
