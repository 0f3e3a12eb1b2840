"""The authoring API: who may change a course, and what each change does."""
import uuid

import requests

from conftest import new_user, query, url
from courses import (counts, example_files, make_zip, manifest, new_course, published_course,
                     upload, with_manifest)


def module_zip(key, order, files=None):
    files = files or example_files()
    m = manifest(files)
    m["key"], m["order"] = key, order
    return make_zip(with_manifest(files, m))


def preview(client, slug):
    r = client.get(f"/api/v1/instructor/courses/{slug}/preview")
    assert r.status_code == 200, r.text
    return r.json()


def order_of(client, slug):
    return [(m["key"], m["order"]) for m in preview(client, slug)["modules"]]


# -- the right to edit comes first ---------------------------------------------

def test_upload_asks_who_may_edit_before_reading_the_package(db, instructor):
    slug = new_course(instructor)
    stranger = new_user(db, "instructor")
    broken = b"this is not a zip file at all"
    before = counts(db)
    # Someone else's course: 403 before the package is looked at, so a
    # broken package says so too (it used to get the package's 422).
    r = upload(stranger, slug, broken)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "not_your_course"
    r = stranger.post(f"/api/v1/instructor/courses/{slug}/modules",
                      files={"other": ("x.zip", b"x")})
    assert r.status_code == 403, r.text
    # No such course: 404, whatever the package.
    r = upload(instructor, "no-such-course-" + uuid.uuid4().hex[:8], broken)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "course_not_found"
    assert counts(db) == before
    # The owner still gets the package's problems.
    r = upload(instructor, slug, broken)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_package"
    assert counts(db) == before


# -- translation groups -----------------------------------------------------------

def translations(slug):
    r = requests.get(url(f"/api/v1/courses/{slug}"))
    assert r.status_code == 200, r.text
    return [t["slug"] for t in r.json()["translations"]]


def test_only_a_groups_instructors_add_translations_to_it(db, instructor):
    group = "group-" + uuid.uuid4().hex[:10]
    mine = published_course(instructor, translation_group=group)
    other = new_user(db, "instructor")

    # Another instructor can neither create a course in the group...
    slug = "course-" + uuid.uuid4().hex[:10]
    r = other.post("/api/v1/instructor/courses",
                   json={"slug": slug, "title": "Hijack", "language": "es",
                         "translation_group": group})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "translation_group_not_yours"
    assert r.json()["error"]["field"] == "translation_group"
    assert query(db, "SELECT count(*) FROM courses WHERE slug = %s", slug)[0][0] == 0
    # ...nor move a course of theirs into it.
    theirs = published_course(other, language="es")
    r = other.patch(f"/api/v1/instructor/courses/{theirs}", json={"translation_group": group})
    assert r.status_code == 403, r.text
    assert query(db, "SELECT translation_group FROM courses WHERE slug = %s",
                 theirs)[0][0] is None
    assert translations(mine) == []
    # A group no other course uses is free to take.
    free = new_course(other, translation_group="group-" + uuid.uuid4().hex[:10])
    assert free

    # Once a co-instructor of a course in the group, they may join it.
    r = instructor.post(f"/api/v1/instructor/courses/{mine}/instructors",
                        json={"email": other.email})
    assert r.status_code == 201, r.text
    r = other.patch(f"/api/v1/instructor/courses/{theirs}", json={"translation_group": group})
    assert r.status_code == 200, r.text
    assert translations(mine) == [theirs] and translations(theirs) == [mine]
    # Leaving the group takes it off the other course's page too.
    r = other.patch(f"/api/v1/instructor/courses/{theirs}",
                    json={"translation_group": "group-" + uuid.uuid4().hex[:10]})
    assert r.status_code == 200, r.text
    assert translations(mine) == []

    # Admins may put any course in any group.
    admin = new_user(db, "admin")
    r = admin.post("/api/v1/instructor/courses",
                   json={"slug": "course-" + uuid.uuid4().hex[:10], "title": "Admin's",
                         "language": "fr", "translation_group": group})
    assert r.status_code == 201, r.text


# -- versions and positions ---------------------------------------------------------

def versions(db, slug, learner):
    return query(db, "SELECT c.version, e.course_version FROM courses c "
                     "LEFT JOIN enrollments e ON e.course_id = c.id AND e.user_id = %s "
                     "WHERE c.slug = %s", learner.user_id, slug)[0]


def test_every_module_change_is_a_new_course_version(db, instructor):
    slug = new_course(instructor)
    learner = new_user(db, "learner")
    assert versions(db, slug, learner) == (1, None)
    assert upload(instructor, slug, module_zip("first", 1)).status_code == 201
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/publish").status_code == 200
    assert learner.post(f"/api/v1/courses/{slug}/enrollment").status_code == 201
    assert versions(db, slug, learner) == (2, 2)
    # A new module, as much as a replaced one, moves in-progress learners on.
    assert upload(instructor, slug, module_zip("second", 2)).status_code == 201
    assert versions(db, slug, learner) == (3, 3)
    assert upload(instructor, slug, module_zip("first", 1)).status_code == 200
    assert versions(db, slug, learner) == (4, 4)
    # Reordering changes no module's content: the same version.
    r = instructor.put(f"/api/v1/instructor/courses/{slug}/modules/order",
                       json={"keys": ["second", "first"]})
    assert r.status_code == 200, r.text
    assert versions(db, slug, learner) == (4, 4)
    assert instructor.delete(
        f"/api/v1/instructor/courses/{slug}/modules/second").status_code == 204
    assert versions(db, slug, learner) == (5, 5)
    assert preview(instructor, slug)["version"] == 5


def test_module_positions_stay_unique_and_survive_re_uploads(db, instructor):
    slug = new_course(instructor)
    r = upload(instructor, slug, module_zip("a", 1))
    assert r.status_code == 201 and r.json()["module"]["order"] == 1
    # A new module goes where its order says; the others move down.
    assert upload(instructor, slug, module_zip("b", 1)).status_code == 201
    assert order_of(instructor, slug) == [("b", 1), ("a", 2)]
    # An order past the end puts it last.
    assert upload(instructor, slug, module_zip("c", 99)).status_code == 201
    assert order_of(instructor, slug) == [("b", 1), ("a", 2), ("c", 3)]
    r = instructor.put(f"/api/v1/instructor/courses/{slug}/modules/order",
                       json={"keys": ["a", "c", "b"]})
    assert r.status_code == 200, r.text
    # A re-upload keeps the instructor's order, whatever its manifest says.
    r = upload(instructor, slug, module_zip("b", 1))
    assert r.status_code == 200 and r.json()["module"]["order"] == 3
    assert order_of(instructor, slug) == [("a", 1), ("c", 2), ("b", 3)]
    # A removed module leaves no gap.
    assert instructor.delete(f"/api/v1/instructor/courses/{slug}/modules/a").status_code == 204
    assert order_of(instructor, slug) == [("c", 1), ("b", 2)]
    rows = query(db, "SELECT m.key, m.position FROM modules m JOIN courses c "
                     "ON c.id = m.course_id WHERE c.slug = %s ORDER BY m.position", slug)
    assert rows == [("c", 1), ("b", 2)]


# -- audit and the instructor's own list ----------------------------------------------

def audit_rows(db, slug, since):
    return query(db, "SELECT action, actor_id::text, request_id, details FROM audit_log "
                     "WHERE target_type = 'course' AND target_id = %s AND id > %s "
                     "ORDER BY id", slug, since)


def test_publish_reorder_delete_and_instructor_add_are_audited(db, instructor):
    slug = new_course(instructor)
    assert upload(instructor, slug, module_zip("one", 1)).status_code == 201
    assert upload(instructor, slug, module_zip("two", 2)).status_code == 201
    co = new_user(db, "instructor")
    since = query(db, "SELECT coalesce(max(id), 0) FROM audit_log")[0][0]
    responses = [
        instructor.post(f"/api/v1/instructor/courses/{slug}/publish"),
        instructor.post(f"/api/v1/instructor/courses/{slug}/unpublish"),
        instructor.put(f"/api/v1/instructor/courses/{slug}/modules/order",
                       json={"keys": ["two", "one"]}),
        instructor.delete(f"/api/v1/instructor/courses/{slug}/modules/one"),
        instructor.post(f"/api/v1/instructor/courses/{slug}/instructors",
                        json={"email": co.email}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 204, 201]
    rows = audit_rows(db, slug, since)
    assert [(a, actor) for a, actor, _, _ in rows] == [
        ("course.publish", instructor.user_id),
        ("course.unpublish", instructor.user_id),
        ("module.reorder", instructor.user_id),
        ("module.delete", instructor.user_id),
        ("course.instructor_add", instructor.user_id)]
    assert [rid for _, _, rid, _ in rows] == [r.headers["x-request-id"] for r in responses]
    assert rows[2][3] == {"keys": ["two", "one"]}
    assert rows[3][3] == {"module": "one"}
    assert rows[4][3] == {"user_id": co.user_id}
    # A refused change writes nothing to the log.
    stranger = new_user(db, "instructor")
    assert stranger.post(f"/api/v1/instructor/courses/{slug}/publish").status_code == 403
    assert stranger.delete(f"/api/v1/instructor/courses/{slug}/modules/two").status_code == 403
    assert len(audit_rows(db, slug, since)) == 5


def test_instructors_list_their_own_courses(db, instructor):
    empty = new_course(instructor)
    full = new_course(instructor)
    assert upload(instructor, full, module_zip("one", 1)).status_code == 201
    assert upload(instructor, full, module_zip("two", 2)).status_code == 201
    other = new_user(db, "instructor")
    theirs = new_course(other)

    r = instructor.get("/api/v1/instructor/courses")
    assert r.status_code == 200, r.text
    mine = {c["slug"]: c for c in r.json()["courses"]}
    assert set(mine) == {empty, full}
    assert (mine[full]["status"], mine[full]["version"], mine[full]["modules"]) == \
        ("draft", 3, 2)
    assert (mine[empty]["version"], mine[empty]["modules"]) == (1, 0)
    assert [c["slug"] for c in r.json()["courses"]][0] == full   # most recently changed
    assert set(mine[full]) >= {"slug", "title", "summary", "language", "audiences",
                               "estimated_hours", "status", "version", "updated_at"}

    r = other.get("/api/v1/instructor/courses")
    assert r.status_code == 200 and [c["slug"] for c in r.json()["courses"]] == [theirs]
    # A co-instructor sees the course once added; admins see every course.
    instructor.post(f"/api/v1/instructor/courses/{full}/instructors", json={"email": other.email})
    assert {c["slug"] for c in other.get("/api/v1/instructor/courses").json()["courses"]} == \
        {theirs, full}
    admin = new_user(db, "admin")
    seen = {c["slug"] for c in admin.get("/api/v1/instructor/courses").json()["courses"]}
    assert {empty, full, theirs} <= seen
    learner = new_user(db, "learner")
    assert learner.get("/api/v1/instructor/courses").status_code == 403
    assert requests.get(url("/api/v1/instructor/courses")).status_code == 401


# -- quiz questions: the one validator of docs/questions.md ------------------------

SEVEN = [
    {"key": "s", "type": "single_choice", "prompt": "One?",
     "choices": [{"key": "a", "text": "A", "correct": True},
                 {"key": "b", "text": "B", "fraction": 0.25}]},
    {"key": "m", "type": "multiple_choice", "grading": "partial", "prompt": "Some?",
     "choices": [{"key": "a", "text": "A", "fraction": 0.5},
                 {"key": "b", "text": "B", "fraction": 0.5},
                 {"key": "c", "text": "C", "fraction": -1}]},
    {"key": "t", "type": "true_false", "prompt": "True?",
     "choices": [{"key": "true", "text": "True", "correct": True},
                 {"key": "false", "text": "False", "correct": False}]},
    {"key": "sa", "type": "short_answer", "prompt": "Who?", "ignore_accents": True,
     "answers": [{"text": "the designated safeguarding lead"}]},
    {"key": "n", "type": "numeric", "prompt": "How many?",
     "answers": [{"value": 2}, {"value": 3, "tolerance": 1, "fraction": 0.5}]},
    {"key": "o", "type": "ordering", "prompt": "Order?",
     "items": [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}]},
    {"key": "x", "type": "matching", "prompt": "Match?",
     "pairs": [{"key": "a", "prompt": "A", "answer": "1"},
               {"key": "b", "prompt": "B", "answer": "2"}], "distractors": ["3"]},
]


def quiz_zip(questions):
    files = example_files()
    m = manifest(files)
    m["quiz"]["questions"] = questions
    return make_zip(with_manifest(files, m))


def test_a_quiz_of_all_seven_types_uploads(db, instructor):
    slug = new_course(instructor)
    r = upload(instructor, slug, quiz_zip(SEVEN))
    assert r.status_code == 201, r.text
    stored = query(db, "SELECT q.definition FROM quizzes q JOIN courses c "
                       "ON c.id = q.course_id WHERE c.slug = %s", slug)[0][0]
    assert stored["questions"] == SEVEN


def test_question_problems_have_module_json_paths(db, instructor):
    slug = new_course(instructor)
    bad = [dict(SEVEN[4], answers=[{"value": "two"}]),
           dict(SEVEN[1], choices=[{"key": "a", "text": "A", "fraction": 0.5},
                                   {"key": "b", "text": "B", "correct": True}]),
           dict(SEVEN[0], colour="red")]
    before = counts(db)
    r = upload(instructor, slug, quiz_zip(bad))
    assert r.status_code == 422, r.text
    got = {(p["code"], p["path"]) for p in r.json()["error"]["problems"]}
    assert got == {("wrong_type", "quiz.questions[0].answers[0].value"),
                   # Partial credit: every choice has a fraction, and
                   # 'correct' counts as 1, so the positive ones make 1.5.
                   ("missing_member", "quiz.questions[1].choices[1]"),
                   ("bad_fractions", "quiz.questions[1].choices"),
                   ("unknown_member", "quiz.questions[2].colour")}, got
    assert all(p["file"] == "module.json" and p["line"] >= 1
               for p in r.json()["error"]["problems"])
    assert counts(db) == before
