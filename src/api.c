/*
 * The JSON API's route table and dispatcher.
 *
 * Kore hands every /api/ request to api_dispatch(). The first call matches
 * the path and method against the table, authenticates the caller as the
 * route demands, and runs the handler; later calls (after a database
 * statement or a task completes) drive the work in flight. Each route names
 * the role it needs: there is no default, so none can forget it.
 */

#include "platform.h"
#include "handlers.h"
#include "route_match.h"
#include "validate.h"

#define GET	HTTP_METHOD_GET
#define POST	HTTP_METHOD_POST
#define PUT	HTTP_METHOD_PUT
#define PATCH	HTTP_METHOD_PATCH
#define DELETE	HTTP_METHOD_DELETE

static const struct api_route	api_routes[] = {
	{ GET,		"/api/v1/meta",		AUTH_PUBLIC,	meta_get },

	/* Accounts and sessions: accounts.c */
	{ POST,	"/api/v1/auth/register",	AUTH_PUBLIC,	auth_register },
	{ POST,	"/api/v1/auth/login",		AUTH_PUBLIC,	auth_login },
	{ POST,	"/api/v1/auth/refresh",		AUTH_PUBLIC,	auth_refresh },
	{ POST,	"/api/v1/auth/logout",		AUTH_LEARNER,	auth_logout },
	{ POST,	"/api/v1/auth/logout-all",	AUTH_LEARNER,	auth_logout_all },
	{ GET,	"/api/v1/me",			AUTH_LEARNER,	me_get },
	{ PATCH, "/api/v1/me",			AUTH_LEARNER,	me_patch },
	{ POST,	"/api/v1/me/password",		AUTH_LEARNER,	me_password },
	{ POST,	"/api/v1/me/erase",		AUTH_LEARNER,	me_erase },
	{ GET,	"/api/v1/me/export",		AUTH_LEARNER,	me_export },

	/* Catalog and outlines: courses.c; media: media.c */
	{ GET,	"/api/v1/courses",		AUTH_PUBLIC,	catalog_list },
	{ GET,	"/api/v1/courses/:slug",	AUTH_PUBLIC,	course_get },
	{ GET,	"/api/v1/media/:sha256",	AUTH_PUBLIC,	media_get },

	/* Enrollment, lessons and progress: learning.c */
	{ POST,	"/api/v1/courses/:slug/enrollment", AUTH_LEARNER,
	    enrollment_create },
	{ DELETE, "/api/v1/courses/:slug/enrollment", AUTH_LEARNER,
	    enrollment_delete },
	{ GET,	"/api/v1/courses/:slug/progress", AUTH_LEARNER,
	    course_progress_get },
	{ GET,	"/api/v1/me/enrollments",	AUTH_LEARNER,	my_enrollments },
	{ GET,	"/api/v1/lessons/:id",		AUTH_LEARNER,	lesson_get },
	{ PUT,	"/api/v1/lessons/:id/progress",	AUTH_LEARNER,	progress_put },
	{ POST,	"/api/v1/admin/enrollments/import", AUTH_ADMIN,
	    admin_enrollments_import },

	/* Quizzes: quiz_attempts.c */
	{ GET,	"/api/v1/quizzes/:id",		AUTH_LEARNER,	quiz_get },
	{ POST,	"/api/v1/quizzes/:id/attempts",	AUTH_LEARNER,
	    quiz_attempt_start },
	{ GET,	"/api/v1/attempts/:id",		AUTH_LEARNER,	quiz_attempt_get },
	{ PUT,	"/api/v1/attempts/:id/answers",	AUTH_LEARNER,
	    quiz_attempt_save },
	{ POST,	"/api/v1/attempts/:id/submit",	AUTH_LEARNER,
	    quiz_attempt_submit },
	{ GET,	"/api/v1/instructor/courses/:slug/quizzes", AUTH_INSTRUCTOR,
	    instructor_course_quizzes },
	{ GET,	"/api/v1/instructor/quizzes/:id", AUTH_INSTRUCTOR,
	    instructor_quiz_get },
	{ PATCH, "/api/v1/instructor/quizzes/:id", AUTH_INSTRUCTOR,
	    instructor_quiz_patch },

	/* Certificates: certificates.c */
	{ GET,	"/api/v1/me/certificates",	AUTH_LEARNER,	my_certificates },
	{ GET,	"/api/v1/certificates/:id/pdf",	AUTH_LEARNER,	certificate_pdf },
	{ GET,	"/api/v1/certificates/:id/credential", AUTH_LEARNER,
	    certificate_credential },
	{ GET,	"/api/v1/verify/:code",		AUTH_PUBLIC,	verify_get },
	{ GET,	"/api/v1/issuer",		AUTH_PUBLIC,	issuer_get },
	{ POST,	"/api/v1/courses/:slug/enrollment/renew", AUTH_LEARNER,
	    enrollment_renew },
	{ GET,	"/api/v1/admin/certificates",	AUTH_ADMIN,
	    admin_certificates_list },
	{ POST,	"/api/v1/admin/certificates/:id/revoke", AUTH_ADMIN,
	    admin_certificate_revoke },
	{ GET,	"/api/v1/admin/courses/:slug/certificates.zip", AUTH_ADMIN,
	    admin_course_certificates_zip },

	/* Authoring: authoring.c */
	{ GET,	"/api/v1/instructor/courses",	AUTH_INSTRUCTOR, instructor_courses },
	{ POST,	"/api/v1/instructor/courses",	AUTH_INSTRUCTOR, course_create },
	{ PATCH, "/api/v1/instructor/courses/:slug", AUTH_INSTRUCTOR, course_patch },
	{ POST,	"/api/v1/instructor/courses/:slug/publish", AUTH_INSTRUCTOR,
	    course_publish },
	{ POST,	"/api/v1/instructor/courses/:slug/unpublish", AUTH_INSTRUCTOR,
	    course_unpublish },
	{ GET,	"/api/v1/instructor/courses/:slug/preview", AUTH_INSTRUCTOR,
	    course_preview },
	{ POST,	"/api/v1/instructor/courses/:slug/instructors", AUTH_INSTRUCTOR,
	    course_instructor_add },
	{ GET,	"/api/v1/instructor/courses/:slug/learners", AUTH_INSTRUCTOR,
	    course_learners },
	{ POST,	"/api/v1/instructor/courses/:slug/modules", AUTH_INSTRUCTOR,
	    module_upload },
	{ PUT,	"/api/v1/instructor/courses/:slug/modules/order", AUTH_INSTRUCTOR,
	    module_reorder },
	{ DELETE, "/api/v1/instructor/courses/:slug/modules/:key",
	    AUTH_INSTRUCTOR, module_delete },

	/* Question banks and quiz statistics: quiz_banks.c */
	{ POST,	"/api/v1/instructor/courses/:slug/questions/import",
	    AUTH_INSTRUCTOR, question_import },
	{ GET,	"/api/v1/instructor/courses/:slug/questions", AUTH_INSTRUCTOR,
	    question_bank_list },
	{ DELETE, "/api/v1/instructor/courses/:slug/questions/:key",
	    AUTH_INSTRUCTOR, question_delete },
	{ GET,	"/api/v1/instructor/quizzes/:id/stats", AUTH_INSTRUCTOR,
	    quiz_stats },

	/* Administration: admin.c */
	{ GET,	"/api/v1/admin/users",		AUTH_ADMIN,	admin_users_list },
	{ PATCH, "/api/v1/admin/users/:id",	AUTH_ADMIN,	admin_user_patch },
	{ GET,	"/api/v1/admin/audit",		AUTH_ADMIN,	admin_audit },
	{ GET,	"/api/v1/admin/jobs",		AUTH_ADMIN,	admin_jobs },

	/* Reports: reports.c (streamed by report_stream.c) */
	{ GET,	"/api/v1/admin/reports/completions", AUTH_ADMIN,
	    admin_report_completions },
	{ GET,	"/api/v1/admin/reports/completions/count", AUTH_ADMIN,
	    admin_report_completions_count },
	{ GET,	"/api/v1/instructor/reports/completions", AUTH_INSTRUCTOR,
	    instructor_report_completions },
	{ GET,	"/api/v1/instructor/reports/completions/count",
	    AUTH_INSTRUCTOR, instructor_report_completions_count },

	/* Reports: report_summary.c */
	{ GET,	"/api/v1/admin/reports/summary", AUTH_ADMIN,
	    admin_report_summary },
	{ GET,	"/api/v1/instructor/reports/summary", AUTH_INSTRUCTOR,
	    instructor_report_summary },
	{ 0,		NULL,			0,		NULL },
};

static const struct api_route	*api_match(struct http_request *,
				    struct api_req *, int *);
static int	api_resume(struct http_request *, struct api_req *);
static int	api_route_changes_content(const struct api_route *);

int
api_dispatch(struct http_request *req)
{
	const struct api_route	*route;
	struct api_req		*ar;
	int			path_known;

	ar = reqctx_get(req);
	if (ar->route != NULL)
		return (api_resume(req, ar));

	if (reply_headers_too_large(req))
		return (KORE_RESULT_OK);
	if ((route = api_match(req, ar, &path_known)) == NULL) {
		if (path_known) {
			reply_error(req, 405, "method_not_allowed",
			    "This path does not take that method.", NULL);
		} else {
			reply_error(req, 404, "not_found",
			    "There is nothing at this address.", NULL);
		}
		return (KORE_RESULT_OK);
	}
	return (api_serve(req, route));
}

/*
 * Runs a route: the first call authenticates the caller and starts the
 * handler, later ones drive the work in flight. Kore handlers of their
 * own (/readyz) call it with a route outside the table.
 */
int
api_serve(struct http_request *req, const struct api_route *route)
{
	struct api_req		*ar;

	ar = reqctx_get(req);
	if (ar->route != NULL)
		return (api_resume(req, ar));

	ar->route = route;
	ar->changes_content = api_route_changes_content(route);
	if (!session_authenticate(req, ar, route->auth))
		return (KORE_RESULT_OK);
	return (route->handler(req, ar));
}

/* Called on every wakeup once a handler has started work. */
static int
api_resume(struct http_request *req, struct api_req *ar)
{
	api_step	next;

	if (ar->sql_active)
		return (db_progress(req, ar));

	if (ar->waiting != NULL)
		return (ar->waiting(req, ar));

	if (ar->task_active) {
		if (kore_task_state(&ar->task) != KORE_TASK_STATE_FINISHED)
			return (KORE_RESULT_RETRY);
		next = ar->next;
		ar->next = NULL;
		return (next(req, ar));
	}

	/* Nothing in flight: the handler already answered. */
	return (KORE_RESULT_OK);
}

/*
 * Runs entry on a Kore task thread, off the event loop; next runs when it
 * finishes and collects the result with api_task_result().
 */
int
api_task(struct http_request *req, struct api_req *ar,
    int (*entry)(struct kore_task *), api_step next)
{
	kore_task_create(&ar->task, entry);
	kore_task_bind_request(&ar->task, req);
	ar->task_active = 1;
	ar->next = next;
	kore_task_run(&ar->task);
	return (KORE_RESULT_RETRY);
}

int
api_task_result(struct api_req *ar)
{
	int	result;

	result = kore_task_result(&ar->task);
	kore_task_destroy(&ar->task);
	ar->task_active = 0;
	return (result);
}

/* The api_req a task runs for: the task is embedded in it. */
struct api_req *
api_task_owner(struct kore_task *t)
{
	return ((struct api_req *)((char *)t - offsetof(struct api_req, task)));
}

/*
 * Calls a function taking (uid, sid, course slug, extra...) for a route
 * whose first path parameter is a course slug, after checking the slug's
 * shape (a malformed one names no course); db_reply answers.
 */
int
api_course_call(struct http_request *req, struct api_req *ar,
    const char *sql, int nextra, const char **extra)
{
	const char	*params[DB_MAX_PARAMS];
	int		i;

	if (!valid_slug(api_param(ar, 0), 80)) {
		reply_error(req, 404, "course_not_found",
		    "No course has that address.", NULL);
		return (KORE_RESULT_OK);
	}
	if (nextra > DB_MAX_PARAMS - 3)
		fatal("api_course_call: too many parameters");
	params[0] = api_param(ar, 0);
	for (i = 0; i < nextra; i++)
		params[1 + i] = extra[i];
	return (db_call_session(req, ar, sql, 1 + nextra, params, db_reply));
}

/*
 * Whether a successful answer of this route may have changed what the
 * public read the catalog and outlines from: any state-changing route
 * that needs an instructor or an admin. Broader than needed (an admin's
 * user change also counts), never narrower: a new authoring route is
 * covered the day it is added.
 */
static int
api_route_changes_content(const struct api_route *r)
{
	if (r == NULL || r->auth < AUTH_INSTRUCTOR)
		return (0);
	return (r->methods & (HTTP_METHOD_POST | HTTP_METHOD_PUT |
	    HTTP_METHOD_PATCH | HTTP_METHOD_DELETE)) != 0;
}

const char *
api_param(struct api_req *ar, int idx)
{
	if (idx < 0 || idx >= ar->nparams)
		return ("");
	return (ar->params[idx]);
}

static const struct api_route *
api_match(struct http_request *req, struct api_req *ar, int *path_known)
{
	const struct api_route	*r;

	*path_known = 0;
	for (r = api_routes; r->pattern != NULL; r++) {
		if (!route_match(r->pattern, req->path, ar->params,
		    &ar->nparams))
			continue;
		*path_known = 1;
		if (r->methods & req->method)
			return (r);
	}
	return (NULL);
}
