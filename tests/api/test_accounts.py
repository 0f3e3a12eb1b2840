"""Accounts, roles and JWT sessions."""
import base64
import concurrent.futures
import glob
import json
import os
import re
import threading
import time
import uuid

import jwt as pyjwt
import pytest
import requests

from conftest import (BASE, PASSWORD, ROOT, Client, login, new_user, query,
                      race_held_at_rows, register, unique_email, url, wait_for)
from courses import (beat, enroll, lessons_of, no_quiz_files, published_course,
                     record_quiz_pass)

ISS, AUD = "safeguard-learn", "safeguard-learn-api"


def all_keys():
    """The server's keys, read the way the server reads them: from
    SG_JWT_KEYS when set (the first signs), else from the key folder."""
    env = os.environ.get("SG_JWT_KEYS")
    if env:
        return [(kid, base64.b64decode(b64)) for kid, b64 in
                (item.split(":", 1) for item in env.split(","))]
    keydir = os.path.join(os.environ.get("SG_VAR_DIR", os.path.join(ROOT, "var")),
                          "keys", "jwt")
    paths = sorted(glob.glob(os.path.join(keydir, "*.key")), reverse=True)
    return [(os.path.basename(p)[:-4], base64.b64decode(open(p).read().strip()))
            for p in paths]


def signing_key():
    return all_keys()[0]


def claims_for(client, **over):
    now = int(time.time())
    c = {"iss": ISS, "aud": AUD, "sub": client.user_id,
         "sid": client.login["session_id"], "role": "learner",
         "jti": str(uuid.uuid4()), "iat": now, "nbf": now, "exp": now + 600}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def b64(d):
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()


def me_with(token):
    return requests.get(url("/api/v1/me"), headers={"Authorization": "Bearer " + token})


def throttle_count(db, email):
    """The failures counted against the account's sign-in budget; its key is
    made by the server's own auth.account_key()."""
    rows = query(db, "SELECT failures FROM login_throttle WHERE key = auth.account_key(%s)",
                 email)
    return rows[0][0] if rows else 0


@pytest.fixture(autouse=True)
def fresh_address_budget(db):
    """Every test here signs in from 127.0.0.1, and every failure counts
    against that address's budget (20 in 15 minutes): each test starts with
    the budget whole, so one test's failures cannot turn another's 401 into
    a 429, and leaves it whole for the suites that follow."""
    query(db, "DELETE FROM login_throttle WHERE key LIKE 'addr:%%'")
    yield
    query(db, "DELETE FROM login_throttle WHERE key LIKE 'addr:%%'")


# -- registration ----------------------------------------------------------

def test_register_normalises_and_hashes(db):
    email = "  Nurse.Reyes@Hospital.EXAMPLE.org "
    local = "Nurse.Reyes@hospital.example.org"
    query(db, "DELETE FROM users WHERE lower(email) = lower(%s)", local)
    r = register(email=email, organisation="City Hospital", language="es")
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["email"] == local
    assert user["role"] == "learner"
    assert user["country"] == "PH" and user["language"] == "es"
    assert "password" not in r.text
    stored = query(db, "SELECT password_hash FROM users WHERE id = %s", user["id"])[0][0]
    assert stored.startswith("$argon2id$v=19$m=65536,t=2,")
    assert PASSWORD not in stored


def test_register_twice_is_409_whatever_the_case():
    email = unique_email("dup")
    assert register(email=email).status_code == 201
    r = register(email=email.upper())
    assert r.status_code == 409
    assert r.json()["error"] == {"code": "email_taken", "field": "email",
                                 "message": r.json()["error"]["message"]}


@pytest.mark.parametrize("field,value", [
    ("password", "short pass"),
    ("password", "Password1234"),
    ("password", "qwertyuiopas"),
    ("country", "XX"),
    ("country", "PHL"),
    ("profession", "spy"),
    ("language", "english!"),
    ("email", "not-an-email"),
    ("display_name", "line\nbreak"),
    ("display_name", 42),
])
def test_register_refuses_bad_fields(field, value):
    r = register(**{field: value})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field


def test_register_refuses_unknown_fields_and_role():
    r = register(role="admin")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown_field"
    assert r.json()["error"]["field"] == "role"


def test_register_refuses_missing_fields():
    r = requests.post(url("/api/v1/auth/register"), json={"email": unique_email()})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "password"


# -- sign-in ---------------------------------------------------------------

def test_login_returns_a_well_formed_token(learner):
    body = learner.login
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    header = pyjwt.get_unverified_header(learner.token)
    assert header["alg"] == "HS256" and header["kid"]
    claims = pyjwt.decode(learner.token, options={"verify_signature": False})
    assert set(claims) >= {"iss", "aud", "sub", "role", "iat", "nbf", "exp", "jti", "sid"}
    assert claims["exp"] - claims["iat"] == 900
    assert claims["sub"] == learner.user_id and claims["role"] == "learner"
    assert len(body["refresh_token"]) >= 43
    assert learner.get("/api/v1/me").json()["id"] == learner.user_id


def test_unknown_email_and_wrong_password_answer_alike(learner):
    wrong = login(learner.email, "wrong password!")
    unknown = login(unique_email("ghost"), "wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "login_failed"


def test_unknown_email_costs_a_password_verification(learner):
    """Both paths run one argon2id verification: an unknown address is checked
    against the dummy hash, so neither answer is cheaper than the other. The
    test build counts the computations in x-sg-test-argon2 (SG_TEST_HOOKS), so
    this is counted, not timed."""
    wrong = login(learner.email, "nope nope nope")
    unknown = login(unique_email("ghost"), "nope nope nope")
    assert wrong.status_code == unknown.status_code == 401, (wrong.text, unknown.text)
    assert wrong.json() == unknown.json()
    assert wrong.headers.get("x-sg-test-argon2") == "1"
    assert unknown.headers.get("x-sg-test-argon2") == "1"


def test_parallel_wrong_passwords_get_no_more_than_the_limit(db, learner):
    """The budget is taken when an attempt starts, under a row lock: of 12
    wrong passwords sent at once, exactly 5 are checked (401) and the rest
    refused before any check (429)."""
    n = 12
    barrier = threading.Barrier(n)

    def attempt(_):
        barrier.wait()
        r = login(learner.email, "wrong password!")
        return r.status_code, r.headers.get("retry-after")

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        results = list(pool.map(attempt, range(n)))
    statuses = sorted(code for code, _ in results)
    assert statuses == [401] * 5 + [429] * (n - 5), statuses
    assert all(0 < int(retry) <= 900 for code, retry in results if code == 429)
    assert throttle_count(db, learner.email) == 5
    # Only failures are charged to the address: the 5 checked ones.
    addr = query(db, "SELECT failures FROM login_throttle WHERE key LIKE 'addr:%%'")
    assert addr == [(5,)]
    assert login(learner.email, PASSWORD).status_code == 429


def test_many_people_behind_one_address_sign_in_at_once(db):
    """An office behind one NAT address: more people than the address's
    failure budget (20) sign in at the same moment, every one rightly, and
    every one gets in. The address budget counts failures, not attempts."""
    people = [new_user(db) for _ in range(24)]
    barrier = threading.Barrier(len(people))

    def attempt(person):
        barrier.wait()
        return login(person.email, PASSWORD).status_code

    with concurrent.futures.ThreadPoolExecutor(len(people)) as pool:
        statuses = list(pool.map(attempt, people))
    assert statuses == [200] * len(people), statuses
    assert query(db, "SELECT coalesce(sum(failures), 0) FROM login_throttle "
                     "WHERE key LIKE 'addr:%%'") == [(0,)]


def test_login_throttles_per_account_then_resets(db, learner):
    for _ in range(5):
        r = login(learner.email, "wrong password!")
        assert r.status_code == 401
    r = login(learner.email, PASSWORD)
    assert r.status_code == 429
    # Changing the case of the address buys no new budget.
    r2 = login(learner.email.upper(), PASSWORD)
    assert r2.status_code == 429
    assert r.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(r.headers["retry-after"]) <= 900
    # The window passes.
    query(db, "UPDATE login_throttle SET window_start = now() - interval '16 minutes' "
              "WHERE key LIKE 'acct:%%'")
    r = login(learner.email, PASSWORD)
    assert r.status_code == 200, r.text


def test_login_throttles_per_address_then_resets(db, learner):
    statuses = []
    for i in range(21):
        r = login(unique_email("spray"), "whatever1234!")
        statuses.append(r.status_code)
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    assert r.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(r.headers["retry-after"]) <= 900
    # The address is refused whatever the account, right password too.
    r = login(learner.email, PASSWORD)
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 900
    # That refusal cost the account nothing: its budget is whole.
    assert throttle_count(db, learner.email) == 0
    # The window passes.
    query(db, "UPDATE login_throttle SET window_start = now() - interval '16 minutes' "
              "WHERE key LIKE 'addr:%%'")
    assert login(unique_email("spray"), "whatever1234!").status_code == 401
    assert login(learner.email, PASSWORD).status_code == 200


# -- forged tokens: every one a 401 -----------------------------------------

def forged_tokens(client):
    kid, key = signing_key()
    good = claims_for(client)
    hdr = {"kid": kid}
    parts = client.token.split(".")
    tampered_payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=="))
    tampered_payload["role"] = "admin"
    return {
        "alg none": b64({"alg": "none", "typ": "JWT", "kid": kid}) + "." + b64(good) + ".",
        "alg none no kid": b64({"alg": "none"}) + "." + b64(good) + ".",
        "HS256 empty key": pyjwt.encode(good, b"", algorithm="HS256", headers=hdr),
        "HS256 guessable key": pyjwt.encode(good, kid.encode(), algorithm="HS256", headers=hdr),
        "HS512 right key": pyjwt.encode(good, key, algorithm="HS512", headers=hdr),
        "HS384 right key": pyjwt.encode(good, key, algorithm="HS384", headers=hdr),
        "unknown kid": pyjwt.encode(good, key, algorithm="HS256", headers={"kid": "nope"}),
        "no kid": pyjwt.encode(good, key, algorithm="HS256"),
        "expired": pyjwt.encode(claims_for(client, iat=int(time.time()) - 1000,
                                           nbf=int(time.time()) - 1000,
                                           exp=int(time.time()) - 100),
                                key, algorithm="HS256", headers=hdr),
        "not yet valid": pyjwt.encode(claims_for(client, nbf=int(time.time()) + 300),
                                      key, algorithm="HS256", headers=hdr),
        "missing exp": pyjwt.encode(claims_for(client, exp=None), key,
                                    algorithm="HS256", headers=hdr),
        "wrong audience": pyjwt.encode(claims_for(client, aud="someone-else"), key,
                                       algorithm="HS256", headers=hdr),
        "wrong issuer": pyjwt.encode(claims_for(client, iss="evil"), key,
                                     algorithm="HS256", headers=hdr),
        "too long lived": pyjwt.encode(claims_for(client, exp=int(time.time()) + 86400),
                                       key, algorithm="HS256", headers=hdr),
        "tampered payload": parts[0] + "." + b64(tampered_payload) + "." + parts[2],
        "bad signature": parts[0] + "." + parts[1] + "." + parts[2][::-1],
        "garbage": "not.a.jwt",
        "two parts": parts[0] + "." + parts[1],
    }


def test_a_token_forged_with_the_real_key_and_right_claims_works(learner):
    """The forging below is sound: with everything right, the server accepts."""
    kid, key = signing_key()
    token = pyjwt.encode(claims_for(learner), key, algorithm="HS256", headers={"kid": kid})
    assert me_with(token).status_code == 200


FORGERIES = [
    "alg none", "alg none no kid", "HS256 empty key", "HS256 guessable key",
    "HS512 right key", "HS384 right key", "unknown kid", "no kid", "expired",
    "not yet valid", "missing exp", "wrong audience", "wrong issuer",
    "too long lived", "tampered payload", "bad signature", "garbage", "two parts"]


@pytest.mark.parametrize("case", FORGERIES)
def test_forged_token_is_refused(learner, case):
    token = forged_tokens(learner)[case]
    r = me_with(token)
    assert r.status_code == 401, (case, r.text)
    assert r.json()["error"]["code"] == "invalid_token"


def test_rotation_older_keys_verify_the_newest_signs(learner):
    keys = all_keys()
    assert pyjwt.get_unverified_header(learner.token)["kid"] == keys[0][0]
    for kid, key in keys:
        token = pyjwt.encode(claims_for(learner), key, algorithm="HS256",
                             headers={"kid": kid})
        assert me_with(token).status_code == 200, kid
    # A kid the server knows, with another key's bytes: refused.
    if len(keys) > 1:
        token = pyjwt.encode(claims_for(learner), keys[1][1], algorithm="HS256",
                             headers={"kid": keys[0][0]})
        assert me_with(token).status_code == 401


def test_no_token_is_401_and_learner_on_admin_route_is_403(learner):
    r = requests.get(url("/api/v1/me"))
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    r = learner.get("/api/v1/admin/users")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert learner.get("/api/v1/admin/audit").status_code == 403
    assert learner.patch(f"/api/v1/admin/users/{learner.user_id}",
                         json={"role": "admin"}).status_code == 403


def test_every_protected_route_refuses_an_anonymous_caller():
    """Walk the route table: whatever is not public answers 401 without a token."""
    src = open(os.path.join(ROOT, "src/api.c")).read()
    routes = re.findall(r'\{\s*(\w+),\s*"([^"]+)",\s*(AUTH_\w+),', src)
    assert len(routes) >= 13
    checked = 0
    for method, path, auth in routes:
        if auth in ("AUTH_PUBLIC", "AUTH_OPTIONAL"):
            continue
        concrete = re.sub(r":\w+", "00000000-0000-4000-8000-000000000000", path)
        r = requests.request(method, url(concrete), json={})
        assert r.status_code == 401, (method, path, r.status_code)
        checked += 1
    assert checked >= 10


# -- refresh, logout, revocation --------------------------------------------

def refresh(token):
    return requests.post(url("/api/v1/auth/refresh"), json={"refresh_token": token})


def test_refresh_rotates_and_reuse_revokes_the_family(learner):
    first = learner.refresh_token
    r = refresh(first)
    assert r.status_code == 200, r.text
    second = r.json()["refresh_token"]
    new_access = r.json()["access_token"]
    assert second != first and me_with(new_access).status_code == 200

    # The old token again: theft is assumed, the whole family ends.
    r = refresh(first)
    assert r.status_code == 401 and r.json()["error"]["code"] == "refresh_reused"
    assert refresh(second).status_code == 401
    assert me_with(new_access).status_code == 401
    assert me_with(learner.token).status_code == 401


def test_unknown_refresh_token_is_401():
    assert refresh("x" * 43).status_code == 401


def test_logout_ends_this_session_only(db):
    a = new_user(db)
    b = Client(a.email)
    assert a.post("/api/v1/auth/logout").status_code == 204
    assert a.get("/api/v1/me").status_code == 401
    assert refresh(a.refresh_token).status_code == 401
    assert b.get("/api/v1/me").status_code == 200


def test_logout_all_ends_every_session(db):
    a = new_user(db)
    b = Client(a.email)
    assert a.post("/api/v1/auth/logout-all").status_code == 204
    assert a.get("/api/v1/me").status_code == 401
    assert b.get("/api/v1/me").status_code == 401
    assert refresh(b.refresh_token).status_code == 401


def test_disabled_account_stops_at_once(db, admin):
    victim = new_user(db)
    r = admin.patch(f"/api/v1/admin/users/{victim.user_id}", json={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert victim.get("/api/v1/me").status_code == 401
    assert refresh(victim.refresh_token).status_code == 401
    r = login(victim.email, PASSWORD)
    assert r.status_code == 401
    # Enabled again, the person signs in anew.
    assert admin.patch(f"/api/v1/admin/users/{victim.user_id}",
                       json={"disabled": False}).status_code == 200
    Client(victim.email)


def test_password_change_needs_the_current_one_and_ends_other_sessions(db):
    a = new_user(db)
    other = Client(a.email)
    r = a.post("/api/v1/me/password", json={"current_password": "not it at all",
                                            "new_password": "a brand new passphrase"})
    assert r.status_code == 403 and r.json()["error"]["field"] == "current_password"
    r = a.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                            "new_password": "short"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "new_password"

    r = a.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                            "new_password": "a brand new passphrase"})
    assert r.status_code == 200, r.text
    assert me_with(r.json()["access_token"]).status_code == 200
    assert other.get("/api/v1/me").status_code == 401
    assert a.get("/api/v1/me").status_code == 401
    assert refresh(other.refresh_token).status_code == 401
    Client(a.email, "a brand new passphrase")
    bad = login(a.email, PASSWORD)
    assert bad.status_code == 401


def test_wrong_current_passwords_are_throttled_like_sign_in(db):
    """A stolen access token buys no more guesses than sign-in gives: each
    wrong current password counts against the account's budget."""
    a = new_user(db)
    change = {"current_password": "a guess at it", "new_password": "a brand new passphrase"}
    for i in range(5):
        r = a.post("/api/v1/me/password", json=change)
        assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_password", r.text
        assert throttle_count(db, a.email) == i + 1
    # The budget is spent: refused before any check, the right password too.
    r = a.post("/api/v1/me/password", json={**change, "current_password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(r.headers["retry-after"]) <= 900
    # One budget: sign-in is refused as well.
    assert login(a.email, PASSWORD).status_code == 429
    assert query(db, "SELECT password_hash FROM users WHERE id = %s", a.user_id)[0][0] \
        .startswith("$argon2id$")
    # The window passes; the right password changes it and clears the count.
    query(db, "UPDATE login_throttle SET window_start = now() - interval '16 minutes' "
              "WHERE key = auth.account_key(%s)", a.email)
    r = a.post("/api/v1/me/password", json={**change, "current_password": PASSWORD})
    assert r.status_code == 200, r.text
    assert throttle_count(db, a.email) == 0


def erase(client, body=None, **kw):
    return client.post("/api/v1/me/erase", json={"password": client.password}
                       if body is None else body, **kw)


def test_erasure_needs_the_current_password(db, learner):
    # Kore 4.1 reads no body on DELETE, so erasure is a POST with one.
    r = learner.delete("/api/v1/me")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = learner.post("/api/v1/me/erase")
    assert r.status_code == 422 and r.json()["error"]["field"] == "password", r.text
    r = erase(learner, {})
    assert r.status_code == 422 and r.json()["error"]["field"] == "password"
    r = erase(learner, {"password": 42})
    assert r.status_code == 422 and r.json()["error"]["field"] == "password"
    r = erase(learner, {"password": PASSWORD, "confirm": True})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_field"
    r = learner.post("/api/v1/me/erase", data="{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    assert throttle_count(db, learner.email) == 0
    # A wrong password: refused, and counted against the account's budget.
    r = erase(learner, {"password": "not my password"})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "wrong_password"
    assert r.json()["error"]["field"] == "password"
    assert throttle_count(db, learner.email) == 1
    assert learner.get("/api/v1/me").status_code == 200
    assert query(db, "SELECT erased_at FROM users WHERE id = %s", learner.user_id) == [(None,)]
    for _ in range(4):
        assert erase(learner, {"password": "not my password"}).status_code == 403
    r = erase(learner)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert query(db, "SELECT erased_at FROM users WHERE id = %s", learner.user_id) == [(None,)]


def other_admins_away(db, keep):
    """Makes every other active admin an instructor for a while: returns
    their ids, to give the role back."""
    rows = query(db, "UPDATE users SET role = 'instructor' WHERE role = 'admin' "
                     "AND disabled_at IS NULL AND erased_at IS NULL AND id <> ALL(%s::uuid[]) "
                     "RETURNING id", keep)
    return [r[0] for r in rows]


def test_the_last_active_admin_cannot_erase_their_account(db, admin):
    away = other_admins_away(db, [admin.user_id])
    try:
        # A disabled admin does not count.
        spare = new_user(db, "admin")
        query(db, "UPDATE users SET disabled_at = now() WHERE id = %s", spare.user_id)
        r = erase(admin)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "last_admin"
        assert admin.get("/api/v1/me").status_code == 200
        query(db, "UPDATE users SET disabled_at = NULL WHERE id = %s", spare.user_id)
        # With another active admin, an admin may leave.
        assert erase(admin).status_code == 204
        assert admin.get("/api/v1/me").status_code == 401
        r = erase(spare)
        assert r.status_code == 409 and r.json()["error"]["code"] == "last_admin"
    finally:
        query(db, "UPDATE users SET role = 'admin' WHERE id = ANY(%s::uuid[])", away)


def test_two_last_admins_erasing_at_once_leave_one(db):
    """Both erasures are held at the database (the test locks the two rows)
    until both wait there, then go at once: one may leave, the other is the
    last admin."""
    a, b = new_user(db, "admin"), new_user(db, "admin")
    away = other_admins_away(db, [a.user_id, b.user_id])
    try:
        codes = race_held_at_rows(db, [a.user_id, b.user_id],
                                  [lambda: erase(a).status_code, lambda: erase(b).status_code],
                                  "api.me_delete")
        assert codes == [204, 409], codes
        left = query(db, "SELECT count(*) FROM users WHERE id IN (%s, %s) AND role = 'admin' "
                         "AND erased_at IS NULL", a.user_id, b.user_id)[0][0]
        assert left == 1
    finally:
        query(db, "UPDATE users SET role = 'admin' WHERE id = ANY(%s::uuid[])", away)


# -- browsers: cookies and CSRF ---------------------------------------------

def browser_login(email):
    s = requests.Session()
    r = s.post(url("/api/v1/auth/login"),
               json={"email": email, "password": PASSWORD, "cookie": True},
               headers={"Origin": BASE})
    return s, r


def test_cookie_login_sets_strict_httponly_cookies_and_no_tokens(learner):
    s, r = browser_login(learner.email)
    assert r.status_code == 200, r.text
    assert "access_token" not in r.json() and "refresh_token" not in r.json()
    raw = r.raw.headers.getlist("Set-Cookie")
    cookies = {c.split("=", 1)[0]: c for c in raw}
    assert set(cookies) == {"sg_access", "sg_refresh", "sg_csrf"}
    for name in ("sg_access", "sg_refresh"):
        assert "HttpOnly" in cookies[name]
    assert "HttpOnly" not in cookies["sg_csrf"]
    for c in raw:
        assert "SameSite=Strict" in c
        assert "Secure" not in c        # plain HTTP in tests; Secure under TLS
    assert "Path=/api/v1/auth/" in cookies["sg_refresh"]
    assert s.get(url("/api/v1/me")).json()["id"] == learner.user_id


def test_cookie_post_needs_csrf_token_and_same_origin(learner):
    s, _ = browser_login(learner.email)
    csrf = s.cookies.get("sg_csrf")
    body = {"display_name": "Changed By Cookie"}
    # No token: refused.
    r = s.patch(url("/api/v1/me"), json=body, headers={"Origin": BASE})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    # Token, but a cross-site origin: refused.
    r = s.patch(url("/api/v1/me"), json=body,
                headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf})
    assert r.status_code == 403
    # A wrong token: refused.
    r = s.patch(url("/api/v1/me"), json=body,
                headers={"Origin": BASE, "X-CSRF-Token": "x" * len(csrf)})
    assert r.status_code == 403
    assert learner.get("/api/v1/me").json()["display_name"] == "Test Person"
    # Same origin with the token: accepted.
    r = s.patch(url("/api/v1/me"), json=body, headers={"Origin": BASE, "X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["display_name"] == "Changed By Cookie"


def test_cookie_refresh_and_logout(learner):
    s, _ = browser_login(learner.email)
    csrf = s.cookies.get("sg_csrf")
    assert s.post(url("/api/v1/auth/refresh"), headers={"Origin": BASE}).status_code == 403
    r = s.post(url("/api/v1/auth/refresh"), headers={"Origin": BASE, "X-CSRF-Token": csrf})
    assert r.status_code == 200 and "refresh_token" not in r.json()
    csrf = s.cookies.get("sg_csrf")
    r = s.post(url("/api/v1/auth/logout"), headers={"Origin": BASE, "X-CSRF-Token": csrf})
    assert r.status_code == 204
    assert any("Max-Age=0" in c for c in r.raw.headers.getlist("Set-Cookie"))
    assert s.get(url("/api/v1/me")).status_code == 401


def test_cross_origin_cookie_post_is_refused(learner):
    """A state-changing POST that carries a valid session cookie is refused
    from another origin, even with the right CSRF token (which another site
    could not read anyway), and from any origin without the token."""
    s, _ = browser_login(learner.email)
    csrf = s.cookies.get("sg_csrf")
    r = s.post(url("/api/v1/auth/logout-all"),
               headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = s.post(url("/api/v1/auth/logout-all"), headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = s.post(url("/api/v1/auth/logout-all"), headers={"Origin": BASE})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    # Nothing happened: the sessions live.
    assert s.get(url("/api/v1/me")).status_code == 200
    assert learner.get("/api/v1/me").status_code == 200
    r = s.post(url("/api/v1/auth/logout-all"), headers={"Origin": BASE, "X-CSRF-Token": csrf})
    assert r.status_code == 204
    assert learner.get("/api/v1/me").status_code == 401


def test_cross_site_login_is_refused(learner):
    r = requests.post(url("/api/v1/auth/login"),
                      json={"email": learner.email, "password": PASSWORD, "cookie": True},
                      headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


# -- profile, export, erasure, admin -----------------------------------------

def test_profile_patch_takes_only_editable_fields(learner):
    r = learner.patch("/api/v1/me", json={"role": "admin"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "role"
    r = learner.patch("/api/v1/me", json={"email": "new@example.org"})
    assert r.status_code == 422
    r = learner.patch("/api/v1/me", json={"country": "es", "organisation": "Policía Local",
                                          "language": "es"})
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["country"] == "ES" and me["organisation"] == "Policía Local"
    assert me["role"] == "learner"


def test_export_holds_the_account_and_no_secrets(learner):
    r = learner.get("/api/v1/me/export")
    assert r.status_code == 200
    data = r.json()
    assert data["account"]["email"].lower() == learner.email.strip().lower()
    assert len(data["sessions"]) >= 1
    assert "argon2" not in r.text and "password" not in r.text
    assert learner.refresh_token not in r.text
    for empty in ("enrollments", "lesson_progress", "progress_beats", "quiz_passes",
                  "quiz_attempts", "enrollment_rounds", "teaching"):
        assert data[empty] == [], empty


def test_export_holds_learning_records_and_what_was_done_to_the_account(db, admin, instructor,
                                                                        learner):
    slug = published_course(instructor)        # with its quiz
    assert enroll(learner, slug).status_code == 201
    first = lessons_of(slug)[0]
    key = str(uuid.uuid4())
    assert beat(learner, first["id"], key=key, position=0.5, delta=10).status_code == 200
    record_quiz_pass(db, learner, slug)
    assert admin.patch(f"/api/v1/admin/users/{learner.user_id}",
                       json={"disabled": False}).status_code == 200

    r = learner.get("/api/v1/me/export")
    assert r.status_code == 200, r.text
    data = r.json()
    title = requests.get(url(f"/api/v1/courses/{slug}")).json()["title"]
    [e] = data["enrollments"]
    assert e["course"] == {"slug": slug, "title": title}
    assert e["status"] == "in_progress" and e["completed_at"] is None
    assert e["enrolled_at"] and e["source"] == "self"
    [lp] = data["lesson_progress"]
    lesson_key = query(db, "SELECT key FROM lessons WHERE id = %s", first["id"])[0][0]
    assert (lp["course"], lp["lesson"], lp["status"]) == (slug, lesson_key, "in_progress")
    assert lp["position"] == pytest.approx(0.5) and lp["time_spent"] == 10
    assert [b["key"] for b in data["progress_beats"]] == [key]
    [qp] = data["quiz_passes"]
    assert qp["course"] == slug and qp["passed_at"]
    about = [a for a in data["audit"] if a["target_id"] == learner.user_id]
    assert [(a["action"], a["by_you"], a["actor_role"]) for a in about] == \
        [("user.update", False, "admin")]
    # The admin who did it is not named; the instructor sees their course.
    assert admin.user_id not in r.text
    teaching = instructor.get("/api/v1/me/export").json()["teaching"]
    assert {"course": {"slug": slug, "title": title}, "owner": True} in teaching
    assert "argon2" not in r.text and "password" not in r.text


def test_erasure_keeps_completion_records_anonymised(db, instructor, learner):
    slug = published_course(instructor, no_quiz_files())
    enroll(learner, slug)
    for lesson in lessons_of(slug):
        assert beat(learner, lesson["id"], completed=True).status_code == 200
    completed = "SELECT count(*) FROM enrollments e JOIN courses c ON c.id = e.course_id " \
                "WHERE c.slug = %s AND e.completed_at IS NOT NULL"
    assert query(db, completed, slug) == [(1,)]
    done_at = query(db, "SELECT completed_at FROM enrollments WHERE user_id = %s",
                    learner.user_id)[0][0]

    assert erase(learner).status_code == 204
    # The completion stays, on the same (now anonymous) account, and counts.
    assert query(db, completed, slug) == [(1,)]
    assert query(db, "SELECT completed_at FROM enrollments WHERE user_id = %s",
                 learner.user_id) == [(done_at,)]
    assert query(db, "SELECT count(*) FROM lesson_progress lp JOIN enrollments e "
                     "ON e.id = lp.enrollment_id WHERE e.user_id = %s AND "
                     "lp.completed_at IS NOT NULL", learner.user_id) == [(2,)]
    row = query(db, "SELECT email, display_name, organisation, password_hash, erased_at, "
                    "country, profession FROM users WHERE id = %s", learner.user_id)[0]
    assert row[0] == f"erased-{learner.user_id}@invalid" and row[1] == "Erased account"
    assert row[2] is None and row[3] == "!" and row[4] is not None
    assert row[5:] == ("PH", "health")
    assert query(db, "SELECT count(*) FROM progress_beats WHERE user_id = %s",
                 learner.user_id) == [(0,)]
    assert query(db, "SELECT count(*) FROM users WHERE lower(email) = lower(%s)",
                 learner.email.strip()) == [(0,)]
    assert login(learner.email, PASSWORD).status_code == 401
    assert learner.get("/api/v1/me").status_code == 401


def test_delete_erases_personal_fields_and_ends_sessions(db, learner):
    assert erase(learner).status_code == 204
    row = query(db, "SELECT email, display_name, organisation, password_hash, erased_at "
                    "FROM users WHERE id = %s", learner.user_id)[0]
    assert row[0].startswith("erased-") and row[1] == "Erased account"
    assert row[2] is None and row[3] == "!" and row[4] is not None
    assert learner.get("/api/v1/me").status_code == 401
    r = login(learner.email, PASSWORD)
    assert r.status_code == 401


def test_admin_lists_searches_and_changes_roles_with_audit(db, admin):
    target = new_user(db)
    r = admin.get("/api/v1/admin/users", params={"q": target.email.split("@")[0]})
    assert r.status_code == 200
    assert [u["id"] for u in r.json()["users"]] == [target.user_id]
    r = admin.patch(f"/api/v1/admin/users/{target.user_id}", json={"role": "instructor"})
    assert r.status_code == 200 and r.json()["role"] == "instructor"
    rid = r.headers["x-request-id"]
    rows = query(db, "SELECT action, target_id, request_id, actor_id FROM audit_log "
                     "WHERE request_id = %s", rid)
    assert rows == [("user.update", target.user_id, rid, admin.user_id)]
    entries = admin.get("/api/v1/admin/audit").json()["entries"]
    assert any(e["request_id"] == rid for e in entries)
    # Roles take effect through the database at once.
    assert admin.patch(f"/api/v1/admin/users/{target.user_id}",
                       json={"role": "emperor"}).status_code == 422
    # null is no role either, and changes nothing.
    r = admin.patch(f"/api/v1/admin/users/{target.user_id}", json={"role": None})
    assert r.status_code == 422 and r.json()["error"]["field"] == "role"
    assert query(db, "SELECT role::text FROM users WHERE id = %s", target.user_id) == \
        [("instructor",)]
    assert admin.patch(f"/api/v1/admin/users/{uuid.uuid4()}",
                       json={"role": "learner"}).status_code == 404
    assert admin.patch("/api/v1/admin/users/not-a-uuid",
                       json={"role": "learner"}).status_code == 404


BAD_PAGES = ["0", "-1", "abc", "1.5", "100001", "2x"]


def test_admin_users_list_pages_with_a_total(db, admin):
    tag = "pager" + uuid.uuid4().hex[:10]
    # 51 accounts, each created a second before the next: two pages of 50.
    ids = [r[0] for r in query(
        db, "INSERT INTO users (email, password_hash, display_name, country, profession, "
            "created_at) SELECT %s || i || '@example.org', '!', 'Pager ' || %s, 'PH', "
            "'health', now() - i * interval '1 second' FROM generate_series(1, 51) i "
            "RETURNING id::text", tag + "-", tag)]
    first = admin.get("/api/v1/admin/users", params={"q": tag})
    assert first.status_code == 200, first.text
    first = first.json()
    assert (first["page"], first["page_size"], first["total"]) == (1, 50, 51)
    second = admin.get("/api/v1/admin/users", params={"q": tag, "page": "2"}).json()
    assert (second["page"], second["total"]) == (2, 51)
    page1 = [u["id"] for u in first["users"]]
    page2 = [u["id"] for u in second["users"]]
    assert len(page1) == 50 and len(page2) == 1
    # Newest first, no account on both pages, none missing.
    assert page1 + page2 == ids
    third = admin.get("/api/v1/admin/users", params={"q": tag, "page": "3"}).json()
    assert third["users"] == [] and third["total"] == 51
    for bad in BAD_PAGES:
        r = admin.get("/api/v1/admin/users", params={"q": tag, "page": bad})
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"]["code"] == "invalid_page"
        assert r.json()["error"]["field"] == "page"


def test_admin_audit_pages_newest_first(db, admin):
    tag = "test.page." + uuid.uuid4().hex[:8]
    ids = [r[0] for r in query(
        db, "INSERT INTO audit_log (action, target_type, target_id) "
            "SELECT %s, 'test', i::text FROM generate_series(1, 101) i RETURNING id", tag)]
    first = admin.get("/api/v1/admin/audit")
    assert first.status_code == 200, first.text
    first = first.json()
    assert (first["page"], first["page_size"]) == (1, 100)
    second = admin.get("/api/v1/admin/audit", params={"page": "2"}).json()
    assert second["page"] == 2
    # The 101 entries are the newest: 100 on the first page, the oldest of
    # them first on the second, then older ones.
    assert [e["id"] for e in first["entries"]] == sorted(ids, reverse=True)[:100]
    assert {e["action"] for e in first["entries"]} == {tag}
    assert second["entries"][0]["id"] == min(ids)
    assert all(e["id"] < min(ids) for e in second["entries"][1:])
    for bad in BAD_PAGES:
        r = admin.get("/api/v1/admin/audit", params={"page": bad})
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_page", bad


def test_admin_cannot_lock_themselves_out(admin):
    r = admin.patch(f"/api/v1/admin/users/{admin.user_id}", json={"disabled": True})
    assert r.status_code == 409
    assert admin.get("/api/v1/me").status_code == 200


def test_demoted_admin_loses_admin_routes_at_once(db, admin):
    other = new_user(db, "admin")
    assert other.get("/api/v1/admin/users").status_code == 200
    admin.patch(f"/api/v1/admin/users/{other.user_id}", json={"role": "learner"})
    # Their token still says admin; the database says otherwise.
    assert other.get("/api/v1/admin/users").status_code == 403


def test_promotion_reaches_the_token_at_its_next_refresh(db, admin):
    """The dispatcher gates routes on the token's role; the database
    re-checks. A promotion is not in the old token: it shows once the
    client refreshes (docs/security.md, Roles)."""
    target = new_user(db)
    assert admin.patch(f"/api/v1/admin/users/{target.user_id}",
                       json={"role": "admin"}).status_code == 200
    r = target.get("/api/v1/admin/users")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = refresh(target.refresh_token)
    assert r.status_code == 200 and r.json()["user"]["role"] == "admin"
    r = requests.get(url("/api/v1/admin/users"),
                     headers={"Authorization": "Bearer " + r.json()["access_token"]})
    assert r.status_code == 200


def test_no_personal_data_in_the_server_log(db):
    email = unique_email("logcheck")
    register(email=email, display_name="Inspector Private Name")
    Client(email)
    log = open(os.path.join(os.environ.get("SG_OUT", os.path.join(ROOT, "out")),
                            "server.log")).read()
    assert email.split("@")[0] not in log
    assert "Inspector Private Name" not in log
    assert PASSWORD not in log


def test_create_admin_script_makes_an_admin_with_a_printed_password(db):
    import subprocess
    email = unique_email("ops").lower()
    p = subprocess.run([os.path.join(ROOT, "scripts/create-admin"), email, "Ops Lead"],
                       capture_output=True, text=True, env=os.environ)
    assert p.returncode == 0, p.stderr
    password = re.search(r"password \(shown only now\): (\S+)", p.stdout).group(1)
    admin = Client(email, password)
    assert admin.get("/api/v1/admin/users").status_code == 200
    # Run again on an existing learner: promoted, password unchanged.
    other = new_user(db)
    p = subprocess.run([os.path.join(ROOT, "scripts/create-admin"), other.email],
                       capture_output=True, text=True, env=os.environ)
    assert p.returncode == 0 and "now an admin" in p.stdout
    assert Client(other.email).get("/api/v1/admin/users").status_code == 200


def test_client_leaving_during_sign_in_harms_nothing(db, learner):
    """The password check runs on a task thread; a client that hangs up
    meanwhile must not take the worker down (the server log is checked for
    sanitizer reports and dead workers after the suite)."""
    import socket
    host, port = BASE.split("//")[1].split(":")
    body = json.dumps({"email": learner.email, "password": PASSWORD}).encode()
    head = (f"POST /api/v1/auth/login HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    for _ in range(6):
        s = socket.create_connection((host, int(port)))
        s.sendall(head + body)
        s.close()
    # Every worker still answers, sign-in included.
    for _ in range(4):
        assert requests.get(url("/healthz")).status_code == 200
    # Each attempt took its place in the budget when it started, and an
    # attempt nobody waited for the answer of keeps it: clear them, once no
    # sign-in is still taking its place.
    wait_for(lambda: query(db, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                               "AND query LIKE '%%api.login_lookup%%' "
                               "AND pid <> pg_backend_pid()")[0][0] == 0,
             "the abandoned sign-ins to leave api.login_lookup")
    query(db, "DELETE FROM login_throttle WHERE key = auth.account_key(%s)", learner.email)
    Client(learner.email)
