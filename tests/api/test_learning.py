"""Enrollment, lesson progress and course completion."""
import concurrent.futures
import json
import time
import uuid

import pytest
import requests

from conftest import new_user, query, url
from test_catalog import example_files, make_zip, manifest, new_course, upload, with_manifest


def published_course(instructor, files=None, **extra):
    slug = new_course(instructor, **extra)
    r = upload(instructor, slug, make_zip(files or example_files()))
    assert r.status_code == 201, r.text
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/publish").status_code == 200
    return slug


def lessons_of(slug):
    outline = requests.get(url(f"/api/v1/courses/{slug}")).json()
    return [l for m in outline["modules"] for l in m["lessons"]]


def beat(client, lesson, key=None, position=0.5, delta=10, completed=False):
    return client.put(f"/api/v1/lessons/{lesson}/progress",
                      json={"position": position, "time_spent_delta": delta,
                            "completed": completed},
                      headers={"Idempotency-Key": key or str(uuid.uuid4())})


def no_quiz_files():
    files = example_files()
    m = manifest(files)
    m["quiz"] = None
    return with_manifest(files, m)


@pytest.fixture
def course(instructor):
    return published_course(instructor, no_quiz_files())


def enroll(client, slug):
    return client.post(f"/api/v1/courses/{slug}/enrollment")


# -- enrollment ------------------------------------------------------------------

def test_enrolling_twice_is_one_enrollment(db, learner, course):
    r = enroll(learner, course)
    assert r.status_code == 201, r.text
    assert r.json()["percent"] == 0 and r.json()["resume_lesson_id"] == lessons_of(course)[0]["id"]
    assert enroll(learner, course).status_code == 200
    n = query(db, "SELECT count(*) FROM enrollments e JOIN courses c ON c.id = e.course_id "
                  "WHERE c.slug = %s AND e.user_id = %s", course, learner.user_id)[0][0]
    assert n == 1
    mine = learner.get("/api/v1/me/enrollments").json()["enrollments"]
    assert [e["course"]["slug"] for e in mine] == [course]


def test_leaving_keeps_progress_for_a_return(learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    assert beat(learner, first, position=0.7).status_code == 200
    assert learner.delete(f"/api/v1/courses/{course}/enrollment").status_code == 204
    assert learner.get("/api/v1/me/enrollments").json()["enrollments"] == []
    assert learner.get(f"/api/v1/lessons/{first}").status_code == 403
    assert enroll(learner, course).status_code == 201
    assert learner.get(f"/api/v1/lessons/{first}").json()["progress"]["position"] == pytest.approx(0.7)


def test_drafts_cannot_be_enrolled(instructor, learner):
    slug = new_course(instructor)
    assert enroll(learner, slug).status_code == 404


def test_enrollment_window_and_capacity(db, instructor, learner):
    closed = published_course(instructor, no_quiz_files(),
                              enroll_closes_at="2020-01-01T00:00:00Z")
    r = enroll(learner, closed)
    assert r.status_code == 409 and r.json()["error"]["code"] == "enrollment_closed"
    later = published_course(instructor, no_quiz_files(),
                             enroll_opens_at="2999-01-01T00:00:00Z")
    assert enroll(learner, later).json()["error"]["code"] == "enrollment_not_open"

    small = published_course(instructor, no_quiz_files(), capacity=3)
    people = [new_user(db) for _ in range(6)]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda c: enroll(c, small).status_code, people))
    assert sorted(codes) == [201, 201, 201, 409, 409, 409]


# -- lessons ---------------------------------------------------------------------------

def test_lesson_reader_gets_html_navigation_and_attachments(learner, course):
    enroll(learner, course)
    first, second = [l["id"] for l in lessons_of(course)]
    r = learner.get(f"/api/v1/lessons/{first}")
    assert r.status_code == 200, r.text
    lesson = r.json()
    assert "<h2>There is no waiting period</h2>" in lesson["html"]
    assert lesson["prev"] is None and lesson["next"]["id"] == second
    assert lesson["attachments"][0]["url"].startswith("/api/v1/media/")
    assert lesson["course"]["slug"] == course and lesson["progress"] is None
    assert learner.get(f"/api/v1/lessons/{second}").json()["prev"]["id"] == first


def test_other_learners_cannot_read_or_write(db, learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    beat(learner, first, position=0.4)
    stranger = new_user(db)
    r = stranger.get(f"/api/v1/lessons/{first}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_enrolled"
    r = beat(stranger, first)
    assert r.status_code == 403
    r = stranger.get(f"/api/v1/courses/{course}/progress")
    assert r.status_code == 404
    assert stranger.get(f"/api/v1/lessons/{uuid.uuid4()}").status_code == 404
    assert stranger.get("/api/v1/lessons/not-a-uuid").status_code == 404
    # The learner's own data is untouched by the stranger's attempt.
    mine = learner.get(f"/api/v1/courses/{course}/progress").json()
    assert mine["modules"][0]["lessons"][0]["position"] == pytest.approx(0.4)


def test_locked_lessons_say_what_unlocks_them(db, instructor, learner):
    slug = published_course(instructor, no_quiz_files(), sequential=True)
    enroll(learner, slug)
    first, second = [l["id"] for l in lessons_of(slug)]
    r = learner.get(f"/api/v1/lessons/{second}")
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "lesson_locked" and err["unlock"]["lesson_id"] == first
    assert "There is no waiting period" in err["message"]
    assert beat(learner, second).status_code == 403
    progress = learner.get(f"/api/v1/courses/{slug}/progress").json()
    assert [l["locked"] for l in progress["modules"][0]["lessons"]] == [False, True]
    assert beat(learner, first, completed=True).status_code == 200
    assert learner.get(f"/api/v1/lessons/{second}").status_code == 200
    # The course's instructor reads locked lessons freely.
    assert instructor.get(f"/api/v1/lessons/{second}").status_code == 200


def test_module_requiring_previous_quiz(db, instructor, learner):
    slug = new_course(instructor)
    files = example_files()
    assert upload(instructor, slug, make_zip(files)).status_code == 201
    m = manifest(files)
    m["key"], m["order"], m["requires_previous"], m["quiz"] = "part-two", 2, True, None
    assert upload(instructor, slug, make_zip(with_manifest(files, m))).status_code == 201
    instructor.post(f"/api/v1/instructor/courses/{slug}/publish")
    enroll(learner, slug)
    ids = [l["id"] for l in lessons_of(slug)]
    for lid in ids[:2]:
        assert beat(learner, lid, completed=True).status_code == 200
    r = learner.get(f"/api/v1/lessons/{ids[2]}")
    assert r.status_code == 403 and "quiz" in r.json()["error"]["message"]
    # The quiz engine records a pass; the module opens.
    query(db, "INSERT INTO quiz_passes (enrollment_id, quiz_id) "
              "SELECT e.id, q.id FROM enrollments e JOIN quizzes q ON q.course_id = e.course_id "
              "JOIN courses c ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s",
          slug, learner.user_id)
    assert learner.get(f"/api/v1/lessons/{ids[2]}").status_code == 200


# -- progress -------------------------------------------------------------------------

def test_progress_needs_an_idempotency_key_and_valid_fields(learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    r = learner.put(f"/api/v1/lessons/{first}/progress",
                    json={"position": 0.1, "time_spent_delta": 5})
    assert r.status_code == 400 and r.json()["error"]["code"] == "idempotency_key_required"
    for body, field in (({"position": "x", "time_spent_delta": 1}, "position"),
                        ({"position": 0.1, "time_spent_delta": -3}, "time_spent_delta"),
                        ({"position": 0.1, "time_spent_delta": 1.5}, "time_spent_delta"),
                        ({"position": 0.1, "time_spent_delta": 1, "grade": 100}, "grade")):
        r = learner.put(f"/api/v1/lessons/{first}/progress", json=body,
                        headers={"Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 422 and r.json()["error"]["field"] == field


def test_replayed_key_changes_nothing(db, learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    key = str(uuid.uuid4())
    r1 = beat(learner, first, key=key, position=0.3, delta=12)
    r2 = beat(learner, first, key=key, position=0.9, delta=12)
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json()
    row = query(db, "SELECT lp.position, lp.time_spent FROM lesson_progress lp "
                    "WHERE lp.lesson_id = %s", first)
    assert row[0][0] == pytest.approx(0.3) and row[0][1] == 12


def test_time_beyond_the_wall_clock_is_capped(db, learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    r = beat(learner, first, delta=20)
    assert r.json()["credited"] == 20
    r = beat(learner, first, delta=3600)
    # A moment later, an hour is claimed: at most the slack is credited,
    # and in total never more than the wall clock since the first beat
    # plus the slack.
    assert r.json()["credited"] <= 31
    assert r.json()["time_spent"] <= 20 + 31


def test_fifty_concurrent_beats_lose_nothing_and_double_count_nothing(db, learner, course):
    enroll(learner, course)
    first, second = [l["id"] for l in lessons_of(course)]
    assert beat(learner, first, completed=True).status_code == 200
    keys = [str(uuid.uuid4()) for _ in range(50)]
    start = time.monotonic()

    def send(i):
        # Two "devices": half the beats complete the lesson, all claim time;
        # every tenth beat is sent twice with its key.
        r = beat(learner, second, key=keys[i], position=i / 50, delta=10,
                 completed=(i % 2 == 0))
        if i % 10 == 0:
            r2 = beat(learner, second, key=keys[i], position=i / 50, delta=10,
                      completed=(i % 2 == 0))
            assert r2.json() == r.json()
        return r.status_code

    with concurrent.futures.ThreadPoolExecutor(25) as pool:
        codes = list(pool.map(send, range(50)))
    elapsed = time.monotonic() - start
    assert codes == [200] * 50
    enrollment = query(db, "SELECT e.completed_at, e.id FROM enrollments e JOIN courses c "
                           "ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s",
                       course, learner.user_id)[0]
    assert enrollment[0] is not None
    assert query(db, "SELECT count(*) FROM certificate_jobs WHERE enrollment_id = %s",
                 enrollment[1])[0][0] == 1
    spent = query(db, "SELECT time_spent, completed_at FROM lesson_progress "
                      "WHERE lesson_id = %s AND enrollment_id = %s", second, enrollment[1])[0]
    assert spent[1] is not None
    assert spent[0] <= elapsed + 31
    assert query(db, "SELECT count(*) FROM progress_beats WHERE user_id = %s AND lesson_id = %s",
                 learner.user_id, second)[0][0] == 50


def test_completion_is_set_once_with_one_certificate_job(db, learner, course):
    enroll(learner, course)
    first, second = [l["id"] for l in lessons_of(course)]
    r = beat(learner, first, completed=True)
    assert r.json()["course"]["completed_at"] is None
    assert r.json()["course"]["percent"] == 50
    r = beat(learner, second, completed=True)
    course_state = r.json()["course"]
    assert course_state["completed_now"] is True and course_state["percent"] == 100
    done_at = course_state["completed_at"]
    # Completed lessons stay completed; completion is not set again.
    r = beat(learner, second, completed=False)
    assert r.json()["status"] == "completed"
    assert r.json()["course"]["completed_at"] == done_at
    assert r.json()["course"]["completed_now"] is False
    jobs = query(db, "SELECT count(*) FROM certificate_jobs j JOIN enrollments e "
                     "ON e.id = j.enrollment_id WHERE e.user_id = %s", learner.user_id)[0][0]
    assert jobs == 1
    mine = learner.get("/api/v1/me/enrollments").json()["enrollments"][0]
    assert mine["percent"] == 100 and mine["completed_at"] == done_at


def test_required_quiz_holds_completion_until_passed(db, instructor, learner):
    slug = published_course(instructor)
    enroll(learner, slug)
    ids = [l["id"] for l in lessons_of(slug)]
    for lid in ids:
        r = beat(learner, lid, completed=True)
    assert r.json()["course"]["completed_at"] is None
    progress = learner.get(f"/api/v1/courses/{slug}/progress").json()
    assert progress["remaining"]["lessons"] == []
    assert len(progress["remaining"]["quizzes"]) == 1


def test_course_progress_reports_each_lesson_and_what_is_left(learner, course):
    enroll(learner, course)
    first, second = [l["id"] for l in lessons_of(course)]
    beat(learner, first, position=0.6, delta=15)
    p = learner.get(f"/api/v1/courses/{course}/progress").json()
    lessons = p["modules"][0]["lessons"]
    assert lessons[0]["status"] == "in_progress" and lessons[0]["time_spent"] == 15
    assert lessons[0]["position"] == pytest.approx(0.6)
    assert lessons[1]["status"] == "not_started"
    assert p["remaining"]["lessons"] == [first, second]
    assert p["resume_lesson_id"] == first


def test_new_version_keeps_progress_on_remaining_keys(db, instructor, learner):
    files = no_quiz_files()
    slug = published_course(instructor, files)
    enroll(learner, slug)
    first, second = [l["id"] for l in lessons_of(slug)]
    beat(learner, first, completed=True)
    beat(learner, second, position=0.5)
    m = manifest(files)
    m["lessons"] = [m["lessons"][0], {"key": "brand-new", "title": "New lesson",
                                      "file": "lessons/02-what-to-record.md"}]
    assert upload(instructor, slug, make_zip(with_manifest(files, m))).status_code == 200
    p = learner.get(f"/api/v1/courses/{slug}/progress").json()
    lessons = p["modules"][0]["lessons"]
    assert [l["key"] for l in lessons] == ["no-waiting-period", "brand-new"]
    assert lessons[0]["status"] == "completed" and lessons[0]["id"] == first
    assert lessons[1]["status"] == "not_started"
    version = query(db, "SELECT e.course_version, c.version FROM enrollments e JOIN courses c "
                        "ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s",
                    slug, learner.user_id)[0]
    assert version[0] == version[1]


def test_completed_enrollments_stay_completed_on_a_new_version(db, instructor, learner):
    files = no_quiz_files()
    slug = published_course(instructor, files)
    enroll(learner, slug)
    for lid in [l["id"] for l in lessons_of(slug)]:
        beat(learner, lid, completed=True)
    m = manifest(files)
    m["lessons"].append({"key": "extra", "title": "Extra", "file": "lessons/02-what-to-record.md"})
    upload(instructor, slug, make_zip(with_manifest(files, m)))
    mine = learner.get("/api/v1/me/enrollments").json()["enrollments"][0]
    assert mine["completed_at"] is not None


# -- bulk enrollment ----------------------------------------------------------------

def csv_post(client, text):
    return client.post("/api/v1/admin/enrollments/import", data=text.encode(),
                       headers={"Content-Type": "text/csv"})


def test_bulk_import_reports_each_row(db, admin, instructor, course):
    a, b = new_user(db), new_user(db)
    enroll(b, course)
    text = ("email,course\n"
            f"{a.email},{course}\n"
            f"\"{b.email}\",{course}\n"
            f"nobody-{uuid.uuid4().hex[:6]}@example.org,{course}\n"
            f"{a.email},no-such-course\n"
            f"not an email,{course}\n")
    r = csv_post(admin, text)
    assert r.status_code == 200, r.text
    results = [x["result"] for x in r.json()["results"]]
    assert results == ["enrolled", "already_enrolled", "unknown_email", "unknown_course",
                       "bad_row"]
    assert [x["line"] for x in r.json()["results"]] == [2, 3, 4, 5, 6]
    assert [e["course"]["slug"] for e in a.get("/api/v1/me/enrollments").json()["enrollments"]] \
        == [course]


@pytest.mark.parametrize("text", [
    'email,course\n"unterminated,abc\n',
    "email,course\na@b.org,one,extra\n",
    "mail,slug\na@b.org,x\n",
    'email,course\na"b@c.org,x\n',
])
def test_malformed_csv_changes_nothing(db, admin, course, text):
    before = query(db, "SELECT count(*) FROM enrollments")[0][0]
    r = csv_post(admin, text)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_csv"
    assert "Line" in r.json()["error"]["message"]
    assert query(db, "SELECT count(*) FROM enrollments")[0][0] == before


def test_bad_utf8_csv_and_non_admins_are_refused(db, admin, learner):
    r = admin.post("/api/v1/admin/enrollments/import", data=b"email,course\n\xff,x\n",
                   headers={"Content-Type": "text/csv"})
    assert r.status_code == 400
    assert csv_post(learner, "email,course\n").status_code == 403
