"""Certificates as the certificate_issue job makes them on the running
server (src/cert_issue.c): the PDF drawn on a task thread at issue and
downloaded through the API, and the Open Badges credential signed then and
fetched through the API, checked as a verifier would with the published
JWKS and the official schema. The acceptance tests of issue 22."""
import hashlib
import json
import os
import shutil
import subprocess

import psycopg2

import jwt
import pytest
import requests

from conftest import BASE, DATABASE_URL, ROOT, new_user, query, url
from courses import no_quiz_files, published_course
from servers import OUT, start_server
from test_cert_pdf import NAMES, fonts, qr_text, text_lines
from test_certificates import complete, verify_budget  # noqa: F401 (fixture)
from test_jobs import BAD_LOG, stop_group
from test_ob3 import b64d, b64e, schema_errors


@pytest.fixture(scope="module")
def course_slug():
    """One course for the module's learners (2.5 hours, valid two years)."""
    conn = psycopg2.connect(DATABASE_URL)
    conn.autocommit = True
    try:
        teacher = new_user(conn, "instructor")
    finally:
        conn.close()
    return published_course(teacher, no_quiz_files(), estimated_hours=2.5,
                            certificate_valid_months=24)


@pytest.mark.parametrize("name", NAMES)
def test_issued_pdf_has_the_name_embedded_fonts_and_the_qr(db, course_slug, name,
                                                          tmp_path):
    learner = new_user(db, display_name=name)
    cert_id, code = complete(db, learner, course_slug)[:2]
    r = learner.get(f"/api/v1/certificates/{cert_id}/pdf")
    assert r.status_code == 200, r.text
    pdf = tmp_path / "issued.pdf"
    pdf.write_bytes(r.content)

    lines = text_lines(pdf)
    assert name in lines, lines
    assert code in lines and "Certificate of completion" in lines
    assert any(line.startswith("2.5 hours · Issued on ") and "Valid until" in line
               for line in lines), lines

    embedded = fonts(pdf)
    assert len(embedded) >= 2, embedded
    assert all(emb == "yes" for _, emb in embedded), embedded

    assert qr_text(pdf, tmp_path) == BASE + "/verify/" + code


def jwks():
    r = requests.get(url("/.well-known/jwks.json"))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert "public" in r.headers["Cache-Control"]
    return r.json()


def key_for(token, keyset):
    kid = jwt.get_unverified_header(token)["kid"]
    found = [k for k in keyset["keys"] if k["kid"] == kid]
    assert len(found) == 1, (kid, keyset)
    return jwt.PyJWK.from_dict(found[0]).key


def test_credential_verifies_against_the_published_jwks(db, course_slug):
    learner = new_user(db, display_name="محمد عبد الله")
    cert_id, code = complete(db, learner, course_slug)[:2]
    r = learner.get(f"/api/v1/certificates/{cert_id}/credential")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["code"] == code and body["format"] == "vc+jwt"
    token = body["jwt"]
    assert body["jwt"] == query(db, "SELECT credential FROM certificates WHERE id = %s",
                                cert_id)[0][0]

    keyset = jwks()
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"].startswith(BASE + "/.well-known/jwks.json#ob3-")
    claims = jwt.decode(token, key_for(token, keyset), algorithms=["RS256"],
                        options={"require": ["iss", "jti", "nbf", "sub", "exp"]})
    vc = claims["vc"]
    assert vc == body["credential"]
    assert claims["iss"] == vc["issuer"]["id"] == BASE + "/api/v1/issuer"
    assert claims["jti"] == vc["id"] == BASE + "/api/v1/verify/" + code
    assert claims["sub"] == vc["credentialSubject"]["id"]
    subject = vc["credentialSubject"]
    assert subject["name"] == "محمد عبد الله"
    assert subject["achievement"]["id"] == BASE + "/courses/" + course_slug
    assert vc["validUntil"] and claims["exp"] > claims["nbf"]
    # The learner by a salted hash, never the address.
    assert learner.email.lower() not in r.text.lower()
    assert learner.email.lower() not in json.dumps(claims, ensure_ascii=False).lower()
    ident = subject["identifier"][0]
    assert ident["identityHash"] == "sha256$" + hashlib.sha256(
        (learner.email.lower() + ident["salt"]).encode()).hexdigest()

    # PyJWKClient, fetching the JWKS over HTTP as any verifier would.
    client = jwt.PyJWKClient(url("/.well-known/jwks.json"))
    assert jwt.decode(token, client.get_signing_key_from_jwt(token).key,
                      algorithms=["RS256"])["jti"] == claims["jti"]

    # It validates against 1EdTech's schema, and the credential route
    # answers it to the course's instructors and admins too.
    assert schema_errors(vc) == []
    assert schema_errors(claims) == []
    assert new_user(db, "admin").get(
        f"/api/v1/certificates/{cert_id}/credential").json()["jwt"] == token


def test_one_changed_byte_fails_verification(db, course_slug):
    learner = new_user(db)
    cert_id = complete(db, learner, course_slug)[0]
    token = learner.get(f"/api/v1/certificates/{cert_id}/credential").json()["jwt"]
    key = key_for(token, jwks())
    head, payload, sig = token.split(".")
    # A byte of the payload (the name), of the signature, of the header.
    doc = bytearray(b64d(payload))
    at = doc.index(b'"name"') + 8
    doc[at] ^= 0x01
    forged = [".".join([head, b64e(bytes(doc)), sig])]
    raw = bytearray(b64d(sig))
    raw[len(raw) // 2] ^= 0x01
    forged.append(".".join([head, payload, b64e(bytes(raw))]))
    h = json.loads(b64d(head))
    h["typ"] = "JWS"
    forged.append(".".join([b64e(json.dumps(h).encode()), payload, sig]))
    for bad in forged:
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(bad, key, algorithms=["RS256"])
    jwt.decode(token, key, algorithms=["RS256"])


def test_issuer_profile_is_what_the_credential_names(db):
    r = requests.get(url("/api/v1/issuer"))
    assert r.status_code == 200, r.text
    profile = r.json()
    assert profile["id"] == BASE + "/api/v1/issuer"
    assert profile["type"] == ["Profile"] and profile["name"] == "Safeguard Learn"
    assert profile["url"] == BASE
    assert schema_errors(profile, "#/$defs/Profile") == []
    etag = r.headers["ETag"]
    again = requests.get(url("/api/v1/issuer"), headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_jwks_lists_every_public_key_and_nothing_private():
    keyset = jwks()
    assert keyset["keys"]
    for k in keyset["keys"]:
        assert set(k) == {"kty", "use", "alg", "kid", "n", "e"}
        assert k["kid"].startswith(BASE + "/.well-known/jwks.json#ob3-")
    assert requests.post(url("/.well-known/jwks.json")).status_code == 405


def test_rotation_keeps_old_keys_published(db, course_slug, tmp_path):
    """scripts/keys ob3-rotate, a restart, then the old private key
    removed (docs/certificates.md, Rotation): the server signs with the new
    key, and the JWKS still publishes the old public key, so credentials
    signed before verify as they did. A second server on its own port
    with the rotated folder, running no jobs (the suite's runs them)."""
    learner = new_user(db)
    cert_id = complete(db, learner, course_slug)[0]
    token = learner.get(f"/api/v1/certificates/{cert_id}/credential").json()["jwt"]
    old = jwt.get_unverified_header(token)["kid"].split("#", 1)[1]

    src = os.environ.get("SG_OB3_KEY_DIR") or os.path.join(
        os.environ.get("SG_VAR_DIR", os.path.join(ROOT, "var")), "keys", "ob3")
    rotated = tmp_path / "ob3"
    shutil.copytree(src, rotated)
    for f in rotated.glob("*.key"):
        if f.stem != old:
            f.unlink()
    r = subprocess.run([os.path.join(ROOT, "scripts", "keys"), "ob3-rotate"], cwd=ROOT,
                       env=dict(os.environ, SG_OB3_KEY_DIR=str(rotated)),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    (rotated / (old + ".key")).unlink()
    names = sorted(f.stem for f in rotated.glob("*.pub"))
    new = sorted(f.stem for f in rotated.glob("*.key"))
    assert len(new) == 1 and new[0] != old and old in names

    port = int(os.environ.get("SG_TEST_PORT", "8890")) + 10
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(OUT, f"ob3-rotation-{port}.log")
    with open(log_path, "w") as log:
        proc = start_server(port, log, "ob3", SG_OB3_KEY_DIR=str(rotated),
                            SG_JOBS_CONCURRENCY="0")
        try:
            keyset = requests.get(base + "/.well-known/jwks.json").json()
        finally:
            stop_group(proc)
    published = sorted(k["kid"].split("#", 1)[1] for k in keyset["keys"])
    assert published == names and old in published and new[0] in published
    # The credential the old key signed still verifies with what is published.
    jwk = [k for k in keyset["keys"] if k["kid"].endswith("#" + old)][0]
    jwt.decode(token, jwt.PyJWK.from_dict(jwk).key, algorithms=["RS256"])
    with open(log_path) as f:
        bad = [line for line in f if BAD_LOG.search(line)]
    assert not bad, bad[:5]
