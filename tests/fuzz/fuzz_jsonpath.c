/*
 * Locating a manifest's member by its path (src/jsonpath.c). Input: the
 * path, a newline, then a JSON text. package.c only locates paths in a
 * text jansson has read, so other texts are skipped, as there.
 */

#include <jansson.h>

#include "fuzz.h"
#include "jsonpath.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const uint8_t	*nl;
	json_t		*doc;
	char		*path;
	size_t		plen, line, col;

	if ((nl = memchr(data, '\n', len)) == NULL)
		return (0);
	plen = nl - data;
	path = fuzz_string(data, plen);
	data = nl + 1;
	len -= plen + 1;

	if ((doc = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
	    NULL)) != NULL) {
		line = col = 0;
		(void)jsonpath_locate((const char *)data, len, path, &line,
		    &col);
		FUZZ_CHECK(line <= len + 1 && col <= len + 1);
		json_decref(doc);
	}
	free(path);
	return (0);
}
