/*
 * Responses, errors, request bodies and the access log.
 *
 * Every response of the app leaves through reply_raw(), so every one carries
 * a request id (also in the X-Request-Id header), the security headers, and
 * one access-log line, a JSON object (logline.c): the time, the request id,
 * the method, the route pattern (never the path: ids and codes travel in
 * it; never the query string: search words and e-mail addresses do), the
 * status, the size, the time taken and the user's id. No address, no name.
 * The same place counts the request for GET /metrics (metrics_serve.c).
 */

#include <sodium.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "platform.h"
#include "http_parse.h"
#include "logline.h"
#include "pubcache.h"
#include "validate.h"

static void	reqctx_free(struct http_request *);
static void	request_id_next(char *, size_t);
static void	reply_common_headers(struct http_request *);
static void	reply_send(struct http_request *, int, const char *,
		    const char *, const void *, size_t);
static void	reply_json_headers(struct http_request *);
static int	query_arg_read(struct http_request *, const char *, char *,
		    size_t);
static void	access_log(struct http_request *, int, size_t);
static size_t	read_all(ssize_t (*)(void *, void *, size_t), void *,
		    u_int8_t *, size_t);
static ssize_t	read_body(void *, void *, size_t);
static ssize_t	read_file(void *, void *, size_t);

struct api_req *
reqctx_get(struct http_request *req)
{
	struct api_req		*ar;

	if (http_state_exists(req))
		return (http_state_get(req));

	/* Kore's state comes zeroed (kore_calloc). */
	ar = http_state_create(req, sizeof(*ar), reqctx_free);
	ar->started = kore_time_ms();
	ar->started_us = metrics_now_us();

	/*
	 * The request is whole, so no timer of Kore's should run on it. Kore
	 * 4.1 leaves its header timer armed for a body of Content-Length: 0
	 * (armed when the previous answer went out, on a kept-alive
	 * connection), and the request then got a 408, and lost its answer,
	 * while its database work still ran (issue 20).
	 */
	if (req->owner != NULL)
		req->owner->http_timeout = 0;

	request_id_next(ar->request_id, sizeof(ar->request_id));
	return (ar);
}

/*
 * A request id: a worker's count of requests, mixed (splitmix64's
 * finaliser, a bijection, so ids stay unique in the worker) between two
 * random words drawn once a worker, so ids are apart between workers and
 * nodes and do not show how many requests came between two, at no system
 * call a request. Not a secret: it names a request in the logs.
 */
static void
request_id_next(char *out, size_t len)
{
	static u_int64_t	count, k1, k2;
	static int		seeded;
	u_int8_t		be[REQUEST_ID_LEN / 2];
	u_int64_t		id;
	size_t			i;

	if (!seeded) {
		randombytes_buf(&k1, sizeof(k1));
		randombytes_buf(&k2, sizeof(k2));
		seeded = 1;
	}
	id = count++ ^ k1;
	id = (id ^ (id >> 30)) * 0xbf58476d1ce4e5b9ULL;
	id = (id ^ (id >> 27)) * 0x94d049bb133111ebULL;
	id = (id ^ (id >> 31)) + k2;
	for (i = 0; i < sizeof(be); i++)
		be[i] = (u_int8_t)(id >> (8 * (sizeof(be) - 1 - i)));
	(void)sodium_bin2hex(out, len, be, sizeof(be));
}

const char *
request_id(struct http_request *req)
{
	return (reqctx_get(req)->request_id);
}

static void
reqctx_free(struct http_request *req)
{
	struct api_req		*ar;

	if ((ar = http_state_get(req)) == NULL)
		return;

	/*
	 * Kore calls this on every pass while a task it waits for still runs
	 * (the client went away mid sign-in): the task thread is still using
	 * ar->data, so free nothing until it has finished. Everything below
	 * may run more than once.
	 */
	if (ar->task_active &&
	    kore_task_state(&ar->task) != KORE_TASK_STATE_FINISHED)
		return;

	db_release(ar);
	/*
	 * A task still bound to the request is Kore's to destroy: it frees
	 * the request only once the task has finished.
	 */
	if (ar->body != NULL)
		json_decref(ar->body);
	ar->body = NULL;
	if (ar->free_data != NULL && ar->data != NULL)
		ar->free_data(ar->data);
	ar->data = NULL;
}

static void
reply_common_headers(struct http_request *req)
{
	http_response_header(req, "x-request-id", request_id(req));
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "referrer-policy", "no-referrer");
}

/* True when Accept-Encoding takes gzip (http_parse.c reads it). */
int
accepts_gzip(struct http_request *req)
{
	const char	*ae;

	if (!http_request_header(req, "accept-encoding", &ae))
		return (0);
	return (http_parse_accepts_gzip(ae));
}

/*
 * Compresses data into a gzip stream. Returns 0 when compression would not
 * pay or failed; the caller then sends the data as it is.
 */
int
gzip_compress(const void *data, size_t len, u_int8_t **out, size_t *outlen)
{
	z_stream	zs;
	u_int8_t	*buf;
	size_t		cap;

	memset(&zs, 0, sizeof(zs));
	/* A 4 KiB window: bodies are small, and the state stays small too. */
	if (deflateInit2(&zs, 6, Z_DEFLATED, 12 + 16, 5,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (0);

	cap = deflateBound(&zs, len);
	buf = kore_malloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = len;
	zs.next_out = buf;
	zs.avail_out = cap;

	if (deflate(&zs, Z_FINISH) != Z_STREAM_END || zs.total_out >= len) {
		deflateEnd(&zs);
		kore_free(buf);
		return (0);
	}

	*out = buf;
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return (1);
}

void
reply_raw(struct http_request *req, int status, const char *ctype,
    const void *data, size_t len)
{
	u_int8_t	*gz;
	size_t		gzlen;

	if (len >= GZIP_MIN_BYTES && accepts_gzip(req) &&
	    gzip_compress(data, len, &gz, &gzlen)) {
		reply_encoded(req, status, ctype, "gzip", gz, gzlen);
		kore_free(gz);
		return;
	}
	reply_encoded(req, status, ctype, NULL, data, len);
}

/*
 * Sends a body as it is, already in the given content encoding. A change
 * that succeeded on a route the dispatcher marked (an instructor's or
 * admin's) may have changed published content: the public caches forget
 * what they hold before the client hears of it, so its next read sees
 * the change.
 */
void
reply_encoded(struct http_request *req, int status, const char *ctype,
    const char *encoding, const void *data, size_t len)
{
	reply_send(req, status, ctype, encoding, data, len);
	access_log(req, status, len);
}

/* What reply_encoded sends, without the access log line. */
static void
reply_send(struct http_request *req, int status, const char *ctype,
    const char *encoding, const void *data, size_t len)
{
	struct api_req	*ar;

	ar = reqctx_get(req);
	if (status < 300 && ar->changes_content)
		pubcache_invalidate();

	reply_common_headers(req);
	if (ctype != NULL)
		http_response_header(req, "content-type", ctype);
	if (encoding != NULL) {
		http_response_header(req, "content-encoding", encoding);
		if (ar->vary == NULL)
			ar->vary = "accept-encoding";
	}
	if (ar->vary != NULL)
		http_response_header(req, "vary", ar->vary);
	http_response(req, status, data, len);
}

/*
 * The head of an answer whose len bytes of body the caller queues itself
 * (media.c streams them): Kore writes a Content-Length only for a body it
 * is given, so this writes it.
 */
void
reply_stream_head(struct http_request *req, int status, const char *ctype,
    size_t len)
{
	char		length[32];

	(void)snprintf(length, sizeof(length), "%zu", len);
	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	http_response_header(req, "content-length", length);
	reply_send(req, status, ctype, NULL, NULL, 0);
	access_log(req, status, len);
}

/*
 * The head of an answer of unknown length whose chunks the caller queues
 * itself, framed for chunked transfer encoding (report_stream.c). Kore
 * 4.1 has no helper for it; its Python binding streams the same way.
 */
void
reply_chunked_head(struct http_request *req, int status, const char *ctype)
{
	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	http_response_header(req, "transfer-encoding", "chunked");
	reply_send(req, status, ctype, NULL, NULL, 0);
	access_log(req, status, 0);
}

#define JSON_CTYPE	"application/json; charset=utf-8"

static void
reply_json_headers(struct http_request *req)
{
	if (!reqctx_get(req)->cache_set)
		http_response_header(req, "cache-control", "no-store");
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; frame-ancestors 'none'");
}

void
reply_json_text(struct http_request *req, int status, const char *text,
    size_t len)
{
	reply_json_headers(req);
	reply_raw(req, status, JSON_CTYPE, text, len);
}

/* A JSON answer already in the given content encoding (NULL: none). */
void
reply_json_encoded(struct http_request *req, int status, const char *encoding,
    const void *data, size_t len)
{
	reply_json_headers(req);
	reply_encoded(req, status, JSON_CTYPE, encoding, data, len);
}

/* A JSON answer whose gzip form (or NULL) was made earlier. */
void
reply_json_ready(struct http_request *req, int status,
    const struct pubcache_answer *a)
{
	reply_json_headers(req);
	if (a->gz != NULL && accepts_gzip(req)) {
		reply_encoded(req, status, JSON_CTYPE, "gzip", a->gz, a->gzlen);
		return;
	}
	reply_encoded(req, status, JSON_CTYPE, NULL, a->body, a->len);
}

void
reply_json(struct http_request *req, int status, json_t *json)
{
	char		*text;

	if ((text = json_dumps(json, JSON_COMPACT)) == NULL) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return;
	}
	reply_json_text(req, status, text, strlen(text));
	free(text);
}

/*
 * Answers 431 and returns 1 when the request's header block is larger than
 * HTTP_HEADER_LIMIT. Kore reads the block into a buffer of http_header_max
 * bytes (the confs set 8 KB, a third above the limit) and, when that
 * fills, closes the connection without a word; below that the client
 * hears why.
 */
int
reply_headers_too_large(struct http_request *req)
{
	struct http_header	*hdr;
	size_t			len;

	/* The request line, the Host line and the blank line. */
	len = strlen(http_method_text(req->method)) + strlen(req->path) +
	    sizeof(" ? HTTP/1.1\r\n") + strlen(req->host) +
	    sizeof("Host: \r\n\r\n");
	if (req->query_string != NULL)
		len += strlen(req->query_string);
	TAILQ_FOREACH(hdr, &req->req_headers, list)
		len += strlen(hdr->header) + strlen(hdr->value) + 4;
	if (len <= HTTP_HEADER_LIMIT)
		return (0);
	reply_error(req, 431, "header_fields_too_large",
	    "The request's headers are too large.", NULL);
	return (1);
}

/*
 * Kore 4.1 checks its connection timers (header, body, keep-alive) only
 * when its event loop wakes, and a worker with no request in flight and
 * no timer of its own sleeps until a socket stirs. Connections that went
 * quiet (an idle client, one that stopped reading its answer) were then
 * never timed out: a hundred clients that never read held a gigabyte of
 * queued answers for as long as they stayed (issue 20). This timer wakes
 * the loop twice a second; it has nothing else to do.
 */
static void
conn_timers_wake(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
}

void
conn_timers_start(void)
{
	(void)kore_timer_add(conn_timers_wake, 500, NULL, 0);
}

/* The one error envelope: {"error":{"code","message","field"}}. */
void
reply_error(struct http_request *req, int status, const char *code,
    const char *message, const char *field)
{
	json_t		*extra;

	extra = json_object();
	if (field != NULL)
		json_object_set_new(extra, "field", json_string(field));
	reply_error_with(req, status, code, message, extra);
	json_decref(extra);
}

/* The envelope with more members in "error" (a list of problems, say). */
void
reply_error_with(struct http_request *req, int status, const char *code,
    const char *message, json_t *extra)
{
	json_t		*root, *err;
	char		*text;

	err = json_pack("{s:s, s:s}", "code", code, "message", message);
	json_object_update(err, extra);
	root = json_pack("{s:o}", "error", err);

	if (status == 503)
		http_response_header(req, "retry-after", "2");

	if ((text = json_dumps(root, JSON_COMPACT)) == NULL) {
		json_decref(root);
		reply_raw(req, 500, "application/json", "{}", 2);
		return;
	}
	reqctx_get(req)->cache_set = 0;
	reply_json_text(req, status, text, strlen(text));
	free(text);
	json_decref(root);
}

void
reply_empty(struct http_request *req, int status)
{
	http_response_header(req, "cache-control", "no-store");
	reply_raw(req, status, NULL, NULL, 0);
}

/*
 * True when If-None-Match names the given (quoted) entity tag, weak or
 * strong: If-None-Match compares weakly.
 */
int
etag_matches(struct http_request *req, const char *etag)
{
	const char	*inm;

	if (!http_request_header(req, "if-none-match", &inm))
		return (0);
	return (strstr(inm, etag) != NULL || !strcmp(inm, "*"));
}

/* A strong entity tag for a body: 128 bits of BLAKE2b, quoted. */
void
etag_of(const void *data, size_t len, char *out, size_t outlen)
{
	u_int8_t	digest[16];
	char		hex[33];

	crypto_generichash(digest, sizeof(digest), data, len, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	(void)snprintf(out, outlen, "\"%s\"", hex);
}

/*
 * The ETag header for a (quoted) tag; weak when the body may leave gzipped
 * or not, since both forms mean the same but are not the same bytes.
 */
void
etag_send(struct http_request *req, const char *etag, int weak)
{
	char	tag[PUBCACHE_ETAG_MAX + 2];

	if (!weak) {
		http_response_header(req, "etag", etag);
		return;
	}
	(void)snprintf(tag, sizeof(tag), "W/%s", etag);
	http_response_header(req, "etag", tag);
}

/*
 * Sends the ETag and Cache-Control of a cacheable answer; returns 1 (and
 * answers 304) when the client already holds it. A body that may leave
 * gzipped or not gets a weak tag: both forms mean the same, but a strong
 * tag would promise the same bytes. Media, sent as stored and in ranges,
 * keep strong ones.
 */
int
reply_cacheable(struct http_request *req, const char *etag,
    const char *cache_control, int weak)
{
	reqctx_get(req)->cache_set = 1;
	etag_send(req, etag, weak);
	http_response_header(req, "cache-control", cache_control);
	reqctx_get(req)->vary = "accept-encoding";
	if (!etag_matches(req, etag))
		return (0);
	reply_encoded(req, 304, NULL, NULL, NULL, 0);
	return (1);
}

/*
 * Reads the request body as a JSON object of at most max bytes. On any
 * problem it answers the request itself and returns NULL.
 */
json_t *
body_json(struct http_request *req, size_t max)
{
	json_t		*json;
	json_error_t	jerr;
	const char	*ctype;
	char		msg[256];
	u_int8_t	*buf;
	size_t		len;

	if (!http_request_header(req, "content-type", &ctype) ||
	    strncasecmp(ctype, "application/json", 16)) {
		reply_error(req, 415, "unsupported_media_type",
		    "Send the body as application/json.", NULL);
		return (NULL);
	}

	if (req->content_length > max) {
		(void)snprintf(msg, sizeof(msg),
		    "The body is larger than the %zu bytes this route takes.",
		    max);
		reply_error(req, 413, "body_too_large", msg, NULL);
		return (NULL);
	}

	if ((buf = body_read(req, max, &len)) == NULL) {
		reply_error(req, 413, "body_too_large",
		    "The body is larger than this route takes.", NULL);
		return (NULL);
	}

	json = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	kore_free(buf);

	if (json == NULL) {
		(void)snprintf(msg, sizeof(msg),
		    "The body is not valid JSON (line %d, column %d): %s",
		    jerr.line, jerr.column, jerr.text);
		reply_error(req, 400, "invalid_json", msg, NULL);
		return (NULL);
	}

	if (!json_is_object(json)) {
		json_decref(json);
		reply_error(req, 400, "invalid_json",
		    "The body must be a JSON object.", NULL);
		return (NULL);
	}

	return (json);
}

/*
 * Reads the request body into a new buffer (kore_free it); NULL when the
 * body holds more than max bytes, whatever its Content-Length said.
 */
u_int8_t *
body_read(struct http_request *req, size_t max, size_t *len)
{
	u_int8_t	*buf;

	buf = kore_malloc(max + 1);
	if ((*len = read_all(read_body, req, buf, max + 1)) > max) {
		kore_free(buf);
		return (NULL);
	}
	return (buf);
}

/* Reads an uploaded file whole into buf; 0 when it falls short. */
int
body_file_read(struct http_file *file, u_int8_t *buf, size_t len)
{
	http_file_rewind(file);
	return (read_all(read_file, file, buf, len) == len);
}

/* Reads from src until it ends, fails, or cap bytes are in buf. */
static size_t
read_all(ssize_t (*rd)(void *, void *, size_t), void *src, u_int8_t *buf,
    size_t cap)
{
	ssize_t		n;
	size_t		len;

	for (len = 0; len < cap; len += (size_t)n) {
		if ((n = rd(src, buf + len, cap - len)) <= 0)
			break;
	}
	return (len);
}

static ssize_t
read_body(void *req, void *buf, size_t len)
{
	return (http_body_read(req, buf, len));
}

static ssize_t
read_file(void *file, void *buf, size_t len)
{
	return (http_file_read(file, buf, len));
}

/*
 * One write(2) a line: the workers share standard output, and a line under
 * PIPE_BUF is never interleaved with another worker's.
 */
static void
access_log(struct http_request *req, int status, size_t len)
{
	struct api_req		*ar;
	struct logline_request	l;
	struct timespec		now;
	char			line[LOGLINE_MAX], when[LOGLINE_TIME_LEN];
	size_t			n;
	int			slot;

	ar = reqctx_get(req);
	l.duration_us = metrics_now_us() - ar->started_us;
	l.route = metrics_route_of(req, ar, &slot);
	metrics_request_done(req, slot, status, l.duration_us);

	(void)clock_gettime(CLOCK_REALTIME, &now);
	logline_time(when, sizeof(when), &now);
	l.time = when;
	l.request_id = ar->request_id;
	l.method = metrics_method_name(req->method);
	l.status = status;
	l.bytes = len;
	l.user_id = ar->session.present ? ar->session.user_id : NULL;
	if ((n = logline_request(line, sizeof(line), &l)) > 0)
		(void)write(STDOUT_FILENO, line, n);
}

/* An error met while serving a request: the message must hold no data. */
void
log_request_error(struct api_req *ar, const char *fmt, ...)
{
	struct timespec		now;
	va_list			ap;
	char			msg[512], line[LOGLINE_MAX];
	char			when[LOGLINE_TIME_LEN];
	size_t			n;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)clock_gettime(CLOCK_REALTIME, &now);
	logline_time(when, sizeof(when), &now);
	if ((n = logline_event(line, sizeof(line), when, "error",
	    ar->request_id, msg)) > 0)
		(void)write(STDOUT_FILENO, line, n);
}

static void
field_error(struct http_request *req, const char *field, const char *message)
{
	reply_error(req, 422, "invalid_field", message, field);
}

/*
 * Refuses any member of the body not named in allowed (NULL-terminated):
 * a client that sends "role" to a profile update learns it cannot.
 */
int
body_only(struct http_request *req, json_t *body, const char *const *allowed)
{
	const char	*key;
	json_t		*value;
	int		i;
	char		msg[160];

	json_object_foreach(body, key, value) {
		for (i = 0; allowed[i] != NULL; i++) {
			if (!strcmp(key, allowed[i]))
				break;
		}
		if (allowed[i] == NULL) {
			(void)snprintf(msg, sizeof(msg),
			    "This request does not take the field '%.64s'.", key);
			reply_error(req, 422, "unknown_field", msg, key);
			return (0);
		}
	}
	return (1);
}

/*
 * Reads a string member of at least min and at most max characters. A
 * missing member is fine when not required (*out stays NULL). Answers the
 * request and returns 0 when the value does not fit.
 */
int
body_string(struct http_request *req, json_t *body, const char *key,
    int required, size_t min, size_t max, const char **out)
{
	json_t		*v;
	size_t		chars;
	char		msg[160];

	*out = NULL;
	if ((v = json_object_get(body, key)) == NULL || json_is_null(v)) {
		if (!required)
			return (1);
		field_error(req, key, "This field is required.");
		return (0);
	}
	if (!json_is_string(v)) {
		field_error(req, key, "This field must be a string.");
		return (0);
	}
	chars = utf8_length(json_string_value(v), json_string_length(v));
	if (chars < min || chars > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		(void)snprintf(msg, sizeof(msg),
		    "This field must be %zu to %zu characters long.", min, max);
		field_error(req, key, msg);
		return (0);
	}
	*out = json_string_value(v);
	return (1);
}

/* Reads an optional boolean member; *out keeps its value when absent. */
int
body_bool(struct http_request *req, json_t *body, const char *key, int *out)
{
	json_t		*v;

	if ((v = json_object_get(body, key)) == NULL)
		return (1);
	if (!json_is_boolean(v)) {
		field_error(req, key, "This field must be true or false.");
		return (0);
	}
	*out = json_is_true(v);
	return (1);
}

void
reply_field_error(struct http_request *req, const char *field,
    const char *message)
{
	field_error(req, field, message);
}

/*
 * Copies the URL-decoded value of a query-string argument into out.
 * Returns 1 when present, 0 when absent, and -1, after answering 400,
 * when it is too long for out, encodes a control character, or is not
 * UTF-8: a search the server cannot read must not quietly become no
 * search at all.
 */
int
query_arg(struct http_request *req, const char *name, char *out, size_t len)
{
	char	msg[128];
	int	r;

	if ((r = query_arg_read(req, name, out, len)) == -1) {
		(void)snprintf(msg, sizeof(msg), "The query argument '%s' is "
		    "longer than %zu bytes, or not UTF-8 text.", name, len - 1);
		reply_error(req, 400, "invalid_query", msg, name);
	}
	return (r);
}

static int
query_arg_read(struct http_request *req, const char *name, char *out,
    size_t len)
{
	const char	*p, *end, *eq, *amp;
	size_t		nlen, vlen, line, col;

	if (req->query_string == NULL)
		return (0);
	nlen = strlen(name);
	p = req->query_string;
	end = p + strlen(p);
	while (p < end) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = end;
		eq = memchr(p, '=', amp - p);
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    !memcmp(p, name, nlen)) {
			vlen = amp - eq - 1;
			if (vlen >= len)
				return (-1);
			memcpy(out, eq + 1, vlen);
			out[vlen] = '\0';
			for (char *c = out; *c != '\0'; c++) {
				if (*c == '+')
					*c = ' ';
			}
			if (!http_argument_urldecode(out))
				return (-1);
			return (utf8_check(out, strlen(out), &line, &col) ?
			    1 : -1);
		}
		p = amp + 1;
	}
	return (0);
}

/* A page number from ?page=, 1 when absent; 0 (answered) when invalid. */
int
query_page(struct http_request *req, char *out, size_t len)
{
	char		buf[16];
	int		err;
	long long	page;

	switch (query_arg(req, "page", buf, sizeof(buf))) {
	case -1:
		return (0);
	case 0:
		(void)kore_strlcpy(out, "1", len);
		return (1);
	}
	page = kore_strtonum64(buf, 1, &err);
	if (err != KORE_RESULT_OK || page < 1 || page > 100000) {
		reply_error(req, 400, "invalid_page",
		    "page must be a whole number from 1.", "page");
		return (0);
	}
	(void)snprintf(out, len, "%lld", page);
	return (1);
}
