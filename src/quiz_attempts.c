/*
 * Quiz attempts: the learner's routes (a quiz, starting an attempt,
 * saving answers, submitting, reading an attempt), the quiz_deadline job,
 * and the instructors' quiz settings. docs/quizzes.md has the rules.
 *
 * The database authorises and decides (sql/functions/quizzes.sql); what
 * needs the pure C core happens here between two statements: drawing a
 * new attempt (src/quiz_draw.c), checking answers against the attempt's
 * questions and grading it (src/quiz_attempt.c, src/quiz_grade.c). A
 * first statement answers either the reply itself, or a row asking for
 * that work (status 0: an expired attempt to grade as saved; 1: a pool
 * to draw from; 2: questions to check answers against), whose result
 * the next statement writes. Those rows carry the answer key: they stay
 * in this file and are never sent.
 *
 * A save is the hot path (pages autosave every few seconds): once a
 * worker has read an attempt's questions it keeps them (attempt_cache.c;
 * they never change), and its saves are one statement, the check in C
 * before it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "platform.h"
#include "attempt_cache.h"
#include "handlers.h"
#include "jobs.h"
#include "quiz_attempt.h"
#include "quiz_draw.h"
#include "validate.h"

/* The attempt's secret seed: quiz_view's ids and shuffles, the draw. */
#define QUIZ_SEED_BYTES		32
/* Times an expired attempt may be graded on one request's way. */
#define QUIZ_EXPIRE_TRIES	3

enum quiz_route {
	QUIZ_ROUTE_GET,
	QUIZ_ROUTE_START,
	QUIZ_ROUTE_ATTEMPT,
	QUIZ_ROUTE_SAVE,
	QUIZ_ROUTE_SUBMIT
};

struct quiz_call {
	int		route;
	int		expired;	/* times graded at the deadline */
	json_t		*answers;	/* the body's, for save and submit */
};

static int	quiz_learner(struct http_request *, struct api_req *, int,
		    const char *);
static int	quiz_first(struct http_request *, struct api_req *);
static int	quiz_step(struct http_request *, struct api_req *);
static int	quiz_expire(struct http_request *, struct api_req *,
		    json_t *);
static int	quiz_expired(struct http_request *, struct api_req *);
static int	quiz_draw_new(struct http_request *, struct api_req *,
		    json_t *);
static int	quiz_save(struct http_request *, struct api_req *, json_t *);
static int	quiz_submit(struct http_request *, struct api_req *,
		    json_t *);
static int	quiz_answers_body(struct http_request *, struct api_req *,
		    int);
static int	quiz_check(struct http_request *, const json_t *,
		    const json_t *);
static int	quiz_save_write(struct http_request *, struct api_req *,
		    const json_t *);
static void	quiz_grade_params(struct quiz_attempt_grade *, char **,
		    char **, char *, size_t);
static void	quiz_call_free(void *);
static json_t	*quiz_row_json(struct api_req *);
static int	quiz_deadline_due(struct job *);
static int	quiz_deadline_done(struct job *);
static int	quiz_id_ok(struct http_request *, struct api_req *);

int
quiz_get(struct http_request *req, struct api_req *ar)
{
	return (quiz_learner(req, ar, QUIZ_ROUTE_GET, "quiz_not_found"));
}

int
quiz_attempt_start(struct http_request *req, struct api_req *ar)
{
	return (quiz_learner(req, ar, QUIZ_ROUTE_START, "quiz_not_found"));
}

int
quiz_attempt_get(struct http_request *req, struct api_req *ar)
{
	return (quiz_learner(req, ar, QUIZ_ROUTE_ATTEMPT,
	    "attempt_not_found"));
}

int
quiz_attempt_save(struct http_request *req, struct api_req *ar)
{
	return (quiz_learner(req, ar, QUIZ_ROUTE_SAVE, "attempt_not_found"));
}

int
quiz_attempt_submit(struct http_request *req, struct api_req *ar)
{
	return (quiz_learner(req, ar, QUIZ_ROUTE_SUBMIT,
	    "attempt_not_found"));
}

/* The shape every learner route shares: check the id and body, call. */
static int
quiz_learner(struct http_request *req, struct api_req *ar, int route,
    const char *not_found)
{
	struct quiz_call	*qc;

	if (!valid_uuid(api_param(ar, 0))) {
		reply_error(req, 404, not_found, route == QUIZ_ROUTE_GET ||
		    route == QUIZ_ROUTE_START ? "No such quiz." :
		    "No such attempt.", NULL);
		return (KORE_RESULT_OK);
	}
	qc = kore_calloc(1, sizeof(*qc));
	qc->route = route;
	ar->data = qc;
	ar->free_data = quiz_call_free;
	if (route == QUIZ_ROUTE_SAVE || route == QUIZ_ROUTE_SUBMIT) {
		if (!quiz_answers_body(req, ar, route == QUIZ_ROUTE_SAVE))
			return (KORE_RESULT_OK);
	}
	return (quiz_first(req, ar));
}

static void
quiz_call_free(void *p)
{
	struct quiz_call	*qc = p;

	json_decref(qc->answers);
	kore_free(qc);
}

/*
 * {"answers": {qid: answer | null}}: required to save, optional to
 * submit (no body, or no member, submits what was saved).
 */
static int
quiz_answers_body(struct http_request *req, struct api_req *ar,
    int required)
{
	static const char *const fields[] = { "answers", NULL };
	struct quiz_call	*qc = ar->data;
	json_t			*a;

	if (!required && req->content_length == 0)
		return (1);
	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (0);
	if (!body_only(req, ar->body, fields))
		return (0);
	a = json_object_get(ar->body, "answers");
	if (a == NULL && !required)
		return (1);
	if (!json_is_object(a) || json_object_size(a) > QUIZ_DRAW_MAX) {
		reply_field_error(req, "answers", "answers must be an object "
		    "of answers by question id.");
		return (0);
	}
	qc->answers = json_incref(a);
	return (1);
}

/* The route's first statement; again after an expired attempt's grade. */
static int
quiz_first(struct http_request *req, struct api_req *ar)
{
	struct quiz_call	*qc = ar->data;
	const json_t		*cached;
	const char		*params[2];

	params[0] = api_param(ar, 0);
	switch (qc->route) {
	case QUIZ_ROUTE_GET:
		return (db_call_session(req, ar, "SELECT status, body FROM "
		    "api.quiz_get($1, $2, $3)", 1, params, quiz_step));
	case QUIZ_ROUTE_START:
		return (db_call_session(req, ar, "SELECT status, body FROM "
		    "api.quiz_attempt_start($1, $2, $3)", 1, params,
		    quiz_step));
	case QUIZ_ROUTE_ATTEMPT:
		return (db_call_session(req, ar, "SELECT status, body FROM "
		    "api.attempt_get($1, $2, $3)", 1, params, quiz_step));
	case QUIZ_ROUTE_SAVE:
		if ((cached = attempt_cache_get(params[0],
		    ar->session.user_id)) != NULL)
			return (quiz_save_write(req, ar, cached));
		params[1] = "false";
		return (db_call_session(req, ar, "SELECT status, body FROM "
		    "api.attempt_questions($1, $2, $3, $4)", 2, params,
		    quiz_step));
	default:
		params[1] = "true";
		return (db_call_session(req, ar, "SELECT status, body FROM "
		    "api.attempt_questions($1, $2, $3, $4)", 2, params,
		    quiz_step));
	}
}

/* A row of the learner routes: answered, or work to do first. */
static int
quiz_step(struct http_request *req, struct api_req *ar)
{
	struct quiz_call	*qc = ar->data;
	json_t			*body;
	int			status, rc;

	if (db_rows(ar) != 1 || db_isnull(ar, 0, 1) ||
	    (status = atoi(db_value(ar, 0, 0))) >= 100)
		return (db_reply(req, ar));
	if ((body = quiz_row_json(ar)) == NULL) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	if (status == 0)
		rc = quiz_expire(req, ar, body);
	else if (status == 1 && qc->route == QUIZ_ROUTE_START)
		rc = quiz_draw_new(req, ar, body);
	else if (status == 2 && qc->route == QUIZ_ROUTE_SAVE)
		rc = quiz_save(req, ar, body);
	else if (status == 2 && qc->route == QUIZ_ROUTE_SUBMIT)
		rc = quiz_submit(req, ar, body);
	else
		fatal("quiz_step: status %d for route %d", status, qc->route);
	json_decref(body);
	return (rc);
}

static json_t *
quiz_row_json(struct api_req *ar)
{
	return (json_loads(db_value(ar, 0, 1), 0, NULL));
}

/*
 * An open attempt past its deadline and grace: graded as saved, as its
 * job would, before the route goes on (a read sees it submitted; a save
 * or submit is refused, deadline_passed).
 */
static int
quiz_expire(struct http_request *req, struct api_req *ar, json_t *body)
{
	struct quiz_call		*qc = ar->data;
	struct quiz_attempt_grade	g;
	json_t				*e;
	const char			*params[4];
	char				*marks, *review, score[32];
	int				rc;

	e = json_object_get(body, "expired");
	if (++qc->expired > QUIZ_EXPIRE_TRIES || !quiz_attempt_grade(
	    json_object_get(e, "questions"), json_object_get(e, "answers"),
	    &g)) {
		reply_error(req, 503, "try_again", "The attempt changed while "
		    "it was read; send the request again.", NULL);
		return (KORE_RESULT_OK);
	}
	quiz_grade_params(&g, &marks, &review, score, sizeof(score));
	params[0] = json_string_value(json_object_get(e, "attempt_id"));
	params[1] = marks;
	params[2] = review;
	params[3] = score;
	rc = db_call(req, ar, "SELECT quiz.attempt_expire($1, $2, $3, $4)",
	    4, params, quiz_expired);
	free(marks);
	free(review);
	quiz_attempt_grade_free(&g);
	return (rc);
}

static int
quiz_expired(struct http_request *req, struct api_req *ar)
{
	struct quiz_call	*qc = ar->data;

	if (qc->route == QUIZ_ROUTE_SAVE || qc->route == QUIZ_ROUTE_SUBMIT) {
		reply_error(req, 409, "deadline_passed", "The time for this "
		    "attempt is over; it is graded as last saved.", NULL);
		return (KORE_RESULT_OK);
	}
	return (quiz_first(req, ar));
}

/* The grade as statement parameters: two JSON texts (free them), a number. */
static void
quiz_grade_params(struct quiz_attempt_grade *g, char **marks, char **review,
    char *score, size_t len)
{
	*marks = json_dumps(g->marks, JSON_COMPACT);
	*review = json_dumps(g->review, JSON_COMPACT);
	if (*marks == NULL || *review == NULL)
		fatal("quiz_grade_params: out of memory");
	(void)snprintf(score, len, "%.4f", g->score);
}

/* A new attempt: a fresh seed, the draw, then its row. */
static int
quiz_draw_new(struct http_request *req, struct api_req *ar, json_t *body)
{
	unsigned char	seed[QUIZ_SEED_BYTES];
	char		hex[QUIZ_SEED_BYTES * 2 + 1];
	const char	*params[3];
	json_int_t	count;
	json_t		*questions;
	int		rc;

	randombytes_buf(seed, sizeof(seed));
	count = json_integer_value(json_object_get(body, "draw_count"));
	questions = quiz_draw_attempt(json_object_get(body, "pool"),
	    count > 0 ? (size_t)count : 0,
	    json_is_true(json_object_get(body, "per_category")), seed,
	    sizeof(seed));
	if (questions == NULL)
		fatal("quiz_draw_new: the seed's length");
	(void)sodium_bin2hex(hex, sizeof(hex), seed, sizeof(seed));
	sodium_memzero(seed, sizeof(seed));
	params[0] = api_param(ar, 0);
	params[1] = hex;
	params[2] = db_json_param(ar, questions);
	json_decref(questions);
	rc = db_call_session(req, ar, "SELECT status, body FROM "
	    "api.quiz_attempt_create($1, $2, $3, $4, $5)", 3, params,
	    quiz_step);
	sodium_memzero(hex, sizeof(hex));
	return (rc);
}

/* Answers that do not fit the attempt: 422 naming the question. */
static int
quiz_check(struct http_request *req, const json_t *questions,
    const json_t *answers)
{
	const char	*code, *field;

	if ((code = quiz_attempt_check(questions, answers, &field)) == NULL)
		return (1);
	if (!strcmp(code, "unknown_question")) {
		reply_error(req, 422, code, "That question is not one of this "
		    "attempt.", field);
	} else if (!strcmp(code, "choice_not_in_attempt")) {
		reply_error(req, 422, code, "The answer names a choice this "
		    "attempt did not show.", field);
	} else if (!strcmp(code, "duplicate_choice")) {
		reply_error(req, 422, code, "The answer names one choice "
		    "twice.", field);
	} else {
		reply_error(req, 422, "malformed_answer", "The answer does not "
		    "have the shape this question takes.", field);
	}
	return (0);
}

/* The attempt's questions, read once: kept, then the save. */
static int
quiz_save(struct http_request *req, struct api_req *ar, json_t *body)
{
	attempt_cache_put(api_param(ar, 0), ar->session.user_id,
	    json_object_get(body, "questions"));
	return (quiz_save_write(req, ar, json_object_get(body, "questions")));
}

/*
 * Answers checked against the attempt's questions, then written. The
 * statement refuses a submitted attempt, and asks for the grade of one
 * past its deadline and grace (status 0), as attempt_questions does.
 */
static int
quiz_save_write(struct http_request *req, struct api_req *ar,
    const json_t *questions)
{
	struct quiz_call	*qc = ar->data;
	const char		*params[2];

	if (!quiz_check(req, questions, qc->answers))
		return (KORE_RESULT_OK);
	params[0] = api_param(ar, 0);
	params[1] = db_json_param(ar, qc->answers);
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.attempt_answers_save($1, $2, $3, $4)", 2, params,
	    quiz_step));
}

/*
 * The body's answers (checked) over those saved, graded; the statement
 * writes the grade unless another submit did first, and answers the
 * attempt as submitted either way.
 */
static int
quiz_submit(struct http_request *req, struct api_req *ar, json_t *body)
{
	struct quiz_call		*qc = ar->data;
	struct quiz_attempt_grade	g;
	const json_t			*questions;
	const char			*params[5];
	char				*answers, *marks, *review, score[32];
	json_t				*merged;
	int				rc;

	questions = json_object_get(body, "questions");
	if (qc->answers != NULL && !quiz_check(req, questions, qc->answers))
		return (KORE_RESULT_OK);
	merged = quiz_attempt_merge(json_object_get(body, "answers"),
	    qc->answers);
	if (!quiz_attempt_grade(questions, merged, &g))
		fatal("quiz_submit: the attempt's questions are not a list");
	quiz_grade_params(&g, &marks, &review, score, sizeof(score));
	if ((answers = json_dumps(merged, JSON_COMPACT)) == NULL)
		fatal("quiz_submit: out of memory");
	json_decref(merged);
	params[0] = api_param(ar, 0);
	params[1] = answers;
	params[2] = marks;
	params[3] = review;
	params[4] = score;
	rc = db_call_session(req, ar, "SELECT status, body FROM "
	    "api.attempt_submit($1, $2, $3, $4, $5, $6, $7)", 5, params,
	    db_reply);
	free(answers);
	free(marks);
	free(review);
	quiz_attempt_grade_free(&g);
	return (rc);
}

/*
 * The quiz_deadline job, scheduled at an attempt's deadline and grace:
 * still open, it is graded as saved. Idempotent: the write only changes
 * an open attempt, and a submitted one reads as nothing due.
 */
int
quiz_deadline_job(struct job *j)
{
	const char	*params[1];

	params[0] = json_string_value(json_object_get(j->payload,
	    "attempt_id"));
	if (params[0] == NULL || !valid_uuid(params[0]))
		return (job_fail(j, "quiz_deadline: no attempt_id"));
	return (job_sql(j, "SELECT questions, answers FROM "
	    "quiz.deadline_due($1)", 1, params, quiz_deadline_due));
}

static int
quiz_deadline_due(struct job *j)
{
	struct quiz_attempt_grade	g;
	json_t				*questions, *answers;
	const char			*params[4];
	char				*marks, *review, score[32];
	int				rc;

	if (job_rows(j) == 0)
		return (JOB_DONE);
	questions = json_loads(job_value(j, 0, 0), 0, NULL);
	answers = json_loads(job_value(j, 0, 1), 0, NULL);
	if (!quiz_attempt_grade(questions, answers, &g)) {
		json_decref(questions);
		json_decref(answers);
		return (job_fail(j, "quiz_deadline: unreadable attempt"));
	}
	json_decref(questions);
	json_decref(answers);
	quiz_grade_params(&g, &marks, &review, score, sizeof(score));
	params[0] = json_string_value(json_object_get(j->payload,
	    "attempt_id"));
	params[1] = marks;
	params[2] = review;
	params[3] = score;
	rc = job_sql(j, "SELECT quiz.attempt_expire($1, $2, $3, $4)", 4,
	    params, quiz_deadline_done);
	free(marks);
	free(review);
	quiz_attempt_grade_free(&g);
	return (rc);
}

static int
quiz_deadline_done(struct job *j)
{
	return (JOB_DONE);
}

/* Instructors ------------------------------------------------------------- */

static int
quiz_id_ok(struct http_request *req, struct api_req *ar)
{
	if (valid_uuid(api_param(ar, 0)))
		return (1);
	reply_error(req, 404, "quiz_not_found", "No such quiz.", NULL);
	return (0);
}

int
instructor_course_quizzes(struct http_request *req, struct api_req *ar)
{
	return (api_course_call(req, ar, "SELECT status, body FROM "
	    "api.instructor_course_quizzes($1, $2, $3)", 0, NULL));
}

int
instructor_quiz_get(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];

	if (!quiz_id_ok(req, ar))
		return (KORE_RESULT_OK);
	params[0] = api_param(ar, 0);
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.instructor_quiz_get($1, $2, $3)", 1, params, db_reply));
}

/* The settings named are checked by the database, each with its field. */
int
instructor_quiz_patch(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "pass_mark", "required",
	    "attempts_allowed", "attempt_delay_minutes", "time_limit_minutes",
	    "grading_method", "review_policy", "draw_count",
	    "draw_per_category", "pool_categories", NULL };
	const char	*params[2];

	if (!quiz_id_ok(req, ar))
		return (KORE_RESULT_OK);
	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields))
		return (KORE_RESULT_OK);
	params[0] = api_param(ar, 0);
	params[1] = db_json_param(ar, ar->body);
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.instructor_quiz_patch($1, $2, $3, $4)", 2, params, db_reply));
}
