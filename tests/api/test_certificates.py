"""Certificates: issued once a completion by the certificate_issue job, the
learner's list and PDF, the admins' list, revocation and zip, and public
verification by code (src/certificates.c, sql/functions/certificates.sql)."""
import concurrent.futures
import hashlib
import io
import re
import zipfile

import pytest
import requests

from conftest import new_user, query, url, wait_for
from courses import beat, enroll, lessons_of, no_quiz_files, published_course

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")
NAME = "Łukasz Ñúñez-Nguyễn"
FAKE_PDF = b"%PDF-1.7\n% a stand-in for the zip's test\n%%EOF\n"


@pytest.fixture(autouse=True)
def verify_budget(db):
    """Every test comes from 127.0.0.1: each starts and ends with the
    address's verification budget unspent."""
    query(db, "DELETE FROM login_throttle WHERE key LIKE 'verify:%%'")
    yield
    query(db, "DELETE FROM login_throttle WHERE key LIKE 'verify:%%'")


@pytest.fixture
def course(instructor):
    return published_course(instructor, no_quiz_files())


def certificates_of(db, client):
    return query(db, "SELECT id::text, code, name, course_title, hours, expires_at, "
                     "issued_at, enrollment_id::text FROM certificates WHERE user_id = %s",
                 client.user_id)


def finished(db, client):
    """The client's certificates all have their PDF and credential."""
    return query(db, "SELECT count(*) FILTER (WHERE pdf IS NOT NULL AND credential "
                     "IS NOT NULL), count(*) FROM certificates WHERE user_id = %s",
                 client.user_id)[0]


def complete(db, client, slug):
    """Completes every lesson of the course and waits for the certificate,
    its PDF and its credential (the job's last write)."""
    assert enroll(client, slug).status_code in (200, 201)
    for lesson in lessons_of(slug):
        assert beat(client, lesson["id"], completed=True).status_code == 200
    wait_for(lambda: certificates_of(db, client), "the certificate")
    wait_for(lambda: finished(db, client)[0] == finished(db, client)[1],
             "the certificate's PDF and credential", timeout=60)
    return certificates_of(db, client)[0]


def store_pdf(db, cert_id, data=FAKE_PDF):
    query(db, "UPDATE certificates SET pdf = %s, pdf_sha256 = %s WHERE id = %s",
          data, hashlib.sha256(data).hexdigest(), cert_id)


def verify(code):
    return requests.get(url(f"/api/v1/verify/{code}"))


# -- issuance ---------------------------------------------------------------------

def test_twenty_concurrent_completions_yield_one_certificate_and_one_run(db, instructor):
    slug = published_course(instructor, no_quiz_files(), estimated_hours=2.5)
    learner = new_user(db, display_name=NAME)
    assert enroll(learner, slug).status_code == 201
    first, last = [l["id"] for l in lessons_of(slug)]
    assert beat(learner, first, completed=True).status_code == 200
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: beat(learner, last, completed=True), range(20)))
    assert all(r.status_code in (200, 503) for r in answers), [r.text for r in answers]
    done = [r for r in answers if r.status_code == 200]
    assert sum(r.json()["course"]["completed_now"] for r in done) == 1

    def jobs():
        return query(db, "SELECT j.state, j.attempts FROM jobs j JOIN enrollments e "
                         "ON e.id = (j.payload->>'enrollment_id')::uuid "
                         "WHERE j.kind = 'certificate_issue' AND e.user_id = %s",
                     learner.user_id)
    wait_for(lambda: jobs() and jobs()[0][0] == "done", "the certificate job")
    assert jobs() == [("done", 1)]
    certs = certificates_of(db, learner)
    assert len(certs) == 1
    _, code, name, title, hours, expires, _, enrollment = certs[0]
    assert CODE.match(code) and name == NAME and float(hours) == 2.5 and expires is None
    assert title.startswith("Working with missing children")
    assert query(db, "SELECT count(*) FROM enrollments WHERE id = %s AND completed_at IS NOT NULL",
                 enrollment)[0][0] == 1


def test_a_job_run_again_issues_nothing_more(db, learner, course):
    cert = complete(db, learner, course)
    enrollment = cert[7]
    # As a run after a worker died would: the same payload, once more.
    query(db, "SELECT jobs.enqueue('certificate_issue', jsonb_build_object("
              "'enrollment_id', %s::text), 'certificate_issue:again:' || %s)",
          enrollment, enrollment)
    wait_for(lambda: query(db, "SELECT count(*) FROM jobs WHERE dedupe_key = "
                               "'certificate_issue:again:' || %s AND state = 'done'",
                           enrollment)[0][0] == 1, "the second run")
    assert certificates_of(db, learner) == [cert]


def test_nothing_is_issued_for_an_enrollment_not_completed_or_gone(db, learner, course):
    assert enroll(learner, course).status_code == 201
    enrollment = query(db, "SELECT id::text FROM enrollments WHERE user_id = %s",
                       learner.user_id)[0][0]
    for eid in (enrollment, "00000000-0000-4000-8000-000000000000"):
        query(db, "SELECT jobs.enqueue('certificate_issue', jsonb_build_object("
                  "'enrollment_id', %s::text), 'certificate_issue:test:' || %s)", eid, eid)
    wait_for(lambda: query(db, "SELECT count(*) FROM jobs WHERE dedupe_key LIKE "
                               "'certificate_issue:test:%%' AND payload->>'enrollment_id' "
                               "IN (%s, '00000000-0000-4000-8000-000000000000') "
                               "AND state = 'done'", enrollment)[0][0] == 2, "both runs")
    assert certificates_of(db, learner) == []


def test_a_validity_period_sets_the_expiry(db, instructor, learner):
    slug = published_course(instructor, no_quiz_files(), certificate_valid_months=24)
    cert = complete(db, learner, slug)
    issued, expires = cert[6], cert[5]
    assert expires is not None
    assert expires.date() == issued.date().replace(year=issued.year + 2) or \
        (expires - issued).days in (730, 731)
    mine = instructor.get("/api/v1/instructor/courses").json()["courses"]
    assert [c["certificate_valid_months"] for c in mine if c["slug"] == slug] == [24]
    r = instructor.patch(f"/api/v1/instructor/courses/{slug}",
                         json={"certificate_valid_months": None})
    assert r.status_code == 200, r.text
    assert query(db, "SELECT certificate_valid_months FROM courses WHERE slug = %s",
                 slug) == [(None,)]
    for bad in (0, 601, 1.5, "12"):
        r = instructor.patch(f"/api/v1/instructor/courses/{slug}",
                             json={"certificate_valid_months": bad})
        assert r.status_code == 422 and r.json()["error"]["field"] == \
            "certificate_valid_months", r.text


# -- the learner's list and PDF ---------------------------------------------------

def test_my_certificates_and_the_pdf(db, instructor, learner, course):
    cert_id, code = complete(db, learner, course)[:2]
    mine = learner.get("/api/v1/me/certificates").json()["certificates"]
    assert len(mine) == 1
    assert mine[0]["id"] == cert_id and mine[0]["code"] == code
    assert mine[0]["status"] == "valid" and mine[0]["pdf_ready"] is True
    assert mine[0]["course"]["slug"] == course and mine[0]["verify_path"] == "/verify/" + code

    # The job rendered it and stored it with its sha256: served from there.
    stored, sha = query(db, "SELECT pdf, pdf_sha256 FROM certificates WHERE id = %s",
                        cert_id)[0]
    stored = bytes(stored)
    assert stored.startswith(b"%PDF-") and sha == hashlib.sha256(stored).hexdigest()
    r = learner.get(f"/api/v1/certificates/{cert_id}/pdf")
    assert r.status_code == 200 and r.content == stored
    assert r.headers["Content-Type"] == "application/pdf"
    etag = r.headers["ETag"]
    assert etag == '"' + sha + '"'
    r = learner.get(f"/api/v1/certificates/{cert_id}/pdf", headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b"" and r.headers["ETag"] == etag
    # The course's instructor and admins may download it too.
    assert instructor.get(f"/api/v1/certificates/{cert_id}/pdf").content == stored
    assert new_user(db, "admin").get(f"/api/v1/certificates/{cert_id}/pdf").status_code == 200

    # A certificate whose PDF is not there (yet) says so.
    query(db, "UPDATE certificates SET pdf = NULL, pdf_sha256 = NULL WHERE id = %s", cert_id)
    r = learner.get(f"/api/v1/certificates/{cert_id}/pdf")
    assert r.status_code == 404 and r.json()["error"]["code"] == "pdf_not_ready"
    store_pdf(db, cert_id)
    r = learner.get(f"/api/v1/certificates/{cert_id}/pdf")
    assert r.status_code == 200 and r.content == FAKE_PDF


def test_another_learner_gets_404_for_someone_elses_pdf(db, learner, course):
    cert_id = complete(db, learner, course)[0]
    store_pdf(db, cert_id)
    for other in (new_user(db), new_user(db, "instructor")):
        for what in ("pdf", "credential"):
            r = other.get(f"/api/v1/certificates/{cert_id}/{what}")
            assert r.status_code == 404, r.text
            assert r.json()["error"]["code"] == "certificate_not_found"
        assert other.get("/api/v1/me/certificates").json()["certificates"] == []
    r = learner.get("/api/v1/certificates/00000000-0000-4000-8000-000000000000/pdf")
    assert r.json()["error"]["code"] == "certificate_not_found"
    assert learner.get("/api/v1/certificates/nope/pdf").status_code == 404
    assert learner.get("/api/v1/certificates/nope/credential").status_code == 404
    assert learner.get(f"/api/v1/certificates/{cert_id}/credential").status_code == 200


# -- public verification ------------------------------------------------------------

def no_private_data(r, db, cert_id, client):
    text = r.text.lower()
    internal = [cert_id, client.user_id] + [str(v) for v in query(
        db, "SELECT enrollment_id, course_id FROM certificates WHERE id = %s", cert_id)[0]]
    assert client.email.lower() not in text and "@" not in text
    for value in internal:
        assert value.lower() not in text
    assert "reason" not in text and "email" not in text


def test_verification_of_valid_expired_revoked_and_unknown(db, admin, course):
    learner = new_user(db, display_name=NAME)
    cert_id, code = complete(db, learner, course)[:2]
    r = verify(code)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "valid" and body["name"] == NAME and body["code"] == code
    assert body["course"]["title"].startswith("Working with missing children")
    assert float(body["hours"]) == 1.5 and body["expires_at"] is None
    assert body["issued_at"] and body["issuer"]["name"] == "Safeguard Learn"
    no_private_data(r, db, cert_id, learner)
    # As people type it: lower case, no dashes, O for 0.
    typed = code.lower().replace("-", "").replace("0", "o")
    assert verify(typed).json()["code"] == code

    # A change in SQL shows once its notification reaches the workers.
    query(db, "UPDATE certificates SET expires_at = now() - interval '1 day' WHERE id = %s",
          cert_id)
    wait_for(lambda: verify(code).json()["status"] == "expired", "the expiry to show",
             timeout=10)
    r = verify(code)
    assert r.json()["status"] == "expired" and r.json()["expires_at"]
    no_private_data(r, db, cert_id, learner)

    r = admin.post(f"/api/v1/admin/certificates/{cert_id}/revoke",
                   json={"reason": "Obtained by a borrowed account"})
    assert r.status_code == 200 and r.json()["status"] == "revoked", r.text
    r = verify(code)
    assert r.json()["status"] == "revoked" and r.json()["revoked_at"]
    assert "borrowed" not in r.text
    no_private_data(r, db, cert_id, learner)

    for unknown in ("0000-0000-0000-0000", "not-a-code", "U" * 16):
        r = verify(unknown)
        assert r.status_code == 404 and r.json()["error"]["code"] == "certificate_not_found"


def test_the_verification_page(db, learner, course):
    code = complete(db, learner, course)[1]
    r = requests.get(url(f"/verify/{code}"), headers={"Accept-Language": "es"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert '<html lang="es"' in r.text
    assert requests.get(url("/static/verify.js")).status_code == 200
    # As people type it.
    assert requests.get(url(f"/verify/{code.lower()}")).status_code == 200

    # An unknown code: the page says so, with a 404, and costs the budget
    # as the API's lookup does.
    for unknown in ("0000-0000-0000-0000", "not-a-code", ""):
        r = requests.get(url(f"/verify/{unknown}"), headers={"Accept-Language": "es"})
        assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
        assert '<html lang="es"' in r.text
    assert requests.post(url(f"/verify/{code}")).status_code == 405
    spent = query(db, "SELECT count(*) FROM login_throttle WHERE key LIKE 'verify:%%'")[0][0]
    assert spent >= 1
    for i in range(20):
        requests.get(url(f"/verify/0000-0000-0000-{i:04d}"))
    r = requests.get(url(f"/verify/{code}"))
    assert r.status_code == 429 and r.headers["Content-Type"].startswith("text/html")
    assert int(r.headers["Retry-After"]) >= 1
    assert verify(code).status_code == 429


def test_enumeration_is_throttled(db, learner, course):
    code = complete(db, learner, course)[1]
    # Known codes cost nothing.
    for _ in range(25):
        assert verify(code).status_code == 200
    for i in range(20):
        r = verify(f"0000-0000-0000-{i:04d}")
        assert r.status_code == 404, (i, r.text)
    r = verify("0000-0000-0000-0099")
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_attempts"
    assert int(r.headers["Retry-After"]) >= 1
    # Once spent, a known code waits too: the 429 says nothing of the code.
    assert verify(code).status_code == 429
    query(db, "DELETE FROM login_throttle WHERE key LIKE 'verify:%%'")
    assert verify(code).status_code == 200


# -- administration -------------------------------------------------------------------

def test_revoke_is_audit_logged_and_once(db, admin, learner, course):
    cert_id, code = complete(db, learner, course)[:2]
    path = f"/api/v1/admin/certificates/{cert_id}/revoke"
    assert learner.post(path, json={"reason": "x"}).status_code == 403
    for bad in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "x", "more": 1}):
        assert admin.post(path, json=bad).status_code in (400, 422), bad
    r = admin.post(path, json={"reason": "Issued in error"})
    assert r.status_code == 200, r.text
    row = query(db, "SELECT revoked_by::text, revoke_reason FROM certificates WHERE id = %s",
                cert_id)
    assert row == [(admin.user_id, "Issued in error")]
    audit = query(db, "SELECT actor_id::text, action, target_type, details FROM audit_log "
                      "WHERE target_id = %s", cert_id)
    assert audit == [(admin.user_id, "certificate.revoke", "certificate",
                      {"code": code, "reason": "Issued in error"})]
    r = admin.post(path, json={"reason": "again"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_revoked"
    r = admin.post("/api/v1/admin/certificates/00000000-0000-4000-8000-000000000000/revoke",
                   json={"reason": "x"})
    assert r.status_code == 404
    entries = admin.get("/api/v1/admin/audit").json()["entries"]
    assert any(e["action"] == "certificate.revoke" and e["target_id"] == cert_id
               for e in entries)


def test_admin_list_filters(db, admin, instructor):
    one = published_course(instructor, no_quiz_files())
    two = published_course(instructor, no_quiz_files())
    a = new_user(db, display_name="Ольга Filterova")
    b = new_user(db, display_name="محمد عبد الله")
    a1 = complete(db, a, one)
    b1 = complete(db, b, one)
    assert enroll(b, two).status_code == 201
    for lesson in lessons_of(two):
        assert beat(b, lesson["id"], completed=True).status_code == 200
    wait_for(lambda: len(certificates_of(db, b)) == 2, "b's second certificate")
    b2 = [c for c in certificates_of(db, b) if c[0] != b1[0]][0]

    def ids(**params):
        r = admin.get("/api/v1/admin/certificates", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["certificates"])
        return {c["id"] for c in body["certificates"]}

    assert ids(course=one) == {a1[0], b1[0]}
    assert ids(course=two) == {b2[0]}
    assert ids(q="Filterova") == {a1[0]}
    assert ids(q=a.email.lower()) == {a1[0]}
    assert ids(q=b1[1]) == {b1[0]}
    assert ids(q="محمد", course=two) == {b2[0]}
    query(db, "UPDATE certificates SET expires_at = now() - interval '1 hour' WHERE id = %s",
          b2[0])
    assert admin.post(f"/api/v1/admin/certificates/{b1[0]}/revoke",
                      json={"reason": "test"}).status_code == 200
    assert ids(course=one, status="valid") == {a1[0]}
    assert ids(course=one, status="revoked") == {b1[0]}
    assert ids(course=two, status="expired") == {b2[0]}
    assert ids(course="no-such-course") == set()
    listed = admin.get("/api/v1/admin/certificates", params={"q": "Filterova"}).json()
    assert listed["certificates"][0]["email"] == a.email.lower() and listed["page"] == 1
    r = admin.get("/api/v1/admin/certificates", params={"status": "lost"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "status"
    assert a.get("/api/v1/admin/certificates").status_code == 403


def test_course_zip(db, admin, instructor, learner):
    slug = published_course(instructor, no_quiz_files())
    empty = admin.get(f"/api/v1/admin/courses/{slug}/certificates.zip")
    assert empty.status_code == 200 and empty.headers["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(empty.content)).namelist() == []
    cert_id, code = complete(db, learner, slug)[:2]
    other = new_user(db)
    other_id, other_code = complete(db, other, slug)[:2]
    store_pdf(db, cert_id)
    store_pdf(db, other_id, FAKE_PDF + b"2")
    r = admin.get(f"/api/v1/admin/courses/{slug}/certificates.zip")
    assert r.status_code == 200, r.text
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert z.testzip() is None
    assert sorted(z.namelist()) == sorted([code + ".pdf", other_code + ".pdf"])
    assert z.read(code + ".pdf") == FAKE_PDF and z.read(other_code + ".pdf") == FAKE_PDF + b"2"
    assert instructor.get(f"/api/v1/admin/courses/{slug}/certificates.zip").status_code == 403
    r = admin.get("/api/v1/admin/courses/no-such-course/certificates.zip")
    assert r.status_code == 404 and r.json()["error"]["code"] == "course_not_found"


def test_export_holds_the_certificates_and_erasure_removes_them(db, learner, course):
    cert_id, code = complete(db, learner, course)[:2]
    exported = learner.get("/api/v1/me/export").json()["certificates"]
    assert [(c["id"], c["code"], c["status"]) for c in exported] == [(cert_id, code, "valid")]
    r = learner.post("/api/v1/me/erase", json={"password": learner.password})
    assert r.status_code == 204, r.text
    assert query(db, "SELECT count(*) FROM certificates WHERE user_id = %s",
                 learner.user_id) == [(0,)]
    wait_for(lambda: verify(code).status_code == 404, "the code to be gone", timeout=10)


# -- re-certification ------------------------------------------------------------------

def renew(client, slug):
    return client.post(f"/api/v1/courses/{slug}/enrollment/renew")


def test_after_expiry_a_new_round_earns_a_new_certificate(db, instructor):
    slug = published_course(instructor, no_quiz_files(), certificate_valid_months=12)
    learner = new_user(db, display_name=NAME)
    first_id, first_code = complete(db, learner, slug)[:2]
    enrollment = query(db, "SELECT id::text FROM enrollments WHERE user_id = %s",
                       learner.user_id)[0][0]

    r = renew(learner, slug)
    assert r.status_code == 409 and r.json()["error"]["code"] == "certificate_valid", r.text
    assert "valid until" in r.json()["error"]["message"]

    query(db, "UPDATE certificates SET expires_at = now() - interval '1 day' WHERE id = %s",
          first_id)
    r = renew(learner, slug)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["round"] == 2 and body["completed_at"] is None and body["percent"] == 0
    assert query(db, "SELECT round, completed_at FROM enrollments WHERE id = %s",
                 enrollment) == [(2, None)]
    assert query(db, "SELECT count(*) FROM lesson_progress WHERE enrollment_id = %s",
                 enrollment) == [(0,)]
    history = query(db, "SELECT round, jsonb_array_length(lesson_progress) FROM "
                        "enrollment_rounds WHERE enrollment_id = %s", enrollment)
    assert history == [(1, len(lessons_of(slug)))]
    # The ended round is the learner's data: it is in their export.
    [rnd] = learner.get("/api/v1/me/export").json()["enrollment_rounds"]
    assert rnd["course"] == slug and rnd["round"] == 1 and rnd["completed_at"]
    assert len(rnd["lesson_progress"]) == len(lessons_of(slug))
    # A second request finds nothing to renew.
    r = renew(learner, slug)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_completed"

    # The old certificate stays, and verifies as expired.
    wait_for(lambda: verify(first_code).json()["status"] == "expired", "the expiry to show",
             timeout=10)
    r = verify(first_code)
    assert r.status_code == 200 and r.json()["status"] == "expired"

    for lesson in lessons_of(slug):
        assert beat(learner, lesson["id"], completed=True).status_code == 200
    wait_for(lambda: len(certificates_of(db, learner)) == 2, "the second certificate")
    wait_for(lambda: finished(db, learner) == (2, 2), "its PDF and credential", timeout=60)
    second = [c for c in certificates_of(db, learner) if c[0] != first_id][0]
    assert second[1] != first_code and second[7] == enrollment and second[2] == NAME
    assert verify(second[1]).json()["status"] == "valid"
    def done_keys():
        return [k for (k,) in query(db, "SELECT dedupe_key FROM jobs WHERE kind = "
                                        "'certificate_issue' AND payload->>'enrollment_id' = %s "
                                        "AND state = 'done' ORDER BY id", enrollment)]
    # The job is marked done just after its certificate is whole.
    wait_for(lambda: len(done_keys()) == 2, "the second issue job's end")
    keys = done_keys()
    assert len(keys) == 2 and all(k.startswith(f"certificate_issue:{enrollment}:")
                                  for k in keys) and keys[0] != keys[1]
    mine = learner.get("/api/v1/me/certificates").json()["certificates"]
    assert [c["status"] for c in mine] == ["valid", "expired"]
    r = renew(learner, slug)
    assert r.status_code == 409 and r.json()["error"]["code"] == "certificate_valid"


def test_renewal_is_refused_with_reasons(db, admin, instructor, learner, course):
    r = renew(learner, course)
    assert r.status_code == 404 and r.json()["error"]["code"] == "enrollment_not_found"
    assert enroll(learner, course).status_code == 201
    r = renew(learner, course)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_completed"
    cert_id = complete(db, learner, course)[0]
    # A certificate without expiry is never renewed.
    r = renew(learner, course)
    assert r.status_code == 409 and r.json()["error"]["code"] == "certificate_valid"
    assert "does not expire" in r.json()["error"]["message"]
    query(db, "UPDATE certificates SET expires_at = now() - interval '1 day' WHERE id = %s",
          cert_id)
    assert admin.post(f"/api/v1/admin/certificates/{cert_id}/revoke",
                      json={"reason": "test"}).status_code == 200
    r = renew(learner, course)
    assert r.status_code == 409 and r.json()["error"]["code"] == "certificate_revoked"
    r = renew(learner, "no-such-course")
    assert r.status_code == 404 and r.json()["error"]["code"] == "course_not_found"
    assert requests.post(url(f"/api/v1/courses/{course}/enrollment/renew")).status_code == 401
