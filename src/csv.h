/*
 * CSV (RFC 4180) reading for uploads: pure, unit-tested in
 * tests/unit/csv_test.c.
 */

#ifndef __H_CSV_H
#define __H_CSV_H

#include <stddef.h>

#include <jansson.h>

struct csv_error {
	size_t		line;
	char		message[160];
};

/*
 * Parses the whole text; returns [{"line": n, "fields": [..]}] for each
 * non-empty record, or NULL with the first problem in err. Every record
 * must have as many fields as the first.
 */
json_t	*csv_parse(const char *, size_t, size_t, struct csv_error *);

#define CSV_COLUMNS_MAX		8

/*
 * Parses the whole text and picks the columns its header names:
 * [{"line": n, "<name>": value, ...}] for each record after the header.
 */
json_t	*csv_columns(const char *, size_t, size_t, const char *const *,
	    struct csv_error *);

#endif
