"""make bench's data generator (tests/bench/data.sql), run small on a scratch
database migrated like the real one: the rows it promises, ids the wrk and
pgbench scripts can name, and its refusal of a database with real users."""
import contextlib
import os
import subprocess

import psycopg2
import pytest

from conftest import ROOT, migrate, rows

DATA = os.path.join(ROOT, "tests", "bench", "data.sql")
SIZE = {"learners": 40, "courses": 3, "modules": 2, "lessons": 3,
        "per_learner": 2, "progress": 150, "cert_stride": 8}


def bench_hash():
    p = subprocess.run([os.path.join(ROOT, "build", "sgctl"), "hash"],
                       input="bench password 123\n", capture_output=True,
                       text=True, check=True)
    return p.stdout.strip()


def generate(url):
    args = ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "hash=" + bench_hash()]
    for k, v in SIZE.items():
        args += ["-v", f"{k}={v}"]
    return subprocess.run(args + ["-f", DATA], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def migrated(scratch):
    code, _, err = migrate(scratch)
    assert code == 0, err
    return scratch


def test_the_generator_makes_the_rows_it_promises(migrated):
    p = generate(migrated)
    assert p.returncode == 0, p.stderr
    s = SIZE
    assert rows(migrated, "SELECT count(*) FROM users WHERE email LIKE 'learner%%@bench.example'") \
        == [(s["learners"],)]
    assert rows(migrated, "SELECT count(*), count(*) FILTER (WHERE status = 'published') "
                          "FROM courses") == [(s["courses"], s["courses"])]
    assert rows(migrated, "SELECT count(*) FROM lessons") == \
        [(s["courses"] * s["modules"] * s["lessons"],)]
    assert rows(migrated, "SELECT count(*) FROM enrollments") == \
        [(s["learners"] * s["per_learner"],)]
    assert rows(migrated, "SELECT count(*) FROM lesson_progress") == [(s["progress"],)]
    # A certificate with a stored PDF for each learner the bench signs in.
    assert rows(migrated, "SELECT count(*), count(DISTINCT pdf_sha256), min(length(pdf)) "
                          "FROM certificates WHERE code LIKE 'BNCH-%%'") == [(5, 5, 30008)]
    assert rows(migrated, "SELECT code FROM certificates WHERE user_id = "
                          "'00000000-0000-4000-8000-100000000009'") == [("BNCH-0000-0000-0009",)]
    # A quiz a course, on its last module, whose questions the validator takes.
    assert rows(migrated, "SELECT count(*), count(*) FILTER (WHERE NOT required AND "
                          "jsonb_array_length(definition->'questions') = 10) FROM quizzes q "
                          "JOIN modules m ON m.id = q.module_id "
                          f"WHERE m.position = {s['modules']}") == [(s["courses"], s["courses"])]
    assert rows(migrated, "SELECT course_id FROM quizzes WHERE id = "
                          "'00000000-0000-4000-e000-100000000002'") == \
        rows(migrated, "SELECT id FROM courses WHERE slug = 'bench-course-2'")
    # Ids are made from numbers, as the Lua and pgbench scripts make them.
    n_lesson = 1 * s["modules"] * s["lessons"] + 2
    assert rows(migrated, "SELECT c.slug FROM lessons l JOIN modules m ON m.id = l.module_id "
                          "JOIN courses c ON c.id = m.course_id WHERE l.id = "
                          f"'00000000-0000-4000-a000-{100000000000 + n_lesson}'") \
        == [("bench-course-1",)]
    assert rows(migrated, "SELECT email FROM users WHERE id = "
                          "'00000000-0000-4000-8000-100000000007'") == [("learner7@bench.example",)]
    # Every course has its outline, ready to send, with a tag.
    assert rows(migrated, "SELECT count(*) FROM courses WHERE outline IS NULL "
                          "OR outline_etag IS NULL") == [(0,)]
    # A second run starts again rather than adding to the first.
    assert generate(migrated).returncode == 0
    assert rows(migrated, "SELECT count(*) FROM enrollments") == \
        [(s["learners"] * s["per_learner"],)]


def test_the_generator_refuses_a_database_with_real_users(migrated):
    # The connection's own with block commits; closing() then closes it.
    with contextlib.closing(psycopg2.connect(migrated)) as c, c, c.cursor() as cur:
        cur.execute("INSERT INTO users (email, password_hash, display_name, country, "
                    "profession, language) VALUES ('nurse@example.org', 'x', 'A Nurse', "
                    "'PH', 'health', 'en')")
    p = generate(migrated)
    assert p.returncode != 0
    assert "not bench data" in p.stderr
    assert rows(migrated, "SELECT email FROM users") == [("nurse@example.org",)]
