/*
 * Mail messages as RFC 5322 text: multipart/alternative with a text/plain
 * and a text/html part, both UTF-8 in base64 (RFC 2045: any byte and any
 * line length survive every relay), the subject as RFC 2047 encoded words,
 * a Date and a Message-ID. Pure: libc only, so that the unit tests build
 * it alone; the job (mail_send.c) gives it what the outbox holds.
 *
 * Header values come from the server's settings (the sender, checked at
 * start) and from the outbox (an address checked by mail_addr_ok before
 * it gets here); the subject, which people's words reach (a course
 * title), is always encoded, so no line break of its own can end up in a
 * header.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail_mime.h"

struct mbuf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 failed;
};

static void	mbuf_add(struct mbuf *, const char *, size_t);
static void	mbuf_str(struct mbuf *, const char *);
static char	*crlf(const char *, size_t *);
static size_t	utf8_cut(const char *, size_t, size_t);

static const char	b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
mbuf_add(struct mbuf *b, const char *p, size_t n)
{
	char	*d;
	size_t	 cap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((d = realloc(b->data, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
mbuf_str(struct mbuf *b, const char *s)
{
	mbuf_add(b, s, strlen(s));
}

/* The buffer's text, or NULL (and nothing left behind) when it failed. */
static char *
mbuf_take(struct mbuf *b, size_t *len)
{
	if (b->failed || b->data == NULL) {
		free(b->data);
		return (NULL);
	}
	if (len != NULL)
		*len = b->len;
	return (b->data);
}

char *
mail_mime_base64(const char *p, size_t n, size_t *outlen)
{
	struct mbuf		 b = { NULL, 0, 0, 0 };
	const unsigned char	*s = (const unsigned char *)p;
	char			 q[4];
	size_t			 i, col;
	unsigned int		 v;

	col = 0;
	for (i = 0; i < n; i += 3) {
		v = (unsigned int)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned int)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		mbuf_add(&b, q, 4);
		if ((col += 4) >= MAIL_LINE_MAX) {
			mbuf_add(&b, "\r\n", 2);
			col = 0;
		}
	}
	if (col > 0 || n == 0)
		mbuf_add(&b, "\r\n", 2);
	return (mbuf_take(&b, outlen));
}

/*
 * Where to cut s (length n) at most max bytes from start, so that no UTF-8
 * sequence is split: a continuation byte (10xxxxxx) never starts a piece.
 */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	size_t	cut;

	if (n <= max)
		return (n);
	cut = max;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return (cut > 0 ? cut : max);
}

/*
 * Encoded words of at most 45 bytes of text each (60 of base64, 72 with
 * the =?UTF-8?B?...?= around them), folded with CRLF and a space.
 */
char *
mail_mime_header_word(const char *s, size_t n)
{
	struct mbuf	 b = { NULL, 0, 0, 0 };
	char		*enc;
	size_t		 cut, elen;

	do {
		cut = utf8_cut(s, n, 45);
		if ((enc = mail_mime_base64(s, cut, &elen)) == NULL) {
			free(b.data);
			return (NULL);
		}
		if (b.len > 0)
			mbuf_add(&b, "\r\n ", 3);
		mbuf_str(&b, "=?UTF-8?B?");
		mbuf_add(&b, enc, elen - 2);	/* without its CRLF */
		mbuf_str(&b, "?=");
		free(enc);
		s += cut;
		n -= cut;
	} while (n > 0);
	return (mbuf_take(&b, NULL));
}

/* Text with its line ends as CRLF, the canonical form of text/ parts. */
static char *
crlf(const char *s, size_t *len)
{
	struct mbuf	b = { NULL, 0, 0, 0 };
	size_t		i, start;

	start = 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] != '\n')
			continue;
		mbuf_add(&b, s + start, i - start);
		if (i == 0 || s[i - 1] != '\r')
			mbuf_add(&b, "\r\n", 2);
		else
			mbuf_add(&b, "\n", 1);
		start = i + 1;
	}
	mbuf_add(&b, s + start, i - start);
	return (mbuf_take(&b, len));
}

static void
mime_part(struct mbuf *b, const char *boundary, const char *type,
    const char *body)
{
	char	*canon, *enc;
	size_t	 clen, elen;

	mbuf_str(b, "--");
	mbuf_str(b, boundary);
	mbuf_str(b, "\r\nContent-Type: ");
	mbuf_str(b, type);
	mbuf_str(b, "; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	if ((canon = crlf(body, &clen)) == NULL) {
		b->failed = 1;
		return;
	}
	enc = mail_mime_base64(canon, clen, &elen);
	free(canon);
	if (enc == NULL) {
		b->failed = 1;
		return;
	}
	mbuf_add(b, enc, elen);
	free(enc);
}

static int
boundary_ok(const char *s)
{
	size_t	n;

	n = strlen(s);
	if (n == 0 || n > 60)
		return (0);
	return (strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz._=-") == n);
}

/* Printable ASCII only: nothing to encode, nothing that ends a header. */
static int
header_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return (0);
	}
	return (1);
}

char *
mail_mime_build(const struct mail_msg *m, size_t *len)
{
	struct mbuf	 b = { NULL, 0, 0, 0 };
	char		 date[64], *subject;

	if (m->from == NULL || !header_ok(m->from) || !mail_addr_ok(m->to) ||
	    m->message_id == NULL || !header_ok(m->message_id) ||
	    m->boundary == NULL || !boundary_ok(m->boundary) ||
	    m->subject == NULL || m->text == NULL || m->html == NULL ||
	    !mail_date(m->date, date, sizeof(date)))
		return (NULL);
	if ((subject = mail_mime_header_word(m->subject,
	    strlen(m->subject))) == NULL)
		return (NULL);

	mbuf_str(&b, "Date: ");
	mbuf_str(&b, date);
	mbuf_str(&b, "\r\nFrom: ");
	mbuf_str(&b, m->from);
	mbuf_str(&b, "\r\nTo: ");
	mbuf_str(&b, m->to);
	mbuf_str(&b, "\r\nSubject: ");
	mbuf_str(&b, subject);
	mbuf_str(&b, "\r\nMessage-ID: ");
	mbuf_str(&b, m->message_id);
	mbuf_str(&b, "\r\nMIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "Content-Type: multipart/alternative; boundary=\"");
	mbuf_str(&b, m->boundary);
	mbuf_str(&b, "\"\r\n\r\n");
	free(subject);

	mime_part(&b, m->boundary, "text/plain", m->text);
	mime_part(&b, m->boundary, "text/html", m->html);
	mbuf_str(&b, "--");
	mbuf_str(&b, m->boundary);
	mbuf_str(&b, "--\r\n");
	return (mbuf_take(&b, len));
}

char *
mail_fill(const char *tmpl, const char *origin, const char *token)
{
	static const char	*const names[] = { "{{origin}}", "{{token}}" };
	struct mbuf		 b = { NULL, 0, 0, 0 };
	const char		*p, *values[2];
	size_t			 i, n;

	values[0] = origin != NULL ? origin : "";
	values[1] = token != NULL ? token : "";
	p = tmpl;
	while (*p != '\0') {
		for (i = 0; i < 2; i++) {
			n = strlen(names[i]);
			if (!strncmp(p, names[i], n))
				break;
		}
		if (i < 2) {
			mbuf_str(&b, values[i]);
			p += strlen(names[i]);
		} else {
			mbuf_add(&b, p, 1);
			p++;
		}
	}
	if (b.data == NULL)
		mbuf_add(&b, "", 0);
	return (mbuf_take(&b, NULL));
}

int
mail_addr_ok(const char *s)
{
	const char	*at;
	size_t		 n;

	if (s == NULL || (n = strlen(s)) < 3 || n > MAIL_ADDR_MAX)
		return (0);
	if (!header_ok(s) || strpbrk(s, " <>()[],;:\"\\") != NULL)
		return (0);
	if ((at = strchr(s, '@')) == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return (0);
	return (1);
}

int
mail_addr_spec(const char *from, char *out, size_t outlen)
{
	const char	*open, *close;
	size_t		 n;

	if (from == NULL)
		return (0);
	if ((open = strrchr(from, '<')) != NULL) {
		if ((close = strchr(open, '>')) == NULL || close[1] != '\0')
			return (0);
		open++;
		n = (size_t)(close - open);
	} else {
		open = from;
		n = strlen(from);
	}
	if (n + 1 > outlen)
		return (0);
	memcpy(out, open, n);
	out[n] = '\0';
	return (mail_addr_ok(out));
}

int
mail_date(time_t t, char *out, size_t outlen)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL)
		return (0);
	/* %a and %b are the C locale's: a server never sets another. */
	return (strftime(out, outlen, "%a, %d %b %Y %H:%M:%S +0000",
	    &tm) > 0);
}
