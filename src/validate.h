/*
 * Checks on values from the outside world: pure functions, no Kore, no
 * database, unit-tested in tests/unit/validate_test.c.
 */

#ifndef __H_VALIDATE_H
#define __H_VALIDATE_H

#include <stddef.h>

#define EMAIL_MAX	254

int	valid_country(const char *);
int	valid_language(const char *);
int	valid_profession(const char *);
int	valid_uuid(const char *);
int	valid_slug(const char *, size_t);
int	valid_key(const char *, size_t);
int	email_normalise(const char *, char *, size_t);
size_t	utf8_length(const char *, size_t);
int	has_control_chars(const char *);
int	utf8_check(const char *, size_t, size_t *, size_t *);

#endif
