/*
 * Completion reports (issue 24, docs/reports.md).
 *
 * The filters travel to the database as they came, in one JSON object;
 * sql/functions/reports.sql checks them, the session and the caller's
 * scope (reports.scope), and is the one home of the report's rows. The
 * count is an ordinary statement on the "reports" Kore pgsql database;
 * the report itself is a COPY the database wrote, streamed by
 * report_stream.c on a libpq connection of its own to the same server.
 */

#include "platform.h"
#include "handlers.h"
#include "report_chunk.h"
#include "reports.h"

#define REPORT_ARG_MAX		256

/* What the stream needs of the query string, kept for report_scoped. */
struct report_opts {
	int		format;
	int		bom;
};

static const char *const report_filters[] = {
	"course", "from", "to", "date", "country", "profession",
	"organisation", "status",
};

/* The conninfo of the stream's own connections, like DB_REPORTS'. */
static char	*report_conninfo;

static int	report_completions(struct http_request *, struct api_req *,
		    int);
static int	report_count(struct http_request *, struct api_req *, int);
static int	report_args(struct http_request *, struct api_req *,
		    const char **);
static int	report_scoped(struct http_request *, struct api_req *);

int
reports_init(const char *url)
{
	if (!db_register(DB_REPORTS, url))
		return (KORE_RESULT_ERROR);
	if ((report_conninfo = db_conninfo(url, "safeguard-report")) == NULL)
		return (KORE_RESULT_ERROR);
	return (KORE_RESULT_OK);
}

int
admin_report_completions(struct http_request *req, struct api_req *ar)
{
	return (report_completions(req, ar, 1));
}

int
instructor_report_completions(struct http_request *req, struct api_req *ar)
{
	return (report_completions(req, ar, 0));
}

int
admin_report_completions_count(struct http_request *req, struct api_req *ar)
{
	return (report_count(req, ar, 1));
}

int
instructor_report_completions_count(struct http_request *req,
    struct api_req *ar)
{
	return (report_count(req, ar, 0));
}

/*
 * The format and the byte-order mark are the stream's; the filters, the
 * session and the scope are checked by the database before COPY starts.
 */
static int
report_completions(struct http_request *req, struct api_req *ar, int admin)
{
	struct report_opts	*opts;
	const char		*params[3];
	char			format[16], bom[8];
	int			r, fmt;

	if ((r = query_arg(req, "format", format, sizeof(format))) == -1)
		return (KORE_RESULT_OK);
	if ((fmt = report_format_parse(r == 1 ? format : NULL)) == -1) {
		reply_error(req, 400, "invalid_query",
		    "format is one of: csv, ndjson, json.", "format");
		return (KORE_RESULT_OK);
	}
	if ((r = query_arg(req, "bom", bom, sizeof(bom))) == -1)
		return (KORE_RESULT_OK);
	if (r == 1 && strcmp(bom, "0") && strcmp(bom, "1")) {
		reply_error(req, 400, "invalid_query", "bom is 0 or 1.", "bom");
		return (KORE_RESULT_OK);
	}
	if (!report_args(req, ar, &params[0]))
		return (KORE_RESULT_OK);
	params[1] = admin ? "true" : "false";
	params[2] = report_format_ext(fmt);

	opts = kore_malloc(sizeof(*opts));
	opts->format = fmt;
	opts->bom = r == 1 && !strcmp(bom, "1");
	ar->data = opts;
	ar->free_data = kore_free;
	ar->db = DB_REPORTS;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.report_completions($1, $2, $3, $4, $5)", 3, params,
	    report_scoped));
}

/* The database's word: the file's name and the COPY statement. */
static int
report_scoped(struct http_request *req, struct api_req *ar)
{
	struct report_opts	opts;
	json_t			*body;
	const char		*copy, *file;
	int			r;

	opts = *(struct report_opts *)ar->data;
	kore_free(ar->data);
	ar->data = NULL;
	ar->free_data = NULL;

	if (db_rows(ar) != 1 || atoi(db_value(ar, 0, 0)) != 200 ||
	    (body = json_loads(db_value(ar, 0, 1), 0, NULL)) == NULL) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	copy = json_string_value(json_object_get(body, "copy"));
	file = json_string_value(json_object_get(body, "file"));
	if (copy == NULL || !report_file_ok(file)) {
		json_decref(body);
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}
	db_release(ar);
	r = report_stream_begin(req, ar, report_conninfo, copy, file,
	    opts.format, opts.bom);
	json_decref(body);
	return (r);
}

static int
report_count(struct http_request *req, struct api_req *ar, int admin)
{
	const char	*params[2];

	if (!report_args(req, ar, &params[0]))
		return (KORE_RESULT_OK);
	params[1] = admin ? "true" : "false";
	ar->db = DB_REPORTS;
	return (db_call_session(req, ar, "SELECT status, body FROM "
	    "api.report_completions_count($1, $2, $3, $4)", 2, params,
	    db_reply));
}

/* The filters given, as one JSON object; 0 when answered (400). */
static int
report_args(struct http_request *req, struct api_req *ar, const char **out)
{
	json_t		*args;
	char		value[REPORT_ARG_MAX];
	size_t		i;
	int		r;

	args = json_object();
	for (i = 0; i < sizeof(report_filters) / sizeof(report_filters[0]);
	    i++) {
		if ((r = query_arg(req, report_filters[i], value,
		    sizeof(value))) == -1) {
			json_decref(args);
			return (0);
		}
		if (r == 1)
			json_object_set_new(args, report_filters[i],
			    json_string(value));
	}
	*out = db_json_param(ar, args);
	json_decref(args);
	return (1);
}
