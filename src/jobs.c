/*
 * The job runner: work outside a request, claimed from the jobs table
 * (sql/functions/jobs.sql, docs/jobs.md).
 *
 * Each worker runs one runner on its event loop. It claims due jobs of the
 * kinds it has handlers for (FOR UPDATE SKIP LOCKED, so runners on many
 * servers never take the same row), runs each through its handler's steps,
 * and records the end: done, queued again after a backoff, or failed after
 * max_attempts. Every statement goes through Kore's async pgsql layer
 * bound to a callback, and blocking work through task threads, so the
 * worker keeps serving requests meanwhile.
 *
 * A claim gives the worker a lease on the job (locked_by, locked_until),
 * which it renews every third of the lease while the job runs. When a
 * worker dies, its leases run out and the next claim anywhere takes the
 * jobs over. A lease, not a lock held by the connection: a job would hold
 * a pooled connection and an open transaction for all its length (a PDF
 * being drawn on a task thread, a mail server that is slow), and a
 * connection that is reset after a database restart would silently free
 * its jobs while the worker still runs them. The lease also fences the
 * end: a worker whose job was taken over records nothing.
 *
 * Kore calls the pgsql callbacks from inside its own pgsql code, which
 * touches the statement again after the callback returns. So a callback
 * only notes what happened and kicks the runner; the runner advances jobs
 * from a timer, outside of Kore's stack.
 */

#include <sys/types.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "platform.h"
#include "jobs.h"
#include "jobs_policy.h"

/*
 * The kinds this server runs: a new kind is a handler and a line here.
 * Kinds named test_* run only when SG_TEST_JOBS names them.
 */
static const struct job_kind	jobs_kinds[] = {
	{ "certificate_issue",	certificate_issue_job,	0 },
	{ "quiz_deadline",	quiz_deadline_job,	0 },
	{ "mail_send",		mail_send_job,		0 },
	{ "test_record",	jobs_test_record,	0 },
	{ "test_fail",		jobs_test_fail,		0 },
	{ "test_long",		jobs_test_long,		0 },
	{ NULL,			NULL,			0 },
};

/* Settings, from the environment (docs/jobs.md has the defaults' why). */
static struct {
	uint64_t	concurrency;
	uint64_t	poll_ms;
	uint64_t	lease_ms;
	uint64_t	backoff_ms;
	uint64_t	backoff_max_ms;
	const char	*test_kinds;
} jobs_cfg;

static struct {
	int			started;
	char			worker[96];	/* host:pid, the lease holder */
	char			kinds[512];	/* text[] of the kinds run here */
	struct jobs_sql		claim;
	struct jobs_sql		beat;
	TAILQ_HEAD(, job)	jobs;
	uint64_t		running;
	uint64_t		asked;		/* by the claim in flight */
	uint64_t		last_beat;
	int			more;		/* the last claim was full */
	int			notified;	/* new jobs since that claim */
	int			kicked;
	int			claim_failing;
} jobs_run;

static void	jobs_setting(const char *, uint64_t, uint64_t, uint64_t,
		    uint64_t *);
static int	jobs_enabled(const struct job_kind *);
static const struct job_kind	*jobs_kind_find(const char *);
static void	jobs_tick(void *, u_int64_t);
static void	jobs_kick(void);
static void	jobs_kicked(void *, u_int64_t);
static void	jobs_pump(int);
static void	jobs_claim(void);
static void	jobs_claimed(void);
static void	jobs_beat(void);
static void	jobs_beaten(void);
static struct job	*jobs_job_new(int);
static void	jobs_job_start(struct job *);
static void	jobs_advance(struct job *);
static void	jobs_after(struct job *, int);
static void	jobs_finish(struct job *);
static void	jobs_finished(struct job *);
static void	jobs_job_free(struct job *);
static int	jobs_task_entry(struct kore_task *);
static void	jobs_task_done(struct kore_task *);
static void	jobs_sql_start(struct jobs_sql *, const char *, int,
		    const char **);
static void	jobs_sql_send(struct jobs_sql *);
static void	jobs_sql_cb(struct kore_pgsql *, void *);
static void	jobs_sql_failed(struct jobs_sql *, const char *);
static int	jobs_sql_ready(struct jobs_sql *);
static void	jobs_sql_clear(struct jobs_sql *);

/*
 * Reads the settings once, in each worker before its runner starts. A
 * value that is not a number in its range stops the server: a typo must
 * not leave jobs waiting an hour.
 */
void
jobs_configure(void)
{
	jobs_setting("SG_JOBS_CONCURRENCY", 4, 0, 64, &jobs_cfg.concurrency);
	jobs_setting("SG_JOBS_POLL_MS", 5000, 10, 3600000, &jobs_cfg.poll_ms);
	jobs_setting("SG_JOBS_LEASE_MS", 60000, 300, 86400000,
	    &jobs_cfg.lease_ms);
	jobs_setting("SG_JOBS_BACKOFF_MS", 10000, 1, 86400000,
	    &jobs_cfg.backoff_ms);
	jobs_setting("SG_JOBS_BACKOFF_MAX_MS", 3600000, 1, 604800000,
	    &jobs_cfg.backoff_max_ms);
	jobs_cfg.test_kinds = getenv("SG_TEST_JOBS");
}

static void
jobs_setting(const char *name, uint64_t fallback, uint64_t min,
    uint64_t max, uint64_t *out)
{
	const char	*v;

	*out = fallback;
	if ((v = getenv(name)) == NULL || *v == '\0')
		return;
	if (!jobs_parse_number(v, min, max, out))
		fatal("%s must be a whole number from %" PRIu64 " to %" PRIu64,
		    name, min, max);
}

/*
 * Starts this worker's runner: nothing when it may run no kind (or
 * SG_JOBS_CONCURRENCY is 0), so a server without handlers asks nothing.
 */
void
jobs_start(void)
{
	const struct job_kind	*k;
	struct kore_buf		buf;
	char			host[64];
	uint64_t		tick;

	if (jobs_run.started || jobs_cfg.concurrency == 0)
		return;

	kore_buf_init(&buf, 128);
	kore_buf_append(&buf, "{", 1);
	for (k = jobs_kinds; k->name != NULL; k++) {
		if (!jobs_enabled(k))
			continue;
		if (buf.offset > 1)
			kore_buf_append(&buf, ",", 1);
		kore_buf_appendf(&buf, "%s", k->name);
	}
	kore_buf_append(&buf, "}", 1);
	if (buf.offset >= sizeof(jobs_run.kinds))
		fatal("jobs: the names of the job kinds are too long");
	if (buf.offset == 2) {
		kore_buf_cleanup(&buf);
		return;
	}
	memcpy(jobs_run.kinds, buf.data, buf.offset);
	jobs_run.kinds[buf.offset] = '\0';
	kore_buf_cleanup(&buf);

	if (gethostname(host, sizeof(host)) == -1)
		(void)kore_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(jobs_run.worker, sizeof(jobs_run.worker), "%s:%d",
	    host, (int)getpid());

	TAILQ_INIT(&jobs_run.jobs);
	jobs_run.started = 1;

	/* Often enough to renew a lease three times before it runs out. */
	tick = jobs_cfg.poll_ms;
	if (tick > jobs_cfg.lease_ms / 3)
		tick = jobs_cfg.lease_ms / 3;
	kore_timer_add(jobs_tick, tick, NULL, 0);
	jobs_listen_poll();
	jobs_kick();
	kore_log(LOG_NOTICE, "jobs: runner started for %s", jobs_run.kinds);
}

/*
 * The worker stops: what it runs goes back to the queue. A claim still in
 * flight may hold jobs this worker will never see: wait for its end (the
 * event loop has stopped; blocking is fine), then hand back everything the
 * database says this worker holds.
 */
void
jobs_stop(void)
{
	PGresult	*res;

	if (!jobs_run.started)
		return;
	if (jobs_run.claim.active && jobs_run.claim.sql.conn != NULL) {
		while ((res = PQgetResult(jobs_run.claim.sql.conn->db)) != NULL)
			PQclear(res);
	}
	jobs_listen_release(jobs_run.worker);
}

static int
jobs_enabled(const struct job_kind *k)
{
	if (strncmp(k->name, "test_", 5) != 0)
		return (1);
	return (jobs_list_has(jobs_cfg.test_kinds, k->name));
}

static const struct job_kind *
jobs_kind_find(const char *name)
{
	const struct job_kind	*k;

	for (k = jobs_kinds; k->name != NULL; k++) {
		if (!strcmp(k->name, name))
			return (k);
	}
	return (NULL);
}

static void
jobs_tick(void *arg, u_int64_t now)
{
	jobs_pump(1);
}

/* New jobs came in (jobs_listen.c): claim on the next turn. */
void
jobs_notified(void)
{
	jobs_run.notified = 1;
	jobs_kick();
}

/* Runs the runner once more, soon, outside of whatever Kore is doing. */
static void
jobs_kick(void)
{
	if (jobs_run.kicked)
		return;
	jobs_run.kicked = 1;
	kore_timer_add(jobs_kicked, 0, NULL, KORE_TIMER_ONESHOT);
}

static void
jobs_kicked(void *arg, u_int64_t now)
{
	jobs_run.kicked = 0;
	jobs_pump(0);
}

/*
 * One turn of the runner: takes in what completed, moves every job on,
 * claims more when there is room (on the timer, or at once while the
 * claims come back full), and renews the leases when they are due.
 */
static void
jobs_pump(int polled)
{
	struct job	*j, *next;

	if (jobs_sql_ready(&jobs_run.claim))
		jobs_claimed();
	if (jobs_sql_ready(&jobs_run.beat))
		jobs_beaten();

	for (j = TAILQ_FIRST(&jobs_run.jobs); j != NULL; j = next) {
		next = TAILQ_NEXT(j, list);
		jobs_advance(j);
	}

	if (polled)
		jobs_listen_poll();
	if (polled || jobs_run.more || jobs_run.notified)
		jobs_claim();
	if (kore_time_ms() - jobs_run.last_beat >= jobs_cfg.lease_ms / 3)
		jobs_beat();
}

static void
jobs_claim(void)
{
	const char	*params[4];
	char		limit[24], lease[24];

	if (jobs_run.claim.active || jobs_run.claim.complete ||
	    jobs_run.running >= jobs_cfg.concurrency)
		return;

	jobs_run.asked = jobs_cfg.concurrency - jobs_run.running;
	(void)snprintf(limit, sizeof(limit), "%" PRIu64, jobs_run.asked);
	(void)snprintf(lease, sizeof(lease), "%" PRIu64, jobs_cfg.lease_ms);
	params[0] = jobs_run.kinds;
	params[1] = jobs_run.worker;
	params[2] = limit;
	params[3] = lease;
	jobs_run.more = 0;
	jobs_run.notified = 0;
	jobs_sql_start(&jobs_run.claim, "SELECT id, kind, payload, attempts "
	    "FROM jobs.claim($1, $2, $3, $4)", 4, params);
}

static void
jobs_claimed(void)
{
	struct job	*j;
	int		i, n;

	if (jobs_run.claim.error[0] != '\0') {
		/* Once per outage, not on every tick. */
		if (!jobs_run.claim_failing)
			kore_log(LOG_WARNING, "jobs: claim failed: %.200s",
			    jobs_run.claim.error);
		jobs_run.claim_failing = 1;
		jobs_sql_clear(&jobs_run.claim);
		return;
	}
	jobs_run.claim_failing = 0;

	n = jobs_run.claim.result ? PQntuples(jobs_run.claim.result) : 0;
	jobs_run.more = n > 0 && (uint64_t)n >= jobs_run.asked;
	for (i = 0; i < n; i++) {
		j = jobs_job_new(i);
		TAILQ_INSERT_TAIL(&jobs_run.jobs, j, list);
		jobs_job_start(j);
	}
	jobs_sql_clear(&jobs_run.claim);
}

static struct job *
jobs_job_new(int row)
{
	struct job	*j;
	PGresult	*res;

	res = jobs_run.claim.result;
	j = kore_calloc(1, sizeof(*j));
	j->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	(void)snprintf(j->id_text, sizeof(j->id_text), "%lld", j->id);
	(void)kore_strlcpy(j->kind, PQgetvalue(res, row, 1), sizeof(j->kind));
	j->payload = json_loads(PQgetvalue(res, row, 2), 0, NULL);
	if (j->payload == NULL || !json_is_object(j->payload)) {
		json_decref(j->payload);
		j->payload = json_object();
	}
	j->attempt = atoi(PQgetvalue(res, row, 3));
	j->handler = jobs_kind_find(j->kind);
	jobs_run.running++;
	return (j);
}

static void
jobs_job_start(struct job *j)
{
	if (j->handler == NULL) {
		/* Claimed only by name from jobs_kinds: cannot happen. */
		jobs_after(j, job_fail(j, "no handler for kind %s", j->kind));
		return;
	}
	if (j->handler->on_task)
		jobs_after(j, job_task(j, j->handler->entry, NULL));
	else
		jobs_after(j, j->handler->entry(j));
}

/* Moves a job on when its statement or task has completed. */
static void
jobs_advance(struct job *j)
{
	job_step	step;
	int		r;

	if (jobs_sql_ready(&j->op)) {
		if (j->finishing) {
			jobs_finished(j);
			return;
		}
		j->op.complete = 0;
		step = j->next;
		j->next = NULL;
		if (j->op.error[0] != '\0')
			r = job_fail(j, "%s", j->op.error);
		else
			r = step != NULL ? step(j) : JOB_DONE;
		jobs_after(j, r);
		return;
	}

	if (j->task_active &&
	    kore_task_state(&j->task) == KORE_TASK_STATE_FINISHED) {
		r = kore_task_result(&j->task);
		kore_task_destroy(&j->task);
		j->task_active = 0;
		step = j->next;
		j->next = NULL;
		if (r == JOB_DONE && step != NULL)
			r = step(j);
		else if (r != JOB_DONE && j->error[0] == '\0')
			r = job_fail(j, "its task failed");
		jobs_after(j, r);
	}
}

/* What a step returned: wait, or record the end of this attempt. */
static void
jobs_after(struct job *j, int r)
{
	if (r == JOB_PENDING) {
		if (j->op.active || j->task_active)
			return;
		r = job_fail(j, "a step said pending with nothing in flight");
	}
	if (r == JOB_DONE)
		j->error[0] = '\0';
	else if (j->error[0] == '\0')
		(void)kore_strlcpy(j->error, "failed", sizeof(j->error));
	jobs_finish(j);
}

static void
jobs_finish(struct job *j)
{
	const char	*params[5];
	char		attempt[16], retry[24];

	(void)snprintf(attempt, sizeof(attempt), "%d", j->attempt);
	(void)snprintf(retry, sizeof(retry), "%" PRIu64,
	    jobs_backoff_ms(j->attempt, jobs_cfg.backoff_ms,
	    jobs_cfg.backoff_max_ms, randombytes_random()));
	params[0] = j->id_text;
	params[1] = jobs_run.worker;
	params[2] = attempt;
	params[3] = j->error[0] != '\0' ? j->error : NULL;
	params[4] = retry;
	j->finishing = 1;
	jobs_sql_start(&j->op, "SELECT jobs.finish($1, $2, $3, $4, $5)",
	    5, params);
}

/*
 * The end is recorded (or could not be: then the lease runs out and the
 * job runs again elsewhere). Logs name the job, never its payload.
 */
static void
jobs_finished(struct job *j)
{
	const char	*state;

	if (j->op.error[0] != '\0') {
		kore_log(LOG_WARNING, "jobs: job %lld (%s) attempt %d: its end "
		    "was not recorded (%.120s); it runs again after its lease",
		    j->id, j->kind, j->attempt, j->op.error);
	} else if (j->op.result == NULL || PQntuples(j->op.result) != 1 ||
	    PQgetisnull(j->op.result, 0, 0)) {
		kore_log(LOG_NOTICE, "jobs: job %lld (%s) attempt %d was "
		    "taken over after its lease ran out", j->id, j->kind,
		    j->attempt);
	} else {
		state = PQgetvalue(j->op.result, 0, 0);
		if (strcmp(state, "done") != 0)
			kore_log(LOG_NOTICE, "jobs: job %lld (%s) attempt %d "
			    "failed, now %s", j->id, j->kind, j->attempt,
			    state);
	}
	jobs_job_free(j);
}

static void
jobs_job_free(struct job *j)
{
	TAILQ_REMOVE(&jobs_run.jobs, j, list);
	jobs_run.running--;
	jobs_sql_clear(&j->op);
	if (j->data != NULL && j->data_free != NULL)
		j->data_free(j->data);
	json_decref(j->payload);
	kore_free(j);
	/* Room for one more. */
	jobs_kick();
}

/* Renews the leases of the jobs this worker runs. */
static void
jobs_beat(void)
{
	struct kore_buf		buf;
	struct job		*j;
	const char		*params[3];
	char			lease[24], *ids;

	jobs_run.last_beat = kore_time_ms();
	if (jobs_run.running == 0 || jobs_run.beat.active ||
	    jobs_run.beat.complete)
		return;

	kore_buf_init(&buf, 64);
	kore_buf_append(&buf, "{", 1);
	TAILQ_FOREACH(j, &jobs_run.jobs, list) {
		if (buf.offset > 1)
			kore_buf_append(&buf, ",", 1);
		kore_buf_appendf(&buf, "%lld", j->id);
	}
	kore_buf_append(&buf, "}", 1);
	ids = kore_buf_stringify(&buf, NULL);

	(void)snprintf(lease, sizeof(lease), "%" PRIu64, jobs_cfg.lease_ms);
	params[0] = jobs_run.worker;
	params[1] = ids;
	params[2] = lease;
	jobs_sql_start(&jobs_run.beat,
	    "SELECT count(*) FROM jobs.extend($1, $2, $3)", 3, params);
	kore_buf_cleanup(&buf);
}

static void
jobs_beaten(void)
{
	if (jobs_run.beat.error[0] != '\0')
		kore_log(LOG_WARNING, "jobs: lease renewal failed: %.200s",
		    jobs_run.beat.error);
	jobs_sql_clear(&jobs_run.beat);
}

/*
 * The handlers' API ----------------------------------------------------------
 */

/* Runs query; next (or JOB_DONE when NULL) follows with its rows. */
int
job_sql(struct job *j, const char *query, int nparams, const char **params,
    job_step next)
{
	if (nparams > JOB_SQL_PARAMS)
		fatal("job_sql: too many parameters");
	j->next = next;
	jobs_sql_start(&j->op, query, nparams, params);
	return (JOB_PENDING);
}

/*
 * Runs work on a Kore task thread; next (or the end, when NULL) follows
 * on the event loop once work returned JOB_DONE.
 */
int
job_task(struct job *j, job_step work, job_step next)
{
	j->task_work = work;
	j->next = next;
	kore_task_create(&j->task, jobs_task_entry);
	kore_task_bind_callback(&j->task, jobs_task_done);
	j->task_active = 1;
	kore_task_run(&j->task);
	return (JOB_PENDING);
}

int
job_fail(struct job *j, const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	(void)vsnprintf(j->error, sizeof(j->error), fmt, ap);
	va_end(ap);
	if (j->error[0] == '\0')
		(void)kore_strlcpy(j->error, "failed", sizeof(j->error));
	return (JOB_FAILED);
}

int
job_rows(struct job *j)
{
	return (j->op.result != NULL ? PQntuples(j->op.result) : 0);
}

const char *
job_value(struct job *j, int row, int col)
{
	return (PQgetvalue(j->op.result, row, col));
}

static int
jobs_task_entry(struct kore_task *t)
{
	struct job	*j;

	j = (struct job *)((char *)t - offsetof(struct job, task));
	return (j->task_work(j));
}

static void
jobs_task_done(struct kore_task *t)
{
	jobs_kick();
}

/*
 * Statements ------------------------------------------------------------------
 */

static void
jobs_sql_start(struct jobs_sql *op, const char *query, int nparams,
    const char **params)
{
	char		*copies[JOB_SQL_PARAMS];
	int		i;

	/* Copy first: params may point into the previous result. */
	for (i = 0; i < nparams; i++)
		copies[i] = params[i] != NULL ? kore_strdup(params[i]) : NULL;
	jobs_sql_clear(op);
	for (i = 0; i < nparams; i++)
		op->params[i] = copies[i];
	op->nparams = nparams;
	op->query = query;

	kore_pgsql_init(&op->sql);
	kore_pgsql_bind_callback(&op->sql, jobs_sql_cb, op);
	op->active = 1;
	jobs_sql_send(op);
}

static void
jobs_sql_send(struct jobs_sql *op)
{
	int		lengths[JOB_SQL_PARAMS], formats[JOB_SQL_PARAMS], i;

	op->resend = 0;
	if (!kore_pgsql_setup(&op->sql, DB_NAME, KORE_PGSQL_ASYNC)) {
		/* INIT: every connection is busy; Kore calls back. */
		if (op->sql.state == KORE_PGSQL_STATE_INIT) {
			op->waiting = 1;
			return;
		}
		jobs_sql_failed(op, op->sql.error);
		return;
	}
	op->waiting = 0;
	db_revive_idle(&op->sql);

	for (i = 0; i < op->nparams; i++) {
		lengths[i] = op->params[i] ? (int)strlen(op->params[i]) : 0;
		formats[i] = 0;
	}
	if (!kore_pgsql_query_param_fields(&op->sql, op->query, 0,
	    op->nparams, (const char **)op->params, lengths, formats))
		jobs_sql_failed(op, op->sql.error);
}

/*
 * Kore's word on a statement. Called from inside Kore's pgsql code: note,
 * and let the runner act on its next turn.
 */
static void
jobs_sql_cb(struct kore_pgsql *sql, void *arg)
{
	struct jobs_sql		*op = arg;
	const char		*state, *msg;
	char			err[JOB_ERROR_MAX];

	switch (sql->state) {
	case KORE_PGSQL_STATE_INIT:
		op->resend = 1;
		jobs_kick();
		break;
	case KORE_PGSQL_STATE_WAIT:
	case KORE_PGSQL_STATE_NOTIFY:
		break;
	case KORE_PGSQL_STATE_RESULT:
		if (op->result != NULL)
			PQclear(op->result);
		op->result = sql->result;
		sql->result = NULL;
		kore_pgsql_continue(sql);
		break;
	case KORE_PGSQL_STATE_ERROR:
		state = msg = NULL;
		if (sql->result != NULL) {
			state = PQresultErrorField(sql->result,
			    PG_DIAG_SQLSTATE);
			msg = PQresultErrorField(sql->result,
			    PG_DIAG_MESSAGE_PRIMARY);
		}
		(void)snprintf(err, sizeof(err), "SQLSTATE %s: %s",
		    state ? state : "08000", msg ? msg :
		    (sql->error ? sql->error : "the statement failed"));
		jobs_sql_failed(op, err);
		break;
	case KORE_PGSQL_STATE_COMPLETE:
		op->active = 0;
		op->complete = 1;
		jobs_kick();
		break;
	default:
		kore_pgsql_continue(sql);
		break;
	}
}

static void
jobs_sql_failed(struct jobs_sql *op, const char *msg)
{
	if (op->error[0] == '\0')
		(void)kore_strlcpy(op->error, msg != NULL && *msg != '\0' ? msg :
		    "the statement failed", sizeof(op->error));
	if (op->result != NULL) {
		PQclear(op->result);
		op->result = NULL;
	}
	db_heal(&op->sql);
	kore_pgsql_cleanup(&op->sql);
	op->active = 0;
	op->waiting = 0;
	op->complete = 1;
	jobs_kick();
}

/*
 * Whether op has completed (its result or error is in). Sends it again
 * when a connection came free for it, and notices a statement whose
 * connection Kore closed under it (it tells the callback nothing then).
 */
static int
jobs_sql_ready(struct jobs_sql *op)
{
	if (op->active && op->resend)
		jobs_sql_send(op);
	if (op->active && !op->waiting && op->sql.conn == NULL &&
	    op->sql.state == KORE_PGSQL_STATE_ERROR)
		jobs_sql_failed(op, op->sql.error);
	return (op->complete);
}

static void
jobs_sql_clear(struct jobs_sql *op)
{
	int		i;

	/* Also when idle: it frees an error Kore kept. */
	op->active = 0;
	kore_pgsql_cleanup(&op->sql);
	if (op->result != NULL) {
		PQclear(op->result);
		op->result = NULL;
	}
	for (i = 0; i < op->nparams; i++) {
		kore_free(op->params[i]);
		op->params[i] = NULL;
	}
	op->nparams = 0;
	op->complete = 0;
	op->waiting = 0;
	op->resend = 0;
	op->error[0] = '\0';
}
