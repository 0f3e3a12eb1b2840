/*
 * The routes of the account mails (docs/mail.md): password reset and its
 * confirmation, address verification, and another verification mail. The
 * mails themselves are written by SQL (sql/functions/mail.sql) in the
 * transaction of the request and sent by the mail_send job.
 *
 * A reset request answers 202 whatever the address: the same statement
 * runs for a known and an unknown one (api.password_reset), and a
 * malformed address is only an unknown one. A confirmation checks its
 * token before hashing the new password, so an unknown token costs no
 * argon2id hash, and uses the token up with the new hash in one statement.
 */

#include "platform.h"
#include "handlers.h"
#include "password.h"
#include "session.h"
#include "validate.h"

#define TOKEN_MAX	128

struct reset_work {
	char	password[PASSWORD_MAX_BYTES + 1];
	size_t	pwlen;
	char	hash[PASSWORD_HASH_MAX];
};

static int	reset_checked(struct http_request *, struct api_req *);
static int	reset_hash(struct kore_task *);
static int	reset_store(struct http_request *, struct api_req *);
static int	resend_reply(struct http_request *, struct api_req *);
static void	reset_work_free(void *);

int
auth_password_reset(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "email", NULL };
	const char	*email, *params[1];
	char		 norm[EMAIL_MAX + 1];

	if (!session_public_body(req, ar, fields) ||
	    !body_string(req, ar->body, "email", 1, 1, EMAIL_MAX, &email))
		return (KORE_RESULT_OK);
	/* A malformed address is an unknown one: the same statement runs. */
	if (!email_normalise(email, norm, sizeof(norm)))
		(void)kore_strlcpy(norm, "-", sizeof(norm));
	params[0] = norm;
	return (db_call(req, ar, "SELECT status, body FROM "
	    "api.password_reset($1)", 1, params, db_reply));
}

int
auth_password_reset_confirm(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "token", "password", NULL };
	struct reset_work	*w;
	const char		*token, *pw, *problem, *params[1];

	if (!session_public_body(req, ar, fields) ||
	    !body_string(req, ar->body, "token", 1, 1, TOKEN_MAX, &token) ||
	    !body_string(req, ar->body, "password", 1, 1, PASSWORD_MAX_BYTES,
	    &pw))
		return (KORE_RESULT_OK);
	if ((problem = password_problem(pw, strlen(pw))) != NULL) {
		reply_field_error(req, "password", problem);
		return (KORE_RESULT_OK);
	}

	w = kore_calloc(1, sizeof(*w));
	ar->data = w;
	ar->free_data = reset_work_free;
	w->pwlen = strlen(pw);
	memcpy(w->password, pw, w->pwlen);
	w->password[w->pwlen] = '\0';

	params[0] = token;
	return (db_call(req, ar, "SELECT status, body FROM "
	    "api.password_reset_check($1)", 1, params, reset_checked));
}

/* A good token: hash the new password off the event loop. */
static int
reset_checked(struct http_request *req, struct api_req *ar)
{
	if (db_rows(ar) != 1 || atoi(db_value(ar, 0, 0)) != 200)
		return (db_reply(req, ar));
	return (api_task(req, ar, reset_hash, reset_store));
}

/* On a task thread; touches nothing but the work. */
static int
reset_hash(struct kore_task *t)
{
	struct reset_work	*w = api_task_owner(t)->data;

	if (!password_hash(w->password, w->pwlen, w->hash))
		return (KORE_RESULT_ERROR);
	return (KORE_RESULT_OK);
}

static int
reset_store(struct http_request *req, struct api_req *ar)
{
	struct reset_work	*w = ar->data;
	const char		*params[3];

	if (api_task_result(ar) != KORE_RESULT_OK) {
		reply_error(req, 500, "internal_error",
		    "The password could not be processed.", NULL);
		return (KORE_RESULT_OK);
	}
	params[0] = json_string_value(json_object_get(ar->body, "token"));
	params[1] = w->hash;
	params[2] = ar->request_id;
	return (db_call(req, ar, "SELECT status, body FROM "
	    "api.password_reset_confirm($1, $2, $3)", 3, params, db_reply));
}

static void
reset_work_free(void *p)
{
	sodium_memzero(p, sizeof(struct reset_work));
	kore_free(p);
}

int
auth_verify_email(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "token", NULL };
	const char	*token, *params[2];

	if (!session_public_body(req, ar, fields) ||
	    !body_string(req, ar->body, "token", 1, 1, TOKEN_MAX, &token))
		return (KORE_RESULT_OK);
	params[0] = token;
	params[1] = ar->request_id;
	return (db_call(req, ar, "SELECT status, body FROM "
	    "api.verify_email($1, $2)", 2, params, db_reply));
}

int
me_verification_email(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];

	params[0] = ar->request_id;
	return (db_call_session(req, ar, "SELECT status, body, retry_after "
	    "FROM api.verification_resend($1, $2, $3)", 1, params,
	    resend_reply));
}

static int
resend_reply(struct http_request *req, struct api_req *ar)
{
	if (db_rows(ar) == 1 && atoi(db_value(ar, 0, 2)) > 0)
		http_response_header(req, "retry-after", db_value(ar, 0, 2));
	return (db_reply(req, ar));
}
