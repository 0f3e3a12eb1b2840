/*
 * Unit tests for src/http_parse.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_parse.h"

static const char *const langs[] = { "en", "es" };
#define NLANGS	2

static void
gzip_taken(void **state)
{
	assert_true(http_parse_accepts_gzip("gzip"));
	assert_true(http_parse_accepts_gzip("GZIP"));
	assert_true(http_parse_accepts_gzip("x-gzip"));
	assert_true(http_parse_accepts_gzip("gzip, deflate, br"));
	assert_true(http_parse_accepts_gzip("br;q=1.0, gzip;q=0.8"));
	assert_true(http_parse_accepts_gzip("  deflate ,\tgzip \t"));
	assert_true(http_parse_accepts_gzip("gzip;q=0.001"));
	assert_true(http_parse_accepts_gzip("gzip;q=1"));
}

static void
gzip_wildcard(void **state)
{
	assert_true(http_parse_accepts_gzip("*"));
	assert_true(http_parse_accepts_gzip("br, *;q=0.1"));
	assert_false(http_parse_accepts_gzip("*;q=0"));
	/* The first of gzip or * decides. */
	assert_false(http_parse_accepts_gzip("gzip;q=0, *"));
}

static void
gzip_refused(void **state)
{
	assert_false(http_parse_accepts_gzip(NULL));
	assert_false(http_parse_accepts_gzip(""));
	assert_false(http_parse_accepts_gzip(","));
	assert_false(http_parse_accepts_gzip(" , ,"));
	assert_false(http_parse_accepts_gzip("identity"));
	assert_false(http_parse_accepts_gzip("deflate, br"));
	assert_false(http_parse_accepts_gzip("gzipped"));
	assert_false(http_parse_accepts_gzip("gzi"));
	assert_false(http_parse_accepts_gzip("gzip;q=0"));
	assert_false(http_parse_accepts_gzip("gzip; q=0.000"));
	assert_false(http_parse_accepts_gzip("gzip;Q=0.0"));
	assert_false(http_parse_accepts_gzip("gzip;q=0;foo=1"));
	assert_false(http_parse_accepts_gzip("br, gzip ; q=0 "));
}

static void
gzip_malformed_parameters(void **state)
{
	/* Parameters the parser cannot read refuse nothing. */
	assert_true(http_parse_accepts_gzip("gzip;"));
	assert_true(http_parse_accepts_gzip("gzip;q"));
	assert_true(http_parse_accepts_gzip("gzip;q="));
	assert_true(http_parse_accepts_gzip("gzip;level=0"));
	assert_true(http_parse_accepts_gzip("gzip;q=0x"));
}

static void
gzip_oversized(void **state)
{
	char	hdr[8192];

	memset(hdr, ' ', sizeof(hdr) - 6);
	memcpy(hdr + sizeof(hdr) - 6, ",gzip", 6);
	assert_true(http_parse_accepts_gzip(hdr));
	memset(hdr, 'a', sizeof(hdr) - 1);
	hdr[sizeof(hdr) - 1] = '\0';
	assert_false(http_parse_accepts_gzip(hdr));
}

static void
range_whole_file(void **state)
{
	size_t	s, e;

	assert_int_equal(http_parse_range(NULL, 100, &s, &e), 0);
	assert_int_equal(http_parse_range("", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("bytes=", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("bytes=-", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("bytes=5", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("items=0-5", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("Bytes=0-5", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("bytes=0-5,10-20", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("bytes=a-5", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("bytes=0-5x", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("bytes= 0-5", 100, &s, &e), 0);
	assert_int_equal(http_parse_range("bytes=-+5", 100, &s, &e), 0);
	/* A last byte before the first is not a range at all. */
	assert_int_equal(http_parse_range("bytes=9-3", 100, &s, &e), 0);
	/* More than 18 digits is not read. */
	assert_int_equal(http_parse_range("bytes=0-1234567890123456789", 100,
	    &s, &e), 0);
}

static void
range_satisfiable(void **state)
{
	size_t	s, e;

	assert_int_equal(http_parse_range("bytes=0-0", 100, &s, &e), 1);
	assert_int_equal(s, 0);
	assert_int_equal(e, 0);
	assert_int_equal(http_parse_range("bytes=10-19", 100, &s, &e), 1);
	assert_int_equal(s, 10);
	assert_int_equal(e, 19);
	assert_int_equal(http_parse_range("bytes=90-", 100, &s, &e), 1);
	assert_int_equal(s, 90);
	assert_int_equal(e, 99);
	assert_int_equal(http_parse_range("bytes=-10", 100, &s, &e), 1);
	assert_int_equal(s, 90);
	assert_int_equal(e, 99);
}

static void
range_clamped_at_the_end(void **state)
{
	size_t	s, e;

	assert_int_equal(http_parse_range("bytes=50-500", 100, &s, &e), 1);
	assert_int_equal(s, 50);
	assert_int_equal(e, 99);
	assert_int_equal(http_parse_range("bytes=-500", 100, &s, &e), 1);
	assert_int_equal(s, 0);
	assert_int_equal(e, 99);
	assert_int_equal(http_parse_range("bytes=0-999999999999999999", 100,
	    &s, &e), 1);
	assert_int_equal(e, 99);
}

static void
range_beyond_the_end(void **state)
{
	size_t	s, e;

	assert_int_equal(http_parse_range("bytes=100-", 100, &s, &e), -1);
	assert_int_equal(http_parse_range("bytes=100-200", 100, &s, &e), -1);
	assert_int_equal(http_parse_range("bytes=999999999999999999-", 100,
	    &s, &e), -1);
	assert_int_equal(http_parse_range("bytes=-0", 100, &s, &e), -1);
	assert_int_equal(http_parse_range("bytes=0-", 0, &s, &e), -1);
	assert_int_equal(http_parse_range("bytes=-5", 0, &s, &e), -1);
}

static void
lang_index(void **state)
{
	assert_int_equal(http_parse_lang_index("en", 2, langs, NLANGS), 0);
	assert_int_equal(http_parse_lang_index("ES", 2, langs, NLANGS), 1);
	assert_int_equal(http_parse_lang_index("es-MX", 5, langs, NLANGS), 1);
	assert_int_equal(http_parse_lang_index("es_419", 6, langs, NLANGS), 1);
	/* Only len bytes count: "es; x" names es. */
	assert_int_equal(http_parse_lang_index("es; x", 2, langs, NLANGS), 1);
	assert_int_equal(http_parse_lang_index("eng", 3, langs, NLANGS), -1);
	assert_int_equal(http_parse_lang_index("e", 1, langs, NLANGS), -1);
	assert_int_equal(http_parse_lang_index("", 0, langs, NLANGS), -1);
	assert_int_equal(http_parse_lang_index("fr", 2, langs, NLANGS), -1);
}

static void
accept_language_weights(void **state)
{
	assert_int_equal(http_parse_accept_language("es-MX,es;q=0.9,en;q=0.8",
	    langs, NLANGS), 1);
	assert_int_equal(http_parse_accept_language("en;q=0.5, es;q=0.7",
	    langs, NLANGS), 1);
	assert_int_equal(http_parse_accept_language("es;q=0.5, en;q=0.7",
	    langs, NLANGS), 0);
	/* Equal weights: the earlier wins. */
	assert_int_equal(http_parse_accept_language("es, en", langs, NLANGS),
	    1);
	assert_int_equal(http_parse_accept_language("fr, de;q=0.9, es;q=0.1",
	    langs, NLANGS), 1);
	assert_int_equal(http_parse_accept_language("es ; q=0.3, en;q=0.2",
	    langs, NLANGS), 1);
}

static void
accept_language_refusals(void **state)
{
	/* q=0 refuses; nothing acceptable falls back to the first. */
	assert_int_equal(http_parse_accept_language("es;q=0", langs, NLANGS),
	    0);
	assert_int_equal(http_parse_accept_language("es;q=0, en;q=0",
	    langs, NLANGS), 0);
	/* A weight above 1 or not a number counts as a refusal. */
	assert_int_equal(http_parse_accept_language("es;q=2, en;q=0.1",
	    langs, NLANGS), 0);
	assert_int_equal(http_parse_accept_language("es;q=nan", langs,
	    NLANGS), 0);
}

static void
accept_language_empty_and_malformed(void **state)
{
	char	hdr[4096];

	assert_int_equal(http_parse_accept_language(NULL, langs, NLANGS), 0);
	assert_int_equal(http_parse_accept_language("", langs, NLANGS), 0);
	assert_int_equal(http_parse_accept_language(",,,", langs, NLANGS), 0);
	assert_int_equal(http_parse_accept_language("*", langs, NLANGS), 0);
	assert_int_equal(http_parse_accept_language(";q=1,es", langs, NLANGS),
	    1);
	assert_int_equal(http_parse_accept_language("es;q=", langs, NLANGS),
	    0);
	assert_int_equal(http_parse_accept_language("es;", langs, NLANGS), 1);

	memset(hdr, ',', sizeof(hdr) - 4);
	memcpy(hdr + sizeof(hdr) - 4, "es", 3);
	assert_int_equal(http_parse_accept_language(hdr, langs, NLANGS), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gzip_taken),
		cmocka_unit_test(gzip_wildcard),
		cmocka_unit_test(gzip_refused),
		cmocka_unit_test(gzip_malformed_parameters),
		cmocka_unit_test(gzip_oversized),
		cmocka_unit_test(range_whole_file),
		cmocka_unit_test(range_satisfiable),
		cmocka_unit_test(range_clamped_at_the_end),
		cmocka_unit_test(range_beyond_the_end),
		cmocka_unit_test(lang_index),
		cmocka_unit_test(accept_language_weights),
		cmocka_unit_test(accept_language_refusals),
		cmocka_unit_test(accept_language_empty_and_malformed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
