/*
 * Question banks and quiz statistics for instructors.
 *
 * An import reads a GIFT or Moodle XML file from the request body, parses
 * and checks it with the pure importers (quiz_gift.c, quiz_moodle_xml.c)
 * on a task thread, and stores every question in one transaction, or none
 * when the file has any problem: the 422 lists them all. Who may change
 * the course is asked before the file is read, so that no one makes the
 * server parse a file for a course that is not theirs, and again in the
 * import's own transaction (sql/functions/quiz_banks.sql).
 *
 * The statistics are computed in SQL in one statement (quiz.stats).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"
#include "handlers.h"
#include "quiz_import.h"
#include "validate.h"

#define QUESTION_FORMAT_GIFT	1
#define QUESTION_FORMAT_XML	2

struct bank_import {
	char		*file;
	size_t		len;
	int		format;
	json_t		*problems;
	json_t		*skipped;
	char		*questions;	/* JSON text, NULL on problems */
	char		*skipped_text;
};

static int	import_format(struct http_request *, int *);
static int	import_read(struct http_request *, struct api_req *);
static int	import_task(struct kore_task *);
static int	import_store(struct http_request *, struct api_req *);
static void	import_free(void *);
static int	format_sniff(const char *, size_t);

/*
 * POST /api/v1/instructor/courses/:slug/questions/import. The format is
 * ?format=gift|moodle_xml, else the Content-Type (text/xml or
 * application/xml: Moodle XML; text/plain: GIFT), else the file's first
 * bytes (<?xml or <quiz: Moodle XML; anything else GIFT).
 */
int
question_import(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];
	char		msg[64];
	int		format;

	if (!valid_slug(api_param(ar, 0), 80)) {
		reply_error(req, 404, "course_not_found",
		    "No course has that address.", NULL);
		return (KORE_RESULT_OK);
	}
	if (!import_format(req, &format))
		return (KORE_RESULT_OK);
	if (req->content_length > QUIZ_IMPORT_MAX_BYTES) {
		(void)snprintf(msg, sizeof(msg), "A question file may be at "
		    "most %d MB.", QUIZ_IMPORT_MAX_BYTES / (1024 * 1024));
		reply_error(req, 413, "file_too_large", msg, NULL);
		return (KORE_RESULT_OK);
	}
	ar->data = kore_calloc(1, sizeof(struct bank_import));
	ar->free_data = import_free;
	((struct bank_import *)ar->data)->format = format;
	params[0] = api_param(ar, 0);
	return (db_call_session(req, ar, "SELECT (content.course_for_edit($1, "
	    "$2, $3)).id", 1, params, import_read));
}

/*
 * The format asked for: 0 (guess from the file), or one of
 * QUESTION_FORMAT_*; answers and returns 0 when the request names none it
 * can take.
 */
static int
import_format(struct http_request *req, int *format)
{
	const char	*ctype;
	char		arg[16];
	int		r;

	*format = 0;
	if ((r = query_arg(req, "format", arg, sizeof(arg))) == -1)
		return (0);
	if (r == 1) {
		if (!strcmp(arg, "gift"))
			*format = QUESTION_FORMAT_GIFT;
		else if (!strcmp(arg, "moodle_xml"))
			*format = QUESTION_FORMAT_XML;
		else {
			reply_error(req, 422, "invalid_field", "The format is "
			    "gift or moodle_xml.", "format");
			return (0);
		}
		return (1);
	}
	if (!http_request_header(req, "content-type", &ctype))
		return (1);
	if (!strncasecmp(ctype, "text/xml", 8) ||
	    !strncasecmp(ctype, "application/xml", 15))
		*format = QUESTION_FORMAT_XML;
	else if (!strncasecmp(ctype, "text/plain", 10))
		*format = QUESTION_FORMAT_GIFT;
	else if (!strncasecmp(ctype, "application/json", 16) ||
	    !strncasecmp(ctype, "multipart/", 10)) {
		reply_error(req, 415, "unsupported_media_type", "Send the file "
		    "itself as the body: text/plain for GIFT, application/xml "
		    "for Moodle XML.", NULL);
		return (0);
	}
	return (1);
}

/* The caller may edit the course: read the file, parse it off-loop. */
static int
import_read(struct http_request *req, struct api_req *ar)
{
	struct bank_import	*bi = ar->data;
	char			msg[64];

	if (db_rows(ar) != 1) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	bi->file = (char *)body_read(req, QUIZ_IMPORT_MAX_BYTES, &bi->len);
	if (bi->file == NULL) {
		(void)snprintf(msg, sizeof(msg), "A question file may be at "
		    "most %d MB.", QUIZ_IMPORT_MAX_BYTES / (1024 * 1024));
		reply_error(req, 413, "file_too_large", msg, NULL);
		return (KORE_RESULT_OK);
	}
	if (bi->format == 0)
		bi->format = format_sniff(bi->file, bi->len);
	bi->problems = json_array();
	bi->skipped = json_array();
	return (api_task(req, ar, import_task, import_store));
}

/* Moodle XML when the file starts (after a BOM and blanks) with a tag. */
static int
format_sniff(const char *p, size_t len)
{
	size_t		i;

	i = (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) ? 3 : 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	if ((len - i >= 5 && !memcmp(p + i, "<?xml", 5)) ||
	    (len - i >= 5 && !memcmp(p + i, "<quiz", 5)))
		return (QUESTION_FORMAT_XML);
	return (QUESTION_FORMAT_GIFT);
}

/* On a task thread: touches only the import struct. */
static int
import_task(struct kore_task *t)
{
	struct bank_import	*bi = api_task_owner(t)->data;
	json_t			*list;

	if (bi->format == QUESTION_FORMAT_XML)
		list = quiz_moodle_xml_parse(bi->file, bi->len, bi->problems,
		    bi->skipped);
	else
		list = quiz_gift_parse(bi->file, bi->len, bi->problems,
		    bi->skipped);
	/* Nothing but skipped questions: nothing to import, no problem. */
	if (list == NULL && json_array_size(bi->problems) == 0 &&
	    json_array_size(bi->skipped) > 0)
		list = json_array();
	if (list != NULL && json_array_size(bi->problems) == 0)
		bi->questions = json_dumps(list, JSON_COMPACT);
	bi->skipped_text = json_dumps(bi->skipped, JSON_COMPACT);
	json_decref(list);
	return (KORE_RESULT_OK);
}

static int
import_store(struct http_request *req, struct api_req *ar)
{
	struct bank_import	*bi = ar->data;
	const char		*params[5];
	json_t			*extra;
	char			msg[128];

	(void)api_task_result(ar);
	if (bi->questions == NULL || bi->skipped_text == NULL) {
		(void)snprintf(msg, sizeof(msg), "The file has %zu "
		    "problem(s); nothing was imported.",
		    json_array_size(bi->problems));
		extra = json_pack("{s:O, s:O}", "problems", bi->problems,
		    "skipped", bi->skipped);
		reply_error_with(req, 422, "invalid_questions", msg, extra);
		json_decref(extra);
		return (KORE_RESULT_OK);
	}
	params[0] = api_param(ar, 0);
	params[1] = bi->format == QUESTION_FORMAT_XML ? "moodle_xml" : "gift";
	params[2] = bi->questions;
	params[3] = bi->skipped_text;
	params[4] = ar->request_id;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.question_import($1, $2, $3, $4, $5, $6, $7)", 5, params,
	    db_reply));
}

static void
import_free(void *p)
{
	struct bank_import	*bi = p;

	kore_free(bi->file);
	if (bi->problems != NULL)
		json_decref(bi->problems);
	if (bi->skipped != NULL)
		json_decref(bi->skipped);
	free(bi->questions);
	free(bi->skipped_text);
	kore_free(bi);
}

/* GET /api/v1/instructor/courses/:slug/questions[?category=] */
int
question_bank_list(struct http_request *req, struct api_req *ar)
{
	const char	*extra[1];
	char		category[256];
	int		r;

	if ((r = query_arg(req, "category", category, sizeof(category))) == -1)
		return (KORE_RESULT_OK);
	extra[0] = r == 1 ? category : NULL;
	return (api_course_call(req, ar, "SELECT status, body FROM "
	    "api.question_bank($1, $2, $3, $4)", 1, extra));
}

/* DELETE /api/v1/instructor/courses/:slug/questions/:key */
int
question_delete(struct http_request *req, struct api_req *ar)
{
	const char	*extra[2], *key;
	size_t		i;

	key = api_param(ar, 1);
	for (i = 0; key[i] != '\0'; i++) {
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= 'A' && key[i] <= 'Z') ||
		    (key[i] >= '0' && key[i] <= '9') || key[i] == '-' ||
		    key[i] == '_'))
			break;
	}
	if (key[i] != '\0' || i == 0 || i > 64) {
		reply_error(req, 404, "question_not_found",
		    "This course's bank has no question with that key.", NULL);
		return (KORE_RESULT_OK);
	}
	extra[0] = key;
	extra[1] = ar->request_id;
	return (api_course_call(req, ar, "SELECT status, body FROM "
	    "api.question_delete($1, $2, $3, $4, $5)", 2, extra));
}

/* GET /api/v1/instructor/quizzes/:id/stats */
int
quiz_stats(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];

	if (!valid_uuid(api_param(ar, 0))) {
		reply_error(req, 404, "quiz_not_found",
		    "There is no quiz with that id.", NULL);
		return (KORE_RESULT_OK);
	}
	params[0] = api_param(ar, 0);
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.quiz_stats($1, $2, $3)", 1, params, db_reply));
}
