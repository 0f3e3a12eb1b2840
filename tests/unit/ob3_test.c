/*
 * Unit tests for src/ob3.c: the pure helpers, the credential's shape and
 * a sign-then-verify round trip with a key made here (libjwt verifies).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ob3.h"

static struct ob3_input	input = {
	.credential_id = "https://h.example/api/v1/verify/ABCD-EFGH",
	.issuer_id = "https://h.example/api/v1/issuer",
	.issuer_name = "Safeguard Learn",
	.achievement_id = "https://h.example/courses/c1",
	.achievement_name = "Course one",
	.achievement_description = "About course one.",
	.criteria = "Completed every lesson.",
	.language = "en",
	.recipient_email = "a@example.com",
	.salt = "Kosher",
	.name = "Ελένη",
	.issued_at = 1764633600,	/* 2025-12-02T00:00:00Z */
	.expires_at = 0,
};

/* A PEM of a fresh RSA key, private or public (malloc'd). */
static char *
pem_of(EVP_PKEY *key, int private)
{
	BIO	*bio;
	char	*data, *out;
	long	 n;

	assert_non_null(bio = BIO_new(BIO_s_mem()));
	if (private)
		assert_int_equal(PEM_write_bio_PrivateKey(bio, key, NULL, NULL,
		    0, NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
	n = BIO_get_mem_data(bio, &data);
	assert_non_null(out = strndup(data, (size_t)n));
	BIO_free(bio);
	return (out);
}

static void
identity_hash_matches_the_spec_example(void **state)
{
	char	out[80];

	assert_true(ob3_identity_hash("a@example.com", "Kosher", out,
	    sizeof(out)));
	assert_string_equal(out, "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1"
	    "eac4baecc2c0b913aee2c922ef399");
	assert_false(ob3_identity_hash("a@example.com", "Kosher", out, 71));
}

static void
datetime_is_utc_with_z(void **state)
{
	char	out[32];

	assert_true(ob3_datetime(0, out, sizeof(out)));
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_true(ob3_datetime(1764633600, out, sizeof(out)));
	assert_string_equal(out, "2025-12-02T00:00:00Z");
	assert_false(ob3_datetime(-1, out, sizeof(out)));
	assert_false(ob3_datetime(253402300800LL, out, sizeof(out)));
	assert_false(ob3_datetime(0, out, 20));
}

static void
language_follows_the_schema_pattern(void **state)
{
	const char	*good[] = { "en", "es", "ast", "en-GB", "es-419",
			    "zh-Hant", "zh-Hant-TW" };
	const char	*bad[] = { "", "e", "EN", "en_GB", "en-gb", "abcde",
			    "zh-hant", "en-GBR", "es-41", "en-", "é" };
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ob3_language_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ob3_language_ok(bad[i]));
}

static void
credential_needs_every_field(void **state)
{
	struct ob3_input	in;
	json_t			*c;

	in = input;
	in.salt = NULL;
	assert_null(ob3_credential(&in));
	in = input;
	in.name = "";
	assert_null(ob3_credential(&in));
	in = input;
	in.expires_at = in.issued_at;
	assert_null(ob3_credential(&in));
	in = input;
	in.language = NULL;
	assert_non_null(c = ob3_credential(&in));
	assert_null(json_object_get(json_object_get(json_object_get(c,
	    "credentialSubject"), "achievement"), "inLanguage"));
	json_decref(c);
}

static void
credential_has_the_required_members(void **state)
{
	json_t		*c, *s;
	struct ob3_input in;

	in = input;
	in.expires_at = in.issued_at + 86400;
	assert_non_null(c = ob3_credential(&in));
	assert_string_equal(json_string_value(json_array_get(json_object_get(c,
	    "@context"), 1)), OB3_CONTEXT_OB);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c,
	    "type"), 1)), "OpenBadgeCredential");
	assert_string_equal(json_string_value(json_object_get(c, "validFrom")),
	    "2025-12-02T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(c,
	    "validUntil")), "2025-12-03T00:00:00Z");
	s = json_object_get(c, "credentialSubject");
	assert_string_equal(json_string_value(json_object_get(s, "name")),
	    "Ελένη");
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(s, "identifier"), 0), "hashed")));
	json_decref(c);
}

static void
signed_credential_verifies_and_maps_claims(void **state)
{
	EVP_PKEY	*key;
	json_t		*c, *jwks;
	jwt_t		*jwt;
	char		*priv, *pub, *jws;
	const char	*kids[] = { "https://h.example/jwks#k1" };
	const char	*pubs[1];
	struct ob3_input in;

	assert_non_null(key = EVP_RSA_gen(2048));
	priv = pem_of(key, 1);
	pub = pem_of(key, 0);
	in = input;
	in.expires_at = in.issued_at + 86400;
	assert_non_null(c = ob3_credential(&in));
	assert_null(ob3_sign(c, "", priv));
	assert_null(ob3_sign(c, kids[0], pub));
	assert_non_null(jws = ob3_sign(c, kids[0], priv));

	assert_int_equal(jwt_decode(&jwt, jws, (unsigned char *)pub,
	    (int)strlen(pub)), 0);
	assert_int_equal(jwt_get_alg(jwt), JWT_ALG_RS256);
	assert_string_equal(jwt_get_header(jwt, "kid"), kids[0]);
	assert_string_equal(jwt_get_grant(jwt, "iss"), input.issuer_id);
	assert_string_equal(jwt_get_grant(jwt, "jti"), input.credential_id);
	assert_int_equal(jwt_get_grant_int(jwt, "nbf"), in.issued_at);
	assert_int_equal(jwt_get_grant_int(jwt, "exp"), in.expires_at);
	jwt_free(jwt);
	/* One changed byte in the signature: refused. */
	jws[strlen(jws) - 2] = jws[strlen(jws) - 2] == 'A' ? 'B' : 'A';
	assert_int_not_equal(jwt_decode(&jwt, jws, (unsigned char *)pub,
	    (int)strlen(pub)), 0);

	pubs[0] = pub;
	assert_non_null(jwks = ob3_jwks(kids, pubs, 1));
	assert_int_equal(json_array_size(json_object_get(jwks, "keys")), 1);
	assert_null(json_object_get(json_array_get(json_object_get(jwks,
	    "keys"), 0), "d"));
	json_decref(jwks);
	pubs[0] = priv;
	assert_null(ob3_jwks(kids, pubs, 1));

	free(jws);
	free(priv);
	free(pub);
	json_decref(c);
	EVP_PKEY_free(key);
}

static void
sign_refuses_a_credential_without_its_claims(void **state)
{
	EVP_PKEY	*key;
	json_t		*c;
	char		*priv;

	assert_non_null(key = EVP_RSA_gen(2048));
	priv = pem_of(key, 1);
	assert_non_null(c = ob3_credential(&input));
	json_object_set_new(c, "validFrom", json_string("2025-02-31T00:00:00Z"));
	assert_null(ob3_sign(c, "k", priv));
	json_object_set_new(c, "validFrom", json_string("2025-02-01T00:00:00Z"));
	json_object_del(json_object_get(c, "credentialSubject"), "id");
	assert_null(ob3_sign(c, "k", priv));
	json_decref(c);
	free(priv);
	EVP_PKEY_free(key);
}

static void
issuer_profile(void **state)
{
	json_t	*p;

	assert_null(ob3_issuer_profile("https://h/i", NULL, "https://h/"));
	assert_non_null(p = ob3_issuer_profile("https://h/i", "S", "https://h/"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(p,
	    "type"), 0)), "Profile");
	json_decref(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_hash_matches_the_spec_example),
		cmocka_unit_test(datetime_is_utc_with_z),
		cmocka_unit_test(language_follows_the_schema_pattern),
		cmocka_unit_test(credential_needs_every_field),
		cmocka_unit_test(credential_has_the_required_members),
		cmocka_unit_test(signed_credential_verifies_and_maps_claims),
		cmocka_unit_test(sign_refuses_a_credential_without_its_claims),
		cmocka_unit_test(issuer_profile),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
