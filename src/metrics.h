/*
 * Counters for GET /metrics (Prometheus text format).
 *
 * metrics.c is pure (no Kore, no libpq): the table of counters, the
 * choice of a status slot and a latency bucket, who may read the page,
 * and the text of the page. metrics_serve.c maps the table into memory
 * shared by every worker before Kore forks them, records each answered
 * request and database statement into it, and serves the page.
 */

#ifndef __H_METRICS_H
#define __H_METRICS_H

#include <sys/types.h>

#include <stddef.h>

#include <jansson.h>

/* Routes counted: the API table's entries, then the Kore routes. */
#define METRICS_ROUTES_MAX	160
#define METRICS_METHODS		8	/* GET HEAD POST PUT PATCH DELETE OPTIONS other */
#define METRICS_STATUS_SLOTS	36	/* the statuses this app sends, then other */
#define METRICS_BUCKETS		12	/* latency upper bounds; +Inf is the count */
#define METRICS_WORKERS_MAX	64
#define METRICS_DB_ERROR_KINDS	4	/* conflict input unavailable internal */

#define METRICS_DB_CONFLICT	0
#define METRICS_DB_INPUT	1
#define METRICS_DB_UNAVAILABLE	2
#define METRICS_DB_INTERNAL	3

struct metrics_series {
	u_int64_t	status[METRICS_STATUS_SLOTS];
	u_int64_t	bucket[METRICS_BUCKETS + 1];	/* not cumulative */
	u_int64_t	sum_us;
};

/*
 * Every field is changed with atomic adds by any worker: counters add up
 * across processes. Anonymous shared memory starts zeroed.
 */
struct metrics_table {
	struct metrics_series	series[METRICS_ROUTES_MAX][METRICS_METHODS];
	u_int64_t		db_statements;
	u_int64_t		db_time_us;
	u_int64_t		db_errors[METRICS_DB_ERROR_KINDS];
	u_int32_t		pgsql_queue[METRICS_WORKERS_MAX];
};

/* A growing text buffer (malloc'd); len excludes the final NUL. */
struct metrics_text {
	char		*data;
	size_t		len;
	size_t		cap;
	int		failed;
};

extern const char	*const metrics_method_names[METRICS_METHODS];

int	metrics_status_slot(int);
int	metrics_status_code(int);
int	metrics_bucket(u_int64_t);
void	metrics_record(struct metrics_table *, int, int, int, u_int64_t);
void	metrics_db_record(struct metrics_table *, u_int64_t, int);
int	metrics_access(int, int, const char *, const char *);

void	metrics_text_init(struct metrics_text *);
void	metrics_text_free(struct metrics_text *);
void	metrics_text_add(struct metrics_text *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	metrics_render_requests(struct metrics_text *,
	    const struct metrics_table *, const char *const *, int);
void	metrics_render_db(struct metrics_text *, const struct metrics_table *,
	    int);
int	metrics_render_snapshot(struct metrics_text *, json_t *);

#endif
