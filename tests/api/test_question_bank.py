"""Question banks: importing GIFT and Moodle XML files into a course's bank,
listing it by category, deleting a question (src/quiz_banks.c,
sql/functions/quiz_banks.sql, docs/questions.md)."""
import os
import re

import pytest

import courses
from conftest import ROOT, new_user, query

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "quiz")
GIFT = open(os.path.join(FIXTURES, "every-type.gift"), "rb").read()
XML = open(os.path.join(FIXTURES, "every-type.xml"), "rb").read()
BROKEN_GIFT = open(os.path.join(FIXTURES, "broken.gift"), "rb").read()
BROKEN_XML = open(os.path.join(FIXTURES, "broken.xml"), "rb").read()


def imp(client, slug, data, ctype="text/plain", fmt=None):
    path = f"/api/v1/instructor/courses/{slug}/questions/import"
    if fmt:
        path += "?format=" + fmt
    return client.post(path, data=data, headers={"Content-Type": ctype})


def bank(db, slug):
    return query(db, "SELECT b.key, b.type, b.category, b.source, b.question, b.import_id::text "
                     "FROM question_bank b JOIN courses c ON c.id = b.course_id "
                     "WHERE c.slug = %s ORDER BY b.created_at, b.key", slug)


@pytest.fixture
def course(instructor):
    return courses.new_course(instructor)


def test_gift_import_every_type(db, instructor, course):
    r = imp(instructor, course, GIFT)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["imported"] == 12
    assert len(body["questions"]) == 12
    assert [s["type"] for s in body["skipped"]] == ["essay", "description"]
    assert all("line" in s for s in body["skipped"])
    rows = bank(db, course)
    assert len(rows) == 12
    prefix = body["questions"][0]["key"].split("-")[0]
    assert re.fullmatch(r"[0-9a-f]{8}", prefix)
    by_key = {k: (t, c, s, q, i) for k, t, c, s, q, i in rows}
    for q in body["questions"]:
        t, c, s, stored, _ = by_key[q["key"]]
        assert q["key"].startswith(prefix + "-gift-")
        assert stored["key"] == q["key"]
        assert (q["type"], q["category"]) == (t, c) == (stored["type"], stored.get("category", ""))
        assert s == "gift"
    first = by_key[body["questions"][0]["key"]][3]
    assert first["type"] == "single_choice" and first["title"] == "Neglect sign"
    assert [c["fraction"] for c in first["choices"]] == [1, 0, 0.25]
    assert body["questions"][0]["category"] == "Safeguarding/Basics"
    types = sorted({q["type"] for q in body["questions"]})
    assert types == ["matching", "multiple_choice", "numeric", "short_answer",
                     "single_choice", "true_false"]
    forms = next(v[3] for v in by_key.values() if v[3].get("title") == "Forms")
    assert forms["grading"] == "partial"
    assert [c["fraction"] for c in forms["choices"]] == [0.5, 0.5, -1]
    audit = query(db, "SELECT details FROM audit_log WHERE action = 'questions.import' "
                      "AND target_id = %s", course)
    assert audit[0][0]["imported"] == 12 and audit[0][0]["format"] == "gift"


def test_xml_import_every_type(db, instructor, course):
    r = imp(instructor, course, XML, "application/xml")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["imported"] == 8
    assert [s["type"] for s in body["skipped"]] == ["essay", "multianswer", "calculated",
                                                     "description"]
    rows = bank(db, course)
    assert len(rows) == 8 and {r[3] for r in rows} == {"moodle_xml"}
    assert {r[1] for r in rows} == {"single_choice", "multiple_choice", "true_false",
                                   "short_answer", "numeric", "matching", "ordering"}
    assert all("-xml-" in r[0] for r in rows)


def test_the_format_is_guessed_from_the_file(db, instructor, course):
    r = imp(instructor, course, XML, "application/octet-stream")
    assert r.status_code == 201, r.text
    assert {r[3] for r in bank(db, course)} == {"moodle_xml"}
    r = imp(instructor, course, GIFT, "application/octet-stream")
    assert r.status_code == 201, r.text
    r = imp(instructor, course, GIFT, "application/xml", fmt="gift")
    assert r.status_code == 201, r.text
    assert sorted(r[3] for r in bank(db, course)).count("gift") == 24


def test_keys_stay_unique_across_imports(db, instructor, course):
    a = imp(instructor, course, GIFT).json()
    b = imp(instructor, course, GIFT).json()
    ka = {q["key"] for q in a["questions"]}
    kb = {q["key"] for q in b["questions"]}
    assert len(ka) == len(kb) == 12 and not ka & kb
    # The same question of the file under each import's prefix.
    assert {k.split("-", 1)[1] for k in ka} == {k.split("-", 1)[1] for k in kb}
    assert a["import_id"] != b["import_id"]
    rows = bank(db, course)
    assert len(rows) == 24
    assert len({r[5] for r in rows}) == 2


@pytest.mark.parametrize("data,ctype,where", [(BROKEN_GIFT, "text/plain", "line"),
                                               (BROKEN_XML, "application/xml", "question")])
def test_a_broken_file_imports_nothing_and_names_every_problem(db, instructor, course,
                                                                data, ctype, where):
    imp(instructor, course, GIFT)
    before = query(db, "SELECT count(*) FROM question_bank")[0][0]
    r = imp(instructor, course, data, ctype)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_questions"
    assert len(err["problems"]) >= 3
    assert all(where in p and p["code"] and p["message"] for p in err["problems"])
    assert query(db, "SELECT count(*) FROM question_bank")[0][0] == before
    assert len(bank(db, course)) == 12


def test_broken_gift_names_each_line(instructor, course):
    err = imp(instructor, course, BROKEN_GIFT).json()["error"]
    lines = sorted({p["line"] for p in err["problems"]})
    assert lines == [4, 6, 8, 10]
    codes = {p["line"]: p["code"] for p in err["problems"]}
    assert codes[4] == "unclosed_answers" and codes[6] == "bad_choices"
    assert codes[8] == "bad_number" and codes[10] == "bad_weight"


def test_not_utf8_is_refused_with_the_importers_code(db, instructor, course):
    for data, ctype in ((b"::T::Caf\xe9? {T}\n", "text/plain"),
                        (b"<?xml version='1.0'?><quiz>\xff</quiz>", "application/xml")):
        r = imp(instructor, course, data, ctype)
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["code"] == "invalid_questions"
        assert err["problems"][0]["code"] in ("not_utf8", "not_xml"), err
    r = imp(instructor, course, b"::T::Caf\xe9? {T}\n")
    assert r.json()["error"]["problems"][0]["code"] == "not_utf8"
    assert bank(db, course) == []


def test_only_skipped_questions_import_nothing(db, instructor, course):
    r = imp(instructor, course, b"::Essay::Tell us.{}\n")
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 0 and r.json()["skipped"][0]["type"] == "essay"
    r = imp(instructor, course, b"// nothing\n\n")
    assert r.status_code == 422
    assert r.json()["error"]["problems"][0]["code"] == "no_questions"
    assert bank(db, course) == []


def test_limits_and_bad_requests(db, instructor, course):
    big = b"::Q::Yes? {T}\n\n" * (10 * 1024 * 1024 // 15 + 10)
    assert len(big) > 10 * 1024 * 1024
    r = imp(instructor, course, big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    r = imp(instructor, course, GIFT, fmt="aiken")
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"
    r = imp(instructor, course, b'{"questions": []}', "application/json")
    assert r.status_code == 415
    r = imp(instructor, "no-such-course-here", GIFT)
    assert r.status_code == 404 and r.json()["error"]["code"] == "course_not_found"
    assert bank(db, course) == []


def test_only_the_courses_instructors_and_admins(db, instructor, course):
    other = new_user(db, "instructor")
    learner = new_user(db, "learner")
    admin = new_user(db, "admin")
    for who, status in ((other, 403), (learner, 403)):
        r = imp(who, course, GIFT)
        assert r.status_code == status, r.text
        assert who.get(f"/api/v1/instructor/courses/{course}/questions").status_code == status
    r = imp(other, course, GIFT)
    assert r.json()["error"]["code"] == "not_your_course"
    assert bank(db, course) == []
    r = imp(admin, course, GIFT)
    assert r.status_code == 201
    key = r.json()["questions"][0]["key"]
    assert other.delete(f"/api/v1/instructor/courses/{course}/questions/{key}").status_code == 403
    assert len(bank(db, course)) == 12
    assert instructor.get(f"/api/v1/instructor/courses/{course}/questions").status_code == 200


def test_list_by_category_and_delete(db, instructor, course):
    imp(instructor, course, GIFT)
    imp(instructor, course, XML, "application/xml")
    r = instructor.get(f"/api/v1/instructor/courses/{course}/questions")
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["questions"]) == 20
    cats = {c["name"]: c["count"] for c in body["categories"]}
    assert sum(cats.values()) == 20
    assert cats["Safeguarding/Basics"] >= 5
    q = body["questions"][0]
    assert set(q) >= {"key", "title", "type", "category", "source", "question"}
    assert q["question"]["key"] == q["key"]
    r = instructor.get(f"/api/v1/instructor/courses/{course}/questions",
                       params={"category": "Safeguarding/Basics"})
    got = r.json()["questions"]
    assert len(got) == cats["Safeguarding/Basics"]
    assert {g["category"] for g in got} == {"Safeguarding/Basics"}
    assert r.json()["categories"] == body["categories"]
    r = instructor.get(f"/api/v1/instructor/courses/{course}/questions",
                       params={"category": "none such"})
    assert r.json()["questions"] == []

    key = got[0]["key"]
    path = f"/api/v1/instructor/courses/{course}/questions/{key}"
    r = instructor.delete(path)
    assert r.status_code == 204, r.text
    assert key not in {row[0] for row in bank(db, course)}
    assert len(bank(db, course)) == 19
    r = instructor.delete(path)
    assert r.status_code == 404 and r.json()["error"]["code"] == "question_not_found"
    r = instructor.delete(f"/api/v1/instructor/courses/{course}/questions/bad%20key")
    assert r.status_code == 404
    assert query(db, "SELECT count(*) FROM audit_log WHERE action = 'question.delete' "
                     "AND target_id = %s", course)[0][0] == 1
