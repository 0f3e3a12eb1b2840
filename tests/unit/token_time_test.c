/*
 * Unit tests for src/token_time.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "token_time.h"

#define NOW		1796167262LL
#define LIFE		900LL
#define SKEW		30LL

static int
valid(long long exp, long long nbf, long long iat)
{
	struct token_times	t = { exp, nbf, iat };

	return (token_times_valid(&t, NOW, LIFE, SKEW));
}

static void
tokens_the_server_makes(void **state)
{
	assert_true(valid(NOW + LIFE, NOW, NOW));
	assert_true(valid(NOW + 1, NOW - LIFE + 1, NOW - LIFE + 1));
	/* Another server's clock a little ahead. */
	assert_true(valid(NOW + SKEW + LIFE, NOW + SKEW, NOW + SKEW));
}

static void
expired_early_or_too_long(void **state)
{
	assert_false(valid(NOW, NOW - 10, NOW - 10));
	assert_false(valid(NOW - 1, NOW - 10, NOW - 10));
	assert_false(valid(NOW + 600, NOW + SKEW + 1, NOW));
	assert_false(valid(NOW + 600, NOW, NOW + SKEW + 1));
	assert_false(valid(NOW + LIFE + 1, NOW, NOW));
	assert_false(valid(NOW + 600, NOW - 86400, NOW));
	assert_false(valid(NOW + 600, NOW, NOW - 86400));
}

static void
extremes(void **state)
{
	assert_false(valid(INT64_MAX, NOW, INT64_MIN));
	assert_false(valid(INT64_MAX, INT64_MIN, INT64_MIN));
	assert_false(valid(NOW + 600, NOW, INT64_MIN));
	assert_false(valid(NOW + 600, NOW, INT64_MIN + 1));
	assert_false(valid(INT64_MIN, NOW, NOW));
	assert_false(valid(INT64_MAX, NOW, NOW));
	assert_false(valid(INT64_MAX, INT64_MAX, INT64_MAX));
	assert_false(valid(NOW + 600, INT64_MIN, NOW));
	assert_false(valid(NOW + 600, INT64_MAX, NOW));
	assert_false(valid(0, 0, 0));
	assert_false(valid(-1, -1, -1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tokens_the_server_makes),
		cmocka_unit_test(expired_early_or_too_long),
		cmocka_unit_test(extremes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
