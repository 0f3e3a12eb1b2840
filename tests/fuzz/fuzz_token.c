/*
 * Access tokens as a client sends them: the header read of
 * src/jwt_header.c, then, for a header it accepts, libjwt's decoding with
 * a key (session.c's next step; the signature will not match, but the
 * token is parsed to find out).
 */

#include <jwt.h>

#include "fuzz.h"
#include "jwt_header.h"

static const unsigned char	key[32] = "0123456789abcdef0123456789abcdef";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	kid[32], *token;
	jwt_t	*jwt;

	token = fuzz_string(data, len);
	memset(kid, 'x', sizeof(kid));
	if (jwt_header_kid(token, kid, sizeof(kid))) {
		FUZZ_CHECK(memchr(kid, '\0', sizeof(kid)) != NULL);
		if (jwt_decode(&jwt, token, key, sizeof(key)) == 0)
			jwt_free(jwt);
	}
	free(token);
	return (0);
}
