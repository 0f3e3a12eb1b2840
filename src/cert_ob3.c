/*
 * Open Badges 3.0 on the server (docs/certificates.md): the signing keys
 * and the renderer, loaded in each worker at start-up; the public keys
 * (/.well-known/jwks.json) and the issuer's Profile (/api/v1/issuer),
 * both made once then; and a certificate's credential for those who may
 * see it (/api/v1/certificates/{id}/credential).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "handlers.h"
#include "cert_issue.h"
#include "cert_pdf.h"
#include "ob3.h"
#include "ob3_keys.h"
#include "validate.h"

#define OB3_CACHE	"public, max-age=300"

int	ob3_jwks_serve(struct http_request *);

static int	jwks_get(struct http_request *, struct api_req *);
static char	*ob3_text(json_t *);

static const struct api_route	jwks_route = {
	HTTP_METHOD_GET, CERT_JWKS_PATH, AUTH_PUBLIC, jwks_get
};

static struct {
	struct ob3_keys	 keys;
	char		*jwks;		/* the JWKS, compact JSON */
	char		 jwks_etag[80];
	char		*issuer;	/* the Profile, compact JSON */
	char		 issuer_etag[80];
} cert_ob3;

/*
 * Each worker, before it serves: the renderer's fonts and the keys.
 * Without either no certificate could be finished, so the worker does not
 * start. Pango itself starts on the first render, on a task thread
 * (cert_issue.c): its font map starts threads, which Kore's seccomp
 * tracer (the test conf) does not always resume, and a worker with such
 * a thread stopped never exits.
 */
int
certificates_init(void)
{
	char		 dir[512], *url, *issuer;
	json_t		*json;

	if (!cert_pdf_check()) {
		kore_log(LOG_ERR, "certificates: the PDF renderer could not "
		    "start (fontconfig, fonts-noto-core, fonts-dejavu-core)");
		return (0);
	}
	if (ob3_keys_dir(dir, sizeof(dir)) == NULL ||
	    asprintf(&url, "%s%s", app_config.public_origin,
	    CERT_JWKS_PATH) == -1)
		return (0);
	if (!ob3_keys_load(dir, url, &cert_ob3.keys)) {
		free(url);
		kore_log(LOG_ERR, "certificates: no Open Badges key pair in "
		    "%s (make keys)", dir);
		return (0);
	}
	free(url);
	cert_ob3.jwks = ob3_text(ob3_jwks((const char *const *)
	    cert_ob3.keys.kid, (const char *const *)cert_ob3.keys.pub,
	    cert_ob3.keys.n));
	if (asprintf(&issuer, "%s%s", app_config.public_origin,
	    CERT_ISSUER_PATH) == -1)
		return (0);
	json = ob3_issuer_profile(issuer, CERT_ISSUER_NAME,
	    app_config.public_origin);
	free(issuer);
	cert_ob3.issuer = ob3_text(json);
	if (cert_ob3.jwks == NULL || cert_ob3.issuer == NULL)
		return (0);
	etag_of(cert_ob3.jwks, strlen(cert_ob3.jwks), cert_ob3.jwks_etag,
	    sizeof(cert_ob3.jwks_etag));
	etag_of(cert_ob3.issuer, strlen(cert_ob3.issuer),
	    cert_ob3.issuer_etag, sizeof(cert_ob3.issuer_etag));
	return (1);
}

/* Signs with the newest key; callable from a task thread. */
char *
cert_ob3_sign(const json_t *credential)
{
	return (ob3_sign(credential, cert_ob3.keys.kid[cert_ob3.keys.signer],
	    cert_ob3.keys.signer_pem));
}

/* conf/routes.conf: outside /api/, where verifiers look for it. */
int
ob3_jwks_serve(struct http_request *req)
{
	if (!http_state_exists(req) && req->method != HTTP_METHOD_GET &&
	    req->method != HTTP_METHOD_HEAD) {
		if (!reply_headers_too_large(req))
			reply_error(req, 405, "method_not_allowed",
			    "This path does not take that method.", NULL);
		return (KORE_RESULT_OK);
	}
	return (api_serve(req, &jwks_route));
}

static int
jwks_get(struct http_request *req, struct api_req *ar)
{
	if (reply_cacheable(req, cert_ob3.jwks_etag, OB3_CACHE, 1))
		return (KORE_RESULT_OK);
	reply_json_text(req, 200, cert_ob3.jwks, strlen(cert_ob3.jwks));
	return (KORE_RESULT_OK);
}

int
issuer_get(struct http_request *req, struct api_req *ar)
{
	if (reply_cacheable(req, cert_ob3.issuer_etag, OB3_CACHE, 1))
		return (KORE_RESULT_OK);
	reply_json_text(req, 200, cert_ob3.issuer, strlen(cert_ob3.issuer));
	return (KORE_RESULT_OK);
}

int
certificate_credential(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];

	if (!valid_uuid(api_param(ar, 0))) {
		reply_error(req, 404, "certificate_not_found",
		    "No such certificate.", NULL);
		return (KORE_RESULT_OK);
	}
	params[0] = api_param(ar, 0);
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.certificate_credential($1, $2, $3)", 1, params, db_reply));
}

/* json as compact text, malloc'd; takes json's reference. */
static char *
ob3_text(json_t *json)
{
	char	*text;

	if (json == NULL)
		return (NULL);
	text = json_dumps(json, JSON_COMPACT);
	json_decref(json);
	return (text);
}
