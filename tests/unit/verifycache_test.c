/*
 * Unit tests for src/verifycache.c: hits, the lifetime and its cap at a
 * certificate's expiry, invalidation by the shared generation, and the
 * addresses the database throttles.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pubcache.h"
#include "verifycache.h"

#define CODE	"ABCD-EFGH-JKMN-PQRS"
#define BODY	"{\"code\":\"ABCD-EFGH-JKMN-PQRS\",\"status\":\"valid\"}"

static int
setup(void **state)
{
	(void)state;
	if (!pubcache_shared_init() || !verifycache_shared_init())
		return (-1);
	verifycache_clear();
	return (0);
}

static void
a_kept_answer_is_found_until_the_ttl(void **state)
{
	const char	*body;
	size_t		len;
	char		copy[sizeof(BODY)];

	(void)state;
	memcpy(copy, BODY, sizeof(BODY));
	assert_false(verifycache_get(CODE, 1000, &body, &len));
	verifycache_put(CODE, pubcache_generation(), 1000, -1, copy,
	    strlen(copy));
	memset(copy, 'x', sizeof(copy) - 1);

	assert_true(verifycache_get(CODE, 1000, &body, &len));
	assert_int_equal(len, strlen(BODY));
	assert_memory_equal(body, BODY, len);
	assert_false(verifycache_get("ABCD-EFGH-JKMN-PQRT", 1000, &body, &len));
	assert_true(verifycache_get(CODE, 1000 + VERIFYCACHE_TTL_MS - 1,
	    &body, &len));
	assert_false(verifycache_get(CODE, 1000 + VERIFYCACHE_TTL_MS, &body,
	    &len));
}

/*
 * As many codes as the bench's signed-in learners (256), kept at once,
 * are all found again: codes whose hashes meet share a set rather than
 * taking each other's place.
 */
static void
many_codes_are_kept_side_by_side(void **state)
{
	const char	*body;
	size_t		len;
	char		code[32];
	int		i, found;

	(void)state;
	for (i = 0; i < 256; i++) {
		(void)snprintf(code, sizeof(code), "BNCH-%04d-0000-0000", i);
		verifycache_put(code, pubcache_generation(), 1000, -1, code,
		    strlen(code));
	}
	found = 0;
	for (i = 0; i < 256; i++) {
		(void)snprintf(code, sizeof(code), "BNCH-%04d-0000-0000", i);
		if (verifycache_get(code, 1000, &body, &len) &&
		    len == strlen(code) && !memcmp(body, code, len))
			found++;
	}
	assert_int_equal(found, 256);
}

static void
a_valid_answer_does_not_outlive_the_expiry(void **state)
{
	const char	*body;
	size_t		len;

	(void)state;
	verifycache_put(CODE, pubcache_generation(), 1000, 250, BODY,
	    strlen(BODY));
	assert_true(verifycache_get(CODE, 1249, &body, &len));
	assert_false(verifycache_get(CODE, 1250, &body, &len));

	/* Expiring now: not kept at all. */
	verifycache_put(CODE, pubcache_generation(), 1000, 0, BODY,
	    strlen(BODY));
	assert_false(verifycache_get(CODE, 1000, &body, &len));
}

static void
a_change_drops_every_answer(void **state)
{
	const char	*body;
	size_t		len;
	u_int64_t	gen;

	(void)state;
	gen = pubcache_generation();
	verifycache_put(CODE, gen, 1000, -1, BODY, strlen(BODY));
	pubcache_invalidate();
	assert_false(verifycache_get(CODE, 1000, &body, &len));

	/* An answer read before the change committed is not kept. */
	verifycache_put(CODE, gen, 1000, -1, BODY, strlen(BODY));
	assert_false(verifycache_get(CODE, 1000, &body, &len));
	verifycache_put(CODE, pubcache_generation(), 1000, -1, BODY,
	    strlen(BODY));
	assert_true(verifycache_get(CODE, 1000, &body, &len));
}

static void
the_empty_code_is_never_kept(void **state)
{
	const char	*body;
	size_t		len;

	(void)state;
	verifycache_put("", pubcache_generation(), 1000, -1, BODY,
	    strlen(BODY));
	assert_false(verifycache_get("", 1000, &body, &len));
}

static void
a_throttled_address_is_known_until_its_wait_ends(void **state)
{
	(void)state;
	assert_false(verifycache_blocked("verify:aa", 1000));
	verifycache_block("verify:aa", 3000);
	assert_true(verifycache_blocked("verify:aa", 2999));
	assert_false(verifycache_blocked("verify:aa", 3000));
	assert_false(verifycache_blocked("verify:bb", 1000));
	/* Rounded up: never shorter than the database's wait. */
	verifycache_block("verify:aa", 3001);
	assert_true(verifycache_blocked("verify:aa", 3999));
	/* The database let it through: not blocked any more. */
	verifycache_unblock("verify:bb");
	assert_true(verifycache_blocked("verify:aa", 3500));
	verifycache_unblock("verify:aa");
	assert_false(verifycache_blocked("verify:aa", 3500));
}

static void
a_block_holds_on_every_worker(void **state)
{
	pid_t	pid;
	int	status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		verifycache_block("verify:cc", 5000);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(verifycache_blocked("verify:cc", 4000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(a_kept_answer_is_found_until_the_ttl,
		    setup),
		cmocka_unit_test_setup(
		    a_valid_answer_does_not_outlive_the_expiry, setup),
		cmocka_unit_test_setup(a_change_drops_every_answer, setup),
		cmocka_unit_test_setup(the_empty_code_is_never_kept, setup),
		cmocka_unit_test_setup(many_codes_are_kept_side_by_side, setup),
		cmocka_unit_test_setup(
		    a_throttled_address_is_known_until_its_wait_ends, setup),
		cmocka_unit_test_setup(a_block_holds_on_every_worker, setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
