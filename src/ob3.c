/*
 * Open Badges 3.0 credentials (https://www.imsglobal.org/spec/ob/v3p0/):
 * the OpenBadgeCredential of a certificate, its VC-JWT ("JSON Web Token
 * Proof Format", RS256), the JWKS that verifies it and the issuer profile
 * it points to. Pure: no Kore, no libpq. docs/certificates.md says which
 * parts of the data model are covered.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ob3.h"

/* Smallest RSA modulus signed with or published (1EdTech SEC-11, 6.1). */
#define OB3_RSA_MIN_BITS	2048
/* Longest base64url of an RSA modulus published (16384 bits). */
#define OB3_B64_MAX		2800

static json_t	*ob3_subject(const struct ob3_input *);
static json_t	*ob3_achievement(const struct ob3_input *);
static json_t	*ob3_identity(const char *, const char *);
static json_t	*ob3_claims(const json_t *);
static int	 ob3_time_of(const json_t *, const char *, long long *);
static int	 ob3_b64url_bn(const BIGNUM *, char *, size_t);
static json_t	*ob3_jwk(const char *, const char *);
static int	 ob3_input_ok(const struct ob3_input *);

/*
 * The unsigned credential. Every string of the input is required but
 * the language (left out when it is not a BCP 47 code the schema's
 * pattern accepts); NULL when one is missing or a time is out of range.
 */
json_t *
ob3_credential(const struct ob3_input *in)
{
	json_t		*c, *subject;
	char		 from[32], until[32];

	if (!ob3_input_ok(in) || !ob3_datetime(in->issued_at, from,
	    sizeof(from)))
		return (NULL);
	if (in->expires_at != 0 && (in->expires_at <= in->issued_at ||
	    !ob3_datetime(in->expires_at, until, sizeof(until))))
		return (NULL);
	if ((subject = ob3_subject(in)) == NULL)
		return (NULL);

	c = json_pack("{s:[s,s], s:s, s:[s,s], s:s, s:{s:s, s:[s], s:s},"
	    " s:s, s:s, s:o, s:[{s:s, s:s}]}",
	    "@context", OB3_CONTEXT_VC, OB3_CONTEXT_OB,
	    "id", in->credential_id,
	    "type", "VerifiableCredential", "OpenBadgeCredential",
	    "name", in->achievement_name,
	    "issuer", "id", in->issuer_id, "type", "Profile",
	    "name", in->issuer_name,
	    "validFrom", from,
	    "awardedDate", from,
	    "credentialSubject", subject,
	    "credentialSchema", "id", OB3_SCHEMA_URL,
	    "type", "1EdTechJsonSchemaValidator2019");
	if (c != NULL && in->expires_at != 0 &&
	    json_object_set_new(c, "validUntil", json_string(until)) != 0) {
		json_decref(c);
		return (NULL);
	}
	return (c);
}

static int
ob3_input_ok(const struct ob3_input *in)
{
	const char	*s[] = { in->credential_id, in->issuer_id,
			    in->issuer_name, in->achievement_id,
			    in->achievement_name, in->achievement_description,
			    in->criteria, in->recipient_email, in->salt,
			    in->name };
	size_t		 i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (s[i] == NULL || s[i][0] == '\0')
			return (0);
	}
	return (in->issued_at > 0);
}

/*
 * The learner: no email in clear, a salted hash of it (IdentityObject),
 * and an id the JWT's sub claim can name. The spec wants sub; a URI made
 * from the credential's own id names the subject without linking two
 * credentials of one person.
 */
static json_t *
ob3_subject(const struct ob3_input *in)
{
	json_t		*subject, *achievement, *identity;
	char		*id;

	if ((achievement = ob3_achievement(in)) == NULL)
		return (NULL);
	if ((identity = ob3_identity(in->recipient_email, in->salt)) == NULL) {
		json_decref(achievement);
		return (NULL);
	}
	if (asprintf(&id, "%s#recipient", in->credential_id) == -1) {
		json_decref(achievement);
		json_decref(identity);
		return (NULL);
	}
	subject = json_pack("{s:s, s:[s], s:s, s:[o], s:o}",
	    "id", id, "type", "AchievementSubject", "name", in->name,
	    "identifier", identity, "achievement", achievement);
	free(id);
	return (subject);
}

static json_t *
ob3_achievement(const struct ob3_input *in)
{
	json_t		*a;

	a = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:{s:s}}",
	    "id", in->achievement_id, "type", "Achievement",
	    "achievementType", "Certificate",
	    "name", in->achievement_name,
	    "description", in->achievement_description,
	    "criteria", "narrative", in->criteria);
	if (a != NULL && in->language != NULL && ob3_language_ok(in->language) &&
	    json_object_set_new(a, "inLanguage", json_string(in->language))) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

static json_t *
ob3_identity(const char *email, const char *salt)
{
	char	hash[80];

	if (!ob3_identity_hash(email, salt, hash, sizeof(hash)))
		return (NULL);
	return (json_pack("{s:s, s:b, s:s, s:s, s:s}",
	    "type", "IdentityObject", "hashed", 1, "identityHash", hash,
	    "identityType", "emailAddress", "salt", salt));
}

/*
 * "sha256$" and the lowercase hex SHA-256 of the UTF-8 identifier with
 * the salt appended, as the spec's IdentityHash says.
 */
int
ob3_identity_hash(const char *id, const char *salt, char *out, size_t len)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 md[32];
	unsigned int	 mdlen;
	size_t		 i;
	int		 ok;

	if (len < 7 + 64 + 1 || (ctx = EVP_MD_CTX_new()) == NULL)
		return (0);
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, id, strlen(id)) == 1 &&
	    EVP_DigestUpdate(ctx, salt, strlen(salt)) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == sizeof(md);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (0);
	memcpy(out, "sha256$", 7);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 7 + i * 2, 3, "%02x", md[i]);
	return (1);
}

/* A DateTimeZ in UTC, "2026-12-01T23:57:15Z". */
int
ob3_datetime(long long t, char *out, size_t len)
{
	struct tm	tm;
	time_t		tt;

	/* Years 1970 to 9999: four digits, as the format wants. */
	if (t < 0 || t > 253402300799LL)
		return (0);
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL)
		return (0);
	return (strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20);
}

/*
 * The schema's pattern for inLanguage:
 * ^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$
 */
int
ob3_language_ok(const char *s)
{
	size_t	n;

	for (n = 0; islower((unsigned char)s[n]) && s[n] < 0x7f; n++)
		;
	if (n < 2 || n > 4)
		return (0);
	s += n;
	if (s[0] == '-' && isupper((unsigned char)s[1]) &&
	    islower((unsigned char)s[2]) && islower((unsigned char)s[3]) &&
	    islower((unsigned char)s[4])) {
		s += 5;
	}
	if (s[0] == '\0')
		return (1);
	if (s[0] != '-')
		return (0);
	if (isupper((unsigned char)s[1]) && isupper((unsigned char)s[2]) &&
	    s[3] == '\0')
		return (1);
	return (isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
	    isdigit((unsigned char)s[3]) && s[4] == '\0');
}

/*
 * The compact JWS of a credential (malloc'd), or NULL. The header is
 * alg RS256, typ JWT and kid, a URI resolving to the key in the JWKS.
 * The payload is the credential itself with the JWT claims iss, jti,
 * nbf, sub and exp mapped from it (OB 3.0, "JWT Payload Format"), and
 * the credential again in the vc claim, where verifiers following the
 * VC Data Model 1.1's JWT encoding look for it (the spec's note there).
 */
char *
ob3_sign(const json_t *credential, const char *kid, const char *pem)
{
	jwt_t		*jwt;
	json_t		*claims;
	char		*body, *out;
	BIO		*bio;
	EVP_PKEY	*key;
	int		 ok;

	if (kid == NULL || kid[0] == '\0' || pem == NULL)
		return (NULL);
	/* libjwt would take any key; refuse a short or non-RSA one here. */
	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return (NULL);
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ok = key != NULL && EVP_PKEY_is_a(key, "RSA") &&
	    EVP_PKEY_get_bits(key) >= OB3_RSA_MIN_BITS;
	EVP_PKEY_free(key);
	if (!ok || (claims = ob3_claims(credential)) == NULL)
		return (NULL);
	body = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	if (body == NULL)
		return (NULL);

	out = NULL;
	if (jwt_new(&jwt) == 0) {
		if (jwt_add_grants_json(jwt, body) == 0 &&
		    jwt_add_header(jwt, "kid", kid) == 0 &&
		    jwt_add_header(jwt, "typ", "JWT") == 0 &&
		    jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)pem,
		    (int)strlen(pem)) == 0)
			out = jwt_encode_str(jwt);
		jwt_free(jwt);
	}
	free(body);
	return (out);
}

/* The JWT payload: the credential, its claims and the vc claim. */
static json_t *
ob3_claims(const json_t *c)
{
	json_t		*p, *subject;
	const char	*id, *iss, *sub;
	long long	 nbf, exp;

	if (!json_is_object(c))
		return (NULL);
	id = json_string_value(json_object_get(c, "id"));
	iss = json_string_value(json_object_get(json_object_get(c, "issuer"),
	    "id"));
	subject = json_object_get(c, "credentialSubject");
	sub = json_string_value(json_object_get(subject, "id"));
	if (id == NULL || iss == NULL || sub == NULL ||
	    !ob3_time_of(c, "validFrom", &nbf))
		return (NULL);
	exp = 0;
	if (json_object_get(c, "validUntil") != NULL &&
	    !ob3_time_of(c, "validUntil", &exp))
		return (NULL);

	if ((p = json_deep_copy(c)) == NULL)
		return (NULL);
	if (json_object_set_new(p, "iss", json_string(iss)) != 0 ||
	    json_object_set_new(p, "jti", json_string(id)) != 0 ||
	    json_object_set_new(p, "sub", json_string(sub)) != 0 ||
	    json_object_set_new(p, "nbf", json_integer(nbf)) != 0 ||
	    (exp != 0 && json_object_set_new(p, "exp",
	    json_integer(exp)) != 0) ||
	    json_object_set_new(p, "vc", json_deep_copy(c)) != 0) {
		json_decref(p);
		return (NULL);
	}
	return (p);
}

/* A "YYYY-MM-DDThh:mm:ssZ" member as unix seconds (what we write). */
static int
ob3_time_of(const json_t *c, const char *member, long long *t)
{
	const char	*s;
	struct tm	 tm;
	char		 back[32];
	int		 n;

	if ((s = json_string_value(json_object_get(c, member))) == NULL)
		return (0);
	memset(&tm, 0, sizeof(tm));
	n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    s[n] != '\0')
		return (0);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = (long long)timegm(&tm);
	/* Round trip: refuses 2026-02-31 and the like. */
	return (ob3_datetime(*t, back, sizeof(back)) && strcmp(back, s) == 0);
}

/*
 * {"keys": [...]}: one RSA JWK a public key (PEM, SubjectPublicKeyInfo),
 * named by its kid, never with a private member. NULL when a key is not
 * an RSA public key of at least 2048 bits.
 */
json_t *
ob3_jwks(const char *const *kids, const char *const *pems, size_t n)
{
	json_t		*keys, *jwk;
	size_t		 i;

	if ((keys = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < n; i++) {
		if ((jwk = ob3_jwk(kids[i], pems[i])) == NULL ||
		    json_array_append_new(keys, jwk) != 0) {
			json_decref(keys);
			return (NULL);
		}
	}
	return (json_pack("{s:o}", "keys", keys));
}

static json_t *
ob3_jwk(const char *kid, const char *pem)
{
	BIO		*bio;
	EVP_PKEY	*key;
	BIGNUM		*bn_n, *bn_e;
	json_t		*jwk;
	char		 n[OB3_B64_MAX], e[32];

	if (kid == NULL || kid[0] == '\0' || pem == NULL ||
	    (bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return (NULL);
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	jwk = NULL;
	bn_n = bn_e = NULL;
	if (key != NULL && EVP_PKEY_is_a(key, "RSA") &&
	    EVP_PKEY_get_bits(key) >= OB3_RSA_MIN_BITS &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn_n) == 1 &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &bn_e) == 1 &&
	    ob3_b64url_bn(bn_n, n, sizeof(n)) &&
	    ob3_b64url_bn(bn_e, e, sizeof(e)))
		jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "RSA",
		    "use", "sig", "alg", "RS256", "kid", kid, "n", n, "e", e);
	BN_free(bn_n);
	BN_free(bn_e);
	EVP_PKEY_free(key);
	return (jwk);
}

/* A JWK integer: big-endian, no leading zero, base64url, no padding. */
static int
ob3_b64url_bn(const BIGNUM *bn, char *out, size_t len)
{
	unsigned char	 bin[2048];
	int		 nbin, nout, i;

	if ((nbin = BN_num_bytes(bn)) <= 0 || (size_t)nbin > sizeof(bin) ||
	    ((size_t)nbin + 2) / 3 * 4 + 1 > len)
		return (0);
	BN_bn2bin(bn, bin);
	nout = EVP_EncodeBlock((unsigned char *)out, bin, nbin);
	while (nout > 0 && out[nout - 1] == '=')
		nout--;
	out[nout] = '\0';
	for (i = 0; i < nout; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return (1);
}

/* The issuer's Profile, the document the credential's issuer.id serves. */
json_t *
ob3_issuer_profile(const char *issuer_id, const char *name, const char *url)
{
	if (issuer_id == NULL || name == NULL || url == NULL)
		return (NULL);
	return (json_pack("{s:[s,s], s:s, s:[s], s:s, s:s}",
	    "@context", OB3_CONTEXT_VC, OB3_CONTEXT_OB,
	    "id", issuer_id, "type", "Profile", "name", name, "url", url));
}
