"""Foundation: health, readiness through a database restart, the error
envelope, request ids, body limits."""
import concurrent.futures
import os
import http.client
import json
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import requests

from conftest import EMBEDDED, ROOT, login, query, url


def assert_error(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_healthz_answers_alive():
    r = requests.get(url("/healthz"))
    assert r.status_code == 200
    assert r.json() == {"status": "alive"}


def test_readyz_answers_ready():
    r = requests.get(url("/readyz"))
    assert r.status_code == 200
    assert r.json()["status"] == "ready"
    assert r.json()["worker"] in (1, 2)


def test_every_response_has_a_request_id_and_safety_headers():
    seen = set()
    for path in ("/healthz", "/readyz", "/api/v1/meta", "/api/v1/nowhere", "/"):
        r = requests.get(url(path))
        rid = r.headers.get("x-request-id", "")
        assert len(rid) == 16 and all(c in "0123456789abcdef" for c in rid)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert rid not in seen
        seen.add(rid)
    # Ids are counted in each worker and mixed: many requests, no repeat.
    with requests.Session() as s:
        for _ in range(200):
            rid = s.get(url("/api/v1/meta")).headers["x-request-id"]
            assert len(rid) == 16 and rid not in seen
            seen.add(rid)


def test_unknown_api_path_is_a_json_404():
    assert_error(requests.get(url("/api/v1/no/such/thing")), 404, "not_found")


def test_wrong_method_is_a_json_405():
    assert_error(requests.delete(url("/api/v1/meta")), 405, "method_not_allowed")


def test_malformed_json_is_a_400_with_position():
    r = requests.post(url("/api/v1/auth/register"), data='{"email": "a@b.c",',
                      headers={"content-type": "application/json"})
    err = assert_error(r, 400, "invalid_json")
    assert "line 1" in err["message"]


def test_json_that_is_not_an_object_is_refused():
    r = requests.post(url("/api/v1/auth/register"), data='[1,2]',
                      headers={"content-type": "application/json"})
    assert_error(r, 400, "invalid_json")


def test_bad_utf8_is_refused():
    r = requests.post(url("/api/v1/auth/register"),
                      data=b'{"email": "\xff\xfe@x.org"}',
                      headers={"content-type": "application/json"})
    assert_error(r, 400, "invalid_json")


def test_body_over_the_limit_is_a_413():
    big = '{"email": "' + "x" * (70 * 1024) + '"}'
    r = requests.post(url("/api/v1/auth/register"), data=big,
                      headers={"content-type": "application/json"})
    assert_error(r, 413, "body_too_large")


def test_wrong_content_type_is_a_415():
    r = requests.post(url("/api/v1/auth/register"), data="email=a",
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert_error(r, 415, "unsupported_media_type")


def test_migrations_are_recorded_with_checksums(db):
    rows = query(db, "SELECT version, checksum FROM schema_migrations ORDER BY version")
    files = sorted(f for f in os.listdir(os.path.join(ROOT, "sql", "schema")) if f[:3].isdigit())
    assert [r[0] for r in rows] == [f[:3] for f in files]
    assert all(len(r[1]) == 64 for r in rows)


def test_edited_migration_stops_the_run(db, tmp_path):
    """An applied file whose content changed makes scripts/migrate fail
    clearly and apply nothing."""
    query(db, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = '001'")
    try:
        p = subprocess.run([os.path.join(ROOT, "scripts/migrate")],
                           capture_output=True, text=True, env=os.environ)
        assert p.returncode != 0
        assert "was changed after it was applied" in p.stderr
    finally:
        good = subprocess.run(["sha256sum", os.path.join(ROOT, "sql/schema/001_foundation.sql")],
                              capture_output=True, text=True).stdout.split()[0]
        query(db, "UPDATE schema_migrations SET checksum = %s WHERE version = '001'", good)


DEMO_SLUGS = "('child-abuse-foundations', 'abuso-infantil-fundamentos')"
SEEDED = {
    "accounts": "SELECT count(*) FROM users WHERE email LIKE '%%@demo.safeguard.example'",
    "courses": f"SELECT count(*) FROM courses WHERE slug IN {DEMO_SLUGS}",
    "modules": "SELECT count(*) FROM modules m JOIN courses c ON c.id = m.course_id "
               f"WHERE c.slug IN {DEMO_SLUGS}",
    "lessons": "SELECT count(*) FROM lessons l JOIN modules m ON m.id = l.module_id "
               f"JOIN courses c ON c.id = m.course_id WHERE c.slug IN {DEMO_SLUGS}",
    "versions": f"SELECT sum(version) FROM courses WHERE slug IN {DEMO_SLUGS}",
}


def test_seeding_twice_adds_nothing(db):
    before = {k: query(db, q)[0][0] for k, q in SEEDED.items()}
    assert before["accounts"] == 3 and before["courses"] == 2
    assert before["modules"] >= 4 and before["lessons"] >= 10
    p = subprocess.run([os.path.join(ROOT, "scripts/seed")], capture_output=True,
                       text=True, env=os.environ)
    assert p.returncode == 0, p.stderr
    assert "already exist" in p.stdout
    assert "password" not in p.stdout
    assert {k: query(db, q)[0][0] for k, q in SEEDED.items()} == before


def test_the_passwords_the_first_seed_printed_sign_in():
    """run-tests keeps the first seed's output: each account's password
    works, and each was printed once."""
    log = open(os.path.join(os.environ["SG_OUT"], "seed.log")).read()
    lines = [ln.split("\t") for ln in log.splitlines() if "@demo.safeguard.example" in ln]
    assert sorted(ln[0].strip() for ln in lines) == ["admin", "instructor", "learner"]
    for role, email, password in ((ln[0].strip(), ln[1], ln[2]) for ln in lines):
        r = login(email, password)
        assert r.status_code == 200, (role, r.text)
        assert r.json()["user"]["role"] == role


def wait_for_status(path, status, seconds):
    """When path first answered status, within seconds; None if it did not."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = requests.get(url(path), timeout=1).status_code
        except requests.RequestException:
            last = None
        if last == status:
            return time.monotonic()
        time.sleep(0.1)
    return None


def server_processes():
    """Kore's parent and its workers, by pid (run-tests exports the parent)."""
    parent = int(os.environ["SG_SERVER_PID"])
    with open(f"/proc/{parent}/task/{parent}/children") as f:
        return parent, sorted(int(p) for p in f.read().split())


def workers_answering_ready(workers, seconds, conns=48):
    """The worker ids seen answering /readyz 200 within seconds. A worker
    takes the connections it accepts, so many are opened at once before any
    asks: a light sequential load would all land on one worker. Answers
    other than 200 may only be the database's 503: a worker that tried to
    reconnect in the last 500 ms waits before it tries again."""
    base = urlsplit(url("/"))
    host, port = base.hostname, base.port
    seen = set()
    deadline = time.monotonic() + seconds
    while len(seen) < workers and time.monotonic() < deadline:
        held = [http.client.HTTPConnection(host, port, timeout=5) for _ in range(conns)]
        try:
            for c in held:
                c.connect()
            for c in held:
                c.request("GET", "/readyz")
            for c in held:
                r = c.getresponse()
                body = json.loads(r.read())
                if r.status == 200:
                    seen.add(body["worker"])
                else:
                    assert r.status == 503, body
                    assert body["error"]["code"] == "database_unavailable"
        finally:
            for c in held:
                c.close()
    return seen


@pytest.mark.skipif(not EMBEDDED, reason="needs the private cluster, which the suite can stop")
def test_readyz_follows_the_database_down_and_back_up():
    assert requests.get(url("/healthz")).status_code == 200
    parent, workers = server_processes()
    assert len(workers) == 2, workers  # conf/test.conf: workers 2
    # Every worker holds pooled connections before the database goes.
    assert len(workers_answering_ready(len(workers), 5.0)) == len(workers)
    subprocess.run([os.path.join(ROOT, "scripts/db"), "stop"], check=True,
                   capture_output=True)
    try:
        down_at = wait_for_status("/readyz", 503, 2.0)
        assert down_at is not None, "readyz did not answer 503 within 2 s"
        r = requests.get(url("/readyz"))
        assert r.status_code == 503
        assert r.headers.get("retry-after")
        assert r.json()["error"]["code"] == "database_unavailable"
        assert requests.get(url("/healthz")).status_code == 200
    finally:
        # PGPORT as Debian's psql wrapper sets it when its own cluster took
        # 5433: the private cluster's configuration names its port.
        subprocess.run([os.path.join(ROOT, "scripts/db"), "start", "safeguard_test"],
                       check=True, capture_output=True,
                       env=dict(os.environ, PGPORT="5433", PGHOST="/nonexistent"))
    restarted = time.monotonic()
    up_at = wait_for_status("/readyz", 200, 5.0)
    assert up_at is not None, "readyz did not answer 200 within 5 s of the restart"
    # Every worker recovers within the 5 s, not just the first to answer...
    left = 5.0 - (time.monotonic() - restarted)
    assert workers_answering_ready(len(workers), left) == set(range(1, len(workers) + 1))
    # ...in the same processes: Kore was not restarted, no worker respawned.
    assert server_processes() == (parent, workers)


@pytest.mark.skipif(not EMBEDDED, reason="needs the private cluster, which the suite can stop")
def test_prepared_statements_are_prepared_again_after_a_database_restart(learner):
    """Statements are prepared once a connection (src/db_prepare.c) and
    live in the server's session: a connection reset after a restart has
    none, and must not be sent EXECUTE of a name it forgot (which fails
    with 26000, answered 500)."""
    # Enough requests, several at once, to prepare on many pooled connections.
    auth = {"Authorization": "Bearer " + learner.token}

    def burst(n):
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda _: requests.get(
                url("/api/v1/me/enrollments"), headers=auth, timeout=10), range(n)))
    assert {r.status_code for r in burst(64)} == {200}
    subprocess.run([os.path.join(ROOT, "scripts/db"), "stop"], check=True,
                   capture_output=True)
    try:
        assert wait_for_status("/readyz", 503, 2.0) is not None
    finally:
        subprocess.run([os.path.join(ROOT, "scripts/db"), "start", "safeguard_test"],
                       check=True, capture_output=True,
                       env=dict(os.environ, PGPORT="5433", PGHOST="/nonexistent"))
    assert wait_for_status("/readyz", 200, 5.0) is not None
    # Connections come back one by one as they are taken (503 until then);
    # once they have, every answer is 200 and none is a 500.
    deadline = time.monotonic() + 10
    while True:
        codes = [r.status_code for r in burst(64)]
        assert 500 not in codes, codes
        if set(codes) == {200} or time.monotonic() > deadline:
            break
    assert set(codes) == {200}, codes
    body = learner.get("/api/v1/me/enrollments").json()
    assert body == {"enrollments": []}
