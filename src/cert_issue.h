/*
 * What the certificate job (cert_issue.c) and the Open Badges routes
 * (cert_ob3.c) share: the issuer, and the keys loaded in each worker.
 */

#ifndef __H_CERT_ISSUE_H
#define __H_CERT_ISSUE_H

#include <jansson.h>

/* As certificates.issuer_name() and /api/v1/meta say it. */
#define CERT_ISSUER_NAME	"Safeguard Learn"
/* The issuer's Profile, the credentials' issuer.id (after the origin). */
#define CERT_ISSUER_PATH	"/api/v1/issuer"
#define CERT_JWKS_PATH		"/.well-known/jwks.json"

int	certificates_init(void);
char	*cert_ob3_sign(const json_t *);

#endif
