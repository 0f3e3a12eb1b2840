"""Shared fixtures for the API suite.

scripts/run-tests starts the real server (test flavor, with sanitizers) on
SG_BASE_URL against the test database in DATABASE_URL; these fixtures talk
to both. Each test makes its own accounts, so tests do not depend on order.
"""
import os
import uuid

import psycopg2
import pytest
import requests

BASE = os.environ.get("SG_BASE_URL", "http://127.0.0.1:8890")
DATABASE_URL = os.environ["DATABASE_URL"]
PASSWORD = "a sound passphrase 42"


def url(path):
    return BASE + path


@pytest.fixture
def db():
    """A connection per test: the suite restarts PostgreSQL on purpose."""
    conn = psycopg2.connect(DATABASE_URL)
    conn.autocommit = True
    yield conn
    conn.close()


def query(db, sql, *args):
    with db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None


def unique_email(tag="user"):
    return f"{tag}-{uuid.uuid4().hex[:12]}@Example.ORG"


def register(email=None, password=PASSWORD, **extra):
    body = {
        "email": email or unique_email(),
        "password": password,
        "display_name": "Test Person",
        "country": "PH",
        "profession": "health",
        "language": "en",
    }
    body.update(extra)
    return requests.post(url("/api/v1/auth/register"), json=body)


class Client:
    """A signed-in API client using Bearer tokens."""

    def __init__(self, email, password=PASSWORD):
        self.email = email
        self.password = password
        self.http = requests.Session()
        r = self.http.post(url("/api/v1/auth/login"),
                           json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        self.login = r.json()
        self.token = self.login["access_token"]
        self.refresh_token = self.login["refresh_token"]
        self.user_id = self.login["user"]["id"]
        self.http.headers["Authorization"] = "Bearer " + self.token

    def get(self, path, **kw):
        return self.http.get(url(path), **kw)

    def post(self, path, **kw):
        return self.http.post(url(path), **kw)

    def put(self, path, **kw):
        return self.http.put(url(path), **kw)

    def patch(self, path, **kw):
        return self.http.patch(url(path), **kw)

    def delete(self, path, **kw):
        return self.http.delete(url(path), **kw)


def new_user(db, role="learner", **extra):
    email = unique_email(role)
    r = register(email=email, **extra)
    assert r.status_code == 201, r.text
    if role != "learner":
        query(db, "UPDATE users SET role = %s WHERE lower(email) = lower(%s)",
              role, email.strip())
    return Client(email)


@pytest.fixture
def learner(db):
    return new_user(db, "learner")


@pytest.fixture
def instructor(db):
    return new_user(db, "instructor")


@pytest.fixture
def admin(db):
    return new_user(db, "admin")
