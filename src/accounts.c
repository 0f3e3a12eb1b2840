/*
 * Accounts: registration, sign-in, refresh, sign-out, and the profile.
 *
 * Hashing a password (argon2id, 64 MiB) takes tens of milliseconds, so it
 * runs on a Kore task thread while the worker serves other requests. Sign-in
 * verifies against a dummy hash (made when the worker started) when the
 * address is unknown, so both cases take the same time and answer the same
 * words.
 *
 * Every password check counts against the account's budget when it starts,
 * in the statement that reads the hash (api.login_lookup, api.reauth_begin),
 * so checks in flight at once cannot all pass the limit; a success clears
 * the account's count afterwards. The database names the account's budget
 * (auth.account_key), folding the address as the lookup does.
 *
 * Registration hashes only for an account it is about to make: an address
 * already taken is answered first, and such answers spend the client
 * address's budget (api.register_begin).
 */

#include <stdio.h>

#include "platform.h"
#include "handlers.h"
#include "password.h"
#include "session.h"
#include "validate.h"

#define LOGIN_FAILED_MSG	"The email address or password is not right."
#define LOGIN_THROTTLED_MSG	\
	"Too many wrong passwords; wait a few minutes and try again."
#define REGISTER_THROTTLED_MSG	\
	"Too many registrations for addresses that have an account; " \
	"wait a few minutes and try again."

/* What a password task works on; lives in ar->data. */
struct pw_work {
	char		password[PASSWORD_MAX_BYTES + 1];
	size_t		pwlen;
	char		newpw[PASSWORD_MAX_BYTES + 1];
	size_t		newlen;
	char		stored[PASSWORD_HASH_MAX];	/* hash to verify */
	char		hash[PASSWORD_HASH_MAX];	/* hash made */
	int		verified;
	int		argon2;		/* argon2id computations the task ran */
	int		cookie;
	char		email[EMAIL_MAX + 1];
	char		addr_key[48];	/* the client address's budget */
	char		refresh[REFRESH_TOKEN_LEN];
	char		refresh_hash[REFRESH_HASH_LEN];
	const char	*pw_field;	/* member re-authentication reads */
	api_step	after;		/* what a verified re-authentication does */
};

static struct pw_work	*pw_work_new(struct api_req *);
static void	pw_work_free(void *);
static int	pw_task(struct kore_task *);
static int	pw_task_start(struct http_request *, struct api_req *,
		    api_step);
static int	register_hash(struct http_request *, struct api_req *);
static int	register_store(struct http_request *, struct api_req *);
static int	login_verify(struct http_request *, struct api_req *);
static int	login_record(struct http_request *, struct api_req *);
static int	session_reply(struct http_request *, struct api_req *);
static int	logout_reply(struct http_request *, struct api_req *);
static int	throttled(struct http_request *, const char *, const char *);
static int	reauth_start(struct http_request *, struct api_req *,
		    api_step);
static int	reauth_verify(struct http_request *, struct api_req *);
static int	reauth_done(struct http_request *, struct api_req *);
static int	password_store(struct http_request *, struct api_req *);
static int	erase_store(struct http_request *, struct api_req *);
static int	profile_fields(struct http_request *, json_t *, int);

static struct pw_work *
pw_work_new(struct api_req *ar)
{
	struct pw_work	*w;

	w = kore_calloc(1, sizeof(*w));
	ar->data = w;
	ar->free_data = pw_work_free;
	return (w);
}

static void
pw_work_free(void *p)
{
	sodium_memzero(p, sizeof(struct pw_work));
	kore_free(p);
}

/*
 * Runs on a task thread: verifies w->password against w->stored when set,
 * then hashes w->newpw when set. Touches nothing but w.
 */
static int
pw_task(struct kore_task *t)
{
	struct api_req	*ar;
	struct pw_work	*w;

	ar = api_task_owner(t);
	w = ar->data;

	if (w->stored[0] != '\0') {
		w->verified = password_verify(w->stored, w->password, w->pwlen);
		w->argon2++;
	}
	if (w->newlen > 0 && (w->stored[0] == '\0' || w->verified)) {
		w->argon2++;
		if (!password_hash(w->newpw, w->newlen, w->hash))
			return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

static int
pw_task_start(struct http_request *req, struct api_req *ar, api_step next)
{
	return (api_task(req, ar, pw_task, next));
}

/* Collects the task's result; 0 when hashing failed (already answered). */
static int
pw_task_done(struct http_request *req, struct api_req *ar)
{
#ifdef SG_TEST_HOOKS
	struct pw_work	*w = ar->data;
	char		n[16];

	/*
	 * Test builds only: how many argon2id computations the request ran,
	 * so tests/api/test_hardening_accounts.py can count what an answer
	 * cost without timing it.
	 */
	(void)snprintf(n, sizeof(n), "%d", w->argon2);
	http_response_header(req, "x-sg-test-argon2", n);
#endif
	if (api_task_result(ar) != KORE_RESULT_OK) {
		reply_error(req, 500, "internal_error",
		    "The password could not be processed.", NULL);
		return (0);
	}
	return (1);
}

/* Validates the editable profile fields present in body. */
static int
profile_fields(struct http_request *req, json_t *body, int required)
{
	const char	*v;

	if (!body_string(req, body, "display_name", required, 1, 120, &v))
		return (0);
	if (v != NULL && has_control_chars(v)) {
		reply_field_error(req, "display_name",
		    "The name cannot contain line breaks or control characters.");
		return (0);
	}
	if (!body_string(req, body, "country", required, 2, 2, &v))
		return (0);
	if (v != NULL && !valid_country(v)) {
		reply_field_error(req, "country",
		    "Use an ISO 3166-1 alpha-2 country code, such as PH or ES.");
		return (0);
	}
	if (!body_string(req, body, "profession", required, 1, 32, &v))
		return (0);
	if (v != NULL && !valid_profession(v)) {
		reply_field_error(req, "profession", "Use one of law_enforcement, "
		    "education, health, social_work, ngo, legal, other.");
		return (0);
	}
	if (!body_string(req, body, "organisation", 0, 0, 200, &v))
		return (0);
	if (v != NULL && has_control_chars(v)) {
		reply_field_error(req, "organisation",
		    "The organisation cannot contain control characters.");
		return (0);
	}
	if (!body_string(req, body, "language", required, 2, 35, &v))
		return (0);
	if (v != NULL && !valid_language(v)) {
		reply_field_error(req, "language",
		    "Use a language tag such as en, es or pt-BR.");
		return (0);
	}
	return (1);
}

/* Copies a validated password into the work buffer. */
static int
take_password(struct http_request *req, json_t *body, const char *key,
    char *dst, size_t *len, int check_rules)
{
	const char	*pw, *problem;

	if (!body_string(req, body, key, 1, 1, PASSWORD_MAX_BYTES, &pw))
		return (0);
	*len = strlen(pw);
	if (*len > PASSWORD_MAX_BYTES) {
		reply_field_error(req, key, "Use at most 1024 bytes.");
		return (0);
	}
	if (check_rules && (problem = password_problem(pw, *len)) != NULL) {
		reply_field_error(req, key, problem);
		return (0);
	}
	memcpy(dst, pw, *len);
	dst[*len] = '\0';
	return (1);
}

int
auth_register(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "email", "password",
	    "display_name", "country", "profession", "organisation",
	    "language", NULL };
	struct pw_work	*w;
	const char	*email, *params[2];
	char		addr[64];

	if (!session_public_body(req, ar, fields))
		return (KORE_RESULT_OK);

	w = pw_work_new(ar);
	if (!body_string(req, ar->body, "email", 1, 3, EMAIL_MAX, &email))
		return (KORE_RESULT_OK);
	if (!email_normalise(email, w->email, sizeof(w->email))) {
		reply_field_error(req, "email",
		    "This does not look like an email address.");
		return (KORE_RESULT_OK);
	}
	if (!take_password(req, ar->body, "password", w->newpw, &w->newlen, 1))
		return (KORE_RESULT_OK);
	if (!profile_fields(req, ar->body, 1))
		return (KORE_RESULT_OK);

	session_client_addr(req, addr, sizeof(addr));
	session_key_hash("reg", addr, w->addr_key, sizeof(w->addr_key));
	params[0] = w->email;
	params[1] = w->addr_key;
	return (db_call(req, ar, "SELECT status, body, retry_after "
	    "FROM api.register_begin($1, $2)", 2, params, register_hash));
}

/* Hashes the password only for an address that is free. */
static int
register_hash(struct http_request *req, struct api_req *ar)
{
	if (db_rows(ar) != 1) {
		reply_error(req, 500, "internal_error",
		    "Registration is not available right now.", NULL);
		return (KORE_RESULT_OK);
	}
	if (throttled(req, db_value(ar, 0, 2), REGISTER_THROTTLED_MSG))
		return (KORE_RESULT_OK);
	if (atoi(db_value(ar, 0, 0)) != 200)
		return (db_reply(req, ar));
	return (pw_task_start(req, ar, register_store));
}

static int
register_store(struct http_request *req, struct api_req *ar)
{
	struct pw_work	*w = ar->data;
	const char	*params[8];

	if (!pw_task_done(req, ar))
		return (KORE_RESULT_OK);

	params[0] = w->email;
	params[1] = w->hash;
	params[2] = json_string_value(json_object_get(ar->body, "display_name"));
	params[3] = json_string_value(json_object_get(ar->body, "country"));
	params[4] = json_string_value(json_object_get(ar->body, "profession"));
	params[5] = json_string_value(json_object_get(ar->body, "organisation"));
	params[6] = json_string_value(json_object_get(ar->body, "language"));
	params[7] = w->addr_key;

	return (db_call(req, ar, "SELECT status, body FROM api.register("
	    "$1, $2, $3, $4, $5, $6, $7, $8)", 8, params, db_reply));
}

int
auth_login(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "email", "password", "cookie",
	    NULL };
	struct pw_work	*w;
	const char	*email, *params[2];
	char		addr[64];

	if (!session_public_body(req, ar, fields))
		return (KORE_RESULT_OK);

	w = pw_work_new(ar);
	if (!body_string(req, ar->body, "email", 1, 1, EMAIL_MAX, &email))
		return (KORE_RESULT_OK);
	if (!take_password(req, ar->body, "password", w->password, &w->pwlen, 0))
		return (KORE_RESULT_OK);
	if (!body_bool(req, ar->body, "cookie", &w->cookie))
		return (KORE_RESULT_OK);

	/* A malformed address is just an unknown one: same answer. */
	if (!email_normalise(email, w->email, sizeof(w->email)))
		(void)kore_strlcpy(w->email, "-", sizeof(w->email));

	session_client_addr(req, addr, sizeof(addr));
	session_key_hash("addr", addr, w->addr_key, sizeof(w->addr_key));

	params[0] = w->email;
	params[1] = w->addr_key;
	return (db_call(req, ar, "SELECT user_id, password_hash, retry_after "
	    "FROM api.login_lookup($1, $2)", 2, params, login_verify));
}

/* Answers 429 and returns 1 when the budget left no attempt. */
static int
throttled(struct http_request *req, const char *retry, const char *message)
{
	if (atoi(retry) <= 0)
		return (0);
	http_response_header(req, "retry-after", retry);
	reply_error(req, 429, "too_many_attempts", message, NULL);
	return (1);
}

static int
login_verify(struct http_request *req, struct api_req *ar)
{
	struct pw_work	*w = ar->data;

	if (db_rows(ar) != 1) {
		reply_error(req, 500, "internal_error",
		    "Sign-in is not available right now.", NULL);
		return (KORE_RESULT_OK);
	}
	if (throttled(req, db_value(ar, 0, 2), LOGIN_THROTTLED_MSG))
		return (KORE_RESULT_OK);

	/*
	 * The user id rides along in the email buffer's place (empty for no
	 * account). The dummy was made at worker start: a copy, no hashing.
	 */
	if (db_isnull(ar, 0, 0)) {
		w->email[0] = '\0';
		if (!password_dummy_hash(w->stored)) {
			reply_error(req, 500, "internal_error",
			    "Sign-in is not available right now.", NULL);
			return (KORE_RESULT_OK);
		}
	} else {
		(void)kore_strlcpy(w->stored, db_value(ar, 0, 1),
		    sizeof(w->stored));
		(void)kore_strlcpy(w->email, db_value(ar, 0, 0),
		    sizeof(w->email));
	}

	return (pw_task_start(req, ar, login_record));
}

static int
login_record(struct http_request *req, struct api_req *ar)
{
	struct pw_work	*w = ar->data;
	const char	*params[4];

	if (!pw_task_done(req, ar))
		return (KORE_RESULT_OK);

	session_refresh_new(w->refresh, sizeof(w->refresh), w->refresh_hash);
	params[0] = w->email[0] != '\0' ? w->email : NULL;
	params[1] = w->verified ? "true" : "false";
	params[2] = w->addr_key;
	params[3] = w->refresh_hash;
	return (db_call(req, ar, "SELECT status, body FROM api.login_finish("
	    "$1, $2, $3, $4)", 4, params, session_reply));
}

/*
 * Answers a sign-in, refresh or password change: the SQL function gave the
 * session and user; the server adds a signed access token, and the refresh
 * token either in the body (API clients) or in cookies (browsers).
 */
static int
session_reply(struct http_request *req, struct api_req *ar)
{
	struct pw_work	*w = ar->data;
	json_t		*body, *user;
	const char	*uid, *sid, *role;
	char		*access;
	int		status;

	status = atoi(db_value(ar, 0, 0));
	if (status == 401 && db_isnull(ar, 0, 1)) {
		reply_error(req, 401, "login_failed", LOGIN_FAILED_MSG, NULL);
		return (KORE_RESULT_OK);
	}
	if (status != 200)
		return (db_reply(req, ar));

	if ((body = json_loads(db_value(ar, 0, 1), 0, NULL)) == NULL) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	user = json_object_get(body, "user");
	uid = json_string_value(json_object_get(user, "id"));
	role = json_string_value(json_object_get(user, "role"));
	sid = json_string_value(json_object_get(body, "session_id"));

	if (uid == NULL || sid == NULL || role == NULL ||
	    (access = session_access_token(uid, sid, role)) == NULL) {
		json_decref(body);
		reply_error(req, 500, "internal_error",
		    "The server could not sign you in.", NULL);
		return (KORE_RESULT_OK);
	}

	json_object_set_new(body, "token_type", json_string("Bearer"));
	json_object_set_new(body, "expires_in",
	    json_integer(ACCESS_TOKEN_SECONDS));
	if (w->cookie) {
		session_set_cookies(req, access, w->refresh);
	} else {
		json_object_set_new(body, "access_token", json_string(access));
		json_object_set_new(body, "refresh_token",
		    json_string(w->refresh));
	}
	free(access);

	reply_json(req, 200, body);
	json_decref(body);
	return (KORE_RESULT_OK);
}

/*
 * Rotates a refresh token: from the body (API clients) or from the cookie
 * (browsers, which must pass the CSRF check).
 */
int
auth_refresh(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "refresh_token", NULL };
	struct pw_work	*w;
	const char	*token, *params[2];
	char		*cookie, old_hash[REFRESH_HASH_LEN];
	int		r;

	w = pw_work_new(ar);
	token = NULL;
	if ((r = session_refresh_cookie(req, &cookie)) == -1) {
		session_csrf_refuse(req);
		return (KORE_RESULT_OK);
	}
	if (r == 1) {
		token = cookie;
		w->cookie = 1;
	} else {
		if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
			return (KORE_RESULT_OK);
		if (!body_only(req, ar->body, fields) ||
		    !body_string(req, ar->body, "refresh_token", 1, 1, 128,
		    &token))
			return (KORE_RESULT_OK);
	}

	session_refresh_hash(token, old_hash);
	session_refresh_new(w->refresh, sizeof(w->refresh), w->refresh_hash);
	params[0] = old_hash;
	params[1] = w->refresh_hash;
	return (db_call(req, ar, "SELECT status, body FROM api.refresh($1, $2)",
	    2, params, session_reply));
}

int
auth_logout(struct http_request *req, struct api_req *ar)
{
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.logout($1, $2)", 0, NULL, logout_reply));
}

int
auth_logout_all(struct http_request *req, struct api_req *ar)
{
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.logout_all($1, $2)", 0, NULL, logout_reply));
}

static int
logout_reply(struct http_request *req, struct api_req *ar)
{
	if (ar->session.via_cookie)
		session_clear_cookies(req);
	return (db_reply(req, ar));
}

int
me_get(struct http_request *req, struct api_req *ar)
{
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.me_get($1, $2)", 0, NULL, db_reply));
}

int
me_patch(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "display_name", "country",
	    "profession", "organisation", "language", NULL };
	const char	*params[1];

	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields) ||
	    !profile_fields(req, ar->body, 0))
		return (KORE_RESULT_OK);

	params[0] = db_json_param(ar, ar->body);
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.me_patch($1, $2, $3)", 1, params, db_reply));
}

/*
 * Re-authentication, for what only the account holder may do with a
 * session (change the password, erase the account): the current password
 * in w->password is checked on a task thread, and the check counts against
 * the account's sign-in budget when it starts (api.reauth_begin), so a
 * stolen access token buys no more guesses than sign-in gives. Once it is
 * verified, after runs; w->stored holds the hash that was verified.
 */
static int
reauth_start(struct http_request *req, struct api_req *ar, api_step after)
{
	struct pw_work	*w = ar->data;

	w->after = after;
	return (db_call_session(req, ar, "SELECT password_hash, retry_after "
	    "FROM api.reauth_begin($1, $2)", 0, NULL, reauth_verify));
}

static int
reauth_verify(struct http_request *req, struct api_req *ar)
{
	struct pw_work	*w = ar->data;

	if (db_rows(ar) != 1) {
		reply_error(req, 404, "user_not_found", "No such user.", NULL);
		return (KORE_RESULT_OK);
	}
	if (throttled(req, db_value(ar, 0, 1), LOGIN_THROTTLED_MSG))
		return (KORE_RESULT_OK);
	(void)kore_strlcpy(w->stored, db_value(ar, 0, 0), sizeof(w->stored));
	return (pw_task_start(req, ar, reauth_done));
}

/* A wrong password was counted when the check started: nothing to store. */
static int
reauth_done(struct http_request *req, struct api_req *ar)
{
	struct pw_work	*w = ar->data;

	if (!pw_task_done(req, ar))
		return (KORE_RESULT_OK);
	if (!w->verified) {
		reply_error(req, 403, "wrong_password",
		    "The current password is not right.", w->pw_field);
		return (KORE_RESULT_OK);
	}
	return (w->after(req, ar));
}

/* Password change: verify the current one, hash the new, store. */
int
me_password(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "current_password",
	    "new_password", NULL };
	struct pw_work	*w;

	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields))
		return (KORE_RESULT_OK);

	w = pw_work_new(ar);
	w->cookie = ar->session.via_cookie;
	w->pw_field = "current_password";
	if (!take_password(req, ar->body, "current_password", w->password,
	    &w->pwlen, 0))
		return (KORE_RESULT_OK);
	if (!take_password(req, ar->body, "new_password", w->newpw,
	    &w->newlen, 1))
		return (KORE_RESULT_OK);

	return (reauth_start(req, ar, password_store));
}

static int
password_store(struct http_request *req, struct api_req *ar)
{
	struct pw_work	*w = ar->data;
	const char	*params[3];

	session_refresh_new(w->refresh, sizeof(w->refresh), w->refresh_hash);
	params[0] = w->stored;
	params[1] = w->hash;
	params[2] = w->refresh_hash;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.password_set($1, $2, $3, $4, $5)", 3, params, session_reply));
}

int
me_export(struct http_request *req, struct api_req *ar)
{
	http_response_header(req, "content-disposition",
	    "attachment; filename=\"safeguard-learn-my-data.json\"");
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.me_export($1, $2)", 0, NULL, db_reply));
}

/*
 * Erasure needs the current password, {"password": "..."}: an access token
 * alone, perhaps taken from an unattended browser, erases no one. It is a
 * POST because Kore 4.1 reads no body on DELETE.
 */
int
me_erase(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "password", NULL };
	struct pw_work	*w;

	/* No body at all: say what is missing, not which type it lacks. */
	if (req->content_length == 0) {
		reply_field_error(req, "password",
		    "Send your current password to erase the account.");
		return (KORE_RESULT_OK);
	}
	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields))
		return (KORE_RESULT_OK);

	w = pw_work_new(ar);
	w->pw_field = "password";
	if (!take_password(req, ar->body, "password", w->password, &w->pwlen,
	    0))
		return (KORE_RESULT_OK);
	return (reauth_start(req, ar, erase_store));
}

static int
erase_store(struct http_request *req, struct api_req *ar)
{
	struct pw_work	*w = ar->data;
	const char	*params[1];

	params[0] = w->stored;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.me_delete($1, $2, $3)", 1, params, logout_reply));
}
