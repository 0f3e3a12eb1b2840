"""Lessons kept in the workers (src/lesson_cache.c): a read answers with the
lesson's current content after every kind of change, each reader gets their
own progress with the shared head, and the gzip answer, made of the head's
stream and the progress's, is a valid stream equal to the plain answer."""
import gzip
import json

import pytest
import requests

from conftest import new_user, query, url
from courses import (beat, enroll, lessons_of, make_zip, manifest, no_quiz_files,
                     published_course, upload, with_manifest)

READS = 12  # enough for every worker of conf/test.conf to answer some


@pytest.fixture
def course(instructor):
    return published_course(instructor, no_quiz_files())


def reads(client, lesson, **headers):
    answers = [client.get(f"/api/v1/lessons/{lesson}", headers=headers) for _ in range(READS)]
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    return [r.json() for r in answers]


def test_a_new_version_is_read_at_once_by_every_worker(instructor, learner, course):
    enroll(learner, course)
    first, second = [l["id"] for l in lessons_of(course)]
    before = reads(learner, first)
    assert {b["title"] for b in before} == {"There is no waiting period"}

    files = no_quiz_files()
    m = manifest(files)
    m["title"] = "The first hours, revised"
    m["lessons"][0]["title"] = "No waiting, ever"
    m["lessons"][1]["title"] = "What to write down"
    files["lessons/01-no-waiting-period.md"] = b"# Revised\n\nCall at once: **no waiting**.\n"
    r = upload(instructor, course, make_zip(with_manifest(files, m)))
    assert r.status_code == 200, r.text

    for b in reads(learner, first):
        assert b["title"] == "No waiting, ever"
        assert "<strong>no waiting</strong>" in b["html"]
        assert b["module"]["title"] == "The first hours, revised"
        assert b["next"] == {"id": second, "title": "What to write down"}
    for b in reads(learner, second):
        assert b["prev"] == {"id": first, "title": "No waiting, ever"}


def test_a_course_change_is_read_at_once(instructor, learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    reads(learner, first)
    r = instructor.patch(f"/api/v1/instructor/courses/{course}",
                         json={"title": "Missing children: a new title"})
    assert r.status_code == 200, r.text
    assert {b["course"]["title"] for b in reads(learner, first)} == \
        {"Missing children: a new title"}


def test_each_reader_gets_their_own_progress(db, learner, course):
    other = new_user(db)
    enroll(learner, course)
    enroll(other, course)
    first = lessons_of(course)[0]["id"]
    assert beat(learner, first, position=0.25).status_code == 200
    mine, theirs = reads(learner, first), reads(other, first)
    assert all(b["progress"]["position"] == pytest.approx(0.25) for b in mine)
    assert all(b["progress"]["status"] == "in_progress" for b in mine)
    assert all(b["progress"] is None for b in theirs)
    assert all(b["html"] == mine[0]["html"] for b in theirs)


def test_gzip_and_plain_answers_are_the_same(learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    beat(learner, first, position=0.5)
    plain = learner.get(f"/api/v1/lessons/{first}", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    for _ in range(READS):
        r = learner.get(f"/api/v1/lessons/{first}", headers={"Accept-Encoding": "gzip"},
                        stream=True)
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in r.headers["vary"].lower()
        raw = r.raw.read(decode_content=False)
        # gzip.decompress checks the trailer's crc32 and length.
        assert gzip.decompress(raw) == plain.content
        assert json.loads(plain.content)["progress"]["position"] == pytest.approx(0.5)


def test_strangers_and_ended_sessions_are_still_refused(db, learner, course):
    enroll(learner, course)
    first = lessons_of(course)[0]["id"]
    reads(learner, first)  # the head is now held by the workers
    stranger = new_user(db)
    r = stranger.get(f"/api/v1/lessons/{first}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_enrolled"
    assert requests.get(url(f"/api/v1/lessons/{first}")).status_code == 401
    assert learner.delete(f"/api/v1/courses/{course}/enrollment").status_code == 204
    r = learner.get(f"/api/v1/lessons/{first}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_enrolled"
    assert enroll(learner, course).status_code == 201
    reads(learner, first)
    query(db, "UPDATE sessions SET revoked_at = now() WHERE user_id = %s", learner.user_id)
    r = learner.get(f"/api/v1/lessons/{first}")
    assert r.status_code == 401 and r.json()["error"]["code"] == "session_ended"
