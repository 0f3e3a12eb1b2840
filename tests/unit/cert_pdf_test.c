/*
 * Unit tests for src/cert_pdf.c: what it refuses, and that a render from
 * several threads at once gives whole PDFs. What the PDF says (text,
 * fonts, QR code) is checked through build/certpdf in
 * tests/api/test_cert_pdf.py.
 */

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cert_pdf.h"

#define THREADS		4
#define RENDERS		5

const char	*__lsan_default_suppressions(void);

/*
 * fontconfig's patterns that Pango's font map keeps for the process: the
 * same amount after 1 render or 200 (measured with build/certpdf under
 * ASan), so not a leak per certificate. Ours are still reported.
 */
const char *
__lsan_default_suppressions(void)
{
	return ("leak:libfontconfig.so\n");
}

static const struct cert_pdf_input good = {
	"Ольга", "Recognising and responding to abuse", "en", "4",
	"2026-12-01", NULL, "7KQ4-MZ2P-9XHD-T3WC",
	"https://learn.example.org/verify/7KQ4-MZ2P-9XHD-T3WC",
	"Safeguard Learn"
};

static int
renders(const struct cert_pdf_input *in)
{
	unsigned char	*pdf = (unsigned char *)"not touched";
	size_t		 len = 1;
	int		 ok;

	ok = cert_pdf_render(in, &pdf, &len);
	if (ok) {
		assert_non_null(pdf);
		assert_true(len > 1000);
		assert_memory_equal(pdf, "%PDF-", 5);
		assert_memory_equal(pdf + len - 6, "%%EOF\n", 6);
		free(pdf);
	} else {
		/* A failure leaves nothing for the caller to free. */
		assert_null(pdf);
		assert_int_equal(len, 0);
	}
	return (ok);
}

static void
before_init_nothing_renders(void **state)
{
	assert_false(renders(&good));
}

static void
init_then_render(void **state)
{
	struct cert_pdf_input	in = good;

	assert_true(cert_pdf_init());
	assert_true(renders(&in));
	in.expires_on = "2028-12-01";
	in.language = "es-MX";
	assert_true(renders(&in));
	in.language = "zz";
	assert_true(renders(&in));
}

static void
null_arguments(void **state)
{
	unsigned char	*pdf;
	size_t		 len;

	assert_false(cert_pdf_render(NULL, &pdf, &len));
	assert_null(pdf);
	assert_false(cert_pdf_render(&good, NULL, &len));
	assert_false(cert_pdf_render(&good, &pdf, NULL));
}

/* Each required field set to value in turn must fail the render. */
static void
each_required_field(const char *value)
{
	struct cert_pdf_input	 in;
	const char		**fields[] = {
		&in.name, &in.course_title, &in.language, &in.hours,
		&in.issued_on, &in.code, &in.verify_url, &in.issuer
	};
	size_t			 i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		in = good;
		*fields[i] = value;
		assert_false(renders(&in));
	}
}

static void
null_or_bad_fields(void **state)
{
	char			*longest;
	struct cert_pdf_input	 in = good;

	each_required_field(NULL);
	each_required_field("");
	each_required_field("two\nlines");
	each_required_field("tab\there");
	each_required_field("del\x7f");
	each_required_field("Ol\xffga");		/* not UTF-8 */
	each_required_field("\xc0\xaf");		/* overlong '/' */
	each_required_field("\xed\xa0\x80");		/* a surrogate */

	longest = malloc(CERT_PDF_FIELD_MAX + 2);
	assert_non_null(longest);
	memset(longest, 'a', CERT_PDF_FIELD_MAX + 1);
	longest[CERT_PDF_FIELD_MAX + 1] = '\0';
	each_required_field(longest);
	longest[CERT_PDF_FIELD_MAX] = '\0';
	in.name = longest;
	assert_true(renders(&in));	/* the longest name: on two lines, cut */
	free(longest);

	/* No expiry is NULL; an empty one is a mistake. */
	in = good;
	in.expires_on = "";
	assert_false(renders(&in));
}

/* No cmocka asserts here: they jump out of the test, not of a thread. */
static void *
render_thread(void *arg)
{
	int		*ok = arg;
	unsigned char	*pdf;
	size_t		 len;
	int		 i;

	for (i = 0; i < RENDERS; i++) {
		if (!cert_pdf_render(&good, &pdf, &len))
			continue;
		if (len > 1000 && memcmp(pdf, "%PDF-", 5) == 0 &&
		    memcmp(pdf + len - 6, "%%EOF\n", 6) == 0)
			(*ok)++;
		free(pdf);
	}
	return (NULL);
}

static void
several_threads_at_once(void **state)
{
	pthread_t	tid[THREADS];
	int		ok[THREADS] = { 0 };
	int		i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, render_thread,
		    &ok[i]), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(ok[i], RENDERS);
	}
}

int
main(void)
{
	/* In this order: the first runs before cert_pdf_init. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(before_init_nothing_renders),
		cmocka_unit_test(init_then_render),
		cmocka_unit_test(null_arguments),
		cmocka_unit_test(null_or_bad_fields),
		cmocka_unit_test(several_threads_at_once),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
