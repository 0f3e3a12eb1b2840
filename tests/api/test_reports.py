"""Completion reports (issue 24, docs/reports.md): the streamed report
(GET /api/v1/{admin,instructor}/reports/completions) and its count.

A fixture of known rows is written straight into the tables (learners,
enrollments, lesson progress, quiz attempts, certificates) in two courses
of their own, so every filter is checked against exactly the rows it must
return, in each format."""
import csv
import datetime
import io
import json
import os
import random
import re
import socket
import time
import urllib.parse
import uuid

import psycopg2
import pytest
import requests

import courses
from conftest import DATABASE_URL, new_user, query, url, wait_for

COLUMNS = ["learner_name", "email", "country", "profession", "organisation",
           "course", "language", "enrolled_at", "completed_at",
           "time_spent_seconds", "percent_done", "best_quiz_score",
           "certificate_code", "certificate_status"]
ROUTES = ["/api/v1/admin/reports/completions",
          "/api/v1/admin/reports/completions/count",
          "/api/v1/instructor/reports/completions",
          "/api/v1/instructor/reports/completions/count"]
CODE_CHARS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Each learner of course X: name, country, profession, organisation,
# enrolled, completed (days of 2026), and what the report must say.
LEARNERS = {
    "ana": dict(name="Ana Díaz", country="PH", profession="health",
                organisation="Save The Children", enrolled="2026-01-10T09:00:00Z",
                completed="2026-02-01T10:30:00Z"),
    "formula": dict(name='=HYPERLINK("x")', country="GB", profession="education",
                    organisation="@SUM(1)", enrolled="2026-01-20T08:00:00Z"),
    "plus": dict(name="+1", country="PH", profession="ngo", organisation="-1",
                 enrolled="2026-03-05T12:00:00Z"),
    "quoted": dict(name='Comma, "Quote"\nNewline', country="KE", profession="legal",
                   organisation="\tleading tab", enrolled="2026-03-10T00:00:00Z",
                   completed="2026-03-20T23:59:59Z"),
    "erased": dict(name="Gone Person", country="PH", profession="health",
                   organisation="Save the children", enrolled="2026-02-15T00:00:00Z",
                   completed="2026-02-20T00:00:00Z", erased=True),
    "left": dict(name="Left Early", country="PH", profession="health",
                 organisation=None, enrolled="2026-01-11T00:00:00Z", left=True),
}


def code():
    return "-".join("".join(random.choice(CODE_CHARS) for _ in range(4)) for _ in range(4))


def add_learner(db, spec):
    email = f"report-{uuid.uuid4().hex[:12]}@example.org"
    (uid,) = query(db, "INSERT INTO users (email, password_hash, display_name, country, "
                       "profession, organisation) VALUES (%s, 'x', %s, %s, %s, %s) "
                       "RETURNING id", email, spec["name"], spec["country"],
                   spec["profession"], spec["organisation"])[0]
    return uid, email


def enroll(db, uid, course_id, enrolled, completed=None, left=False):
    return query(db, "INSERT INTO enrollments (user_id, course_id, enrolled_at, "
                     "completed_at, left_at, course_version) VALUES (%s, %s, %s, %s, "
                     "CASE WHEN %s THEN now() END, 1) RETURNING id",
                 uid, course_id, enrolled, completed, left)[0][0]


def certificate(db, enrollment, uid, course_id, completed, expires=None, revoked=False):
    c = code()
    query(db, "INSERT INTO certificates (enrollment_id, completed_at, user_id, course_id, "
              "code, name, course_title, language, course_version, hours, expires_at, "
              "revoked_at) VALUES (%s, %s, %s, %s, %s, 'n', 't', 'en', 1, 1, %s, "
              "CASE WHEN %s THEN now() END)",
          enrollment, completed, uid, course_id, c, expires, revoked)
    return c


def attempt(db, enrollment, uid, quiz, number, score):
    query(db, "INSERT INTO quiz_attempts (quiz_id, enrollment_id, user_id, number, state, "
              "seed, questions, submitted_at, submitted_by, marks, score, passed) VALUES "
              "(%s, %s, %s, %s, 'submitted', decode(md5(random()::text), 'hex'), '[]', now(), "
              "'learner', '{}', %s, %s >= 70)",
          quiz, enrollment, uid, number, score, score)


@pytest.fixture(scope="module")
def world():
    db = psycopg2.connect(DATABASE_URL)
    db.autocommit = True
    w = {"db": db}
    w["owner"] = new_user(db, "instructor")
    w["other"] = new_user(db, "instructor")
    w["admin"] = new_user(db, "admin")
    w["learner"] = new_user(db, "learner")
    w["x"] = courses.published_course(w["owner"])
    w["y"] = courses.new_course(w["other"])
    x_id, quiz = query(db, "SELECT c.id, q.id FROM courses c JOIN quizzes q ON "
                           "q.course_id = c.id WHERE c.slug = %s", w["x"])[0]
    (y_id,) = query(db, "SELECT id FROM courses WHERE slug = %s", w["y"])[0]
    lessons = [r[0] for r in query(db, "SELECT id FROM lessons WHERE course_id = %s "
                                       "ORDER BY position", x_id)]
    w["lessons"] = len(lessons)

    rows = {}
    for key, spec in LEARNERS.items():
        uid, email = add_learner(db, spec)
        e = enroll(db, uid, x_id, spec["enrolled"], spec.get("completed"),
                   spec.get("left", False))
        rows[key] = dict(spec, uid=uid, email=email, enrollment=e)

    ana = rows["ana"]
    for lesson in lessons:
        query(db, "INSERT INTO lesson_progress (enrollment_id, lesson_id, time_spent, "
                  "completed_at) VALUES (%s, %s, 300, now())", ana["enrollment"], lesson)
    attempt(db, ana["enrollment"], ana["uid"], quiz, 1, 55)
    attempt(db, ana["enrollment"], ana["uid"], quiz, 2, 88.5)
    ana["code"] = certificate(db, ana["enrollment"], ana["uid"], x_id, ana["completed"])
    # In progress: one lesson done of the course's lessons, one begun.
    f = rows["formula"]
    query(db, "INSERT INTO lesson_progress (enrollment_id, lesson_id, time_spent, "
              "completed_at) VALUES (%s, %s, 120, now()), (%s, %s, 45, NULL)",
          f["enrollment"], lessons[0], f["enrollment"], lessons[1])
    q = rows["quoted"]
    q["code"] = certificate(db, q["enrollment"], q["uid"], x_id, q["completed"], revoked=True)
    # Erased as POST /me/erase does it (docs/security.md).
    er = rows["erased"]
    query(db, "UPDATE users SET erased_at = now(), display_name = 'Erased', "
              "organisation = NULL, email = 'erased-' || id || '@invalid' WHERE id = %s",
          er["uid"])
    # Ana in course Y too, with an expired certificate.
    ey = enroll(db, ana["uid"], y_id, "2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z")
    w["y_code"] = certificate(db, ey, ana["uid"], y_id, "2026-01-16T00:00:00Z",
                              expires="2026-06-01T00:00:00Z")
    w["rows"] = rows
    yield w
    db.close()


def get(client, path, **params):
    return client.get(path, params=params)


def csv_rows(r):
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8"), newline="")))


def names(rows):
    return sorted(r["learner_name"] for r in rows)


def expected(w, *keys, csv_form=True):
    out = []
    for k in keys:
        n = w["rows"][k]["name"]
        if k == "erased":
            n = "Erased learner"
        elif csv_form and n[0] in "=+-@\t\r":
            n = "'" + n
        out.append(n)
    return sorted(out)


ALL = ("ana", "formula", "plus", "quoted", "erased")


def test_the_course_s_rows_exactly(world):
    r = get(world["admin"], ROUTES[0], course=world["x"])
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in r.headers
    assert r.content.startswith(b"learner_name,email,")
    rows = csv_rows(r)
    assert list(rows[0].keys()) == COLUMNS
    assert names(rows) == expected(world, *ALL)

    ana = next(x for x in rows if x["learner_name"] == "Ana Díaz")
    assert ana == {
        "learner_name": "Ana Díaz", "email": world["rows"]["ana"]["email"],
        "country": "PH", "profession": "health", "organisation": "Save The Children",
        "course": world["x"], "language": "en",
        "enrolled_at": "2026-01-10T09:00:00Z", "completed_at": "2026-02-01T10:30:00Z",
        "time_spent_seconds": str(300 * world["lessons"]), "percent_done": "100",
        "best_quiz_score": "88.50", "certificate_code": world["rows"]["ana"]["code"],
        "certificate_status": "valid"}

    f = next(x for x in rows if x["learner_name"].startswith("'=HYPER"))
    assert f["completed_at"] == "" and f["time_spent_seconds"] == "165"
    assert f["percent_done"] == str(100 // world["lessons"])
    assert f["best_quiz_score"] == "" and f["certificate_code"] == ""
    q = next(x for x in rows if x["learner_name"].startswith("Comma"))
    assert q["certificate_status"] == "revoked"
    assert q["certificate_code"] == world["rows"]["quoted"]["code"]
    er = next(x for x in rows if x["learner_name"] == "Erased learner")
    assert er["email"] == "" and er["organisation"] == ""
    assert er["country"] == "PH" and er["percent_done"] == "100"

    r = get(world["admin"], ROUTES[1], course=world["x"])
    assert r.status_code == 200 and r.json() == {"rows": 5}


def test_expired_certificate(world):
    rows = csv_rows(get(world["admin"], ROUTES[0], course=world["y"]))
    assert [(x["learner_name"], x["certificate_status"], x["certificate_code"])
            for x in rows] == [("Ana Díaz", "expired", world["y_code"])]


@pytest.mark.parametrize("filters,keys", [
    ({"from": "2026-01-20"}, ("formula", "plus", "quoted", "erased")),
    ({"to": "2026-01-20"}, ("ana", "formula")),
    ({"from": "2026-01-11", "to": "2026-02-15"}, ("formula", "erased")),
    ({"date": "completed", "from": "2026-02-01", "to": "2026-02-28"}, ("ana", "erased")),
    ({"date": "completed", "to": "2026-03-20"}, ("ana", "quoted", "erased")),
    ({"date": "completed"}, ALL),
    ({"country": "PH"}, ("ana", "plus", "erased")),
    ({"country": "gb"}, ("formula",)),
    ({"profession": "health"}, ("ana", "erased")),
    ({"profession": "legal"}, ("quoted",)),
    ({"organisation": "save the CHILDREN"}, ("ana",)),
    ({"organisation": "@sum(1)"}, ("formula",)),
    ({"status": "enrolled"}, ("plus",)),
    ({"status": "in_progress"}, ("formula",)),
    ({"status": "completed"}, ("ana", "quoted", "erased")),
    ({"status": "completed", "country": "KE"}, ("quoted",)),
    ({"country": "FR"}, ()),
])
def test_each_filter(world, filters, keys):
    rows = csv_rows(get(world["admin"], ROUTES[0], course=world["x"], **filters))
    assert names(rows) == expected(world, *keys)
    r = get(world["admin"], ROUTES[1], course=world["x"], **filters)
    assert r.json() == {"rows": len(keys)}
    r = get(world["owner"], ROUTES[3], course=world["x"], **filters)
    assert r.json() == {"rows": len(keys)}


def test_formulas_are_defused_in_csv_only(world):
    rows = csv_rows(get(world["admin"], ROUTES[0], course=world["x"]))
    by_org = {x["organisation"]: x for x in rows}
    assert by_org["'@SUM(1)"]["learner_name"] == "'=HYPERLINK(\"x\")"
    assert by_org["'-1"]["learner_name"] == "'+1"
    assert "'\tleading tab" in by_org
    for x in rows:
        for v in x.values():
            assert v == "" or v[0] not in "=+-@\t\r", v

    r = get(world["admin"], ROUTES[0], course=world["x"], format="ndjson")
    raw = {o["organisation"]: o for o in map(json.loads, r.content.splitlines())}
    assert raw["@SUM(1)"]["learner_name"] == '=HYPERLINK("x")'
    assert raw["-1"]["learner_name"] == "+1"
    assert "\tleading tab" in raw


def test_comma_quote_newline_round_trip(world):
    r = get(world["admin"], ROUTES[0], course=world["x"], status="completed", country="KE")
    assert b'"Comma, ""Quote""\nNewline"' in r.content
    rows = csv_rows(r)
    assert rows[0]["learner_name"] == 'Comma, "Quote"\nNewline'
    assert rows[0]["organisation"] == "'\tleading tab"


def test_ndjson_and_json(world):
    r = get(world["admin"], ROUTES[0], course=world["x"], format="ndjson")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/x-ndjson"
    lines = r.content.decode("utf-8").split("\n")
    assert lines[-1] == "" and all(lines[:-1])
    objs = [json.loads(l) for l in lines[:-1]]
    assert all(list(o.keys()) == COLUMNS for o in objs)
    ana = next(o for o in objs if o["learner_name"] == "Ana Díaz")
    assert ana["time_spent_seconds"] == 300 * world["lessons"]
    assert ana["percent_done"] == 100 and ana["best_quiz_score"] == 88.5
    assert ana["completed_at"] == "2026-02-01T10:30:00Z"
    plus = next(o for o in objs if o["learner_name"] == "+1")
    assert plus["completed_at"] is None and plus["best_quiz_score"] is None
    assert plus["percent_done"] == 0 and plus["time_spent_seconds"] == 0
    er = next(o for o in objs if o["learner_name"] == "Erased learner")
    assert er["email"] is None and er["organisation"] is None

    r = get(world["admin"], ROUTES[0], course=world["x"], format="json")
    assert r.headers["Content-Type"] == "application/json"
    doc = r.json()
    assert list(doc.keys()) == ["rows"]
    assert sorted(doc["rows"], key=json.dumps) == sorted(objs, key=json.dumps)
    assert r.headers["Content-Disposition"].endswith('.json"')

    r = get(world["admin"], ROUTES[0], course=world["x"], country="FR", format="json")
    assert r.json() == {"rows": []}


def test_instructors_see_their_courses_without_email(world):
    owner = world["owner"]
    r = get(owner, ROUTES[2], course=world["x"])
    rows = csv_rows(r)
    assert list(rows[0].keys()) == [c for c in COLUMNS if c != "email"]
    assert names(rows) == expected(world, *ALL)
    assert b"@example.org" not in r.content and b"@invalid" not in r.content
    # Without course=: their own courses only.
    rows = csv_rows(get(owner, ROUTES[2]))
    assert {x["course"] for x in rows} == {world["x"]}
    assert get(owner, ROUTES[3]).json() == {"rows": 5}
    objs = [json.loads(l) for l in
            get(owner, ROUTES[2], format="ndjson", course=world["x"]).content.splitlines()]
    assert objs and all("email" not in o for o in objs)

    for path in ROUTES[2:]:
        r = get(owner, path, course=world["y"])
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_course"
        assert r.json()["error"]["field"] == "course"
    assert get(world["other"], ROUTES[3]).json() == {"rows": 1}
    # Admins on the instructor route: every course, still no e-mail.
    rows = csv_rows(get(world["admin"], ROUTES[2], course=world["y"]))
    assert len(rows) == 1 and "email" not in rows[0]


def test_learners_and_strangers_are_refused(world):
    for path in ROUTES:
        r = get(world["learner"], path)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["code"] == "forbidden"
        r = requests.get(url(path))
        assert r.status_code == 401, (path, r.text)
        assert r.headers["Content-Type"].startswith("application/json")
        r = requests.get(url(path), headers={"Authorization": "Bearer nonsense"})
        assert r.status_code == 401 and r.json()["error"]
    for path in ROUTES[:2]:
        r = get(world["owner"], path)
        assert r.status_code == 403


def test_a_revoked_session_is_refused_before_any_byte(world, db):
    client = new_user(db, "admin")
    assert client.post("/api/v1/auth/logout").status_code in (200, 204)
    r = client.get(ROUTES[0], params={"course": world["x"]})
    assert r.status_code == 401
    assert r.json()["error"]["code"] in ("session_ended", "unauthorized", "invalid_token")


@pytest.mark.parametrize("params,field,status,code", [
    ({"from": "2026-13-01"}, "from", 400, "invalid_query"),
    ({"to": "2026-02-30"}, "to", 400, "invalid_query"),
    ({"from": "yesterday"}, "from", 400, "invalid_query"),
    ({"from": "2026-03-01", "to": "2026-02-01"}, "to", 400, "invalid_query"),
    ({"date": "left"}, "date", 400, "invalid_query"),
    ({"status": "done"}, "status", 400, "invalid_query"),
    ({"profession": "pilot"}, "profession", 400, "invalid_query"),
    ({"country": "PHL"}, "country", 400, "invalid_query"),
    ({"country": "1A"}, "country", 400, "invalid_query"),
    ({"course": "no-such-course"}, "course", 404, "course_not_found"),
    ({"format": "xlsx"}, "format", 400, "invalid_query"),
    ({"bom": "yes"}, "bom", 400, "invalid_query"),
])
def test_bad_filters(world, params, field, status, code):
    paths = ROUTES if field not in ("format", "bom") else ROUTES[0::2]
    for path in paths:
        client = world["admin"]
        r = client.get(path, params=params)
        assert r.status_code == status, (path, r.text)
        err = r.json()["error"]
        assert err["code"] == code and err["field"] == field, err


def test_bom_and_content_disposition(world):
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    r = get(world["admin"], ROUTES[0], course=world["x"], bom="1")
    assert r.content.startswith(b"\xef\xbb\xbflearner_name,")
    assert r.headers["Content-Disposition"] == \
        f'attachment; filename="completions_{world["x"]}_{today}.csv"'
    r = get(world["admin"], ROUTES[0], course=world["x"], bom="0", format="ndjson",
            **{"from": "2026-01-01", "to": "2026-03-31", "country": "ph",
               "status": "completed", "organisation": "Save The Children"})
    assert r.content.startswith(b"{")
    assert r.headers["Content-Disposition"] == (
        f'attachment; filename="completions_{world["x"]}_from-2026-01-01_to-2026-03-31'
        f'_ph_save-the-children_completed_{today}.ndjson"')
    r = get(world["admin"], ROUTES[0], course=world["x"], date="completed",
            **{"to": "2026-03-31"})
    assert re.fullmatch(r'attachment; filename="completions_[a-z0-9-]+_to-2026-03-31_'
                        r'by-completion_\d{4}-\d{2}-\d{2}\.csv"',
                        r.headers["Content-Disposition"])
    # Nothing for the BOM to do in JSON.
    r = get(world["admin"], ROUTES[0], course=world["x"], bom="1", format="json")
    assert r.content.startswith(b'{"rows":[')


def report_backends(db):
    return query(db, "SELECT pid, state, query FROM pg_stat_activity "
                     "WHERE application_name = 'safeguard-report' "
                     "AND pid <> pg_backend_pid()")


def raw_request(path, token):
    s = socket.create_connection(("127.0.0.1", urllib.parse.urlsplit(url("/")).port))
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {token}\r\n\r\n").encode())
    return s


def test_a_hang_up_before_the_head_cancels_the_query(world, db):
    """The COPY waits on a lock the test holds; the client leaves."""
    wait_for(lambda: not report_backends(db), "earlier reports to end")
    hold = psycopg2.connect(DATABASE_URL)
    try:
        with hold.cursor() as cur:
            cur.execute("BEGIN; LOCK TABLE certificates IN ACCESS EXCLUSIVE MODE")
            s = raw_request(f"{ROUTES[0]}?course={world['x']}", world["admin"].token)
            wait_for(lambda: any(b[1] == "active" and "COPY" in b[2]
                                 for b in report_backends(db)), "the COPY to wait")
            s.close()
            wait_for(lambda: not report_backends(db), "the report's backend to go")
    finally:
        hold.rollback()
        hold.close()


@pytest.fixture(scope="module")
def big(world):
    """A course of 60,000 enrollments: more than every buffer between
    PostgreSQL and the client holds."""
    db = world["db"]
    slug = courses.new_course(new_user(db, "instructor"))
    query(db, "WITH u AS (INSERT INTO users (email, password_hash, display_name, country, "
              "profession, organisation) SELECT 'big-' || %s || '-' || g || '@example.org', "
              "'x', 'Learner number ' || g || repeat(' with a long name', 20), 'PH', 'health', "
              "'Organisation ' || g FROM generate_series(1, 60000) g RETURNING id) "
              "INSERT INTO enrollments (user_id, course_id, course_version) "
              "SELECT u.id, c.id, 1 FROM u, courses c WHERE c.slug = %s",
          uuid.uuid4().hex[:8], slug)
    return slug


def test_the_whole_of_a_large_report_arrives(world, big):
    r = get(world["admin"], ROUTES[0], course=big)
    rows = csv_rows(r)
    assert len(rows) == 60000
    assert rows[0]["learner_name"].startswith("Learner number ")
    assert get(world["admin"], ROUTES[1], course=big).json() == {"rows": 60000}


def test_a_hang_up_midway_cancels_the_query(world, big, db):
    wait_for(lambda: not report_backends(db), "earlier reports to end")
    s = raw_request(f"{ROUTES[0]}?course={big}", world["admin"].token)
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 200") and b"chunked" in head.lower()
    # The client reads no further: the server stops reading PostgreSQL,
    # whose COPY stays in flight, held up by the full buffers.
    wait_for(lambda: any(b[1] == "active" and "COPY" in b[2] for b in report_backends(db)),
             "the COPY")
    s.close()
    wait_for(lambda: not report_backends(db), "the report's backend to go", timeout=10)
    # The worker is fine and serves the next report whole.
    r = get(world["admin"], ROUTES[0], course=world["x"], format="json")
    assert len(r.json()["rows"]) == 5
