"""Object-level authorisation: who may touch which course, lesson and account.

Five actors: two learners (L1, L2), two instructors (I1, I2) and an admin
(A). I1 owns course C1 and the draft D1, I2 owns C2; L1 is enrolled in C1,
L2 in C2. Every route of docs/openapi.yaml with an id in its path is called
by each actor with each object's id, and the answer must be the one the
table below gives: the table is the specification. A route with an id that
the table does not name fails test_every_route_with_an_id_is_in_the_table,
so a new route must come with its row.

Calls that would change what the other cells see are made so that they
cannot: the bodies are refused by validation once authorisation passed
(an owner's answer is then 404 or 422, a stranger's 403), or they change
nothing (a summary set to the same text, an account enabled again).
"""
import os
import re
import uuid

import pytest
import yaml

import courses
from conftest import ROOT, query
from test_hostile import make_user

SPEC = yaml.safe_load(open(os.path.join(ROOT, "docs", "openapi.yaml")))
ACTORS = ("L1", "L2", "I1", "I2", "A")
NOBODY = f"nobody-{uuid.uuid4().hex[:8]}@example.org"

# (method, path) -> {object: "status for L1 L2 I1 I2 A"}.
# Objects: C1, C2 (published courses of I1 and I2), D1 (I1's draft), the
# lessons of each (lesson:X), the accounts (user:X), a module of each
# course (module:X), a module key no course has (module:none).
# The quiz of each course (quiz:X) and each learner's open attempt at
# their course's quiz (attempt:C1 is L1's, attempt:C2 L2's).
TABLE = {
    ("get", "/api/v1/courses/{slug}"): {
        # The catalog is public; a draft is not in it, not even for its owner.
        "C1": "200 200 200 200 200",
        "C2": "200 200 200 200 200",
        "D1": "404 404 404 404 404",
    },
    ("post", "/api/v1/courses/{slug}/enrollment"): {
        # Only a draft: enrolling in a published course is open to anyone
        # signed in, and would change the lesson cells.
        "D1": "404 404 404 404 404",
    },
    ("delete", "/api/v1/courses/{slug}/enrollment"): {
        # One's own enrollment only: an enrollment one does not have is 404.
        "D1": "404 404 404 404 404",
    },
    ("get", "/api/v1/courses/{slug}/progress"): {
        "C1": "200 404 404 404 404",
        "C2": "404 200 404 404 404",
        "D1": "404 404 404 404 404",
    },
    ("get", "/api/v1/lessons/{id}"): {
        # The course's instructors and admins read its lessons as they
        # preview them, enrolled or not, draft or not; another instructor
        # is a learner there (403 not_enrolled), and a draft's lesson is
        # not there at all for those who may not preview it.
        "lesson:C1": "200 403 200 403 200",
        "lesson:C2": "403 200 403 200 200",
        "lesson:D1": "404 404 200 404 200",
    },
    ("put", "/api/v1/lessons/{id}/progress"): {
        "lesson:C1": "200 403 403 403 403",
        "lesson:C2": "403 200 403 403 403",
        # Progress is a learner's, and needs an enrollment: those who
        # may see the draft's lesson are told they are not enrolled.
        "lesson:D1": "404 404 403 404 403",
    },
    ("patch", "/api/v1/instructor/courses/{slug}"): {
        "C1": "403 403 200 403 200",
        "C2": "403 403 403 200 200",
        "D1": "403 403 200 403 200",
    },
    ("post", "/api/v1/instructor/courses/{slug}/publish"): {
        # Published already: publishing again changes nothing.
        "C1": "403 403 200 403 200",
        "C2": "403 403 403 200 200",
    },
    ("post", "/api/v1/instructor/courses/{slug}/unpublish"): {
        # A draft already.
        "D1": "403 403 200 403 200",
    },
    ("get", "/api/v1/instructor/courses/{slug}/preview"): {
        "C1": "403 403 200 403 200",
        "C2": "403 403 403 200 200",
        "D1": "403 403 200 403 200",
    },
    ("get", "/api/v1/instructor/courses/{slug}/learners"): {
        # The course's instructors and admins; a learner, enrolled or
        # not, and another instructor are refused.
        "C1": "403 403 200 403 200",
        "C2": "403 403 403 200 200",
        "D1": "403 403 200 403 200",
    },
    ("post", "/api/v1/instructor/courses/{slug}/instructors"): {
        # An address nobody has: the owner learns that (422, field email),
        # a stranger learns nothing (403).
        "C1": "403 403 422 403 422",
        "C2": "403 403 403 422 422",
        "D1": "403 403 422 403 422",
    },
    ("post", "/api/v1/instructor/courses/{slug}/modules"): {
        # Not a zip: the owner gets the importer's 422, a stranger 403.
        "C1": "403 403 422 403 422",
        "C2": "403 403 403 422 422",
        "D1": "403 403 422 403 422",
    },
    ("put", "/api/v1/instructor/courses/{slug}/modules/order"): {
        # No keys: not every module of the course, 422 for the owner.
        "C1": "403 403 422 403 422",
        "C2": "403 403 403 422 422",
        "D1": "403 403 422 403 422",
    },
    ("delete", "/api/v1/instructor/courses/{slug}/modules/{key}"): {
        # Another course's module, or none: 404 to those who may look.
        "C1/module:none": "403 403 404 403 404",
        "C1/module:C2": "403 403 404 403 404",
        "C2/module:none": "403 403 403 404 404",
        "C2/module:C1": "403 403 403 404 404",
    },
    ("post", "/api/v1/instructor/courses/{slug}/questions/import"): {
        # Not a question file: the owner gets the importer's 422, nothing
        # is written; a stranger 403, before the file is read.
        "C1": "403 403 422 403 422",
        "C2": "403 403 403 422 422",
        "D1": "403 403 422 403 422",
    },
    ("get", "/api/v1/instructor/courses/{slug}/questions"): {
        "C1": "403 403 200 403 200",
        "C2": "403 403 403 200 200",
        "D1": "403 403 200 403 200",
    },
    ("delete", "/api/v1/instructor/courses/{slug}/questions/{key}"): {
        # Another course's question, or none: 404 to those who may look.
        "C1/question:none": "403 403 404 403 404",
        "C1/question:C2": "403 403 404 403 404",
        "C2/question:none": "403 403 403 404 404",
        "C2/question:C1": "403 403 403 404 404",
    },
    ("get", "/api/v1/instructor/quizzes/{id}/stats"): {
        # The course's instructors and admins; learners are refused by
        # role, another instructor by the course.
        "quiz:C1": "403 403 200 403 200",
        "quiz:C2": "403 403 403 200 200",
        "quiz:D1": "403 403 200 403 200",
        "quiz:none": "403 403 404 404 404",
    },
    ("get", "/api/v1/certificates/{id}/pdf"): {
        # The owner, the course's instructors and admins; to anyone else
        # the certificate does not exist.
        "cert:C1": "200 404 200 404 200",
        "cert:C2": "404 200 404 200 200",
    },
    ("get", "/api/v1/certificates/{id}/credential"): {
        # As the PDF: to anyone else the certificate does not exist.
        "cert:C1": "200 404 200 404 200",
        "cert:C2": "404 200 404 200 200",
    },
    ("post", "/api/v1/courses/{slug}/enrollment/renew"): {
        # One's own enrollment only; L1 and L2 have not completed theirs
        # (409 not_completed), so nothing is renewed.
        "C1": "409 404 404 404 404",
        "C2": "404 409 404 404 404",
        "D1": "404 404 404 404 404",
    },
    ("post", "/api/v1/admin/certificates/{id}/revoke"): {
        # An empty reason: refused once authorised (422), so nothing is
        # revoked for the other cells.
        "cert:C1": "403 403 403 403 422",
        "cert:C2": "403 403 403 403 422",
    },
    ("get", "/api/v1/admin/courses/{slug}/certificates.zip"): {
        "C1": "403 403 403 403 200",
        "C2": "403 403 403 403 200",
        "D1": "403 403 403 403 200",
    },
    ("get", "/api/v1/verify/{code}"): {
        # Public, as the catalog; known codes cost no one's budget.
        "code:C1": "200 200 200 200 200",
        "code:C2": "200 200 200 200 200",
    },
    ("get", "/api/v1/quizzes/{id}"): {
        # A learner's quizzes are those of the courses they are enrolled
        # in; to anyone else (staff included) the quiz is not there.
        "quiz:C1": "200 404 404 404 404",
        "quiz:C2": "404 200 404 404 404",
        "quiz:D1": "404 404 404 404 404",
    },
    ("post", "/api/v1/quizzes/{id}/attempts"): {
        # Each learner's attempt is open already: starting answers it.
        "quiz:C1": "200 404 404 404 404",
        "quiz:C2": "404 200 404 404 404",
        "quiz:D1": "404 404 404 404 404",
    },
    ("get", "/api/v1/attempts/{id}"): {
        "attempt:C1": "200 404 404 404 404",
        "attempt:C2": "404 200 404 404 404",
    },
    ("put", "/api/v1/attempts/{id}/answers"): {
        # A question id the attempt does not have: 422 for its owner.
        "attempt:C1": "422 404 404 404 404",
        "attempt:C2": "404 422 404 404 404",
    },
    ("post", "/api/v1/attempts/{id}/submit"): {
        # As saving: refused for the owner before anything is graded.
        "attempt:C1": "422 404 404 404 404",
        "attempt:C2": "404 422 404 404 404",
    },
    ("get", "/api/v1/instructor/courses/{slug}/quizzes"): {
        "C1": "403 403 200 403 200",
        "C2": "403 403 403 200 200",
        "D1": "403 403 200 403 200",
    },
    ("get", "/api/v1/instructor/quizzes/{id}"): {
        "quiz:C1": "403 403 200 403 200",
        "quiz:C2": "403 403 403 200 200",
        "quiz:D1": "403 403 200 403 200",
    },
    ("patch", "/api/v1/instructor/quizzes/{id}"): {
        # A pass mark out of range: 422 once authorised, nothing changed.
        "quiz:C1": "403 403 422 403 422",
        "quiz:C2": "403 403 403 422 422",
        "quiz:D1": "403 403 422 403 422",
    },
    ("patch", "/api/v1/admin/users/{id}"): {
        "user:L1": "403 403 403 403 200",
        "user:L2": "403 403 403 403 200",
        "user:I1": "403 403 403 403 200",
        "user:I2": "403 403 403 403 200",
    },
}
# Media are addressed by their content and public, like the catalog.
MEDIA = ("get", "/api/v1/media/{sha256}")

BODIES = {
    ("put", "/api/v1/lessons/{id}/progress"):
        {"position": 0.1, "time_spent_delta": 0, "completed": False},
    ("patch", "/api/v1/instructor/courses/{slug}"):
        {"summary": "First steps when a child goes missing."},
    ("post", "/api/v1/instructor/courses/{slug}/instructors"): {"email": NOBODY},
    ("put", "/api/v1/instructor/courses/{slug}/modules/order"): {"keys": []},
    ("patch", "/api/v1/admin/users/{id}"): {"disabled": False},
    ("post", "/api/v1/admin/certificates/{id}/revoke"): {"reason": ""},
    ("put", "/api/v1/attempts/{id}/answers"): {"answers": {"0" * 24: None}},
    ("post", "/api/v1/attempts/{id}/submit"): {"answers": {"0" * 24: None}},
    ("patch", "/api/v1/instructor/quizzes/{id}"): {"pass_mark": 101},
}


def routes_with_ids():
    out = set()
    for path, item in SPEC["paths"].items():
        for method in item:
            if method in ("get", "put", "post", "patch", "delete") and "{" in path:
                out.add((method, path))
    return out


@pytest.fixture(scope="module")
def world():
    import psycopg2
    from conftest import DATABASE_URL
    db = psycopg2.connect(DATABASE_URL)
    db.autocommit = True
    who = {"L1": make_user(db, "learner"), "L2": make_user(db, "learner"),
           "I1": make_user(db, "instructor"), "I2": make_user(db, "instructor"),
           "A": make_user(db, "admin")}
    c1 = courses.published_course(who["I1"])
    # C2's module has a key of its own, so that C1's key named on C2 is
    # another course's module, not a namesake.
    files = courses.example_files()
    m = courses.manifest(files)
    m["key"] = "c2-module"
    c2 = courses.published_course(who["I2"], courses.with_manifest(files, m))
    d1 = courses.new_course(who["I1"])
    r = courses.upload(who["I1"], d1, courses.make_zip(courses.example_files()))
    assert r.status_code == 201, r.text
    assert courses.enroll(who["L1"], c1).status_code == 201
    assert courses.enroll(who["L2"], c2).status_code == 201

    def module_key(slug):
        return query(db, "SELECT m.key FROM modules m JOIN courses c ON c.id = m.course_id "
                         "WHERE c.slug = %s ORDER BY m.position LIMIT 1", slug)[0][0]

    ids = {"C1": c1, "C2": c2, "D1": d1}
    for k, slug in list(ids.items()):
        ids["lesson:" + k] = lesson_of(db, slug)
        ids["module:" + k] = module_key(slug)
    ids["module:none"] = "no-such-module"
    ids["question:none"] = "no-such-question"
    for k, slug in (("C1", c1), ("C2", c2), ("D1", d1)):
        ids["quiz:" + k] = query(db, "SELECT q.id::text FROM quizzes q JOIN courses c "
                                     "ON c.id = q.course_id WHERE c.slug = %s LIMIT 1",
                                 slug)[0][0]
    ids["quiz:none"] = str(uuid.uuid4())
    # A question in each bank, straight into the table (the import is the
    # route under test above).
    for k, slug in (("C1", c1), ("C2", c2)):
        ids["question:" + k] = "bank-" + k.lower()
        query(db, "INSERT INTO question_bank (course_id, key, type, question, source) "
                  "SELECT id, %s, 'true_false', %s::jsonb, 'api' FROM courses WHERE slug = %s",
              ids["question:" + k], '{"key": "%s", "type": "true_false", "prompt": "P?", '
              '"choices": [{"key": "true", "text": "True", "correct": true}, '
              '{"key": "false", "text": "False", "correct": false}]}' % ids["question:" + k],
              slug)
    for k in ACTORS:
        ids["user:" + k] = who[k].user_id
    ids["media"] = query(db, "SELECT sha256 FROM media LIMIT 1")[0][0]
    # Each learner's open attempt at their course's quiz.
    for k, learner in (("C1", "L1"), ("C2", "L2")):
        r = who[learner].post(f"/api/v1/quizzes/{ids['quiz:' + k]}/attempts")
        assert r.status_code == 201, r.text
        ids["attempt:" + k] = r.json()["attempt"]["id"]
    # L1's certificate of C1 and L2's of C2, with a PDF, made as the
    # certificate_issue job would (the completion itself would change the
    # lesson cells).
    for k, learner, slug in (("C1", "L1", c1), ("C2", "L2", c2)):
        code = "-".join(uuid.uuid4().hex[i:i + 4].upper() for i in (0, 4, 8, 12))
        ids["cert:" + k], ids["code:" + k] = query(
            db, "INSERT INTO certificates (enrollment_id, completed_at, user_id, course_id, "
                "code, name, course_title, language, course_version, hours, pdf, pdf_sha256, "
                "credential) "
                "SELECT e.id, now(), e.user_id, c.id, %s, 'Test Person', c.title, c.language, "
                "c.version, c.estimated_hours, '%%PDF-1.7'::bytea, "
                "encode(sha256('%%PDF-1.7'::bytea), 'hex'), 'e30.eyJ2YyI6e319.c2ln' "
                "FROM enrollments e "
                "JOIN courses c ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s "
                "RETURNING id::text, code", code, slug, who[learner].user_id)[0]
    yield who, ids, db
    db.close()


def lesson_of(db, slug):
    return query(db, "SELECT l.id::text FROM lessons l JOIN modules m ON m.id = l.module_id "
                     "JOIN courses c ON c.id = m.course_id WHERE c.slug = %s "
                     "ORDER BY m.position, l.position LIMIT 1", slug)[0][0]


def target(path, obj, ids):
    parts = obj.split("/")
    values = {}
    for p in parts:
        if p.startswith(("module:", "question:")):
            values["key"] = ids[p]
        elif p.startswith(("lesson:", "user:", "cert:", "quiz:", "attempt:")):
            values["id"] = ids[p]
        elif p.startswith("code:"):
            values["code"] = ids[p]
        else:
            values["slug"] = ids[p]
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def call(client, method, path, obj, ids):
    key = (method, path)
    kw = {}
    if key in BODIES:
        kw["json"] = BODIES[key]
    if path.endswith("/progress") and method == "put":
        kw["headers"] = {"Idempotency-Key": str(uuid.uuid4())}
    if path.endswith("/questions/import"):
        kw["data"] = b"\xff not a question file"
        kw["headers"] = {"Content-Type": "text/plain"}
    if path.endswith("/modules") and method == "post":
        kw["files"] = {"package": ("module.zip", b"not a zip", "application/zip")}
    return getattr(client, method)(target(path, obj, ids), **kw)


def test_every_route_with_an_id_is_in_the_table():
    assert routes_with_ids() == set(TABLE) | {MEDIA}


# Routes that name their object in the query string, not the path: not
# in routes_with_ids(), checked the same way.
QUERY_TABLE = {
    ("get", "/api/v1/instructor/reports/summary?course={slug}"): {
        "C1": "403 403 200 403 200",
        "C2": "403 403 403 200 200",
        "D1": "403 403 200 403 200",
    },
    ("get", "/api/v1/admin/reports/summary?course={slug}"): {
        "C1": "403 403 403 403 200",
        "C2": "403 403 403 403 200",
        "D1": "403 403 403 403 200",
    },
}


CELLS = [(m, p, obj, actor, int(row.split()[i]))
         for (m, p), objs in {**TABLE, **QUERY_TABLE}.items()
         for obj, row in objs.items()
         for i, actor in enumerate(ACTORS)]


@pytest.mark.parametrize("method,path,obj", sorted({(m, p, o) for m, p, o, _, _ in CELLS}))
def test_object_access(world, method, path, obj):
    who, ids, _ = world
    got, want = {}, {}
    for m, p, o, actor, status in CELLS:
        if (m, p, o) != (method, path, obj):
            continue
        r = call(who[actor], method, path, obj, ids)
        got[actor], want[actor] = r.status_code, status
        if r.status_code >= 400:
            assert "error" in r.json(), r.text
    assert got == want, f"{method.upper()} {path} on {obj}"


def test_media_are_public(world):
    who, ids, _ = world
    for actor in ACTORS:
        r = who[actor].get(f"/api/v1/media/{ids['media']}")
        assert r.status_code == 200, (actor, r.status_code)
