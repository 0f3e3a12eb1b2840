/*
 * Unit tests for src/jwt_header.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "jwt_header.h"

/* "<base64url of json>.payload.sig" in buf. */
static const char *
token(char *buf, size_t len, const char *json)
{
	sodium_bin2base64(buf, len, (const unsigned char *)json, strlen(json),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	strncat(buf, ".e30.sig", len - strlen(buf) - 1);
	return (buf);
}

static void
hs256_with_kid(void **state)
{
	char	buf[2048], kid[32];

	assert_true(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"), kid,
	    sizeof(kid)));
	assert_string_equal(kid, "k1");
}

static void
other_algorithms_refused(void **state)
{
	char	buf[2048], kid[32];

	assert_false(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"alg\":\"none\",\"kid\":\"k1\"}"), kid, sizeof(kid)));
	assert_false(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"alg\":\"RS256\",\"kid\":\"k1\"}"), kid, sizeof(kid)));
	assert_false(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"alg\":\"hs256\",\"kid\":\"k1\"}"), kid, sizeof(kid)));
	assert_false(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"kid\":\"k1\"}"), kid, sizeof(kid)));
}

static void
bad_kid_refused(void **state)
{
	char	buf[2048], kid[8];

	assert_false(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"alg\":\"HS256\"}"), kid, sizeof(kid)));
	assert_false(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"alg\":\"HS256\",\"kid\":7}"), kid, sizeof(kid)));
	/* Eight bytes do not fit in eight with the NUL. */
	assert_false(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"alg\":\"HS256\",\"kid\":\"12345678\"}"), kid, sizeof(kid)));
	assert_true(jwt_header_kid(token(buf, sizeof(buf),
	    "{\"alg\":\"HS256\",\"kid\":\"1234567\"}"), kid, sizeof(kid)));
}

static void
malformed_headers_refused(void **state)
{
	char	buf[2048], kid[32], big[1024];

	assert_false(jwt_header_kid("", kid, sizeof(kid)));
	assert_false(jwt_header_kid("nodot", kid, sizeof(kid)));
	assert_false(jwt_header_kid(".e30.x", kid, sizeof(kid)));
	assert_false(jwt_header_kid("!!!.e30.x", kid, sizeof(kid)));
	assert_false(jwt_header_kid(token(buf, sizeof(buf), "[1]"), kid,
	    sizeof(kid)));
	assert_false(jwt_header_kid(token(buf, sizeof(buf), "{"), kid,
	    sizeof(kid)));
	/* A sound header over JWT_HEADER_MAX bytes: refused unread. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"alg\":\"HS256\",\"kid\":\"k\",\"pad\":\"", 32);
	memcpy(big + 600, "\"}", 3);
	assert_false(jwt_header_kid(token(buf, sizeof(buf), big), kid,
	    sizeof(kid)));
	memcpy(big + 400, "\"}", 3);
	assert_true(jwt_header_kid(token(buf, sizeof(buf), big), kid,
	    sizeof(kid)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hs256_with_kid),
		cmocka_unit_test(other_algorithms_refused),
		cmocka_unit_test(bad_kid_refused),
		cmocka_unit_test(malformed_headers_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
