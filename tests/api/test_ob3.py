"""Open Badges 3.0 credentials (src/ob3.c, src/ob3_keys.c) through
build/ob3tool: no server. The VC-JWT verifies with PyJWT against the JWKS,
stops verifying when one byte changes, carries the claims the spec maps
from the credential, and the credential validates against 1EdTech's
official AchievementCredential schema (tests/fixtures/ob3)."""
import base64
import hashlib
import json
import os
import pathlib
import subprocess
import time

import jsonschema
import jwt
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOL = ROOT / "build" / "ob3tool"
SCHEMA = json.loads((ROOT / "tests/fixtures/ob3/"
                     "ob_v3p0_achievementcredential_schema.json").read_text())
JWKS_URL = "https://learn.example.org/.well-known/jwks.json"
NAME = "محمد عبد الله"


def key_dir():
    """The folder scripts/keys fills (make test runs it first)."""
    d = os.environ.get("SG_OB3_KEY_DIR") or os.path.join(
        os.environ.get("SG_VAR_DIR", str(ROOT / "var")), "keys", "ob3")
    assert any(f.endswith(".key") for f in os.listdir(d)), d
    return d


def inputs(**over):
    now = int(time.time())
    doc = {
        "credential_id": "https://learn.example.org/api/v1/verify/K7QM-X2PD-9HRT",
        "issuer_id": "https://learn.example.org/api/v1/issuer",
        "issuer_name": "Safeguard Learn",
        "achievement_id": "https://learn.example.org/courses/safer-recruitment",
        "achievement_name": "Safer recruitment",
        "achievement_description": "Preventing abuse through safer recruitment.",
        "criteria": "Completed every lesson of the course.",
        "language": "es",
        "recipient_email": "learner@example.org",
        "salt": "c2FsdHkgc2FsdA",
        "name": NAME,
        "issued_at": now - 60,
        "expires_at": now + 365 * 86400,
    }
    doc.update(over)
    return {k: v for k, v in doc.items() if v is not None}


def tool(*args, stdin=None, check=True, **env):
    p = subprocess.run([str(TOOL), *args], input=stdin, capture_output=True,
                       text=True, env={**os.environ, **env}, timeout=30)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def credential(**over):
    return json.loads(tool("credential", stdin=json.dumps(inputs(**over))).stdout)


def sign(keys=None, **over):
    args = ["-u", JWKS_URL] + (["-d", keys] if keys else [])
    return tool(*args, "sign", stdin=json.dumps(inputs(**over))).stdout.strip()


def jwks(keys=None):
    args = ["-u", JWKS_URL] + (["-d", keys] if keys else [])
    return json.loads(tool(*args, "jwks").stdout)


def verify(token, keyset):
    """What a verifier does (OB 3.0, "Verify a Credential"): the key the
    header's kid names in the JWKS, RS256 only."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = [k for k in keyset["keys"] if k["kid"] == kid]
    assert len(jwk) == 1, kid
    key = jwt.PyJWK.from_dict(jwk[0]).key
    return jwt.decode(token, key, algorithms=["RS256"],
                      options={"require": ["iss", "jti", "nbf", "sub"]})


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def schema_errors(doc, ref=None):
    schema = SCHEMA if ref is None else {
        "$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": ref}
    v = jsonschema.Draft201909Validator(
        schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(doc)]


@pytest.fixture(scope="module")
def signed():
    token = sign(key_dir())
    return token, jwks(key_dir())


def test_credential_verifies_against_the_jwks(signed, tmp_path):
    token, keyset = signed
    claims = verify(token, keyset)
    assert claims["vc"]["credentialSubject"]["name"] == NAME
    # PyJWKClient, as a verifier fetching the published JWKS would use it.
    f = tmp_path / "jwks.json"
    f.write_text(json.dumps(keyset))
    key = jwt.PyJWKClient(f.as_uri()).get_signing_key_from_jwt(token).key
    assert jwt.decode(token, key, algorithms=["RS256"])["jti"] == claims["jti"]


def test_header_is_rs256_with_a_kid_uri_in_the_jwks(signed):
    token, keyset = signed
    header = jwt.get_unverified_header(token)
    assert set(header) == {"alg", "typ", "kid"}
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"].startswith(JWKS_URL + "#ob3-")
    assert header["kid"] in [k["kid"] for k in keyset["keys"]]


def test_jwks_publishes_public_rsa_keys_only(signed):
    _, keyset = signed
    assert keyset["keys"]
    for k in keyset["keys"]:
        assert set(k) == {"kty", "use", "alg", "kid", "n", "e"}
        assert k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig"
        assert len(b64d(k["n"])) * 8 >= 2048 and b64d(k["n"])[0] != 0
        assert b64d(k["e"]) == b"\x01\x00\x01"


def test_claims_are_mapped_from_the_credential(signed):
    token, keyset = signed
    c = verify(token, keyset)
    vc = c["vc"]
    assert c["iss"] == vc["issuer"]["id"] == "https://learn.example.org/api/v1/issuer"
    assert c["jti"] == vc["id"] == c["id"]
    assert c["sub"] == vc["credentialSubject"]["id"] == c["credentialSubject"]["id"]
    issued, expires = inputs()["issued_at"], inputs()["expires_at"]
    assert abs(c["nbf"] - issued) <= 5 and abs(c["exp"] - expires) <= 5
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(c["nbf"]))
    assert vc["validFrom"] == iso == c["validFrom"]
    assert vc["validUntil"] == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                             time.gmtime(c["exp"]))
    # The payload is the credential (OB 3.0) and vc repeats it (VC 1.1).
    assert {k: v for k, v in c.items()
            if k not in ("iss", "jti", "sub", "nbf", "exp", "vc")} == vc


def test_one_changed_byte_fails(signed):
    token, keyset = signed
    head, body, sig = token.split(".")
    raw = bytearray(b64d(sig))
    for i in (0, len(raw) // 2, len(raw) - 1):
        bad = bytearray(raw)
        bad[i] ^= 0x01
        with pytest.raises(jwt.InvalidSignatureError):
            verify(".".join([head, body, b64e(bytes(bad))]), keyset)
    payload = b64d(body)
    at = payload.index(b"Safer recruitment")
    bad = payload[:at] + b"R" + payload[at + 1:]
    assert b"Rafer recruitment" in bad and json.loads(bad) != json.loads(payload)
    with pytest.raises(jwt.InvalidSignatureError):
        verify(".".join([head, b64e(bad), sig]), keyset)
    with pytest.raises(jwt.InvalidSignatureError):
        verify(".".join([b64e(b64d(head).replace(b"JWT", b"JWS")), body, sig]),
               keyset)


def test_credential_validates_against_the_official_schema(signed):
    token, keyset = signed
    c = verify(token, keyset)
    assert schema_errors(c["vc"]) == []
    assert schema_errors(c) == []
    assert schema_errors(credential(expires_at=None, language=None)) == []
    # The schema is strict enough to notice: without validFrom, or with a
    # type the spec does not know, the same document is refused.
    broken = dict(c["vc"])
    del broken["validFrom"]
    assert schema_errors(broken)
    broken = dict(c["vc"], type=["VerifiableCredential"])
    assert schema_errors(broken)


def test_required_parts_of_the_data_model():
    c = credential()
    assert c["@context"] == ["https://www.w3.org/ns/credentials/v2",
                             "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert c["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    s = c["credentialSubject"]
    assert s["type"] == ["AchievementSubject"]
    a = s["achievement"]
    assert a["type"] == ["Achievement"] and a["name"] == "Safer recruitment"
    assert a["criteria"] == {"narrative": "Completed every lesson of the course."}
    assert a["inLanguage"] == "es"
    assert c["issuer"] == {"id": "https://learn.example.org/api/v1/issuer",
                           "type": ["Profile"], "name": "Safeguard Learn"}


def test_learner_is_a_salted_email_hash_never_the_address(signed):
    token, _ = signed
    ident = credential()["credentialSubject"]["identifier"]
    digest = hashlib.sha256(b"learner@example.org" + b"c2FsdHkgc2FsdA").hexdigest()
    assert ident == [{"type": "IdentityObject", "hashed": True,
                      "identityHash": "sha256$" + digest,
                      "identityType": "emailAddress", "salt": "c2FsdHkgc2FsdA"}]
    assert b"learner@example.org" not in b64d(token.split(".")[1])
    # The spec's own example: 'a@example.com' salted with 'Kosher'.
    h = credential(recipient_email="a@example.com", salt="Kosher")
    assert h["credentialSubject"]["identifier"][0]["identityHash"] == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399")


def test_credential_without_expiry_has_no_exp():
    token = sign(key_dir(), expires_at=0)
    c = verify(token, jwks(key_dir()))
    assert "exp" not in c and "validUntil" not in c["vc"]


def test_expired_credential_is_refused_by_a_verifier():
    now = int(time.time())
    token = sign(key_dir(), issued_at=now - 7200, expires_at=now - 3600)
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(token, jwks(key_dir()))


def test_a_language_the_schema_refuses_is_left_out():
    for lang in ("EN", "e", "en_GB", "en-gb", "zh-Hant-TWN"):
        c = credential(language=lang)
        assert "inLanguage" not in c["credentialSubject"]["achievement"], lang
        assert schema_errors(c) == []
    for lang in ("en", "en-GB", "zh-Hant-TW", "es-419", "ast"):
        assert credential(language=lang)["credentialSubject"]["achievement"][
            "inLanguage"] == lang


def test_missing_or_bad_input_makes_no_credential():
    for over in ({"name": ""}, {"recipient_email": None}, {"salt": None},
                 {"issued_at": 0}, {"expires_at": 1000}):
        p = tool("credential", stdin=json.dumps(inputs(**over)), check=False)
        assert p.returncode == 1 and p.stdout == "", over


def test_issuer_profile_validates_as_a_profile():
    p = json.loads(tool("issuer", "https://learn.example.org/api/v1/issuer",
                        "Safeguard Learn", "https://learn.example.org/").stdout)
    assert p["id"] == "https://learn.example.org/api/v1/issuer"
    assert p["type"] == ["Profile"] and p["url"] == "https://learn.example.org/"
    assert schema_errors(p, "#/$defs/Profile") == []


def pair(d, name):
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", str(d / f"{name}.key")],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "pkey", "-in", str(d / f"{name}.key"), "-pubout",
                    "-out", str(d / f"{name}.pub")], check=True, timeout=30)


def test_rotation_newest_signs_every_public_key_verifies(tmp_path):
    pair(tmp_path, "ob3-20250101000000")
    old = sign(str(tmp_path))
    pair(tmp_path, "ob3-20260101000000")
    new = sign(str(tmp_path))
    assert jwt.get_unverified_header(old)["kid"].endswith("#ob3-20250101000000")
    assert jwt.get_unverified_header(new)["kid"].endswith("#ob3-20260101000000")
    keyset = jwks(str(tmp_path))
    assert len(keyset["keys"]) == 2
    # Retired: the old private key is gone, its public key stays published.
    (tmp_path / "ob3-20250101000000.key").unlink()
    keyset = jwks(str(tmp_path))
    verify(old, keyset)
    verify(new, keyset)
    # A key the JWKS no longer lists verifies nothing.
    (tmp_path / "ob3-20250101000000.pub").unlink()
    with pytest.raises(AssertionError):
        verify(old, jwks(str(tmp_path)))


def test_key_folder_override_and_refusals(tmp_path):
    # SG_OB3_KEY_DIR is where the tool (and the server) looks.
    p = tool("-u", JWKS_URL, "jwks", check=False, SG_OB3_KEY_DIR=str(tmp_path))
    assert p.returncode == 1 and "no usable key pair" in p.stderr
    pair(tmp_path, "k1")
    assert tool("jwks", SG_OB3_KEY_DIR=str(tmp_path)).returncode == 0
    # A signing key whose public half is missing, or a stray file, is no key.
    (tmp_path / "k1.pub").unlink()
    (tmp_path / "k1.pub.bak").write_text("x")
    p = tool("jwks", check=False, SG_OB3_KEY_DIR=str(tmp_path))
    assert p.returncode == 1
    # A short RSA key signs nothing.
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:1024", "-out", str(tmp_path / "k2.key")],
                   check=True, capture_output=True, timeout=30)
    subprocess.run(["openssl", "pkey", "-in", str(tmp_path / "k2.key"), "-pubout",
                    "-out", str(tmp_path / "k2.pub")], check=True, timeout=30)
    p = tool("sign", stdin=json.dumps(inputs()), check=False,
             SG_OB3_KEY_DIR=str(tmp_path))
    assert p.returncode == 1 and p.stdout == ""
