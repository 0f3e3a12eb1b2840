/*
 * The pure half of GET /metrics: counters, buckets, access and text.
 *
 * Nothing here knows Kore or libpq, so the unit tests reach all of it
 * (tests/unit/metrics_test.c). metrics_serve.c owns the shared mapping and
 * the request path. The counters are only ever added to, with relaxed
 * atomics: a scrape may see one request's status before its latency, never
 * a torn number, and Prometheus asks no more of counters.
 */

#include <sys/types.h>

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define ADD(p, n)	__atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define LOAD(p)		__atomic_load_n((p), __ATOMIC_RELAXED)

static void	text_label_value(struct metrics_text *, const char *);
static void	render_series(struct metrics_text *, const char *, const char *,
		    const struct metrics_series *);

const char	*const metrics_method_names[METRICS_METHODS] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"
};

/* The statuses the app answers with; anything else counts as "other". */
static const int	status_codes[METRICS_STATUS_SLOTS - 1] = {
	200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308,
	400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414,
	415, 416, 422, 428, 429, 431, 500, 501, 502, 503, 504
};

/* Upper bounds in microseconds; the labels say the same in seconds. */
static const u_int64_t	bucket_us[METRICS_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000
};
static const char	*const bucket_le[METRICS_BUCKETS] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "5"
};

static const char	*const db_error_kinds[METRICS_DB_ERROR_KINDS] = {
	"conflict", "input", "unavailable", "internal"
};

int
metrics_status_slot(int status)
{
	int	i;

	for (i = 0; i < METRICS_STATUS_SLOTS - 1; i++) {
		if (status_codes[i] == status)
			return (i);
	}
	return (METRICS_STATUS_SLOTS - 1);
}

/* The code a slot counts, or 0 for the slot of every other status. */
int
metrics_status_code(int slot)
{
	if (slot < 0 || slot >= METRICS_STATUS_SLOTS - 1)
		return (0);
	return (status_codes[slot]);
}

/* The first bucket whose bound holds us; METRICS_BUCKETS past the last. */
int
metrics_bucket(u_int64_t us)
{
	int	i;

	for (i = 0; i < METRICS_BUCKETS; i++) {
		if (us <= bucket_us[i])
			return (i);
	}
	return (METRICS_BUCKETS);
}

void
metrics_record(struct metrics_table *t, int route, int method, int status,
    u_int64_t us)
{
	struct metrics_series	*s;

	if (t == NULL || route < 0 || route >= METRICS_ROUTES_MAX ||
	    method < 0 || method >= METRICS_METHODS)
		return;
	s = &t->series[route][method];
	ADD(&s->status[metrics_status_slot(status)], 1);
	ADD(&s->bucket[metrics_bucket(us)], 1);
	ADD(&s->sum_us, us);
}

/* One statement's time; kind is a METRICS_DB_* error, or -1 for none. */
void
metrics_db_record(struct metrics_table *t, u_int64_t us, int kind)
{
	if (t == NULL)
		return;
	ADD(&t->db_statements, 1);
	ADD(&t->db_time_us, us);
	if (kind >= 0 && kind < METRICS_DB_ERROR_KINDS)
		ADD(&t->db_errors[kind], 1);
}

/*
 * Who may read the page: a caller that presents the token (compared in
 * constant time: both sides are hashed first, so neither the contents nor
 * the length of the token leak), or one on the loopback interface that no
 * proxy forwarded (a proxy on the same host would otherwise make every
 * client local). An empty or unset token turns the token path off.
 */
int
metrics_access(int loopback, int forwarded, const char *authorization,
    const char *token)
{
	unsigned char	want[crypto_generichash_BYTES];
	unsigned char	got[crypto_generichash_BYTES];
	const char	*given;

	if (token != NULL && *token != '\0' && authorization != NULL &&
	    !strncmp(authorization, "Bearer ", 7)) {
		given = authorization + 7;
		crypto_generichash(want, sizeof(want),
		    (const unsigned char *)token, strlen(token), NULL, 0);
		crypto_generichash(got, sizeof(got),
		    (const unsigned char *)given, strlen(given), NULL, 0);
		if (sodium_memcmp(want, got, sizeof(want)) == 0)
			return (1);
	}
	return (loopback && !forwarded);
}

void
metrics_text_init(struct metrics_text *t)
{
	memset(t, 0, sizeof(*t));
}

void
metrics_text_free(struct metrics_text *t)
{
	free(t->data);
	memset(t, 0, sizeof(*t));
}

void
metrics_text_add(struct metrics_text *t, const char *fmt, ...)
{
	va_list		ap;
	int		n;
	size_t		cap;
	char		*p;

	for (;;) {
		if (t->failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->data ? t->data + t->len : NULL,
		    t->data ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if (t->data != NULL && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		cap = t->cap ? t->cap * 2 : 4096;
		while (cap - t->len <= (size_t)n)
			cap *= 2;
		if ((p = realloc(t->data, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->data = p;
		t->cap = cap;
	}
}

/* A label value between quotes, escaped as the text format says. */
static void
text_label_value(struct metrics_text *t, const char *v)
{
	metrics_text_add(t, "\"");
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			metrics_text_add(t, "\\\\");
		else if (*v == '"')
			metrics_text_add(t, "\\\"");
		else if (*v == '\n')
			metrics_text_add(t, "\\n");
		else
			metrics_text_add(t, "%c", *v);
	}
	metrics_text_add(t, "\"");
}

/*
 * The requests and latency families. Only series that counted something
 * appear: a route never called has no line (its counter reads as 0).
 */
void
metrics_render_requests(struct metrics_text *t, const struct metrics_table *m,
    const char *const *labels, int nroutes)
{
	const struct metrics_series	*s;
	u_int64_t			n;
	int				r, k, i;

	metrics_text_add(t, "# HELP sg_http_requests_total Requests answered, "
	    "by route pattern, method and status.\n"
	    "# TYPE sg_http_requests_total counter\n");
	for (r = 0; r < nroutes && r < METRICS_ROUTES_MAX; r++) {
		for (k = 0; k < METRICS_METHODS; k++) {
			s = &m->series[r][k];
			for (i = 0; i < METRICS_STATUS_SLOTS; i++) {
				if ((n = LOAD(&s->status[i])) == 0)
					continue;
				metrics_text_add(t,
				    "sg_http_requests_total{route=");
				text_label_value(t, labels[r]);
				metrics_text_add(t, ",method=\"%s\",status=",
				    metrics_method_names[k]);
				if (metrics_status_code(i) == 0)
					metrics_text_add(t, "\"other\"");
				else
					metrics_text_add(t, "\"%d\"",
					    metrics_status_code(i));
				metrics_text_add(t, "} %llu\n",
				    (unsigned long long)n);
			}
		}
	}

	metrics_text_add(t, "# HELP sg_http_request_duration_seconds Time from "
	    "the request's start to its answer, by route pattern and method.\n"
	    "# TYPE sg_http_request_duration_seconds histogram\n");
	for (r = 0; r < nroutes && r < METRICS_ROUTES_MAX; r++) {
		for (k = 0; k < METRICS_METHODS; k++)
			render_series(t, labels[r], metrics_method_names[k],
			    &m->series[r][k]);
	}
}

/* One histogram: cumulative buckets, +Inf, sum and count, or nothing. */
static void
render_series(struct metrics_text *t, const char *route, const char *method,
    const struct metrics_series *s)
{
	u_int64_t	cum[METRICS_BUCKETS + 1], total, sum;
	int		i;

	total = 0;
	for (i = 0; i <= METRICS_BUCKETS; i++) {
		total += LOAD(&s->bucket[i]);
		cum[i] = total;
	}
	if (total == 0)
		return;
	sum = LOAD(&s->sum_us);

	for (i = 0; i <= METRICS_BUCKETS; i++) {
		metrics_text_add(t, "sg_http_request_duration_seconds_bucket"
		    "{route=");
		text_label_value(t, route);
		metrics_text_add(t, ",method=\"%s\",le=\"%s\"} %llu\n", method,
		    i < METRICS_BUCKETS ? bucket_le[i] : "+Inf",
		    (unsigned long long)cum[i]);
	}
	metrics_text_add(t, "sg_http_request_duration_seconds_sum{route=");
	text_label_value(t, route);
	metrics_text_add(t, ",method=\"%s\"} %llu.%06llu\n", method,
	    (unsigned long long)(sum / 1000000),
	    (unsigned long long)(sum % 1000000));
	metrics_text_add(t, "sg_http_request_duration_seconds_count{route=");
	text_label_value(t, route);
	metrics_text_add(t, ",method=\"%s\"} %llu\n", method,
	    (unsigned long long)total);
}

/* The database families; nworkers slots of the queue are summed. */
void
metrics_render_db(struct metrics_text *t, const struct metrics_table *m,
    int nworkers)
{
	u_int64_t	us, queued;
	int		i;

	us = LOAD(&m->db_time_us);
	metrics_text_add(t, "# HELP sg_db_statements_total Statements the "
	    "request handlers sent to PostgreSQL.\n"
	    "# TYPE sg_db_statements_total counter\n"
	    "sg_db_statements_total %llu\n",
	    (unsigned long long)LOAD(&m->db_statements));
	metrics_text_add(t, "# HELP sg_db_time_seconds_total Time from sending "
	    "a statement to its last row.\n"
	    "# TYPE sg_db_time_seconds_total counter\n"
	    "sg_db_time_seconds_total %llu.%06llu\n",
	    (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000));
	metrics_text_add(t, "# HELP sg_db_errors_total Statements that failed, "
	    "by kind (refusals of the SQL functions are answers, not errors).\n"
	    "# TYPE sg_db_errors_total counter\n");
	for (i = 0; i < METRICS_DB_ERROR_KINDS; i++) {
		metrics_text_add(t, "sg_db_errors_total{kind=\"%s\"} %llu\n",
		    db_error_kinds[i],
		    (unsigned long long)LOAD(&m->db_errors[i]));
	}

	queued = 0;
	for (i = 0; i < nworkers && i < METRICS_WORKERS_MAX; i++)
		queued += LOAD(&m->pgsql_queue[i]);
	metrics_text_add(t, "# HELP sg_pgsql_queue_depth Requests waiting for "
	    "a free database connection, all workers.\n"
	    "# TYPE sg_pgsql_queue_depth gauge\n"
	    "sg_pgsql_queue_depth %llu\n", (unsigned long long)queued);
}

/*
 * The families read from the database: api.metrics_snapshot()'s document
 * (sql/functions/metrics.sql). Returns 0 when it is not of that shape.
 */
int
metrics_render_snapshot(struct metrics_text *t, json_t *doc)
{
	json_t		*jobs, *job, *mail, *v;
	const char	*state;
	size_t		i;
	static const char	*const mail_states[] = {
		"queued", "sent", "failed"
	};

	jobs = json_object_get(doc, "jobs");
	if (!json_is_array(jobs) ||
	    !json_is_integer(json_object_get(doc, "certificates_issued")) ||
	    !json_is_integer(json_object_get(doc, "certificates_revoked")))
		return (0);

	metrics_text_add(t, "# HELP sg_jobs Background jobs, by kind and "
	    "state.\n# TYPE sg_jobs gauge\n");
	json_array_foreach(jobs, i, job) {
		if (!json_is_string(json_object_get(job, "kind")) ||
		    !json_is_string(json_object_get(job, "state")) ||
		    !json_is_integer(json_object_get(job, "n")))
			return (0);
		metrics_text_add(t, "sg_jobs{kind=");
		text_label_value(t, json_string_value(json_object_get(job,
		    "kind")));
		metrics_text_add(t, ",state=");
		text_label_value(t, json_string_value(json_object_get(job,
		    "state")));
		metrics_text_add(t, "} %lld\n", (long long)json_integer_value(
		    json_object_get(job, "n")));
	}

	metrics_text_add(t, "# HELP sg_certificates_issued_total Certificates "
	    "issued.\n# TYPE sg_certificates_issued_total counter\n"
	    "sg_certificates_issued_total %lld\n",
	    (long long)json_integer_value(json_object_get(doc,
	    "certificates_issued")));
	metrics_text_add(t, "# HELP sg_certificates_revoked_total Certificates "
	    "revoked.\n# TYPE sg_certificates_revoked_total counter\n"
	    "sg_certificates_revoked_total %lld\n",
	    (long long)json_integer_value(json_object_get(doc,
	    "certificates_revoked")));

	/* Absent until the outbox exists (a database before mail's tables). */
	mail = json_object_get(doc, "mail");
	if (!json_is_object(mail))
		return (1);
	metrics_text_add(t, "# HELP sg_mails Mails in the outbox, by state.\n"
	    "# TYPE sg_mails gauge\n");
	for (i = 0; i < sizeof(mail_states) / sizeof(mail_states[0]); i++) {
		state = mail_states[i];
		v = json_object_get(mail, state);
		metrics_text_add(t, "sg_mails{state=\"%s\"} %lld\n", state,
		    json_is_integer(v) ? (long long)json_integer_value(v) : 0LL);
	}
	return (1);
}
