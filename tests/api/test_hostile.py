"""Hostile input, generated from docs/openapi.yaml.

Every operation the document names is called by every role (anonymous,
learner, instructor, admin) with input an attacker would send: malformed
JSON, each member of the body missing, of the wrong type, huge, negative,
2^63, with invalid UTF-8 or NUL bytes; unknown members; bodies over the
limit; wrong content types; the same in path parameters and query strings.
Every answer must be one the operation documents (or the 405 every route
may give), an error must carry the envelope, and no worker may have been
restarted (scripts/run-tests also fails the run on any sanitizer report in
the server's log: the test server is the ASan/UBSan build).

Nothing here lists routes: a route is covered by being documented. The
requests use accounts and a course of this module's own, so the fixtures of
other tests stay untouched: the admin's patches target a scratch account,
sign-out routes are followed by a new sign-in, and the sign-in budgets this
module spends are cleared after each operation.

Requests go out on raw sockets: requests and http.client refuse (or
re-encode) the bytes this suite means to send.
"""
import json
import os
import re
import socket
import time
import uuid
from urllib.parse import urlsplit

import psycopg2
import pytest
import yaml

import courses
from conftest import BASE, DATABASE_URL, ROOT, Client, query, register

SPEC = yaml.safe_load(open(os.path.join(ROOT, "docs", "openapi.yaml")))
METHODS = ("get", "put", "post", "patch", "delete")
ROLES = ("anonymous", "learner", "instructor", "admin")
RANK = {"public": 0, "learner": 1, "instructor": 2, "admin": 3}
# Any route may also answer 405 for a known path with another method
# (docs/openapi.yaml's description, "Errors").
ALWAYS = {405}
JSON_BODY_MAX = 64 * 1024
HTTP_BODY_MAX = 52 * 1024 * 1024
BIG = 2 ** 63
CODE = re.compile(r"^[a-z0-9_]+$")
STATS = {"requests": 0, "cases": set(), "statuses": {}}


def resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def operations():
    ops = []
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                ops.append((method, path, op))
    return ops


def object_schema(schema):
    """(properties, required) of an object schema, allOf merged."""
    schema = resolve(schema)
    props, required = dict(schema.get("properties", {})), list(schema.get("required", []))
    for part in schema.get("allOf", []):
        p, r = object_schema(part)
        props.update(p)
        required += r
    return {k: resolve(v) for k, v in props.items()}, required


# -- a valid body, so that each case below has one fault -------------------------

def valid_value(name, schema, world):
    hints = {
        "email": lambda: f"hostile-{uuid.uuid4().hex[:10]}@example.org",
        "password": lambda: "not the password of anyone 7",
        "current_password": lambda: "not the password of anyone 7",
        "new_password": lambda: "another sound passphrase 9",
        "refresh_token": lambda: "0" * 64,
        "slug": lambda: "hostile-" + uuid.uuid4().hex[:10],
        "country": lambda: "PH",
        "language": lambda: "en",
        "keys": lambda: list(world["module_keys"]),
        "display_name": lambda: "Hostile Person",
        "title": lambda: "A hostile title",
    }
    if name in hints:
        return hints[name]()
    if "enum" in schema:
        return schema["enum"][0]
    t = schema.get("type")
    if t == "boolean":
        return False
    if t in ("integer", "number"):
        return schema.get("minimum", 0)
    if t == "array":
        item = resolve(schema.get("items", {}))
        return [valid_value(name, item, world)] if "enum" in item else []
    return "x"


def valid_body(schema, world):
    props, required = object_schema(schema)
    return {k: valid_value(k, props[k], world) for k in props
            if k in required or k in ("disabled",)}


# -- the cases ---------------------------------------------------------------------

# Values of every wrong kind, for any member (a member of that type gets the
# ones of its type too: out of range, over long).
WRONG = [None, True, 0, -1, 1.5, BIG, -BIG - 1, BIG * BIG, 1e308, "", "x" * 5000,
         [], [1, "a"], {}, {"a": {"b": []}}, "\u0000", "a\u0000b", "\u202e\ufeff",
         "-1", "9223372036854775808", "NaN"]
RAW_JSON = [b"", b"{", b"}", b'{"a":', b"[]", b"null", b"1", b'"x"', b"{,}",
            b'{"a":1,}', b'{"a":1}{"b":2}', b"{'a':1}", b"\xef\xbb\xbf{}",
            b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
            b'{"a":NaN}', b'{"a":1e99999}', b'{"a":-0}', b'{"\\ud800":1}',
            b'{"a":"\\ud800"}', b"\x00", b"{\x00}", b"\xff\xfe\xfd"]
CONTENT_TYPES = [None, "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=x", "application/jsonx",
                 "application/json; charset=iso-8859-1", "*/*", "application/json "]
# Requests Kore itself turns away before the app sees them, with a bare
# answer of its own (no body, so no envelope): a header value with a
# control character, a body declared over http_body_max. The HTTP layer is
# Kore's; these only show that the answer is that 4xx and the worker lives.
KORE_BARE = {"ctype-control-char": 400, "ctype-tab": 400, "declared-too-large": 413}
KORE_BARE_PREFIXES = ("raw-path-", "raw-query-", "header-")


def body_cases(schema, world):
    """(name, content type, bytes) for a JSON body schema."""
    cases = []
    base = valid_body(schema, world)
    props, required = object_schema(schema)

    def add(name, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        cases.append((name, ctype, data))

    for i, raw in enumerate(RAW_JSON):
        add(f"raw-json-{i}", raw)
    for field, fs in props.items():
        for i, v in enumerate(WRONG + typed_extremes(fs)):
            add(f"{field}-wrong-{i}", dict(base, **{field: v}))
        for i, raw in enumerate((b'"\xff\xfe"', b'"a\x00b"', b'"\xc0\xaf"',
                                 b'"\xed\xa0\x80"', b"12345678901234567890123")):
            head = json.dumps(dict(base, **{field: "@@"})).encode()
            add(f"{field}-bytes-{i}", head.replace(b'"@@"', raw))
        if field in required:
            add(f"{field}-missing", {k: v for k, v in base.items() if k != field})
    add("unknown-member", dict(base, hostile=1))
    add("unknown-member-nul", dict(base, **{"a\u0000": 1}))
    add("duplicate-member", json.dumps(base).encode()[:-1] +
        (b', "' + next(iter(props)).encode() + b'": 1}' if props else b"}"))
    add("empty-object", {})
    add("oversized", dict(base, padding="x" * (JSON_BODY_MAX + 10)))
    for i, ct in enumerate(CONTENT_TYPES):
        add(f"content-type-{i}", base, ct)
    add("ctype-control-char", base, "application/json\x7f")
    add("ctype-tab", base, "application/json\t")
    return cases


def typed_extremes(schema):
    t = schema.get("type")
    if t in ("integer", "number"):
        lo, hi = schema.get("minimum", 0), schema.get("maximum", BIG)
        return [lo - 1, hi + 1, -BIG, BIG - 1, 1e-320, 0.1]
    if t == "string":
        n = schema.get("maxLength", 1000)
        return ["y" * (n + 1), "\u00e9" * n, " ", "\t\n", "\u00a0x"]
    if t == "array":
        return [["a"] * 1100, [None], [[]], ["-", "-"]]
    return []


def no_body_cases():
    """Bodies for operations that take none."""
    return [("json-body", "application/json", b'{"a":1}'),
            ("bad-json-body", "application/json", b"{"),
            ("text-body", "text/plain", b"\x00\xff"),
            ("oversized-body", "application/json", b"{" * (JSON_BODY_MAX + 10))]


def csv_cases():
    ct = "text/csv"
    return [("csv-empty", ct, b""), ("csv-header-only", ct, b"email,course\r\n"),
            ("csv-nul", ct, b"email,course\r\na\x00b,c\r\n"),
            ("csv-bad-utf8", ct, b"email,course\r\n\xff\xfe,\xc0\xaf\r\n"),
            ("csv-quotes", ct, b'email,course\r\n"a""b,"c\r\n'),
            ("csv-unclosed", ct, b'email,course\r\n"abc\r\n'),
            ("csv-many-columns", ct, b",".join([b"c"] * 5000) + b"\r\n"),
            ("csv-long-field", ct, b"email,course\r\n" + b"a" * 100000 + b",b\r\n"),
            ("csv-json", "application/json", b'{"a":1}'),
            ("csv-no-type", None, b"email,course\r\n"),
            ("csv-oversized", ct, b"email,course\r\n" + b"x,y\r\n" * 3_000_000)]


def question_file_cases():
    """Question files (GIFT, Moodle XML) an attacker would send."""
    gift, xml = "text/plain", "application/xml"
    return [("qf-empty", gift, b""), ("qf-nul", gift, b"::A::B? {T}\x00\n"),
            ("qf-bad-utf8", gift, b"::A::\xff\xfe? {T}\n"),
            ("qf-overlong-utf8", gift, b"::A::\xc0\xaf? {T}\n"),
            ("qf-unclosed", gift, b"::A::B? {=x" + b" ~y" * 5000),
            ("qf-braces", gift, b"{" * 100000),
            ("qf-escapes", gift, b"\\" * 50000 + b"{T}"),
            ("qf-many", gift, b"::Q::Yes? {T}\n\n" * 2100),
            ("qf-xml-dtd", xml, b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa">'
             b'<!ENTITY b "&a;&a;&a;&a;">]><quiz>&b;</quiz>'),
            ("qf-xml-external", xml, b'<?xml version="1.0"?><!DOCTYPE q SYSTEM '
             b'"http://127.0.0.1:1/x.dtd"><quiz/>'),
            ("qf-xml-deep", xml, b"<quiz>" + b"<a>" * 100000 + b"</a>" * 100000 + b"</quiz>"),
            ("qf-xml-truncated", xml, b'<?xml version="1.0"?><quiz><question type="truefalse">'),
            ("qf-xml-bad-utf8", xml, b"<quiz>\xff</quiz>"),
            ("qf-json", "application/json", b'{"a":1}'),
            ("qf-multipart", "multipart/form-data; boundary=x", b"--x--\r\n"),
            ("qf-oversized", gift, b"::Q::Yes? {T}\n\n" * 750000)]


def multipart_cases(world):
    def form(name, data, ctype="application/zip", boundary="HOSTILE"):
        return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"m.zip\"\r\nContent-Type: {ctype}\r\n\r\n").encode() + data + \
            f"\r\n--{boundary}--\r\n".encode()
    mp = "multipart/form-data; boundary=HOSTILE"
    return [("mp-not-zip", mp, form("package", b"not a zip")),
            ("mp-empty-zip", mp, form("package", b"PK\x05\x06" + b"\x00" * 18)),
            ("mp-truncated-zip", mp, form("package", world["zip"][: len(world["zip"]) // 2])),
            ("mp-wrong-name", mp, form("other", world["zip"])),
            ("mp-no-parts", mp, b"--HOSTILE--\r\n"),
            ("mp-garbage", mp, b"\x00\xff" * 100),
            ("mp-unterminated", mp, form("package", b"PK")[:-12]),
            ("mp-no-boundary", "multipart/form-data", form("package", b"PK")),
            ("mp-json", "application/json", b'{"package":"x"}'),
            ("mp-nul-name", mp, form("pack\x00age", b"PK"))]


# Values of path parameters and query strings, percent-encoded as sent.
PARAM_VALUES = ["%FF", "%00", "%C0%AF", "%ED%A0%80", "a%00b", "..%2F..%2Fetc",
                "-1", "0", "9223372036854775808", "-9223372036854775809",
                "00000000-0000-0000-0000-000000000000",
                "00000000-0000-0000-0000-00000000000G", "A" * 300, "%20", "%25",
                "%E2%80%AE"]
QUERY_VALUES = PARAM_VALUES + ["", "1e3", "1.5", "2147483648", "%2B1", "0x10"]
# Values of documented header parameters (Range, If-None-Match,
# Idempotency-Key, X-CSRF-Token), as bytes on the wire: Latin-1 and UTF-8
# bytes included, which HTTP allows in a field value as obs-text.
HEADER_VALUES = [b"", b" ", b"-1", b"9223372036854775808", b"bytes=0-",
                 b"bytes=-0", b"bytes=9223372036854775807-",
                 b"bytes=18446744073709551616-1", b"bytes=5-1", b"bytes=0-0,1-1",
                 b"bytes=--1", b'W/"x"', b'"' + b"a" * 2000 + b'"', b"*",
                 b"\xff\xfe", b"\xc3\xa9", b"x" * 129, b"a,b"]
# A raw byte in the request line that Kore refuses itself is a bare 400.
RAW_PATH_BYTES = [b"\xff", b"\xc0\xaf", b"%", b"%G0", b"//", b"/./", b"/../"]


def path_with(path, world, override=None):
    def sub(m):
        name = m.group(1)
        if override and name == override[0]:
            return override[1]
        return world["params"][path][name]
    return re.sub(r"\{(\w+)\}", sub, path)


# -- raw HTTP ----------------------------------------------------------------------

def send(method, target, headers, body=None, declared_length=None):
    """(status, headers, body) of one request on a connection of its own."""
    u = urlsplit(BASE)
    head = f"{method.upper()} ".encode() + target + b" HTTP/1.1\r\n"
    lines = [("Host", f"{u.hostname}:{u.port}"), ("Connection", "close")]
    lines += list(headers.items())
    if body is not None or method in ("post", "put", "patch"):
        n = declared_length if declared_length is not None else len(body or b"")
        lines.append(("Content-Length", str(n)))
    for k, v in lines:
        head += k.encode() + b": " + (v if isinstance(v, bytes) else v.encode("latin-1")) + b"\r\n"
    STATS["requests"] += 1
    with socket.create_connection((u.hostname, u.port), timeout=60) as s:
        try:
            s.sendall(head + b"\r\n" + (body or b""))
        except (BrokenPipeError, ConnectionResetError):
            pass     # the server may answer and close before reading all
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    return parse(data)


def parse(data):
    assert data, "no answer (the connection was closed or reset)"
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    status = int(status_line.split()[1])
    headers = {}
    for line in lines:
        k, _, v = line.partition(b":")
        headers[k.decode().strip().lower()] = v.decode("latin-1").strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = dechunk(body)
    return status, headers, body


def dechunk(body):
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        n = int(size.split(b";")[0], 16)
        if n == 0:
            break
        out += rest[:n]
        body = rest[n + 2:]
    return out


# -- the accounts and course of this module -------------------------------------

def make_user(db, role):
    email = f"hostile-{role}-{uuid.uuid4().hex[:10]}@example.org"
    r = register(email=email)
    assert r.status_code == 201, r.text
    if role != "learner":
        query(db, "UPDATE users SET role = %s WHERE lower(email) = lower(%s)", role, email)
    return Client(email)


@pytest.fixture(scope="module")
def world():
    db = psycopg2.connect(DATABASE_URL)
    db.autocommit = True
    clients = {r: make_user(db, r) for r in ROLES if r != "anonymous"}
    target = make_user(db, "learner")
    instructor = clients["instructor"]
    zipdata = courses.make_zip(courses.example_files())
    slug = courses.published_course(instructor)
    lessons = courses.lessons_of(slug)
    assert courses.enroll(clients["learner"], slug).status_code in (200, 201)
    keys = [k for (k,) in query(db, "SELECT m.key FROM modules m JOIN courses c "
                                    "ON c.id = m.course_id WHERE c.slug = %s", slug)]
    media = query(db, "SELECT sha256 FROM media LIMIT 1")
    w = {"db": db, "clients": clients, "target": target, "slug": slug,
         "lesson": lessons[0]["id"], "module_keys": keys, "zip": zipdata,
         "sha256": media[0][0] if media else "0" * 64, "params": {}}
    if not isinstance(w["sha256"], str):
        w["sha256"] = bytes(w["sha256"]).hex()
    for method, path, op in operations():
        values = {"slug": slug, "key": keys[0], "sha256": w["sha256"],
                  "code": "0000-0000-0000-0000",
                  "id": target.user_id if "/users/" in path else w["lesson"]}
        w["params"][path] = {n: values[n] for n in re.findall(r"\{(\w+)\}", path)}
    w["workers"] = workers()
    started = time.monotonic()
    yield w
    spent(w)
    summary = (f"hostile: {len(STATS['cases'])} operation x role pairs, "
               f"{STATS['requests']} requests in {time.monotonic() - started:.0f} s "
               f"({STATS.get('kore_bare', 0)} refused bare by Kore: "
               f"{sorted(STATS.get('bare_kinds', ()))}), answers {sorted(STATS['statuses'].items())}")
    print("\n" + summary)
    with open(os.path.join(os.environ.get("SG_OUT", "/tmp"), "hostile.txt"), "w") as f:
        f.write(summary + "\n")
    db.close()


def workers():
    parent = int(os.environ["SG_SERVER_PID"])
    with open(f"/proc/{parent}/task/{parent}/children") as f:
        return sorted(int(p) for p in f.read().split())


def spent(w):
    """Clears the sign-in and registration budgets this module spent (its
    accounts', and the address's: every test comes from 127.0.0.1)."""
    emails = [c.email for c in w["clients"].values()] + [w["target"].email]
    query(w["db"], "DELETE FROM login_throttle WHERE key LIKE 'addr:%%' "
                   "OR key LIKE 'reg:%%' OR key LIKE 'verify:%%' OR key = ANY (SELECT auth.account_key(e) FROM unnest(%s::text[]) e)",
          emails)


def headers_for(w, role):
    if role == "anonymous":
        return {}
    return {"Authorization": "Bearer " + w["clients"][role].token}


def relogin(w, role):
    """A new session for role's account, after a sign-out."""
    w["clients"][role] = Client(w["clients"][role].email)


# -- the checks --------------------------------------------------------------------

def allowed(op):
    codes = {int(c) for c in op.get("responses", {}) if c.isdigit()}
    return codes | ALWAYS


def check(op, method, path, case, status, headers, body):
    what = f"{method.upper()} {path} [{case}]"
    assert status < 500, f"{what}: {status} {body[:300]!r}"
    if case in KORE_BARE and not body:
        assert status == KORE_BARE[case], f"{what}: {status}"
        return
    if case.startswith(KORE_BARE_PREFIXES) and status == 400 and not body:
        STATS["kore_bare"] = STATS.get("kore_bare", 0) + 1
        STATS.setdefault("bare_kinds", set()).add(case)
        return
    # Outside /api/ an unknown path is the site's HTML 404 page.
    if case.startswith("raw-path-") and not path.startswith("/api/") and status == 404:
        return
    # A byte added to the path makes it another path, which may be none.
    extra = {404} if case.startswith("raw-path-") else set()
    assert status in allowed(op) | extra, f"{what}: undocumented {status} {body[:300]!r}"
    documented = resolve(op.get("responses", {}).get(str(status), {}))
    if status >= 400 and status not in extra and "content" not in documented \
            and status not in ALWAYS:
        # A documented answer without content (416): an empty body.
        assert body == b"", f"{what}: {status} {body[:200]!r}"
        return
    if status >= 400:
        assert headers.get("content-type", "").startswith("application/json"), \
            f"{what}: {status} without a JSON body: {body[:200]!r}"
        err = json.loads(body)
        assert set(err) == {"error"}, f"{what}: {err}"
        assert CODE.match(err["error"]["code"]), f"{what}: {err}"
        assert isinstance(err["error"]["message"], str) and err["error"]["message"], what


def request_cases(method, path, op, w):
    """(case, target bytes, content type, body, declared length)."""
    target = path_with(path, w).encode()
    out = [("plain", target, None, None, None)]
    rb = op.get("requestBody")
    if rb:
        content = resolve(rb)["content"]
        if "application/json" in content:
            out += [(n, target, ct, b, None)
                    for n, ct, b in body_cases(content["application/json"]["schema"], w)]
        elif "text/csv" in content:
            out += [(n, target, ct, b, None) for n, ct, b in csv_cases()]
        elif "text/plain" in content:
            out += [(n, target, ct, b, None) for n, ct, b in question_file_cases()]
        elif "multipart/form-data" in content:
            out += [(n, target, ct, b, None) for n, ct, b in multipart_cases(w)]
            out.append(("declared-too-large", target, "multipart/form-data; boundary=x",
                        b"--x", HTTP_BODY_MAX + 1))
    else:
        out += [(n, target, ct, b, None) for n, ct, b in no_body_cases()]
    for name in re.findall(r"\{(\w+)\}", path):
        for i, v in enumerate(PARAM_VALUES):
            out.append((f"path-{name}-{i}", path_with(path, w, (name, v)).encode(),
                        None, None, None))
    for p in op.get("parameters", []):
        p = resolve(p)
        if p["in"] == "header":
            for i, v in enumerate(HEADER_VALUES):
                out.append((f"header-{p['name']}-{i}", target, None, None, (p["name"], v)))
    for i, raw in enumerate(RAW_PATH_BYTES):
        out.append((f"raw-path-{i}", target + raw, None, None, None))
        out.append((f"raw-query-{i}", target + b"?q=" + raw, None, None, None))
    qnames = [resolve(p)["name"] for p in op.get("parameters", [])
              if resolve(p)["in"] == "query"] + ["hostile"]
    for q in qnames:
        for i, v in enumerate(QUERY_VALUES):
            out.append((f"query-{q}-{i}", target + f"?{q}={v}".encode(), None, None, None))
    out.append(("query-repeated", target + b"?page=1&page=2&q=a&q=b", None, None, None))
    out.append(("query-raw", target + b"?" + b"&".join([b"a=b"] * 200), None, None, None))
    out.append(("query-no-value", target + b"?page&q&=&&", None, None, None))
    return out


def required_members(op):
    rb = op.get("requestBody")
    content = resolve(rb)["content"] if rb else {}
    if "application/json" not in content:
        return []
    return object_schema(content["application/json"]["schema"])[1]


def case_ids():
    return [f"{m}-{p}-{r}" for m, p, _ in operations() for r in ROLES]


@pytest.mark.parametrize("method,path,op,role",
                         [(m, p, op, r) for m, p, op in operations() for r in ROLES],
                         ids=case_ids())
def test_hostile_input(world, method, path, op, role):
    w = world
    # A role the route refuses is answered before the body is read: a
    # sample of the cases (one of each kind) is enough to show it.
    cases = request_cases(method, path, op, w)
    need = op.get("x-role", "public")
    # A sign-out that succeeds ends the session: each case is followed by
    # a sign-in (an argon2id hash), so these get the sample too.
    ends_session = "/auth/logout" in path and role != "anonymous"
    if ends_session or role == "anonymous" and need != "public" or \
            role != "anonymous" and RANK[role] < RANK[need]:
        seen, sample = set(), []
        for c in cases:
            kind = re.sub(r"-\d+$", "", c[0])
            if kind not in seen:
                seen.add(kind)
                sample.append(c)
        cases = sample
    refused = len(cases) != len(request_cases(method, path, op, w))
    required = required_members(op)
    named = {}
    STATS["cases"].add((method, path, role))
    before = workers()
    try:
        for name, target, ctype, body, declared in cases:
            headers = headers_for(w, role)
            if ctype is not None:
                headers["Content-Type"] = ctype
            if path.endswith("/progress") and method == "put":
                headers["Idempotency-Key"] = uuid.uuid4().hex
            if isinstance(declared, tuple):
                headers[declared[0]] = declared[1]
                declared = None
            status, rh, rbody = send(method, target, headers, body, declared)
            STATS["statuses"][status] = STATS["statuses"].get(status, 0) + 1
            if ends_session and status == 204:
                relogin(w, role)
            check(op, method, path, name, status, rh, rbody)
            m = re.match(r"(\w+)-wrong-0$", name)
            if m and not refused and m.group(1) in required:
                named.setdefault(m.group(1), (status, rbody))
            # The case reached the handler, not just the sign-in check.
            if role != "anonymous" and need != "public":
                assert status != 401, f"{method} {path} [{name}] as {role}: {rbody!r}"
    finally:
        spent(w)
    assert workers() == before, "a worker was restarted"
    # Each required member sent as null reached the body's validation and
    # was named as the one at fault: the generated body is sound but for
    # the case. (An optional member sent as null is taken as absent.)
    for field, (status, rbody) in named.items():
        err = json.loads(rbody).get("error", {}) if rbody else {}
        assert status == 422 and err.get("field") == field, \
            f"{method.upper()} {path} as {role}, {field}: null gave {status} {rbody!r}"


def test_no_worker_restarted(world):
    assert workers() == world["workers"]
    assert STATS["requests"] > 0
