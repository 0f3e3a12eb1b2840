"""Accounts under attack (issue 20, failures 2, 6, 7 and 8): what registration
costs and reveals, two admins changing each other at once, the sign-in budget
of an address with letters beyond ASCII, and tokens whose times are out of
range.

The test build (SG_TEST_HOOKS) says in an x-sg-test-argon2 header how many
argon2id computations a request ran: the tests count hashes instead of
timing them. Other builds send no such header."""
import concurrent.futures
import contextlib
import hashlib
import os
import threading
import time
import uuid

import jwt as pyjwt
import psycopg2
import pytest
import requests

from conftest import (DATABASE_URL, PASSWORD, ROOT, Client, login, new_user, query,
                      race_held_at_rows, register, unique_email, url)
from test_accounts import claims_for, signing_key

ARGON2 = "x-sg-test-argon2"


def argon2(r):
    """The argon2id computations the answer cost (none: no header)."""
    return int(r.headers.get(ARGON2, "0"))


@pytest.fixture(autouse=True)
def fresh_budgets(db):
    """Every test here comes from 127.0.0.1: its sign-in and registration
    budgets start whole, and are left whole for the suites that follow."""
    clear = "DELETE FROM login_throttle WHERE key LIKE 'addr:%%' OR key LIKE 'reg:%%'"
    query(db, clear)
    yield
    query(db, clear)


def expire_window(db, prefix):
    query(db, "UPDATE login_throttle SET window_start = now() - interval '16 minutes' "
              "WHERE key LIKE %s", prefix + ":%")


# -- 2. registration: a budget per client, and no hash for a known answer ---

def test_the_counter_counts_a_registration_and_a_sign_in():
    """The header the other tests rely on: one hash to register, one
    verification to sign in."""
    email = unique_email("counted")
    r = register(email=email)
    assert r.status_code == 201 and argon2(r) == 1, (r.status_code, r.headers)
    r = login(email, PASSWORD)
    assert r.status_code == 200 and argon2(r) == 1


def test_taken_addresses_cost_no_hash_and_spend_the_clients_budget(db):
    """Each answer for a taken address (in any case) is a 409 that ran no
    argon2id; the 21st from one client is a 429, and so is then a new
    address from that client, until the window passes."""
    email = unique_email("taken")
    assert register(email=email).status_code == 201
    answers = [register(email=e) for e in (email, email.upper(), email.lower()) * 8]
    codes = [r.status_code for r in answers]
    assert codes == [409] * 20 + [429] * 4, codes
    assert {r.json()["error"]["code"] for r in answers[:20]} == {"email_taken"}
    assert all(r.json()["error"]["field"] == "email" for r in answers[:20])
    for r in answers[20:]:
        assert r.json()["error"]["code"] == "too_many_attempts"
        assert 0 < int(r.headers["retry-after"]) <= 900
    assert [argon2(r) for r in answers] == [0] * len(answers)

    r = register()
    assert r.status_code == 429 and argon2(r) == 0, r.text
    expire_window(db, "reg")
    r = register()
    assert r.status_code == 201 and argon2(r) == 1


def test_a_parallel_burst_of_taken_addresses_gets_exactly_the_budget(db):
    """Forty clients at once on a taken address: the budget is taken when an
    answer starts, under a row lock, so exactly 20 get their 409 and the
    rest a 429; not one request hashed."""
    email = unique_email("burst")
    assert register(email=email).status_code == 201
    n = 40
    barrier = threading.Barrier(n)

    def attempt(_):
        barrier.wait()
        r = register(email=email)
        return r.status_code, argon2(r)

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        results = list(pool.map(attempt, range(n)))
    assert sorted(code for code, _ in results) == [409] * 20 + [429] * 20, results
    assert sum(cost for _, cost in results) == 0
    assert query(db, "SELECT failures FROM login_throttle WHERE key LIKE 'reg:%%'") == [(20,)]


def test_new_accounts_from_one_address_are_not_refused(db):
    """An office behind one NAT address registering a whole training group:
    the budget counts answers for taken addresses only, so more new accounts
    than the budget all get in (each one hashed once)."""
    answers = [register() for _ in range(22)]
    assert [(r.status_code, argon2(r)) for r in answers] == [(201, 1)] * 22
    assert query(db, "SELECT count(*) FROM login_throttle WHERE key LIKE 'reg:%%'") == [(0,)]


def test_refused_registrations_cost_no_hash():
    for r in (register(password="short pass"), register(country="XX"),
              register(role="admin"),
              requests.post(url("/api/v1/auth/register"), json={
                  "email": unique_email(), "password": PASSWORD, "display_name": "X",
                  "country": "PH", "profession": "health", "language": "en"},
                  headers={"Origin": "https://elsewhere.example"})):
        assert r.status_code in (403, 422) and argon2(r) == 0, (r.status_code, r.text)


# -- 6. two admins changing each other at once -------------------------------

def other_admins_away(db, keep):
    """Makes every other active admin an instructor for a while: returns
    their ids, to give the role back."""
    return [r[0] for r in query(
        db, "UPDATE users SET role = 'instructor' WHERE role = 'admin' "
            "AND disabled_at IS NULL AND erased_at IS NULL AND id <> ALL(%s::uuid[]) "
            "RETURNING id", keep)]


def active_admins(db, *clients):
    return query(db, "SELECT count(*) FROM users WHERE id = ANY(%s::uuid[]) "
                     "AND role = 'admin' AND disabled_at IS NULL AND erased_at IS NULL",
                 [c.user_id for c in clients])[0][0]


def patch_user(actor, target, change):
    r = actor.patch(f"/api/v1/admin/users/{target.user_id}", json=change)
    return r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else None


CHANGES = [{"disabled": True}, {"role": "learner"}, {"role": "instructor", "disabled": True}]


@pytest.mark.parametrize("change", CHANGES, ids=["disable", "demote", "both"])
def test_two_last_admins_changing_each_other_at_once_leave_one(db, change):
    """Both changes are held at the database (the test locks the two rows)
    until both wait there, then go at once: one is made, the other finds
    its author no longer an active admin."""
    a, b = new_user(db, "admin"), new_user(db, "admin")
    away = other_admins_away(db, [a.user_id, b.user_id])
    try:
        results = race_held_at_rows(db, [a.user_id, b.user_id],
                                    [lambda: patch_user(a, b, change),
                                     lambda: patch_user(b, a, change)],
                                    "api.admin_user_patch")
    finally:
        query(db, "UPDATE users SET role = 'admin' WHERE id = ANY(%s::uuid[])", away)
    loser = (401, "session_ended") if change.get("disabled") else (403, "forbidden")
    assert results == [(200, None), loser], results
    assert active_admins(db, a, b) == 1


def test_admins_disabling_each_other_in_a_free_race_never_both_win(db):
    """The same race without the held lock, two threads a round: never two
    200s, never both admins gone."""
    away = []
    try:
        for round_ in range(12):
            a, b = new_user(db, "admin"), new_user(db, "admin")
            away += other_admins_away(db, [a.user_id, b.user_id])
            change = CHANGES[round_ % 2]
            barrier = threading.Barrier(2)

            def go(actor, target):
                barrier.wait()
                return patch_user(actor, target, change)

            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                results = list(pool.map(go, (a, b), (b, a)))
            assert [code for code, _ in results].count(200) == 1, (round_, results)
            assert active_admins(db, a, b) == 1, (round_, results)
    finally:
        query(db, "UPDATE users SET role = 'admin' WHERE id = ANY(%s::uuid[])", away)


def test_an_admin_may_still_disable_and_demote_another(db, admin):
    other = new_user(db, "admin")
    assert patch_user(admin, other, {"role": "instructor"}) == (200, None)
    assert patch_user(admin, other, {"role": "admin", "disabled": True}) == (200, None)
    assert patch_user(admin, other, {"disabled": False}) == (200, None)
    assert active_admins(db, admin, other) == 2


# -- 7. the sign-in budget is the account's, whatever its letters -----------

def account_failures(db, user_id):
    rows = query(db, "SELECT failures FROM login_throttle WHERE key = %s", "acct:" + user_id)
    return rows[0][0] if rows else 0


def test_sign_in_budget_is_one_for_an_address_in_any_case_of_any_letter(db):
    """Élodie and élodie are one account (the lookup folds É as PostgreSQL's
    lower() does): five wrong passwords in all, whichever way it is
    written, then 429."""
    tag = uuid.uuid4().hex[:8]
    email = f"Élodie.x-{tag}@example.org"
    r = register(email=email)
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    spellings = [email] * 5 + [email.lower(), email.upper(), f"ÉLODIE.X-{tag}@example.org",
                               f"élodie.x-{tag}@EXAMPLE.org", email]
    codes = [login(e, "wrong password!").status_code for e in spellings]
    assert codes == [401] * 5 + [429] * 5, codes
    assert account_failures(db, uid) == 5
    assert login(email.lower(), PASSWORD).status_code == 429
    expire_window(db, "acct")
    assert login(email.lower(), PASSWORD).status_code == 200
    assert account_failures(db, uid) == 0


def test_an_unknown_address_has_one_budget_in_any_case_of_any_letter():
    tag = uuid.uuid4().hex[:8]
    ghost = f"Ürsula.Ñúñez-{tag}@example.org"
    spellings = [ghost, ghost.lower(), ghost.upper(), ghost, ghost.lower(), ghost.upper(), ghost]
    codes = [login(e, "wrong password!").status_code for e in spellings]
    assert codes == [401] * 5 + [429] * 2, codes


def test_a_password_check_counts_on_the_same_budget_as_sign_in(db):
    """Sign-in and the password check of a password change share the
    account's five, whichever way the address is written."""
    tag = uuid.uuid4().hex[:8]
    email = f"Émile-{tag}@example.org"
    assert register(email=email).status_code == 201
    me = Client(email)
    for _ in range(3):
        assert login(email.lower(), "wrong password!").status_code == 401
    for _ in range(2):
        r = me.post("/api/v1/me/password", json={"current_password": "wrong password!",
                                                  "new_password": "another sound passphrase"})
        assert r.status_code == 403, r.text
    assert login(email.upper(), PASSWORD).status_code == 429


def test_the_upgrade_moves_counts_to_the_account_ids(db):
    """sql/schema/012 moves an account's count from its old key (a hash of
    the address with ASCII letters in lower case) to its id, so an upgrade
    gives no account a fresh budget. Run here in a transaction rolled back."""
    tag = uuid.uuid4().hex[:8]
    r = register(email=f"Élodie.Moved-{tag}@Example.ORG")
    assert r.status_code == 201, r.text
    uid, stored = r.json()["id"], r.json()["email"]
    ascii_lower = "".join(c.lower() if c.isascii() else c for c in stored)
    old = "acct:" + hashlib.sha256(ascii_lower.encode()).hexdigest()[:32]
    migration = open(os.path.join(ROOT, "sql", "schema", "012_throttle_account_ids.sql")).read()
    with contextlib.closing(psycopg2.connect(DATABASE_URL)) as c:
        try:
            with c.cursor() as cur:
                cur.execute("INSERT INTO login_throttle (key, failures) VALUES (%s, 3)", (old,))
                cur.execute(migration)
                cur.execute("SELECT key, failures FROM login_throttle WHERE key IN (%s, %s)",
                            (old, "acct:" + uid))
                assert cur.fetchall() == [("acct:" + uid, 3)]
                cur.execute("SELECT auth.account_key(%s)", (stored.lower(),))
                assert cur.fetchone() == ("acct:" + uid,)
        finally:
            c.rollback()


# -- 8. token times out of range --------------------------------------------

I64_MAX, I64_MIN = 2**63 - 1, -2**63


def forged(client, **times):
    kid, key = signing_key()
    return pyjwt.encode(claims_for(client, **times), key, algorithm="HS256",
                        headers={"kid": kid})


def me_with(token):
    return requests.get(url("/api/v1/me"), headers={"Authorization": "Bearer " + token})


def out_of_range(now):
    return {
        "exp max, iat min": {"exp": I64_MAX, "iat": I64_MIN},
        "iat min": {"iat": I64_MIN},
        "iat min + 1": {"iat": I64_MIN + 1},
        "exp min": {"exp": I64_MIN},
        "exp max, iat max": {"exp": I64_MAX, "iat": I64_MAX},
        "exp max, iat now": {"exp": I64_MAX},
        "nbf min": {"nbf": I64_MIN},
        "nbf max": {"nbf": I64_MAX},
        "nbf a day ago": {"nbf": now - 86400},
        "nbf not a number": {"nbf": "now"},
        "iat not a number": {"iat": "now"},
        "exp not a whole number": {"exp": now + 600.5},
        "iat a minute ahead": {"iat": now + 60, "nbf": now + 60, "exp": now + 600},
        "iat a day ago": {"iat": now - 86400, "nbf": now - 86400},
        "exp past iat's lifetime": {"iat": now - 10, "exp": now - 10 + 901},
        "exp before iat": {"iat": now, "exp": now - 1},
    }


@pytest.mark.parametrize("case", sorted(out_of_range(0)))
def test_a_token_with_times_out_of_range_is_refused(learner, case):
    token = forged(learner, **out_of_range(int(time.time()))[case])
    r = me_with(token)
    assert r.status_code == 401, (case, r.status_code, r.text)
    assert r.json()["error"]["code"] == "invalid_token"


def test_tokens_with_times_in_range_still_work(learner):
    now = int(time.time())
    for times in ({}, {"iat": now - 100, "nbf": now - 100, "exp": now + 800},
                  {"iat": now + 20, "nbf": now + 20, "exp": now + 920},
                  {"iat": now - 890, "nbf": now - 890, "exp": now + 10}):
        r = me_with(forged(learner, **times))
        assert r.status_code == 200, (times, r.text)
    # The server's own tokens: 900 seconds from iat to exp.
    assert learner.get("/api/v1/me").status_code == 200
