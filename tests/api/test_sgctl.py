"""sgctl import-course publishes as a named account, through the checks and
audit log of the API's publish (content.course_publish): no hard-coded
demo instructor, no UPDATE that skips them."""
import json
import os
import shutil
import subprocess
import uuid

import pytest

from conftest import DATABASE_URL, ROOT, query

SGCTL = os.path.join(ROOT, "build", "sgctl")
SEED = os.path.join(ROOT, "sql", "seed", "courses", "child-abuse-foundations")


@pytest.fixture
def course_dir(tmp_path):
    """The demo course's folder under a new slug (and translation group)."""
    d = tmp_path / "course"
    shutil.copytree(SEED, d)
    doc = json.loads((d / "course.json").read_text())
    doc["slug"] = doc["translation_group"] = "sgctl-" + uuid.uuid4().hex[:10]
    (d / "course.json").write_text(json.dumps(doc))
    return d, doc["slug"]


def sgctl(*args):
    return subprocess.run([SGCTL, *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, DATABASE_URL=DATABASE_URL))


def course(db, slug):
    return query(db, "SELECT status, owner_id::text, published_at IS NOT NULL "
                     "FROM courses WHERE slug = %s", slug)


def audit(db, slug):
    return query(db, "SELECT actor_id::text, actor_role::text, action, request_id "
                     "FROM audit_log WHERE target_type = 'course' AND target_id = %s "
                     "ORDER BY id", slug)


def test_import_publishes_as_the_named_instructor(db, instructor, course_dir):
    d, slug = course_dir
    p = sgctl("import-course", "--as", instructor.email, str(d))
    assert p.returncode == 0, p.stderr
    assert course(db, slug) == [("published", instructor.user_id, True)]
    assert audit(db, slug) == [(instructor.user_id, "instructor",
                                "course.publish", "sgctl")]
    assert query(db, "SELECT outline IS NOT NULL FROM courses WHERE slug = %s",
                 slug) == [(True,)]


def test_import_refuses_an_account_that_may_not_publish(db, learner, course_dir):
    d, slug = course_dir
    p = sgctl("import-course", "--as", learner.email, str(d))
    assert p.returncode == 1
    assert "forbidden" in p.stderr
    assert course(db, slug) == []
    assert audit(db, slug) == []


def test_import_refuses_an_unknown_or_disabled_account(db, instructor, course_dir):
    d, slug = course_dir
    p = sgctl("import-course", "--as", "nobody-" + uuid.uuid4().hex[:8] + "@example.org",
              str(d))
    assert p.returncode == 1 and "no active account" in p.stderr
    query(db, "UPDATE users SET disabled_at = now() WHERE id = %s", instructor.user_id)
    p = sgctl("import-course", "--as", instructor.email, str(d))
    assert p.returncode == 1 and "no active account" in p.stderr
    assert course(db, slug) == []


def test_import_names_its_actor(course_dir):
    d, _ = course_dir
    p = sgctl("import-course", str(d))
    assert p.returncode == 2 and "--as EMAIL" in p.stderr
