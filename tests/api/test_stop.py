"""One signal to the server's process group stops all of it.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group, and
systemd's KillMode=control-group sends SIGTERM to every process of the unit:
Kore's parent and its workers get the signal at once. Each test starts a
server of its own (the test build, as scripts/run-tests does, on the suite's
port + 10 and + 11) in a new session, signals the group once, and checks that
within 5 s no process of the group is left and the port can be bound again.
"""
import os
import signal
import time
import urllib.parse

import pytest

from conftest import BASE
from servers import OUT, group_members, port_free, start_server

STOP_WITHIN = 5.0


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.parametrize("sig, offset", [(signal.SIGINT, 10), (signal.SIGTERM, 11)],
                         ids=["SIGINT", "SIGTERM"])
def test_one_signal_to_the_group_stops_the_server(sig, offset):
    port = urllib.parse.urlsplit(BASE).port + offset
    assert port_free(port), f"port {port} is taken before the test"
    log_path = os.path.join(OUT, f"stop-{port}.log")
    with open(log_path, "w") as log:
        proc = start_server(port, log, "stop")
    pgid = proc.pid
    try:
        members = group_members(pgid)
        # The parent and its two workers (conf/test.conf: workers 2).
        assert len(members) >= 3, members
        assert not port_free(port)

        os.killpg(pgid, sig)
        signalled = time.monotonic()
        while time.monotonic() - signalled < STOP_WITHIN:
            proc.poll()  # reaps the parent once it exits
            if not group_members(pgid) and port_free(port):
                break
            time.sleep(0.05)
        left = group_members(pgid)
        assert not left, f"{signal.Signals(sig).name} to the group left {left} running"
        assert port_free(port), f"port {port} still held {STOP_WITHIN} s after the signal"
        assert proc.returncode == 0, proc.returncode
    finally:
        kill_group(pgid)
        proc.wait(timeout=10)

    with open(log_path) as f:
        text = f.read()
    assert "goodbye" in text, text[-2000:]
    for bad in ("AddressSanitizer", "runtime error:", ") gone", "died"):
        assert bad not in text, text[-2000:]
