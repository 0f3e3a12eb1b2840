/*
 * The certificate as a PDF: A4 landscape, real (extractable) text shaped
 * by Pango and HarfBuzz, the QR code to the verification page. Pure: no
 * Kore, no libpq; certificate_issue calls it on a task thread, build/certpdf
 * from the command line, tests/unit/cert_pdf_test.c in a unit test.
 *
 * cert_pdf_init loads fontconfig and the fonts and renders once to warm
 * up. Call it in each process that renders (in Kore, each worker, after
 * the fork: Pango starts short-lived threads of its own) and where the
 * fonts are visible (a chrooted worker sees no /usr/share/fonts). It
 * fails when fontconfig or the fonts (fonts-noto-core, fonts-dejavu-core)
 * are missing. cert_pdf_check checks only that much, without Pango and
 * its threads: the server checks it in each worker at start and calls
 * cert_pdf_init on the task thread before each render (src/cert_issue.c).
 */

#ifndef __H_CERT_PDF_H
#define __H_CERT_PDF_H

#include <stddef.h>

struct cert_pdf_input {
	const char	*name;		/* as the person writes it, UTF-8 */
	const char	*course_title;
	const char	*language;	/* the course's BCP 47 tag, e.g. "es" */
	const char	*hours;		/* e.g. "4" or "2.5" */
	const char	*issued_on;	/* display date, e.g. "2026-12-01" */
	const char	*expires_on;	/* NULL when it does not expire */
	const char	*code;		/* e.g. "7KQ4-MZ2P-9XHD-T3WC" */
	const char	*verify_url;	/* what the QR code opens */
	const char	*issuer;	/* e.g. "Safeguard Learn" */
};

/* A field longer than this (in bytes) is an error, not a certificate. */
#define CERT_PDF_FIELD_MAX	2048

int	cert_pdf_check(void);	/* the fonts are there; starts no thread: 1 ok, 0 error */
int	cert_pdf_init(void);	/* before any render (again: returns at once): 1 ok, 0 error */
int	cert_pdf_render(const struct cert_pdf_input *, unsigned char **pdf, size_t *len);
		/* 1 ok (*pdf malloc'd, the caller frees), 0 error; callable from several threads at once */

#endif
