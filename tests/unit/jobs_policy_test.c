/*
 * Unit tests for src/jobs_policy.c: retry delays and the runner's settings.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jobs_policy.h"

static void
backoff_doubles_from_the_base(void **state)
{
	/* rnd 0 takes nothing off: the plain schedule. */
	assert_int_equal(jobs_backoff_ms(1, 10000, 3600000, 0), 10000);
	assert_int_equal(jobs_backoff_ms(2, 10000, 3600000, 0), 20000);
	assert_int_equal(jobs_backoff_ms(3, 10000, 3600000, 0), 40000);
	assert_int_equal(jobs_backoff_ms(9, 10000, 3600000, 0), 2560000);
	/* An attempt number below 1 counts as the first. */
	assert_int_equal(jobs_backoff_ms(0, 10000, 3600000, 0), 10000);
	assert_int_equal(jobs_backoff_ms(-5, 10000, 3600000, 0), 10000);
}

static void
backoff_stops_at_the_cap_without_overflow(void **state)
{
	assert_int_equal(jobs_backoff_ms(10, 10000, 3600000, 0), 3600000);
	assert_int_equal(jobs_backoff_ms(40, 10000, 3600000, 0), 3600000);
	assert_int_equal(jobs_backoff_ms(64, 10000, 3600000, 0), 3600000);
	assert_int_equal(jobs_backoff_ms(1000000, 10000, 3600000, 0), 3600000);
	assert_int_equal(jobs_backoff_ms(62, UINT64_MAX / 2, UINT64_MAX, 0),
	    UINT64_MAX);
	/* A base above the cap is the cap. */
	assert_int_equal(jobs_backoff_ms(1, 5000, 1000, 0), 1000);
	assert_int_equal(jobs_backoff_ms(3, 0, 1000, 12345), 0);
}

static void
backoff_jitter_takes_at_most_a_quarter(void **state)
{
	uint32_t	rnd;
	uint64_t	d;

	for (rnd = 0; rnd < 20000; rnd += 7) {
		d = jobs_backoff_ms(3, 1000, 60000, rnd);
		assert_true(d <= 4000 && d >= 3000);
		d = jobs_backoff_ms(30, 1000, 60000, rnd);
		assert_true(d <= 60000 && d >= 45000);
	}
	assert_int_equal(jobs_backoff_ms(1, 1000, 60000, 250), 750);
	assert_int_equal(jobs_backoff_ms(1, 1000, 60000, 251), 1000);
	assert_int_equal(jobs_backoff_ms(1, 1000, 60000, UINT32_MAX),
	    1000 - UINT32_MAX % 251);
}

static void
numbers_are_whole_and_in_range(void **state)
{
	uint64_t	v;

	v = 7;
	assert_true(jobs_parse_number("0", 0, 10, &v) && v == 0);
	assert_true(jobs_parse_number("60000", 100, 86400000, &v) &&
	    v == 60000);
	v = 7;
	assert_false(jobs_parse_number("", 0, 10, &v));
	assert_false(jobs_parse_number(NULL, 0, 10, &v));
	assert_false(jobs_parse_number("-1", 0, 10, &v));
	assert_false(jobs_parse_number("+1", 0, 10, &v));
	assert_false(jobs_parse_number(" 1", 0, 10, &v));
	assert_false(jobs_parse_number("1s", 0, 10, &v));
	assert_false(jobs_parse_number("11", 0, 10, &v));
	assert_false(jobs_parse_number("99", 100, 1000, &v));
	assert_false(jobs_parse_number("99999999999999999999999", 0,
	    UINT64_MAX, &v));
	assert_int_equal(v, 7);
}

static void
lists_name_whole_entries(void **state)
{
	assert_true(jobs_list_has("test_record,test_fail", "test_record"));
	assert_true(jobs_list_has("test_record,test_fail", "test_fail"));
	assert_true(jobs_list_has("test_long", "test_long"));
	assert_true(jobs_list_has("1", "test_long"));
	assert_false(jobs_list_has("test_record,test_fail", "test_re"));
	assert_false(jobs_list_has("test_record,test_fail", "test_fail2"));
	assert_false(jobs_list_has("test_record,,", "test"));
	assert_false(jobs_list_has("", "test_long"));
	assert_false(jobs_list_has("0", "test_long"));
	assert_false(jobs_list_has(NULL, "test_long"));
	assert_false(jobs_list_has("a,b", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backoff_doubles_from_the_base),
		cmocka_unit_test(backoff_stops_at_the_cap_without_overflow),
		cmocka_unit_test(backoff_jitter_takes_at_most_a_quarter),
		cmocka_unit_test(numbers_are_whole_and_in_range),
		cmocka_unit_test(lists_name_whole_entries),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
