/*
 * A JWT's header, read before libjwt sees the token: the algorithm must be
 * HS256 and the kid a string, or the token is refused whatever it holds.
 */

#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "jwt_header.h"

/*
 * Copies the kid of token's header into kid (kidlen bytes with its NUL)
 * and returns 1 when the header is base64url JSON naming HS256 and a kid
 * that fits; 0 otherwise.
 */
int
jwt_header_kid(const char *token, char *kid, size_t kidlen)
{
	const char	*dot, *alg, *k;
	unsigned char	hdr[JWT_HEADER_MAX];
	size_t		hdrlen;
	json_t		*json;
	int		ok;

	if ((dot = strchr(token, '.')) == NULL ||
	    (size_t)(dot - token) >= sizeof(hdr) * 4 / 3)
		return (0);
	if (sodium_base642bin(hdr, sizeof(hdr) - 1, token, dot - token, NULL,
	    &hdrlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return (0);

	if ((json = json_loadb((const char *)hdr, hdrlen, 0, NULL)) == NULL)
		return (0);
	alg = json_string_value(json_object_get(json, "alg"));
	k = json_string_value(json_object_get(json, "kid"));
	ok = alg != NULL && !strcmp(alg, "HS256") && k != NULL &&
	    strlen(k) < kidlen;
	if (ok)
		memcpy(kid, k, strlen(k) + 1);
	json_decref(json);
	return (ok);
}
