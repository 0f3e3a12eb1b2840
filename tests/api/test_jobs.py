"""The job runner (src/jobs.c, sql/functions/jobs.sql): claims shared by two
servers on one database, retries with backoff, a worker killed mid-job, the
lease that fences a late worker, and the admins' counts.

The test server runs the test kinds test_record and test_fail
(SG_TEST_JOBS, scripts/run-tests); the tests start second servers of their
own on the main port + 10 and + 11, with their own logs, so a worker killed
here never shows in out/server.log.
"""
import contextlib
import os
import re
import signal
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import BASE, query, url, wait_for
from servers import OUT, group_members, start_server

MAIN_PORT = urllib.parse.urlsplit(BASE).port
TEST_FAIL_ERROR = "test_fail: this job always fails"
LOST_ERROR = "attempt 1 lost its worker (lease expired)"
BAD_LOG = re.compile(r"AddressSanitizer|runtime error:|LeakSanitizer|seccomp violation|"
                     r"sandbox violation")


@pytest.fixture(autouse=True)
def job_test_runs(db):
    """What the test kinds write: one row a run."""
    query(db, "CREATE TABLE IF NOT EXISTS job_test_runs (id bigserial PRIMARY KEY, "
              "job_id bigint NOT NULL, pid int NOT NULL, ppid int NOT NULL, "
              "attempt int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())")


def enqueue(db, kind, payload="{}", max_attempts=5):
    return query(db, "SELECT jobs.enqueue(%s, %s::jsonb, NULL, now(), %s)",
                 kind, payload, max_attempts)[0][0]


def job(db, job_id):
    return query(db, "SELECT state, attempts, last_error, locked_by, finished_at "
                     "FROM jobs WHERE id = %s", job_id)[0]


def state_of(db, job_id):
    return query(db, "SELECT state FROM jobs WHERE id = %s", job_id)[0][0]


def stop_group(proc):
    """Stops Kore and waits for its workers too: under seccomp_tracing the
    parent can report a worker gone (a ptrace stop) and leave while the
    worker still hands its jobs back and holds the port."""
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    while proc.poll() is None or group_members(proc.pid, zombies=False):
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            pytest.fail(f"the server {proc.pid} did not stop within 10 s")
        time.sleep(0.05)


@contextlib.contextmanager
def second_server(port, kinds, **settings):
    """Another server on the same database running the test kinds named
    (settings: more environment); its Popen (pid: Kore's parent), with the
    path of its own log. The log must show no sanitizer report or sandbox
    violation."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[-1].split(" ")[0]
    log_path = os.path.join(OUT, f"jobs-{port}-{test or 'server'}.log")
    with open(log_path, "w") as log:
        proc = start_server(port, log, "jobs", SG_TEST_JOBS=kinds, **settings)
        try:
            proc.log_path = log_path
            yield proc
        finally:
            stop_group(proc)
    with open(log_path) as f:
        bad = [line for line in f if BAD_LOG.search(line)]
    assert not bad, f"{log_path}: {bad[:5]}"


def test_a_thousand_jobs_on_two_servers_run_once_each(db):
    orphan = enqueue(db, "no_runner_has_this")
    with second_server(MAIN_PORT + 10, "test_record") as second:
        ids = [r[0] for r in query(
            db, "INSERT INTO jobs (kind, payload) SELECT 'test_record', "
                "jsonb_build_object('n', g) FROM generate_series(1, 1000) g RETURNING id")]
        wait_for(lambda: query(db, "SELECT count(*) FROM jobs WHERE id = ANY(%s) "
                                   "AND state = 'done'", ids)[0][0] == 1000,
                 "the 1000 jobs to be done", timeout=120)
    runs = query(db, "SELECT job_id, count(*), min(attempt) FROM job_test_runs "
                     "WHERE job_id = ANY(%s) GROUP BY job_id", ids)
    assert len(runs) == 1000
    assert [r for r in runs if r[1] != 1 or r[2] != 1] == []
    ends = query(db, "SELECT state, attempts, last_error, locked_by, locked_until, "
                     "finished_at IS NOT NULL, count(*) FROM jobs WHERE id = ANY(%s) "
                     "GROUP BY 1, 2, 3, 4, 5, 6", ids)
    assert ends == [("done", 1, None, None, None, True, 1000)]
    # Both servers ran some: their workers' parents are the two Kore parents.
    parents = {p for (p,) in query(db, "SELECT DISTINCT ppid FROM job_test_runs "
                                       "WHERE job_id = ANY(%s)", ids)}
    assert second.pid in parents
    main = os.environ.get("SG_SERVER_PID")
    if main:
        assert int(main) in parents
    assert len(parents) == 2
    # A kind no runner has a handler for is never claimed.
    assert job(db, orphan)[:3] == ("queued", 0, None)


def test_a_job_failing_three_times_ends_failed_with_its_error(db):
    job_id = enqueue(db, "test_fail", max_attempts=3)
    wait_for(lambda: state_of(db, job_id) == "failed", "the job to fail for good", timeout=30)
    state, attempts, error, locked_by, finished_at = job(db, job_id)
    assert (state, attempts, error, locked_by) == ("failed", 3, TEST_FAIL_ERROR, None)
    assert finished_at is not None


def test_a_failing_statement_fails_the_attempt_with_its_sqlstate(db):
    job_id = enqueue(db, "test_fail", '{"in_sql": true}', max_attempts=2)
    wait_for(lambda: state_of(db, job_id) == "failed", "the job to fail for good", timeout=30)
    assert job(db, job_id)[:4] == ("failed", 2, "SQLSTATE 22012: division by zero", None)


def test_a_job_whose_worker_is_killed_mid_run_runs_again(db):
    with second_server(MAIN_PORT + 11, "test_long") as server:
        job_id = enqueue(db, "test_long", '{"seconds": 600}')
        wait_for(lambda: query(db, "SELECT count(*) FROM job_test_runs WHERE job_id = %s",
                               job_id)[0][0] == 1, "the long job to start", timeout=30)
        [(pid, ppid, attempt)] = query(db, "SELECT pid, ppid, attempt FROM job_test_runs "
                                           "WHERE job_id = %s", job_id)
        assert ppid == server.pid and attempt == 1
        assert job(db, job_id)[:2] == ("running", 1)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: state_of(db, job_id) == "done", "the job to run again", timeout=60)
        runs = query(db, "SELECT pid, attempt FROM job_test_runs WHERE job_id = %s "
                         "ORDER BY attempt", job_id)
    assert [a for _, a in runs] == [1, 2]
    assert runs[1][0] != pid
    state, attempts, error, locked_by, _ = job(db, job_id)
    assert (state, attempts, error, locked_by) == ("done", 2, LOST_ERROR, None)
    with open(server.log_path) as f:
        assert "restarting worker" in f.read()


def test_a_server_that_stops_hands_its_running_jobs_back(db):
    with second_server(MAIN_PORT + 11, "test_long") as server:
        job_id = enqueue(db, "test_long", '{"seconds": 600}')
        wait_for(lambda: query(db, "SELECT count(*) FROM job_test_runs WHERE job_id = %s",
                               job_id)[0][0] == 1, "the long job to start", timeout=30)
        assert job(db, job_id)[:2] == ("running", 1)
    # Queued again at once (no lease to wait out), the attempt not counted.
    state, attempts, error, locked_by, _ = job(db, job_id)
    assert (state, attempts, error, locked_by) == ("queued", 0, None, None)
    # No other server runs test_long: nothing else of this test runs it.
    query(db, "DELETE FROM jobs WHERE id = %s", job_id)


def test_a_new_job_wakes_the_runner_without_waiting_for_its_poll(db):
    # Polls a minute apart (lease/3 too): only the NOTIFY of the insert
    # can start the job within the few seconds allowed.
    with second_server(MAIN_PORT + 11, "test_long", SG_JOBS_POLL_MS="60000",
                       SG_JOBS_LEASE_MS="180000") as server:
        wait_for(lambda: query(db, "SELECT count(*) FROM pg_stat_activity WHERE "
                                   "application_name = 'safeguard-jobs' AND query = "
                                   "'LISTEN jobs; LISTEN certificates' "
                                   "AND state = 'idle'")[0][0] >= 2,
                 "both workers of the server to listen")
        started = time.monotonic()
        job_id = enqueue(db, "test_long", '{"seconds": 1}')
        wait_for(lambda: query(db, "SELECT count(*) FROM job_test_runs WHERE job_id = %s",
                               job_id)[0][0] == 1, "the job to start", timeout=10)
        assert time.monotonic() - started < 10
        wait_for(lambda: state_of(db, job_id) == "done", "the job to end", timeout=10)
    [(ppid, attempt)] = query(db, "SELECT ppid, attempt FROM job_test_runs WHERE job_id = %s",
                              job_id)
    assert ppid == server.pid and attempt == 1


# -- the SQL the runner calls, driven by hand with a kind no server runs -------------

def sql_kind():
    return "sqltest_" + uuid.uuid4().hex[:10]


def claim(db, kind, worker, limit=10, lease_ms=60000):
    return query(db, "SELECT id, kind, payload, attempts FROM jobs.claim(%s, %s, %s, %s)",
                 [kind], worker, limit, lease_ms)


def finish(db, job_id, worker, attempt, error=None, retry_ms=5000):
    return query(db, "SELECT jobs.finish(%s, %s, %s, %s, %s)",
                 job_id, worker, attempt, error, retry_ms)[0][0]


def test_a_failed_attempt_waits_its_backoff_and_the_last_one_fails(db):
    kind = sql_kind()
    job_id = enqueue(db, kind, '{"x": 1}', max_attempts=2)
    assert claim(db, kind, "w1") == [(job_id, kind, {"x": 1}, 1)]
    assert claim(db, kind, "w2") == []             # running: nobody else gets it
    assert finish(db, job_id, "w1", 1, "boom", retry_ms=5000) == "queued"
    row = query(db, "SELECT state, last_error, run_at - now() > interval '4.9 s', "
                    "locked_by FROM jobs WHERE id = %s", job_id)[0]
    assert row == ("queued", "boom", True, None)
    assert claim(db, kind, "w1") == []             # not due yet
    query(db, "UPDATE jobs SET run_at = now() WHERE id = %s", job_id)
    assert [r[3] for r in claim(db, kind, "w2")] == [2]
    assert finish(db, job_id, "w2", 2, "boom again") == "failed"
    assert job(db, job_id)[:4] == ("failed", 2, "boom again", None)


def test_an_expired_lease_is_taken_over_and_fences_the_late_worker(db):
    kind = sql_kind()
    job_id = enqueue(db, kind, max_attempts=2)
    assert len(claim(db, kind, "slow", lease_ms=60000)) == 1
    # Renewal keeps it; a worker that does not hold it renews nothing.
    assert query(db, "SELECT count(*) FROM jobs.extend('slow', %s, 60000)", [job_id])[0][0] == 1
    assert query(db, "SELECT count(*) FROM jobs.extend('other', %s, 60000)", [job_id])[0][0] == 0
    query(db, "UPDATE jobs SET locked_until = now() - interval '1 s' WHERE id = %s", job_id)
    assert [r[3] for r in claim(db, kind, "fast")] == [2]
    assert job(db, job_id)[2] == LOST_ERROR
    # The slow worker's late end changes nothing; the new holder's counts.
    assert finish(db, job_id, "slow", 1) is None
    assert finish(db, job_id, "fast", 2) == "done"
    assert job(db, job_id)[:2] == ("done", 2)


def test_a_lost_last_attempt_fails_instead_of_running_again(db):
    kind = sql_kind()
    job_id = enqueue(db, kind, max_attempts=1)
    assert len(claim(db, kind, "w1")) == 1
    query(db, "UPDATE jobs SET locked_until = now() - interval '1 s' WHERE id = %s", job_id)
    assert claim(db, kind, "w2") == []
    assert job(db, job_id)[:4] == ("failed", 1, LOST_ERROR, None)


def test_a_dedupe_key_enqueues_once(db):
    kind = sql_kind()
    key = kind + ":one"
    first = query(db, "SELECT jobs.enqueue(%s, '{}', %s)", kind, key)[0][0]
    again = query(db, "SELECT jobs.enqueue(%s, '{}', %s)", kind, key)[0][0]
    assert first is not None and again is None
    assert query(db, "SELECT count(*) FROM jobs WHERE dedupe_key = %s", key)[0][0] == 1


# -- GET /api/v1/admin/jobs --------------------------------------------------------------

def test_admins_see_the_counts_by_kind_and_state(db, admin):
    kind = sql_kind()
    ids = [enqueue(db, kind) for _ in range(4)]
    query(db, "UPDATE jobs SET state = 'done', finished_at = now() WHERE id = %s", ids[0])
    query(db, "UPDATE jobs SET state = 'failed', finished_at = now() WHERE id = %s", ids[1])
    query(db, "UPDATE jobs SET run_at = now() + interval '1 hour' WHERE id = %s", ids[2])
    r = admin.get("/api/v1/admin/jobs")
    assert r.status_code == 200, r.text
    [mine] = [k for k in r.json()["kinds"] if k["kind"] == kind]
    assert {k: mine[k] for k in ("queued", "running", "done", "failed")} == \
        {"queued": 2, "running": 0, "done": 1, "failed": 1}
    assert mine["oldest_due_at"] is not None       # ids[3] is due
    names = [k["kind"] for k in r.json()["kinds"]]
    assert names == sorted(names)


def test_learners_and_instructors_may_not_see_the_jobs(learner, instructor):
    for client in (learner, instructor):
        r = client.get("/api/v1/admin/jobs")
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert requests.get(url("/api/v1/admin/jobs")).status_code == 401
