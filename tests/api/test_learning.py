"""Enrollment, lesson progress and course completion."""
import concurrent.futures
import datetime
import uuid

import psycopg2
import pytest
import requests

from conftest import DATABASE_URL, lock_waiters, new_user, query, url, wait_for
from courses import (beat, enroll, example_files, lessons_of, make_zip, manifest, new_course,
                     no_quiz_files, published_course, record_quiz_pass, upload, with_manifest)


@pytest.fixture
def course(instructor):
    return published_course(instructor, no_quiz_files())


def enrollment_row(db, client, slug):
    """(id, completed_at, last_activity_at) of the client's enrollment, or None."""
    rows = query(db, "SELECT e.id, e.completed_at, e.last_activity_at FROM enrollments e "
                     "JOIN courses c ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s",
                 slug, client.user_id)
    return rows[0] if rows else None


def certificate_jobs(db, enrollment_id):
    """The certificate_issue jobs enqueued for an enrollment (the job runner's table)."""
    return query(db, "SELECT count(*) FROM jobs WHERE kind = 'certificate_issue' "
                     "AND payload->>'enrollment_id' = %s::text", enrollment_id)[0][0]


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
        answers = list(pool.map(lambda c: enroll(c, small), people))
    assert sorted(r.status_code for r in answers) == [201, 201, 201, 409, 409, 409]
    assert [r.json()["error"]["code"] for r in answers if r.status_code == 409] \
        == ["course_full"] * 3
    assert query(db, "SELECT count(*) FROM enrollments e JOIN courses c ON c.id = e.course_id "
                     "WHERE c.slug = %s AND e.left_at IS NULL", small)[0][0] == 3


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


def test_staff_access_to_lessons(db, instructor, admin, learner, course):
    first = lessons_of(course)[0]["id"]
    # Admins read every lesson without enrolling.
    r = admin.get(f"/api/v1/lessons/{first}")
    assert r.status_code == 200 and r.json()["id"] == first
    # An instructor of another course is nobody special here.
    other = new_user(db, "instructor")
    published_course(other, no_quiz_files())
    r = other.get(f"/api/v1/lessons/{first}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_enrolled"
    assert beat(other, first).status_code == 403
    assert query(db, "SELECT count(*) FROM lesson_progress WHERE lesson_id = %s", first)[0][0] == 0


def test_draft_lessons_are_not_found_for_learners(db, instructor, learner):
    slug = new_course(instructor)
    assert upload(instructor, slug, make_zip(no_quiz_files())).status_code == 201
    lesson = query(db, "SELECT l.id FROM lessons l JOIN courses c ON c.id = l.course_id "
                       "WHERE c.slug = %s ORDER BY l.position LIMIT 1", slug)[0][0]
    r = learner.get(f"/api/v1/lessons/{lesson}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "lesson_not_found"
    assert beat(learner, lesson).status_code == 404
    # Its instructor previews it.
    assert instructor.get(f"/api/v1/lessons/{lesson}").status_code == 200


def test_my_enrollments_show_last_activity_and_where_to_resume(db, learner, course):
    enroll(learner, course)
    first, second = [l["id"] for l in lessons_of(course)]
    [mine] = learner.get("/api/v1/me/enrollments").json()["enrollments"]
    assert mine["last_activity_at"] is None and mine["resume_lesson_id"] == first
    assert beat(learner, second, position=0.5).status_code == 200
    [mine] = learner.get("/api/v1/me/enrollments").json()["enrollments"]
    # Resume where the learner was, at the lesson last touched.
    assert mine["resume_lesson_id"] == second
    row = enrollment_row(db, learner, course)
    assert row[2] is not None
    assert datetime.datetime.fromisoformat(mine["last_activity_at"]) == row[2]
    assert beat(learner, second, completed=True).status_code == 200
    [mine] = learner.get("/api/v1/me/enrollments").json()["enrollments"]
    # That lesson done: the first one not completed.
    assert mine["resume_lesson_id"] == first and mine["percent"] == 50


def test_locked_lessons_say_what_unlocks_them(db, instructor, learner):
    slug = published_course(instructor, no_quiz_files(), sequential=True)
    enroll(learner, slug)
    first, second = [l["id"] for l in lessons_of(slug)]
    r = learner.get(f"/api/v1/lessons/{second}")
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "lesson_locked" and err["unlock"]["lesson_id"] == first
    assert err["unlock"]["reason"] == "lesson"
    assert err["message"] == 'Finish the lesson "There is no waiting period" first.'
    assert beat(learner, second).status_code == 403
    progress = learner.get(f"/api/v1/courses/{slug}/progress").json()
    assert [l["locked"] for l in progress["modules"][0]["lessons"]] == [False, True]
    assert beat(learner, first, completed=True).status_code == 200
    assert learner.get(f"/api/v1/lessons/{second}").status_code == 200
    # The course's instructor reads locked lessons freely.
    assert instructor.get(f"/api/v1/lessons/{second}").status_code == 200


def two_module_course(instructor, first_files):
    """A published course: first_files' module, then a second one that
    requires it (no quiz). Returns the slug and the public outline."""
    slug = new_course(instructor)
    assert upload(instructor, slug, make_zip(first_files)).status_code == 201
    m = manifest(example_files())
    m["key"], m["order"], m["requires_previous"], m["quiz"] = "part-two", 2, True, None
    assert upload(instructor, slug,
                  make_zip(with_manifest(example_files(), m))).status_code == 201
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/publish").status_code == 200
    return slug, requests.get(url(f"/api/v1/courses/{slug}")).json()


def lock_of(client, lesson):
    r = client.get(f"/api/v1/lessons/{lesson}")
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["code"] == "lesson_locked"
    return err


def test_module_requiring_previous_quiz(db, instructor, learner):
    slug, outline = two_module_course(instructor, example_files())
    one, two = outline["modules"]
    quiz = one["quiz"]["id"]
    enroll(learner, slug)
    ids = [l["id"] for l in lessons_of(slug)]

    # Nothing done: the module's lessons and its quiz, both named.
    err = lock_of(learner, ids[2])
    assert err["unlock"]["reason"] == "module_lessons_and_quiz"
    assert err["unlock"]["module_id"] == one["id"] and err["unlock"]["title"] == one["title"]
    assert [l["id"] for l in err["unlock"]["lessons"]] == ids[:2]
    assert err["unlock"]["quiz_id"] == quiz
    assert err["message"] == (f'Finish the 2 lessons left in the module "{one["title"]}" '
                              'and pass its quiz "Check your understanding" first.')

    for lid in ids[:2]:
        assert beat(learner, lid, completed=True).status_code == 200
    # Lessons done: only the quiz is left, and the answer says so.
    err = lock_of(learner, ids[2])
    assert err["unlock"]["reason"] == "quiz" and err["unlock"]["quiz_id"] == quiz
    assert err["unlock"]["module_id"] == one["id"] and "lessons" not in err["unlock"]
    assert err["unlock"]["quiz_title"] == "Check your understanding"
    assert err["message"] == (f'Pass the quiz "Check your understanding" of the module '
                              f'"{one["title"]}" first.')
    r = beat(learner, ids[2])
    assert r.status_code == 403 and r.json()["error"]["unlock"]["reason"] == "quiz"
    # The quiz engine records a pass; the module opens.
    record_quiz_pass(db, learner, slug)
    assert learner.get(f"/api/v1/lessons/{ids[2]}").status_code == 200


def test_module_without_quiz_names_only_the_lessons_left(db, instructor, learner):
    slug, outline = two_module_course(instructor, no_quiz_files())
    one = outline["modules"][0]
    enroll(learner, slug)
    ids = [l["id"] for l in lessons_of(slug)]
    err = lock_of(learner, ids[2])
    assert err["unlock"]["reason"] == "module_lessons" and "quiz_id" not in err["unlock"]
    assert err["unlock"]["module_id"] == one["id"]
    assert "quiz" not in err["message"]
    assert beat(learner, ids[0], completed=True).status_code == 200
    err = lock_of(learner, ids[2])
    assert [l["id"] for l in err["unlock"]["lessons"]] == [ids[1]]
    assert err["message"] == (f'Finish the lesson "What to record and pass on" of the module '
                              f'"{one["title"]}" first.')
    assert beat(learner, ids[1], completed=True).status_code == 200
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
    r2 = beat(learner, first, key=key, position=0.3, delta=12)
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json()
    row = query(db, "SELECT lp.position, lp.time_spent FROM lesson_progress lp "
                    "WHERE lp.lesson_id = %s", first)
    assert row[0][0] == pytest.approx(0.3) and row[0][1] == 12


def test_a_key_sent_again_with_another_lesson_or_body_is_refused(db, learner, course):
    enroll(learner, course)
    first, second = [l["id"] for l in lessons_of(course)]
    key = str(uuid.uuid4())
    r1 = beat(learner, first, key=key, position=0.3, delta=12)
    assert r1.status_code == 200
    for lesson, position, delta, completed in ((second, 0.3, 12, False),
                                               (first, 0.9, 12, False),
                                               (first, 0.3, 13, False),
                                               (first, 0.3, 12, True)):
        r = beat(learner, lesson, key=key, position=position, delta=delta,
                 completed=completed)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "idempotency_key_reused"
    # Nothing was written by the refused requests; the replay still answers.
    rows = query(db, "SELECT lesson_id, position, time_spent, completed_at FROM lesson_progress "
                     "WHERE enrollment_id = %s", enrollment_row(db, learner, course)[0])
    assert [(r[0], r[2], r[3]) for r in rows] == [(first, 12, None)]
    assert rows[0][1] == pytest.approx(0.3)
    assert beat(learner, first, key=key, position=0.3, delta=12).json() == r1.json()


def test_one_key_sent_at_once_to_two_courses_is_one_beat(db, instructor, learner):
    slugs = [published_course(instructor, no_quiz_files()) for _ in range(2)]
    for slug in slugs:
        enroll(learner, slug)
    lessons = [lessons_of(slug)[0]["id"] for slug in slugs]
    for _ in range(5):
        key = str(uuid.uuid4())
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda l: beat(learner, l, key=key), lessons))
        assert sorted(r.status_code for r in answers) == [200, 422], \
            [r.text for r in answers]
        refused = [r for r in answers if r.status_code == 422][0]
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
        stored = query(db, "SELECT lesson_id FROM progress_beats WHERE user_id = %s AND key = %s",
                       learner.user_id, key)
        winner = [r for r in answers if r.status_code == 200][0].json()["lesson_id"]
        assert stored == [(winner,)]


def test_duplicates_sent_at_once_are_recorded_once(db, learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    key = str(uuid.uuid4())
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: beat(learner, first, key=key, delta=20), range(8)))
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    assert all(r.json() == answers[0].json() for r in answers)
    assert query(db, "SELECT time_spent FROM lesson_progress WHERE lesson_id = %s",
                 first)[0][0] == 20
    assert query(db, "SELECT count(*) FROM progress_beats WHERE user_id = %s",
                 learner.user_id)[0][0] == 1


def test_old_beats_are_purged_as_new_ones_arrive(db, learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    for key, age in (("expired-key", "32 days"), ("kept-key", "29 days")):
        query(db, "INSERT INTO progress_beats (user_id, key, lesson_id, response, created_at) "
                  "VALUES (%s, %s, %s, '{}', now() - %s::interval)",
              learner.user_id, key, first, age)
    # One new beat in learning.beat_purge_every() purges, chosen by its key.
    purging, quiet = [query(
        db, "SELECT k FROM (SELECT 'beat-' || g AS k FROM generate_series(1, 5000) g) s "
            "WHERE (learning.beat_lock_key(%s, k) %% learning.beat_purge_every() = 0) = %s "
            "LIMIT 1", learner.user_id, wanted)[0][0] for wanted in (True, False)]

    def keys():
        return {k for (k,) in query(db, "SELECT key FROM progress_beats WHERE user_id = %s",
                                    learner.user_id)}

    assert beat(learner, first, key=quiet).status_code == 200
    assert keys() == {"expired-key", "kept-key", quiet}
    assert beat(learner, first, key=purging).status_code == 200
    assert keys() == {"kept-key", quiet, purging}
    # A key still remembered is still a replay.
    r = beat(learner, first, key="kept-key")
    assert r.status_code == 200 and r.json() == {}


def test_time_beyond_the_wall_clock_is_capped(db, learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    r = beat(learner, first, delta=20)
    assert r.json()["credited"] == 20
    r = beat(learner, first, delta=3600)
    # A moment later an hour is claimed. In total a lesson is credited at
    # most the wall clock since its first beat plus the 30 s slack, and
    # the first beat took 20 of those: what is left is credited, exactly.
    wall = query(db, "SELECT extract(epoch FROM last_beat_at - first_beat_at)::int, time_spent "
                     "FROM lesson_progress WHERE lesson_id = %s", first)[0]
    assert r.json()["credited"] == wall[0] + 30 - 20
    assert r.json()["time_spent"] == wall[1] == wall[0] + 30
    assert r.json()["credited"] < 3600


def test_fifty_concurrent_beats_lose_nothing_and_double_count_nothing(db, learner, course):
    enroll(learner, course)
    lessons = [l["id"] for l in lessons_of(course)]
    keys = [str(uuid.uuid4()) for _ in range(50)]

    def send(i):
        # Two "devices" finish the last two lessons at once: beats for
        # both lessons interleave, one in four completes its lesson, all
        # claim time; every tenth beat is sent twice with its key.
        lesson = lessons[i % 2]
        r = beat(learner, lesson, key=keys[i], position=i / 50, delta=10,
                 completed=(i % 4 < 2))
        if i % 10 == 0:
            r2 = beat(learner, lesson, key=keys[i], position=i / 50, delta=10,
                      completed=(i % 4 < 2))
            assert r2.status_code == 200 and r2.json() == r.json()
        return r

    with concurrent.futures.ThreadPoolExecutor(25) as pool:
        answers = list(pool.map(send, range(50)))
    assert [r.status_code for r in answers] == [200] * 50, [r.text for r in answers]
    bodies = [r.json() for r in answers]
    row = enrollment_row(db, learner, course)
    assert row[1] is not None
    # Exactly one beat completed the course, and every later one saw the
    # same completion time.
    assert sum(b["course"]["completed_now"] for b in bodies) == 1
    done = [b["course"]["completed_at"] for b in bodies if b["course"]["completed_at"]]
    assert {datetime.datetime.fromisoformat(t) for t in done} == {row[1]}
    assert certificate_jobs(db, row[0]) == 1
    for i, lesson in enumerate(lessons):
        spent, done_at, wall = query(
            db, "SELECT time_spent, completed_at, "
                "ceil(extract(epoch FROM last_beat_at - first_beat_at))::int "
                "FROM lesson_progress WHERE lesson_id = %s AND enrollment_id = %s",
            lesson, row[0])[0]
        assert done_at is not None
        # Each beat's credit counted once (replays add nothing), and never
        # more than the wall clock and the slack allow.
        assert spent == sum(b["credited"] for b in bodies[i::2])
        assert spent <= wall + 30
    assert query(db, "SELECT count(*) FROM progress_beats WHERE user_id = %s",
                 learner.user_id)[0][0] == 50


def test_conflicts_answer_503_try_again_and_change_nothing(db, learner, course):
    """A deadlock (40P01) or serialization failure (40001), provoked by a
    trigger that raises it, answers 503 try_again; the retry is safe."""
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    key = str(uuid.uuid4())
    name = "test_conflict_" + uuid.uuid4().hex[:8]
    for state in ("40P01", "40001"):
        query(db, f"CREATE FUNCTION public.{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                  f"BEGIN RAISE EXCEPTION 'provoked' USING ERRCODE = '{state}'; END $$")
        query(db, f"CREATE TRIGGER {name} BEFORE INSERT ON progress_beats FOR EACH ROW "
                  f"WHEN (NEW.user_id = '{learner.user_id}') EXECUTE FUNCTION public.{name}()")
        try:
            r = beat(learner, first, key=key, delta=15, completed=True)
        finally:
            query(db, f"DROP TRIGGER {name} ON progress_beats")
            query(db, f"DROP FUNCTION public.{name}()")
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "try_again"
        assert int(r.headers["Retry-After"]) >= 1
        assert query(db, "SELECT count(*) FROM lesson_progress WHERE lesson_id = %s",
                     first)[0][0] == 0
    r = beat(learner, first, key=key, delta=15, completed=True)
    assert r.status_code == 200 and r.json()["credited"] == 15
    assert r.json()["status"] == "completed"


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
    def jobs():
        # One job a completion: the key names the enrollment and its
        # completed_at (a later round completes again, with a key of its own).
        return query(db, "SELECT j.state, j.attempts, j.dedupe_key = 'certificate_issue:' "
                         "|| e.id || ':' || extract(epoch FROM e.completed_at) "
                         "FROM jobs j JOIN enrollments e "
                         "ON e.id = (j.payload->>'enrollment_id')::uuid "
                         "WHERE j.kind = 'certificate_issue' AND e.user_id = %s",
                     learner.user_id)
    # One job, run once (tests/api/test_certificates.py has the certificate).
    wait_for(lambda: jobs()[0][0] == "done", "the certificate job")
    assert jobs() == [("done", 1, True)]
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


def test_completed_enrollments_stay_completed_at_100_percent_on_a_new_version(
        db, instructor, learner):
    files = no_quiz_files()
    slug = published_course(instructor, files)
    enroll(learner, slug)
    for lid in [l["id"] for l in lessons_of(slug)]:
        assert beat(learner, lid, completed=True).status_code == 200
    before = enrollment_row(db, learner, slug)
    assert before[1] is not None
    m = manifest(files)
    m["lessons"].append({"key": "extra", "title": "Extra", "file": "lessons/02-what-to-record.md"})
    r = upload(instructor, slug, make_zip(with_manifest(files, m)))
    assert r.status_code == 200, r.text
    assert len(lessons_of(slug)) == 3
    [mine] = learner.get("/api/v1/me/enrollments").json()["enrollments"]
    assert datetime.datetime.fromisoformat(mine["completed_at"]) == before[1]
    # Completion stands, and so does the figure that reports it.
    assert mine["percent"] == 100
    p = learner.get(f"/api/v1/courses/{slug}/progress").json()
    assert p["percent"] == 100 and len(p["remaining"]["lessons"]) == 1
    assert enrollment_row(db, learner, slug)[1] == before[1]
    assert certificate_jobs(db, before[0]) == 1


def test_a_version_that_drops_what_was_left_completes_the_course(db, instructor, learner):
    files = no_quiz_files()
    slug = published_course(instructor, files)
    enroll(learner, slug)
    first, second = [l["id"] for l in lessons_of(slug)]
    assert beat(learner, first, completed=True).status_code == 200
    assert beat(learner, second, position=0.5).status_code == 200
    other = new_user(db)
    enroll(other, slug)
    assert beat(other, second, completed=True).status_code == 200
    m = manifest(files)
    m["lessons"] = [m["lessons"][0]]
    r = upload(instructor, slug, make_zip(with_manifest(files, m)))
    assert r.status_code == 200, r.text
    assert [l["id"] for l in lessons_of(slug)] == [first]
    # The only lesson left to do is gone: the upload completed the course.
    row = enrollment_row(db, learner, slug)
    assert row[1] is not None and certificate_jobs(db, row[0]) == 1
    [mine] = learner.get("/api/v1/me/enrollments").json()["enrollments"]
    assert mine["percent"] == 100 and mine["completed_at"] is not None
    # A learner who had not finished the remaining lesson is still going.
    row = enrollment_row(db, other, slug)
    assert row[1] is None and certificate_jobs(db, row[0]) == 0


def test_a_quiz_pass_can_complete_the_course(db, instructor, learner):
    slug = published_course(instructor)
    enroll(learner, slug)
    ids = [l["id"] for l in lessons_of(slug)]
    for lid in ids:
        assert beat(learner, lid, completed=True).status_code == 200
    row = enrollment_row(db, learner, slug)
    assert row[1] is None
    early = new_user(db)
    enroll(early, slug)
    assert beat(early, ids[0], completed=True).status_code == 200
    # The quiz engine records the pass: the last piece, so the course is done.
    record_quiz_pass(db, learner, slug)
    row = enrollment_row(db, learner, slug)
    assert row[1] is not None and certificate_jobs(db, row[0]) == 1
    p = learner.get(f"/api/v1/courses/{slug}/progress").json()
    assert p["percent"] == 100 and p["remaining"] == {"lessons": [], "quizzes": []}
    # A pass with a lesson still to read completes nothing.
    record_quiz_pass(db, early, slug)
    row = enrollment_row(db, early, slug)
    assert row[1] is None and certificate_jobs(db, row[0]) == 0
    r = beat(early, ids[1], completed=True)
    assert r.json()["course"]["completed_now"] is True


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


def test_padded_values_are_trimmed_before_they_are_checked(db, admin, course):
    a, b = new_user(db), new_user(db)
    r = csv_post(admin, f"email,course\n {a.email} , {course}\n\t{b.email}\t,{course} \n")
    assert r.status_code == 200, r.text
    assert [(x["email"], x["course"], x["result"]) for x in r.json()["results"]] == \
        [(a.email, course, "enrolled"), (b.email, course, "enrolled")]
    assert enrollment_row(db, a, course) is not None
    assert enrollment_row(db, b, course) is not None


@pytest.mark.parametrize("bad", [
    '"unterminated,abc',
    "a@b.org,one,extra",
    'a"b@c.org,x',
    '"a@b.org"x,abc',
    None,                           # a header without email and course
])
def test_malformed_csv_changes_nothing(db, admin, course, bad):
    a, b = new_user(db), new_user(db)
    good = [f"{a.email},{course}", f"{b.email},{course}"]
    if bad is None:
        text, line = "\n".join(["mail,slug"] + good) + "\n", 1
    else:
        text, line = "\n".join(["email,course", good[0], bad, good[1]]) + "\n", 3
    r = csv_post(admin, text)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_csv"
    assert r.json()["error"]["message"].startswith(f"Line {line}:")
    assert enrollment_row(db, a, course) is None
    assert enrollment_row(db, b, course) is None
    # The rows around the bad line were good: alone they import.
    r = csv_post(admin, "email,course\n" + "\n".join(good) + "\n")
    assert [x["result"] for x in r.json()["results"]] == ["enrolled", "enrolled"]


def imports_waiting(db, blocker):
    """(import statements waiting on a lock, how many of them wait on blocker's pid)."""
    waiters = lock_waiters(db, "api.admin_enroll_bulk")
    return len(waiters), sum(blocker in pids for pids in waiters)


def test_imports_naming_courses_in_opposite_orders_do_not_deadlock(db, admin, instructor):
    one, two = [published_course(instructor, no_quiz_files()) for _ in range(2)]
    people = [new_user(db) for _ in range(4)]
    files = [f"email,course\n{people[0].email},{one}\n{people[1].email},{two}\n",
             f"email,course\n{people[2].email},{two}\n{people[3].email},{one}\n"]
    # Each course is held by a transaction of its own, so that the imports
    # are let go one course at a time: the first file's first course, and
    # once everything waits again, the other. Taking a row's course at the
    # row, the first import would then hold "one" and want "two", the
    # second hold "two" and want "one": a deadlock every time.
    holds = [psycopg2.connect(DATABASE_URL) for _ in range(2)]
    try:
        for h, slug in zip(holds, (one, two)):
            with h.cursor() as cur:
                cur.execute("SELECT id FROM courses WHERE slug = %s FOR UPDATE", (slug,))
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = [pool.submit(csv_post, admin, f) for f in files]
            first_pid = holds[0].get_backend_pid()
            wait_for(lambda: imports_waiting(db, first_pid)[0] == 2,
                     "both imports to wait on the courses")
            holds[0].commit()
            wait_for(lambda: imports_waiting(db, first_pid) == (2, 0),
                     "both imports to wait again, on the second course")
            holds[1].commit()
            answers = [f.result() for f in answers]
    finally:
        for h in holds:
            h.close()
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    assert [[x["result"] for x in r.json()["results"]] for r in answers] == \
        [["enrolled", "enrolled"]] * 2


def test_bad_utf8_csv_and_non_admins_are_refused(db, admin, learner):
    r = admin.post("/api/v1/admin/enrollments/import", data=b"email,course\n\xff,x\n",
                   headers={"Content-Type": "text/csv"})
    assert r.status_code == 400
    assert csv_post(learner, "email,course\n").status_code == 403
