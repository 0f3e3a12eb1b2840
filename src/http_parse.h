/*
 * Request headers read into decisions: which encoding, which range, which
 * language. Pure, unit-tested in tests/unit/http_parse_test.c.
 */

#ifndef __H_HTTP_PARSE_H
#define __H_HTTP_PARSE_H

#include <stddef.h>

int	http_parse_accepts_gzip(const char *);
int	http_parse_range(const char *, size_t, size_t *, size_t *);
int	http_parse_lang_index(const char *, size_t, const char *const *,
	    size_t);
int	http_parse_accept_language(const char *, const char *const *, size_t);

#endif
