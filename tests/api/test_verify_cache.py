"""The verification cache (src/verifycache.c, docs/certificates.md,
"Performance"): answers of known codes kept in each worker, dropped when
a certificate changes, never past a valid certificate's expiry; unknown
codes still throttled.

A requests.Session keeps one connection, so one worker: what it answers
shows that worker's cache. Changes made with the notification trigger
off (session_replication_role = replica) are invisible to the cache, so
an answer that does not move with them came from it."""

import pytest
import requests

from conftest import query, url, wait_for
from courses import no_quiz_files, published_course
from test_certificates import complete


@pytest.fixture(autouse=True)
def verify_budget(db):
    query(db, "DELETE FROM login_throttle WHERE key LIKE 'verify:%%'")
    yield
    query(db, "DELETE FROM login_throttle WHERE key LIKE 'verify:%%'")


@pytest.fixture
def certificate(db, learner, instructor):
    slug = published_course(instructor, no_quiz_files())
    return complete(db, learner, slug)[:2]


def quietly(db, sql, *args):
    """A change the workers are not told of (no trigger fires)."""
    with db.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(sql, args)
        cur.execute("COMMIT")


def api(s, code):
    return s.get(url(f"/api/v1/verify/{code}"))


def test_a_known_code_is_answered_from_the_cache(db, certificate):
    cert_id, code = certificate
    s = requests.Session()
    first = api(s, code)
    assert first.status_code == 200 and first.json()["name"] != "Someone Else"
    quietly(db, "UPDATE certificates SET name = 'Someone Else' WHERE id = %s", cert_id)
    # The same bytes, not the database's new name.
    for _ in range(5):
        r = api(s, code)
        assert r.status_code == 200 and r.content == first.content
        assert r.headers["Content-Type"] == first.headers["Content-Type"]
    # The page's status comes from the cache too: the code is known.
    assert s.get(url(f"/verify/{code}")).status_code == 200
    # A notification drops it: the database's answer again.
    query(db, "SELECT pg_notify('certificates', '')")
    wait_for(lambda: api(s, code).json()["name"] == "Someone Else", "the notification",
             timeout=10)


def test_a_revocation_in_sql_shows_within_seconds(db, certificate):
    cert_id, code = certificate
    s = requests.Session()
    assert api(s, code).json()["status"] == "valid"
    query(db, "UPDATE certificates SET revoked_at = now() WHERE id = %s", cert_id)
    # Well under the cache's 30 s lifetime: the trigger's notification.
    wait_for(lambda: api(s, code).json()["status"] == "revoked", "the revocation",
             timeout=10)
    r = api(s, code)
    assert r.json()["revoked_at"] and "reason" not in r.text


def test_a_revocation_through_the_api_shows_at_once(db, admin, certificate):
    cert_id, code = certificate
    s = requests.Session()
    assert api(s, code).json()["status"] == "valid"
    r = admin.post(f"/api/v1/admin/certificates/{cert_id}/revoke", json={"reason": "x"})
    assert r.status_code == 200, r.text
    # The admin's write moved the shared generation before it answered.
    for _ in range(3):
        assert api(s, code).json()["status"] == "revoked"
        assert requests.get(url(f"/api/v1/verify/{code}")).json()["status"] == "revoked"


def test_a_cached_valid_answer_ends_at_the_expiry(db, certificate):
    cert_id, code = certificate
    s = requests.Session()
    query(db, "UPDATE certificates SET expires_at = now() + interval '3 seconds' "
              "WHERE id = %s", cert_id)
    wait_for(lambda: api(s, code).json()["expires_at"] is not None, "the new expiry",
             timeout=10)
    first = api(s, code).json()
    if first["status"] == "valid":
        # Kept now, with no notification to come: only the cap ends it,
        # long before the cache's 30 s lifetime.
        wait_for(lambda: api(s, code).json()["status"] == "expired", "the expiry",
                 timeout=10)
    assert api(s, code).json()["status"] == "expired"


def test_unknown_codes_are_still_throttled_and_then_hits_wait(db, certificate):
    code = certificate[1]
    s = requests.Session()
    # Known codes cost nothing, cached or not.
    for _ in range(30):
        assert api(s, code).status_code == 200
    assert query(db, "SELECT count(*) FROM login_throttle WHERE key LIKE 'verify:%%'") \
        == [(0,)]
    statuses = [api(s, f"0000-0000-0000-{i:04d}").status_code for i in range(25)]
    assert statuses[:20] == [404] * 20 and statuses[-1] == 429
    # Once the database made the address wait, a cached code waits too, on
    # this connection's worker and on any other.
    r = api(s, code)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    for _ in range(4):
        assert requests.get(url(f"/api/v1/verify/{code}")).status_code == 429
        assert requests.get(url(f"/verify/{code}")).status_code == 429
