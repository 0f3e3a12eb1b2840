/*
 * A worker's copy of open attempts' questions, so a save checks its
 * answers and writes them in one statement. An attempt's questions never
 * change once drawn (sql/functions/quizzes.sql writes them only when it
 * creates the attempt), so a copy is never stale; it is kept under the
 * attempt and the learner it belongs to, and a slot is simply reused by
 * the next attempt that hashes to it. Pure: unit-tested in
 * tests/unit/attempt_cache_test.c.
 */

#ifndef __H_ATTEMPT_CACHE_H
#define __H_ATTEMPT_CACHE_H

#include <jansson.h>

#define ATTEMPT_CACHE_SLOTS	1024

/* The questions of (attempt, user), borrowed until the next put; or NULL. */
const json_t	*attempt_cache_get(const char *, const char *);

/* Keeps a reference to the questions of (attempt, user). */
void		 attempt_cache_put(const char *, const char *, json_t *);

/* Forgets everything (tests). */
void		 attempt_cache_clear(void);

#endif
