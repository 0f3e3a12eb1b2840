/*
 * The browser pages: files under assets/, compiled into the app by kodev.
 *
 * Each file is gzip-compressed once when the worker starts and served with
 * its sha256 as ETag and "Cache-Control: no-cache", so a browser revalidates
 * with one small 304 and a deploy never leaves stale JavaScript behind.
 * Every page path the app knows (/, /courses/..., /lessons/...) gets the
 * one HTML shell; the JavaScript router draws the page.
 */

#include "platform.h"
#include "assets.h"

#define PAGE_CSP							\
	"default-src 'self'; script-src 'self'; style-src 'self'; "	\
	"img-src 'self' data:; media-src 'self' https:; "		\
	"connect-src 'self'; font-src 'self'; object-src 'none'; "	\
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

struct page_asset {
	const char		*path;
	const u_int8_t		*data;
	const u_int32_t		*len;
	const char		**sha256;
	const char		*ctype;
	u_int8_t		*gz;
	size_t			gzlen;
};

#define ASSET(p, n, t)	\
	{ p, asset_##n, &asset_len_##n, &asset_sha256_##n, t, NULL, 0 }

static struct page_asset	page_assets[] = {
	ASSET("/", index_html, "text/html; charset=utf-8"),
	ASSET("/static/app.css", app_css, "text/css; charset=utf-8"),
	ASSET("/static/app.js", app_js, "text/javascript; charset=utf-8"),
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 },
};

/* Paths drawn by the client-side router: they all get the shell. */
static const char	*page_routes[] = {
	"/courses", "/courses/", "/lessons/", "/signin", "/signup",
	"/learning", NULL,
};

int	pages_init(void);
int	page_serve(struct http_request *);

static void	page_send(struct http_request *, struct page_asset *);
static struct page_asset	*page_lookup(const char *);

int
pages_init(void)
{
	struct page_asset	*a;

	for (a = page_assets; a->path != NULL; a++) {
		/* kodev NUL-terminates assets; the length excludes it. */
		if (!gzip_compress(a->data, *a->len, &a->gz, &a->gzlen))
			a->gz = NULL;
	}
	return (KORE_RESULT_OK);
}

int
page_serve(struct http_request *req)
{
	struct page_asset	*a;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD) {
		reply_error(req, 405, "method_not_allowed",
		    "Pages can only be read.", NULL);
		return (KORE_RESULT_OK);
	}

	if ((a = page_lookup(req->path)) == NULL) {
		reply_error(req, 404, "not_found",
		    "There is nothing at this address.", NULL);
		return (KORE_RESULT_OK);
	}

	page_send(req, a);
	return (KORE_RESULT_OK);
}

static struct page_asset *
page_lookup(const char *path)
{
	struct page_asset	*a;
	int			i;
	size_t			len;

	for (a = page_assets; a->path != NULL; a++) {
		if (!strcmp(a->path, path))
			return (a);
	}

	for (i = 0; page_routes[i] != NULL; i++) {
		len = strlen(page_routes[i]);
		if (!strncmp(path, page_routes[i], len) &&
		    (page_routes[i][len - 1] == '/' || path[len] == '\0'))
			return (&page_assets[0]);
	}
	return (NULL);
}

static void
page_send(struct http_request *req, struct page_asset *a)
{
	http_response_header(req, "etag", *a->sha256);
	http_response_header(req, "cache-control", "no-cache");
	if (a == &page_assets[0]) {
		http_response_header(req, "content-security-policy", PAGE_CSP);
		http_response_header(req, "x-frame-options", "DENY");
	}

	if (etag_matches(req, *a->sha256)) {
		reply_raw(req, 304, NULL, NULL, 0);
		return;
	}

	if (a->gz != NULL && accepts_gzip(req)) {
		reply_encoded(req, 200, a->ctype, "gzip", a->gz, a->gzlen);
		return;
	}
	http_response_header(req, "vary", "accept-encoding");
	reply_encoded(req, 200, a->ctype, NULL, a->data, *a->len);
}
