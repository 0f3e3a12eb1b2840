/*
 * Route patterns matched against request paths. No Kore: api.c's
 * dispatcher and the unit tests call it alike.
 */

#include <string.h>

#include "route_match.h"

/*
 * Matches "/api/v1/courses/:slug" against a path, segment by segment, and
 * keeps the values of the ":name" segments in order in params (*nparams of
 * them). A parameter segment takes one non-empty segment of at most
 * ROUTE_PARAM_LEN - 1 bytes; a longer one, or more than ROUTE_MAX_PARAMS,
 * matches nothing.
 */
int
route_match(const char *pattern, const char *path,
    char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_LEN], int *nparams)
{
	const char	*p, *s;
	size_t		len;

	*nparams = 0;
	p = pattern;
	s = path;

	while (*p != '\0' && *s != '\0') {
		if (*p == ':') {
			len = strcspn(s, "/");
			if (len == 0 || len >= ROUTE_PARAM_LEN ||
			    *nparams >= ROUTE_MAX_PARAMS)
				return (0);
			memcpy(params[*nparams], s, len);
			params[*nparams][len] = '\0';
			(*nparams)++;
			s += len;
			p += strcspn(p, "/");
			continue;
		}
		if (*p != *s)
			return (0);
		p++;
		s++;
	}

	return (*p == '\0' && *s == '\0');
}
