/*
 * The certificate_issue job (docs/certificates.md, docs/jobs.md): makes
 * the certificate of a completion once (certificates.issue), then draws
 * its PDF (src/cert_pdf.c) and signs its Open Badges credential
 * (src/ob3.c) on a Kore task thread, off the event loop, and stores both
 * (certificates.store_artifacts). Each step is idempotent: a run again
 * finds the certificate, and renders or signs only what is still missing.
 *
 * The task thread uses only libc's allocator, jansson objects of its own,
 * and what cert_ob3.c loaded at start-up (read-only): Kore's pools and
 * the event loop's state are not touched from it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "platform.h"
#include "handlers.h"
#include "cert_code.h"
#include "cert_issue.h"
#include "cert_pdf.h"
#include "jobs.h"
#include "ob3.h"
#include "validate.h"

/* The columns of certificates.artifact_input, in order. */
enum {
	CI_CODE, CI_NAME, CI_TITLE, CI_LANGUAGE, CI_HOURS, CI_ISSUED_ON,
	CI_EXPIRES_ON, CI_ISSUED_EPOCH, CI_EXPIRES_EPOCH, CI_EMAIL, CI_SLUG,
	CI_SUMMARY, CI_NFIELDS
};
#define CI_NEED_PDF		12
#define CI_NEED_CREDENTIAL	13

#define CI_CRITERIA	"Completed every lesson and required quiz of the course."

struct cert_work {
	char	*id;
	char	*field[CI_NFIELDS];	/* NULL for SQL NULL */
	int	 need_pdf;
	int	 need_credential;
	char	*pdf_hex;		/* \x and the PDF in hex, for bytea */
	char	*jws;
};

static int	certificate_issued(struct job *);
static int	certificate_input(struct job *);
static int	certificate_make(struct job *);
static int	certificate_store(struct job *);
static int	cert_render(struct cert_work *, struct job *);
static int	cert_sign(struct cert_work *, struct job *);
static char	*cert_url(const char *, const char *);
static void	cert_work_free(void *);

/*
 * The job: payload {"enrollment_id": ...}. No row back means nothing to
 * issue (the enrollment is gone, was never completed, or its account was
 * erased): the job is done.
 */
int
certificate_issue_job(struct job *j)
{
	const char	*params[2];
	char		code[CERT_CODE_LEN + 1];

	params[0] = json_string_value(json_object_get(j->payload,
	    "enrollment_id"));
	if (params[0] == NULL || !valid_uuid(params[0]))
		return (job_fail(j, "certificate_issue: no enrollment_id"));
	if (!cert_code_new(code, sizeof(code)))
		fatal("certificate_issue_job: code buffer too short");
	params[1] = code;
	return (job_sql(j, "SELECT id, code, has_pdf FROM "
	    "certificates.issue($1, $2)", 2, params, certificate_issued));
}

/* The certificate exists (new or from a run before): what does it lack? */
static int
certificate_issued(struct job *j)
{
	const char	*params[1];
	struct cert_work *w;

	if (job_rows(j) != 1)
		return (JOB_DONE);
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->id = strdup(job_value(j, 0, 0))) == NULL) {
		free(w);
		return (job_fail(j, "certificate_issue: out of memory"));
	}
	j->data = w;
	j->data_free = cert_work_free;
	params[0] = w->id;
	return (job_sql(j, "SELECT * FROM certificates.artifact_input($1)",
	    1, params, certificate_input));
}

static int
certificate_input(struct job *j)
{
	struct cert_work	*w = j->data;
	int			 i;

	if (job_rows(j) != 1)
		return (JOB_DONE);
	for (i = 0; i < CI_NFIELDS; i++) {
		if (PQgetisnull(j->op.result, 0, i))
			continue;
		if ((w->field[i] = strdup(job_value(j, 0, i))) == NULL)
			return (job_fail(j, "certificate_issue: out of memory"));
	}
	w->need_pdf = !strcmp(job_value(j, 0, CI_NEED_PDF), "t");
	w->need_credential = !strcmp(job_value(j, 0, CI_NEED_CREDENTIAL), "t");
	return (job_task(j, certificate_make, certificate_store));
}

/* On a task thread: the PDF and the credential, as far as missing. */
static int
certificate_make(struct job *j)
{
	struct cert_work	*w = j->data;

	if (w->need_pdf && !cert_render(w, j))
		return (JOB_FAILED);
	if (w->need_credential && !cert_sign(w, j))
		return (JOB_FAILED);
	return (JOB_DONE);
}

/* Back on the event loop. */
static int
certificate_store(struct job *j)
{
	struct cert_work	*w = j->data;
	const char		*params[3];

	params[0] = w->id;
	params[1] = w->pdf_hex;
	params[2] = w->jws;
	return (job_sql(j, "SELECT certificates.store_artifacts($1, "
	    "$2::bytea, $3)", 3, params, NULL));
}

static int
cert_render(struct cert_work *w, struct job *j)
{
	struct cert_pdf_input	 in;
	unsigned char		*pdf;
	size_t			 len;
	char			*url;

	if ((url = cert_url("/verify/", w->field[CI_CODE])) == NULL) {
		job_fail(j, "certificate_issue: out of memory");
		return (0);
	}
	memset(&in, 0, sizeof(in));
	in.name = w->field[CI_NAME];
	in.course_title = w->field[CI_TITLE];
	in.language = w->field[CI_LANGUAGE];
	in.hours = w->field[CI_HOURS];
	in.issued_on = w->field[CI_ISSUED_ON];
	in.expires_on = w->field[CI_EXPIRES_ON];
	in.code = w->field[CI_CODE];
	in.verify_url = url;
	in.issuer = CERT_ISSUER_NAME;
	if (!cert_pdf_init() || !cert_pdf_render(&in, &pdf, &len)) {
		free(url);
		/* Names the certificate, never the person. */
		job_fail(j, "certificate_issue: the PDF of %s could not be "
		    "drawn", w->field[CI_CODE]);
		return (0);
	}
	free(url);
	if ((w->pdf_hex = malloc(2 * len + 3)) == NULL) {
		free(pdf);
		job_fail(j, "certificate_issue: out of memory");
		return (0);
	}
	w->pdf_hex[0] = '\\';
	w->pdf_hex[1] = 'x';
	(void)sodium_bin2hex(w->pdf_hex + 2, 2 * len + 1, pdf, len);
	free(pdf);
	return (1);
}

static int
cert_sign(struct cert_work *w, struct job *j)
{
	struct ob3_input	 in;
	json_t			*credential;
	unsigned char		 raw[16];
	char			 salt[sodium_base64_ENCODED_LEN(16,
				    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char			*id, *issuer, *achievement;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(salt, sizeof(salt), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	id = cert_url("/api/v1/verify/", w->field[CI_CODE]);
	issuer = cert_url(CERT_ISSUER_PATH, "");
	achievement = cert_url("/courses/", w->field[CI_SLUG] != NULL ?
	    w->field[CI_SLUG] : "");

	memset(&in, 0, sizeof(in));
	in.credential_id = id;
	in.issuer_id = issuer;
	in.issuer_name = CERT_ISSUER_NAME;
	in.achievement_id = achievement;
	in.achievement_name = w->field[CI_TITLE];
	in.achievement_description = w->field[CI_SUMMARY];
	in.criteria = CI_CRITERIA;
	in.language = w->field[CI_LANGUAGE];
	in.recipient_email = w->field[CI_EMAIL];
	in.salt = salt;
	in.name = w->field[CI_NAME];
	in.issued_at = strtoll(w->field[CI_ISSUED_EPOCH], NULL, 10);
	in.expires_at = w->field[CI_EXPIRES_EPOCH] != NULL ?
	    strtoll(w->field[CI_EXPIRES_EPOCH], NULL, 10) : 0;

	credential = NULL;
	if (id != NULL && issuer != NULL && achievement != NULL &&
	    (credential = ob3_credential(&in)) != NULL)
		w->jws = cert_ob3_sign(credential);
	json_decref(credential);
	free(id);
	free(issuer);
	free(achievement);
	if (w->jws == NULL) {
		job_fail(j, "certificate_issue: the credential of %s could "
		    "not be signed", w->field[CI_CODE]);
		return (0);
	}
	return (1);
}

/* SG_PUBLIC_ORIGIN, path and tail: malloc'd, or NULL. */
static char *
cert_url(const char *path, const char *tail)
{
	char	*url;

	if (tail == NULL || asprintf(&url, "%s%s%s",
	    app_config.public_origin, path, tail) == -1)
		return (NULL);
	return (url);
}

static void
cert_work_free(void *arg)
{
	struct cert_work	*w = arg;
	int			 i;

	free(w->id);
	for (i = 0; i < CI_NFIELDS; i++)
		free(w->field[i]);
	free(w->pdf_hex);
	free(w->jws);
	free(w);
}
