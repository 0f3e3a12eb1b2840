/*
 * GET /metrics, and the request and statement counters behind it.
 *
 * Kore runs several worker processes; each request is counted by the worker
 * that answered it, into one table mapped shared and anonymous by the
 * parent before the fork (kore_parent_configure), so the page any worker
 * serves adds up every worker's requests. The counters are atomic adds;
 * nothing on the request path takes a lock or makes a system call.
 *
 * What lives in the database (jobs by kind and state, certificates, the
 * mail outbox) is read with one statement a scrape,
 * api.metrics_snapshot() (sql/functions/metrics.sql).
 *
 * Who may read it: a client on the loopback interface that no proxy
 * forwarded, or one presenting SG_METRICS_TOKEN as a bearer token. Anyone
 * else gets the 404 of any unknown address (page_serve answers it).
 */

#include <sys/mman.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"
#include "handlers.h"
#include "logline.h"
#include "metrics.h"

#define METRICS_QUEUE_PUBLISH_MS	1000

int	metrics_serve(struct http_request *);
int	page_serve(struct http_request *);

/* The pgsql layer's count of requests waiting for a connection. */
extern u_int32_t	pgsql_queue_count;

static int	metrics_start(struct http_request *, struct api_req *);
static int	metrics_done(struct http_request *, struct api_req *);
static int	metrics_loopback(struct connection *);
static int	metrics_method_slot(int);
static void	metrics_queue_publish(void *, u_int64_t);
static int	metrics_labels(const char **);

static struct metrics_table	*table;

static const struct api_route	metrics_route = {
	HTTP_METHOD_GET, "/metrics", AUTH_PUBLIC, metrics_start
};

/*
 * The Kore routes (conf/routes.conf) outside the API table, counted under
 * the pattern they are declared with; "^/api/" is an API path no entry of
 * the table matched, "^/" the pages and their assets.
 */
static const char	*const kore_routes[] = {
	"/healthz", "/readyz", "/metrics", "/.well-known/jwks.json",
	"^/verify/", "^/api/", "^/", "other"
};
#define KORE_ROUTES	(sizeof(kore_routes) / sizeof(kore_routes[0]))

int
metrics_shared_init(void)
{
	void	*p;

	if (table != NULL)
		return (1);
	if (api_route_count() + (int)KORE_ROUTES > METRICS_ROUTES_MAX)
		return (0);
	p = mmap(NULL, sizeof(*table), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (0);
	table = p;
	return (1);
}

/* In each worker: its queue depth reaches the table once a second. */
void
metrics_worker_start(void)
{
	(void)kore_timer_add(metrics_queue_publish, METRICS_QUEUE_PUBLISH_MS,
	    NULL, 0);
}

static void
metrics_queue_publish(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	if (table == NULL || worker == NULL || worker->id >= METRICS_WORKERS_MAX)
		return;
	__atomic_store_n(&table->pgsql_queue[worker->id], pgsql_queue_count,
	    __ATOMIC_RELAXED);
}

u_int64_t
metrics_now_us(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000 + (u_int64_t)ts.tv_nsec / 1000);
}

/* The counted route of a request and its label: the pattern, not the path. */
const char *
metrics_route_of(struct http_request *req, struct api_req *ar, int *slot)
{
	const char	*path;
	size_t		i;
	int		idx;

	if (ar->route != NULL && (idx = api_route_index(ar->route)) >= 0) {
		*slot = idx;
		return (ar->route->pattern);
	}
	path = req->hdlr != NULL ? req->hdlr->path : NULL;
	for (i = 0; path != NULL && i < KORE_ROUTES - 1; i++) {
		if (!strcmp(path, kore_routes[i]))
			break;
	}
	if (path == NULL)
		i = KORE_ROUTES - 1;
	*slot = api_route_count() + (int)i;
	return (kore_routes[i]);
}

/* Called once a request, by the access log, with its answer. */
void
metrics_request_done(struct http_request *req, int slot, int status,
    u_int64_t us)
{
	metrics_record(table, slot, metrics_method_slot(req->method), status,
	    us);
}

void
metrics_db_done(u_int64_t us, int kind)
{
	metrics_db_record(table, us, kind);
}

const char *
metrics_method_name(int method)
{
	return (metrics_method_names[metrics_method_slot(method)]);
}

static int
metrics_method_slot(int method)
{
	switch (method) {
	case HTTP_METHOD_GET:
		return (0);
	case HTTP_METHOD_HEAD:
		return (1);
	case HTTP_METHOD_POST:
		return (2);
	case HTTP_METHOD_PUT:
		return (3);
	case HTTP_METHOD_PATCH:
		return (4);
	case HTTP_METHOD_DELETE:
		return (5);
	case HTTP_METHOD_OPTIONS:
		return (6);
	default:
		return (7);
	}
}

int
metrics_serve(struct http_request *req)
{
	const char	*auth, *fwd;
	int		local;

	if (http_state_exists(req) && reqctx_get(req)->route != NULL)
		return (api_serve(req, &metrics_route));

	if (!http_request_header(req, "authorization", &auth))
		auth = NULL;
	local = metrics_loopback(req->owner);
	if (!metrics_access(local, http_request_header(req, "x-forwarded-for",
	    &fwd), auth, getenv("SG_METRICS_TOKEN")))
		return (page_serve(req));

	if (req->method != HTTP_METHOD_GET) {
		http_response_header(req, "allow", "GET");
		reply_error(req, 405, "method_not_allowed",
		    "This path does not take that method.", NULL);
		return (KORE_RESULT_OK);
	}
	return (api_serve(req, &metrics_route));
}

static int
metrics_loopback(struct connection *c)
{
	const u_int8_t	*a;

	if (c == NULL)
		return (0);
	if (c->family == AF_INET)
		return ((ntohl(c->addr.ipv4.sin_addr.s_addr) >> 24) == 127);
	if (c->family == AF_INET6) {
		a = c->addr.ipv6.sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&c->addr.ipv6.sin6_addr))
			return (1);
		/* ::ffff:127.x.x.x */
		return (IN6_IS_ADDR_V4MAPPED(&c->addr.ipv6.sin6_addr) &&
		    a[12] == 127);
	}
	return (c->family == AF_UNIX);
}

static int
metrics_start(struct http_request *req, struct api_req *ar)
{
	return (db_call(req, ar, "SELECT api.metrics_snapshot()", 0, NULL,
	    metrics_done));
}

static int
metrics_labels(const char **labels)
{
	int	i, n;

	n = api_route_count();
	for (i = 0; i < n; i++)
		labels[i] = api_route_pattern(i);
	for (i = 0; i < (int)KORE_ROUTES; i++)
		labels[n + i] = kore_routes[i];
	return (n + (int)KORE_ROUTES);
}

static int
metrics_done(struct http_request *req, struct api_req *ar)
{
	const char		*labels[METRICS_ROUTES_MAX];
	struct metrics_text	text;
	json_t			*doc;
	json_error_t		err;
	int			ok;

	metrics_queue_publish(NULL, 0);
	doc = NULL;
	if (db_rows(ar) == 1)
		doc = json_loads(db_value(ar, 0, 0), 0, &err);

	metrics_text_init(&text);
	metrics_render_requests(&text, table, labels, metrics_labels(labels));
	metrics_render_db(&text, table, METRICS_WORKERS_MAX);
	ok = doc != NULL && metrics_render_snapshot(&text, doc);
	json_decref(doc);

	if (!ok || text.failed) {
		metrics_text_free(&text);
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	http_response_header(req, "cache-control", "no-store");
	reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    text.data, text.len);
	metrics_text_free(&text);
	return (KORE_RESULT_OK);
}
