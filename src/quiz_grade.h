/*
 * Grading one question of an attempt: the question (the model of
 * docs/questions.md), the map quiz_view() returned for the attempt and the
 * learner's answer give a mark from 0 to 1 and what the review shows.
 * Pure: no Kore, no database; tests/unit/quiz_grade_test.c.
 */

#ifndef __H_QUIZ_GRADE_H
#define __H_QUIZ_GRADE_H

#include <jansson.h>

enum quiz_grade_rc {
	QUIZ_GRADE_OK = 0,
	QUIZ_GRADE_MALFORMED,		/* not the shape this type takes */
	QUIZ_GRADE_NOT_IN_ATTEMPT,	/* an id this attempt never showed */
	QUIZ_GRADE_DUPLICATE,		/* one id given twice */
	QUIZ_GRADE_BAD_QUESTION		/* the question or map is not valid */
};

/* Marks are rounded to 7 decimals, as Moodle stores fractions. */
#define QUIZ_MARK_ROUND		1e7
/* A mark within this of 1 is 1, of 0 is 0 (Moodle's states' thresholds). */
#define QUIZ_MARK_SNAP		1e-6

const char	*quiz_grade_code(int);
int		quiz_grade(const json_t *, const json_t *, const json_t *,
		    double *, json_t **);

#endif
