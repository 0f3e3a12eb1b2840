"""Servers of a test's own, besides the suite's: the test build from
conf/test.conf on another port, in a new session (its pid is its process
group), started as scripts/run-tests starts the suite's server. Used by
test_stop.py (one signal stops the group) and test_jobs.py (jobs across
servers, a worker killed)."""
import contextlib
import os
import re
import signal
import socket
import subprocess
import time

import requests

from conftest import ROOT

OUT = os.environ.get("SG_OUT", os.path.join(ROOT, "out"))


def sanitizer_preload():
    libs = []
    for name in ("libasan.so", "libubsan.so"):
        path = subprocess.run(["gcc", "-print-file-name=" + name], check=True,
                              capture_output=True, text=True).stdout.strip()
        libs.append(path)
    return " ".join(libs)


def server_conf(port, name):
    """conf/test.conf on port, with a pidfile of its own (the suite's server
    keeps var/kore-test.pid)."""
    with open(os.path.join(ROOT, "conf/test.conf")) as f:
        conf = f.read()
    conf, binds = re.subn(r"(?m)^(\s*bind\s+127\.0\.0\.1)\s+\d+$", rf"\1 {port}", conf)
    assert binds == 1, "conf/test.conf has no 'bind 127.0.0.1 PORT' line"
    conf, pids = re.subn(r"(?m)^pidfile\s.*$", f"pidfile\t\t\tvar/kore-{name}-{port}.pid", conf)
    assert pids == 1, "conf/test.conf has no pidfile line"
    path = os.path.join(OUT, f"{name}-{port}.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


def group_members(pgid, zombies=True):
    """The pids whose process group is pgid (zombies included unless
    zombies=False: a process is gone once its parent has reaped it)."""
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
        if int(fields[2]) == pgid and (zombies or fields[0] != "Z"):
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


def wait_healthy(proc, base):
    """Polls /healthz until it answers 200; a slow answer under load (a read
    timeout) is one more try, like a refused connection."""
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, "the server exited while starting"
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "the server did not answer /healthz within 20 s"
        time.sleep(0.05)


def start_server(port, log, name, **env):
    """Starts the server, its output to the open file log, env added to the
    environment; returns its Popen once /healthz answers."""
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SG_PUBLIC_ORIGIN=base, LD_PRELOAD=sanitizer_preload(),
               ASAN_OPTIONS="detect_leaks=0:symbolize=0:abort_on_error=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1", **env)
    # stdbuf: line-buffered, so a worker does not print the parent's
    # buffered lines again after the fork (as scripts/run-tests does).
    argv = ["stdbuf", "-oL", "-eL", "kore", "-f", "-n", "-r", "-c", server_conf(port, name)]
    proc = subprocess.Popen(argv,
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_healthy(proc, base)
    except BaseException:
        # Never leave a server that failed to start holding its port.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return proc
