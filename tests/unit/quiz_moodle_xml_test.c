/*
 * Unit tests for src/quiz_moodle_xml.c: tests/fixtures/quiz/every-type.xml
 * holds every supported type (run from the repository's top); broken.xml
 * imports nothing and names each broken question.
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
	return (quiz_moodle_xml_parse(text, strlen(text), *problems,
	    *skipped));
}

static void
every_type(void **state)
{
	json_t		*qs, *problems, *skipped, *q;
	char		*text;
	size_t		len, i;

	text = slurp("tests/fixtures/quiz/every-type.xml", &len);
	problems = json_array();
	skipped = json_array();
	qs = quiz_moodle_xml_parse(text, len, problems, skipped);
	if (qs == NULL)
		fail_msg("%s", json_dumps(problems, JSON_INDENT(1)));
	assert_int_equal(json_array_size(qs), 8);
	json_array_foreach(qs, i, q)
		assert_int_equal(quiz_question_check(q, "", NULL), 0);
	assert_int_equal(json_array_size(skipped), 4);
	assert_string_equal(str(skipped, "0.type"), "essay");
	assert_string_equal(str(skipped, "0.question"), "Describe");
	assert_string_equal(str(skipped, "1.type"), "multianswer");
	assert_string_equal(str(skipped, "2.type"), "calculated");
	assert_string_equal(str(skipped, "3.type"), "description");

	q = titled(qs, "Neglect sign");
	assert_string_equal(str(q, "type"), "single_choice");
	assert_string_equal(str(q, "category"), "Safeguarding/Basics");
	assert_string_equal(str(q, "prompt"),
	    "Which is most likely a sign of neglect?");
	assert_string_equal(str(q, "explanation"),
	    "Neglect is an ongoing failure to meet basic needs.");
	assert_int_equal(json_array_size(json_object_get(q, "choices")), 3);
	assert_true(num(q, "choices", 0, "fraction") == 1.0);
	assert_true(num(q, "choices", 2, "fraction") == 0.25);
	assert_string_equal(str(q, "choices.0.feedback"),
	    "Yes: a basic need unmet.");
	assert_true(json_is_true(json_object_get(q, "shuffle")));

	q = titled(qs, "Forms");
	assert_string_equal(str(q, "type"), "multiple_choice");
	assert_string_equal(str(q, "grading"), "partial");
	assert_string_equal(str(q, "prompt"), "Which are forms of abuse? (A < B)");
	assert_true(num(q, "choices", 2, "fraction") == -1.0);
	assert_true(json_is_false(json_object_get(q, "shuffle")));

	q = titled(qs, "All or nothing");
	assert_string_equal(str(q, "grading"), "all_or_nothing");
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(q, "choices"), 1), "correct")));
	assert_true(json_is_false(json_object_get(json_array_get(
	    json_object_get(q, "choices"), 2), "correct")));

	q = titled(qs, "No signs");
	assert_string_equal(str(q, "type"), "true_false");
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(q, "choices"), 1), "correct")));
	assert_string_equal(str(q, "choices.0.feedback"),
	    "Absence of signs proves nothing.");

	q = titled(qs, "Lead");
	assert_string_equal(str(q, "type"), "short_answer");
	assert_null(json_object_get(q, "case_sensitive"));
	assert_true(num(q, "answers", 1, "fraction") == 0.5);
	assert_string_equal(str(q, "answers.1.text"), "*lead*");

	q = titled(qs, "Days");
	assert_string_equal(str(q, "category"), "Safeguarding/Numbers");
	assert_true(num(q, "answers", 0, "value") == 2.0);
	assert_true(num(q, "answers", 0, "tolerance") == 0.5);
	assert_true(num(q, "answers", 1, "value") == -3.0);
	assert_true(num(q, "answers", 1, "fraction") == 0.5);

	q = titled(qs, "Roles");
	assert_int_equal(json_array_size(json_object_get(q, "pairs")), 2);
	assert_string_equal(str(q, "pairs.0.answer"), "Decides on referral");
	assert_string_equal(str(q, "distractors.0"), "Investigates the family");

	q = titled(qs, "Steps");
	assert_string_equal(str(q, "type"), "ordering");
	assert_string_equal(str(q, "grading"), "partial");
	assert_string_equal(str(q, "items.2.text"), "Report");

	json_decref(qs);
	json_decref(problems);
	json_decref(skipped);
	free(text);
}

/* Has problems one with this code for this question? */
static int
has(json_t *problems, const char *code, const char *question)
{
	json_t		*p;
	size_t		i;

	json_array_foreach(problems, i, p) {
		if (!strcmp(json_string_value(json_object_get(p, "code")),
		    code) && !strcmp(json_string_value(json_object_get(p,
		    "question")), question))
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

	text = slurp("tests/fixtures/quiz/broken.xml", &len);
	problems = json_array();
	skipped = json_array();
	assert_null(quiz_moodle_xml_parse(text, len, problems, skipped));
	if (json_array_size(problems) != 5)
		fail_msg("%s", json_dumps(problems, JSON_INDENT(1)));
	assert_true(has(problems, "bad_choices", "No right answer"));
	assert_true(has(problems, "bad_number", "Not a number"));
	assert_true(has(problems, "bad_fraction", "#4"));
	assert_true(has(problems, "bad_length", "One pair"));
	json_decref(problems);
	json_decref(skipped);
	free(text);
}

static void
hostile_and_odd_files(void **state)
{
	json_t		*problems, *skipped;
	const char	*laughs = "<?xml version=\"1.0\"?><!DOCTYPE quiz ["
	    "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
	    "<quiz><question type=\"shortanswer\"><name><text>&b;</text>"
	    "</name></question></quiz>";
	const char	*external = "<?xml version=\"1.0\"?><!DOCTYPE quiz ["
	    "<!ENTITY x SYSTEM \"file:///etc/passwd\">]><quiz>&x;</quiz>";

	assert_null(parse(laughs, &problems, &skipped));
	assert_true(has(problems, "not_moodle_xml", ""));
	json_decref(problems);
	json_decref(skipped);
	assert_null(parse(external, &problems, &skipped));
	assert_int_equal(json_array_size(problems), 1);
	json_decref(problems);
	json_decref(skipped);
	assert_null(parse("<quiz><question>", &problems, &skipped));
	assert_true(has(problems, "not_xml", ""));
	json_decref(problems);
	json_decref(skipped);
	assert_null(parse("<html/>", &problems, &skipped));
	assert_true(has(problems, "not_moodle_xml", ""));
	json_decref(problems);
	json_decref(skipped);
	assert_null(parse("<quiz/>", &problems, &skipped));
	assert_true(has(problems, "no_questions", ""));
	json_decref(problems);
	json_decref(skipped);
	/* Only skipped types: nothing imported, nothing wrong. */
	assert_null(parse("<quiz><question type=\"essay\"/></quiz>", &problems,
	    &skipped));
	assert_int_equal(json_array_size(problems), 0);
	assert_string_equal(str(skipped, "0.question"), "#1");
	json_decref(problems);
	json_decref(skipped);
	/* An ordering graded relatively is skipped, not bent. */
	assert_null(parse("<quiz><question type=\"ordering\"><gradingtype>"
	    "RELATIVE_NEXT_EXCLUDE_LAST</gradingtype></question></quiz>",
	    &problems, &skipped));
	assert_int_equal(json_array_size(problems), 0);
	assert_string_equal(str(skipped, "0.type"), "ordering");
	json_decref(problems);
	json_decref(skipped);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type),
		cmocka_unit_test(broken_file_imports_nothing),
		cmocka_unit_test(hostile_and_odd_files),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
