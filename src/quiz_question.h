/*
 * Quiz questions: the model (a JSON object, stored as jsonb and written in
 * module packages), its one validator, and the learner's view of a question
 * in an attempt. Pure: no Kore, no database. See docs/questions.md.
 */

#ifndef __H_QUIZ_QUESTION_H
#define __H_QUIZ_QUESTION_H

#include <stddef.h>

#include <jansson.h>

#define QUIZ_MAX_KEY		64
#define QUIZ_MAX_PROMPT		10000
#define QUIZ_MAX_TEXT		2000
#define QUIZ_MAX_TITLE		255
#define QUIZ_MAX_CATEGORY	255
#define QUIZ_MAX_CHOICES	20	/* choices, items, pairs, answers */
#define QUIZ_MAX_PROBLEMS	100	/* listed; the rest are counted */

/*
 * Positive fractions of a partial-credit multiple choice must add up to 1
 * within this, so that three choices at 33.333% are accepted (Moodle
 * rounds the sum to two decimals).
 */
#define QUIZ_SUM_SLACK		0.01

/* The attempt's secret seed, from which choice ids and orders derive. */
#define QUIZ_SEED_MIN		16
#define QUIZ_SEED_MAX		64

enum quiz_type {
	QUIZ_UNKNOWN = -1,
	QUIZ_SINGLE,
	QUIZ_MULTIPLE,
	QUIZ_TRUE_FALSE,
	QUIZ_SHORT,
	QUIZ_NUMERIC,
	QUIZ_ORDERING,
	QUIZ_MATCHING
};

/* quiz_question.c */
int		quiz_type_of(const json_t *);
const char	*quiz_type_name(int);
int		quiz_partial(const json_t *);
double		quiz_choice_fraction(const json_t *);
double		quiz_answer_fraction(const json_t *);
size_t		quiz_question_check(const json_t *, const char *, json_t *);
void		quiz_problem(json_t *, const char *, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));

/*
 * quiz_view.c: what the learner may see of a question before submitting,
 * for an attempt's seed, and in *map how its opaque ids lead back to the
 * question's keys (stored with the attempt, given to quiz_grade). NULL
 * for a question that is not valid or a seed of the wrong length.
 */
json_t		*quiz_view(const json_t *, const unsigned char *, size_t,
		    json_t **);

#endif
