/*
 * Unit tests for src/quiz_gift.c: tests/fixtures/quiz/every-type.gift holds
 * every supported type (run from the repository's top, as run-tests does);
 * broken.gift imports nothing and names each broken question's line.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quiz_import.h"
#include "quiz_question.h"
#include "quiz_import_test.h"

static json_t *
parse(const char *text, json_t **problems, json_t **skipped)
{
	*problems = json_array();
	*skipped = json_array();
	return (quiz_gift_parse(text, strlen(text), *problems, *skipped));
}

static void
every_type(void **state)
{
	json_t		*qs, *problems, *skipped, *q;
	char		*text;
	size_t		len, i;

	text = slurp("tests/fixtures/quiz/every-type.gift", &len);
	problems = json_array();
	skipped = json_array();
	qs = quiz_gift_parse(text, len, problems, skipped);
	if (qs == NULL)
		fail_msg("%s", json_dumps(problems, JSON_INDENT(1)));
	assert_int_equal(json_array_size(problems), 0);
	assert_int_equal(json_array_size(qs), 12);
	json_array_foreach(qs, i, q)
		assert_int_equal(quiz_question_check(q, "", NULL), 0);

	/* Skipped: the essay and the description, with their lines. */
	assert_int_equal(json_array_size(skipped), 2);
	assert_string_equal(str(skipped, "0.type"), "essay");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    skipped, 0), "line")), 44);
	assert_string_equal(str(skipped, "1.type"), "description");

	q = titled(qs, "Neglect sign");
	assert_string_equal(str(q, "type"), "single_choice");
	assert_string_equal(str(q, "category"), "Safeguarding/Basics");
	assert_string_equal(str(q, "key"), "gift-4");
	assert_string_equal(str(q, "choices.0.text"), "Often hungry at school");
	assert_string_equal(str(q, "choices.0.feedback"),
	    "Yes: a basic need unmet.");
	assert_true(num(q, "choices", 0, "fraction") == 1.0);
	assert_true(num(q, "choices", 1, "fraction") == 0.0);
	assert_true(num(q, "choices", 2, "fraction") == 0.25);
	assert_string_equal(str(q, "explanation"),
	    "Neglect is an ongoing failure to meet basic needs.");

	q = titled(qs, "Forms");
	assert_string_equal(str(q, "type"), "multiple_choice");
	assert_string_equal(str(q, "grading"), "partial");
	assert_true(num(q, "choices", 0, "fraction") == 0.5);
	assert_true(num(q, "choices", 2, "fraction") == -1.0);

	q = titled(qs, "No signs");
	assert_string_equal(str(q, "type"), "true_false");
	assert_true(json_is_false(json_object_get(json_array_get(
	    json_object_get(q, "choices"), 0), "correct")));
	assert_string_equal(str(q, "choices.0.feedback"),
	    "Absence of signs proves nothing.");
	assert_string_equal(str(q, "choices.1.feedback"), "Right.");
	q = titled(qs, "Tell");
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(q, "choices"), 0), "correct")));

	q = titled(qs, "Lead");
	assert_string_equal(str(q, "type"), "short_answer");
	assert_int_equal(json_array_size(json_object_get(q, "answers")), 3);
	assert_true(num(q, "answers", 1, "fraction") == 0.5);
	assert_string_equal(str(q, "answers.1.feedback"),
	    "Nearly: the designated one.");
	assert_string_equal(str(q, "category"), "Safeguarding/Basics");

	q = titled(qs, "Days");
	assert_string_equal(str(q, "type"), "numeric");
	assert_string_equal(str(q, "category"), "Safeguarding/Numbers");
	assert_true(num(q, "answers", 0, "value") == 2.0);
	assert_true(num(q, "answers", 0, "tolerance") == 0.5);
	q = titled(qs, "Range");
	assert_true(num(q, "answers", 0, "value") == 2.0);
	assert_true(num(q, "answers", 0, "tolerance") == 1.0);
	q = titled(qs, "Weighted");
	assert_int_equal(json_array_size(json_object_get(q, "answers")), 2);
	assert_true(num(q, "answers", 1, "fraction") == 0.5);
	assert_true(num(q, "answers", 1, "tolerance") == 2.0);
	assert_string_equal(str(q, "answers.0.feedback"), "Exactly.");

	q = titled(qs, "Roles");
	assert_string_equal(str(q, "type"), "matching");
	assert_int_equal(json_array_size(json_object_get(q, "pairs")), 2);
	assert_string_equal(str(q, "pairs.1.prompt"), "You");
	assert_string_equal(str(q, "pairs.1.answer"), "Passes on the concern");
	assert_string_equal(str(q, "distractors.0"), "Investigates the family");

	q = titled(qs, "Escapes");
	assert_string_equal(str(q, "prompt"),
	    "Which symbol means { \"open\" }, as in 5 = 5: # and ~?");
	assert_string_equal(str(q, "choices.0.text"), "the brace {");
	assert_string_equal(str(q, "choices.2.text"), "the tilde ~");

	q = titled(qs, "Missing");
	assert_string_equal(str(q, "prompt"),
	    "The _____ lead coordinates safeguarding.");
	q = titled(qs, "HTML");
	assert_string_equal(str(q, "prompt"), "Is this & that bold?");

	json_decref(qs);
	json_decref(problems);
	json_decref(skipped);
	free(text);
}

/* Has problems one with this code at this line? */
static int
has(json_t *problems, const char *code, json_int_t line)
{
	json_t		*p;
	size_t		i;

	json_array_foreach(problems, i, p) {
		if (!strcmp(json_string_value(json_object_get(p, "code")),
		    code) && json_integer_value(json_object_get(p, "line")) ==
		    line)
			return (1);
	}
	return (0);
}

static void
broken_file_imports_nothing(void **state)
{
	json_t		*problems, *skipped;
	char		*text;
	size_t		len;

	text = slurp("tests/fixtures/quiz/broken.gift", &len);
	problems = json_array();
	skipped = json_array();
	assert_null(quiz_gift_parse(text, len, problems, skipped));
	assert_int_equal(json_array_size(problems), 4);
	assert_true(has(problems, "unclosed_answers", 4));
	assert_true(has(problems, "bad_choices", 6));
	assert_true(has(problems, "bad_number", 8));
	assert_true(has(problems, "bad_weight", 10));
	json_decref(problems);
	json_decref(skipped);
	free(text);
}

static void
small_cases(void **state)
{
	json_t		*qs, *problems, *skipped;

	/* No blank line at the end, CRLF, a byte order mark. */
	qs = parse("\xef\xbb\xbfQ?{=a ~b}\r\n\r\nR?{TRUE}", &problems,
	    &skipped);
	assert_non_null(qs);
	assert_int_equal(json_array_size(qs), 2);
	assert_string_equal(str(qs, "1.type"), "true_false");
	assert_string_equal(str(qs, "1.key"), "gift-3");
	json_decref(qs);
	json_decref(problems);
	json_decref(skipped);

	/* Nothing to import is a problem; only skipped types are not. */
	assert_null(parse("// only a comment\n", &problems, &skipped));
	assert_true(has(problems, "no_questions", 1));
	json_decref(problems);
	json_decref(skipped);
	assert_null(parse("Essay?{}", &problems, &skipped));
	assert_int_equal(json_array_size(problems), 0);
	assert_int_equal(json_array_size(skipped), 1);
	json_decref(problems);
	json_decref(skipped);

	/* Cloze: several answer lists in one question. */
	assert_null(parse("A {=a ~b} and B {=c ~d}", &problems, &skipped));
	assert_string_equal(str(skipped, "0.type"), "cloze");
	json_decref(problems);
	json_decref(skipped);

	/* Text where an answer should be; a lone =answer in matching. */
	assert_null(parse("Q?{x =a}\n\nM?{=a -> b =c}", &problems,
	    &skipped));
	assert_true(has(problems, "bad_answers", 1));
	assert_true(has(problems, "bad_matching", 3));
	json_decref(problems);
	json_decref(skipped);

	/* Not UTF-8: the line of the bad byte. */
	assert_null(parse("Q?{=a ~b}\n\nR?{=\xf3 ~b}", &problems, &skipped));
	assert_true(has(problems, "not_utf8", 3));
	json_decref(problems);
	json_decref(skipped);

	/* A NUL byte: not a text file. */
	problems = json_array();
	skipped = json_array();
	assert_null(quiz_gift_parse("a\0b", 3, problems, skipped));
	assert_true(has(problems, "not_text", 1));
	json_decref(problems);
	json_decref(skipped);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type),
		cmocka_unit_test(broken_file_imports_nothing),
		cmocka_unit_test(small_cases),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
