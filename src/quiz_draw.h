/*
 * Drawing an attempt's questions from a quiz's pool, and making of them
 * what the attempt keeps: each drawn question with its opaque id, the
 * learner's view and the map back to its keys. Pure: no Kore, no
 * database; tests/unit/quiz_draw_test.c. See docs/quizzes.md.
 */

#ifndef __H_QUIZ_DRAW_H
#define __H_QUIZ_DRAW_H

#include <stddef.h>

#include <jansson.h>

/* Questions an attempt may hold, whatever the pool. */
#define QUIZ_DRAW_MAX		500
/* The opaque id of a question in an attempt: hex of this many bytes. */
#define QUIZ_QID_BYTES		12
#define QUIZ_QID_LEN		(QUIZ_QID_BYTES * 2)

json_t	*quiz_draw(const json_t *, size_t, int, const unsigned char *,
	    size_t);
json_t	*quiz_draw_attempt(const json_t *, size_t, int,
	    const unsigned char *, size_t);

#endif
