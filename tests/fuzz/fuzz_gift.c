/*
 * The GIFT importer (src/quiz_gift.c): whatever the file, every question
 * it returns passes the validator, and a file it refuses says why (a
 * problem with a line, or a skipped question).
 */

#include <jansson.h>

#include "fuzz.h"
#include "quiz_import.h"
#include "quiz_question.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t		*qs, *problems, *skipped, *e;
	size_t		i;

	problems = json_array();
	skipped = json_array();
	qs = quiz_gift_parse((const char *)data, len, problems, skipped);
	if (qs != NULL) {
		FUZZ_CHECK(json_array_size(problems) == 0);
		FUZZ_CHECK(json_array_size(qs) > 0);
		json_array_foreach(qs, i, e)
			FUZZ_CHECK(quiz_question_check(e, "", NULL) == 0);
		json_decref(qs);
	} else
		FUZZ_CHECK(json_array_size(problems) +
		    json_array_size(skipped) > 0);
	json_array_foreach(problems, i, e) {
		FUZZ_CHECK(json_is_string(json_object_get(e, "code")));
		FUZZ_CHECK(i == QUIZ_MAX_PROBLEMS ||
		    json_integer_value(json_object_get(e, "line")) >= 1);
	}
	json_array_foreach(skipped, i, e)
		FUZZ_CHECK(json_is_string(json_object_get(e, "type")));
	json_decref(problems);
	json_decref(skipped);
	return (0);
}
