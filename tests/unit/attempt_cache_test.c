/*
 * Unit tests for src/attempt_cache.c: a copy is found only under its own
 * attempt and learner, a put replaces, odd ids are ignored.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "attempt_cache.h"

#define A1	"11111111-1111-4111-8111-111111111111"
#define A2	"22222222-2222-4222-8222-222222222222"
#define U1	"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define U2	"bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"

static int
setup(void **state)
{
	(void)state;
	attempt_cache_clear();
	return (0);
}

static json_t *
questions(const char *id)
{
	return (json_pack("[{s:s}]", "id", id));
}

static void
test_found_under_its_attempt_and_learner(void **state)
{
	json_t		*q = questions("q1");
	const json_t	*got;

	attempt_cache_put(A1, U1, q);
	got = attempt_cache_get(A1, U1);
	assert_ptr_equal(got, q);
	assert_null(attempt_cache_get(A1, U2));
	assert_null(attempt_cache_get(A2, U1));
	json_decref(q);
	/* The cache keeps its own reference. */
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(attempt_cache_get(A1, U1), 0), "id")), "q1");
}

static void
test_put_replaces(void **state)
{
	json_t	*q1 = questions("q1"), *q2 = questions("q2");

	attempt_cache_put(A1, U1, q1);
	attempt_cache_put(A1, U1, q2);
	assert_ptr_equal(attempt_cache_get(A1, U1), q2);
	json_decref(q1);
	json_decref(q2);
}

static void
test_many_attempts_evict_without_mixing(void **state)
{
	char	id[37];
	json_t	*q;
	int	i, found = 0;

	for (i = 0; i < ATTEMPT_CACHE_SLOTS * 2; i++) {
		(void)snprintf(id, sizeof(id),
		    "%08x-1111-4111-8111-111111111111", i);
		q = questions(id);
		attempt_cache_put(id, U1, q);
		json_decref(q);
	}
	for (i = 0; i < ATTEMPT_CACHE_SLOTS * 2; i++) {
		const json_t	*got;

		(void)snprintf(id, sizeof(id),
		    "%08x-1111-4111-8111-111111111111", i);
		if ((got = attempt_cache_get(id, U1)) == NULL)
			continue;
		found++;
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(got, 0), "id")), id);
	}
	assert_true(found > 0);
	assert_true(found <= ATTEMPT_CACHE_SLOTS);
}

static void
test_odd_ids_and_values_ignored(void **state)
{
	json_t	*q = questions("q1"), *notarray = json_object();

	attempt_cache_put("short", U1, q);
	assert_null(attempt_cache_get("short", U1));
	attempt_cache_put(A1, NULL, q);
	assert_null(attempt_cache_get(A1, NULL));
	attempt_cache_put(A1, U1, notarray);
	assert_null(attempt_cache_get(A1, U1));
	json_decref(q);
	json_decref(notarray);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_found_under_its_attempt_and_learner,
		    setup),
		cmocka_unit_test_setup(test_put_replaces, setup),
		cmocka_unit_test_setup(test_many_attempts_evict_without_mixing,
		    setup),
		cmocka_unit_test_setup(test_odd_ids_and_values_ignored, setup),
	};
	int	rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	attempt_cache_clear();
	return (rc);
}
