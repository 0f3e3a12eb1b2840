/*
 * Safeguard Learn: types and helpers shared by every domain of the app.
 *
 * A request that reaches the JSON API gets a struct api_req as its Kore
 * state: its request id, the caller's session, the parsed body, and the one
 * database call in flight. Handlers read like a paragraph: validate,
 * authorise, make one database call, respond.
 */

#ifndef __H_PLATFORM_H
#define __H_PLATFORM_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/tasks.h>

#include <jansson.h>

#include "pubcache.h"
#include "route_match.h"

#define REQUEST_ID_LEN		16
#define JSON_BODY_MAX		(64 * 1024)
/*
 * The largest request: a module package upload. Kore reads bodies up to
 * HTTP_BODY_MAX (app.c sets it), a little more, so that an upload just
 * over the limit gets the app's envelope rather than Kore's bare 413.
 */
#define PACKAGE_UPLOAD_MAX	(50 * 1024 * 1024)
#define HTTP_BODY_MAX		(PACKAGE_UPLOAD_MAX + 2 * 1024 * 1024)
/* The largest request header block answered; see reply_headers_too_large. */
#define HTTP_HEADER_LIMIT	6144
#define GZIP_MIN_BYTES		860	/* smaller bodies are sent as they are */
#define DB_NAME			"db"
#define DB_MAX_PARAMS		16

/* Roles, in increasing order of power. */
#define ROLE_NONE		0
#define ROLE_LEARNER		1
#define ROLE_INSTRUCTOR		2
#define ROLE_ADMIN		3

/* What a route asks of its caller. */
#define AUTH_PUBLIC		0	/* anyone, no session read */
#define AUTH_OPTIONAL		1	/* a session is read when present */
#define AUTH_LEARNER		2
#define AUTH_INSTRUCTOR		3
#define AUTH_ADMIN		4

/* Continuation called when a database call completes. */
struct api_req;
typedef int	(*api_step)(struct http_request *, struct api_req *);

struct session {
	int		present;
	int		via_cookie;
	int		role;
	char		user_id[37];
	char		session_id[37];
	char		jti[37];
	long long	iat;
};

struct api_route {
	int		methods;
	const char	*pattern;	/* "/api/v1/courses/:slug" */
	int		auth;
	api_step	handler;
};

#define API_MAX_PARAMS		ROUTE_MAX_PARAMS
#define API_PARAM_LEN		ROUTE_PARAM_LEN

struct api_req {
	u_int64_t		started;
	u_int64_t		started_us;	/* monotonic, for the metrics */
	u_int64_t		db_sent_us;	/* the statement in flight */
	char			request_id[REQUEST_ID_LEN + 1];
	const struct api_route	*route;
	char			params[API_MAX_PARAMS][API_PARAM_LEN];
	int			nparams;

	struct session		session;
	json_t			*body;

	/* The database call in flight, and its result once complete. */
	struct kore_pgsql	sql;
	const char		*db;		/* NULL: DB_NAME */
	int			sql_active;
	int			sql_queued;
	int			preparing;	/* db_prepare.c: step one */
	u_int64_t		prep_id;	/* the statement's name */
	const char		*query;
	char			*qparams[DB_MAX_PARAMS];
	char			*json_param;	/* db_json_param's text */
	int			nqparams;
	PGresult		*result;
	api_step		next;

	int			cache_set;	/* handler set Cache-Control */
	/* The whole Vary value, sent once by reply_encoded: Kore 4.2
	 * replaces a header set twice where 4.1 appended it. */
	const char		*vary;
	/* The dispatcher's word: a success here may change what the public
	 * read, so reply_encoded empties the public caches first. */
	int			changes_content;
	/* A public answer to keep (pubcache.c): its key, and the content
	 * generation read before its statement was sent. */
	char			pubcache_key[PUBCACHE_KEY_MAX];
	u_int64_t		pubcache_gen;
	/* When that statement was sent (verifycache.c: an answer's life
	 * counts from before the database decided it). */
	u_int64_t		pubcache_sent;
	int			binary;		/* rows in binary format */

	/* Work moved off the worker's event loop (password hashing). */
	struct kore_task	task;
	int			task_active;

	/*
	 * A handler's own work in flight (report_stream.c): called on every
	 * wakeup while set, like a statement's continuation.
	 */
	api_step		waiting;

	/* Handler-specific data, freed by free_data when set. */
	void			*data;
	void			(*free_data)(void *);
};

/* app.c: configuration read once per worker. */
struct app_config {
	const char	*var_dir;
	const char	*public_origin;
	int		secure_cookies;
	int		trust_proxy;
};
extern struct app_config	app_config;

/* http_util.c: every response leaves through these. */
struct api_req	*reqctx_get(struct http_request *);
const char	*request_id(struct http_request *);
void		reply_raw(struct http_request *, int, const char *,
		    const void *, size_t);
void		reply_encoded(struct http_request *, int, const char *,
		    const char *, const void *, size_t);
void		reply_stream_head(struct http_request *, int, const char *,
		    size_t);
void		reply_chunked_head(struct http_request *, int, const char *);
void		reply_json(struct http_request *, int, json_t *);
void		reply_json_text(struct http_request *, int, const char *,
		    size_t);
void		reply_json_encoded(struct http_request *, int, const char *,
		    const void *, size_t);
void		reply_json_ready(struct http_request *, int,
		    const struct pubcache_answer *);
void		reply_error(struct http_request *, int, const char *,
		    const char *, const char *);
void		reply_error_with(struct http_request *, int, const char *,
		    const char *, json_t *);
void		reply_empty(struct http_request *, int);
int		reply_headers_too_large(struct http_request *);
void		conn_timers_start(void);
int		accepts_gzip(struct http_request *);
int		gzip_compress(const void *, size_t, u_int8_t **, size_t *);
json_t		*body_json(struct http_request *, size_t);
u_int8_t	*body_read(struct http_request *, size_t, size_t *);
int		body_file_read(struct http_file *, u_int8_t *, size_t);
int		etag_matches(struct http_request *, const char *);
void		etag_of(const void *, size_t, char *, size_t);
void		etag_send(struct http_request *, const char *, int);
int		reply_cacheable(struct http_request *, const char *,
		    const char *, int);
int		body_only(struct http_request *, json_t *,
		    const char *const *);
int		body_string(struct http_request *, json_t *, const char *,
		    int, size_t, size_t, const char **);
int		body_bool(struct http_request *, json_t *, const char *,
		    int *);
void		reply_field_error(struct http_request *, const char *,
		    const char *);
int		query_arg(struct http_request *, const char *, char *,
		    size_t);
int		query_page(struct http_request *, char *, size_t);

/* db.c: one asynchronous statement per step. */
int		db_init(const char *);
int		db_register(const char *, const char *);
char		*db_conninfo(const char *, const char *);
int		db_call(struct http_request *, struct api_req *, const char *,
		    int, const char **, api_step);
int		db_call_session(struct http_request *, struct api_req *,
		    const char *, int, const char **, api_step);
const char	*db_json_param(struct api_req *, json_t *);
int		db_progress(struct http_request *, struct api_req *);
int		db_reply(struct http_request *, struct api_req *);
const char	*db_value(struct api_req *, int, int);
int		db_isnull(struct api_req *, int, int);
int		db_rows(struct api_req *);
void		db_release(struct api_req *);
/* Also for statements outside a request (jobs.c). */
void		db_revive_idle(struct kore_pgsql *);
int		db_prep_send(struct http_request *, struct api_req *,
		    const int *, const int *);
int		db_prep_step(struct http_request *, struct api_req *,
		    int (*)(struct http_request *, struct api_req *));
void		db_heal(struct kore_pgsql *);

/* api.c: the route table and its dispatcher. */
int		api_dispatch(struct http_request *);
int		api_serve(struct http_request *, const struct api_route *);
const char	*api_param(struct api_req *, int);
int		api_course_call(struct http_request *, struct api_req *,
		    const char *, int, const char **);
int		api_task(struct http_request *, struct api_req *,
		    int (*)(struct kore_task *), api_step);
int		api_task_result(struct api_req *);
struct api_req	*api_task_owner(struct kore_task *);
int		api_route_count(void);
int		api_route_index(const struct api_route *);
const char	*api_route_pattern(int);

/* metrics_serve.c: counters shared by the workers, GET /metrics. */
int		metrics_shared_init(void);
void		metrics_worker_start(void);
u_int64_t	metrics_now_us(void);
const char	*metrics_route_of(struct http_request *, struct api_req *,
		    int *);
const char	*metrics_method_name(int);
void		metrics_request_done(struct http_request *, int, int,
		    u_int64_t);
void		metrics_db_done(u_int64_t, int);

/* http_util.c: an error about a request, as one JSON log line. */
void		log_request_error(struct api_req *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
