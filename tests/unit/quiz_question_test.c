/*
 * Unit tests for src/quiz_question.c: the validator accepts every type of
 * docs/questions.md and reports every problem at once, with its path.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quiz_question.h"

static json_t *
J(const char *s)
{
	json_error_t	err;
	json_t		*j;

	if ((j = json_loads(s, 0, &err)) == NULL)
		fail_msg("bad test JSON: %s: %s", err.text, s);
	return (j);
}

/* Whether problems hold one with this code at this path. */
static int
has(json_t *problems, const char *code, const char *path)
{
	json_t		*p;
	size_t		i;

	json_array_foreach(problems, i, p) {
		if (!strcmp(json_string_value(json_object_get(p, "code")),
		    code) && !strcmp(json_string_value(json_object_get(p,
		    "path")), path))
			return (1);
	}
	return (0);
}

static json_t *
check(const char *question, const char *base, size_t expect)
{
	json_t		*q, *problems;
	char		*dump;

	q = J(question);
	problems = json_array();
	if (quiz_question_check(q, base, problems) != expect) {
		dump = json_dumps(problems, JSON_INDENT(1));
		fail_msg("expected %zu problems, got: %s", expect, dump);
	}
	json_decref(q);
	return (problems);
}

static void
every_type_valid(void **state)
{
	const char	*ok[] = {
		"{\"key\":\"a\",\"type\":\"single_choice\",\"prompt\":\"p\","
		"\"choices\":[{\"key\":\"a\",\"text\":\"A\",\"correct\":true,"
		"\"feedback\":\"f\"},{\"key\":\"b\",\"text\":\"B\","
		"\"correct\":false}],\"explanation\":\"e\",\"lesson\":\"l\"}",
		"{\"key\":\"b\",\"type\":\"multiple_choice\",\"prompt\":\"p\","
		"\"grading\":\"partial\",\"shuffle\":false,\"choices\":["
		"{\"key\":\"a\",\"text\":\"A\",\"fraction\":0.5},{\"key\":\"b\","
		"\"text\":\"B\",\"fraction\":0.5},{\"key\":\"c\",\"text\":\"C\","
		"\"fraction\":-1}]}",
		"{\"key\":\"c\",\"type\":\"true_false\",\"prompt\":\"p\","
		"\"choices\":[{\"key\":\"true\",\"text\":\"True\",\"correct\":"
		"true},{\"key\":\"false\",\"text\":\"False\",\"correct\":false}]}",
		"{\"key\":\"d\",\"type\":\"short_answer\",\"prompt\":\"p\","
		"\"category\":\"c/d\",\"title\":\"t\",\"case_sensitive\":true,"
		"\"ignore_accents\":true,\"ignore_spaces\":false,\"answers\":["
		"{\"text\":\"x*\"},{\"text\":\"y\",\"fraction\":0.5}]}",
		"{\"key\":\"e\",\"type\":\"numeric\",\"prompt\":\"p\",\"answers\":"
		"[{\"value\":-2.5,\"tolerance\":0.1,\"feedback\":\"f\"}]}",
		"{\"key\":\"f\",\"type\":\"ordering\",\"prompt\":\"p\",\"grading\":"
		"\"partial\",\"items\":[{\"key\":\"1\",\"text\":\"a\"},"
		"{\"key\":\"2\",\"text\":\"b\"}]}",
		"{\"key\":\"g\",\"type\":\"matching\",\"prompt\":\"p\",\"pairs\":["
		"{\"key\":\"1\",\"prompt\":\"a\",\"answer\":\"x\"},{\"key\":\"2\","
		"\"prompt\":\"b\",\"answer\":\"y\"}],\"distractors\":[\"z\"]}",
	};
	size_t		i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		json_decref(check(ok[i], "", 0));
}

static void
every_problem_at_once_with_paths(void **state)
{
	json_t		*p;

	p = check("{\"key\":\"bad key!\",\"type\":\"single_choice\","
	    "\"prompt\":\"\",\"colour\":1,\"choices\":[{\"key\":\"a\","
	    "\"text\":\"A\",\"correct\":false},{\"key\":\"a\",\"text\":3,"
	    "\"fraction\":2},\"x\"]}", "questions[4]", 7);
	assert_true(has(p, "bad_key", "questions[4].key"));
	assert_true(has(p, "bad_length", "questions[4].prompt"));
	assert_true(has(p, "unknown_member", "questions[4].colour"));
	assert_true(has(p, "wrong_type", "questions[4].choices[1].text"));
	assert_true(has(p, "out_of_range",
	    "questions[4].choices[1].fraction"));
	assert_true(has(p, "wrong_type", "questions[4].choices[2]"));
	assert_true(has(p, "duplicate_key", "questions[4].choices[1].key"));
	json_decref(p);

	p = check("[]", "", 1);
	assert_true(has(p, "wrong_type", ""));
	json_decref(p);
	p = check("{\"key\":\"k\",\"type\":\"essay\",\"prompt\":\"p\"}", "", 1);
	assert_true(has(p, "unknown_type", "type"));
	json_decref(p);
	p = check("{}", "", 3);
	assert_true(has(p, "missing_member", "key"));
	assert_true(has(p, "missing_member", "type"));
	assert_true(has(p, "missing_member", "prompt"));
	json_decref(p);
}

static void
choice_rules(void **state)
{
	json_t		*p;

	/* Partial: every choice a fraction; positives add up to 1. */
	p = check("{\"key\":\"k\",\"type\":\"multiple_choice\",\"prompt\":\"p\","
	    "\"grading\":\"partial\",\"choices\":[{\"key\":\"a\",\"text\":\"A\","
	    "\"fraction\":0.5},{\"key\":\"b\",\"text\":\"B\",\"correct\":true},"
	    "{\"key\":\"c\",\"text\":\"C\",\"fraction\":0.2}]}", "", 2);
	assert_true(has(p, "missing_member", "choices[1]"));
	assert_true(has(p, "bad_fractions", "choices"));
	json_decref(p);
	/* True/false: two choices, one right; no negative fraction. */
	p = check("{\"key\":\"k\",\"type\":\"true_false\",\"prompt\":\"p\","
	    "\"choices\":[{\"key\":\"t\",\"text\":\"T\",\"correct\":true},"
	    "{\"key\":\"f\",\"text\":\"F\",\"correct\":true}]}", "", 1);
	assert_true(has(p, "bad_choices", "choices"));
	json_decref(p);
	p = check("{\"key\":\"k\",\"type\":\"true_false\",\"prompt\":\"p\","
	    "\"choices\":[{\"key\":\"t\",\"text\":\"T\",\"correct\":true},"
	    "{\"key\":\"f\",\"text\":\"F\",\"fraction\":-1},{\"key\":\"x\","
	    "\"text\":\"X\",\"correct\":false}]}", "", 1);
	assert_true(has(p, "bad_length", "choices"));
	json_decref(p);
	/* correct and fraction must agree; one of them is needed. */
	p = check("{\"key\":\"k\",\"type\":\"single_choice\",\"prompt\":\"p\","
	    "\"choices\":[{\"key\":\"a\",\"text\":\"A\",\"correct\":false,"
	    "\"fraction\":1},{\"key\":\"b\",\"text\":\"B\"}]}", "", 2);
	assert_true(has(p, "inconsistent", "choices[0]"));
	assert_true(has(p, "missing_member", "choices[1]"));
	json_decref(p);
	p = check("{\"key\":\"k\",\"type\":\"multiple_choice\",\"prompt\":\"p\","
	    "\"grading\":\"most\",\"choices\":[{\"key\":\"a\",\"text\":\"A\","
	    "\"correct\":false},{\"key\":\"b\",\"text\":\"B\",\"correct\":"
	    "false}]}", "", 2);
	assert_true(has(p, "bad_grading", "grading"));
	assert_true(has(p, "bad_choices", "choices"));
	json_decref(p);
}

static void
answer_item_pair_rules(void **state)
{
	json_t		*p;

	p = check("{\"key\":\"k\",\"type\":\"short_answer\",\"prompt\":\"p\","
	    "\"case_sensitive\":\"yes\",\"answers\":[{\"text\":\"a\","
	    "\"fraction\":0.5},{\"text\":\"\",\"fraction\":0},{\"fraction\":-0.5,\"text\":"
	    "\"b\"}]}", "", 4);
	assert_true(has(p, "wrong_type", "case_sensitive"));
	assert_true(has(p, "bad_length", "answers[1].text"));
	assert_true(has(p, "out_of_range", "answers[2].fraction"));
	assert_true(has(p, "bad_answers", "answers"));
	json_decref(p);
	p = check("{\"key\":\"k\",\"type\":\"numeric\",\"prompt\":\"p\","
	    "\"answers\":[{\"value\":\"2\"},{\"value\":1,\"tolerance\":-1},"
	    "{\"tolerance\":1}]}", "", 3);
	assert_true(has(p, "wrong_type", "answers[0].value"));
	assert_true(has(p, "out_of_range", "answers[1].tolerance"));
	assert_true(has(p, "missing_member", "answers[2]"));
	json_decref(p);
	p = check("{\"key\":\"k\",\"type\":\"ordering\",\"prompt\":\"p\","
	    "\"shuffle\":true,\"items\":[{\"key\":\"a\",\"text\":\"A\"}]}",
	    "", 2);
	assert_true(has(p, "unknown_member", "shuffle"));
	assert_true(has(p, "bad_length", "items"));
	json_decref(p);
	p = check("{\"key\":\"k\",\"type\":\"matching\",\"prompt\":\"p\","
	    "\"pairs\":[{\"key\":\"a\",\"prompt\":\"A\"},{\"key\":\"a\","
	    "\"prompt\":\"B\",\"answer\":\"b\",\"extra\":1}],"
	    "\"distractors\":[\"\",2]}", "", 5);
	assert_true(has(p, "missing_member", "pairs[0].answer"));
	assert_true(has(p, "unknown_member", "pairs[1].extra"));
	assert_true(has(p, "duplicate_key", "pairs[1].key"));
	assert_true(has(p, "wrong_type", "distractors[0]"));
	assert_true(has(p, "wrong_type", "distractors[1]"));
	json_decref(p);
}

static void
problems_are_capped(void **state)
{
	json_t		*problems, *last;
	size_t		i;

	problems = json_array();
	for (i = 0; i < QUIZ_MAX_PROBLEMS + 5; i++)
		quiz_problem(problems, "x", "p", "n %zu", i);
	assert_int_equal(json_array_size(problems), QUIZ_MAX_PROBLEMS + 1);
	last = json_array_get(problems, QUIZ_MAX_PROBLEMS);
	assert_string_equal(json_string_value(json_object_get(last, "code")),
	    "too_many_problems");
	assert_int_equal(json_integer_value(json_object_get(last, "more")), 5);
	json_decref(problems);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type_valid),
		cmocka_unit_test(every_problem_at_once_with_paths),
		cmocka_unit_test(choice_rules),
		cmocka_unit_test(answer_item_pair_rules),
		cmocka_unit_test(problems_are_capped),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
