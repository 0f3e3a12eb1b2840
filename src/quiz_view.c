/*
 * The learner's view of a question in an attempt: its prompt and its
 * choices (or items, or prompts and answers to match) under opaque ids,
 * shuffled where the question allows it, with no fraction, correctness
 * or feedback, every choice the same shape whether right or wrong.
 *
 * An id is a keyed hash (BLAKE2b, libsodium's crypto_generichash) of the
 * question's key and the choice's key under the attempt's secret seed:
 * the same in every view of one attempt, unrelated between attempts, and
 * saying nothing of the choice's place or worth. The map returned beside
 * the view leads ids back to keys for grading:
 *   {"ids": {"<id>": "<choice, item or pair key>"},
 *    "options": {"<id>": "<answer text>"}}	(matching only)
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "quiz_question.h"

#define VIEW_ID_BYTES	12

struct view {
	const unsigned char	*seed;
	size_t			seedlen;
	const char		*qkey;
	json_t			*ids;
	json_t			*options;
	int			clash;
};

static void	view_id(struct view *, const char *, const char *, char *);
static uint64_t	view_random(struct view *, const char *, size_t);
static void	view_shuffle(struct view *, json_t *, const char *);
static json_t	*view_list(struct view *, const json_t *, const char *,
		    const char *, int, int);
static json_t	*view_options(struct view *, const json_t *);

json_t *
quiz_view(const json_t *q, const unsigned char *seed, size_t seedlen,
    json_t **mapp)
{
	struct view	v;
	json_t		*out, *list;
	int		type, shuffle;

	*mapp = NULL;
	if (seedlen < QUIZ_SEED_MIN || seedlen > QUIZ_SEED_MAX ||
	    quiz_question_check(q, "", NULL) > 0)
		return (NULL);
	memset(&v, 0, sizeof(v));
	v.seed = seed;
	v.seedlen = seedlen;
	v.qkey = json_string_value(json_object_get(q, "key"));
	v.ids = json_object();
	type = quiz_type_of(q);
	shuffle = !json_is_false(json_object_get(q, "shuffle"));

	out = json_pack("{s:s, s:O}", "type", quiz_type_name(type), "prompt",
	    json_object_get(q, "prompt"));
	switch (type) {
	case QUIZ_SINGLE:
	case QUIZ_MULTIPLE:
		list = view_list(&v, q, "choices", "text", shuffle, 0);
		json_object_set_new(out, "choices", list);
		break;
	case QUIZ_TRUE_FALSE:
		/* True before False, always: the order says nothing. */
		list = view_list(&v, q, "choices", "text", 0, 0);
		json_object_set_new(out, "choices", list);
		break;
	case QUIZ_ORDERING:
		list = view_list(&v, q, "items", "text", 1, 1);
		json_object_set_new(out, "items", list);
		break;
	case QUIZ_MATCHING:
		v.options = json_object();
		list = view_list(&v, q, "pairs", "prompt", shuffle, 0);
		json_object_set_new(out, "prompts", list);
		json_object_set_new(out, "options", view_options(&v, q));
		break;
	default:	/* short answer, numeric: the prompt is all */
		break;
	}
	if (v.clash) {
		json_decref(out);
		json_decref(v.ids);
		json_decref(v.options);
		return (NULL);
	}
	*mapp = json_pack("{s:o}", "ids", v.ids);
	if (v.options != NULL)
		json_object_set_new(*mapp, "options", v.options);
	return (out);
}

/*
 * [{"id", "text"}] for the list's members, shuffled or not; an ordering's
 * items (avoid_identity) are never shown in their right order.
 */
static json_t *
view_list(struct view *v, const json_t *q, const char *name,
    const char *text, int shuffle, int avoid_identity)
{
	const json_t	*src, *e;
	json_t		*out, *right;
	const char	*key;
	char		id[VIEW_ID_BYTES * 2 + 1];
	size_t		i;

	src = json_object_get(q, name);
	out = json_array();
	json_array_foreach(src, i, e) {
		key = json_string_value(json_object_get(e, "key"));
		view_id(v, name, key, id);
		if (json_object_get(v->ids, id) != NULL)
			v->clash = 1;
		json_object_set_new(v->ids, id, json_string(key));
		json_array_append_new(out, json_pack("{s:s, s:O}", "id", id,
		    "text", json_object_get(e, text)));
	}
	if (!shuffle)
		return (out);
	right = json_copy(out);		/* shares the elements */
	view_shuffle(v, out, name);
	for (i = 0; i < json_array_size(out) &&
	    json_array_get(out, i) == json_array_get(right, i); i++)
		;
	if (avoid_identity && i == json_array_size(out)) {
		/* Swapping the first two keeps every other order as likely. */
		e = json_incref(json_array_get(out, 0));
		json_array_set(out, 0, json_array_get(out, 1));
		json_array_set_new(out, 1, (json_t *)e);
	}
	json_decref(right);
	return (out);
}

/*
 * Matching's answers: every pair's answer and every distractor, each text
 * once (Moodle merges equal answers too), in an order of their ids.
 */
static json_t *
view_options(struct view *v, const json_t *q)
{
	const json_t	*e;
	json_t		*texts, *out;
	const char	*t;
	char		id[VIEW_ID_BYTES * 2 + 1];
	size_t		i;

	texts = json_array();
	json_array_foreach(json_object_get(q, "pairs"), i, e)
		json_array_append(texts, json_object_get(e, "answer"));
	json_array_foreach(json_object_get(q, "distractors"), i, e)
		json_array_append(texts, (json_t *)e);
	out = json_array();
	json_array_foreach(texts, i, e) {
		t = json_string_value(e);
		view_id(v, "options", t, id);
		if (json_object_get(v->options, id) != NULL)
			continue;
		json_object_set_new(v->options, id, json_string(t));
		json_array_append_new(out, json_pack("{s:s, s:s}", "id", id,
		    "text", t));
	}
	json_decref(texts);
	view_shuffle(v, out, "options");
	return (out);
}

/* The id of what under kind (a list's name) in this question. */
static void
view_id(struct view *v, const char *kind, const char *what, char *out)
{
	crypto_generichash_state	st;
	unsigned char			h[VIEW_ID_BYTES];

	crypto_generichash_init(&st, v->seed, v->seedlen, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)v->qkey,
	    strlen(v->qkey) + 1);
	crypto_generichash_update(&st, (const unsigned char *)kind,
	    strlen(kind) + 1);
	crypto_generichash_update(&st, (const unsigned char *)what,
	    strlen(what));
	crypto_generichash_final(&st, h, sizeof(h));
	(void)sodium_bin2hex(out, VIEW_ID_BYTES * 2 + 1, h, sizeof(h));
}

/* The n-th pseudo-random number of a list's shuffle, from the seed. */
static uint64_t
view_random(struct view *v, const char *kind, size_t n)
{
	crypto_generichash_state	st;
	unsigned char			h[8];
	char				what[48];
	uint64_t			r;
	size_t				i;

	(void)snprintf(what, sizeof(what), "shuffle:%zu", n);
	crypto_generichash_init(&st, v->seed, v->seedlen, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)v->qkey,
	    strlen(v->qkey) + 1);
	crypto_generichash_update(&st, (const unsigned char *)kind,
	    strlen(kind) + 1);
	crypto_generichash_update(&st, (const unsigned char *)what,
	    strlen(what));
	crypto_generichash_final(&st, h, sizeof(h));
	r = 0;
	for (i = 0; i < sizeof(h); i++)
		r = (r << 8) | h[i];
	return (r);
}

/* Fisher-Yates; with at most 20 elements the modulo's bias is ~1e-18. */
static void
view_shuffle(struct view *v, json_t *list, const char *kind)
{
	json_t		*a, *b;
	size_t		i, j, n;

	n = json_array_size(list);
	for (i = n; i > 1; i--) {
		j = view_random(v, kind, i) % i;
		a = json_incref(json_array_get(list, i - 1));
		b = json_incref(json_array_get(list, j));
		json_array_set_new(list, i - 1, b);
		json_array_set_new(list, j, a);
	}
}
