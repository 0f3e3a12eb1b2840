/*
 * The browser pages: files under assets/, compiled into the app by kodev.
 *
 * Each file is gzip-compressed once when the worker starts and served with
 * its hash as ETag and "Cache-Control: no-cache", so a browser revalidates
 * with one small 304 and a deploy never leaves stale JavaScript behind.
 *
 * Every page path the app knows (/, /courses/..., /lessons/...) gets an
 * HTML shell; the JavaScript router draws the page. There are two shells:
 * the catalog's (index.html), whose head preloads the first page of courses
 * so they arrive in the same round trip as the scripts, everyone else's
 * (page.html), and the staff area's, made from page.html too: its router
 * (%MAIN%, staff.js instead of app.js) and its home (%HOME%) are all that
 * differ. Each shell is made once per interface language at start, with
 * "%LANG%", "%MAIN%" and "%HOME%" replaced and each "%t:key%" replaced by that
 * language's message for key (from assets/i18n/): the <html lang>, the
 * preloaded message catalog and the few words the shell shows before its
 * scripts run are then right from the first byte. The language comes from
 * the sg_lang cookie (the learner's choice, set by the pages) or else from
 * Accept-Language.
 */

#include <stdlib.h>

#include "platform.h"
#include "assets.h"
#include "http_parse.h"

/*
 * No inline script or style anywhere; the one HTML sink the pages use
 * (a lesson's server-sanitised body) goes through the Trusted Types policy
 * named here, and any other is refused by browsers that enforce them.
 */
#define PAGE_CSP							\
	"default-src 'self'; script-src 'self'; style-src 'self'; "	\
	"img-src 'self' data:; media-src 'self' https:; "		\
	"connect-src 'self'; font-src 'self'; object-src 'none'; "	\
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "	\
	"require-trusted-types-for 'script'; trusted-types lesson-html"

#define PAGE_LANG_MARK		"%LANG%"
#define PAGE_MAIN_MARK		"%MAIN%"
#define PAGE_HOME_MARK		"%HOME%"
#define PAGE_MSG_MARK		"%t:"
#define PAGE_MSG_KEY_MAX	64
#define PAGE_LANG_COOKIE	"sg_lang="
#define PAGE_ETAG_MAX		48

/* Interface languages: one message catalog each in assets/i18n/. */
static const char *const	page_langs[] = { "en", "es" };
#define PAGE_NLANGS	(sizeof(page_langs) / sizeof(page_langs[0]))

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

#define CT_JS		"text/javascript; charset=utf-8"
#define CT_JSON		"application/json; charset=utf-8"

#define CT_CSS		"text/css; charset=utf-8"
#define CT_SVG		"image/svg+xml"

/*
 * Every file under assets/ but the shells, as /static/<its path>: the
 * table is written by scripts/gen-page-assets when the app is built.
 */
static struct page_asset	page_assets[] = {
#include "page_assets.gen.h"
	ASSET("/favicon.ico", icon_svg, CT_SVG),
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 },
};

/* One shell in one language, ready to send. */
struct page_variant {
	u_int8_t		*body;
	size_t			len;
	u_int8_t		*gz;
	size_t			gzlen;
	char			etag[PAGE_ETAG_MAX];
};

struct page_shell {
	const u_int8_t		*data;
	const u_int32_t		*len;
	const char		*main;	/* its router: /static/<main>.js */
	const char		*home;	/* where the brand links to */
	struct page_variant	var[PAGE_NLANGS];
};

#define SHELL_CATALOG	0
#define SHELL_PAGE	1
#define SHELL_STAFF	2

static struct page_shell	page_shells[] = {
	{ asset_index_html, &asset_len_index_html, "app", "/", { { 0 } } },
	{ asset_page_html, &asset_len_page_html, "app", "/", { { 0 } } },
	{ asset_page_html, &asset_len_page_html, "staff", "/staff", { { 0 } } },
};

/*
 * Paths drawn by the client-side routers, and the shell each gets. The
 * staff area (instructors and admins) is one prefix: its own router
 * (staff.js) knows its pages, so a new one needs no line here.
 */
struct page_route {
	const char		*path;
	int			prefix;
	int			shell;
};

static const struct page_route	page_routes[] = {
	{ "/",		0,	SHELL_CATALOG },
	{ "/courses",	0,	SHELL_CATALOG },
	{ "/courses/",	1,	SHELL_PAGE },
	{ "/lessons/",	1,	SHELL_PAGE },
	{ "/quizzes/",	1,	SHELL_PAGE },
	{ "/signin",	0,	SHELL_PAGE },
	{ "/signup",	0,	SHELL_PAGE },
	{ "/forgot-password", 0, SHELL_PAGE },
	{ "/check-email", 0,	SHELL_PAGE },
	{ "/reset-password", 0,	SHELL_PAGE },
	{ "/verify-email", 0,	SHELL_PAGE },
	{ "/learning",	0,	SHELL_PAGE },
	{ "/certificates", 0,	SHELL_PAGE },
	{ "/staff",	0,	SHELL_STAFF },
	{ "/staff/",	1,	SHELL_STAFF },
	{ "/verify/",	1,	SHELL_PAGE },
	{ NULL,		0,	0 },
};

int	pages_init(void);
int	page_serve(struct http_request *);
void	page_shell_reply(struct http_request *, int);

static json_t	*page_catalog(const char *);
static int	shell_variant(const struct page_shell *, size_t, json_t *,
		    struct page_variant *);
static int	shell_messages(struct kore_buf *, const char *, json_t *);
static void	html_escape(struct kore_buf *, const char *);
static void	shell_send(struct http_request *, int, int);
static int	shell_for(struct http_request *, int *);
static int	page_language(struct http_request *);
static void	asset_send(struct http_request *, struct page_asset *);
static struct page_asset	*asset_lookup(const char *);

int
pages_init(void)
{
	struct page_asset	*a;
	json_t			*msgs;
	size_t			s, l;
	int			ok;

	for (a = page_assets; a->path != NULL; a++) {
		/* kodev NUL-terminates assets; the length excludes it. */
		if (!gzip_compress(a->data, *a->len, &a->gz, &a->gzlen))
			a->gz = NULL;
	}

	for (l = 0; l < PAGE_NLANGS; l++) {
		if ((msgs = page_catalog(page_langs[l])) == NULL)
			return (KORE_RESULT_ERROR);
		ok = 1;
		for (s = 0; ok && s < sizeof(page_shells) /
		    sizeof(page_shells[0]); s++)
			ok = shell_variant(&page_shells[s], l, msgs,
			    &page_shells[s].var[l]);
		json_decref(msgs);
		if (!ok)
			return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

/* The message catalog of a language, assets/i18n/LANG.json, parsed. */
static json_t *
page_catalog(const char *lang)
{
	struct page_asset	*cat;
	json_t			*msgs;
	json_error_t		jerr;
	char			path[64];

	(void)snprintf(path, sizeof(path), "/static/i18n/%s.json", lang);
	if ((cat = asset_lookup(path)) == NULL)
		return (NULL);
	if ((msgs = json_loadb((const char *)cat->data, *cat->len, 0,
	    &jerr)) == NULL)
		kore_log(LOG_ERR, "pages: %s: %s", path, jerr.text);
	return (msgs);
}

/*
 * The shell in language l: "%LANG%" replaced by its tag, "%MAIN%" and
 * "%HOME%" by the shell's router and home, and every
 * "%t:key%" by its message, compressed and tagged. A mark naming no
 * message stops the start, so a shell never shows a key.
 */
static int
shell_variant(const struct page_shell *sh, size_t l, json_t *msgs,
    struct page_variant *v)
{
	struct kore_buf		out;

	/* The shell is NUL-terminated (kodev); no message holds %LANG%. */
	kore_buf_init(&out, *sh->len + 256);
	if (!shell_messages(&out, (const char *)sh->data, msgs)) {
		kore_buf_cleanup(&out);
		return (0);
	}
	kore_buf_replace_string(&out, PAGE_LANG_MARK, page_langs[l],
	    strlen(page_langs[l]));
	kore_buf_replace_string(&out, PAGE_MAIN_MARK, sh->main,
	    strlen(sh->main));
	kore_buf_replace_string(&out, PAGE_HOME_MARK, sh->home,
	    strlen(sh->home));
	v->body = kore_buf_release(&out, &v->len);
	if (v->len == 0)
		return (0);

	etag_of(v->body, v->len, v->etag, sizeof(v->etag));
	if (!gzip_compress(v->body, v->len, &v->gz, &v->gzlen))
		v->gz = NULL;
	return (1);
}

/* Copies src to out with each "%t:key%" replaced by msgs[key], escaped. */
static int
shell_messages(struct kore_buf *out, const char *src, json_t *msgs)
{
	const char	*p, *key, *end, *text;
	char		name[PAGE_MSG_KEY_MAX];
	size_t		len;

	for (p = src; (key = strstr(p, PAGE_MSG_MARK)) != NULL; p = end + 1) {
		kore_buf_append(out, p, key - p);
		key += sizeof(PAGE_MSG_MARK) - 1;
		if ((end = strchr(key, '%')) == NULL ||
		    (len = end - key) == 0 || len >= sizeof(name)) {
			kore_log(LOG_ERR, "pages: a shell has a broken %%t: mark");
			return (0);
		}
		memcpy(name, key, len);
		name[len] = '\0';
		if ((text = json_string_value(json_object_get(msgs,
		    name))) == NULL) {
			kore_log(LOG_ERR, "pages: no message %s for a shell",
			    name);
			return (0);
		}
		html_escape(out, text);
	}
	kore_buf_append(out, p, strlen(p));
	return (1);
}

/* Text safe in an HTML text node and in a double-quoted attribute. */
static void
html_escape(struct kore_buf *out, const char *s)
{
	size_t		n;

	while (*s != '\0') {
		n = strcspn(s, "&<>\"");
		kore_buf_append(out, s, n);
		s += n;
		switch (*s) {
		case '&':
			kore_buf_append(out, "&amp;", 5);
			break;
		case '<':
			kore_buf_append(out, "&lt;", 4);
			break;
		case '>':
			kore_buf_append(out, "&gt;", 4);
			break;
		case '"':
			kore_buf_append(out, "&quot;", 6);
			break;
		default:
			return;
		}
		s++;
	}
}

int
page_serve(struct http_request *req)
{
	struct page_asset	*a;
	int			shell;

	if (reply_headers_too_large(req))
		return (KORE_RESULT_OK);
	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD) {
		reply_error(req, 405, "method_not_allowed",
		    "Pages can only be read.", NULL);
		return (KORE_RESULT_OK);
	}

	if ((a = asset_lookup(req->path)) != NULL) {
		asset_send(req, a);
		return (KORE_RESULT_OK);
	}

	/* An unknown page still gets the shell, to say so in its language. */
	if (shell_for(req, &shell)) {
		shell_send(req, shell, 200);
	} else if (!strncmp(req->path, "/static/", 8)) {
		reply_error(req, 404, "not_found",
		    "There is nothing at this address.", NULL);
	} else {
		shell_send(req, SHELL_PAGE, 404);
	}
	return (KORE_RESULT_OK);
}

/*
 * The learner pages' shell with a status of the caller's choosing: the
 * verification page (certificates.c) answers 404 for an unknown code.
 */
void
page_shell_reply(struct http_request *req, int status)
{
	shell_send(req, SHELL_PAGE, status);
}

static struct page_asset *
asset_lookup(const char *path)
{
	struct page_asset	*a;

	for (a = page_assets; a->path != NULL; a++) {
		if (!strcmp(a->path, path))
			return (a);
	}
	return (NULL);
}

/*
 * The shell for a router path. The catalog's preload names the bare
 * catalog URL, so a catalog address with a search in it gets the plain
 * shell rather than a preload it would not use.
 */
static int
shell_for(struct http_request *req, int *shell)
{
	const struct page_route	*r;
	size_t			len;

	for (r = page_routes; r->path != NULL; r++) {
		len = strlen(r->path);
		if (r->prefix ? strncmp(req->path, r->path, len) != 0 :
		    strcmp(req->path, r->path) != 0)
			continue;
		*shell = r->shell;
		if (*shell == SHELL_CATALOG && req->query_string != NULL &&
		    *req->query_string != '\0')
			*shell = SHELL_PAGE;
		return (1);
	}
	return (0);
}

static void
shell_send(struct http_request *req, int shell, int status)
{
	struct page_variant	*v;
	int			lang;

	lang = page_language(req);
	v = &page_shells[shell].var[lang];

	http_response_header(req, "content-security-policy", PAGE_CSP);
	http_response_header(req, "x-frame-options", "DENY");
	http_response_header(req, "content-language", page_langs[lang]);
	http_response_header(req, "cache-control", "no-cache");
	reqctx_get(req)->vary = "accept-encoding, accept-language, cookie";
	etag_send(req, v->etag, v->gz != NULL);

	if (status == 200 && etag_matches(req, v->etag)) {
		reply_raw(req, 304, NULL, NULL, 0);
		return;
	}
	if (v->gz != NULL && accepts_gzip(req)) {
		reply_encoded(req, status, "text/html; charset=utf-8", "gzip",
		    v->gz, v->gzlen);
		return;
	}
	reply_encoded(req, status, "text/html; charset=utf-8", NULL, v->body,
	    v->len);
}

static void
asset_send(struct http_request *req, struct page_asset *a)
{
	etag_send(req, *a->sha256, a->gz != NULL);
	http_response_header(req, "cache-control", "no-cache");
	reqctx_get(req)->vary = "accept-encoding";

	if (etag_matches(req, *a->sha256)) {
		reply_raw(req, 304, NULL, NULL, 0);
		return;
	}

	if (a->gz != NULL && accepts_gzip(req)) {
		reply_encoded(req, 200, a->ctype, "gzip", a->gz, a->gzlen);
		return;
	}
	reply_encoded(req, 200, a->ctype, NULL, a->data, *a->len);
}

/* The interface language: the sg_lang cookie, else Accept-Language. */
static int
page_language(struct http_request *req)
{
	const char	*hdr, *p;
	size_t		n;
	int		i;

	if (http_request_header(req, "cookie", &hdr)) {
		for (p = hdr; (p = strstr(p, PAGE_LANG_COOKIE)) != NULL; p++) {
			if (p != hdr && p[-1] != ' ' && p[-1] != ';')
				continue;
			p += sizeof(PAGE_LANG_COOKIE) - 1;
			n = strcspn(p, "; ");
			i = http_parse_lang_index(p, n, page_langs,
			    PAGE_NLANGS);
			if (i != -1)
				return (i);
			break;
		}
	}
	if (!http_request_header(req, "accept-language", &hdr))
		hdr = NULL;
	return (http_parse_accept_language(hdr, page_langs, PAGE_NLANGS));
}
