/*
 * The validator, the learner's view and grading (src/quiz_question.c,
 * quiz_view.c, quiz_grade.c, quiz_text.c) on arbitrary JSON: the input is
 * [question, answer] (or a question alone). A question the validator
 * accepts has a view with no key material, and grades every answer to a
 * known result, a mark from 0 to 1; an answer built from its own view
 * always grades.
 */

#include <math.h>

#include <jansson.h>

#include "fuzz.h"
#include "quiz_grade.h"
#include "quiz_question.h"

static const unsigned char seed[32] = "fuzzing seed, thirty-two bytes!";

/* No member anywhere in the view may carry the answer key. */
static void
check_secret(json_t *v)
{
	static const char *const banned[] = { "correct", "fraction",
	    "feedback", "answers", "explanation", "tolerance", "key", NULL };
	const char	*k;
	json_t		*e;
	size_t		i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			check_secret(e);
		return;
	}
	json_object_foreach(v, k, e) {
		for (i = 0; banned[i] != NULL; i++)
			FUZZ_CHECK(strcmp(k, banned[i]) != 0);
		check_secret(e);
	}
}

static void
check_grade(json_t *q, json_t *map, json_t *answer, int must)
{
	json_t		*review;
	double		mark;
	int		rc;

	rc = quiz_grade(q, map, answer, &mark, &review);
	FUZZ_CHECK(rc >= QUIZ_GRADE_OK && rc <= QUIZ_GRADE_BAD_QUESTION);
	FUZZ_CHECK(!must || rc == QUIZ_GRADE_OK);
	if (rc != QUIZ_GRADE_OK)
		return;
	FUZZ_CHECK(mark >= 0.0 && mark <= 1.0);
	FUZZ_CHECK(json_is_string(json_object_get(review, "state")));
	json_decref(review);
}

/* An answer of the question's shape, from what the view shows. */
static json_t *
own_answer(json_t *q, json_t *view)
{
	json_t		*ids, *e, *pairs, *opt;
	size_t		i;

	ids = json_array();
	json_array_foreach(json_object_get(view, "choices"), i, e)
		json_array_append(ids, json_object_get(e, "id"));
	json_array_foreach(json_object_get(view, "items"), i, e)
		json_array_append(ids, json_object_get(e, "id"));
	switch (quiz_type_of(q)) {
	case QUIZ_SINGLE:
	case QUIZ_TRUE_FALSE:
		e = json_pack("{s:O}", "choice", json_array_get(ids, 0));
		break;
	case QUIZ_MULTIPLE:
		e = json_pack("{s:O}", "choices", ids);
		break;
	case QUIZ_ORDERING:
		e = json_pack("{s:O}", "order", ids);
		break;
	case QUIZ_SHORT:
		e = json_pack("{s:O}", "text", json_object_get(json_array_get(
		    json_object_get(q, "answers"), 0), "text"));
		break;
	case QUIZ_NUMERIC:
		e = json_pack("{s:O}", "value", json_object_get(json_array_get(
		    json_object_get(q, "answers"), 0), "value"));
		break;
	default:
		pairs = json_object();
		opt = json_object_get(json_array_get(json_object_get(view,
		    "options"), 0), "id");
		json_array_foreach(json_object_get(view, "prompts"), i, e)
			json_object_set(pairs, json_string_value(
			    json_object_get(e, "id")), opt);
		e = json_pack("{s:o}", "pairs", pairs);
		break;
	}
	json_decref(ids);
	return (e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t		*in, *q, *answer, *problems, *view, *map, *own, *e;
	json_t		*review;
	size_t		i;
	double		mark;

	if ((in = json_loadb((const char *)data, len, JSON_DECODE_ANY,
	    NULL)) == NULL)
		return (0);
	q = json_is_array(in) ? json_array_get(in, 0) : in;
	answer = json_is_array(in) ? json_array_get(in, 1) : NULL;
	problems = json_array();
	if (quiz_question_check(q, "questions[0]", problems) > 0) {
		FUZZ_CHECK(json_array_size(problems) > 0);
		json_array_foreach(problems, i, e)
			FUZZ_CHECK(json_is_string(json_object_get(e, "path")));
		FUZZ_CHECK(quiz_view(q, seed, sizeof(seed), &map) == NULL);
		map = json_pack("{s:{}}", "ids");
		check_grade(q, map, answer, 0);
		json_decref(map);
		json_decref(problems);
		json_decref(in);
		return (0);
	}
	FUZZ_CHECK(json_array_size(problems) == 0);
	json_decref(problems);
	view = quiz_view(q, seed, sizeof(seed), &map);
	FUZZ_CHECK(view != NULL && map != NULL);
	check_secret(view);
	check_grade(q, map, answer, 0);
	own = own_answer(q, view);
	check_grade(q, map, own, 1);
	/* The first numeric answer's own value earns its fraction at least. */
	if (quiz_type_of(q) == QUIZ_NUMERIC &&
	    quiz_grade(q, map, own, &mark, &review) == QUIZ_GRADE_OK) {
		FUZZ_CHECK(mark >= fmin(1.0, quiz_answer_fraction(
		    json_array_get(json_object_get(q, "answers"), 0))) - 1e-6);
		json_decref(review);
	}
	json_decref(own);
	json_decref(view);
	json_decref(map);
	json_decref(in);
	return (0);
}
