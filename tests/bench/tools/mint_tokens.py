#!/usr/bin/env python3
"""Access tokens for bench learners without signing them in.

    mint_tokens.py KEYDIR COUNT STRIDE > tokens.txt

Prints "n token" for learners n = 1 + k * STRIDE (k < COUNT): HS256 JWTs
made as src/session.c makes them, signed with the newest key of KEYDIR
(SG_VAR_DIR/keys/jwt), naming the live session tests/bench/data.sql gave
each learner. For growth runs with more signed-in learners than argon2id
sign-ins allow (BENCH_MINT_TOKENS=1, scripts/bench); the server checks
these sessions in SQL on every request as it does any other. The tokens
live 15 minutes, as the server's do.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uuid(kind, n):
    return "00000000-0000-4000-%s-%d" % (kind, 100000000000 + n)


def main():
    keydir, count, stride = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kids = sorted(f[:-4] for f in os.listdir(keydir) if f.endswith(".key"))
    if not kids:
        sys.exit("mint_tokens: no key in %s" % keydir)
    kid = kids[-1]
    with open(os.path.join(keydir, kid + ".key")) as f:
        key = base64.b64decode(f.read().strip())
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid},
                               separators=(",", ":")).encode())
    now = int(time.time())
    out = sys.stdout
    for k in range(count):
        n = 1 + k * stride
        claims = {"iss": "safeguard-learn", "aud": "safeguard-learn-api",
                  "sub": uuid("8000", n), "sid": uuid("9000", n),
                  "role": "learner", "jti": "bench-%d" % n,
                  "iat": now, "nbf": now, "exp": now + 900}
        body = header + "." + b64url(json.dumps(
            claims, separators=(",", ":")).encode())
        sig = hmac.new(key, body.encode(), hashlib.sha256).digest()
        out.write("%d %s.%s\n" % (n, body, b64url(sig)))


main()
