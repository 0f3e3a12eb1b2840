/*
 * Certificates: the learner's list and PDF, the admins' list, revocation
 * and zip, and public verification by code (docs/certificates.md). The
 * certificate_issue job that makes them is in cert_issue.c, the Open
 * Badges routes in cert_ob3.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "platform.h"
#include "handlers.h"
#include "cert_code.h"
#include "session.h"
#include "validate.h"
#include "verifycache.h"

int	verify_page(struct http_request *);
void	page_shell_reply(struct http_request *, int);

#define CERT_REASON_MAX		500
#define CERT_ETAG_MAX		80
#define CERT_PDF_CACHE		"private, no-cache"
/*
 * The zip is made in memory, from PDFs the database sent in one result:
 * a course with more than this many certificates is refused (413) until
 * the zip streams (about 50 MB at ~25 kB a PDF).
 */
#define CERT_ZIP_MAX_FILES	2000

static int	certificate_pdf_send(struct http_request *, struct api_req *);
static int	certificate_zip_send(struct http_request *, struct api_req *);
static int	certificate_zip_build(struct api_req *, u_int8_t **, size_t *);
static int	verify_send(struct http_request *, struct api_req *);
static int	verify_lookup(struct http_request *, struct api_req *,
		    const char *, api_step);
static int	verify_cached(struct http_request *, const char *,
		    const char *, int);
static void	verify_remember(struct http_request *, struct api_req *);
static int	verify_page_start(struct http_request *, struct api_req *);
static int	verify_page_send(struct http_request *, struct api_req *);
static int	cert_etag_read(struct http_request *, char *, size_t);
static void	cert_not_found(struct http_request *);

int
my_certificates(struct http_request *req, struct api_req *ar)
{
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.my_certificates($1, $2)", 0, NULL, db_reply));
}

/*
 * The stored PDF, with its sha256 as a strong ETag. The client's tag goes
 * to the database, which then sends the tag alone when it is current.
 */
int
certificate_pdf(struct http_request *req, struct api_req *ar)
{
	const char	*params[2];
	char		etag[CERT_ETAG_MAX];

	if (!valid_uuid(api_param(ar, 0))) {
		cert_not_found(req);
		return (KORE_RESULT_OK);
	}
	params[0] = api_param(ar, 0);
	params[1] = cert_etag_read(req, etag, sizeof(etag)) ? etag : NULL;
	ar->binary = 1;
	return (db_call_session(req, ar, "SELECT pdf_sha, pdf FROM "
	    "api.certificate_pdf($1, $2, $3, $4)", 2, params,
	    certificate_pdf_send));
}

static int
certificate_pdf_send(struct http_request *req, struct api_req *ar)
{
	char		etag[CERT_ETAG_MAX];

	if (db_rows(ar) != 1) {
		cert_not_found(req);
		return (KORE_RESULT_OK);
	}
	(void)snprintf(etag, sizeof(etag), "\"%.*s\"",
	    PQgetlength(ar->result, 0, 0), db_value(ar, 0, 0));
	if (reply_cacheable(req, etag, CERT_PDF_CACHE, 0))
		return (KORE_RESULT_OK);
	if (db_isnull(ar, 0, 1)) {
		/* The database saw the client's tag current. */
		reply_encoded(req, 304, NULL, NULL, NULL, 0);
		return (KORE_RESULT_OK);
	}
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; sandbox");
	reply_encoded(req, 200, "application/pdf", NULL, db_value(ar, 0, 1),
	    PQgetlength(ar->result, 0, 1));
	return (KORE_RESULT_OK);
}

/*
 * Re-certification: a new round of the course once the certificate has
 * expired (api.enrollment_renew; 409 while it is valid).
 */
int
enrollment_renew(struct http_request *req, struct api_req *ar)
{
	return (api_course_call(req, ar, "SELECT status, body FROM "
	    "api.enrollment_renew($1, $2, $3)", 0, NULL));
}

int
admin_certificates_list(struct http_request *req, struct api_req *ar)
{
	const char	*params[4];
	char		course[96], q[128], status[16], page[16];
	int		rc, rq, rs;

	if (!query_page(req, page, sizeof(page)))
		return (KORE_RESULT_OK);
	if ((rc = query_arg(req, "course", course, sizeof(course))) == -1 ||
	    (rq = query_arg(req, "q", q, sizeof(q))) == -1 ||
	    (rs = query_arg(req, "status", status, sizeof(status))) == -1)
		return (KORE_RESULT_OK);
	if (rs == 1 && strcmp(status, "valid") && strcmp(status, "expired") &&
	    strcmp(status, "revoked")) {
		reply_error(req, 400, "invalid_query", "The status is one of "
		    "valid, expired, revoked.", "status");
		return (KORE_RESULT_OK);
	}
	params[0] = rc == 1 ? course : NULL;
	params[1] = rq == 1 ? q : NULL;
	params[2] = rs == 1 ? status : NULL;
	params[3] = page;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.admin_certificates($1, $2, $3, $4, $5, $6)", 4, params,
	    db_reply));
}

int
admin_certificate_revoke(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "reason", NULL };
	const char	*params[3], *reason;

	if (!valid_uuid(api_param(ar, 0))) {
		cert_not_found(req);
		return (KORE_RESULT_OK);
	}
	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields) ||
	    !body_string(req, ar->body, "reason", 1, 1, CERT_REASON_MAX,
	    &reason))
		return (KORE_RESULT_OK);
	params[0] = api_param(ar, 0);
	params[1] = reason;
	params[2] = ar->request_id;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.admin_certificate_revoke($1, $2, $3, $4, $5)", 3, params,
	    db_reply));
}

/* A course's stored PDFs in one zip, named by their codes. */
int
admin_course_certificates_zip(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];

	if (!valid_slug(api_param(ar, 0), 80)) {
		reply_error(req, 404, "course_not_found",
		    "No course has that address.", NULL);
		return (KORE_RESULT_OK);
	}
	params[0] = api_param(ar, 0);
	ar->binary = 1;
	return (db_call_session(req, ar, "SELECT code, pdf FROM "
	    "api.admin_course_certificate_pdfs($1, $2, $3)", 1, params,
	    certificate_zip_send));
}

static int
certificate_zip_send(struct http_request *req, struct api_req *ar)
{
	u_int8_t	*zip;
	size_t		len;

	if (db_rows(ar) > CERT_ZIP_MAX_FILES) {
		reply_error(req, 413, "too_many_certificates", "This course "
		    "has too many certificates for one zip.", NULL);
		return (KORE_RESULT_OK);
	}
	if (!certificate_zip_build(ar, &zip, &len)) {
		reply_error(req, 500, "internal_error",
		    "The zip could not be made.", NULL);
		return (KORE_RESULT_OK);
	}
	http_response_header(req, "content-disposition",
	    "attachment; filename=\"certificates.zip\"");
	http_response_header(req, "cache-control", "no-store");
	reply_encoded(req, 200, "application/zip", NULL, zip, len);
	kore_free(zip);
	return (KORE_RESULT_OK);
}

/*
 * Stores each PDF as it is (they are compressed already) in a zip made in
 * memory. libzip drops an archive without entries at zip_close: a course
 * without PDFs gets the empty zip, its end record alone.
 */
static int
certificate_zip_build(struct api_req *ar, u_int8_t **out, size_t *len)
{
	static const u_int8_t	empty[22] = { 'P', 'K', 5, 6 };
	zip_error_t		ze;
	zip_source_t		*src, *file;
	zip_t			*za;
	zip_int64_t		idx, size;
	char			name[CERT_CODE_LEN + 8];
	int			i, ok;

	*out = NULL;
	if (db_rows(ar) == 0) {
		*out = kore_malloc(sizeof(empty));
		memcpy(*out, empty, sizeof(empty));
		*len = sizeof(empty);
		return (1);
	}
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL)
		return (0);
	if ((za = zip_open_from_source(src, ZIP_TRUNCATE, &ze)) == NULL) {
		zip_source_free(src);
		return (0);
	}
	zip_source_keep(src);
	ok = 1;
	for (i = 0; ok && i < db_rows(ar); i++) {
		(void)snprintf(name, sizeof(name), "%.*s.pdf",
		    CERT_CODE_LEN, db_value(ar, i, 0));
		file = zip_source_buffer(za, db_value(ar, i, 1),
		    PQgetlength(ar->result, i, 1), 0);
		if (file == NULL || (idx = zip_file_add(za, name, file,
		    ZIP_FL_ENC_UTF_8)) < 0) {
			zip_source_free(file);
			ok = 0;
		} else if (zip_set_file_compression(za, idx, ZIP_CM_STORE,
		    0) == -1) {
			ok = 0;
		}
	}
	if (!ok || zip_close(za) == -1) {
		zip_discard(za);
		zip_source_free(src);
		return (0);
	}
	ok = 0;
	if (zip_source_open(src) == 0) {
		if (zip_source_seek(src, 0, SEEK_END) == 0 &&
		    (size = zip_source_tell(src)) > 0 &&
		    zip_source_seek(src, 0, SEEK_SET) == 0) {
			*out = kore_malloc((size_t)size);
			if (zip_source_read(src, *out, size) == size) {
				*len = (size_t)size;
				ok = 1;
			} else {
				kore_free(*out);
				*out = NULL;
			}
		}
		(void)zip_source_close(src);
	}
	zip_source_free(src);
	return (ok);
}

/*
 * Public verification. A code is read as people type it; one that is not
 * a code at all is looked up as "" (never found), so it costs the client
 * its budget as any unknown code does. Answers of known codes are kept in
 * the worker (verifycache.c): a hit costs no statement, unless the
 * database is throttling the address.
 */
int
verify_get(struct http_request *req, struct api_req *ar)
{
	return (verify_lookup(req, ar, api_param(ar, 0), verify_send));
}

/*
 * With the answer's time to live for the cache: a valid certificate's time
 * to its expiry in milliseconds (null when it has none, and for any other
 * answer), by the clock that decided the status. It counts from the moment
 * the statement was sent, before the database read its clock, so a kept
 * 'valid' ends no later than the expiry.
 */
static int
verify_lookup(struct http_request *req, struct api_req *ar, const char *typed,
    api_step next)
{
	const char	*params[2];
	char		code[CERT_CODE_LEN + 1], addr[64], key[48];

	(void)cert_code_normalise(typed, code, sizeof(code));
	session_client_addr(req, addr, sizeof(addr));
	if (verify_cached(req, addr, code, next == verify_page_send))
		return (KORE_RESULT_OK);
	session_key_hash("verify", addr, key, sizeof(key));
	(void)kore_strlcpy(ar->pubcache_key, code, sizeof(ar->pubcache_key));
	ar->pubcache_gen = pubcache_generation();
	ar->pubcache_sent = kore_time_ms();
	params[0] = code;
	params[1] = key;
	return (db_call(req, ar, "SELECT v.status, v.body, v.retry_after, "
	    "CASE WHEN v.status = 200 AND v.body::json->>'status' = 'valid' "
	    "THEN floor(extract(epoch FROM (v.body::json->>'expires_at')::"
	    "timestamptz - now()) * 1000)::bigint END "
	    "FROM api.verify($1, $2) v", 2, params, next));
}

/*
 * The page /verify/{code} (conf/routes.conf): the shell, which draws the
 * answer of the API, with the status of the lookup, so an unknown code is
 * a 404 to people, crawlers and link checkers too. The lookup costs what
 * the API's does: the page is no way around the budget.
 */
static const struct api_route	verify_page_route = {
	HTTP_METHOD_GET, "/verify/", AUTH_PUBLIC, verify_page_start
};

int
verify_page(struct http_request *req)
{
	if (!http_state_exists(req)) {
		if (reply_headers_too_large(req))
			return (KORE_RESULT_OK);
		if (req->method != HTTP_METHOD_GET &&
		    req->method != HTTP_METHOD_HEAD) {
			reply_error(req, 405, "method_not_allowed",
			    "Pages can only be read.", NULL);
			return (KORE_RESULT_OK);
		}
	}
	return (api_serve(req, &verify_page_route));
}

static int
verify_page_start(struct http_request *req, struct api_req *ar)
{
	return (verify_lookup(req, ar, req->path + strlen("/verify/"),
	    verify_page_send));
}

static int
verify_page_send(struct http_request *req, struct api_req *ar)
{
	int	status;

	verify_remember(req, ar);
	status = db_rows(ar) == 1 ? atoi(db_value(ar, 0, 0)) : 500;
	if (status == 429)
		http_response_header(req, "retry-after", db_value(ar, 0, 2));
	page_shell_reply(req, status);
	return (KORE_RESULT_OK);
}

static int
verify_send(struct http_request *req, struct api_req *ar)
{
	verify_remember(req, ar);
	if (db_rows(ar) == 1 && atoi(db_value(ar, 0, 2)) > 0) {
		http_response_header(req, "retry-after", db_value(ar, 0, 2));
		reply_error(req, 429, "too_many_attempts", "Too many unknown "
		    "codes from your address: wait, then try again.", NULL);
		return (KORE_RESULT_OK);
	}
	return (db_reply(req, ar));
}

/*
 * Answers from the worker's cache when it may: the code's answer is kept
 * and the database is not throttling the client's address (then the
 * database answers, 429 as before). The page gets the status alone. The
 * blocks are kept by address, so a hit hashes nothing but the code.
 */
static int
verify_cached(struct http_request *req, const char *addr, const char *code,
    int page)
{
	const char	*body;
	size_t		len;
	u_int64_t	now;

	now = kore_time_ms();
	if (verifycache_blocked(addr, now) ||
	    !verifycache_get(code, now, &body, &len))
		return (0);
	if (page)
		page_shell_reply(req, 200);
	else
		reply_json_text(req, 200, body, len);
	return (1);
}

/*
 * Keeps a known code's answer, and whether the database throttles the
 * client.
 */
static void
verify_remember(struct http_request *req, struct api_req *ar)
{
	char		addr[64];
	int		status;
	int64_t		life;

	if (db_rows(ar) != 1 || db_isnull(ar, 0, 0))
		return;
	status = atoi(db_value(ar, 0, 0));
	session_client_addr(req, addr, sizeof(addr));
	if (status == 429) {
		verifycache_block(addr, kore_time_ms() +
		    (u_int64_t)atoi(db_value(ar, 0, 2)) * 1000);
		return;
	}
	/* The database lets the address through again (its wait ran out,
	 * or an operator cleared it). */
	verifycache_unblock(addr);
	if (status != 200 || db_isnull(ar, 0, 1))
		return;
	life = db_isnull(ar, 0, 3) ? -1 : strtoll(db_value(ar, 0, 3), NULL, 10);
	verifycache_put(ar->pubcache_key, ar->pubcache_gen, ar->pubcache_sent,
	    life, db_value(ar, 0, 1), strlen(db_value(ar, 0, 1)));
}

/* The sha256 of an If-None-Match of one strong tag, or 0. */
static int
cert_etag_read(struct http_request *req, char *out, size_t len)
{
	const char	*inm;
	size_t		n, i;

	if (!http_request_header(req, "if-none-match", &inm))
		return (0);
	n = strlen(inm);
	if (n != 66 || inm[0] != '"' || inm[65] != '"' || len < 65)
		return (0);
	for (i = 1; i < 65; i++) {
		if (!((inm[i] >= '0' && inm[i] <= '9') ||
		    (inm[i] >= 'a' && inm[i] <= 'f')))
			return (0);
	}
	memcpy(out, inm + 1, 64);
	out[64] = '\0';
	return (1);
}

static void
cert_not_found(struct http_request *req)
{
	reply_error(req, 404, "certificate_not_found", "No such certificate.",
	    NULL);
}
