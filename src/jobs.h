/*
 * Background jobs: the runner's API for job handlers (docs/jobs.md).
 *
 * A kind of job is one handler function and one line in jobs.c's table.
 * The runner calls the handler's entry with the claimed job; the entry
 * (and every step after it) returns one of:
 *
 *   JOB_DONE		the job succeeded;
 *   job_fail(j, ...)	it failed: retried later with backoff, or failed
 *			for good after its max_attempts;
 *   job_sql(j, ...)	a statement is in flight: its continuation runs
 *			when the rows are in (job_rows, job_value);
 *   job_task(j, ...)	work is running on a Kore task thread.
 *
 * Entries on the event loop must not block; a kind whose entry blocks
 * (CPU work) says so in the table and its entry runs on a task thread,
 * where it may only compute and return JOB_DONE or job_fail().
 *
 * A job can run more than once when a worker dies between its work and
 * the record of its end: handlers must be idempotent (a unique key on
 * what they write makes a second run a no-op).
 */

#ifndef __H_JOBS_H
#define __H_JOBS_H

#include "platform.h"

#define JOB_DONE		1
#define JOB_FAILED		2
#define JOB_PENDING		3

#define JOB_KIND_MAX		64
#define JOB_ERROR_MAX		512
#define JOB_SQL_PARAMS		8

struct job;
typedef int	(*job_step)(struct job *);

struct job_kind {
	const char	*name;
	job_step	entry;
	int		on_task;	/* entry blocks: run it on a task thread */
};

/* One statement in flight, driven by Kore's pgsql callbacks. */
struct jobs_sql {
	struct kore_pgsql	sql;
	int			active;
	int			waiting;	/* for a pool connection */
	int			resend;		/* a connection came free */
	int			complete;
	const char		*query;
	char			*params[JOB_SQL_PARAMS];
	int			nparams;
	PGresult		*result;
	char			error[JOB_ERROR_MAX];	/* "" when it worked */
};

struct job {
	long long		id;
	char			id_text[24];
	char			kind[JOB_KIND_MAX];
	int			attempt;	/* 1 on the first run */
	json_t			*payload;	/* an object */
	char			error[JOB_ERROR_MAX];
	/* The handler's own state across steps; freed with the job. */
	void			*data;
	void			(*data_free)(void *);

	/* The runner's: what is in flight and what runs next. */
	const struct job_kind	*handler;
	struct jobs_sql		op;
	struct kore_task	task;
	int			task_active;
	job_step		task_work;
	job_step		next;
	int			finishing;
	TAILQ_ENTRY(job)	list;
};

int		job_sql(struct job *, const char *, int, const char **,
		    job_step);
int		job_task(struct job *, job_step, job_step);
int		job_fail(struct job *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		job_rows(struct job *);
const char	*job_value(struct job *, int, int);

/* app.c: settings once in the parent, the runner in each worker. */
void		jobs_configure(void);
void		jobs_start(void);

void		jobs_stop(void);

/* jobs_listen.c: wakes the runner (jobs_notified) when jobs come in. */
void		jobs_listen_poll(void);
void		jobs_listen_release(const char *);
void		jobs_notified(void);

/* certificates.c: the kinds of the domains. */
int		certificate_issue_job(struct job *);
/* quiz_attempts.c */
int		quiz_deadline_job(struct job *);
/* mail_send.c */
int		mail_send_job(struct job *);

/* jobs_testkinds.c: kinds only the test suite enables (SG_TEST_JOBS). */
int		jobs_test_record(struct job *);
int		jobs_test_fail(struct job *);
int		jobs_test_long(struct job *);

#endif
