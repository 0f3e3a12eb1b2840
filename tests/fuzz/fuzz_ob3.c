/*
 * Open Badges credentials (src/ob3.c): any string as a learner's name,
 * a language and a credential's validFrom. A name that is UTF-8 comes
 * back intact from the signed credential; a validFrom ob3_sign accepts is
 * one it would have written itself.
 */

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fuzz.h"
#include "ob3.h"

static char	*priv, *pub;

static char *
pem_of(EVP_PKEY *key, int private)
{
	BIO	*bio;
	char	*data, *out;
	long	 n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		abort();
	if ((private ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL) : PEM_write_bio_PUBKEY(bio, key)) != 1)
		abort();
	n = BIO_get_mem_data(bio, &data);
	if ((out = strndup(data, (size_t)n)) == NULL)
		abort();
	BIO_free(bio);
	return (out);
}

static void
keys_once(void)
{
	EVP_PKEY	*key;

	if (priv != NULL)
		return;
	if ((key = EVP_RSA_gen(2048)) == NULL)
		abort();
	priv = pem_of(key, 1);
	pub = pem_of(key, 0);
	EVP_PKEY_free(key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ob3_input	 in;
	json_t			*c;
	jwt_t			*jwt;
	char			*s, *jws, *vc;
	json_t			*back;

	keys_once();
	s = fuzz_string(data, len);
	(void)ob3_language_ok(s);
	memset(&in, 0, sizeof(in));
	in.credential_id = "https://h.example/api/v1/verify/C";
	in.issuer_id = "https://h.example/api/v1/issuer";
	in.issuer_name = in.achievement_description = in.criteria = "x";
	in.achievement_id = "https://h.example/courses/c";
	in.achievement_name = "Course";
	in.recipient_email = "a@example.com";
	in.salt = "salt";
	in.language = s;
	in.name = s;
	in.issued_at = 1764633600;

	if ((c = ob3_credential(&in)) != NULL) {
		FUZZ_CHECK((jws = ob3_sign(c, "k", priv)) != NULL);
		FUZZ_CHECK(jwt_decode(&jwt, jws, (unsigned char *)pub,
		    (int)strlen(pub)) == 0);
		FUZZ_CHECK((vc = jwt_get_grants_json(jwt, "vc")) != NULL);
		FUZZ_CHECK((back = json_loads(vc, 0, NULL)) != NULL);
		FUZZ_CHECK(strcmp(json_string_value(json_object_get(
		    json_object_get(back, "credentialSubject"), "name")),
		    s) == 0);
		json_decref(back);
		free(vc);
		jwt_free(jwt);
		free(jws);

		/* validFrom: refused, or exactly what ob3 writes. */
		json_object_set_new(c, "validFrom", json_string(s));
		if ((jws = ob3_sign(c, "k", priv)) != NULL) {
			FUZZ_CHECK(strlen(s) == 20 && s[19] == 'Z');
			free(jws);
		}
		json_decref(c);
	} else if (s[0] != '\0') {
		/* Only a name that is not UTF-8 makes no credential. */
		FUZZ_CHECK((back = json_string(s)) == NULL);
	}
	free(s);
	return (0);
}
