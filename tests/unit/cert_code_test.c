/*
 * Unit tests for src/cert_code.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "cert_code.h"

#define ALPHABET	"0123456789ABCDEFGHJKMNPQRSTVWXYZ"

static void
formats_known_bytes(void **state)
{
	uint8_t	zero[CERT_CODE_BYTES], ones[CERT_CODE_BYTES];
	uint8_t	seq[CERT_CODE_BYTES] = { 0x00, 0x44, 0x32, 0x14, 0xc7, 0x42,
	    0x54, 0xb6, 0x35, 0xcf };
	char	out[CERT_CODE_LEN + 1];

	memset(zero, 0, sizeof(zero));
	memset(ones, 0xff, sizeof(ones));
	cert_code_format(zero, out, sizeof(out));
	assert_string_equal(out, "0000-0000-0000-0000");
	cert_code_format(ones, out, sizeof(out));
	assert_string_equal(out, "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
	/* 0..15 as 5-bit symbols. */
	cert_code_format(seq, out, sizeof(out));
	assert_string_equal(out, "0123-4567-89AB-CDEF");
}

static void
new_codes_are_well_formed_and_differ(void **state)
{
	char	a[CERT_CODE_LEN + 1], b[CERT_CODE_LEN + 1], n[CERT_CODE_LEN + 1];
	int	i, k;

	for (i = 0; i < 1000; i++) {
		assert_true(cert_code_new(a, sizeof(a)));
		assert_true(cert_code_new(b, sizeof(b)));
		assert_int_equal(strlen(a), CERT_CODE_LEN);
		assert_string_not_equal(a, b);
		for (k = 0; k < CERT_CODE_LEN; k++) {
			if (k % 5 == 4)
				assert_int_equal(a[k], '-');
			else
				assert_non_null(strchr(ALPHABET, a[k]));
		}
		assert_true(cert_code_normalise(a, n, sizeof(n)));
		assert_string_equal(a, n);
	}
}

static void
short_buffers_refused(void **state)
{
	char	out[CERT_CODE_LEN];

	out[0] = 'x';
	assert_false(cert_code_new(out, sizeof(out)));
	assert_false(cert_code_normalise("0000-0000-0000-0000", out,
	    sizeof(out)));
	assert_int_equal(out[0], '\0');
}

static void
reads_what_people_type(void **state)
{
	char	out[CERT_CODE_LEN + 1];

	assert_true(cert_code_normalise("abcd efgh jkmn pqrs", out,
	    sizeof(out)));
	assert_string_equal(out, "ABCD-EFGH-JKMN-PQRS");
	assert_true(cert_code_normalise("oil0oil0oil0oil0", out, sizeof(out)));
	assert_string_equal(out, "0110-0110-0110-0110");
	assert_true(cert_code_normalise("-A-B-C-D-0000-0000-0000-", out,
	    sizeof(out)));
	assert_string_equal(out, "ABCD-0000-0000-0000");
}

static void
refuses_what_is_not_a_code(void **state)
{
	char	out[CERT_CODE_LEN + 1];

	assert_false(cert_code_normalise("", out, sizeof(out)));
	assert_false(cert_code_normalise("0000-0000-0000-000", out,
	    sizeof(out)));
	assert_false(cert_code_normalise("0000-0000-0000-00000", out,
	    sizeof(out)));
	assert_false(cert_code_normalise("UUUU-0000-0000-0000", out,
	    sizeof(out)));
	assert_false(cert_code_normalise("0000-0000-0000-000%", out,
	    sizeof(out)));
	assert_false(cert_code_normalise("0000-0000-0000-000\xc3\x98", out,
	    sizeof(out)));
	assert_int_equal(out[0], '\0');
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(formats_known_bytes),
		cmocka_unit_test(new_codes_are_well_formed_and_differ),
		cmocka_unit_test(short_buffers_refused),
		cmocka_unit_test(reads_what_people_type),
		cmocka_unit_test(refuses_what_is_not_a_code),
	};

	if (sodium_init() < 0)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
