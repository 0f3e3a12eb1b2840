/*
 * Unit tests for src/mail_mime.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "mail_mime.h"

/* Decodes base64 that may hold CRLFs; returns a malloc'd NUL-ended copy. */
static char *
unbase64(const char *b64, size_t n)
{
	char	*out;
	size_t	 len;

	out = malloc(n + 1);
	assert_non_null(out);
	assert_int_equal(sodium_base642bin((unsigned char *)out, n, b64, n,
	    "\r\n", &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	out[len] = '\0';
	return (out);
}

static void
base64_vectors(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "\r\n" }, { "f", "Zg==\r\n" }, { "fo", "Zm8=\r\n" },
		{ "foo", "Zm9v\r\n" }, { "foobar", "Zm9vYmFy\r\n" },
	};
	char	*s, in[58];
	size_t	 i, len;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = mail_mime_base64(v[i].in, strlen(v[i].in), &len);
		assert_string_equal(s, v[i].out);
		assert_int_equal(len, strlen(v[i].out));
		free(s);
	}
	/* 57 bytes make one full line of 76, and no empty line after. */
	memset(in, 'a', 57);
	s = mail_mime_base64(in, 57, &len);
	assert_int_equal(len, 78);
	assert_string_equal(s + 76, "\r\n");
	free(s);
	s = mail_mime_base64(in, 58, &len);
	assert_int_equal(len, 78 + 6);
	free(s);
}

static void
subject_words(void **state)
{
	char	 subject[200], joined[200], *s, *w, *end, *piece;
	size_t	 i;

	s = mail_mime_header_word("Hello", 5);
	assert_string_equal(s, "=?UTF-8?B?SGVsbG8=?=");
	free(s);

	/* 70 two-byte letters: several words, none longer than 75, no
	 * letter cut in two, and together the whole subject. */
	subject[0] = '\0';
	for (i = 0; i < 70; i++)
		strcat(subject, "\xc3\xb1");
	strcat(subject, "x");
	s = mail_mime_header_word(subject, strlen(subject));
	joined[0] = '\0';
	for (w = s; w != NULL; w = end != NULL ? end + 3 : NULL) {
		end = strstr(w, "\r\n ");
		assert_true((end ? (size_t)(end - w) : strlen(w)) <= 75);
		assert_memory_equal(w, "=?UTF-8?B?", 10);
		piece = unbase64(w + 10, (end ? (size_t)(end - w) : strlen(w)) - 12);
		assert_true(((unsigned char)piece[0] & 0xc0) != 0x80);
		strcat(joined, piece);
		free(piece);
	}
	assert_string_equal(joined, subject);
	assert_non_null(strstr(s, "\r\n "));
	free(s);
}

static struct mail_msg
message(void)
{
	struct mail_msg	m;

	memset(&m, 0, sizeof(m));
	m.from = "Safeguard Learn <no-reply@example.org>";
	m.to = "ana@example.org";
	m.subject = "Restablece tu contrase\xc3\xb1" "a";
	m.text = "Hola,\n\nl\xc3\xadnea dos\n";
	m.html = "<p>Hola</p>\n";
	m.message_id = "<1.abc@example.org>";
	m.boundary = "=_sg_abc";
	m.date = 0;
	return (m);
}

static void
whole_message(void **state)
{
	struct mail_msg	 m = message();
	char		*s, *p, *q, *text;
	size_t		 len, i;

	s = mail_mime_build(&m, &len);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	assert_memory_equal(s, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
	    "From: Safeguard Learn <no-reply@example.org>\r\n"
	    "To: ana@example.org\r\n"
	    "Subject: =?UTF-8?B?", 107);
	assert_non_null(strstr(s, "\r\nMessage-ID: <1.abc@example.org>\r\n"));
	assert_non_null(strstr(s, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(s, "Content-Type: multipart/alternative; "
	    "boundary=\"=_sg_abc\"\r\n\r\n--=_sg_abc\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"));
	assert_non_null(strstr(s, "\r\n--=_sg_abc\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"));
	assert_true(len > 14 && !strcmp(s + len - 14, "--=_sg_abc--\r\n"));
	/* CRLF only, and nothing but ASCII. */
	for (i = 0; i < len; i++) {
		assert_true((unsigned char)s[i] < 0x80);
		if (s[i] == '\n')
			assert_true(i > 0 && s[i - 1] == '\r');
	}
	/* The text part decodes to the text, its line ends made CRLF. */
	p = strstr(s, "base64\r\n\r\n") + 10;
	q = strstr(p, "--=_sg_abc");
	text = unbase64(p, (size_t)(q - p));
	assert_string_equal(text, "Hola,\r\n\r\nl\xc3\xadnea dos\r\n");
	free(text);
	free(s);
}

static void
header_injection_refused(void **state)
{
	struct mail_msg	 m;
	char		*s;

	m = message();
	m.subject = "Hi\r\nBcc: someone@example.org";
	s = mail_mime_build(&m, NULL);
	assert_non_null(s);
	assert_null(strstr(s, "\r\nBcc:"));
	free(s);

	m = message();
	m.to = "ana@example.org\r\nBcc: x@example.org";
	assert_null(mail_mime_build(&m, NULL));
	m = message();
	m.to = "Ana <ana@example.org>";
	assert_null(mail_mime_build(&m, NULL));
	m = message();
	m.from = "Se\xc3\xb1or <no-reply@example.org>";
	assert_null(mail_mime_build(&m, NULL));
	m = message();
	m.boundary = "a\"b";
	assert_null(mail_mime_build(&m, NULL));
}

static void
placeholders(void **state)
{
	char	*s;

	s = mail_fill("{{origin}}/reset-password#token={{token}} { {token}}",
	    "https://learn.example", "abc");
	assert_string_equal(s, "https://learn.example/reset-password#token=abc "
	    "{ {token}}");
	free(s);
	s = mail_fill("{{token}}{{origin}}{{", NULL, NULL);
	assert_string_equal(s, "{{");
	free(s);
	s = mail_fill("", "o", "t");
	assert_string_equal(s, "");
	free(s);
}

static void
addresses(void **state)
{
	char	out[MAIL_ADDR_MAX + 1];

	assert_true(mail_addr_spec("Safeguard Learn <no-reply@example.org>",
	    out, sizeof(out)));
	assert_string_equal(out, "no-reply@example.org");
	assert_true(mail_addr_spec("a@b.c", out, sizeof(out)));
	assert_string_equal(out, "a@b.c");
	assert_false(mail_addr_spec("Name <a@b.c", out, sizeof(out)));
	assert_false(mail_addr_spec("Name <a@b.c> x", out, sizeof(out)));
	assert_false(mail_addr_spec("", out, sizeof(out)));
	assert_false(mail_addr_spec("a@b.c", out, 3));
	assert_false(mail_addr_ok("a@@b.c"));
	assert_false(mail_addr_ok("@b.c"));
	assert_false(mail_addr_ok("a@"));
	assert_false(mail_addr_ok("a b@c.d"));
	assert_false(mail_addr_ok(NULL));
	assert_true(mail_addr_ok("first.last+tag@sub.example.org"));
}

static void
dates(void **state)
{
	char	out[64];

	assert_true(mail_date(0, out, sizeof(out)));
	assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 +0000");
	assert_true(mail_date(1796185825, out, sizeof(out)));
	assert_string_equal(out, "Wed, 02 Dec 2026 04:30:25 +0000");
	assert_false(mail_date(0, out, 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base64_vectors),
		cmocka_unit_test(subject_words),
		cmocka_unit_test(whole_message),
		cmocka_unit_test(header_injection_refused),
		cmocka_unit_test(placeholders),
		cmocka_unit_test(addresses),
		cmocka_unit_test(dates),
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
