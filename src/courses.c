/*
 * The catalog, course outlines and media: what anyone may read.
 *
 * Outlines are stored ready to send (content.outline_refresh builds them
 * when a course changes), so a read is one primary-key lookup; entity tags
 * let a returning reader get a 304 instead of the body. Media are
 * addressed by their sha256 and never change: cached for a year, served
 * in ranges for video players and resumable downloads.
 */

#include <stdio.h>
#include <stdlib.h>

#include "platform.h"
#include "handlers.h"
#include "validate.h"

#define CATALOG_CACHE	"public, max-age=30"
#define OUTLINE_CACHE	"no-cache"
#define MEDIA_CACHE	"public, max-age=31536000, immutable"

static int	catalog_reply(struct http_request *, struct api_req *);
static int	outline_reply(struct http_request *, struct api_req *);
static int	media_reply(struct http_request *, struct api_req *);
static int	media_range(struct http_request *, size_t, size_t *, size_t *);

int
catalog_list(struct http_request *req, struct api_req *ar)
{
	const char	*params[4];
	char		lang[40], audience[40], q[256], page[16];

	params[0] = params[1] = params[2] = NULL;
	if (query_arg(req, "lang", lang, sizeof(lang)) && *lang != '\0') {
		if (!valid_language(lang)) {
			reply_error(req, 400, "invalid_language",
			    "lang must be a language tag such as en or es.",
			    "lang");
			return (KORE_RESULT_OK);
		}
		params[0] = lang;
	}
	if (query_arg(req, "audience", audience, sizeof(audience)) &&
	    *audience != '\0') {
		if (!valid_profession(audience)) {
			reply_error(req, 400, "invalid_audience",
			    "audience must be one of the professions.",
			    "audience");
			return (KORE_RESULT_OK);
		}
		params[1] = audience;
	}
	if (query_arg(req, "q", q, sizeof(q)) && *q != '\0')
		params[2] = q;
	if (!query_page(req, page, sizeof(page)))
		return (KORE_RESULT_OK);
	params[3] = page;

	return (db_call(req, ar, "SELECT status, body FROM api.catalog("
	    "$1, $2, $3, $4)", 4, params, catalog_reply));
}

static int
catalog_reply(struct http_request *req, struct api_req *ar)
{
	const char	*body;
	char		etag[40];

	body = db_value(ar, 0, 1);
	etag_of(body, strlen(body), etag, sizeof(etag));
	if (reply_cacheable(req, etag, CATALOG_CACHE))
		return (KORE_RESULT_OK);
	reply_json_text(req, 200, body, strlen(body));
	return (KORE_RESULT_OK);
}

int
course_get(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];

	if (!valid_slug(api_param(ar, 0), 80)) {
		reply_error(req, 404, "course_not_found",
		    "No course has that address.", NULL);
		return (KORE_RESULT_OK);
	}
	params[0] = api_param(ar, 0);
	return (db_call(req, ar, "SELECT status, body, etag FROM "
	    "api.course_outline($1)", 1, params, outline_reply));
}

static int
outline_reply(struct http_request *req, struct api_req *ar)
{
	const char	*body;

	/* Drafts and archived courses are invisible here. */
	if (db_rows(ar) != 1 || db_isnull(ar, 0, 1)) {
		reply_error(req, 404, "course_not_found",
		    "No course has that address.", NULL);
		return (KORE_RESULT_OK);
	}
	if (reply_cacheable(req, db_value(ar, 0, 2), OUTLINE_CACHE))
		return (KORE_RESULT_OK);
	body = db_value(ar, 0, 1);
	reply_json_text(req, 200, body, strlen(body));
	return (KORE_RESULT_OK);
}

int
media_get(struct http_request *req, struct api_req *ar)
{
	const char	*sha, *params[1];
	char		etag[80];
	size_t		i;

	sha = api_param(ar, 0);
	for (i = 0; sha[i] != '\0'; i++) {
		if (!((sha[i] >= '0' && sha[i] <= '9') ||
		    (sha[i] >= 'a' && sha[i] <= 'f')))
			break;
	}
	if (i != 64 || sha[i] != '\0') {
		reply_error(req, 404, "media_not_found", "No such file.", NULL);
		return (KORE_RESULT_OK);
	}

	/* The address is the content's hash: a match needs no database. */
	(void)snprintf(etag, sizeof(etag), "\"%s\"", sha);
	if (reply_cacheable(req, etag, MEDIA_CACHE))
		return (KORE_RESULT_OK);

	params[0] = sha;
	ar->binary = 1;
	return (db_call(req, ar, "SELECT content_type, bytes FROM "
	    "api.media_get($1)", 1, params, media_reply));
}

static int
media_reply(struct http_request *req, struct api_req *ar)
{
	const char	*ctype, *bytes;
	size_t		len, start, end;
	char		range[96];
	int		r;

	if (db_rows(ar) != 1) {
		reply_error(req, 404, "media_not_found", "No such file.", NULL);
		return (KORE_RESULT_OK);
	}
	ctype = db_value(ar, 0, 0);
	bytes = db_value(ar, 0, 1);
	len = PQgetlength(ar->result, 0, 1);

	http_response_header(req, "accept-ranges", "bytes");
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; sandbox");
	if (strcmp(ctype, "application/pdf") && strncmp(ctype, "image/", 6))
		http_response_header(req, "content-disposition", "attachment");

	if ((r = media_range(req, len, &start, &end)) == -1) {
		(void)snprintf(range, sizeof(range), "bytes */%zu", len);
		http_response_header(req, "content-range", range);
		reply_encoded(req, 416, NULL, NULL, NULL, 0);
		return (KORE_RESULT_OK);
	}
	if (r == 1) {
		(void)snprintf(range, sizeof(range), "bytes %zu-%zu/%zu",
		    start, end, len);
		http_response_header(req, "content-range", range);
		reply_encoded(req, 206, ctype, NULL, bytes + start,
		    end - start + 1);
		return (KORE_RESULT_OK);
	}
	reply_encoded(req, 200, ctype, NULL, bytes, len);
	return (KORE_RESULT_OK);
}

/*
 * One range of "Range: bytes=a-b", "a-" or "-n". Returns 0 for the whole
 * file, 1 for a satisfiable range, -1 for one past the end.
 */
static int
media_range(struct http_request *req, size_t len, size_t *start, size_t *end)
{
	const char	*hdr, *dash;
	char		*ep;
	unsigned long long a, b;

	if (!http_request_header(req, "range", &hdr) ||
	    strncmp(hdr, "bytes=", 6) || strchr(hdr, ',') != NULL)
		return (0);
	hdr += 6;
	if ((dash = strchr(hdr, '-')) == NULL)
		return (0);

	if (dash == hdr) {
		b = strtoull(dash + 1, &ep, 10);
		if (*ep != '\0' || b == 0 || len == 0)
			return (-1);
		*start = b >= len ? 0 : len - b;
		*end = len - 1;
		return (1);
	}
	a = strtoull(hdr, &ep, 10);
	if (ep != dash || a >= len)
		return (-1);
	if (dash[1] == '\0') {
		b = len - 1;
	} else {
		b = strtoull(dash + 1, &ep, 10);
		if (*ep != '\0' || b < a)
			return (0);
		if (b >= len)
			b = len - 1;
	}
	*start = a;
	*end = b;
	return (1);
}
