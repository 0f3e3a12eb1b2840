/*
 * One asynchronous PostgreSQL statement per step of a request.
 *
 * db_call() sends a statement through Kore's async pgsql layer and parks the
 * request; api_dispatch() calls db_progress() on every wakeup until the
 * statement completes, then runs the continuation the handler gave. The
 * worker never blocks on the database.
 *
 * SQL functions report refusals by raising an SQLSTATE of class SG with the
 * error code as the message, the human sentence as DETAIL and the field as
 * HINT: 'SG404' becomes a 404 with that envelope, and the transaction that
 * raised it has rolled back, so nothing is half-written.
 *
 * When PostgreSQL goes away the statement fails, the request gets a 503, and
 * the broken connection is reset in place so the worker recovers by itself
 * when the server returns. The idle connections of the pool only learn that
 * the server went away when they are next used, so a connection taken from
 * the pool is checked first and connected again when its session is gone
 * (db_revive_idle): the first requests after a restart do not get a 503
 * for every connection the pool held.
 */

#include <poll.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "platform.h"

#define DB_RESET_BACKOFF_MS	500

static int	db_send(struct http_request *, struct api_req *);
static int	db_fail(struct http_request *, struct api_req *);
static void	db_reset(PGconn *);

int
db_init(const char *url)
{
	return (db_register(DB_NAME, url));
}

/* A Kore pgsql database by name: DB_NAME, or DB_REPORTS (reports.c). */
int
db_register(const char *name, const char *url)
{
	char		*conninfo;

	if ((conninfo = db_conninfo(url, "safeguard")) == NULL)
		return (KORE_RESULT_ERROR);
	if (!kore_pgsql_register(name, conninfo)) {
		kore_free(conninfo);
		return (KORE_RESULT_ERROR);
	}
	kore_free(conninfo);
	return (KORE_RESULT_OK);
}

/*
 * Rebuilds the URL as keyword=value pairs so a connect timeout and the
 * application name can be added to whatever form DATABASE_URL took.
 * The caller frees the answer with kore_free.
 */
char *
db_conninfo(const char *url, const char *app)
{
	PQconninfoOption	*opts, *o;
	struct kore_buf		buf;
	char			*err, *out;
	const char		*p;

	err = NULL;
	if ((opts = PQconninfoParse(url, &err)) == NULL) {
		kore_log(LOG_ERR, "a database URL cannot be parsed");
		if (err != NULL)
			PQfreemem(err);
		return (NULL);
	}

	kore_buf_init(&buf, 256);
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || !strcmp(o->keyword, "connect_timeout") ||
		    !strcmp(o->keyword, "application_name"))
			continue;
		kore_buf_appendf(&buf, "%s='", o->keyword);
		for (p = o->val; *p != '\0'; p++) {
			if (*p == '\'' || *p == '\\')
				kore_buf_append(&buf, "\\", 1);
			kore_buf_append(&buf, p, 1);
		}
		kore_buf_append(&buf, "' ", 2);
	}
	kore_buf_appendf(&buf, "connect_timeout='2' "
	    "application_name='%s'", app);
	PQconninfoFree(opts);

	out = kore_buf_stringify(&buf, NULL);
	out = kore_strdup(out);
	kore_buf_cleanup(&buf);
	return (out);
}

/*
 * Starts a statement; next runs when it completes. The parameters are
 * copied, so the caller may pass stack buffers.
 */
int
db_call(struct http_request *req, struct api_req *ar, const char *query,
    int nparams, const char **params, api_step next)
{
	char		*copies[DB_MAX_PARAMS];
	int		i;

	if (nparams > DB_MAX_PARAMS)
		fatal("db_call: too many parameters");

	/* Copy first: params may point into the previous step's rows. */
	for (i = 0; i < nparams; i++)
		copies[i] = params[i] ? kore_strdup(params[i]) : NULL;
	db_release(ar);

	ar->query = query;
	ar->nqparams = nparams;
	for (i = 0; i < nparams; i++)
		ar->qparams[i] = copies[i];
	ar->next = next;

	kore_pgsql_init(&ar->sql);
	kore_pgsql_bind_request(&ar->sql, req);
	ar->sql_active = 1;

	return (db_send(req, ar));
}

/*
 * Calls a function of the api schema whose first two arguments are the
 * caller's user and session ids ($1, $2): nextra more follow them.
 */
int
db_call_session(struct http_request *req, struct api_req *ar,
    const char *query, int nextra, const char **extra, api_step next)
{
	const char	*params[DB_MAX_PARAMS];
	int		i;

	if (nextra > DB_MAX_PARAMS - 2)
		fatal("db_call_session: too many parameters");
	params[0] = ar->session.user_id;
	params[1] = ar->session.session_id;
	for (i = 0; i < nextra; i++)
		params[2 + i] = extra[i];
	return (db_call(req, ar, query, 2 + nextra, params, next));
}

/*
 * A JSON document as a parameter of the next statement: its compact text,
 * freed once db_call() has copied it (or when the request ends). One
 * document a statement.
 */
const char *
db_json_param(struct api_req *ar, json_t *doc)
{
	if (ar->json_param != NULL)
		fatal("db_json_param: one document a statement");
	ar->json_param = json_dumps(doc, JSON_COMPACT);
	return (ar->json_param);
}

static int
db_send(struct http_request *req, struct api_req *ar)
{
	int		lengths[DB_MAX_PARAMS], formats[DB_MAX_PARAMS], i;

	if (!kore_pgsql_setup(&ar->sql, ar->db ? ar->db : DB_NAME,
	    KORE_PGSQL_ASYNC)) {
		/* INIT means all connections are busy: Kore queued us. */
		if (ar->sql.state == KORE_PGSQL_STATE_INIT) {
			ar->sql_queued = 1;
			return (KORE_RESULT_RETRY);
		}
		return (db_fail(req, ar));
	}
	ar->sql_queued = 0;
	db_revive_idle(&ar->sql);

	for (i = 0; i < ar->nqparams; i++) {
		lengths[i] = ar->qparams[i] ? (int)strlen(ar->qparams[i]) : 0;
		formats[i] = 0;
	}

	if (!kore_pgsql_query_param_fields(&ar->sql, ar->query, ar->binary,
	    ar->nqparams, (const char **)ar->qparams, lengths, formats))
		return (db_fail(req, ar));

	return (KORE_RESULT_RETRY);
}

/* Drives the statement; returns what the Kore handler should return. */
int
db_progress(struct http_request *req, struct api_req *ar)
{
	api_step	next;

	if (ar->sql_queued)
		return (db_send(req, ar));

	for (;;) {
		switch (ar->sql.state) {
		case KORE_PGSQL_STATE_WAIT:
			return (KORE_RESULT_RETRY);
		case KORE_PGSQL_STATE_RESULT:
			/* Keep the rows: continue() would clear them. */
			if (ar->result != NULL)
				PQclear(ar->result);
			ar->result = ar->sql.result;
			ar->sql.result = NULL;
			kore_pgsql_continue(&ar->sql);
			break;
		case KORE_PGSQL_STATE_ERROR:
			return (db_fail(req, ar));
		case KORE_PGSQL_STATE_COMPLETE:
			kore_pgsql_cleanup(&ar->sql);
			ar->sql_active = 0;
			next = ar->next;
			ar->next = NULL;
			return (next(req, ar));
		default:
			kore_pgsql_continue(&ar->sql);
			break;
		}
	}
}

/* Answers a failed statement with the envelope its SQLSTATE asks for. */
static int
db_fail(struct http_request *req, struct api_req *ar)
{
	const char	*state, *code, *detail, *field, *where;
	int		status;
	PGresult	*res;

	res = ar->sql.result;
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (state != NULL && !strncmp(state, "SG", 2)) {
		status = atoi(state + 2);
		code = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		field = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
		if (status < 400 || status > 499)
			status = 400;
		if (field != NULL && *field == '\0')
			field = NULL;
		reply_error(req, status, code ? code : "refused",
		    detail ? detail : "The request was refused.", field);
	} else if (state != NULL && (!strcmp(state, "40P01") ||
	    !strcmp(state, "40001"))) {
		/*
		 * A deadlock or serialization failure rolled the whole
		 * statement back: nothing was written, so sending the
		 * request again is safe (progress beats are idempotent too).
		 */
		kore_log(LOG_NOTICE, "req=%s transaction conflict %s",
		    ar->request_id, state);
		reply_error(req, 503, "try_again", "The request met a "
		    "conflicting change and was not applied; send it again.",
		    NULL);
	} else if (state != NULL && !strcmp(state, "23505")) {
		reply_error(req, 409, "conflict",
		    "That conflicts with something that already exists.", NULL);
	} else if (state != NULL && !strncmp(state, "22", 2)) {
		reply_error(req, 400, "invalid_input",
		    "A value in the request is not valid.", NULL);
	} else if (state == NULL || !strncmp(state, "08", 2) ||
	    !strncmp(state, "57P", 3)) {
		kore_log(LOG_WARNING, "req=%s database unavailable",
		    ar->request_id);
		reply_error(req, 503, "database_unavailable",
		    "The database is not answering; try again shortly.", NULL);
	} else {
		/* SQLSTATE and the function stack: no values, no data. */
		where = PQresultErrorField(res, PG_DIAG_CONTEXT);
		kore_log(LOG_ERR, "req=%s sql error %s in %.200s",
		    ar->request_id, state, where ? where : "statement");
		reply_error(req, 500, "internal_error",
		    "Something went wrong on our side; it has been logged.",
		    NULL);
	}

	db_heal(&ar->sql);
	db_release(ar);
	return (KORE_RESULT_OK);
}

/*
 * A connection taken from the pool has been idle: nothing should be waiting
 * on its socket. When something is (the FATAL a restarting server sent to
 * every session, or the end of the stream), its server session is gone:
 * connect again before the statement is sent into it. One poll() with no
 * timeout; the reconnect only happens after the server went away.
 */
void
db_revive_idle(struct kore_pgsql *sql)
{
	struct pollfd	pfd;
	PGconn		*conn;

	conn = sql->conn->db;
	if ((pfd.fd = PQsocket(conn)) == -1) {
		db_reset(conn);
		return;
	}
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == 1 && pfd.revents != 0)
		db_reset(conn);
}

/*
 * Connects a pooled connection again. libpq connects synchronously, so
 * while the server is away a worker tries at most once every
 * DB_RESET_BACKOFF_MS and answers 503 at once in between, instead of
 * waiting out a connect timeout on every request.
 */
static void
db_reset(PGconn *conn)
{
	static u_int64_t	failed_at;
	u_int64_t		now;

	now = kore_time_ms();
	if (failed_at != 0 && now - failed_at < DB_RESET_BACKOFF_MS)
		return;
	PQreset(conn);
	failed_at = PQstatus(conn) == CONNECTION_OK ? 0 : now;
}

/*
 * A connection that broke under us (server restart) goes back to Kore's
 * pool when released: reset it now so the next request finds it working.
 * Its socket is already closed, so Kore must not unregister it.
 */
void
db_heal(struct kore_pgsql *sql)
{
	PGconn		*conn;

	if (sql->conn == NULL || sql->conn->db == NULL)
		return;
	conn = sql->conn->db;
	if (PQstatus(conn) != CONNECTION_BAD)
		return;
	if (PQsocket(conn) == -1)
		sql->flags &= ~KORE_PGSQL_SCHEDULED;
	kore_pgsql_cleanup(sql);
	db_reset(conn);
}

/* The default continuation: a (status, body) row answered as it is. */
int
db_reply(struct http_request *req, struct api_req *ar)
{
	const char	*body;

	if (db_rows(ar) != 1) {
		reply_error(req, 500, "internal_error",
		    "The server could not build its answer.", NULL);
		return (KORE_RESULT_OK);
	}

	body = db_value(ar, 0, 1);
	if (db_isnull(ar, 0, 1)) {
		reply_empty(req, atoi(db_value(ar, 0, 0)));
		return (KORE_RESULT_OK);
	}
	reply_json_text(req, atoi(db_value(ar, 0, 0)), body, strlen(body));
	return (KORE_RESULT_OK);
}

int
db_rows(struct api_req *ar)
{
	return (ar->result ? PQntuples(ar->result) : 0);
}

const char *
db_value(struct api_req *ar, int row, int col)
{
	return (PQgetvalue(ar->result, row, col));
}

int
db_isnull(struct api_req *ar, int row, int col)
{
	return (PQgetisnull(ar->result, row, col));
}

void
db_release(struct api_req *ar)
{
	int		i;

	if (ar->sql_active) {
		kore_pgsql_cleanup(&ar->sql);
		ar->sql_active = 0;
	}
	ar->sql_queued = 0;
	if (ar->result != NULL) {
		PQclear(ar->result);
		ar->result = NULL;
	}
	for (i = 0; i < ar->nqparams; i++) {
		kore_free(ar->qparams[i]);
		ar->qparams[i] = NULL;
	}
	ar->nqparams = 0;
	free(ar->json_param);
	ar->json_param = NULL;
}
