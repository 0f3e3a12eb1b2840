/*
 * The catalog and course outlines: what anyone may read (media: media.c).
 *
 * Outlines are stored ready to send (content.outline_refresh builds them
 * when a course changes), so a read is one primary-key lookup; entity tags
 * let a returning reader get a 304 instead of the body. Catalog pages
 * (without search words) and outlines are also kept in the worker for a
 * moment (pubcache.c), so the busiest reads of the platform usually cost
 * no database round trip at all.
 */

#include <stdio.h>
#include <stdlib.h>

#include "platform.h"
#include "handlers.h"
#include "validate.h"

#define CATALOG_CACHE	"public, max-age=30"
#define OUTLINE_CACHE	"no-cache"

static int	catalog_reply(struct http_request *, struct api_req *);
static int	outline_reply(struct http_request *, struct api_req *);
static int	public_cached(struct http_request *, struct api_req *,
		    const char *, const char *);
static void	public_reply(struct http_request *, struct api_req *,
		    const char *, const char *, const char *);
static void	public_send(struct http_request *,
		    const struct pubcache_answer *, const char *);

int
catalog_list(struct http_request *req, struct api_req *ar)
{
	const char	*params[4];
	char		lang[40], audience[40], q[256], page[16];
	char		key[PUBCACHE_KEY_MAX];
	int		r;

	params[0] = params[1] = params[2] = NULL;
	if ((r = query_arg(req, "lang", lang, sizeof(lang))) == -1)
		return (KORE_RESULT_OK);
	if (r == 1 && *lang != '\0') {
		if (!valid_language(lang)) {
			reply_error(req, 400, "invalid_language",
			    "lang must be a language tag such as en or es.",
			    "lang");
			return (KORE_RESULT_OK);
		}
		params[0] = lang;
	}
	if ((r = query_arg(req, "audience", audience, sizeof(audience))) == -1)
		return (KORE_RESULT_OK);
	if (r == 1 && *audience != '\0') {
		if (!valid_profession(audience)) {
			reply_error(req, 400, "invalid_audience",
			    "audience must be one of the professions.",
			    "audience");
			return (KORE_RESULT_OK);
		}
		params[1] = audience;
	}
	if ((r = query_arg(req, "q", q, sizeof(q))) == -1)
		return (KORE_RESULT_OK);
	if (r == 1 && *q != '\0')
		params[2] = q;
	if (!query_page(req, page, sizeof(page)))
		return (KORE_RESULT_OK);
	params[3] = page;

	/* Searches are too many to keep; pages of the plain catalog are few. */
	if (params[2] == NULL) {
		(void)snprintf(key, sizeof(key), "catalog|%s|%s|%s",
		    params[0] != NULL ? lang : "", params[1] != NULL ?
		    audience : "", page);
		if (public_cached(req, ar, key, CATALOG_CACHE))
			return (KORE_RESULT_OK);
	}

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
	public_reply(req, ar, body, etag, CATALOG_CACHE);
	return (KORE_RESULT_OK);
}

int
course_get(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];
	char		key[PUBCACHE_KEY_MAX];

	if (!valid_slug(api_param(ar, 0), 80)) {
		reply_error(req, 404, "course_not_found",
		    "No course has that address.", NULL);
		return (KORE_RESULT_OK);
	}
	(void)snprintf(key, sizeof(key), "outline|%s", api_param(ar, 0));
	if (public_cached(req, ar, key, OUTLINE_CACHE))
		return (KORE_RESULT_OK);

	params[0] = api_param(ar, 0);
	return (db_call(req, ar, "SELECT status, body, etag FROM "
	    "api.course_outline($1)", 1, params, outline_reply));
}

static int
outline_reply(struct http_request *req, struct api_req *ar)
{
	/* Drafts and archived courses are invisible here. */
	if (db_rows(ar) != 1 || db_isnull(ar, 0, 1)) {
		reply_error(req, 404, "course_not_found",
		    "No course has that address.", NULL);
		return (KORE_RESULT_OK);
	}
	public_reply(req, ar, db_value(ar, 0, 1), db_value(ar, 0, 2),
	    OUTLINE_CACHE);
	return (KORE_RESULT_OK);
}

/*
 * Answers from the worker's public cache when it holds key; else notes
 * the key and the content generation for public_reply to keep the answer
 * the statement about to be sent brings back.
 */
static int
public_cached(struct http_request *req, struct api_req *ar, const char *key,
    const char *cache_control)
{
	struct pubcache_answer	a;

	if (pubcache_get(key, kore_time_ms(), &a)) {
		public_send(req, &a, cache_control);
		return (1);
	}
	(void)kore_strlcpy(ar->pubcache_key, key, sizeof(ar->pubcache_key));
	ar->pubcache_gen = pubcache_generation();
	return (0);
}

/* Sends a public answer, compressed once, and keeps it for the next. */
static void
public_reply(struct http_request *req, struct api_req *ar, const char *body,
    const char *etag, const char *cache_control)
{
	struct pubcache_answer	a;
	u_int8_t		*gz;
	size_t			gzlen;

	a.etag = etag;
	a.body = body;
	a.len = strlen(body);
	a.gz = NULL;
	a.gzlen = 0;
	if (a.len >= GZIP_MIN_BYTES && gzip_compress(body, a.len, &gz, &gzlen)) {
		a.gz = gz;
		a.gzlen = gzlen;
	}
	if (ar->pubcache_key[0] != '\0')
		pubcache_put(ar->pubcache_key, ar->pubcache_gen, kore_time_ms(), &a);

	public_send(req, &a, cache_control);
	if (a.gz != NULL)
		kore_free(gz);
}

/* A 304 when the client holds it, else the body (gzipped when it may). */
static void
public_send(struct http_request *req, const struct pubcache_answer *a,
    const char *cache_control)
{
	if (!reply_cacheable(req, a->etag, cache_control, 1))
		reply_json_ready(req, 200, a);
}
