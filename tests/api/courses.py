"""Courses for the tests: module packages made from docs/example-module, the
authoring calls that make a course of them, and a learner's first steps in
one (enrolling, progress beats, a quiz pass)."""
import io
import json
import os
import uuid
import zipfile

import requests

from conftest import ROOT, query, url

EXAMPLE = os.path.join(ROOT, "docs", "example-module")
TABLES = ("courses", "modules", "lessons", "media", "quizzes", "audit_log")


# -- module packages ------------------------------------------------------------

def example_files():
    files = {}
    for base, _, names in os.walk(EXAMPLE):
        for n in names:
            path = os.path.join(base, n)
            files[os.path.relpath(path, EXAMPLE)] = open(path, "rb").read()
    return files


def make_zip(files, compression=zipfile.ZIP_DEFLATED, compresslevel=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression, compresslevel=compresslevel) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def manifest(files):
    return json.loads(files["module.json"])


def with_manifest(files, m):
    files = dict(files)
    files["module.json"] = json.dumps(m).encode()
    return files


def no_quiz_files():
    files = example_files()
    m = manifest(files)
    m["quiz"] = None
    return with_manifest(files, m)


# -- authoring --------------------------------------------------------------------

def upload(client, slug, data):
    return client.post(f"/api/v1/instructor/courses/{slug}/modules",
                       files={"package": ("module.zip", data, "application/zip")})


def new_course(client, **extra):
    slug = "course-" + uuid.uuid4().hex[:10]
    body = {"slug": slug, "title": "Working with missing children " + slug,
            "summary": "First steps when a child goes missing.",
            "language": "en", "audiences": ["education", "health"],
            "estimated_hours": 1.5}
    body.update(extra)
    r = client.post("/api/v1/instructor/courses", json=body)
    assert r.status_code == 201, r.text
    return slug


def published_course(instructor, files=None, **extra):
    """A new course of one module (files, else the example with its quiz),
    published; extra are the course's fields."""
    slug = new_course(instructor, **extra)
    r = upload(instructor, slug, make_zip(files or example_files()))
    assert r.status_code == 201, r.text
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/publish").status_code == 200
    return slug


def counts(db):
    """Rows of the tables a package import writes to."""
    return {t: query(db, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


# -- learning -----------------------------------------------------------------------

def lessons_of(slug):
    outline = requests.get(url(f"/api/v1/courses/{slug}")).json()
    return [l for m in outline["modules"] for l in m["lessons"]]


def enroll(client, slug):
    return client.post(f"/api/v1/courses/{slug}/enrollment")


def beat(client, lesson, key=None, position=0.5, delta=10, completed=False):
    return client.put(f"/api/v1/lessons/{lesson}/progress",
                      json={"position": position, "time_spent_delta": delta,
                            "completed": completed},
                      headers={"Idempotency-Key": key or str(uuid.uuid4())})


def record_quiz_pass(db, client, slug):
    """Records a pass of every quiz of the course by the enrolled client, as
    the quiz engine will."""
    query(db, "INSERT INTO quiz_passes (enrollment_id, quiz_id) "
              "SELECT e.id, q.id FROM enrollments e JOIN quizzes q ON q.course_id = e.course_id "
              "JOIN courses c ON c.id = e.course_id WHERE c.slug = %s AND e.user_id = %s",
          slug, client.user_id)
