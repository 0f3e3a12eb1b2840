/*
 * Header parsing (src/http_parse.c): Accept-Encoding, Range over a file
 * whose size the first input bytes give, Accept-Language.
 */

#include "fuzz.h"
#include "http_parse.h"

static const char *const	langs[] = { "en", "es", "fr", "pt" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t		size, start, end;
	char		*hdr;
	int		r, i;

	size = 0;
	if (len >= 2) {
		size = (size_t)data[0] << 8 | data[1];
		if (data[0] == 0xff)
			size = (size_t)-1 >> (data[1] & 7);
		data += 2;
		len -= 2;
	}
	hdr = fuzz_string(data, len);

	(void)http_parse_accepts_gzip(hdr);

	start = end = 0;
	r = http_parse_range(hdr, size, &start, &end);
	FUZZ_CHECK(r >= -1 && r <= 1);
	if (r == 1)
		FUZZ_CHECK(start <= end && end < size);

	i = http_parse_accept_language(hdr, langs, 4);
	FUZZ_CHECK(i >= 0 && i < 4);
	i = http_parse_lang_index(hdr, strlen(hdr), langs, 4);
	FUZZ_CHECK(i >= -1 && i < 4);
	free(hdr);
	return (0);
}
