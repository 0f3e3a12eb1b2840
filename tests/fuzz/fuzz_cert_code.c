/*
 * Reading certificate codes as typed (src/cert_code.c): what it accepts
 * is one canonical code, which reads back as itself.
 */

#include "fuzz.h"
#include "cert_code.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	out[CERT_CODE_LEN + 1], again[CERT_CODE_LEN + 1], *in;
	size_t	k;

	in = fuzz_string(data, len);
	if (cert_code_normalise(in, out, sizeof(out))) {
		FUZZ_CHECK(strlen(out) == CERT_CODE_LEN);
		for (k = 0; k < CERT_CODE_LEN; k++)
			FUZZ_CHECK(k % 5 == 4 ? out[k] == '-' :
			    strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ",
			    out[k]) != NULL && out[k] != '\0');
		FUZZ_CHECK(cert_code_normalise(out, again, sizeof(again)));
		FUZZ_CHECK(strcmp(out, again) == 0);
	} else {
		FUZZ_CHECK(out[0] == '\0');
	}
	free(in);
	return (0);
}
