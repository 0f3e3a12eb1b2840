"""What the staff pages read (issue 23): a course's learners and their
progress, the audit log filtered by the server, and a course's certificate
validity in the outline its instructors edit from.

A course's learners are named by display name only for its instructors: a
learner may be an investigator whose identity the instructor has no need to
know. Only an admin gets (and may search) the addresses.
"""
import uuid

import courses
from conftest import new_user, query


def learners(client, slug, **params):
    return client.get(f"/api/v1/instructor/courses/{slug}/learners", params=params)


def test_learners_with_their_progress_by_display_name_only(db, instructor, admin):
    slug = courses.published_course(instructor)
    tag = uuid.uuid4().hex[:8]
    a = new_user(db, display_name=f"Ana {tag}")
    b = new_user(db, display_name=f"Ben {tag}")
    gone = new_user(db, display_name=f"Gone {tag}")
    for who in (a, b, gone):
        assert courses.enroll(who, slug).status_code == 201
    assert gone.delete(f"/api/v1/courses/{slug}/enrollment").status_code in (200, 204)
    lessons = courses.lessons_of(slug)
    assert courses.beat(a, lessons[0]["id"], position=1.0, completed=True).status_code == 200
    courses.record_quiz_pass(db, a, slug)
    # The quiz pass above completes nothing while lessons remain.
    nquiz = query(db, "SELECT count(*) FROM quizzes q JOIN courses c ON c.id = q.course_id "
                      "WHERE c.slug = %s", slug)[0][0]

    r = learners(instructor, slug)
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["page"], page["page_size"], page["total"]) == (1, 50, 2)
    assert page["course"]["slug"] == slug
    assert page["lessons"] == len(lessons) and page["quizzes"] == nquiz
    rows = {x["display_name"]: x for x in page["learners"]}
    assert set(rows) == {f"Ana {tag}", f"Ben {tag}"}
    # The latest enrolled first; rows are enrollments, not accounts.
    assert [x["display_name"] for x in page["learners"]] == [f"Ben {tag}", f"Ana {tag}"]
    ids = {x for (x,) in query(db, "SELECT e.id::text FROM enrollments e JOIN courses c "
                                   "ON c.id = e.course_id WHERE c.slug = %s", slug)}
    assert {x["id"] for x in page["learners"]} <= ids
    ana, ben = rows[f"Ana {tag}"], rows[f"Ben {tag}"]
    assert ana["lessons_done"] == 1 and ana["quizzes_passed"] == nquiz
    assert ana["percent"] == 100 * 1 // len(lessons)
    assert ana["last_activity_at"] is not None and ana["completed_at"] is None
    assert ben["lessons_done"] == 0 and ben["quizzes_passed"] == 0
    assert ben["percent"] == 0 and ben["last_activity_at"] is None
    # No address, and no account id, reaches an instructor.
    text = r.text.lower()
    for who in (a, b, gone):
        assert who.email.lower() not in text and who.user_id not in text
    assert all("email" not in x for x in page["learners"])

    # Searched by name; an instructor's search by address finds nobody.
    r = learners(instructor, slug, q=f"ana {tag}").json()
    assert [x["display_name"] for x in r["learners"]] == [f"Ana {tag}"] and r["total"] == 1
    assert learners(instructor, slug, q=a.email).json()["total"] == 0
    assert learners(instructor, slug, q="%").json()["total"] == 0

    # An admin sees the addresses, and may search by one.
    r = learners(admin, slug, q=a.email.lower())
    assert r.status_code == 200, r.text
    assert [x["email"].lower() for x in r.json()["learners"]] == [a.email.lower()]


def test_learners_are_for_the_course_instructors_and_admins(db, instructor, learner):
    slug = courses.published_course(instructor)
    assert courses.enroll(learner, slug).status_code == 201
    other = new_user(db, "instructor")
    for who in (other, learner):
        r = learners(who, slug)
        assert r.status_code == 403, r.text
        assert "display_name" not in r.text
    assert learners(other, slug).json()["error"]["code"] == "not_your_course"
    assert learners(learner, slug).json()["error"]["code"] == "forbidden"
    r = learners(instructor, "no-such-course-" + uuid.uuid4().hex[:6])
    assert r.status_code == 404 and r.json()["error"]["code"] == "course_not_found"
    # A co-instructor may.
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/instructors",
                           json={"email": other.email}).status_code == 201
    assert learners(other, slug).json()["total"] == 1


def test_learners_page_and_bad_pages(db, instructor):
    slug = courses.published_course(instructor)
    tag = uuid.uuid4().hex[:8]
    # 51 learners enrolled a second apart: two pages of 50.
    query(db, "INSERT INTO users (email, password_hash, display_name, country, profession) "
              "SELECT %s || i || '@example.org', '!', 'Many ' || %s || ' ' || i, 'PH', "
              "'health' FROM generate_series(1, 51) i", f"many-{tag}-", tag)
    query(db, "INSERT INTO enrollments (user_id, course_id, course_version, enrolled_at) "
              "SELECT u.id, c.id, c.version, now() - (regexp_replace(u.display_name, "
              "'.* ', '')::int) * interval '1 second' FROM users u, courses c "
              "WHERE u.display_name LIKE %s AND c.slug = %s", f"Many {tag} %", slug)
    first = learners(instructor, slug).json()
    second = learners(instructor, slug, page="2").json()
    assert first["total"] == second["total"] == 51
    names = [x["display_name"] for x in first["learners"] + second["learners"]]
    assert names == [f"Many {tag} {i}" for i in range(1, 52)]
    for bad in ("0", "abc", "100001"):
        r = learners(instructor, slug, page=bad)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_page"
    r = learners(instructor, slug, q="x" * 200)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_query"


def audit(client, **params):
    return client.get("/api/v1/admin/audit", params=params)


def test_audit_filters_on_the_server(db, admin):
    tag = uuid.uuid4().hex[:8]
    target = new_user(db)
    other = new_user(db, "admin")
    for role in ("instructor", "learner"):
        r = admin.patch(f"/api/v1/admin/users/{target.user_id}", json={"role": role})
        assert r.status_code == 200, r.text
    assert other.patch(f"/api/v1/admin/users/{target.user_id}",
                       json={"disabled": False}).status_code == 200
    # Entries of another time, to filter by dates.
    query(db, "INSERT INTO audit_log (at, action, target_type, target_id) VALUES "
              "('2020-01-01T10:00:00Z', %s, 'test', 'old'), "
              "('2020-01-02T10:00:00Z', %s, 'test', 'old')", f"test.{tag}", f"test.{tag}")

    r = audit(admin, target=target.user_id)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [e["actor_id"] for e in body["entries"]] == [other.user_id, admin.user_id,
                                                        admin.user_id]
    assert body["filters"]["target"] == target.user_id
    assert "user.update" in body["actions"] and f"test.{tag}" in body["actions"]
    assert body["actions"] == sorted(set(body["actions"]))
    # By actor: id or address (any case); an address nobody has: nothing.
    for actor in (admin.user_id, admin.email.upper()):
        r = audit(admin, target=target.user_id, actor=actor).json()
        assert [e["details"] for e in r["entries"]] == [{"role": "learner"},
                                                        {"role": "instructor"}], actor
    assert audit(admin, actor=f"nobody-{tag}@example.org").json()["entries"] == []
    r = audit(admin, actor="not an account")
    assert r.status_code == 400 and r.json()["error"]["field"] == "actor"
    # By action, exactly.
    r = audit(admin, action=f"test.{tag}").json()
    assert len(r["entries"]) == 2 and {e["target_id"] for e in r["entries"]} == {"old"}
    assert audit(admin, action=f"test.{tag[:4]}").json()["entries"] == []
    # By time: since inclusive, until exclusive; a date or a date and time.
    r = audit(admin, action=f"test.{tag}", since="2020-01-02", until="2020-01-03").json()
    assert [e["at"][:10] for e in r["entries"]] == ["2020-01-02"]
    r = audit(admin, action=f"test.{tag}", until="2020-01-02T10:00:00Z").json()
    assert [e["at"][:10] for e in r["entries"]] == ["2020-01-01"]
    r = audit(admin, target=target.user_id, since="2020-01-01").json()
    assert len(r["entries"]) == 3
    assert audit(admin, target=target.user_id, until="2020-01-01").json()["entries"] == []
    for name in ("since", "until"):
        for bad in ("yesterday", "2026-13-01", "2026-02-30", "1e3", "99999-01-01"):
            r = audit(admin, **{name: bad})
            assert r.status_code == 400, (name, bad, r.text)
            err = r.json()["error"]
            assert (err["code"], err["field"]) == ("invalid_query", name), (name, bad)
    # Filters combine with the pages.
    r = audit(admin, action=f"test.{tag}", page="2").json()
    assert r["page"] == 2 and r["entries"] == []


def test_audit_is_for_admins(instructor, learner):
    for who in (instructor, learner):
        r = audit(who, action="user.update")
        assert r.status_code == 403 and "entries" not in r.text


def test_the_edit_outline_carries_the_certificate_validity(instructor, learner):
    slug = courses.new_course(instructor, certificate_valid_months=36)
    r = instructor.get(f"/api/v1/instructor/courses/{slug}/preview")
    assert r.status_code == 200 and r.json()["certificate_valid_months"] == 36
    assert instructor.patch(f"/api/v1/instructor/courses/{slug}",
                            json={"certificate_valid_months": None}).status_code == 200
    r = instructor.get(f"/api/v1/instructor/courses/{slug}/preview")
    assert r.json()["certificate_valid_months"] is None
    # The public outline does not carry it.
    courses.upload(instructor, slug, courses.make_zip(courses.example_files()))
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/publish").status_code == 200
    assert "certificate_valid_months" not in learner.get(f"/api/v1/courses/{slug}").json()
