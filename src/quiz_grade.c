/*
 * Grading one question (docs/questions.md, "Grading"). The learner's
 * answer names choices by the opaque ids of the attempt's map; an id the
 * map does not hold is refused (QUIZ_GRADE_NOT_IN_ATTEMPT), as is one
 * given twice, never counted. An empty answer is a mark of 0.
 *
 *   single choice, true/false	the chosen choice's fraction
 *   multiple, all or nothing	1 when exactly the choices worth more than
 *				0 are chosen, else 0
 *   multiple, partial		the chosen fractions added up
 *   short answer, numeric	the best fraction of the answers matched
 *   ordering, all or nothing	1 when every item is in its place
 *   ordering, partial		items in their place / items (Moodle's
 *				ordering question's "absolute position")
 *   matching, partial		right pairs / pairs (Moodle's default)
 *   matching, all or nothing	1 when every pair is right
 *
 * Every mark is clamped to 0..1 (a negative fraction never takes marks
 * from other questions) and rounded to 7 decimals.
 */

#include <math.h>
#include <string.h>

#include "quiz_grade.h"
#include "quiz_question.h"
#include "quiz_text.h"

/* Numbers this close to a bound are on it: 0.1 + 0.2 is 0.3 here. */
#define NUMERIC_EPSILON		1e-12

struct grade {
	const json_t	*q;
	const json_t	*ids;
	const json_t	*options;
	const json_t	*answer;
	double		mark;
	json_t		*review;
};

static int	grade_choices(struct grade *, int);
static int	grade_short(struct grade *);
static int	grade_numeric(struct grade *);
static int	grade_ordering(struct grade *);
static int	grade_matching(struct grade *);
static int	grade_member(struct grade *, const char *, json_type, json_t **);
static int	grade_lookup(struct grade *, const char *, json_t *,
		    const char *, const json_t **);
static const char *grade_id_of(const json_t *, const char *);
static const char *grade_state(double, int);

const char *
quiz_grade_code(int rc)
{
	switch (rc) {
	case QUIZ_GRADE_OK:
		return ("ok");
	case QUIZ_GRADE_MALFORMED:
		return ("malformed_answer");
	case QUIZ_GRADE_NOT_IN_ATTEMPT:
		return ("choice_not_in_attempt");
	case QUIZ_GRADE_DUPLICATE:
		return ("duplicate_choice");
	default:
		return ("bad_question");
	}
}

/*
 * Grades answer (NULL or null for none) to question q with the attempt's
 * map. On QUIZ_GRADE_OK sets *mark and *review (the caller's reference);
 * on any other result sets neither.
 */
int
quiz_grade(const json_t *q, const json_t *map, const json_t *answer,
    double *mark, json_t **review)
{
	struct grade	g;
	int		type, rc;
	json_t		*e;

	if (quiz_question_check(q, "", NULL) > 0 || !json_is_object(map) ||
	    !json_is_object(json_object_get(map, "ids")))
		return (QUIZ_GRADE_BAD_QUESTION);
	if (answer != NULL && !json_is_null(answer) && !json_is_object(answer))
		return (QUIZ_GRADE_MALFORMED);
	memset(&g, 0, sizeof(g));
	g.q = q;
	g.ids = json_object_get(map, "ids");
	g.options = json_object_get(map, "options");
	g.answer = json_is_object(answer) ? answer : NULL;
	g.review = json_object();
	type = quiz_type_of(q);

	switch (type) {
	case QUIZ_SINGLE:
	case QUIZ_TRUE_FALSE:
	case QUIZ_MULTIPLE:
		rc = grade_choices(&g, type);
		break;
	case QUIZ_SHORT:
		rc = grade_short(&g);
		break;
	case QUIZ_NUMERIC:
		rc = grade_numeric(&g);
		break;
	case QUIZ_ORDERING:
		rc = grade_ordering(&g);
		break;
	default:
		rc = grade_matching(&g);
		break;
	}
	if (rc != QUIZ_GRADE_OK) {
		json_decref(g.review);
		return (rc);
	}
	g.mark = round(fmin(1.0, fmax(0.0, g.mark)) * QUIZ_MARK_ROUND) /
	    QUIZ_MARK_ROUND;
	/* Moodle's own thresholds: three thirds (0.9999999) are whole. */
	if (g.mark > 1.0 - QUIZ_MARK_SNAP)
		g.mark = 1.0;
	else if (g.mark < QUIZ_MARK_SNAP)
		g.mark = 0.0;
	*mark = g.mark;
	json_object_set_new(g.review, "mark", json_real(g.mark));
	json_object_set_new(g.review, "state", json_string(grade_state(g.mark,
	    json_is_true(json_object_get(g.review, "answered")))));
	json_object_del(g.review, "answered");
	if ((e = json_object_get(q, "explanation")) != NULL)
		json_object_set(g.review, "explanation", e);
	*review = g.review;
	return (QUIZ_GRADE_OK);
}

static const char *
grade_state(double mark, int answered)
{
	if (!answered)
		return ("unanswered");
	if (mark >= 1.0)
		return ("correct");
	return (mark > 0 ? "partial" : "incorrect");
}

/*
 * The answer's one member name, of JSON type jtype; *out NULL when the
 * answer is empty. Any other member makes the answer malformed.
 */
static int
grade_member(struct grade *g, const char *name, json_type jtype, json_t **out)
{
	const char	*k;
	json_t		*v;

	*out = NULL;
	if (g->answer == NULL)
		return (QUIZ_GRADE_OK);
	json_object_foreach((json_t *)g->answer, k, v) {
		if (strcmp(k, name))
			return (QUIZ_GRADE_MALFORMED);
	}
	if ((v = json_object_get(g->answer, name)) == NULL || json_is_null(v))
		return (QUIZ_GRADE_OK);
	if (json_typeof(v) != jtype &&
	    !(jtype == JSON_REAL && json_is_number(v)))
		return (QUIZ_GRADE_MALFORMED);
	*out = v;
	return (QUIZ_GRADE_OK);
}

/*
 * The element of q's list whose key the id leads to, in *out; seen (an
 * object of ids already given, or NULL) refuses one given twice.
 */
static int
grade_lookup(struct grade *g, const char *list, json_t *seen, const char *id,
    const json_t **out)
{
	const json_t	*e;
	const char	*key, *k;
	size_t		i;

	if (id == NULL)
		return (QUIZ_GRADE_MALFORMED);
	if ((key = json_string_value(json_object_get(g->ids, id))) == NULL)
		return (QUIZ_GRADE_NOT_IN_ATTEMPT);
	if (seen != NULL) {
		if (json_object_get(seen, id) != NULL)
			return (QUIZ_GRADE_DUPLICATE);
		json_object_set_new(seen, id, json_true());
	}
	json_array_foreach(json_object_get(g->q, list), i, e) {
		k = json_string_value(json_object_get(e, "key"));
		if (k != NULL && !strcmp(k, key)) {
			*out = e;
			return (QUIZ_GRADE_OK);
		}
	}
	return (QUIZ_GRADE_NOT_IN_ATTEMPT);	/* an id of another list */
}

/* The id the map gives key, for the review; NULL if none. */
static const char *
grade_id_of(const json_t *ids, const char *key)
{
	const char	*id;
	json_t		*v;

	json_object_foreach((json_t *)ids, id, v) {
		if (json_is_string(v) && !strcmp(json_string_value(v), key))
			return (id);
	}
	return (NULL);
}

/* Single, multiple (either grading) and true/false. */
static int
grade_choices(struct grade *g, int type)
{
	const json_t	*c;
	json_t		*v, *seen, *list, *rc_choice;
	const char	*key;
	double		f, sum;
	size_t		i;
	int		rc, all_right, multiple;

	multiple = (type == QUIZ_MULTIPLE);
	rc = grade_member(g, multiple ? "choices" : "choice", multiple ?
	    JSON_ARRAY : JSON_STRING, &v);
	if (rc != QUIZ_GRADE_OK)
		return (rc);
	seen = json_object();
	if (v != NULL && !multiple) {
		rc = grade_lookup(g, "choices", seen, json_string_value(v), &c);
	} else if (v != NULL) {
		json_array_foreach(v, i, rc_choice) {
			if ((rc = grade_lookup(g, "choices", seen,
			    json_string_value(rc_choice), &c)) != QUIZ_GRADE_OK)
				break;
		}
	}
	if (rc != QUIZ_GRADE_OK) {
		json_decref(seen);
		return (rc);
	}

	list = json_array();
	sum = 0;
	all_right = 1;
	json_array_foreach(json_object_get(g->q, "choices"), i, c) {
		key = json_string_value(json_object_get(c, "key"));
		f = quiz_choice_fraction(c);
		v = json_pack("{s:s?, s:O, s:b, s:b, s:f}", "id",
		    grade_id_of(g->ids, key), "text", json_object_get(c, "text"),
		    "selected", 0, "correct", f > 0, "fraction", f);
		if (json_object_get(c, "feedback") != NULL)
			json_object_set(v, "feedback",
			    json_object_get(c, "feedback"));
		json_array_append_new(list, v);
	}
	/* Which were chosen: the ids in seen. */
	json_array_foreach(list, i, v) {
		c = json_array_get(json_object_get(g->q, "choices"), i);
		f = quiz_choice_fraction(c);
		key = json_string_value(json_object_get(v, "id"));
		if (key != NULL && json_object_get(seen, key) != NULL) {
			json_object_set_new(v, "selected", json_true());
			sum += f;
			all_right &= (f > 0);
		} else
			all_right &= !(f > 0);
	}
	json_object_set_new(g->review, "answered",
	    json_boolean(json_object_size(seen) > 0));
	if (multiple && !quiz_partial(g->q))
		g->mark = (all_right && json_object_size(seen) > 0) ? 1 : 0;
	else
		g->mark = sum;
	json_object_set_new(g->review, "choices", list);
	json_decref(seen);
	return (QUIZ_GRADE_OK);
}

/* The best fraction of the accepted answers the text matches. */
static int
grade_short(struct grade *g)
{
	const json_t	*a, *best;
	json_t		*v, *accepted;
	const char	*text;
	double		f;
	size_t		i;
	int		rc, flags, answered;

	if ((rc = grade_member(g, "text", JSON_STRING, &v)) != QUIZ_GRADE_OK)
		return (rc);
	if (v != NULL && json_string_length(v) > QUIZ_RESPONSE_MAX)
		return (QUIZ_GRADE_MALFORMED);
	flags = 0;
	if (json_is_true(json_object_get(g->q, "case_sensitive")))
		flags |= QUIZ_TEXT_CASE;
	if (json_is_true(json_object_get(g->q, "ignore_accents")))
		flags |= QUIZ_TEXT_NO_ACCENTS;
	if (json_is_true(json_object_get(g->q, "ignore_spaces")))
		flags |= QUIZ_TEXT_NO_SPACES;
	text = v != NULL ? json_string_value(v) : "";
	if (v != NULL && strlen(text) != json_string_length(v))
		return (QUIZ_GRADE_MALFORMED);	/* a NUL inside */

	answered = strspn(text, " \t\r\n") != strlen(text);
	best = NULL;
	accepted = json_array();
	json_array_foreach(json_object_get(g->q, "answers"), i, a) {
		f = quiz_answer_fraction(a);
		if (f >= 1.0)
			json_array_append(accepted, json_object_get(a, "text"));
		if (answered && (best == NULL ||
		    f > quiz_answer_fraction(best)) &&
		    quiz_text_match(json_string_value(json_object_get(a,
		    "text")), text, flags))
			best = a;
	}
	g->mark = best != NULL ? quiz_answer_fraction(best) : 0;
	json_object_set_new(g->review, "response", json_string(text));
	json_object_set_new(g->review, "accepted", accepted);
	if (best != NULL && json_object_get(best, "feedback") != NULL)
		json_object_set(g->review, "feedback",
		    json_object_get(best, "feedback"));
	json_object_set_new(g->review, "answered", json_boolean(answered));
	return (QUIZ_GRADE_OK);
}

/* The best fraction of the answers the number is within tolerance of. */
static int
grade_numeric(struct grade *g)
{
	const json_t	*a, *best;
	json_t		*v, *accepted;
	double		x, val, tol, eps;
	size_t		i;
	int		rc, answered, number;

	if ((rc = grade_member(g, "value", JSON_REAL, &v)) != QUIZ_GRADE_OK) {
		/* A text is welcome too: "2,5" is how half of Europe writes. */
		if (g->answer == NULL || !json_is_string(json_object_get(
		    g->answer, "value")) || json_object_size(g->answer) != 1)
			return (rc);
		v = json_object_get(g->answer, "value");
	}
	answered = 0;
	number = 0;
	x = 0;
	if (v != NULL && json_is_number(v)) {
		x = json_number_value(v);
		answered = number = 1;
	} else if (v != NULL) {
		if (json_string_length(v) > QUIZ_RESPONSE_MAX)
			return (QUIZ_GRADE_MALFORMED);
		answered = strspn(json_string_value(v), " \t\r\n") !=
		    json_string_length(v);
		number = quiz_number_parse(json_string_value(v), &x);
	}

	best = NULL;
	accepted = json_array();
	json_array_foreach(json_object_get(g->q, "answers"), i, a) {
		val = json_number_value(json_object_get(a, "value"));
		tol = json_number_value(json_object_get(a, "tolerance"));
		if (quiz_answer_fraction(a) >= 1.0)
			json_array_append_new(accepted, json_pack("{s:f, s:f}",
			    "value", val, "tolerance", tol));
		eps = NUMERIC_EPSILON * fmax(1.0, fabs(val) + tol);
		if (number && x >= val - tol - eps && x <= val + tol + eps &&
		    (best == NULL ||
		    quiz_answer_fraction(a) > quiz_answer_fraction(best)))
			best = a;
	}
	g->mark = best != NULL ? quiz_answer_fraction(best) : 0;
	if (v != NULL)
		json_object_set(g->review, "response", v);
	json_object_set_new(g->review, "accepted", accepted);
	if (answered && !number)
		json_object_set_new(g->review, "not_a_number", json_true());
	if (best != NULL && json_object_get(best, "feedback") != NULL)
		json_object_set(g->review, "feedback",
		    json_object_get(best, "feedback"));
	json_object_set_new(g->review, "answered", json_boolean(answered));
	return (QUIZ_GRADE_OK);
}

/* The whole order, every item once; scored by items in their place. */
static int
grade_ordering(struct grade *g)
{
	const json_t	*items, *it;
	json_t		*v, *id, *seen, *list, *right;
	size_t		i, n, placed;
	int		rc;

	if ((rc = grade_member(g, "order", JSON_ARRAY, &v)) != QUIZ_GRADE_OK)
		return (rc);
	items = json_object_get(g->q, "items");
	n = json_array_size(items);
	if (v != NULL && json_array_size(v) != 0 && json_array_size(v) != n)
		return (QUIZ_GRADE_MALFORMED);
	seen = json_object();
	list = json_array();
	placed = 0;
	json_array_foreach(v, i, id) {
		if ((rc = grade_lookup(g, "items", seen, json_string_value(id),
		    &it)) != QUIZ_GRADE_OK)
			break;
		if (it == json_array_get(items, i))
			placed++;
		json_array_append_new(list, json_pack("{s:O, s:O, s:b}", "id",
		    id, "text", json_object_get(it, "text"), "in_place",
		    it == json_array_get(items, i)));
	}
	json_decref(seen);
	if (rc != QUIZ_GRADE_OK) {
		json_decref(list);
		return (rc);
	}
	right = json_array();
	json_array_foreach(items, i, it)
		json_array_append(right, json_object_get(it, "text"));
	if (json_array_size(list) == 0)
		g->mark = 0;
	else if (quiz_partial(g->q))
		g->mark = (double)placed / n;
	else
		g->mark = placed == n ? 1 : 0;
	json_object_set_new(g->review, "order", list);
	json_object_set_new(g->review, "right_order", right);
	json_object_set_new(g->review, "answered",
	    json_boolean(json_array_size(list) > 0));
	return (QUIZ_GRADE_OK);
}

/* {"prompt id": "option id"}: each pair right or not. */
static int
grade_matching(struct grade *g)
{
	const json_t	*pr;
	json_t		*v, *opt, *list, *e;
	const char	*pid, *chosen, *key;
	size_t		i, n, right;
	int		rc;

	if ((rc = grade_member(g, "pairs", JSON_OBJECT, &v)) != QUIZ_GRADE_OK)
		return (rc);
	/* Every prompt id and option id must be this attempt's. */
	json_object_foreach(v, pid, opt) {
		if ((rc = grade_lookup(g, "pairs", NULL, pid, &pr)) !=
		    QUIZ_GRADE_OK)
			return (rc);
		if (!json_is_string(opt) && !json_is_null(opt))
			return (QUIZ_GRADE_MALFORMED);
		if (json_is_string(opt) && json_object_get(g->options,
		    json_string_value(opt)) == NULL)
			return (QUIZ_GRADE_NOT_IN_ATTEMPT);
	}
	list = json_array();
	right = 0;
	n = json_array_size(json_object_get(g->q, "pairs"));
	json_array_foreach(json_object_get(g->q, "pairs"), i, pr) {
		key = json_string_value(json_object_get(pr, "key"));
		pid = grade_id_of(g->ids, key);
		opt = pid != NULL ? json_object_get(v, pid) : NULL;
		chosen = json_string_value(json_object_get(g->options,
		    json_string_value(opt)));
		/* Equal texts are one option: matching the text is right. */
		e = json_pack("{s:s?, s:O, s:s?, s:O, s:b}", "id", pid,
		    "prompt", json_object_get(pr, "prompt"), "chosen", chosen,
		    "answer", json_object_get(pr, "answer"), "correct",
		    chosen != NULL && !strcmp(chosen, json_string_value(
		    json_object_get(pr, "answer"))));
		if (json_is_true(json_object_get(e, "correct")))
			right++;
		json_array_append_new(list, e);
	}
	if (quiz_partial(g->q))
		g->mark = (double)right / n;
	else
		g->mark = right == n ? 1 : 0;
	json_object_set_new(g->review, "pairs", list);
	json_object_set_new(g->review, "answered", json_boolean(v != NULL &&
	    json_object_size(v) > 0));
	return (QUIZ_GRADE_OK);
}
