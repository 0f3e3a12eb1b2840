"""Shared fixtures for the API suite.

scripts/run-tests starts the real server (test flavor, with sanitizers) on
SG_BASE_URL against the test database in DATABASE_URL; these fixtures talk
to both. Each test makes its own accounts, so tests do not depend on order.
"""
import concurrent.futures
import contextlib
import os
import subprocess
import time
import uuid

import psycopg2
import psycopg2.extensions
import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE = os.environ.get("SG_BASE_URL", "http://127.0.0.1:8890")
DATABASE_URL = os.environ["DATABASE_URL"]
# The suite runs on the private cluster (EMBEDDED=1), which it may stop.
EMBEDDED = os.environ.get("EMBEDDED", "1") == "1"
MIGRATE = os.path.join(ROOT, "scripts", "migrate")
PASSWORD = "a sound passphrase 42"


def url(path):
    return BASE + path


@pytest.fixture
def db():
    """A connection per test: the suite restarts PostgreSQL on purpose."""
    conn = psycopg2.connect(DATABASE_URL)
    conn.autocommit = True
    yield conn
    conn.close()


def query(db, sql, *args):
    with db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None


def wait_for(condition, what, timeout=20):
    """Polls a condition of the database (not a sleep standing in for one)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def lock_waiters(db, fragment):
    """For each other statement running fragment that waits on a lock, the
    pids of the backends that hold it up."""
    return [pids for (pids,) in query(
        db, "SELECT pg_blocking_pids(pid) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND query LIKE %s AND pid <> pg_backend_pid()",
        "%" + fragment + "%")]


def race_held_at_rows(db, user_ids, calls, function):
    """Runs calls (functions of no argument) at once, each sent to the
    database, while this test holds the rows of user_ids locked: once every
    call waits on those locks inside function, the locks go and the calls
    race. Returns their results, sorted. No call may finish before."""
    hold = psycopg2.connect(DATABASE_URL)
    try:
        with hold.cursor() as cur:
            cur.execute("SELECT 1 FROM users WHERE id = ANY(%s::uuid[]) FOR UPDATE",
                        (list(user_ids),))
        with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
            pending = [pool.submit(call) for call in calls]

            def all_held():
                if len(lock_waiters(db, function)) >= len(calls):
                    return True
                assert not any(f.done() for f in pending), [f.result() for f in pending]
                return False

            wait_for(all_held, f"every call to wait inside {function}")
            hold.commit()
            return sorted(f.result() for f in pending)
    finally:
        hold.close()


def unique_email(tag="user"):
    return f"{tag}-{uuid.uuid4().hex[:12]}@Example.ORG"


def register(email=None, password=PASSWORD, **extra):
    body = {
        "email": email or unique_email(),
        "password": password,
        "display_name": "Test Person",
        "country": "PH",
        "profession": "health",
        "language": "en",
    }
    body.update(extra)
    return requests.post(url("/api/v1/auth/register"), json=body)


def login(email, password=PASSWORD):
    return requests.post(url("/api/v1/auth/login"), json={"email": email, "password": password})


class Client:
    """A signed-in API client using Bearer tokens."""

    def __init__(self, email, password=PASSWORD):
        self.email = email
        self.password = password
        self.http = requests.Session()
        r = self.http.post(url("/api/v1/auth/login"),
                           json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        self.login = r.json()
        self.token = self.login["access_token"]
        self.refresh_token = self.login["refresh_token"]
        self.user_id = self.login["user"]["id"]
        self.http.headers["Authorization"] = "Bearer " + self.token

    def get(self, path, **kw):
        return self.http.get(url(path), **kw)

    def post(self, path, **kw):
        return self.http.post(url(path), **kw)

    def put(self, path, **kw):
        return self.http.put(url(path), **kw)

    def patch(self, path, **kw):
        return self.http.patch(url(path), **kw)

    def delete(self, path, **kw):
        return self.http.delete(url(path), **kw)


def new_user(db, role="learner", **extra):
    email = unique_email(role)
    r = register(email=email, **extra)
    assert r.status_code == 201, r.text
    if role != "learner":
        query(db, "UPDATE users SET role = %s WHERE lower(email) = lower(%s)",
              role, email.strip())
    return Client(email)


@pytest.fixture
def learner(db):
    return new_user(db, "learner")


@pytest.fixture
def instructor(db):
    return new_user(db, "instructor")


@pytest.fixture
def admin(db):
    return new_user(db, "admin")


# -- scratch databases, for scripts/migrate and the bench data ------------------

@contextlib.contextmanager
def scratch_database():
    """A new, empty database for the block; its URL in keyword form
    (host=... dbname=...)."""
    name = "sg_migrate_" + uuid.uuid4().hex[:10]
    admin = psycopg2.connect(DATABASE_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
    except psycopg2.Error as e:
        admin.close()
        if EMBEDDED:
            pytest.fail(f"the private cluster's user must be able to create databases: {e}")
        pytest.skip(f"the DATABASE_URL user may not create databases: {e}")
    dsn = psycopg2.extensions.parse_dsn(DATABASE_URL)
    dsn["dbname"] = name
    try:
        yield psycopg2.extensions.make_dsn(**dsn)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def scratch():
    """A new, empty database; its URL in keyword form (host=... dbname=...)."""
    with scratch_database() as dsn:
        yield dsn


def migrate(url, folder=None, wait=True):
    """scripts/migrate on url, with folder's schema/ and functions/ (else
    sql/'s): its (returncode, stdout, stderr), or the running process if
    not wait."""
    env = dict(os.environ, DATABASE_URL=url)
    if folder is not None:
        env["SG_SQL_DIR"] = folder
    p = subprocess.Popen([MIGRATE], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if not wait:
        return p
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


def rows(url, sql):
    """sql's rows, on a connection of its own that is closed after (a
    psycopg2 connection's with block only ends its transaction)."""
    with contextlib.closing(psycopg2.connect(url)) as c, c.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()
