/*
 * The enrollment import's CSV reader (src/csv.c), with the columns and row
 * limit src/learning.c asks for.
 */

#include <jansson.h>

#include "csv.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const columns[] = { "email", "course", NULL };
	struct csv_error	err;
	json_t			*rows, *row;
	size_t			i;

	memset(&err, 0, sizeof(err));
	if ((rows = csv_columns((const char *)data, len, 10001, columns,
	    &err)) == NULL) {
		FUZZ_CHECK(memchr(err.message, '\0', sizeof(err.message)));
		FUZZ_CHECK(err.line <= len + 1);
	} else {
		FUZZ_CHECK(json_is_array(rows));
		json_array_foreach(rows, i, row) {
			FUZZ_CHECK(json_is_integer(json_object_get(row,
			    "line")));
		}
		json_decref(rows);
	}

	memset(&err, 0, sizeof(err));
	if ((rows = csv_parse((const char *)data, len, 50, &err)) != NULL) {
		FUZZ_CHECK(json_array_size(rows) <= 50);
		json_decref(rows);
	}
	return (0);
}
