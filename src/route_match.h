/*
 * Route patterns ("/api/v1/courses/:slug") matched against request paths:
 * pure, unit-tested in tests/unit/route_match_test.c.
 */

#ifndef __H_ROUTE_MATCH_H
#define __H_ROUTE_MATCH_H

#define ROUTE_MAX_PARAMS	4
#define ROUTE_PARAM_LEN		128

int	route_match(const char *, const char *,
	    char [ROUTE_MAX_PARAMS][ROUTE_PARAM_LEN], int *);

#endif
