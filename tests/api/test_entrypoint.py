"""The container's entry point (scripts/docker-entrypoint) refuses a listen
address or port it cannot use before it touches the database; a good one
reaches Kore's configuration (checked by running the image's run stage:
docs/deploy.md, "Docker")."""
import os
import subprocess

import pytest

from conftest import ROOT

ENTRYPOINT = os.path.join(ROOT, "scripts", "docker-entrypoint")


@pytest.mark.parametrize("name,value,message", [
    ("SG_LISTEN_PORT", "abc", "SG_LISTEN_PORT is not a port"),
    ("SG_LISTEN_PORT", "70000", "SG_LISTEN_PORT is not a port"),
    ("SG_LISTEN_PORT", "0", "SG_LISTEN_PORT is not a port"),
    ("SG_LISTEN_PORT", "88 88", "SG_LISTEN_PORT is not a port"),
    ("SG_BIND", "127.0.0.1;id", "SG_BIND is not an IP address"),
    ("SG_BIND", "example.org", "SG_BIND is not an IP address"),
])
def test_entrypoint_refuses_a_bad_listen_setting(name, value, message):
    # A database that cannot answer: the refusal must come before the wait.
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": "postgresql://127.0.0.1:1/none",
           "SG_DB_WAIT": "1", name: value}
    p = subprocess.run([ENTRYPOINT], env=env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert message in p.stderr, p.stderr
    assert "PostgreSQL is not answering" not in p.stderr
