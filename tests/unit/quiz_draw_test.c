/*
 * Unit tests for src/quiz_draw.c: the draw is deterministic from the seed,
 * takes the count asked (of each category when asked), keeps the pool's
 * order, spreads evenly over many seeds, and what an attempt keeps of it
 * shows no key material.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quiz_draw.h"
#include "quiz_question.h"

static json_t *
pool_of(size_t n, const char *const *cats)
{
	json_t		*pool, *q;
	char		key[32], prompt[64];
	size_t		i;

	pool = json_array();
	for (i = 0; i < n; i++) {
		(void)snprintf(key, sizeof(key), "q%zu", i);
		(void)snprintf(prompt, sizeof(prompt), "Question %zu?", i);
		q = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:b, s:s},"
		    " {s:s, s:s, s:b, s:s}]}", "key", key, "type",
		    "single_choice", "prompt", prompt, "choices",
		    "key", "a", "text", "Right", "correct", 1, "feedback", "FB-A",
		    "key", "b", "text", "Wrong", "correct", 0, "feedback",
		    "FB-B");
		if (cats != NULL && cats[i] != NULL && *cats[i] != '\0')
			json_object_set_new(q, "category", json_string(cats[i]));
		json_array_append_new(pool, q);
	}
	return (pool);
}

static void
seed_n(unsigned char *seed, size_t len, unsigned n)
{
	size_t	i;

	for (i = 0; i < len; i++)
		seed[i] = (unsigned char)(n * 131 + i * 7 + (n >> 8));
}

/* The pool indexes of a draw ("q<i>" keys), as a bit set. */
static uint64_t
drawn_set(const json_t *drawn)
{
	const json_t	*q;
	uint64_t	set;
	size_t		i;

	set = 0;
	json_array_foreach(drawn, i, q)
		set |= 1ULL << atoi(json_string_value(json_object_get(q,
		    "key")) + 1);
	return (set);
}

static void
test_same_seed_same_draw(void **state)
{
	unsigned char	seed[32];
	json_t		*pool, *a, *b;

	pool = pool_of(10, NULL);
	seed_n(seed, sizeof(seed), 1);
	a = quiz_draw(pool, 3, 0, seed, sizeof(seed));
	b = quiz_draw(pool, 3, 0, seed, sizeof(seed));
	assert_int_equal(json_array_size(a), 3);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	json_decref(pool);
}

static void
test_count_zero_or_over_takes_all_in_order(void **state)
{
	unsigned char	seed[16];
	json_t		*pool, *a;

	pool = pool_of(5, NULL);
	seed_n(seed, sizeof(seed), 2);
	a = quiz_draw(pool, 0, 0, seed, sizeof(seed));
	assert_true(json_equal(a, pool));
	json_decref(a);
	a = quiz_draw(pool, 99, 0, seed, sizeof(seed));
	assert_true(json_equal(a, pool));
	json_decref(a);
	a = quiz_draw(pool, 99, 1, seed, sizeof(seed));
	assert_true(json_equal(a, pool));
	json_decref(a);
	json_decref(pool);
}

static void
test_draws_keep_the_pool_order(void **state)
{
	unsigned char	seed[32];
	json_t		*pool, *a, *q;
	size_t		i;
	unsigned	n;
	int		last, k;

	pool = pool_of(12, NULL);
	for (n = 0; n < 50; n++) {
		seed_n(seed, sizeof(seed), n);
		a = quiz_draw(pool, 5, 0, seed, sizeof(seed));
		assert_int_equal(json_array_size(a), 5);
		last = -1;
		json_array_foreach(a, i, q) {
			k = atoi(json_string_value(json_object_get(q,
			    "key")) + 1);
			assert_true(k > last);
			last = k;
		}
		json_decref(a);
	}
	json_decref(pool);
}

static void
test_seeds_spread_the_draw_evenly(void **state)
{
	unsigned char	seed[32];
	json_t		*pool, *a;
	unsigned	n, hits[10], distinct;
	uint64_t	set, seen[64];
	size_t		i, j, nseen;

	pool = pool_of(10, NULL);
	memset(hits, 0, sizeof(hits));
	nseen = 0;
	distinct = 0;
	for (n = 0; n < 3000; n++) {
		seed_n(seed, sizeof(seed), n);
		a = quiz_draw(pool, 3, 0, seed, sizeof(seed));
		set = drawn_set(a);
		for (i = 0; i < 10; i++)
			hits[i] += (set >> i) & 1;
		for (j = 0; j < nseen && seen[j] != set; j++)
			;
		if (j == nseen && nseen < 64) {
			seen[nseen++] = set;
			distinct++;
		}
		json_decref(a);
	}
	/* Each question drawn 900 times expected (3 of 10, 3000 draws). */
	for (i = 0; i < 10; i++)
		assert_in_range(hits[i], 780, 1020);
	/* C(10, 3) = 120 subsets: many of them come up. */
	assert_true(distinct >= 60);
	json_decref(pool);
}

static void
test_per_category(void **state)
{
	static const char *const cats[] = { "A", "B", "A", "", "B", "A",
	    "C", "A", "", "B" };
	unsigned char	seed[32];
	json_t		*pool, *a, *q;
	const char	*c;
	size_t		i;
	unsigned	n, na, nb, nc, none;

	pool = pool_of(10, cats);
	for (n = 0; n < 40; n++) {
		seed_n(seed, sizeof(seed), n);
		a = quiz_draw(pool, 2, 1, seed, sizeof(seed));
		na = nb = nc = none = 0;
		json_array_foreach(a, i, q) {
			c = json_string_value(json_object_get(q, "category"));
			if (c == NULL)
				none++;
			else if (!strcmp(c, "A"))
				na++;
			else if (!strcmp(c, "B"))
				nb++;
			else
				nc++;
		}
		/* Two of each, the one C, both uncategorised. */
		assert_int_equal(na, 2);
		assert_int_equal(nb, 2);
		assert_int_equal(nc, 1);
		assert_int_equal(none, 2);
		json_decref(a);
	}
	json_decref(pool);
}

static void
test_bad_seed_or_pool(void **state)
{
	unsigned char	seed[65];
	json_t		*pool, *a;

	memset(seed, 1, sizeof(seed));
	pool = pool_of(3, NULL);
	assert_null(quiz_draw(pool, 1, 0, seed, 15));
	assert_null(quiz_draw(pool, 1, 0, seed, 65));
	assert_null(quiz_draw_attempt(pool, 1, 0, seed, 8));
	json_decref(pool);
	pool = json_object();
	assert_null(quiz_draw(pool, 1, 0, seed, 32));
	json_decref(pool);
	pool = json_array();
	a = quiz_draw(pool, 3, 0, seed, 32);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	json_decref(pool);
}

/* No member of a view may name a key, a worth or a feedback. */
static void
assert_no_secret(const json_t *v)
{
	static const char *const banned[] = { "correct", "fraction",
	    "feedback", "key", "answers", "explanation", NULL };
	const char	*k;
	json_t		*e;
	size_t		i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			assert_no_secret(e);
		return;
	}
	json_object_foreach((json_t *)v, k, e) {
		for (i = 0; banned[i] != NULL; i++)
			assert_string_not_equal(k, banned[i]);
		assert_no_secret(e);
	}
	if (json_is_string(v))
		assert_null(strstr(json_string_value(v), "FB-"));
}

static void
test_attempt_questions(void **state)
{
	unsigned char	seed[32], other[32];
	json_t		*pool, *a, *b, *x, *bad;
	const char	*id;
	size_t		i, j;

	pool = pool_of(6, NULL);
	/* An invalid question is left out, never shown half. */
	bad = json_pack("{s:s, s:s, s:s}", "key", "bad", "type", "essay",
	    "prompt", "Write.");
	json_array_append_new(pool, bad);
	seed_n(seed, sizeof(seed), 7);
	seed_n(other, sizeof(other), 8);
	a = quiz_draw_attempt(pool, 0, 0, seed, sizeof(seed));
	b = quiz_draw_attempt(pool, 0, 0, other, sizeof(other));
	assert_int_equal(json_array_size(a), 6);
	json_array_foreach(a, i, x) {
		id = json_string_value(json_object_get(x, "id"));
		assert_non_null(id);
		assert_int_equal(strlen(id), QUIZ_QID_LEN);
		assert_int_equal(strspn(id, "0123456789abcdef"), QUIZ_QID_LEN);
		for (j = 0; j < i; j++)
			assert_string_not_equal(id, json_string_value(
			    json_object_get(json_array_get(a, j), "id")));
		/* Another attempt's ids are others. */
		assert_string_not_equal(id, json_string_value(json_object_get(
		    json_array_get(b, i), "id")));
		assert_non_null(json_object_get(x, "question"));
		assert_true(json_is_object(json_object_get(json_object_get(x,
		    "map"), "ids")));
		assert_no_secret(json_object_get(x, "view"));
	}
	json_decref(a);
	json_decref(b);
	json_decref(pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_draw),
		cmocka_unit_test(test_count_zero_or_over_takes_all_in_order),
		cmocka_unit_test(test_draws_keep_the_pool_order),
		cmocka_unit_test(test_seeds_spread_the_draw_evenly),
		cmocka_unit_test(test_per_category),
		cmocka_unit_test(test_bad_seed_or_pool),
		cmocka_unit_test(test_attempt_questions),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
