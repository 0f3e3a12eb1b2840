/*
 * Open attempts' questions by attempt and learner: see attempt_cache.h.
 * One slot a hash of the attempt id; a put replaces what was there.
 */

#include <stdint.h>
#include <string.h>

#include "attempt_cache.h"

#define ATTEMPT_ID_LEN		36

struct attempt_slot {
	char		attempt[ATTEMPT_ID_LEN + 1];
	char		user[ATTEMPT_ID_LEN + 1];
	json_t		*questions;
};

static struct attempt_slot	attempt_slots[ATTEMPT_CACHE_SLOTS];

static struct attempt_slot	*attempt_slot(const char *);
static int			 attempt_ids_ok(const char *, const char *);

const json_t *
attempt_cache_get(const char *attempt, const char *user)
{
	struct attempt_slot	*s;

	if (!attempt_ids_ok(attempt, user))
		return (NULL);
	s = attempt_slot(attempt);
	if (s->questions == NULL || strcmp(s->attempt, attempt) ||
	    strcmp(s->user, user))
		return (NULL);
	return (s->questions);
}

void
attempt_cache_put(const char *attempt, const char *user, json_t *questions)
{
	struct attempt_slot	*s;

	if (!attempt_ids_ok(attempt, user) || !json_is_array(questions))
		return;
	s = attempt_slot(attempt);
	json_decref(s->questions);
	memcpy(s->attempt, attempt, ATTEMPT_ID_LEN + 1);
	memcpy(s->user, user, ATTEMPT_ID_LEN + 1);
	s->questions = json_incref(questions);
}

void
attempt_cache_clear(void)
{
	size_t	i;

	for (i = 0; i < ATTEMPT_CACHE_SLOTS; i++) {
		json_decref(attempt_slots[i].questions);
		attempt_slots[i].questions = NULL;
	}
}

/* FNV-1a of the id: uuids are random, any spread of their text will do. */
static struct attempt_slot *
attempt_slot(const char *attempt)
{
	uint32_t	h = 2166136261u;

	for (; *attempt != '\0'; attempt++)
		h = (h ^ (unsigned char)*attempt) * 16777619u;
	return (&attempt_slots[h % ATTEMPT_CACHE_SLOTS]);
}

static int
attempt_ids_ok(const char *attempt, const char *user)
{
	return (attempt != NULL && user != NULL &&
	    strlen(attempt) == ATTEMPT_ID_LEN && strlen(user) == ATTEMPT_ID_LEN);
}
