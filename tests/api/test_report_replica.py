"""Reports read from a read replica (issue 24): a streaming standby of the
private cluster, made by pg_basebackup -R into var/ and started here on
127.0.0.1 (main port + 14), and a second server (main port + 15) whose
REPORTS_DATABASE_URL names it. With the standby's replay paused, writes
made through that server land on the primary (a standby would refuse
them), while its reports still answer as of the pause; resumed, they
catch up. The server's report connection is seen on the standby, which is
in recovery."""
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse

import psycopg2
import psycopg2.extensions
import pytest
import requests

from conftest import BASE, DATABASE_URL, PASSWORD, ROOT, new_user, query, wait_for
from courses import beat, lessons_of, published_course
from servers import OUT, port_free, start_server
from test_jobs import BAD_LOG, stop_group

MAIN_PORT = urllib.parse.urlsplit(BASE).port
STANDBY_PORT = MAIN_PORT + 14
SERVER_PORT = MAIN_PORT + 15
PGBIN = "/usr/lib/postgresql/15/bin"


def as_owner(argv):
    """PostgreSQL refuses to run as root: as scripts/db does, run its
    programs as the postgres user then."""
    return ["runuser", "-u", "postgres", "--"] + argv if os.getuid() == 0 else argv


def primary_params():
    p = psycopg2.extensions.parse_dsn(DATABASE_URL)
    return {k: v for k, v in p.items() if k in ("host", "port", "user", "hostaddr")}


def replica_dir():
    """var/replica, next to the cluster's data (scripts/db keeps the data
    outside var/ when postgres cannot reach it: then beside it there)."""
    data = os.path.realpath(os.path.join(ROOT, "var", "pgdata"))
    return os.path.join(os.path.dirname(data), "replica")


def run(argv, timeout):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{argv[-1]}: {r.stderr or r.stdout}"


def standby_pid(data):
    with open(os.path.join(data, "postmaster.pid")) as f:
        return int(f.readline())


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


@contextlib.contextmanager
def standby():
    """A streaming standby of the primary, on 127.0.0.1:STANDBY_PORT only;
    yields its URL for the test database. Stopped by its pid."""
    assert port_free(STANDBY_PORT), f"port {STANDBY_PORT} is taken"
    data = replica_dir()
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data, mode=0o700)
    if os.getuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    conninfo = " ".join(f"{k}='{v}'" for k, v in primary_params().items())
    run(as_owner([f"{PGBIN}/pg_basebackup", "-d", conninfo, "-D", data, "-R",
                  "-X", "stream", "--checkpoint=fast", "--no-sync"]), 120)
    # Its own place: TCP on 127.0.0.1 only, no socket beside the primary's.
    with open(os.path.join(data, "postgresql.conf"), "a") as f:
        f.write(f"\n# tests/api/test_report_replica.py\nport = {STANDBY_PORT}\n"
                "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                "hot_standby = on\n")
    log = os.path.join(OUT, "replica-postgresql.log")
    subprocess.run(["touch", log], check=True)
    if os.getuid() == 0:
        shutil.chown(log, "postgres", "postgres")
    run(as_owner([f"{PGBIN}/pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "start"]), 90)
    pid = standby_pid(data)
    dbname = psycopg2.extensions.parse_dsn(DATABASE_URL)["dbname"]
    user = primary_params()["user"]
    try:
        yield f"postgresql://{user}@127.0.0.1:{STANDBY_PORT}/{dbname}"
    finally:
        os.kill(pid, signal.SIGINT)     # a fast shutdown
        deadline = time.monotonic() + 30
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(pid):
            os.kill(pid, signal.SIGQUIT)
            pytest.fail(f"the standby {pid} did not stop within 30 s")
        shutil.rmtree(data, ignore_errors=True)


@contextlib.contextmanager
def reports_server(replica_url):
    log_path = os.path.join(OUT, f"replica-server-{SERVER_PORT}.log")
    with open(log_path, "w") as log:
        proc = start_server(SERVER_PORT, log, "replica", REPORTS_DATABASE_URL=replica_url)
        try:
            yield f"http://127.0.0.1:{SERVER_PORT}"
        finally:
            stop_group(proc)
    with open(log_path) as f:
        bad = [line for line in f if BAD_LOG.search(line)]
    assert not bad, f"{log_path}: {bad[:5]}"


class Remote:
    """A client signed in on another server than the suite's."""

    def __init__(self, base, email):
        self.base = base
        self.http = requests.Session()
        r = self.http.post(base + "/api/v1/auth/login",
                           json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.user_id = r.json()["user"]["id"]
        self.http.headers["Authorization"] = "Bearer " + r.json()["access_token"]

    def get(self, path, **kw):
        return self.http.get(self.base + path, **kw)

    def post(self, path, **kw):
        return self.http.post(self.base + path, **kw)

    def put(self, path, **kw):
        return self.http.put(self.base + path, **kw)


def caught_up(db, replica):
    """Waits until the standby has replayed everything the primary wrote."""
    lsn = query(db, "SELECT pg_current_wal_lsn()")[0][0]
    wait_for(lambda: query(replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                           lsn)[0][0], "the standby to catch up")


def enrolled(client, slug):
    r = client.get(f"/api/v1/admin/reports/summary?course={slug}")
    assert r.status_code == 200, r.text
    courses = r.json()["courses"]
    assert [c["slug"] for c in courses] == [slug]
    return courses[0]["enrolled"]


def counted(client, slug):
    r = client.get(f"/api/v1/admin/reports/completions/count?course={slug}")
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def streamed(client, slug):
    """The learners' addresses in the streamed report (NDJSON), sorted."""
    r = client.get(f"/api/v1/admin/reports/completions?course={slug}&format=ndjson")
    assert r.status_code == 200, r.text
    return sorted(json.loads(line)["email"].lower() for line in r.text.splitlines() if line)


def report_backends(replica, dbname):
    """The app's connections on the standby (the suite's own connection
    here is psycopg2's, with no application name)."""
    return query(replica, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                          "AND application_name = 'safeguard' AND backend_type = 'client backend'",
                 dbname)[0][0]


def test_reports_read_the_replica_and_writes_stay_on_the_primary(db, instructor, admin, learner):
    assert query(db, "SHOW wal_level")[0][0] in ("replica", "logical")
    slug = published_course(instructor)
    lesson = lessons_of(slug)[0]["id"]
    # One learner enrolled before the standby is made.
    assert learner.post(f"/api/v1/courses/{slug}/enrollment").status_code in (200, 201)
    dbname = psycopg2.extensions.parse_dsn(DATABASE_URL)["dbname"]

    with standby() as replica_url, reports_server(replica_url) as base:
        replica = psycopg2.connect(replica_url)
        replica.autocommit = True
        try:
            assert query(replica, "SELECT pg_is_in_recovery()")[0][0] is True
            assert query(db, "SELECT pg_is_in_recovery()")[0][0] is False
            boss = Remote(base, admin.email)
            two = new_user(db).email
            second = Remote(base, two)
            both = sorted([learner.email.lower(), two.lower()])
            caught_up(db, replica)
            assert enrolled(boss, slug) == 1
            # The answer came over a connection of the server's to the
            # standby (kept in its pool), and the standby is in recovery.
            assert report_backends(replica, dbname) >= 1

            query(replica, "SELECT pg_wal_replay_pause()")
            wait_for(lambda: query(replica, "SELECT pg_get_wal_replay_pause_state()")[0][0]
                     == "paused", "the standby's replay to pause")

            # Writes through the replica's server: on the primary.
            r = second.post(f"/api/v1/courses/{slug}/enrollment")
            assert r.status_code in (200, 201), r.text
            r = beat(second, lesson)
            assert r.status_code in (200, 201, 204), r.text
            assert query(db, "SELECT count(*) FROM enrollments e JOIN courses c "
                             "ON c.id = e.course_id WHERE c.slug = %s", slug)[0][0] == 2
            assert query(db, "SELECT count(*) FROM lesson_progress p JOIN enrollments e "
                             "ON e.id = p.enrollment_id WHERE e.user_id = %s",
                         second.user_id)[0][0] == 1
            assert query(replica, "SELECT count(*) FROM enrollments WHERE user_id = %s",
                         second.user_id)[0][0] == 0
            # Its reports (the summary, the count, the streamed file on a
            # connection of its own): as of the pause. The suite's server
            # (on the primary): as of now.
            assert enrolled(boss, slug) == 1
            assert counted(boss, slug) == 1
            assert streamed(boss, slug) == [learner.email.lower()]
            assert enrolled(admin, slug) == 2
            assert counted(admin, slug) == 2
            assert streamed(admin, slug) == both

            query(replica, "SELECT pg_wal_replay_resume()")
            wait_for(lambda: enrolled(boss, slug) == 2, "the replica's summary to catch up")
            assert counted(boss, slug) == 2
            assert streamed(boss, slug) == both
        finally:
            replica.close()

