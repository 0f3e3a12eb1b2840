/*
 * The job runner's own connection. It LISTENs on the channel the jobs
 * table's insert trigger NOTIFYs (sql/functions/jobs.sql), so new work
 * starts at once instead of at the next poll; and when the worker stops, it
 * hands the worker's running jobs back. It also LISTENs on 'certificates'
 * (sql/functions/certificates.sql): a certificate changed, so the answers
 * the workers keep are stale (the shared generation moves, verifycache.c).
 *
 * The connection sits outside Kore's pool (a pooled one is lent to
 * statements and would lose its LISTEN to a reset), on the worker's event
 * loop like any socket. It is only a hint: a lost notification or a broken
 * connection costs latency, never a job, because the runner polls anyway.
 * While the connection is down the runner tries again every
 * JOBS_LISTEN_RETRY_MS; like Kore's own pool, libpq connects synchronously,
 * bounded by connect_timeout.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "platform.h"
#include "jobs.h"

#define JOBS_LISTEN_RETRY_MS	5000

static struct {
	struct kore_event	evt;	/* first: Kore's event loop calls it */
	PGconn			*conn;
	int			fd;
	uint64_t		retry_at;
	int			failing;
} listener;

static void	jobs_listen_open(void);
static void	jobs_listen_event(void *, int);
static int	jobs_listen_drain(void);
static void	jobs_listen_close(void);

/*
 * The worker stops (Kore's teardown, after its event loop): the jobs it
 * runs go back to the queue at once, without counting the attempt, rather
 * than waiting for their leases to run out. Blocking is fine by now. When
 * the connection is down, the leases do the same, later.
 */
void
jobs_listen_release(const char *worker)
{
	const char	*params[1];
	PGresult	*res;

	if (listener.conn == NULL)
		return;
	params[0] = worker;
	(void)PQsetnonblocking(listener.conn, 0);
	res = PQexecParams(listener.conn, "SELECT jobs.release($1)", 1, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		kore_log(LOG_WARNING, "jobs: could not hand back the running "
		    "jobs; their leases will");
	else if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
		kore_log(LOG_NOTICE, "jobs: handed back %s running job(s)",
		    PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* Connects when down (at most every JOBS_LISTEN_RETRY_MS), and reads. */
void
jobs_listen_poll(void)
{
	if (listener.conn == NULL) {
		jobs_listen_open();
		return;
	}
	/* Edges can be missed under load: read on every tick too. */
	if (!jobs_listen_drain())
		jobs_listen_close();
}

static void
jobs_listen_open(void)
{
	static const char *const keys[] = { "dbname", "connect_timeout",
	    "application_name", NULL };
	const char		*values[4];
	u_int64_t		now;

	now = kore_time_ms();
	if (now < listener.retry_at)
		return;
	listener.retry_at = now + JOBS_LISTEN_RETRY_MS;

	/*
	 * The URL is expanded; the keys after it override its own. Behind
	 * PgBouncer in transaction mode a LISTEN is lost with its
	 * transaction: SG_LISTEN_DATABASE_URL then names the server itself
	 * (docs/deploy.md#pgbouncer).
	 */
	if ((values[0] = getenv("SG_LISTEN_DATABASE_URL")) == NULL ||
	    *values[0] == '\0')
		values[0] = getenv("DATABASE_URL");
	values[1] = "2";
	values[2] = "safeguard-jobs";
	values[3] = NULL;
	listener.conn = PQconnectdbParams(keys, values, 1);
	if (listener.conn == NULL || PQstatus(listener.conn) != CONNECTION_OK ||
	    PQsetnonblocking(listener.conn, 1) == -1 ||
	    !PQsendQuery(listener.conn, "LISTEN jobs; LISTEN certificates")) {
		if (!listener.failing)
			kore_log(LOG_WARNING, "jobs: cannot listen for new "
			    "jobs (polling meanwhile)");
		listener.failing = 1;
		PQfinish(listener.conn);
		listener.conn = NULL;
		return;
	}
	if (listener.failing)
		kore_log(LOG_NOTICE, "jobs: listening for new jobs again");
	listener.failing = 0;

	listener.fd = PQsocket(listener.conn);
	listener.evt.type = KORE_TYPE_PGSQL_CONN;
	listener.evt.flags = 0;
	listener.evt.handle = jobs_listen_event;
	kore_platform_schedule_read(listener.fd, &listener);
	/* Jobs inserted, certificates changed while nobody listened. */
	jobs_notified();
	pubcache_invalidate();
}

static void
jobs_listen_event(void *arg, int error)
{
	if (error || !jobs_listen_drain())
		jobs_listen_close();
}

/*
 * Reads what arrived: notifications wake the runner, results (LISTEN's
 * own) are dropped. Returns 0 when the connection is broken.
 */
static int
jobs_listen_drain(void)
{
	PGnotify	*n;
	PGresult	*res;
	int		woke, ok;

	if (!PQconsumeInput(listener.conn))
		return (0);
	woke = 0;
	while ((n = PQnotifies(listener.conn)) != NULL) {
		if (strcmp(n->relname, "certificates") == 0)
			pubcache_invalidate();
		else
			woke = 1;
		PQfreemem(n);
	}
	ok = 1;
	while (!PQisBusy(listener.conn) &&
	    (res = PQgetResult(listener.conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			ok = 0;
		PQclear(res);
	}
	if (woke)
		jobs_notified();
	return (ok && PQstatus(listener.conn) == CONNECTION_OK);
}

static void
jobs_listen_close(void)
{
	if (listener.conn == NULL)
		return;
	kore_platform_disable_read(listener.fd);
	PQfinish(listener.conn);
	listener.conn = NULL;
	listener.retry_at = kore_time_ms() + JOBS_LISTEN_RETRY_MS;
	kore_log(LOG_NOTICE, "jobs: the listening connection closed");
}
