/*
 * An attempt's answers as a whole: checking what a learner sends against
 * the questions the attempt drew, merging it into what was saved, and
 * grading the attempt. Pure: no Kore, no database;
 * tests/unit/quiz_attempt_test.c. The questions are the attempt's
 * [{"id", "question", "map", ...}] (src/quiz_draw.c).
 */

#ifndef __H_QUIZ_ATTEMPT_H
#define __H_QUIZ_ATTEMPT_H

#include <jansson.h>

/* A score is kept to 4 decimals (quiz_attempts.score). */
#define QUIZ_SCORE_ROUND	1e4

struct quiz_attempt_grade {
	json_t		*marks;		/* {qid: mark} */
	json_t		*review;	/* [{id, number, prompt, type, ...}] */
	double		score;		/* 0..100 */
};

const char	*quiz_attempt_check(const json_t *, const json_t *,
		    const char **);
json_t		*quiz_attempt_merge(const json_t *, const json_t *);
int		quiz_attempt_grade(const json_t *, const json_t *,
		    struct quiz_attempt_grade *);
void		quiz_attempt_grade_free(struct quiz_attempt_grade *);

#endif
