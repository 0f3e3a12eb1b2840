/*
 * Enrollment, lessons and progress: the learner's side of a course.
 *
 * Each handler validates what it was sent and makes one call to a SQL
 * function that authorises, does the work and answers, in one transaction
 * (sql/functions/learning.sql). Progress beats carry a client-chosen
 * Idempotency-Key so a phone that retries after a dropped link records a
 * beat once.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "platform.h"
#include "handlers.h"
#include "csv.h"
#include "lesson_cache.h"
#include "validate.h"

#define IDEMPOTENCY_KEY_MAX	128
#define TIME_DELTA_MAX		86400
#define CSV_BODY_MAX		(2 * 1024 * 1024)
#define CSV_ROWS_MAX		10000

static int	lesson_id_ok(struct http_request *, struct api_req *);
static int	lesson_read(struct http_request *, struct api_req *,
		    const char *);
static int	lesson_answer(struct http_request *, struct api_req *);
static int	lesson_reply(struct http_request *, struct api_req *);
static void	lesson_send(struct http_request *, const struct lesson_head *,
		    const char *);
static int	idempotency_key(struct http_request *, const char **);
static json_t	*csv_rows(struct http_request *, const char *, size_t);

int
enrollment_create(struct http_request *req, struct api_req *ar)
{
	return (api_course_call(req, ar, "SELECT status, body FROM api.enroll("
	    "$1, $2, $3)", 0, NULL));
}

int
enrollment_delete(struct http_request *req, struct api_req *ar)
{
	return (api_course_call(req, ar, "SELECT status, body FROM api.unenroll("
	    "$1, $2, $3)", 0, NULL));
}

int
course_progress_get(struct http_request *req, struct api_req *ar)
{
	return (api_course_call(req, ar, "SELECT status, body FROM "
	    "api.course_progress($1, $2, $3)", 0, NULL));
}

int
my_enrollments(struct http_request *req, struct api_req *ar)
{
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.my_enrollments($1, $2)", 0, NULL, db_reply));
}

static int
lesson_id_ok(struct http_request *req, struct api_req *ar)
{
	if (valid_uuid(api_param(ar, 0)))
		return (1);
	reply_error(req, 404, "lesson_not_found", "No such lesson.", NULL);
	return (0);
}

/*
 * A lesson: api.lesson_read, one small statement, answers an enrolled
 * learner of a published course with the progress and the lesson's
 * version, and sends the head (lesson_cache.h) only when this worker holds
 * another version. Anyone else (staff, strangers, ended sessions, unknown
 * lessons) is answered by api.lesson_get, which applies every rule.
 */
int
lesson_get(struct http_request *req, struct api_req *ar)
{
	if (!lesson_id_ok(req, ar))
		return (KORE_RESULT_OK);
	return (lesson_read(req, ar,
	    lesson_cache_version(api_param(ar, 0))));
}

static int
lesson_read(struct http_request *req, struct api_req *ar,
    const char *version)
{
	const char	*params[2];

	params[0] = api_param(ar, 0);
	params[1] = version;
	return (db_call_session(req, ar, "SELECT status, body, version, head "
	    "FROM api.lesson_read($1, $2, $3, $4)", 2, params, lesson_answer));
}

static int
lesson_answer(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];

	if (db_rows(ar) == 1 && atoi(db_value(ar, 0, 0)) != 0)
		return (lesson_reply(req, ar));
	params[0] = api_param(ar, 0);
	return (db_call_session(req, ar, "SELECT status, body, version, head "
	    "FROM api.lesson_get($1, $2, $3)", 1, params, lesson_reply));
}

/* Status, body (the progress when 200), version, head (or NULL). */
static int
lesson_reply(struct http_request *req, struct api_req *ar)
{
	const struct lesson_head	*h;
	const char			*lesson, *version;
	int				status;

	if (db_rows(ar) != 1) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	status = atoi(db_value(ar, 0, 0));
	if (status != 200)
		return (db_reply(req, ar));

	lesson = api_param(ar, 0);
	version = db_value(ar, 0, 2);
	if (!db_isnull(ar, 0, 3))
		h = lesson_cache_put(lesson, version, db_value(ar, 0, 3));
	else if ((h = lesson_cache_get(lesson, version)) == NULL)
		return (lesson_read(req, ar, ""));	/* slot taken since */
	if (h == NULL) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	lesson_send(req, h, db_isnull(ar, 0, 1) ? "null" : db_value(ar, 0, 1));
	return (KORE_RESULT_OK);
}

/* The head and the progress as one JSON object, gzipped when asked. */
static void
lesson_send(struct http_request *req, const struct lesson_head *h,
    const char *progress)
{
	struct kore_buf	tail;
	u_int8_t	*gzbody;
	char		*body;
	size_t		len;
	int		gz, ok;

	kore_buf_init(&tail, 128);
	kore_buf_appendf(&tail, ", \"progress\" : %s}", progress);
	gz = h->len >= GZIP_MIN_BYTES && accepts_gzip(req);
	gzbody = NULL;
	body = NULL;
	if (gz)
		ok = lesson_cache_gzip(h, (const char *)tail.data, tail.offset,
		    &gzbody, &len);
	else
		ok = lesson_cache_text(h, (const char *)tail.data, tail.offset,
		    &body, &len);
	kore_buf_cleanup(&tail);
	if (!ok) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return;
	}
	if (gz)
		reply_json_encoded(req, 200, "gzip", gzbody, len);
	else
		reply_json_encoded(req, 200, NULL, body, len);
	free(gzbody);
	free(body);
}

/* The Idempotency-Key header: 1..128 visible ASCII characters. */
static int
idempotency_key(struct http_request *req, const char **key)
{
	const char	*k;
	size_t		i;

	if (!http_request_header(req, "idempotency-key", &k) || *k == '\0') {
		reply_error(req, 400, "idempotency_key_required", "Send an "
		    "Idempotency-Key header with each progress beat.", NULL);
		return (0);
	}
	for (i = 0; k[i] != '\0'; i++) {
		if (i >= IDEMPOTENCY_KEY_MAX || !isgraph((unsigned char)k[i])) {
			reply_error(req, 400, "invalid_idempotency_key", "The "
			    "Idempotency-Key must be 1 to 128 visible "
			    "characters.", NULL);
			return (0);
		}
	}
	*key = k;
	return (1);
}

int
progress_put(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "position", "time_spent_delta",
	    "completed", NULL };
	const char	*key, *params[5];
	char		pos[32], delta[16];
	json_t		*v;
	int		completed;

	if (!lesson_id_ok(req, ar) || !idempotency_key(req, &key))
		return (KORE_RESULT_OK);
	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields))
		return (KORE_RESULT_OK);

	v = json_object_get(ar->body, "position");
	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1e7) {
		reply_field_error(req, "position", "position must be a number "
		    "from 0 (seconds into a video, or a scroll fraction).");
		return (KORE_RESULT_OK);
	}
	(void)snprintf(pos, sizeof(pos), "%.4f", json_number_value(v));

	v = json_object_get(ar->body, "time_spent_delta");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > TIME_DELTA_MAX) {
		reply_field_error(req, "time_spent_delta", "time_spent_delta "
		    "must be whole seconds from 0 to 86400.");
		return (KORE_RESULT_OK);
	}
	(void)snprintf(delta, sizeof(delta), "%lld",
	    (long long)json_integer_value(v));

	completed = 0;
	if (!body_bool(req, ar->body, "completed", &completed))
		return (KORE_RESULT_OK);

	params[0] = api_param(ar, 0);
	params[1] = key;
	params[2] = pos;
	params[3] = delta;
	params[4] = completed ? "true" : "false";
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.progress_put($1, $2, $3, $4, $5, $6, $7)", 5, params,
	    db_reply));
}

/*
 * Bulk enrollment: a CSV with a header naming "email" and "course" (a
 * course slug). The whole file is parsed before anything is written; a
 * malformed file changes nothing.
 */
int
admin_enrollments_import(struct http_request *req, struct api_req *ar)
{
	const char	*ctype, *params[2];
	u_int8_t	*buf;
	json_t		*rows;
	size_t		len;

	if (!http_request_header(req, "content-type", &ctype) ||
	    strncasecmp(ctype, "text/csv", 8)) {
		reply_error(req, 415, "unsupported_media_type",
		    "Send the file as text/csv.", NULL);
		return (KORE_RESULT_OK);
	}
	if (req->content_length > CSV_BODY_MAX) {
		reply_error(req, 413, "body_too_large",
		    "A CSV file may be at most 2 MB.", NULL);
		return (KORE_RESULT_OK);
	}

	if ((buf = body_read(req, CSV_BODY_MAX, &len)) == NULL) {
		reply_error(req, 413, "body_too_large",
		    "A CSV file may be at most 2 MB.", NULL);
		return (KORE_RESULT_OK);
	}
	rows = csv_rows(req, (const char *)buf, len);
	kore_free(buf);
	if (rows == NULL)
		return (KORE_RESULT_OK);

	params[0] = db_json_param(ar, rows);
	params[1] = ar->request_id;
	json_decref(rows);
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.admin_enroll_bulk($1, $2, $3, $4)", 2, params, db_reply));
}

/* [{"line", "email", "course"}] from the CSV, or NULL (answered). */
static json_t *
csv_rows(struct http_request *req, const char *text, size_t len)
{
	static const char *const columns[] = { "email", "course", NULL };
	struct csv_error	err;
	json_t			*rows;
	char			msg[240];

	rows = csv_columns(text, len, CSV_ROWS_MAX + 1, columns, &err);
	if (rows == NULL) {
		(void)snprintf(msg, sizeof(msg), "Line %zu: %s Nothing was "
		    "imported.", err.line, err.message);
		reply_error(req, 400, "invalid_csv", msg, NULL);
	}
	return (rows);
}
