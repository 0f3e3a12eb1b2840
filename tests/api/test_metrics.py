"""GET /metrics (src/metrics_serve.c) and the JSON access log.

The page is read with prometheus_client's own text-format parser. The test
server runs two workers: the counters read are the sum over both, so a
count that rises by exactly the requests made here proves they add up
across processes (each request goes out on a new connection, which either
worker may take).

Who may read the page: the suite talks to the server over loopback, so a
plain request is a local one. The other side, a caller that is not local,
is reached through the rule's second half: a request that a proxy forwarded
(X-Forwarded-For) is never local, so it is refused unless it carries
SG_METRICS_TOKEN (scripts/run-tests sets it). The unit test
(tests/unit/metrics_test.c) covers the same rule for a non-loopback peer.
"""
import json
import os
import uuid

import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT, query, register, unique_email, url, wait_for

TOKEN = os.environ.get("SG_METRICS_TOKEN", "")
LOG = os.path.join(os.environ.get("SG_OUT", os.path.join(ROOT, "out")), "server.log")


def scrape(**kw):
    r = requests.get(url("/metrics"), **kw)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return r.text


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def sample(fams, family, name, **labels):
    """The value of one sample, 0 when the series does not exist yet."""
    if family not in fams:
        return 0
    for s in fams[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0


def fresh():
    """A session of its own: each request on a new connection."""
    return requests.Session()


def test_metrics_parse_with_the_prometheus_parser(db):
    fams = families(scrape())
    for name, kind in (("sg_http_requests", "counter"),
                       ("sg_http_request_duration_seconds", "histogram"),
                       ("sg_db_statements", "counter"),
                       ("sg_db_time_seconds", "counter"),
                       ("sg_db_errors", "counter"),
                       ("sg_pgsql_queue_depth", "gauge"),
                       ("sg_jobs", "gauge"),
                       ("sg_certificates_issued", "counter"),
                       ("sg_certificates_revoked", "counter")):
        assert name in fams, name
        assert fams[name].type == kind, (name, fams[name].type)
    # The database-derived numbers are the database's.
    issued = query(db, "SELECT count(*) FROM certificates")[0][0]
    assert sample(fams, "sg_certificates_issued", "sg_certificates_issued_total") == issued
    rows = query(db, "SELECT kind, state, count(*) FROM jobs GROUP BY 1, 2")
    for kind, state, n in rows:
        assert sample(fams, "sg_jobs", "sg_jobs", kind=kind, state=state) == n
    # The mail outbox is counted once its table exists.
    has_outbox = query(db, "SELECT to_regclass('public.mail_outbox') IS NOT NULL")[0][0]
    assert ("sg_mails" in fams) == has_outbox
    if has_outbox:
        for (state, n) in query(db, "SELECT state, count(*) FROM mail_outbox GROUP BY 1"):
            assert sample(fams, "sg_mails", "sg_mails", state=state) == n


def test_request_counter_rises_by_exactly_the_requests_made():
    route = "/api/v1/courses/:slug"
    before = families(scrape())
    slugs = ["no-such-course-" + uuid.uuid4().hex[:10] for _ in range(7)]
    for slug in slugs:
        assert fresh().get(url("/api/v1/courses/" + slug)).status_code == 404
    for _ in range(3):
        assert fresh().get(url("/api/v1/meta")).status_code == 200
    text = scrape()
    after = families(text)

    def delta(family, name, **labels):
        return sample(after, family, name, **labels) - sample(before, family, name, **labels)

    assert delta("sg_http_requests", "sg_http_requests_total",
                 route=route, method="GET", status="404") == 7
    assert delta("sg_http_requests", "sg_http_requests_total",
                 route=route, method="GET", status="200") == 0
    assert delta("sg_http_requests", "sg_http_requests_total",
                 route="/api/v1/meta", method="GET", status="200") == 3
    assert delta("sg_http_request_duration_seconds", "sg_http_request_duration_seconds_count",
                 route=route, method="GET") == 7
    assert delta("sg_http_request_duration_seconds", "sg_http_request_duration_seconds_bucket",
                 route=route, method="GET", le="+Inf") == 7
    # Each of them sent one statement; none failed.
    assert delta("sg_db_statements", "sg_db_statements_total") >= 7
    assert delta("sg_db_errors", "sg_db_errors_total", kind="internal") == 0
    # The pattern is the label, never the path.
    for slug in slugs:
        assert slug not in text
    # The scrapes themselves are counted under their own route.
    assert delta("sg_http_requests", "sg_http_requests_total",
                 route="/metrics", method="GET", status="200") == 1


def test_forwarded_callers_need_the_token():
    unknown = requests.get(url("/no-such-page-" + uuid.uuid4().hex[:8]))
    assert unknown.status_code == 404
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    for headers in (forwarded,
                    dict(forwarded, Authorization="Bearer wrong-" + TOKEN),
                    dict(forwarded, Authorization="Bearer " + TOKEN[:-1]),
                    dict(forwarded, Authorization="Basic " + TOKEN),
                    dict(forwarded, Authorization=TOKEN)):
        r = requests.get(url("/metrics"), headers=headers)
        # The same answer as any address nothing lives at.
        assert r.status_code == 404, headers
        assert r.headers["content-type"] == unknown.headers["content-type"]
        assert "sg_http_requests_total" not in r.text
    assert TOKEN, "scripts/run-tests sets SG_METRICS_TOKEN"
    text = scrape(headers=dict(forwarded, Authorization="Bearer " + TOKEN))
    assert "sg_http_requests_total" in text


def test_metrics_takes_only_get():
    r = requests.post(url("/metrics"), data=b"")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


def log_lines(request_id):
    out = []
    with open(LOG, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("{") and request_id in line:
                out.append(json.loads(line))
    return out


def test_access_log_is_one_json_line_per_request_without_personal_data():
    email = unique_email("logjson")
    register(email=email, display_name="Logged Person Name")
    r = requests.post(url("/api/v1/auth/login"), json={"email": email,
                                                      "password": "a sound passphrase 42"})
    assert r.status_code == 200
    login_id = r.headers["x-request-id"]
    token = r.json()["access_token"]
    user_id = r.json()["user"]["id"]
    r = requests.get(url("/api/v1/me?search=" + email),
                     headers={"Authorization": "Bearer " + token})
    assert r.status_code == 200
    me_id = r.headers["x-request-id"]
    assert me_id != login_id

    wait_for(lambda: log_lines(login_id) and log_lines(me_id), "the access log lines", timeout=10)
    (login,) = log_lines(login_id)
    (me,) = log_lines(me_id)
    for line in (login, me):
        assert set(line) == {"time", "level", "request_id", "method", "route", "status",
                             "duration_ms", "bytes", "user_id"}
        assert line["time"].endswith("Z") and "T" in line["time"]
        assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0
    assert (login["method"], login["route"], login["status"]) == ("POST", "/api/v1/auth/login", 200)
    assert login["user_id"] is None        # signed out when it was made
    assert (me["method"], me["route"], me["status"]) == ("GET", "/api/v1/me", 200)
    assert me["user_id"] == user_id
    log = open(LOG, encoding="utf-8", errors="replace").read()
    assert email.split("@")[0] not in log
    assert "Logged Person Name" not in log


def test_a_path_with_an_id_is_logged_by_its_pattern():
    code = "ZZZZ-ZZZZ-ZZZZ-" + uuid.uuid4().hex[:4].upper().replace("0", "1")
    r = requests.get(url("/api/v1/verify/" + code))
    rid = r.headers["x-request-id"]
    wait_for(lambda: log_lines(rid), "the access log line", timeout=10)
    (line,) = log_lines(rid)
    assert line["route"] == "/api/v1/verify/:code"
    assert line["status"] == r.status_code
    assert code not in open(LOG, encoding="utf-8", errors="replace").read()
