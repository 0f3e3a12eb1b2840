/*
 * The reports' summary: per course, country and profession, and completions
 * a week (docs/reports.md, "Summary").
 *
 * One statement, api.report_summary, builds the whole answer on the
 * reports' database (REPORTS_DATABASE_URL, a read replica, when set): the
 * filters are checked there too, so the refusals name the argument.
 */

#include "platform.h"
#include "handlers.h"
#include "reports.h"

static int	report_summary(struct http_request *, struct api_req *,
		    const char *);

int
admin_report_summary(struct http_request *req, struct api_req *ar)
{
	return (report_summary(req, ar, "admin"));
}

/* The caller's own courses; an admin's, every course. */
int
instructor_report_summary(struct http_request *req, struct api_req *ar)
{
	return (report_summary(req, ar, "instructor"));
}

static int
report_summary(struct http_request *req, struct api_req *ar,
    const char *staff)
{
	static const char *const names[] = { "course", "from", "to" };
	const char	*params[4];
	char		args[3][128];
	size_t		i;
	int		r;

	params[0] = staff;
	for (i = 0; i < 3; i++) {
		if ((r = query_arg(req, names[i], args[i],
		    sizeof(args[i]))) == -1)
			return (KORE_RESULT_OK);
		params[1 + i] = r == 1 ? args[i] : NULL;
	}
	ar->db = DB_REPORTS;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.report_summary($1, $2, $3, $4, $5, $6)", 4, params,
	    db_reply));
}
