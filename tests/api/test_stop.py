"""One signal to the server's process group stops all of it.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group, and
systemd's KillMode=control-group sends SIGTERM to every process of the unit:
Kore's parent and its workers get the signal at once. Each test starts a
server of its own (the test build, as scripts/run-tests does, on the suite's
port + 10 and + 11) in a new session, signals the group once, and checks that
within 5 s no process of the group is left and the port can be bound again.
"""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse

import pytest
import requests

from conftest import BASE, ROOT

OUT = os.environ.get("SG_OUT", os.path.join(ROOT, "out"))
STOP_WITHIN = 5.0


def sanitizer_preload():
    libs = []
    for name in ("libasan.so", "libubsan.so"):
        path = subprocess.run(["gcc", "-print-file-name=" + name], check=True,
                              capture_output=True, text=True).stdout.strip()
        libs.append(path)
    return " ".join(libs)


def server_conf(port):
    """conf/test.conf on port, with a pidfile of its own (the suite's server
    keeps var/kore-test.pid)."""
    with open(os.path.join(ROOT, "conf/test.conf")) as f:
        conf = f.read()
    conf, binds = re.subn(r"(?m)^(\s*bind\s+127\.0\.0\.1)\s+\d+$", rf"\1 {port}", conf)
    assert binds == 1, "conf/test.conf has no 'bind 127.0.0.1 PORT' line"
    conf, pids = re.subn(r"(?m)^pidfile\s.*$", f"pidfile\t\t\tvar/kore-stop-{port}.pid", conf)
    assert pids == 1, "conf/test.conf has no pidfile line"
    path = os.path.join(OUT, f"stop-{port}.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


def group_members(pgid):
    """The pids whose process group is pgid (zombies included: a process
    is gone once its parent has reaped it)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:
            found.append(int(entry))
    return found


def port_free(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        s.listen()
        return True
    except OSError:
        return False
    finally:
        s.close()


def start_server(port, log):
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SG_PUBLIC_ORIGIN=base, LD_PRELOAD=sanitizer_preload(),
               ASAN_OPTIONS="detect_leaks=0:symbolize=0:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    # stdbuf: line-buffered, so a worker does not print the parent's
    # buffered lines again after the fork (as scripts/run-tests does).
    argv = ["stdbuf", "-oL", "-eL", "kore", "-f", "-n", "-r", "-c", server_conf(port)]
    proc = subprocess.Popen(argv,
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, "the server exited while starting"
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "the server did not answer /healthz within 20 s"
        time.sleep(0.05)
    return proc


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
        proc = start_server(port, log)
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
