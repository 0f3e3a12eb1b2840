/*
 * Mail messages as RFC 5322 text (src/mail_mime.c): pure, no Kore, no
 * libpq, no libcurl, so tests/unit/mail_mime_test.c can test it alone.
 */

#ifndef __H_MAIL_MIME_H
#define __H_MAIL_MIME_H

#include <stddef.h>
#include <time.h>

#define MAIL_ADDR_MAX		320
#define MAIL_LINE_MAX		76	/* base64 body lines (RFC 2045) */

struct mail_msg {
	const char	*from;		/* "Name <a@b.c>" or "a@b.c" */
	const char	*to;		/* an address only */
	const char	*subject;	/* UTF-8 */
	const char	*text;		/* UTF-8 */
	const char	*html;		/* UTF-8 */
	const char	*message_id;	/* "<...@...>" */
	const char	*boundary;	/* no more than 60 of [0-9A-Za-z._=-] */
	time_t		 date;
};

/* The whole message, CRLF line ends, NUL-terminated; malloc'd or NULL. */
char	*mail_mime_build(const struct mail_msg *, size_t *);

/* An RFC 2047 encoded-word sequence for a header (folded); malloc'd. */
char	*mail_mime_header_word(const char *, size_t);

/* p's body in base64, lines of MAIL_LINE_MAX and CRLF; malloc'd. */
char	*mail_mime_base64(const char *, size_t, size_t *);

/* tmpl with {{origin}} and {{token}} replaced; malloc'd or NULL. */
char	*mail_fill(const char *, const char *, const char *);

/* 1 when s is a plain address fit for a header and SMTP: no controls. */
int	mail_addr_ok(const char *);

/*
 * The address of "Name <a@b.c>" (or of "a@b.c") into out: 1, or 0 when
 * there is none fit for SMTP.
 */
int	mail_addr_spec(const char *, char *, size_t);

/* "Wed, 02 Dec 2026 04:30:25 +0000" (RFC 5322) into out. */
int	mail_date(time_t, char *, size_t);

#endif
