/*
 * Open Badges 3.0: a certificate as an OpenBadgeCredential, signed as a
 * VC-JWT (RS256). Pure: no Kore, no libpq; the certificates code, the
 * unit tests and build/ob3tool call it alike. See docs/certificates.md.
 */

#ifndef __H_OB3_H
#define __H_OB3_H

#include <stddef.h>

#include <jansson.h>

/* The contexts and schema the credential names (OB 3.0, context 3.0.3). */
#define OB3_CONTEXT_VC		"https://www.w3.org/ns/credentials/v2"
#define OB3_CONTEXT_OB		\
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#define OB3_SCHEMA_URL		"https://purl.imsglobal.org/spec/ob/v3p0/" \
	"schema/json/ob_v3p0_achievementcredential_schema.json"

struct ob3_input {
	const char	*credential_id;	/* URL of the credential, e.g. https://host/api/v1/verify/CODE */
	const char	*issuer_id;	/* URL of the issuer profile, e.g. https://host/api/v1/issuer */
	const char	*issuer_name;
	const char	*achievement_id;	/* URL, e.g. https://host/courses/SLUG */
	const char	*achievement_name;	/* course title */
	const char	*achievement_description;
	const char	*criteria;	/* narrative */
	const char	*language;	/* BCP 47 */
	const char	*recipient_email;	/* hashed with the salt, never stored in the credential in clear */
	const char	*salt;		/* per-credential random salt */
	const char	*name;		/* the learner's name as on the certificate */
	long long	issued_at;	/* unix seconds */
	long long	expires_at;	/* 0 when it does not expire */
};

json_t	*ob3_credential(const struct ob3_input *);
char	*ob3_sign(const json_t *, const char *, const char *);
json_t	*ob3_jwks(const char *const *, const char *const *, size_t);
json_t	*ob3_issuer_profile(const char *, const char *, const char *);

/* Helpers the functions above use, public for the unit tests. */
int	ob3_identity_hash(const char *, const char *, char *, size_t);
int	ob3_datetime(long long, char *, size_t);
int	ob3_language_ok(const char *);

#endif
