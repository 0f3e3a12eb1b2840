/*
 * Administration of accounts, the audit log, and the background jobs' counts.
 *
 * Every change an admin makes is written to the audit log by the same SQL
 * function that makes it, with the request id, in the same transaction.
 */

#include "platform.h"
#include "handlers.h"
#include "session.h"
#include "validate.h"

int
admin_users_list(struct http_request *req, struct api_req *ar)
{
	const char	*params[2];
	char		q[128], page[16];
	int		r;

	if (!query_page(req, page, sizeof(page)))
		return (KORE_RESULT_OK);
	if ((r = query_arg(req, "q", q, sizeof(q))) == -1)
		return (KORE_RESULT_OK);
	params[0] = r == 1 ? q : NULL;
	params[1] = page;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.admin_users($1, $2, $3, $4)", 2, params, db_reply));
}

int
admin_user_patch(struct http_request *req, struct api_req *ar)
{
	static const char *const fields[] = { "role", "disabled", NULL };
	const char	*params[3], *role;
	int		disabled;

	if (!valid_uuid(api_param(ar, 0))) {
		reply_error(req, 404, "user_not_found", "No such user.", NULL);
		return (KORE_RESULT_OK);
	}
	if ((ar->body = body_json(req, JSON_BODY_MAX)) == NULL)
		return (KORE_RESULT_OK);
	if (!body_only(req, ar->body, fields))
		return (KORE_RESULT_OK);
	if (!body_string(req, ar->body, "role", 0, 1, 16, &role))
		return (KORE_RESULT_OK);
	/* An account always has a role: null is no way to leave it alone. */
	if ((role == NULL && json_object_get(ar->body, "role") != NULL) ||
	    (role != NULL && session_role_value(role) == ROLE_NONE)) {
		reply_field_error(req, "role",
		    "Use one of learner, instructor, admin.");
		return (KORE_RESULT_OK);
	}
	disabled = 0;
	if (!body_bool(req, ar->body, "disabled", &disabled))
		return (KORE_RESULT_OK);
	if (json_object_size(ar->body) == 0) {
		reply_error(req, 422, "nothing_to_change",
		    "Send role, disabled, or both.", NULL);
		return (KORE_RESULT_OK);
	}

	params[0] = api_param(ar, 0);
	params[1] = db_json_param(ar, ar->body);
	params[2] = ar->request_id;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.admin_user_patch($1, $2, $3, $4, $5)", 3, params, db_reply));
}

/*
 * The audit log, filtered: each filter a query argument, NULL when absent;
 * SQL checks the actor and the times, and names the argument it refuses.
 */
int
admin_audit(struct http_request *req, struct api_req *ar)
{
	static const char *const names[] = { "action", "actor", "target",
	    "since", "until" };
	const char	*params[6];
	char		page[16], args[5][128];
	size_t		i;
	int		r;

	if (!query_page(req, page, sizeof(page)))
		return (KORE_RESULT_OK);
	params[0] = page;
	for (i = 0; i < 5; i++) {
		if ((r = query_arg(req, names[i], args[i],
		    sizeof(args[i]))) == -1)
			return (KORE_RESULT_OK);
		params[1 + i] = r == 1 ? args[i] : NULL;
	}
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.admin_audit($1, $2, $3, $4, $5, $6, $7, $8)", 6, params,
	    db_reply));
}

/* Background jobs by kind and state (the runner: jobs.c). */
int
admin_jobs(struct http_request *req, struct api_req *ar)
{
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.admin_jobs($1, $2)", 0, NULL, db_reply));
}
