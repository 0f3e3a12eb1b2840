/*
 * Unit tests for src/quiz_attempt.c: checking a learner's answers against
 * the attempt's questions (unknown questions, choices of another question
 * or attempt, shapes), merging saves, and grading a whole attempt.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quiz_attempt.h"
#include "quiz_draw.h"

static const unsigned char seed_a[32] = "attempt seed A, thirty-two bytes";
static const unsigned char seed_b[32] = "attempt seed B, thirty-two bytes";

static const char *POOL = "["
    "{\"key\": \"q1\", \"type\": \"single_choice\", \"prompt\": \"One?\","
    " \"choices\": [{\"key\": \"a\", \"text\": \"A\", \"correct\": true},"
    " {\"key\": \"b\", \"text\": \"B\", \"correct\": false}]},"
    "{\"key\": \"q2\", \"type\": \"multiple_choice\", \"prompt\": \"Two?\","
    " \"choices\": [{\"key\": \"a\", \"text\": \"A\", \"correct\": true},"
    " {\"key\": \"b\", \"text\": \"B\", \"correct\": true},"
    " {\"key\": \"c\", \"text\": \"C\", \"correct\": false}]},"
    "{\"key\": \"q3\", \"type\": \"short_answer\", \"prompt\": \"Three?\","
    " \"answers\": [{\"text\": \"lead\"}]},"
    "{\"key\": \"q4\", \"type\": \"ordering\", \"prompt\": \"Four?\","
    " \"items\": [{\"key\": \"x\", \"text\": \"X\"},"
    " {\"key\": \"y\", \"text\": \"Y\"}, {\"key\": \"z\", \"text\": \"Z\"}]}"
    "]";

static json_t *
J(const char *s)
{
	json_error_t	err;
	json_t		*j;

	if ((j = json_loads(s, JSON_DECODE_ANY, &err)) == NULL)
		fail_msg("bad test JSON: %s: %s", err.text, s);
	return (j);
}

static json_t *
attempt(const unsigned char *seed)
{
	json_t	*pool, *a;

	pool = J(POOL);
	a = quiz_draw_attempt(pool, 0, 0, seed, 32);
	json_decref(pool);
	assert_int_equal(json_array_size(a), 4);
	return (a);
}

static const char *
qid(json_t *a, size_t i)
{
	return (json_string_value(json_object_get(json_array_get(a, i), "id")));
}

/* The view's id of the choice (or item) with this key in question i. */
static const char *
id_of(json_t *a, size_t i, const char *key)
{
	json_t		*ids, *v;
	const char	*id;

	ids = json_object_get(json_object_get(json_array_get(a, i), "map"),
	    "ids");
	json_object_foreach(ids, id, v) {
		if (!strcmp(json_string_value(v), key))
			return (id);
	}
	fail_msg("no id for %s", key);
	return (NULL);
}

static json_t *
right(json_t *a)
{
	return (json_pack("{s:{s:s}, s:{s:[s, s]}, s:{s:s}, s:{s:[s, s, s]}}",
	    qid(a, 0), "choice", id_of(a, 0, "a"),
	    qid(a, 1), "choices", id_of(a, 1, "a"), id_of(a, 1, "b"),
	    qid(a, 2), "text", " LEAD ",
	    qid(a, 3), "order", id_of(a, 3, "x"), id_of(a, 3, "y"),
	    id_of(a, 3, "z")));
}

static void
test_check(void **state)
{
	json_t		*a, *b, *ans;
	const char	*field;

	a = attempt(seed_a);
	b = attempt(seed_b);

	ans = right(a);
	assert_null(quiz_attempt_check(a, ans, &field));
	assert_null(field);
	json_decref(ans);

	/* A question this attempt does not have. */
	ans = json_pack("{s:n}", "0123456789abcdef01234567");
	assert_string_equal(quiz_attempt_check(a, ans, &field),
	    "unknown_question");
	assert_string_equal(field, "0123456789abcdef01234567");
	json_decref(ans);

	/* Another attempt's question id is unknown here. */
	ans = json_pack("{s:n}", qid(b, 0));
	assert_string_equal(quiz_attempt_check(a, ans, &field),
	    "unknown_question");
	json_decref(ans);

	/* The same choice key from another attempt's view. */
	ans = json_pack("{s:{s:s}}", qid(a, 0), "choice", id_of(b, 0, "a"));
	assert_string_equal(quiz_attempt_check(a, ans, &field),
	    "choice_not_in_attempt");
	assert_string_equal(field, qid(a, 0));
	json_decref(ans);

	/* Another question's choice of this attempt. */
	ans = json_pack("{s:{s:s}}", qid(a, 0), "choice", id_of(a, 1, "c"));
	assert_string_equal(quiz_attempt_check(a, ans, &field),
	    "choice_not_in_attempt");
	json_decref(ans);

	ans = json_pack("{s:{s:[s, s]}}", qid(a, 1), "choices",
	    id_of(a, 1, "a"), id_of(a, 1, "a"));
	assert_string_equal(quiz_attempt_check(a, ans, &field),
	    "duplicate_choice");
	json_decref(ans);

	ans = json_pack("{s:{s:i}}", qid(a, 0), "choice", 3);
	assert_string_equal(quiz_attempt_check(a, ans, &field),
	    "malformed_answer");
	json_decref(ans);

	ans = json_pack("{s:s}", qid(a, 2), "lead");
	assert_string_equal(quiz_attempt_check(a, ans, &field),
	    "malformed_answer");
	json_decref(ans);

	/* Null clears, an empty object is unanswered: both fit. */
	ans = json_pack("{s:n, s:{}}", qid(a, 0), qid(a, 1));
	assert_null(quiz_attempt_check(a, ans, &field));
	json_decref(ans);

	json_decref(a);
	json_decref(b);
}

static void
test_merge(void **state)
{
	json_t	*saved, *in, *out, *want;

	saved = J("{\"a\": {\"choice\": \"1\"}, \"b\": {\"text\": \"x\"}}");
	in = J("{\"a\": null, \"b\": {\"text\": \"y\"}, \"c\": {}}");
	out = quiz_attempt_merge(saved, in);
	want = J("{\"b\": {\"text\": \"y\"}, \"c\": {}}");
	assert_true(json_equal(out, want));
	/* Merging the same again changes nothing. */
	json_decref(saved);
	saved = quiz_attempt_merge(out, in);
	assert_true(json_equal(saved, want));
	json_decref(out);
	out = quiz_attempt_merge(NULL, NULL);
	assert_int_equal(json_object_size(out), 0);
	json_decref(saved);
	json_decref(in);
	json_decref(out);
	json_decref(want);
}

static void
test_grade(void **state)
{
	struct quiz_attempt_grade	g;
	json_t				*a, *ans, *r;
	size_t				i;

	a = attempt(seed_a);
	ans = right(a);
	assert_true(quiz_attempt_grade(a, ans, &g));
	assert_true(fabs(g.score - 100.0) < 1e-9);
	assert_int_equal(json_array_size(g.review), 4);
	json_array_foreach(g.review, i, r) {
		assert_string_equal(json_string_value(json_object_get(r, "id")),
		    qid(a, i));
		assert_int_equal(json_integer_value(json_object_get(r,
		    "number")), i + 1);
		assert_string_equal(json_string_value(json_object_get(r,
		    "state")), "correct");
		assert_non_null(json_object_get(r, "prompt"));
		assert_non_null(json_object_get(r, "type"));
	}
	assert_true(fabs(json_real_value(json_object_get(g.marks,
	    qid(a, 0))) - 1.0) < 1e-9);
	quiz_attempt_grade_free(&g);

	/* One wrong, one unanswered: 2 of 4. */
	json_object_set_new(ans, qid(a, 0), json_pack("{s:s}", "choice",
	    id_of(a, 0, "b")));
	json_object_del(ans, qid(a, 2));
	assert_true(quiz_attempt_grade(a, ans, &g));
	assert_true(fabs(g.score - 50.0) < 1e-9);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(g.review, 2), "state")), "unanswered");
	quiz_attempt_grade_free(&g);

	/* An answer that no longer fits counts as none, never fails. */
	json_object_set_new(ans, qid(a, 1), json_pack("{s:s}", "choice",
	    "nonsense"));
	assert_true(quiz_attempt_grade(a, ans, &g));
	assert_true(fabs(g.score - 25.0) < 1e-9);
	quiz_attempt_grade_free(&g);

	/* Nothing answered: 0. A third of a whole rounds to 4 decimals. */
	json_decref(ans);
	ans = json_object();
	assert_true(quiz_attempt_grade(a, ans, &g));
	assert_true(g.score == 0.0);
	quiz_attempt_grade_free(&g);
	json_array_remove(a, 3);
	json_object_set_new(ans, qid(a, 2), json_pack("{s:s}", "text",
	    "lead"));
	assert_true(quiz_attempt_grade(a, ans, &g));
	assert_true(fabs(g.score - 33.3333) < 1e-9);
	quiz_attempt_grade_free(&g);

	assert_false(quiz_attempt_grade(ans, ans, &g));
	json_decref(ans);
	json_decref(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_grade),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
