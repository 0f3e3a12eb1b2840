"""The reports' summary (GET /api/v1/admin/reports/summary and
/api/v1/instructor/reports/summary): exact numbers on a small fixture whose
enrollments, completions and quiz attempts are written straight into the
tables (the rollup triggers see them as they see the app's writes), the
filters, who may see what, and the refusals. docs/reports.md, "Summary".

The fixture, 2026 (1 January was a Thursday; the weeks start on Mondays):

  course A (instructor I)    enrolled (UTC)      completed          days  best
    u1 GB education          01-05 10:00         01-15 10:00 (Thu)   10   80 (60, 80)
    u2 GB health             01-07 23:30         01-12 09:00 (Mon)    5   -
    u3 KE health             02-02 12:00         -, active 2 days ago     50
    u4 PH social_work        02-03 08:00         02-23 08:00 (Mon)   20   90
    u5 KE education, erased  01-06 00:00         01-14 12:00 (Wed)    8   -
    u6 GB education          01-08, left (not completed), active now: not counted
  course B (instructor I)
    u1                       03-02 09:00         03-05 09:00 (Thu)    3   -
    u3                       03-03 09:00         -
  course C (instructor J)
    u2                       01-05 09:00         01-06 09:00          1
"""
import datetime
import uuid

import pytest
import requests

import courses
from conftest import new_user, query, url

BASE = "/api/v1/instructor/reports/summary"
ADMIN = "/api/v1/admin/reports/summary"


def make_learner(db, country, profession, erased=False):
    email = ("erased-" + uuid.uuid4().hex + "@invalid" if erased
             else f"report-{uuid.uuid4().hex[:12]}@example.org")
    return query(db, "INSERT INTO users (email, password_hash, display_name, country, "
                     "profession, organisation, erased_at) VALUES (%s, '!', %s, %s, %s, %s, "
                     "CASE WHEN %s THEN now() END) RETURNING id::text",
                 email, "Erased account" if erased else "Report Learner", country,
                 profession, None if erased else "Org", erased)[0][0]


def enrol(db, user, slug, enrolled, completed=None, active=None, left=None):
    return query(db, "INSERT INTO enrollments (user_id, course_id, enrolled_at, completed_at, "
                     "last_activity_at, left_at, course_version) SELECT %s, c.id, %s, %s, "
                     "coalesce(%s, %s::timestamptz), %s, c.version FROM courses c WHERE c.slug = %s "
                     "RETURNING id::text",
                 user, enrolled, completed, active, completed, left, slug)[0][0]


def attempt(db, enrollment, user, number, score):
    query(db, "INSERT INTO quiz_attempts (quiz_id, enrollment_id, user_id, number, state, seed, "
              "questions, submitted_at, submitted_by, marks, score, passed) "
              "SELECT q.id, e.id, %s, %s, 'submitted', decode(md5('x'), 'hex'), '[]', "
              "'2026-01-10T00:00:00Z', 'learner', '{}', %s, %s >= 70 "
              "FROM enrollments e JOIN quizzes q ON q.course_id = e.course_id "
              "WHERE e.id = %s LIMIT 1",
          user, number, score, score, enrollment)


@pytest.fixture(scope="module")
def world():
    import psycopg2
    from conftest import DATABASE_URL
    db = psycopg2.connect(DATABASE_URL)
    db.autocommit = True
    i, j = new_user(db, "instructor"), new_user(db, "instructor")
    a = courses.published_course(i, title="Report course A")
    b = courses.published_course(i, title="Report course B")
    c = courses.published_course(j, title="Report course C")
    u = {1: make_learner(db, "GB", "education"), 2: make_learner(db, "GB", "health"),
         3: make_learner(db, "KE", "health"), 4: make_learner(db, "PH", "social_work"),
         5: make_learner(db, "KE", "education", erased=True),
         6: make_learner(db, "GB", "education")}
    e1 = enrol(db, u[1], a, "2026-01-05T10:00Z", "2026-01-15T10:00Z")
    enrol(db, u[2], a, "2026-01-07T23:30Z", "2026-01-12T09:00Z")
    e3 = enrol(db, u[3], a, "2026-02-02T12:00Z",
               active=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2))
    e4 = enrol(db, u[4], a, "2026-02-03T08:00Z", "2026-02-23T08:00Z")
    enrol(db, u[5], a, "2026-01-06T00:00Z", "2026-01-14T12:00Z")
    enrol(db, u[6], a, "2026-01-08T00:00Z", active=datetime.datetime.now(datetime.timezone.utc),
          left="2026-01-20T00:00Z")
    enrol(db, u[1], b, "2026-03-02T09:00Z", "2026-03-05T09:00Z")
    enrol(db, u[3], b, "2026-03-03T09:00Z")
    enrol(db, u[2], c, "2026-01-05T09:00Z", "2026-01-06T09:00Z")
    attempt(db, e1, u[1], 1, 60)
    attempt(db, e1, u[1], 2, 80)
    attempt(db, e3, u[3], 1, 50)
    attempt(db, e4, u[4], 1, 90)
    yield {"I": i, "J": j, "A": a, "B": b, "C": c, "db": db}
    db.close()


def weeks(*pairs):
    return [{"week": w, "completions": n} for w, n in pairs]


def test_summary_of_an_instructors_courses(world):
    r = world["I"].get(BASE)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["from"] is None and s["to"] is None
    generated = datetime.datetime.fromisoformat(s["generated_at"])
    assert abs((datetime.datetime.now(datetime.timezone.utc) - generated).total_seconds()) < 300
    assert s["courses"] == [
        {"slug": world["A"], "title": "Report course A", "enrolled": 5, "active_30d": 1,
         "completed": 4, "completion_rate": 0.8, "median_days_to_complete": 9.0,
         "mean_best_score": 73.3},
        {"slug": world["B"], "title": "Report course B", "enrolled": 2, "active_30d": 0,
         "completed": 1, "completion_rate": 0.5, "median_days_to_complete": 3.0,
         "mean_best_score": None},
    ]
    assert s["by_country"] == [
        {"country": "GB", "enrolled": 3, "completed": 3, "completion_rate": 1.0},
        {"country": "KE", "enrolled": 3, "completed": 1, "completion_rate": 0.3333},
        {"country": "PH", "enrolled": 1, "completed": 1, "completion_rate": 1.0},
    ]
    assert s["by_profession"] == [
        {"profession": "education", "enrolled": 3, "completed": 3, "completion_rate": 1.0},
        {"profession": "health", "enrolled": 3, "completed": 1, "completion_rate": 0.3333},
        {"profession": "social_work", "enrolled": 1, "completed": 1, "completion_rate": 1.0},
    ]
    # Every week from the first completion's to the last's, on Mondays.
    assert s["weekly"] == weeks(("2026-01-12", 3), ("2026-01-19", 0), ("2026-01-26", 0),
                                ("2026-02-02", 0), ("2026-02-09", 0), ("2026-02-16", 0),
                                ("2026-02-23", 1), ("2026-03-02", 1))
    for w in s["weekly"]:
        assert datetime.date.fromisoformat(w["week"]).weekday() == 0


def test_dates_filter_by_day_of_enrollment_inclusive(world):
    r = world["I"].get(BASE, params={"from": "2026-01-06", "to": "2026-01-07"})
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["from"], s["to"]) == ("2026-01-06", "2026-01-07")
    # u5 at 00:00 on the 6th and u2 at 23:30 on the 7th are in; u1 (5th) is not.
    a, b = s["courses"]
    assert a == {"slug": world["A"], "title": "Report course A", "enrolled": 2,
                 "active_30d": 0, "completed": 2, "completion_rate": 1.0,
                 "median_days_to_complete": 6.5, "mean_best_score": None}
    assert b == {"slug": world["B"], "title": "Report course B", "enrolled": 0,
                 "active_30d": 0, "completed": 0, "completion_rate": 0,
                 "median_days_to_complete": None, "mean_best_score": None}
    assert s["by_country"] == [
        {"country": "GB", "enrolled": 1, "completed": 1, "completion_rate": 1.0},
        {"country": "KE", "enrolled": 1, "completed": 1, "completion_rate": 1.0},
    ]
    assert s["weekly"] == weeks(("2026-01-12", 2))


def test_one_course(world):
    r = world["I"].get(BASE, params={"course": world["B"], "from": "2026-03-01"})
    assert r.status_code == 200, r.text
    s = r.json()
    assert [c["slug"] for c in s["courses"]] == [world["B"]]
    assert s["by_country"] == [
        {"country": "GB", "enrolled": 1, "completed": 1, "completion_rate": 1.0},
        {"country": "KE", "enrolled": 1, "completed": 0, "completion_rate": 0.0},
    ]
    assert s["by_profession"] == [
        {"profession": "education", "enrolled": 1, "completed": 1, "completion_rate": 1.0},
        {"profession": "health", "enrolled": 1, "completed": 0, "completion_rate": 0.0},
    ]
    assert s["weekly"] == weeks(("2026-03-02", 1))
    # A day with nothing: empty lists, the course with zeros.
    r = world["I"].get(BASE, params={"course": world["B"], "from": "2027-01-01"})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["by_country"] == [] and s["by_profession"] == [] and s["weekly"] == []
    assert s["courses"][0]["enrolled"] == 0


def test_changes_reach_the_summary(world):
    """The rollups follow the rows: a completion, a better attempt, a
    learner's new country, an enrollment deleted."""
    db = world["db"]
    u = make_learner(db, "NG", "ngo")
    e = enrol(db, u, world["B"], "2026-03-04T10:00Z")
    attempt(db, e, u, 1, 40)
    before = world["I"].get(BASE, params={"course": world["B"]}).json()
    assert before["courses"][0]["enrolled"] == 3
    assert before["courses"][0]["mean_best_score"] == 40.0
    query(db, "UPDATE enrollments SET completed_at = '2026-03-11T10:00Z' WHERE id = %s", e)
    attempt(db, e, u, 2, 70)
    query(db, "UPDATE users SET country = 'GH' WHERE id = %s", u)
    s = world["I"].get(BASE, params={"course": world["B"]}).json()
    c = s["courses"][0]
    assert (c["enrolled"], c["completed"], c["median_days_to_complete"],
            c["mean_best_score"]) == (3, 2, 5.0, 70.0)
    assert {"country": "GH", "enrolled": 1, "completed": 1, "completion_rate": 1.0} \
        in s["by_country"]
    assert "NG" not in [g["country"] for g in s["by_country"]]
    assert s["weekly"] == weeks(("2026-03-02", 1), ("2026-03-09", 1))
    query(db, "DELETE FROM users WHERE id = %s", u)
    after = world["I"].get(BASE, params={"course": world["B"]}).json()
    assert after["courses"] == [dict(before["courses"][0], enrolled=2,
                                     completion_rate=0.5, mean_best_score=None)]
    assert after["by_country"] == [
        {"country": "GB", "enrolled": 1, "completed": 1, "completion_rate": 1.0},
        {"country": "KE", "enrolled": 1, "completed": 0, "completion_rate": 0.0},
    ]


def test_active_follows_the_activity(world):
    """active_30d is kept by UTC day of last activity (report_active_daily)
    and the day 30 days ago counted live: it stays equal to a count of the
    rows through a first beat of the day, a second one, a learner who
    leaves, an enrollment and a learner deleted. With dates, all live."""
    db = world["db"]
    d = courses.published_course(world["I"], title="Report course D")
    now = datetime.datetime.now(datetime.timezone.utc)
    ago = [datetime.timedelta(days=2), datetime.timedelta(days=29, hours=23),
           datetime.timedelta(days=30, minutes=-5), datetime.timedelta(days=30, minutes=5),
           datetime.timedelta(days=45), None, datetime.timedelta(0)]
    users = [make_learner(db, "GB", "education") for _ in ago]
    e = [enrol(db, u, d, "2026-01-05T10:00Z", active=None if a is None else now - a)
         for u, a in zip(users, ago)]

    def check(expected):
        live = query(db, "SELECT count(*) FROM enrollments e JOIN courses c ON "
                         "c.id = e.course_id WHERE c.slug = %s AND e.left_at IS NULL AND "
                         "e.last_activity_at >= now() - interval '30 days'", d)[0][0]
        for params in ({"course": d}, {"course": d, "from": "2026-01-01"}):
            r = world["I"].get(BASE, params=params)
            assert r.status_code == 200, r.text
            assert r.json()["courses"][0]["active_30d"] == live == expected, params

    check(4)
    beat = "UPDATE enrollments SET last_activity_at = now() WHERE id = %s"
    query(db, beat, e[4])               # 45 days ago: its first beat today
    check(5)
    query(db, beat, e[6])               # active today already
    check(5)
    query(db, "UPDATE enrollments SET left_at = now() WHERE id = %s", e[0])
    check(4)
    query(db, "DELETE FROM enrollments WHERE id = %s", e[1])
    check(3)
    query(db, "DELETE FROM users WHERE id = %s", users[2])
    check(2)
    query(db, beat, e[3])               # just outside the 30 days until now
    check(3)


# The rows of each rollup that hold something: what a rebuild makes.
ROLLUPS = {
    "report_daily": "SELECT course_id, day, enrolled, completed, score_sum::numeric(20,4), "
                    "score_n FROM report_daily WHERE enrolled <> 0 OR completed <> 0 "
                    "OR score_n <> 0 OR score_sum <> 0",
    "report_daily_country": "SELECT * FROM report_daily_country "
                            "WHERE enrolled <> 0 OR completed <> 0",
    "report_daily_profession": "SELECT * FROM report_daily_profession "
                               "WHERE enrolled <> 0 OR completed <> 0",
    "report_daily_completions": "SELECT * FROM report_daily_completions WHERE n <> 0",
    "report_active_daily": "SELECT * FROM report_active_daily WHERE n <> 0",
}


def test_rollups_match_the_rows(world):
    """What the triggers kept, over the whole test database (every test's
    writes so far), equals the rollups made again from the rows."""
    import psycopg2
    from conftest import DATABASE_URL
    conn = psycopg2.connect(DATABASE_URL)
    try:
        with conn.cursor() as cur:
            cur.execute("LOCK enrollments, users, quiz_attempts IN SHARE MODE")
            kept = {}
            for t, sql in ROLLUPS.items():
                cur.execute(sql)
                kept[t] = sorted(map(repr, cur.fetchall()))
            cur.execute("SELECT reports.rollup_rebuild()")
            for t, sql in ROLLUPS.items():
                cur.execute(sql)
                assert sorted(map(repr, cur.fetchall())) == kept[t], t
    finally:
        conn.rollback()         # the rebuild is undone: nothing changed
        conn.close()


def test_instructors_see_only_their_courses(world):
    r = world["J"].get(BASE)
    assert r.status_code == 200, r.text
    s = r.json()
    assert [c["slug"] for c in s["courses"]] == [world["C"]]
    assert s["by_country"] == [{"country": "GB", "enrolled": 1, "completed": 1,
                                "completion_rate": 1.0}]
    r = world["J"].get(BASE, params={"course": world["A"]})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "not_your_course"
    r = world["I"].get(ADMIN)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"


def test_admins_see_every_course(world, admin):
    for path in (ADMIN, BASE):
        r = admin.get(path)
        assert r.status_code == 200, r.text
        slugs = [c["slug"] for c in r.json()["courses"]]
        assert {world["A"], world["B"], world["C"]} <= set(slugs)
        r = admin.get(path, params={"course": world["C"]})
        assert r.status_code == 200, r.text
        assert r.json()["courses"][0]["completed"] == 1


def test_learners_and_strangers_are_refused(learner):
    for path in (ADMIN, BASE):
        r = learner.get(path)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
        r = requests.get(url(path))
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("params,field", [
    ({"from": "2026-02-30"}, "from"),
    ({"from": "2026-1-5"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
    ({"course": "Not A Slug"}, "course"),
    ({"course": "x" * 200}, "course"),
])
def test_bad_filters(world, admin, params, field):
    for client, path in ((admin, ADMIN), (world["I"], BASE)):
        r = client.get(path, params=params)
        assert r.status_code == 400, r.text
        err = r.json()["error"]
        assert (err["code"], err["field"]) == ("invalid_query", field)


def test_unknown_course(world, admin):
    for client, path in ((admin, ADMIN), (world["I"], BASE)):
        r = client.get(path, params={"course": "no-such-course-" + uuid.uuid4().hex[:6]})
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "course_not_found"
