/*
 * The authoring API: instructors create courses, upload modules, order and
 * publish them. Who may touch a course is decided in SQL
 * (content.course_for_edit) in the same statement as the change, which is
 * audit-logged there too.
 *
 * A module upload is checked completely (package.c, on a task thread so
 * the worker keeps serving) before anything is written, and only once the
 * caller is known to be allowed to change the course; a package with any
 * problem gets one 422 listing them all and the course stays as it was.
 */

#include <stdio.h>
#include <stdlib.h>

#include "platform.h"
#include "handlers.h"
#include "package.h"
#include "validate.h"

struct upload {
	u_int8_t	*zip;
	size_t		len;
	json_t		*problems;
	char		*doc;
};

static int	course_doc_check(struct http_request *, json_t *, int);
static int	course_doc_texts(struct http_request *, json_t *, int);
static int	course_doc_audiences(struct http_request *, json_t *);
static int	course_doc_settings(struct http_request *, json_t *);
static int	course_doc_dates(struct http_request *, json_t *);
static int	upload_read(struct http_request *, struct api_req *);
static int	upload_task(struct kore_task *);
static int	upload_store(struct http_request *, struct api_req *);
static void	upload_free(void *);
static int	course_call(struct http_request *, struct api_req *,
		    const char *, const char *);

static const char *const course_fields[] = { "slug", "title", "summary",
    "language", "audiences", "estimated_hours", "translation_group",
    "sequential", "enroll_opens_at", "enroll_closes_at", "capacity",
    "certificate_valid_months", NULL };

/* Checks a course document; creating requires slug, title, language. */
static int
course_doc_check(struct http_request *req, json_t *body, int creating)
{
	if (!body_only(req, body, creating ? course_fields : course_fields + 1))
		return (0);
	return (course_doc_texts(req, body, creating) &&
	    course_doc_audiences(req, body) &&
	    course_doc_settings(req, body) &&
	    course_doc_dates(req, body));
}

/* The text members: slug, title, summary, language, translation_group. */
static int
course_doc_texts(struct http_request *req, json_t *body, int creating)
{
	const char	*s;

	if (!body_string(req, body, "slug", creating, 1, 80, &s))
		return (0);
	if (s != NULL && !valid_slug(s, 80)) {
		reply_field_error(req, "slug", "Use lowercase letters, digits "
		    "and single hyphens, such as child-abuse-foundations.");
		return (0);
	}
	if (!body_string(req, body, "title", creating, 1, 200, &s))
		return (0);
	if (s != NULL && has_control_chars(s)) {
		reply_field_error(req, "title", "The title must be one line.");
		return (0);
	}
	if (!body_string(req, body, "summary", 0, 0, 2000, &s))
		return (0);
	if (!body_string(req, body, "language", creating, 2, 35, &s))
		return (0);
	if (s != NULL && !valid_language(s)) {
		reply_field_error(req, "language", "Use a language tag such as "
		    "en or es.");
		return (0);
	}
	if (!body_string(req, body, "translation_group", 0, 1, 64, &s))
		return (0);
	if (s != NULL && !valid_key(s, 64)) {
		reply_field_error(req, "translation_group", "Use lowercase "
		    "letters, digits and hyphens.");
		return (0);
	}
	return (1);
}

/* audiences, when present: a list of professions. */
static int
course_doc_audiences(struct http_request *req, json_t *body)
{
	json_t		*a, *v;
	size_t		i;

	if ((a = json_object_get(body, "audiences")) == NULL)
		return (1);
	if (!json_is_array(a)) {
		reply_field_error(req, "audiences", "List professions.");
		return (0);
	}
	json_array_foreach(a, i, v) {
		if (!valid_profession(json_string_value(v))) {
			reply_field_error(req, "audiences", "Each "
			    "audience must be one of the professions.");
			return (0);
		}
	}
	return (1);
}

/*
 * estimated_hours, capacity, sequential and certificate_valid_months,
 * each when present.
 */
static int
course_doc_settings(struct http_request *req, json_t *body)
{
	json_t		*v;

	v = json_object_get(body, "estimated_hours");
	if (v != NULL && (!json_is_number(v) || json_number_value(v) <= 0 ||
	    json_number_value(v) > 999)) {
		reply_field_error(req, "estimated_hours", "Give the hours as a "
		    "number above 0.");
		return (0);
	}
	v = json_object_get(body, "capacity");
	if (v != NULL && !json_is_null(v) && (!json_is_integer(v) ||
	    json_integer_value(v) < 1)) {
		reply_field_error(req, "capacity", "The capacity must be a "
		    "whole number from 1, or null.");
		return (0);
	}
	v = json_object_get(body, "certificate_valid_months");
	if (v != NULL && !json_is_null(v) && (!json_is_integer(v) ||
	    json_integer_value(v) < 1 || json_integer_value(v) > 600)) {
		reply_field_error(req, "certificate_valid_months", "Give the "
		    "months a certificate is valid, 1 to 600, or null.");
		return (0);
	}
	v = json_object_get(body, "sequential");
	if (v != NULL && !json_is_boolean(v)) {
		reply_field_error(req, "sequential", "Use true or false.");
		return (0);
	}
	return (1);
}

/* The enrolment window: short strings or null; SQL casts the times. */
static int
course_doc_dates(struct http_request *req, json_t *body)
{
	const char	*s;
	json_t		*v;
	size_t		i;

	for (i = 0; i < 2; i++) {
		s = i ? "enroll_closes_at" : "enroll_opens_at";
		v = json_object_get(body, s);
		if (v != NULL && !json_is_null(v) && (!json_is_string(v) ||
		    json_string_length(v) > 40)) {
			reply_field_error(req, s, "Give a date and time such as "
			    "2027-01-31T23:59:00Z, or null.");
			return (0);
		}
	}
	return (1);
}

/* Calls an authoring function taking (uid, sid, slug, doc, request id). */
static int
course_call(struct http_request *req, struct api_req *ar, const char *sql,
    const char *doc)
{
	const char	*extra[2];

	extra[0] = doc;
	extra[1] = ar->request_id;
	return (api_course_call(req, ar, sql, 2, extra));
}

int
instructor_courses(struct http_request *req, struct api_req *ar)
{
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.instructor_courses($1, $2)", 0, NULL, db_reply));
}

int
course_create(struct http_request *req, struct api_req *ar)
{
	const char	*params[2];

	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!course_doc_check(req, ar->body, 1))
		return (KORE_RESULT_OK);

	params[0] = db_json_param(ar, ar->body);
	params[1] = ar->request_id;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.course_create($1, $2, $3, $4)", 2, params, db_reply));
}

int
course_patch(struct http_request *req, struct api_req *ar)
{
	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!course_doc_check(req, ar->body, 0))
		return (KORE_RESULT_OK);
	return (course_call(req, ar, "SELECT status, body FROM api.course_patch("
	    "$1, $2, $3, $4, $5)", db_json_param(ar, ar->body)));
}

int
course_publish(struct http_request *req, struct api_req *ar)
{
	return (course_call(req, ar, "SELECT status, body FROM "
	    "api.course_publish($1, $2, $3, $4::boolean, $5)", "true"));
}

int
course_unpublish(struct http_request *req, struct api_req *ar)
{
	return (course_call(req, ar, "SELECT status, body FROM "
	    "api.course_publish($1, $2, $3, $4::boolean, $5)", "false"));
}

int
course_preview(struct http_request *req, struct api_req *ar)
{
	return (api_course_call(req, ar, "SELECT status, body FROM "
	    "api.course_preview($1, $2, $3)", 0, NULL));
}

/* The learners of a course and their progress, searched by name. */
int
course_learners(struct http_request *req, struct api_req *ar)
{
	const char	*extra[2];
	char		q[128], page[16];
	int		r;

	if (!query_page(req, page, sizeof(page)))
		return (KORE_RESULT_OK);
	if ((r = query_arg(req, "q", q, sizeof(q))) == -1)
		return (KORE_RESULT_OK);
	extra[0] = r == 1 ? q : NULL;
	extra[1] = page;
	return (api_course_call(req, ar, "SELECT status, body FROM "
	    "api.course_learners($1, $2, $3, $4, $5)", 2, extra));
}

int
course_instructor_add(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "email", NULL };
	const char	*email;
	char		norm[EMAIL_MAX + 1];

	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields) ||
	    !body_string(req, ar->body, "email", 1, 3, EMAIL_MAX, &email))
		return (KORE_RESULT_OK);
	if (!email_normalise(email, norm, sizeof(norm))) {
		reply_field_error(req, "email", "This does not look like an "
		    "email address.");
		return (KORE_RESULT_OK);
	}
	return (course_call(req, ar, "SELECT status, body FROM "
	    "api.course_instructor_add($1, $2, $3, $4, $5)", norm));
}

int
module_delete(struct http_request *req, struct api_req *ar)
{
	if (!valid_key(api_param(ar, 1), 64)) {
		reply_error(req, 404, "module_not_found",
		    "This course has no module with that key.", NULL);
		return (KORE_RESULT_OK);
	}
	return (course_call(req, ar, "SELECT status, body FROM "
	    "api.module_delete($1, $2, $3, $4, $5)", api_param(ar, 1)));
}

int
module_reorder(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "keys", NULL };
	json_t		*keys, *k;
	size_t		i;

	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields))
		return (KORE_RESULT_OK);
	keys = json_object_get(ar->body, "keys");
	if (!json_is_array(keys) || json_array_size(keys) > 1000) {
		reply_field_error(req, "keys", "List the module keys in order.");
		return (KORE_RESULT_OK);
	}
	json_array_foreach(keys, i, k) {
		if (!valid_key(json_string_value(k), 64)) {
			reply_field_error(req, "keys", "Each key must be a "
			    "module key.");
			return (KORE_RESULT_OK);
		}
	}
	return (course_call(req, ar, "SELECT status, body FROM "
	    "api.module_reorder($1, $2, $3, $4, $5)", db_json_param(ar, keys)));
}

/*
 * Upload. Who may change the course is asked first, so that no one can
 * make the server unzip and render a package for a course that is not
 * theirs (nor learn from a 422 what a 403 or 404 should say); then the zip
 * is read from the multipart body and checked on a task thread, off the
 * worker's event loop; then it is imported (which asks again, in the
 * import's own transaction).
 */
int
module_upload(struct http_request *req, struct api_req *ar)
{
	const char	*ctype, *params[1];
	char		msg[64];

	if (!valid_slug(api_param(ar, 0), 80)) {
		reply_error(req, 404, "course_not_found",
		    "No course has that address.", NULL);
		return (KORE_RESULT_OK);
	}
	if (!http_request_header(req, "content-type", &ctype) ||
	    strncasecmp(ctype, "multipart/form-data", 19)) {
		reply_error(req, 415, "unsupported_media_type", "Send the "
		    "package as multipart/form-data in the field 'package'.",
		    NULL);
		return (KORE_RESULT_OK);
	}
	if (req->content_length > PACKAGE_UPLOAD_MAX) {
		(void)snprintf(msg, sizeof(msg), "A package may be at most "
		    "%d MB.", PACKAGE_UPLOAD_MAX / (1024 * 1024));
		reply_error(req, 413, "package_too_large", msg, "package");
		return (KORE_RESULT_OK);
	}
	params[0] = api_param(ar, 0);
	return (db_call_session(req, ar, "SELECT (content.course_for_edit($1, "
	    "$2, $3)).id", 1, params, upload_read));
}

/* The caller may edit the course: read the package, check it off-loop. */
static int
upload_read(struct http_request *req, struct api_req *ar)
{
	struct http_file	*file;
	struct upload		*up;

	if (db_rows(ar) != 1) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	http_populate_multipart_form(req);
	if ((file = http_file_lookup(req, "package")) == NULL ||
	    file->length == 0) {
		reply_field_error(req, "package", "Attach the module package "
		    "(a zip file) in the field 'package'.");
		return (KORE_RESULT_OK);
	}

	up = kore_calloc(1, sizeof(*up));
	ar->data = up;
	ar->free_data = upload_free;
	up->zip = kore_malloc(file->length);
	up->len = file->length;
	if (!body_file_read(file, up->zip, up->len)) {
		reply_error(req, 400, "upload_incomplete", "The package could "
		    "not be read from the request.", "package");
		return (KORE_RESULT_OK);
	}
	up->problems = json_array();
	return (api_task(req, ar, upload_task, upload_store));
}

/* On a task thread: touches only the upload struct. */
static int
upload_task(struct kore_task *t)
{
	struct upload	*up = api_task_owner(t)->data;
	json_t		*doc;

	if ((doc = package_parse(up->zip, up->len, up->problems)) == NULL)
		return (KORE_RESULT_OK);
	up->doc = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return (KORE_RESULT_OK);
}

static int
upload_store(struct http_request *req, struct api_req *ar)
{
	struct upload	*up = ar->data;
	json_t		*extra;
	char		msg[128];
	int		ret;

	(void)api_task_result(ar);
	if (up->doc == NULL) {
		(void)snprintf(msg, sizeof(msg), "The package has %zu "
		    "problem(s); nothing was imported.",
		    json_array_size(up->problems));
		extra = json_pack("{s:s, s:O}", "field", "package", "problems",
		    up->problems);
		reply_error_with(req, 422, "invalid_package", msg, extra);
		json_decref(extra);
		return (KORE_RESULT_OK);
	}
	ret = course_call(req, ar, "SELECT status, body FROM "
	    "api.module_upload($1, $2, $3, $4, $5)", up->doc);
	return (ret);
}

static void
upload_free(void *p)
{
	struct upload	*up = p;

	kore_free(up->zip);
	if (up->problems != NULL)
		json_decref(up->problems);
	free(up->doc);
	kore_free(up);
}
