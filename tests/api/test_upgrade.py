"""Databases made before issue 19's split upgrade in place.

scripts/run-tests builds this suite's database with the migrations of the
commit before the split (tests/upgrade/0f2a177.tar.gz), fills it with
tests/upgrade/before.sql, then upgrades it with scripts/migrate: the rows
are here with their values and the learner carries on through the API.
On scratch databases, an upgraded one and a new one have the same schema."""
import datetime
import glob
import os
import re
import subprocess
import tarfile

import requests

from conftest import Client, ROOT, migrate, query, rows, scratch_database, url
from courses import beat

LEARNER = "00000000-0000-4000-8000-00000000a001"
INSTRUCTOR = "00000000-0000-4000-8000-00000000a002"
ENROLLMENT = "00000000-0000-4000-8000-00000000e001"
BEFORE = os.path.join(ROOT, "tests", "upgrade", "before.sql")


def utc(text):
    return datetime.datetime.fromisoformat(text)


def lesson_ids(db):
    return dict(query(db, "SELECT l.key, l.id::text FROM lessons l "
                          "JOIN courses c ON c.id = l.course_id WHERE c.slug = 'upgrade-course'"))


def test_the_rows_from_before_the_split_are_kept(db):
    assert query(db, "SELECT email, display_name, country, profession::text, organisation, "
                     "role::text, created_at FROM users WHERE id = %s", LEARNER) == \
        [("upgrade-learner@example.org", "Learner From Before", "GB", "education",
          "A school", "learner", utc("2026-01-02 03:04:05+00:00"))]
    assert query(db, "SELECT c.slug, c.status::text, c.owner_id::text, c.published_at, "
                     "c.outline::jsonb->>'title' FROM courses c WHERE c.slug = 'upgrade-course'") == \
        [("upgrade-course", "published", INSTRUCTOR, utc("2026-01-03 00:00:00+00:00"),
          "A course from before the split")]
    ids = lesson_ids(db)
    assert sorted(ids) == ["one", "three", "two"]
    assert query(db, "SELECT user_id::text, enrolled_at, left_at, completed_at, "
                     "last_activity_at, last_lesson_id::text FROM enrollments WHERE id = %s",
                 ENROLLMENT) == \
        [(LEARNER, utc("2026-01-04 10:00:00+00:00"), None, None,
          utc("2026-01-05 11:00:00+00:00"), ids["two"])]
    progress = query(db, "SELECT lesson_id::text, position, time_spent, first_beat_at, "
                         "completed_at FROM lesson_progress WHERE enrollment_id = %s "
                         "AND lesson_id IN (%s, %s) ORDER BY time_spent DESC",
                     ENROLLMENT, ids["one"], ids["two"])
    assert progress == [
        (ids["one"], 1.0, 300, utc("2026-01-04 10:01:00+00:00"), utc("2026-01-04 10:06:00+00:00")),
        (ids["two"], 0.5, 120, utc("2026-01-05 10:58:00+00:00"), None)]
    assert query(db, "SELECT lesson_id::text, request, response->>'time_spent' "
                     "FROM progress_beats WHERE user_id = %s AND key = 'beat-from-before'",
                 LEARNER) == [(ids["two"], None, "120")]
    assert query(db, "SELECT actor_id::text, actor_role::text, action, target_id, request_id "
                     "FROM audit_log WHERE request_id = 'req-from-before'") == \
        [(INSTRUCTOR, "instructor", "course.create", "upgrade-course", "req-from-before")]
    assert query(db, "SELECT user_id::text, revoked_at FROM sessions "
                     "WHERE id = '00000000-0000-4000-8000-00000000b001'") == [(LEARNER, None)]


def test_the_learner_from_before_carries_on_through_the_api(db):
    ids = lesson_ids(db)
    learner = Client("upgrade-learner@example.org")
    assert learner.user_id == LEARNER
    [mine] = learner.get("/api/v1/me/enrollments").json()["enrollments"]
    assert (mine["course_slug"], mine["percent"], mine["resume_lesson_id"]) == \
        ("upgrade-course", 33, ids["two"])
    progress = learner.get("/api/v1/courses/upgrade-course/progress").json()
    statuses = {l["key"]: l["status"] for m in progress["modules"] for l in m["lessons"]}
    assert statuses["one"] == "completed" and statuses["two"] == "in_progress"
    assert progress["remaining"]["lessons"][0] == ids["two"]
    # The beat stored before the split is answered as a replay, unchanged.
    r = beat(learner, ids["two"], key="beat-from-before", position=0.5, delta=10)
    assert r.status_code == 200, r.text
    assert r.json()["time_spent"] == 120 and r.json()["course"]["percent"] == 33
    # And a new beat is recorded on the old enrollment.
    r = beat(learner, ids["three"], position=0.25, delta=5)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress"
    assert query(db, "SELECT position FROM lesson_progress WHERE enrollment_id = %s "
                     "AND lesson_id = %s", ENROLLMENT, ids["three"]) == [(0.25,)]
    lesson = learner.get(f"/api/v1/lessons/{ids['one']}").json()
    assert lesson["progress"]["status"] == "completed"
    assert requests.get(url("/api/v1/courses/upgrade-course")).status_code == 200


def dump(dsn):
    """The schema as pg_dump prints it, without the migrations' records
    and what differs between two dumps of one schema."""
    p = subprocess.run(["pg_dump", "--schema-only",
                        "-T", "public.schema_migrations", "-T", "public.schema_functions", dsn],
                       capture_output=True, text=True, check=True)
    keep = [line for line in p.stdout.splitlines()
            if line and not re.match(r"\\(un)?restrict |-- Dumped (from|by) ", line)]
    return "\n".join(keep)


def since_split():
    """How many versioned files came after the split (after 010): an old
    database gets them as well."""
    return sum(os.path.basename(f) >= "011" for f in
               glob.glob(os.path.join(ROOT, "sql", "schema", "[0-9][0-9][0-9]_*.sql")))


def old_database(dsn):
    h = subprocess.run([os.path.join(ROOT, "build", "sgctl"), "hash"], input="x y z 1 2 3\n",
                       capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([os.path.join(ROOT, "tests", "upgrade", "build-old"), BEFORE,
                    "-o", "/dev/null", "-v", "hash=" + h],
                   env=dict(os.environ, DATABASE_URL=dsn), check=True, capture_output=True)


def test_an_upgraded_database_has_the_schema_of_a_new_one():
    with scratch_database() as old, scratch_database() as new:
        old_database(old)
        assert rows(old, "SELECT count(*) FROM enrollments") == [(1,)]
        code, out, err = migrate(old)
        assert code == 0, err
        assert f"{since_split()} applied, functions re-applied" in out
        code, _, err = migrate(new)
        assert code == 0, err
        upgraded, fresh = dump(old), dump(new)
        assert "CREATE FUNCTION api.progress_put" in fresh
        assert upgraded == fresh
        record = "SELECT version, name, checksum FROM schema_migrations ORDER BY 1"
        assert rows(old, record) == rows(new, record)
        record = "SELECT file, checksum FROM schema_functions ORDER BY 1"
        assert rows(old, record) == rows(new, record)
        # Both are up to date: a second run does nothing on either.
        for dsn in (old, new):
            code, out, _ = migrate(dsn)
            assert (code, out) == (0, "migrate: 0 applied, database up to date\n")


def test_a_database_older_than_the_last_migrations_upgrades_too(tmp_path):
    """A database whose old migrations stopped at 006 gets the new 007..010
    (their functions gone to sql/functions/) and ends as a new one."""
    with tarfile.open(os.path.join(ROOT, "tests", "upgrade", "0f2a177.tar.gz")) as t:
        t.extractall(tmp_path)
    for f in glob.glob(str(tmp_path / "sql" / "0[01][0-9]_*.sql")):
        if os.path.basename(f) >= "007":
            os.remove(f)
    with scratch_database() as old, scratch_database() as new:
        subprocess.run([str(tmp_path / "scripts" / "migrate")], env=dict(os.environ, DATABASE_URL=old),
                       check=True, capture_output=True)
        assert rows(old, "SELECT max(version) FROM schema_migrations") == [("006",)]
        code, out, err = migrate(old)
        assert code == 0, err
        assert f"{4 + since_split()} applied, functions re-applied" in out
        assert migrate(new)[0] == 0
        assert dump(old) == dump(new)
