"""Mail (docs/mail.md): the outbox and its mail_send job, the account mails
and their routes.

Most tests run against a server of their own (tests/api/servers.py) on a
scratch database, with SMTP_URL pointing at a local SMTP sink (aiosmtpd,
Debian python3-aiosmtpd) that this module starts and stops by its PID: the
suite's server, which writes .eml files, never sees their jobs. The .eml
fallback and the routes' answers are tested against the suite's server."""
import contextlib
import email
import email.policy
import mailbox
import os
import re
import signal
import socket
import subprocess
import sys
import time

import psycopg2
import pytest
import requests

import courses
from conftest import (DATABASE_URL, PASSWORD, Client, migrate, query, register,
                      scratch_database, unique_email, url, wait_for)
from servers import OUT, start_server

TEST_PORT = int(os.environ.get("SG_TEST_PORT", "8890"))
SERVER_PORT = TEST_PORT + 1
SINK_PORT = TEST_PORT + 2
MAIL_DIR = os.environ.get("SG_MAIL_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "var", "mail")
NEW_PASSWORD = "another sound passphrase 43"


class Sink:
    """aiosmtpd's Mailbox handler on 127.0.0.1:SINK_PORT, writing a maildir."""

    def __init__(self, folder):
        self.folder = folder
        self.proc = None

    def start(self):
        assert self.proc is None
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{SINK_PORT}",
             "-c", "aiosmtpd.handlers.Mailbox", self.folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            assert self.proc.poll() is None, "the SMTP sink exited"
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", SINK_PORT), timeout=1):
                return
            assert time.monotonic() < deadline, "the SMTP sink did not listen"
            time.sleep(0.05)

    def stop(self):
        if self.proc is None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def messages(self, to):
        """The messages the sink holds for address to, parsed."""
        found = []
        box = mailbox.Maildir(self.folder, create=False)
        for key in box.keys():
            with contextlib.suppress(KeyError):
                msg = email.message_from_bytes(box.get_bytes(key),
                                               policy=email.policy.default)
                if msg["To"] == to:
                    found.append(msg)
        return found

    def wait_message(self, to, count=1):
        wait_for(lambda: len(self.messages(to)) >= count,
                 f"{count} mail(s) at the sink")
        return self.messages(to)


class MailServer:
    def __init__(self, base, dsn):
        self.base = base
        self.dsn = dsn

    def post(self, path, **kw):
        return requests.post(self.base + path, **kw)

    def get(self, path, **kw):
        return requests.get(self.base + path, **kw)

    def rows(self, sql, *args):
        with contextlib.closing(psycopg2.connect(self.dsn)) as c, c.cursor() as cur:
            c.autocommit = True
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None

    def register(self, email_addr, language="en"):
        r = self.post("/api/v1/auth/register", json={
            "email": email_addr, "password": PASSWORD, "display_name": "Mail Tester",
            "country": "PH", "profession": "health", "language": language})
        assert r.status_code == 201, r.text
        return r.json()

    def login(self, email_addr, password=PASSWORD):
        return self.post("/api/v1/auth/login",
                         json={"email": email_addr, "password": password})


@pytest.fixture(scope="module")
def sink(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("sink") / "maildir")
    mailbox.Maildir(folder, create=True)
    s = Sink(folder)
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def mail_server(sink):
    with scratch_database() as dsn:
        code, out, err = migrate(dsn)
        assert code == 0, err
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, f"mail-{SERVER_PORT}.log"), "a") as log:
            proc = start_server(SERVER_PORT, log, "mail", DATABASE_URL=dsn,
                                SMTP_URL=f"smtp://localhost:{SINK_PORT}",
                                SG_MAIL_FROM="Safeguard Learn <no-reply@safeguard.test>")
            try:
                yield MailServer(f"http://127.0.0.1:{SERVER_PORT}", dsn)
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def part(msg, subtype):
    for p in msg.walk():
        if p.get_content_type() == "text/" + subtype:
            return p.get_content()
    raise AssertionError(f"no text/{subtype} part")


def token_of(msg, base, page):
    m = re.search(re.escape(base) + "/" + page + r"#token=([0-9a-f]{64})\b", part(msg, "plain"))
    assert m, part(msg, "plain")
    assert f'href="{base}/{page}#token={m.group(1)}"' in part(msg, "html")
    return m.group(1)


def bearer(token):
    return {"Authorization": "Bearer " + token}


# -- over SMTP -----------------------------------------------------------------

def test_verification_mail_verifies_the_address_once(mail_server, sink):
    addr = unique_email("verify").lower()
    user = mail_server.register(addr)
    assert user["email_verified"] is False

    (msg,) = sink.wait_message(addr)
    assert msg.get_content_type() == "multipart/alternative"
    assert str(msg["Subject"]) == "Confirm your email address"
    assert "=?UTF-8?B?" in msg.as_string().split("\n\n", 1)[0]
    assert re.fullmatch(r"<\d+\.[0-9a-f]{32}@safeguard\.test>", msg["Message-ID"])
    assert msg["Date"].datetime is not None
    assert msg["From"].addresses[0].addr_spec == "no-reply@safeguard.test"
    assert "Hello Mail Tester," in part(msg, "plain")
    token = token_of(msg, mail_server.base, "verify-email")

    # Stored as its SHA-256 only; the outbox forgot it once sent.
    [(stored, secret, state)] = mail_server.rows(
        "SELECT t.token_hash = sha256(convert_to(%s, 'UTF8')), m.secret, m.state "
        "FROM mail_tokens t, mail_outbox m WHERE t.user_id = %s AND m.user_id = t.user_id",
        token, user["id"])
    assert stored and secret is None and state == "sent"

    access = mail_server.login(addr).json()["access_token"]
    assert mail_server.get("/api/v1/me", headers=bearer(access)).json()["email_verified"] is False
    r = mail_server.post("/api/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200, r.text
    assert r.json() == {"email_verified": True}
    assert mail_server.get("/api/v1/me", headers=bearer(access)).json()["email_verified"] is True
    r = mail_server.post("/api/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_token"
    assert mail_server.rows("SELECT count(*) FROM audit_log WHERE action = "
                            "'account.email_verified' AND target_id = %s",
                            user["id"]) == [(1,)]


def test_reset_link_works_once_and_ends_every_session(mail_server, sink):
    addr = unique_email("reset").lower()
    mail_server.register(addr)
    sink.wait_message(addr)  # the verification mail
    first = mail_server.login(addr).json()
    second = mail_server.login(addr).json()

    r = mail_server.post("/api/v1/auth/password-reset", json={"email": addr.upper()})
    assert r.status_code == 202 and r.json() == {"status": "accepted"}
    msgs = sink.wait_message(addr, 2)
    (msg,) = [m for m in msgs if str(m["Subject"]) == "Reset your password"]
    token = token_of(msg, mail_server.base, "reset-password")

    r = mail_server.post("/api/v1/auth/password-reset/confirm",
                         json={"token": token, "password": "password"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "password"
    r = mail_server.post("/api/v1/auth/password-reset/confirm",
                         json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "password_changed"}
    r = mail_server.post("/api/v1/auth/password-reset/confirm",
                         json={"token": token, "password": NEW_PASSWORD + "!"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_token"

    for s in (first, second):
        r = mail_server.post("/api/v1/auth/refresh", json={"refresh_token": s["refresh_token"]})
        assert r.status_code == 401, r.text
        assert mail_server.get("/api/v1/me", headers=bearer(s["access_token"])).status_code == 401
    assert mail_server.login(addr).status_code == 401
    me = mail_server.login(addr, NEW_PASSWORD)
    assert me.status_code == 200 and me.json()["user"]["email_verified"] is True
    assert mail_server.rows("SELECT count(*) FROM audit_log WHERE action = "
                            "'account.password_reset' AND target_id = %s",
                            me.json()["user"]["id"]) == [(1,)]


def test_spanish_mail_for_a_spanish_account(mail_server, sink):
    addr = unique_email("es").lower()
    mail_server.register(addr, language="es")
    (msg,) = sink.wait_message(addr)
    assert str(msg["Subject"]) == "Confirma tu dirección de correo"
    assert "Hola, Mail Tester:" in part(msg, "plain")
    assert 'lang="es"' in part(msg, "html")
    assert "Confirmar mi dirección" in part(msg, "html")
    r = mail_server.post("/api/v1/auth/password-reset", json={"email": addr})
    assert r.status_code == 202
    msgs = sink.wait_message(addr, 2)
    assert "Restablece tu contraseña" in [str(m["Subject"]) for m in msgs]


def test_sink_away_mails_retried_and_each_arrives_once(mail_server, sink):
    addrs = [unique_email("retry").lower() for _ in range(2)]
    sink.stop()
    try:
        ids = [mail_server.register(a)["id"] for a in addrs]

        def failed_twice():
            got = mail_server.rows(
                "SELECT count(*) FROM mail_outbox WHERE user_id = ANY(%s::uuid[]) "
                "AND state = 'queued' AND attempts >= 2 AND last_error LIKE 'smtp: %%'",
                ids)
            return got == [(2,)]
        wait_for(failed_twice, "two failed attempts of each mail")
    finally:
        sink.start()

    def sent():
        return mail_server.rows(
            "SELECT count(*) FROM mail_outbox m JOIN jobs j "
            "ON j.dedupe_key = 'mail_send:' || m.id WHERE m.user_id = ANY(%s::uuid[]) "
            "AND m.state = 'sent' AND j.state = 'done'", ids) == [(2,)]
    wait_for(sent, "both mails sent and their jobs done", timeout=30)
    for a in addrs:
        assert len(sink.messages(a)) == 1


def test_reset_answers_alike_for_known_and_unknown(mail_server, sink):
    known = unique_email("known").lower()
    mail_server.register(known)
    sink.wait_message(known)
    answers = [mail_server.post("/api/v1/auth/password-reset", json={"email": e})
               for e in (known, unique_email("nobody"), "not an address")]

    def shape(r):
        headers = {k.lower(): v for k, v in r.headers.items()
                   if k.lower() not in ("date", "x-request-id")}
        return r.status_code, r.content, headers
    assert shape(answers[0]) == shape(answers[1]) == shape(answers[2])
    assert answers[0].status_code == 202
    sink.wait_message(known, 2)
    assert mail_server.rows("SELECT count(*) FROM mail_outbox WHERE kind = 'password_reset' "
                            "AND lower(to_address) LIKE 'nobody-%%'") == [(0,)]


def test_reset_throttled_per_address_still_202(mail_server, sink):
    addr = unique_email("throttle").lower()
    user = mail_server.register(addr)
    for _ in range(7):
        r = mail_server.post("/api/v1/auth/password-reset", json={"email": addr})
        assert r.status_code == 202 and r.json() == {"status": "accepted"}
    assert mail_server.rows("SELECT count(*) FROM mail_outbox WHERE user_id = %s "
                            "AND kind = 'password_reset'", user["id"]) == [(5,)]
    # Only the latest link works.
    assert mail_server.rows("SELECT count(*) FROM mail_tokens WHERE user_id = %s "
                            "AND purpose = 'password_reset' AND used_at IS NULL",
                            user["id"]) == [(1,)]


# -- on the suite's server (no SMTP_URL: .eml files) ---------------------------

def eml(db, user_id, kind):
    [(mail_id,)] = query(db, "SELECT id FROM mail_outbox WHERE user_id = %s AND kind = %s",
                         user_id, kind)
    path = os.path.join(MAIL_DIR, f"{mail_id}.eml")
    wait_for(lambda: os.path.exists(path), f"{path} written")
    with open(path, "rb") as f:
        return email.message_from_bytes(f.read(), policy=email.policy.default)


def test_without_smtp_mail_is_an_eml_file(db):
    addr = unique_email("eml").lower()
    r = register(email=addr)
    assert r.status_code == 201
    msg = eml(db, r.json()["id"], "verify_email")
    assert msg["To"] == addr
    token_of(msg, url(""), "verify-email")
    wait_for(lambda: query(db, "SELECT state, secret FROM mail_outbox WHERE user_id = %s",
                           r.json()["id"]) == [("sent", None)], "the mail recorded sent")
    export = Client(addr).get("/api/v1/me/export")
    assert export.status_code == 200
    [mail] = export.json()["mails"]
    assert mail["kind"] == "verify_email" and mail["state"] == "sent"
    assert mail["to"] == addr and mail["subject"] == "Confirm your email address"
    assert "#token=" not in export.text and "body" not in mail


def test_resend_verification_throttled_then_409(db):
    addr = unique_email("resend")
    assert register(email=addr).status_code == 201
    c = Client(addr)
    for _ in range(3):
        r = c.post("/api/v1/me/verification-email")
        assert r.status_code == 202 and r.json() == {"status": "accepted"}
    r = c.post("/api/v1/me/verification-email")
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_requests"
    assert int(r.headers["retry-after"]) > 0
    assert query(db, "SELECT count(*) FROM mail_outbox WHERE user_id = %s "
                 "AND kind = 'verify_email'", c.user_id) == [(4,)]
    query(db, "UPDATE users SET email_verified_at = now() WHERE id = %s", c.user_id)
    r = c.post("/api/v1/me/verification-email")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_verified"


def test_mail_routes_refuse_bad_bodies():
    for path in ("/api/v1/auth/password-reset/confirm", "/api/v1/auth/verify-email"):
        r = requests.post(url(path), json={"token": "0" * 64, "password": PASSWORD}
                          if path.endswith("confirm") else {"token": "0" * 64})
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_token", r.text
        r = requests.post(url(path), json={"token": 5})
        assert r.status_code in (400, 422)
    r = requests.post(url("/api/v1/auth/password-reset"), json={"email": "a@b.c", "x": 1})
    assert r.status_code in (400, 422)


def test_enrollment_and_certificate_mails_only_for_verified(db, instructor):
    slug = courses.published_course(instructor)
    unverified = Client(register_ok())
    verified = Client(register_ok())
    query(db, "UPDATE users SET email_verified_at = now() WHERE id = %s", verified.user_id)
    for c in (unverified, verified):
        assert courses.enroll(c, slug).status_code in (200, 201)
    got = query(db, "SELECT user_id::text FROM mail_outbox WHERE kind = 'enrollment_confirmed' "
                "AND user_id = ANY(%s::uuid[])", [unverified.user_id, verified.user_id])
    assert got == [(verified.user_id,)]
    msg = eml(db, verified.user_id, "enrollment_confirmed")
    assert f"/courses/{slug}" in part(msg, "plain")


def test_certificate_mail_with_its_link_only_for_verified(db, instructor):
    from test_certificates import complete
    slug = courses.published_course(instructor, courses.no_quiz_files())
    unverified = Client(register_ok())
    verified = Client(register_ok(language="es"))
    query(db, "UPDATE users SET email_verified_at = now() WHERE id = %s", verified.user_id)
    codes = {c.user_id: complete(db, c, slug)[1] for c in (unverified, verified)}
    assert query(db, "SELECT count(*) FROM mail_outbox WHERE kind = 'certificate_issued' "
                 "AND user_id = %s", unverified.user_id) == [(0,)]
    msg = eml(db, verified.user_id, "certificate_issued")
    assert str(msg["Subject"]).startswith("Tu certificado: ")
    assert f"{url('')}/verify/{codes[verified.user_id]}" in part(msg, "plain")
    assert f'href="{url("")}/verify/{codes[verified.user_id]}"' in part(msg, "html")


def register_ok(**extra):
    addr = unique_email("learner")
    assert register(email=addr, **extra).status_code == 201
    return addr
