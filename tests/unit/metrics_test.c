/*
 * Unit tests for src/metrics.c: status slots, latency buckets, who may
 * read the page, and the text it renders.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "metrics.h"

static void
status_slots(void **state)
{
	assert_int_equal(metrics_status_code(metrics_status_slot(200)), 200);
	assert_int_equal(metrics_status_code(metrics_status_slot(503)), 503);
	assert_int_equal(metrics_status_code(metrics_status_slot(431)), 431);
	/* A status the app never sends shares the last slot. */
	assert_int_equal(metrics_status_slot(299), METRICS_STATUS_SLOTS - 1);
	assert_int_equal(metrics_status_slot(-1), METRICS_STATUS_SLOTS - 1);
	assert_int_equal(metrics_status_code(METRICS_STATUS_SLOTS - 1), 0);
}

static void
buckets(void **state)
{
	assert_int_equal(metrics_bucket(0), 0);
	assert_int_equal(metrics_bucket(1000), 0);	/* le is inclusive */
	assert_int_equal(metrics_bucket(1001), 1);
	assert_int_equal(metrics_bucket(5000000), METRICS_BUCKETS - 1);
	assert_int_equal(metrics_bucket(5000001), METRICS_BUCKETS);
	assert_int_equal(metrics_bucket(UINT64_MAX), METRICS_BUCKETS);
}

static void
access_rules(void **state)
{
	/* Loopback, not forwarded: yes, token or not. */
	assert_true(metrics_access(1, 0, NULL, NULL));
	assert_true(metrics_access(1, 0, NULL, "s3cret"));
	/* Through a proxy on the same host, or from afar: only the token. */
	assert_false(metrics_access(1, 1, NULL, "s3cret"));
	assert_false(metrics_access(0, 0, NULL, "s3cret"));
	assert_true(metrics_access(0, 0, "Bearer s3cret", "s3cret"));
	assert_true(metrics_access(1, 1, "Bearer s3cret", "s3cret"));
	assert_false(metrics_access(0, 0, "Bearer s3cre", "s3cret"));
	assert_false(metrics_access(0, 0, "Bearer s3cret ", "s3cret"));
	assert_false(metrics_access(0, 0, "bearer s3cret", "s3cret"));
	assert_false(metrics_access(0, 0, "s3cret", "s3cret"));
	/* No token configured: an empty bearer opens nothing. */
	assert_false(metrics_access(0, 0, "Bearer ", ""));
	assert_false(metrics_access(0, 0, "Bearer ", NULL));
}

static struct metrics_table *
table_new(void)
{
	struct metrics_table	*t;

	t = calloc(1, sizeof(*t));
	assert_non_null(t);
	return (t);
}

static void
render_counts_what_was_recorded(void **state)
{
	static const char	*const labels[] = { "/api/v1/courses/:slug",
	    "^/" };
	struct metrics_table	*t;
	struct metrics_text	x;

	t = table_new();
	metrics_record(t, 0, 0, 200, 700);
	metrics_record(t, 0, 0, 200, 30000);
	metrics_record(t, 0, 0, 404, 2000);
	metrics_record(t, 1, 2, 299, 10);
	metrics_record(t, METRICS_ROUTES_MAX, 0, 200, 1);	/* ignored */
	metrics_record(NULL, 0, 0, 200, 1);			/* ignored */

	metrics_text_init(&x);
	metrics_render_requests(&x, t, labels, 2);
	assert_false(x.failed);
	assert_non_null(strstr(x.data, "sg_http_requests_total{route=\"/api/"
	    "v1/courses/:slug\",method=\"GET\",status=\"200\"} 2\n"));
	assert_non_null(strstr(x.data, "status=\"404\"} 1\n"));
	assert_non_null(strstr(x.data, "{route=\"^/\",method=\"POST\","
	    "status=\"other\"} 1\n"));
	assert_non_null(strstr(x.data, "le=\"0.001\"} 1\n"));
	assert_non_null(strstr(x.data, "le=\"0.0025\"} 2\n"));
	assert_non_null(strstr(x.data, "le=\"0.05\"} 3\n"));
	assert_non_null(strstr(x.data, "le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(x.data, "sg_http_request_duration_seconds_sum{"
	    "route=\"/api/v1/courses/:slug\",method=\"GET\"} 0.032700\n"));
	assert_non_null(strstr(x.data, "_count{route=\"/api/v1/courses/:slug"
	    "\",method=\"GET\"} 3\n"));
	/* Nothing for a method never used. */
	assert_null(strstr(x.data, "method=\"PUT\""));
	metrics_text_free(&x);

	metrics_db_record(t, 1500000, -1);
	metrics_db_record(t, 250, METRICS_DB_UNAVAILABLE);
	t->pgsql_queue[2] = 3;
	t->pgsql_queue[5] = 4;
	metrics_text_init(&x);
	metrics_render_db(&x, t, METRICS_WORKERS_MAX);
	assert_non_null(strstr(x.data, "sg_db_statements_total 2\n"));
	assert_non_null(strstr(x.data, "sg_db_time_seconds_total 1.500250\n"));
	assert_non_null(strstr(x.data,
	    "sg_db_errors_total{kind=\"unavailable\"} 1\n"));
	assert_non_null(strstr(x.data,
	    "sg_db_errors_total{kind=\"internal\"} 0\n"));
	assert_non_null(strstr(x.data, "sg_pgsql_queue_depth 7\n"));
	metrics_text_free(&x);
	free(t);
}

static void
snapshot(void **state)
{
	struct metrics_text	x;
	json_t			*doc;

	doc = json_loads("{\"jobs\":[{\"kind\":\"cert\\\"x\",\"state\":"
	    "\"queued\",\"n\":2}],\"certificates_issued\":5,"
	    "\"certificates_revoked\":1,\"mail\":null}", 0, NULL);
	assert_non_null(doc);
	metrics_text_init(&x);
	assert_true(metrics_render_snapshot(&x, doc));
	assert_non_null(strstr(x.data,
	    "sg_jobs{kind=\"cert\\\"x\",state=\"queued\"} 2\n"));
	assert_non_null(strstr(x.data, "sg_certificates_issued_total 5\n"));
	assert_non_null(strstr(x.data, "sg_certificates_revoked_total 1\n"));
	/* No outbox table yet: no mail family at all. */
	assert_null(strstr(x.data, "sg_mails"));
	metrics_text_free(&x);
	json_decref(doc);

	doc = json_loads("{\"jobs\":[],\"certificates_issued\":0,"
	    "\"certificates_revoked\":0,\"mail\":{\"queued\":3,\"sent\":9,"
	    "\"failed\":1}}", 0, NULL);
	metrics_text_init(&x);
	assert_true(metrics_render_snapshot(&x, doc));
	assert_non_null(strstr(x.data, "sg_mails{state=\"queued\"} 3\n"));
	assert_non_null(strstr(x.data, "sg_mails{state=\"sent\"} 9\n"));
	assert_non_null(strstr(x.data, "sg_mails{state=\"failed\"} 1\n"));
	metrics_text_free(&x);
	json_decref(doc);

	doc = json_loads("{\"jobs\":{}}", 0, NULL);
	metrics_text_init(&x);
	assert_false(metrics_render_snapshot(&x, doc));
	metrics_text_free(&x);
	json_decref(doc);
}

static void
text_grows(void **state)
{
	struct metrics_text	x;
	int			i;

	metrics_text_init(&x);
	for (i = 0; i < 10000; i++)
		metrics_text_add(&x, "%05d\n", i);
	assert_false(x.failed);
	assert_int_equal(x.len, 60000);
	assert_int_equal(strlen(x.data), 60000);
	assert_memory_equal(x.data + 59994, "09999\n", 6);
	metrics_text_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_slots),
		cmocka_unit_test(buckets),
		cmocka_unit_test(access_rules),
		cmocka_unit_test(render_counts_what_was_recorded),
		cmocka_unit_test(snapshot),
		cmocka_unit_test(text_grows),
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
