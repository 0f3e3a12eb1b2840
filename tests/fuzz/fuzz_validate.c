/*
 * Request-body validation (src/validate.c): every check on any bytes, as
 * the handlers call them on the strings jansson gives them.
 */

#include "fuzz.h"
#include "validate.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*s, out[EMAIL_MAX + 1];
	size_t	n, line, col;

	s = fuzz_string(data, len);
	n = strlen(s);
	(void)valid_country(s);
	(void)valid_language(s);
	(void)valid_profession(s);
	(void)valid_uuid(s);
	(void)valid_slug(s, n);
	(void)valid_key(s, n);
	(void)has_control_chars(s);
	FUZZ_CHECK(utf8_length(s, n) <= n);

	memset(out, 'x', sizeof(out));
	if (email_normalise(s, out, sizeof(out))) {
		FUZZ_CHECK(memchr(out, '\0', sizeof(out)) != NULL);
		FUZZ_CHECK(strlen(out) <= EMAIL_MAX);
	}

	/* Over the raw bytes, NULs included. */
	line = col = 0;
	(void)utf8_check((const char *)data, len, &line, &col);
	free(s);
	return (0);
}
