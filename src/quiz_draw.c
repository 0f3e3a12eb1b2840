/*
 * The draw: which questions of a quiz's pool an attempt asks, from the
 * attempt's secret seed. The pool is the quiz's own questions, then the
 * bank questions of the categories it names (sql/functions/quizzes.sql
 * builds it). With a count, that many are drawn at random, or that many
 * from each category; without one, every question. The questions drawn
 * keep the pool's order: the instructor's order for the quiz's own, and a
 * random draw says nothing by its order since the pool's order is known.
 *
 * Deterministic from the seed: the same pool and seed give the same draw,
 * which the tests rely on; the seed comes from libsodium's randombytes and
 * is never sent, so a learner cannot predict another attempt's draw.
 * Randomness is BLAKE2b (crypto_generichash) keyed by the seed over a
 * counter, as quiz_view's shuffles are.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "quiz_draw.h"
#include "quiz_question.h"

struct draw {
	const unsigned char	*seed;
	size_t			seedlen;
	uint64_t		counter;
};

static uint64_t	draw_random(struct draw *, const char *);
static void	draw_pick(struct draw *, size_t *, size_t, size_t, char *);
static const char *draw_category(const json_t *);
static void	draw_qid(const unsigned char *, size_t, size_t, char *);

/*
 * The questions of pool drawn for an attempt: count of them (0: all), or
 * count of each category when per_category. A new array sharing the
 * pool's question objects; NULL for a seed of the wrong length.
 */
json_t *
quiz_draw(const json_t *pool, size_t count, int per_category,
    const unsigned char *seed, size_t seedlen)
{
	struct draw	d;
	json_t		*out;
	size_t		n, i, j, m, *idx;
	char		*chosen;
	const char	*cat;

	if (seedlen < QUIZ_SEED_MIN || seedlen > QUIZ_SEED_MAX ||
	    !json_is_array(pool))
		return (NULL);
	n = json_array_size(pool);
	out = json_array();
	if (n == 0)
		return (out);
	memset(&d, 0, sizeof(d));
	d.seed = seed;
	d.seedlen = seedlen;
	chosen = calloc(n, 1);
	idx = calloc(n, sizeof(*idx));
	if (chosen == NULL || idx == NULL)
		abort();

	if (count == 0) {
		memset(chosen, 1, n);
	} else if (!per_category) {
		for (i = 0; i < n; i++)
			idx[i] = i;
		draw_pick(&d, idx, n, count, chosen);
	} else {
		/* Each category once, in the order it first appears. */
		for (i = 0; i < n; i++) {
			cat = draw_category(json_array_get(pool, i));
			for (j = 0; j < i; j++) {
				if (!strcmp(cat, draw_category(
				    json_array_get(pool, j))))
					break;
			}
			if (j < i)
				continue;
			m = 0;
			for (j = i; j < n; j++) {
				if (!strcmp(cat, draw_category(
				    json_array_get(pool, j))))
					idx[m++] = j;
			}
			draw_pick(&d, idx, m, count, chosen);
		}
	}

	for (i = 0; i < n && json_array_size(out) < QUIZ_DRAW_MAX; i++) {
		if (chosen[i])
			json_array_append(out, json_array_get(pool, i));
	}
	free(chosen);
	free(idx);
	return (out);
}

/*
 * What an attempt keeps of its draw: [{"id", "question", "map", "view"}]
 * in the order shown. A question quiz_view refuses (not valid) is left
 * out. NULL for a seed of the wrong length.
 */
json_t *
quiz_draw_attempt(const json_t *pool, size_t count, int per_category,
    const unsigned char *seed, size_t seedlen)
{
	json_t		*drawn, *out, *q, *view, *map;
	char		qid[QUIZ_QID_LEN + 1];
	size_t		i;

	if ((drawn = quiz_draw(pool, count, per_category, seed,
	    seedlen)) == NULL)
		return (NULL);
	out = json_array();
	json_array_foreach(drawn, i, q) {
		if ((view = quiz_view(q, seed, seedlen, &map)) == NULL)
			continue;
		draw_qid(seed, seedlen, json_array_size(out), qid);
		json_array_append_new(out, json_pack("{s:s, s:O, s:o, s:o}",
		    "id", qid, "question", q, "map", map, "view", view));
	}
	json_decref(drawn);
	return (out);
}

/*
 * Marks up to want of the n indexes in idx as chosen: a partial
 * Fisher-Yates shuffle, the first want places drawn from the rest.
 */
static void
draw_pick(struct draw *d, size_t *idx, size_t n, size_t want, char *chosen)
{
	size_t		i, j, t;

	if (want > n)
		want = n;
	for (i = 0; i < want; i++) {
		/* Pools of thousands at most: the modulo's bias is nil. */
		j = i + (size_t)(draw_random(d, "draw") % (n - i));
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		chosen[idx[i]] = 1;
	}
}

/* The next pseudo-random number of the draw. */
static uint64_t
draw_random(struct draw *d, const char *kind)
{
	crypto_generichash_state	st;
	unsigned char			h[8];
	char				what[48];
	uint64_t			r;
	size_t				i;

	(void)snprintf(what, sizeof(what), "%s:%llu", kind,
	    (unsigned long long)d->counter++);
	crypto_generichash_init(&st, d->seed, d->seedlen, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)what,
	    strlen(what));
	crypto_generichash_final(&st, h, sizeof(h));
	r = 0;
	for (i = 0; i < sizeof(h); i++)
		r = (r << 8) | h[i];
	return (r);
}

static const char *
draw_category(const json_t *q)
{
	const char	*c;

	c = json_string_value(json_object_get(q, "category"));
	return (c != NULL ? c : "");
}

/*
 * The opaque id of the n-th question shown: a keyed hash of its place,
 * so it says nothing of the question's key and differs between attempts.
 */
static void
draw_qid(const unsigned char *seed, size_t seedlen, size_t n, char *out)
{
	unsigned char	h[QUIZ_QID_BYTES];
	char		what[32];

	(void)snprintf(what, sizeof(what), "question:%zu", n);
	crypto_generichash(h, sizeof(h), (const unsigned char *)what,
	    strlen(what), seed, seedlen);
	(void)sodium_bin2hex(out, QUIZ_QID_LEN + 1, h, sizeof(h));
}
