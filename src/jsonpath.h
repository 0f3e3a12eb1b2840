/*
 * Where a member of a JSON text is. jansson keeps no positions for the
 * values it decodes; this finds them again in the source text by walking
 * the path (such as "lessons[2].key") and letting jansson decode, and so
 * measure, every value it steps over. Pure: no Kore, no database.
 */

#ifndef __H_JSONPATH_H
#define __H_JSONPATH_H

#include <stddef.h>

#define JSONPATH_MAX	128

/*
 * Locates path in text, a JSON text that jansson has already accepted.
 * *line and *col (from 1; col in characters) get where the value at path
 * starts or, when part of the path is missing, where the deepest part
 * that exists starts: the object that lacks the member. Returns 1 when the
 * whole path was found, 0 otherwise.
 */
int	jsonpath_locate(const char *, size_t, const char *, size_t *,
	    size_t *);

#endif
