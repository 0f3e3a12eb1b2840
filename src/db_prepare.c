/*
 * Named prepared statements on Kore's pgsql connections.
 *
 * Kore sends every statement unnamed (PQsendQueryParams): PostgreSQL parses
 * and plans it again each time. Here each statement's text is prepared once
 * a connection, under a name made of its hash, the first time it is sent
 * on that connection, and executed by name after that (issue 25).
 *
 * Kore's state machine knows one statement a request, so a first use is
 * two steps on the same connection, both driven by db_progress():
 * PQsendPrepare, waited for as Kore waits for a result (read event, state
 * WAIT, request asleep), then, once its answer and the end of it are read
 * without blocking, PQsendQueryPrepared, whose rows Kore reads as any
 * other. A connection is known by its PGconn and its server process id, so
 * a connection that was reset (db_heal, db_revive_idle) or made again at
 * the same address starts with nothing prepared. A name prepared already
 * (42P05, after this table forgot it) counts as prepared. A connection
 * whose table is full sends the statement unnamed, as before, and so does
 * every connection with SG_DB_PREPARE=0 in the environment (to measure
 * what preparing gains).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "platform.h"

#define DB_PREP_CONNS		64
#define DB_PREP_STMTS		128
#define DB_PREP_NAME_LEN	24

struct db_prepared {
	PGconn		*conn;
	int		pid;
	int		count;
	u_int64_t	ids[DB_PREP_STMTS];
};

static struct db_prepared	db_prepared[DB_PREP_CONNS];
static int			db_prepared_next;
static int			db_prep_enabled = -1;

static struct db_prepared	*db_prep_conn(PGconn *);
static int	db_prep_known(struct db_prepared *, u_int64_t);
static void	db_prep_name(u_int64_t, char *, size_t);
static void	db_prep_schedule(struct http_request *, struct api_req *);
static int	db_prep_exec(struct http_request *, struct api_req *,
		    const int *, const int *);

/* FNV-1a of the statement's text: its name on every connection. */
static u_int64_t
db_prep_id(const char *sql)
{
	u_int64_t	h;

	h = 0xcbf29ce484222325ULL;
	for (; *sql != '\0'; sql++) {
		h ^= (unsigned char)*sql;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

static void
db_prep_name(u_int64_t id, char *name, size_t len)
{
	(void)snprintf(name, len, "sg_%016llx", (unsigned long long)id);
}

/* The table of a connection, emptied when its server process changed. */
static struct db_prepared *
db_prep_conn(PGconn *conn)
{
	struct db_prepared	*p;
	int			i, pid;

	pid = PQbackendPID(conn);
	for (i = 0; i < DB_PREP_CONNS; i++) {
		p = &db_prepared[i];
		if (p->conn != conn)
			continue;
		if (p->pid != pid) {
			p->pid = pid;
			p->count = 0;
		}
		return (p);
	}
	for (i = 0; i < DB_PREP_CONNS; i++) {
		if (db_prepared[i].conn == NULL)
			break;
	}
	if (i == DB_PREP_CONNS) {
		/* Forgetting costs a 42P05 on the next prepare, no more. */
		i = db_prepared_next;
		db_prepared_next = (db_prepared_next + 1) % DB_PREP_CONNS;
	}
	p = &db_prepared[i];
	p->conn = conn;
	p->pid = pid;
	p->count = 0;
	return (p);
}

static int
db_prep_known(struct db_prepared *p, u_int64_t id)
{
	int		i;

	for (i = 0; i < p->count; i++) {
		if (p->ids[i] == id)
			return (1);
	}
	return (0);
}

/* What pgsql_schedule() does in Kore, for a statement sent here. */
static void
db_prep_schedule(struct http_request *req, struct api_req *ar)
{
	kore_platform_schedule_read(PQsocket(ar->sql.conn->db), ar->sql.conn);
	ar->sql.state = KORE_PGSQL_STATE_WAIT;
	ar->sql.flags |= KORE_PGSQL_SCHEDULED;
	http_request_sleep(req);
}

static int
db_prep_exec(struct http_request *req, struct api_req *ar,
    const int *lengths, const int *formats)
{
	char		name[DB_PREP_NAME_LEN];

	db_prep_name(ar->prep_id, name, sizeof(name));
	if (!PQsendQueryPrepared(ar->sql.conn->db, name, ar->nqparams,
	    (const char * const *)ar->qparams, lengths, formats, ar->binary))
		return (KORE_RESULT_ERROR);
	db_prep_schedule(req, ar);
	return (KORE_RESULT_OK);
}

/*
 * Sends ar's statement on the connection Kore gave it: executed by name,
 * or prepared first (ar->preparing; db_prep_step() goes on), or unnamed
 * when the connection's table is full. KORE_RESULT_ERROR when it could
 * not be sent.
 */
int
db_prep_send(struct http_request *req, struct api_req *ar,
    const int *lengths, const int *formats)
{
	struct db_prepared	*p;
	PGconn			*conn;
	const char		*env;
	char			name[DB_PREP_NAME_LEN];

	if (db_prep_enabled == -1) {
		env = getenv("SG_DB_PREPARE");
		db_prep_enabled = env == NULL || strcmp(env, "0") != 0;
	}
	conn = ar->sql.conn->db;
	ar->prep_id = db_prep_id(ar->query);
	p = db_prep_conn(conn);
	if (db_prep_enabled && db_prep_known(p, ar->prep_id))
		return (db_prep_exec(req, ar, lengths, formats));
	if (!db_prep_enabled || p->count == DB_PREP_STMTS) {
		return (kore_pgsql_query_param_fields(&ar->sql, ar->query,
		    ar->binary, ar->nqparams, (const char **)ar->qparams,
		    (int *)lengths, (int *)formats));
	}

	db_prep_name(ar->prep_id, name, sizeof(name));
	if (!PQsendPrepare(conn, name, ar->query, ar->nqparams, NULL))
		return (KORE_RESULT_ERROR);
	ar->preparing = 1;
	db_prep_schedule(req, ar);
	return (KORE_RESULT_OK);
}

/*
 * The prepare's answer came (Kore read it: DONE, or ERROR): reads the
 * rest of it without blocking, then executes. Returns what the handler
 * returns; db_fail answers a prepare that failed.
 */
int
db_prep_step(struct http_request *req, struct api_req *ar,
    int (*fail)(struct http_request *, struct api_req *))
{
	struct db_prepared	*p;
	PGconn			*conn;
	PGresult		*res;
	const char		*state;
	int			lengths[DB_MAX_PARAMS], formats[DB_MAX_PARAMS];
	int			i, saved;

	if (ar->sql.state == KORE_PGSQL_STATE_WAIT)
		return (KORE_RESULT_RETRY);
	if (ar->sql.state == KORE_PGSQL_STATE_ERROR) {
		state = ar->sql.result == NULL ? NULL :
		    PQresultErrorField(ar->sql.result, PG_DIAG_SQLSTATE);
		if (state == NULL || strcmp(state, "42P05")) {
			ar->preparing = 0;
			return (fail(req, ar));
		}
	}
	if (ar->sql.result != NULL) {
		PQclear(ar->sql.result);
		ar->sql.result = NULL;
	}
	if (ar->sql.error != NULL) {
		kore_free(ar->sql.error);
		ar->sql.error = NULL;
	}

	/* Up to the end of the prepare's answer, as Kore reads one. */
	conn = ar->sql.conn->db;
	for (;;) {
		errno = 0;
		if (!PQconsumeInput(conn)) {
			ar->preparing = 0;
			return (fail(req, ar));
		}
		saved = errno;
		if (PQisBusy(conn)) {
			if (saved != EAGAIN && saved != EWOULDBLOCK)
				continue;
			ar->sql.conn->evt.flags &= ~KORE_EVENT_READ;
			ar->sql.state = KORE_PGSQL_STATE_WAIT;
			return (KORE_RESULT_RETRY);
		}
		if ((res = PQgetResult(conn)) == NULL)
			break;
		PQclear(res);
	}

	p = db_prep_conn(conn);
	if (!db_prep_known(p, ar->prep_id) && p->count < DB_PREP_STMTS)
		p->ids[p->count++] = ar->prep_id;
	ar->preparing = 0;

	for (i = 0; i < ar->nqparams; i++) {
		lengths[i] = ar->qparams[i] ? (int)strlen(ar->qparams[i]) : 0;
		formats[i] = 0;
	}
	if (!db_prep_exec(req, ar, lengths, formats))
		return (fail(req, ar));
	return (KORE_RESULT_RETRY);
}
