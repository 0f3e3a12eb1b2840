/*
 * Job kinds for the test suite only (tests/api/test_jobs.py). The runner
 * runs a test_* kind only when SG_TEST_JOBS names it, which scripts/run-tests
 * and the tests' own servers do; no other configuration sets it.
 *
 *   test_record  records its run (job, worker pid, parent pid, attempt)
 *                in job_test_runs, a table the tests create;
 *   test_fail    always fails with the same error, or with a statement's
 *                when payload.in_sql is true;
 *   test_long    records its run, then on its first attempt sleeps
 *                payload.seconds (default 60) on a task thread, so a test
 *                can kill its worker mid-run; later attempts end at once.
 */

#include <sys/types.h>

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"
#include "jobs.h"

#define TEST_FAIL_ERROR		"test_fail: this job always fails"

static int	test_record_run(struct job *, job_step);
static int	test_long_sleep(struct job *);
static int	test_long_work(struct job *);

int
jobs_test_record(struct job *j)
{
	return (test_record_run(j, NULL));
}

int
jobs_test_fail(struct job *j)
{
	if (json_is_true(json_object_get(j->payload, "in_sql")))
		return (job_sql(j, "SELECT 1 / 0", 0, NULL, NULL));
	return (job_fail(j, "%s", TEST_FAIL_ERROR));
}

int
jobs_test_long(struct job *j)
{
	return (test_record_run(j, test_long_sleep));
}

static int
test_record_run(struct job *j, job_step next)
{
	const char	*params[4];
	char		pid[16], ppid[16], attempt[16];

	(void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
	(void)snprintf(ppid, sizeof(ppid), "%d", (int)getppid());
	(void)snprintf(attempt, sizeof(attempt), "%d", j->attempt);
	params[0] = j->id_text;
	params[1] = pid;
	params[2] = ppid;
	params[3] = attempt;
	return (job_sql(j, "INSERT INTO job_test_runs (job_id, pid, ppid, "
	    "attempt) VALUES ($1, $2, $3, $4)", 4, params, next));
}

static int
test_long_sleep(struct job *j)
{
	if (j->attempt > 1)
		return (JOB_DONE);
	return (job_task(j, test_long_work, NULL));
}

/* On a task thread: blocking is what it is for. */
static int
test_long_work(struct job *j)
{
	struct timespec	ts;
	json_int_t	seconds;

	seconds = json_integer_value(json_object_get(j->payload, "seconds"));
	if (seconds <= 0 || seconds > 3600)
		seconds = 60;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) == -1)
		;
	return (JOB_DONE);
}
