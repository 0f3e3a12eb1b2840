/*
 * Matching request paths against the route table's patterns
 * (src/route_match.c). The path is the input; the patterns are those of
 * src/api.c's shapes (one, two and more parameters, and none).
 */

#include "fuzz.h"
#include "route_match.h"

static const char	*patterns[] = {
	"/api/v1/me",
	"/api/v1/courses/:slug",
	"/api/v1/lessons/:id/progress",
	"/api/v1/instructor/courses/:slug/modules/:key",
	"/:a/:b/:c/:d",
	"/:a/:b/:c/:d/:e",
	":x",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	params[ROUTE_MAX_PARAMS][ROUTE_PARAM_LEN], *path;
	size_t	i;
	int	n, k;

	path = fuzz_string(data, len);
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (!route_match(patterns[i], path, params, &n))
			continue;
		FUZZ_CHECK(n >= 0 && n <= ROUTE_MAX_PARAMS);
		for (k = 0; k < n; k++) {
			FUZZ_CHECK(memchr(params[k], '\0', ROUTE_PARAM_LEN));
			FUZZ_CHECK(params[k][0] != '\0');
			FUZZ_CHECK(strchr(params[k], '/') == NULL);
		}
	}
	free(path);
	return (0);
}
