/*
 * An attempt's answers as a whole (docs/quizzes.md). Each answer is
 * checked by grading it (src/quiz_grade.c) against its question and the
 * attempt's map, so a save refuses exactly what a submit could not
 * grade: an id the attempt never showed, one given twice, another shape.
 * The attempt's score is the mean of its questions' marks, every question
 * worth the same, as a percentage.
 */

#include <math.h>
#include <string.h>

#include "quiz_attempt.h"
#include "quiz_grade.h"

static const json_t	*attempt_question(const json_t *, const char *);

/*
 * NULL when every answer of answers ({qid: answer | null}) fits the
 * attempt's questions; else the error code (unknown_question, or
 * quiz_grade's) with *field set to the qid at fault.
 */
const char *
quiz_attempt_check(const json_t *questions, const json_t *answers,
    const char **field)
{
	const json_t	*q, *value;
	const char	*qid;
	json_t		*review;
	double		mark;
	int		rc;

	*field = NULL;
	json_object_foreach((json_t *)answers, qid, value) {
		*field = qid;
		if ((q = attempt_question(questions, qid)) == NULL)
			return ("unknown_question");
		if (json_is_null(value))
			continue;
		rc = quiz_grade(json_object_get(q, "question"),
		    json_object_get(q, "map"), value, &mark, &review);
		if (rc != QUIZ_GRADE_OK)
			return (quiz_grade_code(rc));
		json_decref(review);
	}
	*field = NULL;
	return (NULL);
}

/* A copy of saved with answers merged in, a null answer clearing one. */
json_t *
quiz_attempt_merge(const json_t *saved, const json_t *answers)
{
	const char	*qid;
	json_t		*out, *value;

	out = json_is_object(saved) ? json_deep_copy(saved) : json_object();
	json_object_foreach((json_t *)answers, qid, value) {
		if (json_is_null(value))
			json_object_del(out, qid);
		else
			json_object_set(out, qid, value);
	}
	return (out);
}

/*
 * Grades every question of the attempt with the answers saved (an answer
 * that no longer fits counts as none). Returns 0 when the questions are
 * not a list.
 */
int
quiz_attempt_grade(const json_t *questions, const json_t *answers,
    struct quiz_attempt_grade *g)
{
	const json_t	*q, *question;
	json_t		*review, *item;
	const char	*qid;
	double		mark, sum;
	size_t		i;

	memset(g, 0, sizeof(*g));
	if (!json_is_array(questions))
		return (0);
	g->marks = json_object();
	g->review = json_array();
	sum = 0;
	json_array_foreach(questions, i, q) {
		qid = json_string_value(json_object_get(q, "id"));
		question = json_object_get(q, "question");
		if (qid == NULL)
			qid = "";
		if (quiz_grade(question, json_object_get(q, "map"),
		    json_object_get(answers, qid), &mark, &review) !=
		    QUIZ_GRADE_OK && quiz_grade(question,
		    json_object_get(q, "map"), NULL, &mark, &review) !=
		    QUIZ_GRADE_OK) {
			/* A question quiz_view accepted always grades. */
			mark = 0;
			review = json_object();
		}
		sum += mark;
		json_object_set_new(g->marks, qid, json_real(mark));
		item = json_pack("{s:s, s:I, s:O, s:O}", "id", qid,
		    "number", (json_int_t)(i + 1), "prompt",
		    json_object_get(question, "prompt"), "type",
		    json_object_get(question, "type"));
		if (item == NULL)
			item = json_pack("{s:s, s:I}", "id", qid, "number",
			    (json_int_t)(i + 1));
		json_object_update_missing(item, review);
		json_decref(review);
		json_array_append_new(g->review, item);
	}
	if (i > 0)
		g->score = round(100.0 * sum / (double)i * QUIZ_SCORE_ROUND) /
		    QUIZ_SCORE_ROUND;
	return (1);
}

void
quiz_attempt_grade_free(struct quiz_attempt_grade *g)
{
	json_decref(g->marks);
	json_decref(g->review);
	g->marks = NULL;
	g->review = NULL;
}

static const json_t *
attempt_question(const json_t *questions, const char *qid)
{
	const json_t	*q;
	const char	*id;
	size_t		i;

	json_array_foreach(questions, i, q) {
		id = json_string_value(json_object_get(q, "id"));
		if (id != NULL && !strcmp(id, qid))
			return (q);
	}
	return (NULL);
}
