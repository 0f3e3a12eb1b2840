/*
 * The draw and an attempt's answers (src/quiz_draw.c, quiz_attempt.c) on
 * arbitrary input: two bytes (the count, per category or not), then JSON
 * [pool, answers]. The draw never takes more than asked nor anything
 * outside the pool; every question kept has a 24-hex id and a view; any
 * answers are checked to a known code, and grading gives 0..100.
 */

#include <jansson.h>

#include "fuzz.h"
#include "quiz_attempt.h"
#include "quiz_draw.h"

static const unsigned char seed[32] = "fuzzing seed, thirty-two bytes!";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct quiz_attempt_grade	g;
	json_t				*in, *pool, *answers, *drawn, *x;
	const char			*code, *field, *id;
	size_t				count, i;
	int				per;

	if (len < 2)
		return (0);
	count = data[0] % 8;
	per = data[1] & 1;
	if ((in = json_loadb((const char *)data + 2, len - 2, 0, NULL)) == NULL)
		return (0);
	pool = json_array_get(in, 0);
	answers = json_array_get(in, 1);
	if (!json_is_array(pool)) {
		json_decref(in);
		return (0);
	}
	drawn = quiz_draw(pool, count, per, seed, sizeof(seed));
	FUZZ_CHECK(drawn != NULL);
	FUZZ_CHECK(json_array_size(drawn) <= json_array_size(pool));
	FUZZ_CHECK(per || count == 0 || json_array_size(drawn) <= count);
	json_decref(drawn);

	drawn = quiz_draw_attempt(pool, count, per, seed, sizeof(seed));
	FUZZ_CHECK(drawn != NULL);
	json_array_foreach(drawn, i, x) {
		id = json_string_value(json_object_get(x, "id"));
		FUZZ_CHECK(id != NULL && strlen(id) == QUIZ_QID_LEN);
		FUZZ_CHECK(json_is_object(json_object_get(x, "view")));
	}
	if (json_is_object(answers)) {
		code = quiz_attempt_check(drawn, answers, &field);
		FUZZ_CHECK(code == NULL || field != NULL);
	}
	FUZZ_CHECK(quiz_attempt_grade(drawn, answers, &g));
	FUZZ_CHECK(g.score >= 0.0 && g.score <= 100.0);
	FUZZ_CHECK(json_array_size(g.review) == json_array_size(drawn));
	quiz_attempt_grade_free(&g);
	json_decref(drawn);
	json_decref(in);
	return (0);
}
