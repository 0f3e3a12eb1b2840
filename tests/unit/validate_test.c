/*
 * Unit tests for src/validate.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "validate.h"

static void
countries(void **state)
{
	assert_true(valid_country("PH"));
	assert_true(valid_country("es"));
	assert_true(valid_country("AD"));	/* first */
	assert_true(valid_country("ZW"));	/* last */
	assert_false(valid_country("XX"));
	assert_false(valid_country("ZZ"));
	assert_false(valid_country("PHL"));
	assert_false(valid_country("P"));
	assert_false(valid_country("1A"));
	assert_false(valid_country(NULL));
}

static void
languages(void **state)
{
	assert_true(valid_language("en"));
	assert_true(valid_language("es-419"));
	assert_true(valid_language("pt-BR"));
	assert_true(valid_language("zh-Hant-TW"));
	assert_false(valid_language("e"));
	assert_false(valid_language("english"));
	assert_false(valid_language("en-"));
	assert_false(valid_language("en_GB"));
	assert_false(valid_language("en-x"));
}

static void
emails(void **state)
{
	char	out[EMAIL_MAX + 1];

	assert_true(email_normalise("  Ana.Reyes@Hospital.EXAMPLE.org\n",
	    out, sizeof(out)));
	assert_string_equal(out, "Ana.Reyes@hospital.example.org");
	assert_false(email_normalise("no-at-sign.org", out, sizeof(out)));
	assert_false(email_normalise("two@@example.org", out, sizeof(out)));
	assert_false(email_normalise("a@b", out, sizeof(out)));
	assert_false(email_normalise("a b@example.org", out, sizeof(out)));
	assert_false(email_normalise("<a>@example.org", out, sizeof(out)));
	assert_false(email_normalise("a@example.org.", out, sizeof(out)));
}

static void
slugs_keys_uuids(void **state)
{
	assert_true(valid_slug("child-abuse-foundations", 80));
	assert_false(valid_slug("Child", 80));
	assert_false(valid_slug("-x", 80));
	assert_false(valid_slug("a--b", 80));
	assert_false(valid_slug("../etc", 80));
	assert_true(valid_key("q-1", 64));
	assert_false(valid_key("Q 1", 64));
	assert_true(valid_uuid("6f1c2b9e-8a3d-4c5e-9f00-1234567890ab"));
	assert_false(valid_uuid("6f1c2b9e8a3d4c5e9f001234567890abcdef"));
	assert_false(valid_uuid("zzzzzzzz-8a3d-4c5e-9f00-1234567890ab"));
}

static void
utf8(void **state)
{
	size_t	line, col;

	assert_true(utf8_check("plain\ntext", 10, &line, &col));
	assert_true(utf8_check("ñandú €", strlen("ñandú €"), &line, &col));
	assert_false(utf8_check("ok\nbad \xff", 8, &line, &col));
	assert_int_equal(line, 2);
	assert_int_equal(col, 5);
	assert_false(utf8_check("\xc0\xaf", 2, &line, &col));	/* overlong */
	assert_false(utf8_check("\xed\xa0\x80", 3, &line, &col));	/* surrogate */
	assert_false(utf8_check("\xe2\x82", 2, &line, &col));	/* truncated */
	assert_false(utf8_check("a\0b", 3, &line, &col));
	assert_int_equal(utf8_length("ñandú", strlen("ñandú")), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(countries),
		cmocka_unit_test(languages),
		cmocka_unit_test(emails),
		cmocka_unit_test(slugs_keys_uuids),
		cmocka_unit_test(utf8),
	};

	return (cmocka_run_group_tests_name("validate", tests, NULL, NULL));
}
