/*
 * Unit tests for src/quiz_grade.c (with quiz_view.c's ids and quiz_text.c's
 * matching): every type, partial credit and clamping, empty, duplicated
 * and foreign answers, numeric edges, Unicode short answers, wildcards.
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

#include "quiz_grade.h"
#include "quiz_question.h"
#include "quiz_text.h"

static const unsigned char seed_a[32] = "attempt seed A, thirty-two bytes";
static const unsigned char seed_b[32] = "attempt seed B, thirty-two bytes";

struct att {
	json_t	*q;
	json_t	*view;
	json_t	*map;
};

static json_t *
J(const char *s)
{
	json_error_t	err;
	json_t		*j;

	j = json_loads(s, JSON_DECODE_ANY, &err);
	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", err.text, s);
	return (j);
}

static void
att_make(struct att *a, const char *question, const unsigned char *seed)
{
	json_t	*problems;

	a->q = J(question);
	problems = json_array();
	if (quiz_question_check(a->q, "", problems) != 0)
		fail_msg("invalid test question: %s", json_dumps(problems, 0));
	json_decref(problems);
	a->view = quiz_view(a->q, seed, 32, &a->map);
	assert_non_null(a->view);
	assert_non_null(a->map);
}

static void
att_free(struct att *a)
{
	json_decref(a->q);
	json_decref(a->view);
	json_decref(a->map);
}

/* The opaque id the view gives the element of list showing text. */
static const char *
id_of(struct att *a, const char *list, const char *text)
{
	json_t		*e;
	size_t		i;

	json_array_foreach(json_object_get(a->view, list), i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "text")),
		    text))
			return (json_string_value(json_object_get(e, "id")));
	}
	fail_msg("no %s shows %s", list, text);
	return (NULL);
}

/* The answer, with %s replaced by the ids of the texts that follow. */
static int
grade_fmt(struct att *a, double *mark, json_t **review, const char *fmt,
    ...)
{
	char		buf[2048];
	va_list		ap;
	json_t		*ans;
	int		rc;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ans = J(buf);
	rc = quiz_grade(a->q, a->map, ans, mark, review);
	json_decref(ans);
	return (rc);
}

static double
mark_of(struct att *a, const char *answer)
{
	json_t		*ans, *review;
	double		mark;

	ans = J(answer);
	assert_int_equal(quiz_grade(a->q, a->map, ans, &mark, &review),
	    QUIZ_GRADE_OK);
	json_decref(ans);
	json_decref(review);
	return (mark);
}

#define MARK_IS(m, x)	assert_true(fabs((m) - (x)) < 1e-9)

static const char *SINGLE = "{\"key\":\"q1\",\"type\":\"single_choice\","
    "\"prompt\":\"Capital of France?\",\"choices\":["
    "{\"key\":\"a\",\"text\":\"Paris\",\"correct\":true,\"feedback\":\"Yes\"},"
    "{\"key\":\"b\",\"text\":\"Lyon\",\"correct\":false,\"feedback\":\"No\"},"
    "{\"key\":\"c\",\"text\":\"Nice\",\"fraction\":0.5},"
    "{\"key\":\"d\",\"text\":\"Mars\",\"fraction\":-0.5}],"
    "\"explanation\":\"Paris.\"}";

static void
single_choice(void **state)
{
	struct att	a, other;
	json_t		*review;
	double		m;

	att_make(&a, SINGLE, seed_a);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"%s\"}",
	    id_of(&a, "choices", "Paris")), QUIZ_GRADE_OK);
	MARK_IS(m, 1);
	assert_string_equal(json_string_value(json_object_get(review,
	    "state")), "correct");
	assert_string_equal(json_string_value(json_object_get(review,
	    "explanation")), "Paris.");
	assert_true(json_is_true(json_object_get(json_array_get(
	    json_object_get(review, "choices"), 0), "selected")));
	json_decref(review);

	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"%s\"}",
	    id_of(&a, "choices", "Lyon")), QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	assert_string_equal(json_string_value(json_object_get(review,
	    "state")), "incorrect");
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"%s\"}",
	    id_of(&a, "choices", "Nice")), QUIZ_GRADE_OK);
	MARK_IS(m, 0.5);
	json_decref(review);
	/* A negative fraction is clamped: never below 0. */
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"%s\"}",
	    id_of(&a, "choices", "Mars")), QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	json_decref(review);

	/* An id of another attempt is not one of this attempt's. */
	att_make(&other, SINGLE, seed_b);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"%s\"}",
	    id_of(&other, "choices", "Paris")), QUIZ_GRADE_NOT_IN_ATTEMPT);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"a\"}"),
	    QUIZ_GRADE_NOT_IN_ATTEMPT);
	att_free(&other);
	att_free(&a);
}

static void
empty_and_malformed_answers(void **state)
{
	struct att	a;
	json_t		*review;
	double		m;
	const char	*empties[] = { "null", "{}", "{\"choice\":null}" };
	const char	*bad[] = { "[]", "\"x\"", "{\"choice\":3}",
	    "{\"choices\":[]}", "{\"choice\":null,\"other\":1}" };
	size_t		i;

	att_make(&a, SINGLE, seed_a);
	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		assert_int_equal(grade_fmt(&a, &m, &review, "%s", empties[i]),
		    QUIZ_GRADE_OK);
		MARK_IS(m, 0);
		assert_string_equal(json_string_value(json_object_get(review,
		    "state")), "unanswered");
		json_decref(review);
	}
	assert_int_equal(quiz_grade(a.q, a.map, NULL, &m, &review),
	    QUIZ_GRADE_OK);
	json_decref(review);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(grade_fmt(&a, &m, &review, "%s", bad[i]),
		    QUIZ_GRADE_MALFORMED);
	att_free(&a);
}

static const char *MULTI = "{\"key\":\"q2\",\"type\":\"multiple_choice\","
    "\"prompt\":\"Primes?\",\"choices\":["
    "{\"key\":\"a\",\"text\":\"2\",\"correct\":true},"
    "{\"key\":\"b\",\"text\":\"3\",\"correct\":true},"
    "{\"key\":\"c\",\"text\":\"4\",\"correct\":false},"
    "{\"key\":\"d\",\"text\":\"6\",\"correct\":false}]}";

static void
multiple_all_or_nothing(void **state)
{
	struct att	a;
	json_t		*review;
	double		m;
	const char	*two, *three, *four;

	att_make(&a, MULTI, seed_a);
	two = id_of(&a, "choices", "2");
	three = id_of(&a, "choices", "3");
	four = id_of(&a, "choices", "4");
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"%s\"]}", three, two), QUIZ_GRADE_OK);
	MARK_IS(m, 1);
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choices\":[\"%s\"]}",
	    two), QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"%s\",\"%s\"]}", two, three, four),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	json_decref(review);
	MARK_IS(mark_of(&a, "{\"choices\":[]}"), 0);
	/* The same choice twice is refused, never counted twice. */
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"%s\"]}", two, two), QUIZ_GRADE_DUPLICATE);
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"nope\"]}", two), QUIZ_GRADE_NOT_IN_ATTEMPT);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choices\":[1]}"),
	    QUIZ_GRADE_MALFORMED);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"%s\"}",
	    two), QUIZ_GRADE_MALFORMED);
	att_free(&a);
}

static const char *PARTIAL = "{\"key\":\"q3\",\"type\":\"multiple_choice\","
    "\"grading\":\"partial\",\"prompt\":\"Safe practice?\",\"choices\":["
    "{\"key\":\"a\",\"text\":\"A\",\"fraction\":0.5},"
    "{\"key\":\"b\",\"text\":\"B\",\"fraction\":0.5},"
    "{\"key\":\"c\",\"text\":\"C\",\"fraction\":-1},"
    "{\"key\":\"d\",\"text\":\"D\",\"fraction\":-0.25}]}";

static void
multiple_partial_and_clamping(void **state)
{
	struct att	a;
	json_t		*review;
	double		m;
	const char	*A, *B, *C, *D;

	att_make(&a, PARTIAL, seed_a);
	A = id_of(&a, "choices", "A");
	B = id_of(&a, "choices", "B");
	C = id_of(&a, "choices", "C");
	D = id_of(&a, "choices", "D");
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choices\":[\"%s\"]}",
	    A), QUIZ_GRADE_OK);
	MARK_IS(m, 0.5);
	assert_string_equal(json_string_value(json_object_get(review,
	    "state")), "partial");
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"%s\"]}", A, B), QUIZ_GRADE_OK);
	MARK_IS(m, 1);
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"%s\",\"%s\"]}", A, B, D), QUIZ_GRADE_OK);
	MARK_IS(m, 0.75);
	json_decref(review);
	/* 0.5 - 1 is below 0: clamped to 0, as Moodle does. */
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"%s\"]}", A, C), QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", A, B, C, D),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	json_decref(review);
	att_free(&a);

	/* Three thirds make a whole, rounding aside. */
	att_make(&a, "{\"key\":\"q\",\"type\":\"multiple_choice\",\"grading\":"
	    "\"partial\",\"prompt\":\"p\",\"choices\":["
	    "{\"key\":\"a\",\"text\":\"A\",\"fraction\":0.3333333},"
	    "{\"key\":\"b\",\"text\":\"B\",\"fraction\":0.3333333},"
	    "{\"key\":\"c\",\"text\":\"C\",\"fraction\":0.3333333},"
	    "{\"key\":\"d\",\"text\":\"D\",\"fraction\":-1}]}", seed_a);
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"choices\":[\"%s\",\"%s\",\"%s\"]}", id_of(&a, "choices", "A"),
	    id_of(&a, "choices", "B"), id_of(&a, "choices", "C")),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 1);
	json_decref(review);
	att_free(&a);
}

static void
true_false(void **state)
{
	struct att	a;
	json_t		*review, *c;
	double		m;

	att_make(&a, "{\"key\":\"tf\",\"type\":\"true_false\",\"prompt\":\"p\","
	    "\"choices\":[{\"key\":\"true\",\"text\":\"True\",\"correct\":false,"
	    "\"feedback\":\"no\"},{\"key\":\"false\",\"text\":\"False\","
	    "\"correct\":true}]}", seed_a);
	/* Never shuffled: True first. */
	c = json_object_get(a.view, "choices");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(c, 0), "text")), "True");
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"%s\"}",
	    id_of(&a, "choices", "False")), QUIZ_GRADE_OK);
	MARK_IS(m, 1);
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"choice\":\"%s\"}",
	    id_of(&a, "choices", "True")), QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(review, "choices"), 0), "feedback")), "no");
	json_decref(review);
	att_free(&a);
}

static double
short_mark(const char *opts, const char *accepted, const char *response)
{
	struct att	a;
	char		q[1024];
	double		m;
	json_t		*resp, *review;

	(void)snprintf(q, sizeof(q), "{\"key\":\"s\",\"type\":\"short_answer\","
	    "\"prompt\":\"p\",%s\"answers\":[{\"text\":%s}]}", opts, accepted);
	att_make(&a, q, seed_a);
	resp = json_pack("{s:s}", "text", response);
	assert_int_equal(quiz_grade(a.q, a.map, resp, &m, &review),
	    QUIZ_GRADE_OK);
	json_decref(resp);
	json_decref(review);
	att_free(&a);
	return (m);
}

static void
short_answer_unicode(void **state)
{
	/* Case: folded by default, ASCII and not. */
	MARK_IS(short_mark("", "\"Paris\"", "PARIS"), 1);
	MARK_IS(short_mark("\"case_sensitive\":true,", "\"Paris\"", "PARIS"),
	    0);
	MARK_IS(short_mark("\"case_sensitive\":true,", "\"Paris\"", "Paris"),
	    1);
	MARK_IS(short_mark("", "\"\\u00e9cole\"", "\xc3\x89" "COLE"), 1);
	MARK_IS(short_mark("", "\"\\u0391\\u03b8\\u03ae\\u03bd\\u03b1\"",
	    "\xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91"), 0);	/* accent */
	MARK_IS(short_mark("\"ignore_accents\":true,",
	    "\"\\u0391\\u03b8\\u03ae\\u03bd\\u03b1\"",
	    "\xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91"), 1);
	MARK_IS(short_mark("", "\"stra\\u00dfe\"", "STRASSE"), 1);
	/* Accents: kept by default, dropped on request. */
	MARK_IS(short_mark("", "\"Bogot\\u00e1\"", "Bogota"), 0);
	MARK_IS(short_mark("\"ignore_accents\":true,", "\"Bogot\\u00e1\"",
	    "bogota"), 1);
	MARK_IS(short_mark("\"ignore_accents\":true,", "\"Bogota\"",
	    "BOGOT\xc3\x81"), 1);
	/* The same letter composed or not is the same letter. */
	MARK_IS(short_mark("", "\"Bogot\\u00e1\"", "Bogota\xcc\x81"), 1);
	MARK_IS(short_mark("", "\"ni\\u00f1o\"", "NI\xc3\x91O"), 1);
	/* Spaces: trimmed and collapsed; or ignored. */
	MARK_IS(short_mark("", "\"New York\"", "  new \t  york "), 1);
	MARK_IS(short_mark("", "\"New York\"", "newyork"), 0);
	MARK_IS(short_mark("\"ignore_spaces\":true,", "\"New York\"",
	    "N e w Y o r k"), 1);
	MARK_IS(short_mark("", "\"New York\"", "New\xc2\xa0York"), 1);
	/* Empty. */
	MARK_IS(short_mark("", "\"*\"", ""), 0);
	MARK_IS(short_mark("", "\"*\"", "   "), 0);
}

static void
short_answer_wildcards(void **state)
{
	MARK_IS(short_mark("", "\"*ville\"", "Louisville"), 1);
	MARK_IS(short_mark("", "\"*ville\"", "ville"), 1);
	MARK_IS(short_mark("", "\"*ville\"", "villes"), 0);
	MARK_IS(short_mark("", "\"a*c\"", "abc"), 1);
	MARK_IS(short_mark("", "\"a*c\"", "ac"), 1);
	MARK_IS(short_mark("", "\"a*c\"", "a"), 0);
	MARK_IS(short_mark("", "\"a*b*c\"", "aXbYc"), 1);
	MARK_IS(short_mark("", "\"a*b*c\"", "aXcYb"), 0);
	MARK_IS(short_mark("", "\"ab*ba\"", "aba"), 0);	/* no overlap */
	MARK_IS(short_mark("", "\"*\"", "anything at all"), 1);
	/* "\*" is a star. */
	MARK_IS(short_mark("", "\"5 \\\\* 3\"", "5 * 3"), 1);
	MARK_IS(short_mark("", "\"5 \\\\* 3\"", "5 x 3"), 0);
	/* Wildcards fold like the rest. */
	MARK_IS(short_mark("\"ignore_accents\":true,", "\"caf\\u00e9*\"",
	    "CAFETERIA"), 1);
}

static void
short_answer_best_fraction(void **state)
{
	struct att	a;
	json_t		*review;
	double		m;

	att_make(&a, "{\"key\":\"s\",\"type\":\"short_answer\",\"prompt\":\"p\","
	    "\"answers\":[{\"text\":\"*\",\"fraction\":0,\"feedback\":\"no\"},"
	    "{\"text\":\"colou*r\",\"fraction\":0.5,\"feedback\":\"spelling\"},"
	    "{\"text\":\"colour\",\"feedback\":\"yes\"}]}", seed_a);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"text\":\"Colour\"}"),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 1);
	assert_string_equal(json_string_value(json_object_get(review,
	    "feedback")), "yes");
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"text\":\"colouur\"}"),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0.5);
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"text\":\"red\"}"),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	assert_string_equal(json_string_value(json_object_get(review,
	    "feedback")), "no");
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"text\":5}"),
	    QUIZ_GRADE_MALFORMED);
	att_free(&a);
}

static const char *NUMERIC = "{\"key\":\"n\",\"type\":\"numeric\","
    "\"prompt\":\"p\",\"answers\":[{\"value\":2,\"tolerance\":0.5},"
    "{\"value\":-3,\"tolerance\":0.25},{\"value\":0.3,\"tolerance\":0.1},"
    "{\"value\":10,\"tolerance\":2,\"fraction\":0.5,\"feedback\":\"close\"},"
    "{\"value\":10}]}";

static void
numeric_tolerance(void **state)
{
	struct att	a;
	json_t		*review;
	double		m;

	att_make(&a, NUMERIC, seed_a);
	/* Exactly at either bound is within. */
	MARK_IS(mark_of(&a, "{\"value\":\"2.5\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\"1.5\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":2.5}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\"2.5000001\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"1.4999999\"}"), 0);
	/* 0.3 + 0.1 is not 0.4 in binary; the bound still holds. */
	MARK_IS(mark_of(&a, "{\"value\":\"0.4\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\"0.2\"}"), 1);
	/* Negative numbers. */
	MARK_IS(mark_of(&a, "{\"value\":\"-3.25\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\"-2.75\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\"-3.26\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"3\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":-3}"), 1);
	/* Decimal commas, spaces, exponents, signs. */
	MARK_IS(mark_of(&a, "{\"value\":\"2,5\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\" -3,1 \"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\"+2\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\"0.2e1\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\",3\"}"), 1);
	/* The best fraction among the answers matched. */
	MARK_IS(mark_of(&a, "{\"value\":\"10\"}"), 1);
	MARK_IS(mark_of(&a, "{\"value\":\"11.5\"}"), 0.5);
	/* Not numbers: a mark of 0, said so in the review. */
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"value\":\"two\"}"),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	assert_true(json_is_true(json_object_get(review, "not_a_number")));
	assert_string_equal(json_string_value(json_object_get(review,
	    "state")), "incorrect");
	json_decref(review);
	MARK_IS(mark_of(&a, "{\"value\":\"1,000.5\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"2,5,0\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"inf\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"nan\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"0x2\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"1e999\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"2 5\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"e5\"}"), 0);
	MARK_IS(mark_of(&a, "{\"value\":\"-\"}"), 0);
	/* Empty. */
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"value\":\"  \"}"),
	    QUIZ_GRADE_OK);
	assert_string_equal(json_string_value(json_object_get(review,
	    "state")), "unanswered");
	json_decref(review);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"value\":[2]}"),
	    QUIZ_GRADE_MALFORMED);
	att_free(&a);

	assert_int_equal(quiz_number_parse("1.5", &m), 1);
	MARK_IS(m, 1.5);
	assert_int_equal(quiz_number_parse("", &m), 0);
	assert_int_equal(quiz_number_parse("1.", &m), 1);
	assert_int_equal(quiz_number_parse(".", &m), 0);
}

static const char *ORDERING = "{\"key\":\"o\",\"type\":\"ordering\","
    "\"prompt\":\"p\",\"items\":[{\"key\":\"1\",\"text\":\"one\"},"
    "{\"key\":\"2\",\"text\":\"two\"},{\"key\":\"3\",\"text\":\"three\"},"
    "{\"key\":\"4\",\"text\":\"four\"}]%s}";

static void
ordering(void **state)
{
	struct att	a, p;
	json_t		*review;
	char		q[1024];
	double		m;
	const char	*i1, *i2, *i3, *i4;

	(void)snprintf(q, sizeof(q), ORDERING, "");
	att_make(&a, q, seed_a);
	i1 = id_of(&a, "items", "one");
	i2 = id_of(&a, "items", "two");
	i3 = id_of(&a, "items", "three");
	i4 = id_of(&a, "items", "four");
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"order\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", i1, i2, i3, i4),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 1);
	json_decref(review);
	/* All or nothing by default. */
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"order\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", i2, i1, i3, i4),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	json_decref(review);
	/* Every item, each once. */
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"order\":[\"%s\",\"%s\",\"%s\"]}", i1, i2, i3),
	    QUIZ_GRADE_MALFORMED);
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"order\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", i1, i1, i3, i4),
	    QUIZ_GRADE_DUPLICATE);
	assert_int_equal(grade_fmt(&a, &m, &review,
	    "{\"order\":[\"%s\",\"%s\",\"%s\",\"x\"]}", i1, i2, i3),
	    QUIZ_GRADE_NOT_IN_ATTEMPT);
	MARK_IS(mark_of(&a, "{\"order\":[]}"), 0);

	/* Partial: items in their place over items. */
	(void)snprintf(q, sizeof(q), ORDERING, ",\"grading\":\"partial\"");
	att_make(&p, q, seed_a);
	assert_int_equal(grade_fmt(&p, &m, &review,
	    "{\"order\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", i2, i1, i3, i4),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0.5);
	assert_string_equal(json_string_value(json_object_get(review,
	    "state")), "partial");
	json_decref(review);
	assert_int_equal(grade_fmt(&p, &m, &review,
	    "{\"order\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", i4, i3, i2, i1),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	json_decref(review);
	assert_int_equal(grade_fmt(&p, &m, &review,
	    "{\"order\":[\"%s\",\"%s\",\"%s\",\"%s\"]}", i1, i3, i4, i2),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0.25);
	json_decref(review);
	att_free(&p);
	att_free(&a);
}

static const char *MATCHING = "{\"key\":\"m\",\"type\":\"matching\","
    "\"prompt\":\"p\",\"pairs\":[{\"key\":\"a\",\"prompt\":\"cat\","
    "\"answer\":\"cat food\"},{\"key\":\"b\",\"prompt\":\"dog\","
    "\"answer\":\"dog food\"},{\"key\":\"c\",\"prompt\":\"kitten\","
    "\"answer\":\"cat food\"}],\"distractors\":[\"bird seed\"]%s}";

static void
matching(void **state)
{
	struct att	a, n;
	json_t		*review;
	char		q[1024];
	double		m;
	const char	*cat, *dog, *kit, *cf, *df, *bs;

	(void)snprintf(q, sizeof(q), MATCHING, "");
	att_make(&a, q, seed_a);
	/* Equal answers are one option; the distractor is among them. */
	assert_int_equal(json_array_size(json_object_get(a.view, "options")),
	    3);
	cat = id_of(&a, "prompts", "cat");
	dog = id_of(&a, "prompts", "dog");
	kit = id_of(&a, "prompts", "kitten");
	cf = id_of(&a, "options", "cat food");
	df = id_of(&a, "options", "dog food");
	bs = id_of(&a, "options", "bird seed");
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"pairs\":{\"%s\":\"%s\","
	    "\"%s\":\"%s\",\"%s\":\"%s\"}}", cat, cf, dog, df, kit, cf),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 1);
	json_decref(review);
	/* Partial by default (Moodle's rule): 2 of 3 right. */
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"pairs\":{\"%s\":\"%s\","
	    "\"%s\":\"%s\",\"%s\":\"%s\"}}", cat, cf, dog, bs, kit, cf),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0.6666667);
	json_decref(review);
	/* Unanswered prompts count as wrong. */
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"pairs\":{\"%s\":\"%s\"}}",
	    dog, df), QUIZ_GRADE_OK);
	MARK_IS(m, 0.3333333);
	json_decref(review);
	MARK_IS(mark_of(&a, "{\"pairs\":{}}"), 0);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"pairs\":{\"%s\":\"x\"}}",
	    dog), QUIZ_GRADE_NOT_IN_ATTEMPT);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"pairs\":{\"x\":\"%s\"}}",
	    df), QUIZ_GRADE_NOT_IN_ATTEMPT);
	/* An option id is not a prompt id. */
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"pairs\":{\"%s\":\"%s\"}}",
	    df, df), QUIZ_GRADE_NOT_IN_ATTEMPT);
	assert_int_equal(grade_fmt(&a, &m, &review, "{\"pairs\":{\"%s\":3}}",
	    dog), QUIZ_GRADE_MALFORMED);

	(void)snprintf(q, sizeof(q), MATCHING, ",\"grading\":\"all_or_nothing\"");
	att_make(&n, q, seed_a);
	assert_int_equal(grade_fmt(&n, &m, &review, "{\"pairs\":{\"%s\":\"%s\","
	    "\"%s\":\"%s\",\"%s\":\"%s\"}}", cat, cf, dog, bs, kit, cf),
	    QUIZ_GRADE_OK);
	MARK_IS(m, 0);
	json_decref(review);
	att_free(&n);
	att_free(&a);
}

/* No member of the view may tell a right choice from a wrong one. */
static void
view_keeps_the_key_secret(void **state)
{
	const char	*qs[] = { SINGLE, MULTI, PARTIAL, NUMERIC };
	const char	*banned[] = { "correct", "fraction", "feedback", "key",
	    "answers", "explanation", "tolerance", "value" };
	struct att	a, b;
	json_t		*c;
	char		*dump;
	size_t		i, j, k;
	const char	*name;
	json_t		*v;

	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		att_make(&a, qs[i], seed_a);
		att_make(&b, qs[i], seed_b);
		dump = json_dumps(a.view, JSON_SORT_KEYS);
		for (j = 0; j < sizeof(banned) / sizeof(banned[0]); j++) {
			char	needle[32];

			(void)snprintf(needle, sizeof(needle), "\"%s\"",
			    banned[j]);
			assert_null(strstr(dump, needle));
		}
		assert_null(strstr(dump, "Yes"));	/* feedback text */
		free(dump);
		/* Every choice has exactly id and text. */
		json_array_foreach(json_object_get(a.view, "choices"), j, c) {
			assert_int_equal(json_object_size(c), 2);
			json_object_foreach(c, name, v)
				assert_true(!strcmp(name, "id") ||
				    !strcmp(name, "text"));
			assert_int_equal(strlen(json_string_value(
			    json_object_get(c, "id"))), 24);
			/* Another attempt, other ids. */
			for (k = 0; k < json_array_size(json_object_get(b.view,
			    "choices")); k++)
				assert_string_not_equal(json_string_value(
				    json_object_get(c, "id")), json_string_value(
				    json_object_get(json_array_get(
				    json_object_get(b.view, "choices"), k),
				    "id")));
		}
		att_free(&b);
		att_free(&a);
	}
}

static void
view_shuffles_and_is_stable(void **state)
{
	struct att	a, b;
	unsigned char	seed[32];
	char		q[1024];
	size_t		s, moved;
	json_t		*items;

	/* One seed, one view. */
	att_make(&a, MULTI, seed_a);
	att_make(&b, MULTI, seed_a);
	assert_true(json_equal(a.view, b.view));
	assert_true(json_equal(a.map, b.map));
	att_free(&b);
	att_free(&a);

	/* An ordering is never shown in its right order; choices move. */
	(void)snprintf(q, sizeof(q), ORDERING, "");
	moved = 0;
	for (s = 0; s < 200; s++) {
		memset(seed, 0, sizeof(seed));
		memcpy(seed, &s, sizeof(s));
		att_make(&a, q, seed);
		items = json_object_get(a.view, "items");
		assert_int_equal(json_array_size(items), 4);
		assert_false(!strcmp(json_string_value(json_object_get(
		    json_array_get(items, 0), "text")), "one") &&
		    !strcmp(json_string_value(json_object_get(json_array_get(
		    items, 1), "text")), "two") &&
		    !strcmp(json_string_value(json_object_get(json_array_get(
		    items, 2), "text")), "three"));
		att_free(&a);
		att_make(&a, MULTI, seed);
		if (strcmp(json_string_value(json_object_get(json_array_get(
		    json_object_get(a.view, "choices"), 0), "text")), "2"))
			moved++;
		att_free(&a);
	}
	assert_true(moved > 100 && moved < 200);

	/* shuffle false keeps the authored order. */
	att_make(&a, "{\"key\":\"q\",\"type\":\"single_choice\",\"prompt\":\"p\","
	    "\"shuffle\":false,\"choices\":[{\"key\":\"a\",\"text\":\"A\","
	    "\"correct\":true},{\"key\":\"b\",\"text\":\"B\",\"correct\":false},"
	    "{\"key\":\"c\",\"text\":\"C\",\"correct\":false}]}", seed_b);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(a.view, "choices"), 0), "text")), "A");
	att_free(&a);
}

static void
bad_inputs(void **state)
{
	json_t		*q, *map, *ans, *review;
	double		m;

	q = J(SINGLE);
	assert_null(quiz_view(q, seed_a, 8, &map));	/* seed too short */
	assert_null(map);
	json_object_set_new(q, "type", json_string("essay"));
	assert_null(quiz_view(q, seed_a, 32, &map));
	map = J("{\"ids\":{}}");
	ans = J("{}");
	assert_int_equal(quiz_grade(q, map, ans, &m, &review),
	    QUIZ_GRADE_BAD_QUESTION);
	json_decref(q);
	q = J(SINGLE);
	assert_int_equal(quiz_grade(q, json_null(), ans, &m, &review),
	    QUIZ_GRADE_BAD_QUESTION);
	assert_string_equal(quiz_grade_code(QUIZ_GRADE_NOT_IN_ATTEMPT),
	    "choice_not_in_attempt");
	json_decref(ans);
	json_decref(map);
	json_decref(q);
}

/* The view's id whose map entry (in member of the map) is value. */
static const char *
map_id(json_t *map, const char *member, const char *value)
{
	const char	*id;
	json_t		*v;

	json_object_foreach(json_object_get(map, member), id, v) {
		if (!strcmp(json_string_value(v), value))
			return (id);
	}
	fail_msg("no id in the map's %s for %s", member, value);
	return (NULL);
}

/* The answer a learner who knows the key gives to question q. */
static json_t *
right_answer(json_t *q, json_t *map)
{
	json_t		*a, *list, *e, *ids;
	const char	*type, *t;
	char		text[256];
	size_t		i, j, n;

	type = json_string_value(json_object_get(q, "type"));
	if (!strcmp(type, "short_answer") || !strcmp(type, "numeric")) {
		json_array_foreach(json_object_get(q, "answers"), i, e) {
			if (quiz_answer_fraction(e) < 1.0)
				continue;
			if (!strcmp(type, "numeric"))
				return (json_pack("{s:O}", "value",
				    json_object_get(e, "value")));
			/* The accepted text without its wildcards. */
			t = json_string_value(json_object_get(e, "text"));
			for (j = n = 0; t[j] != '\0' && n < sizeof(text) - 1;
			    j++) {
				if (t[j] != '*')
					text[n++] = t[j];
			}
			text[n] = '\0';
			return (json_pack("{s:s}", "text", text));
		}
		fail_msg("no right answer");
	}
	if (!strcmp(type, "ordering")) {
		ids = json_array();
		json_array_foreach(json_object_get(q, "items"), i, e)
			json_array_append_new(ids, json_string(map_id(map, "ids",
			    json_string_value(json_object_get(e, "key")))));
		return (json_pack("{s:o}", "order", ids));
	}
	if (!strcmp(type, "matching")) {
		a = json_object();
		json_array_foreach(json_object_get(q, "pairs"), i, e) {
			json_object_set_new(a, map_id(map, "ids",
			    json_string_value(json_object_get(e, "key"))),
			    json_string(map_id(map, "options",
			    json_string_value(json_object_get(e, "answer")))));
		}
		return (json_pack("{s:o}", "pairs", a));
	}
	list = json_array();
	json_array_foreach(json_object_get(q, "choices"), i, e) {
		if ((!strcmp(type, "multiple_choice") &&
		    quiz_choice_fraction(e) > 0) || quiz_choice_fraction(e) >= 1)
			json_array_append_new(list, json_string(map_id(map,
			    "ids", json_string_value(json_object_get(e, "key")))));
	}
	if (!strcmp(type, "multiple_choice"))
		return (json_pack("{s:o}", "choices", list));
	a = json_pack("{s:O}", "choice", json_array_get(list, 0));
	json_decref(list);
	return (a);
}

/*
 * The demo courses (sql/seed/courses, English and Spanish): every quiz
 * question is valid, a learner who answers each one right gets full
 * marks (so passes), and each course asks questions of all seven types.
 */
static void
seed_quizzes_are_passed_by_right_answers(void **state)
{
	static const char *const courses[] = {
	    "sql/seed/courses/child-abuse-foundations",
	    "sql/seed/courses/abuso-infantil-fundamentos", NULL };
	static const char *const modules[] = { "01-recognising",
	    "02-responding", NULL };
	json_t		*m, *q, *problems, *view, *map, *answer, *review;
	json_error_t	err;
	char		path[256];
	double		mark;
	size_t		c, k, i;
	int		types;

	for (c = 0; courses[c] != NULL; c++) {
		types = 0;
		for (k = 0; modules[k] != NULL; k++) {
			(void)snprintf(path, sizeof(path), "%s/%s/module.json",
			    courses[c], modules[k]);
			if ((m = json_load_file(path, 0, &err)) == NULL)
				fail_msg("%s: %s", path, err.text);
			json_array_foreach(json_object_get(json_object_get(m,
			    "quiz"), "questions"), i, q) {
				problems = json_array();
				if (quiz_question_check(q, "", problems) != 0)
					fail_msg("%s: %s", path,
					    json_dumps(problems, 0));
				json_decref(problems);
				types |= 1 << quiz_type_of(q);
				view = quiz_view(q, seed_a, 32, &map);
				assert_non_null(view);
				answer = right_answer(q, map);
				assert_int_equal(quiz_grade(q, map, answer,
				    &mark, &review), QUIZ_GRADE_OK);
				if (mark != 1.0)
					fail_msg("%s: %s earns %g", path,
					    json_string_value(json_object_get(q,
					    "key")), mark);
				json_decref(review);
				json_decref(answer);
				json_decref(view);
				json_decref(map);
			}
			json_decref(m);
		}
		assert_int_equal(types, (1 << (QUIZ_MATCHING + 1)) - 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_choice),
		cmocka_unit_test(empty_and_malformed_answers),
		cmocka_unit_test(multiple_all_or_nothing),
		cmocka_unit_test(multiple_partial_and_clamping),
		cmocka_unit_test(true_false),
		cmocka_unit_test(short_answer_unicode),
		cmocka_unit_test(short_answer_wildcards),
		cmocka_unit_test(short_answer_best_fraction),
		cmocka_unit_test(numeric_tolerance),
		cmocka_unit_test(ordering),
		cmocka_unit_test(matching),
		cmocka_unit_test(view_keeps_the_key_secret),
		cmocka_unit_test(view_shuffles_and_is_stable),
		cmocka_unit_test(bad_inputs),
		cmocka_unit_test(seed_quizzes_are_passed_by_right_answers),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
