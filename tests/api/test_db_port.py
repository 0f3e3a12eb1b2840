"""The private cluster's port is named: in its postgresql.conf and in the URL
scripts/db builds, so that neither Debian's psql wrapper (which exports
PGPORT=5433 when its own cluster took 5433 because 5432 was busy) nor
PGHOST, PGPORT or PGHOSTADDR in the environment can send the scripts to
another server. The readiness test in test_foundation.py restarts the
cluster with PGPORT=5433 set, and the server finds it again."""
import os
import re
import subprocess
import urllib.parse

import psycopg2
import pytest

from conftest import DATABASE_URL, EMBEDDED, ROOT

PORT = "5432"
HOSTILE = {"PGPORT": "5433", "PGHOST": "/nonexistent", "PGHOSTADDR": "127.0.0.1",
           "PGDATABASE": "postgres", "PGUSER": "nobody"}

pytestmark = pytest.mark.skipif(not EMBEDDED, reason="about the private cluster under var/")


def db_url(name):
    return subprocess.run([os.path.join(ROOT, "scripts/db"), "url", name], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_the_url_names_the_socket_folder_and_the_port():
    url = db_url("safeguard_test")
    assert url == DATABASE_URL
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    assert query["host"] == [os.path.join(ROOT, "var/run")]
    assert query["port"] == [PORT]
    assert query["hostaddr"] == [""]  # PGHOSTADDR would win over a socket folder


def test_the_cluster_configuration_names_the_port():
    with open(os.path.join(ROOT, "var/pgdata/postgresql.conf")) as f:
        ports = re.findall(r"(?m)^\s*port\s*=\s*(\d+)", f.read())
    assert ports and ports[-1] == PORT, ports
    assert os.path.exists(os.path.join(ROOT, "var/run", ".s.PGSQL." + PORT))


def test_psql_ignores_the_environment():
    env = dict(os.environ, **HOSTILE)
    out = subprocess.run(["psql", DATABASE_URL, "-XAtc",
                          "SELECT current_setting('port'), current_database(), current_user"],
                         env=env, check=True, capture_output=True, text=True).stdout.strip()
    assert out == f"{PORT}|safeguard_test|safeguard"


def test_libpq_ignores_the_environment(monkeypatch):
    for k, v in HOSTILE.items():
        monkeypatch.setenv(k, v)
    conn = psycopg2.connect(DATABASE_URL)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting('port'), current_database()")
            assert cur.fetchone() == (PORT, "safeguard_test")
    finally:
        conn.close()
