/*
 * Unit tests for src/password.c: hashing round trips and the rules for new
 * passwords.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "password.h"

static const char	list[] = "# comment\npassword1234\nQwertyuiopas\n";

static void
hash_then_verify(void **state)
{
	char	hash[PASSWORD_HASH_MAX];

	assert_true(password_hash("correct horse battery", 21, hash));
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_true(password_verify(hash, "correct horse battery", 21));
	assert_false(password_verify(hash, "correct horse batterY", 21));
	assert_false(password_verify(hash, "correct horse battery", 20));
}

static void
verify_refuses_foreign_hashes(void **state)
{
	assert_false(password_verify(NULL, "x", 1));
	assert_false(password_verify("!", "x", 1));
	assert_false(password_verify("$2y$10$abcdefghijklmnopqrstuv", "x", 1));
}

/*
 * The dummy hash is made only by password_dummy_init(), when a worker
 * starts: asked for before that, it is refused rather than made on the
 * spot (on the event loop of the request that asked).
 */
static void
dummy_hash_is_never_made_on_first_use(void **state)
{
	char	a[PASSWORD_HASH_MAX];

	memset(a, 0, sizeof(a));
	assert_false(password_dummy_hash(a));
	assert_int_equal(a[0], '\0');
}

static void
dummy_hash_verifies_nothing_known(void **state)
{
	char	a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];

	assert_true(password_dummy_init());
	assert_true(password_dummy_init());	/* once: the same hash again */
	assert_true(password_dummy_hash(a));
	assert_true(password_dummy_hash(b));
	assert_string_equal(a, b);
	assert_memory_equal(a, "$argon2id$v=19$m=65536,t=2,p=1$", 31);
	assert_false(password_verify(a, "", 0));
	assert_false(password_verify(a, "password1234", 12));
}

static void
length_counts_characters_not_bytes(void **state)
{
	/* 11 characters, 22 bytes: still too short. */
	const char	*greek = "αβγδεζηθικλ";

	assert_non_null(password_problem("short", 5));
	assert_non_null(password_problem(greek, strlen(greek)));
	assert_null(password_problem("αβγδεζηθικλμ", strlen("αβγδεζηθικλμ")));
	assert_null(password_problem("a long passphrase", 17));
}

static void
common_and_repeated_are_refused(void **state)
{
	assert_true(password_common_load(list, sizeof(list) - 1));
	assert_true(password_is_common("password1234", 12));
	assert_true(password_is_common("PASSWORD1234", 12));
	assert_true(password_is_common("qwertyuiopas", 12));
	assert_false(password_is_common("comment", 7));
	assert_non_null(password_problem("Password1234", 12));
	assert_non_null(password_problem("aaaaaaaaaaaaaaaa", 16));
	assert_null(password_problem("tide-lantern-orbit", 18));
}

static void
oversized_is_refused(void **state)
{
	char	big[PASSWORD_MAX_BYTES + 2];

	memset(big, 'x', sizeof(big));
	big[0] = 'y';
	assert_non_null(password_problem(big, sizeof(big)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_then_verify),
		cmocka_unit_test(verify_refuses_foreign_hashes),
		cmocka_unit_test(dummy_hash_is_never_made_on_first_use),
		cmocka_unit_test(dummy_hash_verifies_nothing_known),
		cmocka_unit_test(length_counts_characters_not_bytes),
		cmocka_unit_test(common_and_repeated_are_refused),
		cmocka_unit_test(oversized_is_refused),
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests_name("password", tests, NULL, NULL));
}
