"""docs/openapi.yaml describes exactly the routes of src/api.c's table.

The route table is the one place a JSON route is declared (path, method, the
role it needs), so it is the reference: a route added to the table without
its documentation, documentation left behind for a route that is gone, or a
route whose role changed without its `security` fails here. These tests read
files only; they need no server.
"""
import os
import re

import pytest
import yaml

from conftest import ROOT

API_C = os.path.join(ROOT, "src", "api.c")
SPEC = os.path.join(ROOT, "docs", "openapi.yaml")

API_PREFIX = "/api/v1/"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SAFE_METHODS = ("get", "head")
# The table's AUTH_* values and the x-role each operation states.
ROLES = {
    "AUTH_PUBLIC": "public",
    "AUTH_OPTIONAL": "optional",
    "AUTH_LEARNER": "learner",
    "AUTH_INSTRUCTOR": "instructor",
    "AUTH_ADMIN": "admin",
}
# Outside the table (conf/routes.conf), documented all the same.
# Kore routes of their own (conf/routes.conf) that the document names.
HEALTH_ROUTES = {("get", "/healthz"), ("get", "/readyz"), ("get", "/.well-known/jwks.json"),
                 ("get", "/metrics")}


def route_table(source):
    """{(method, "/api/v1/courses/{slug}"): "AUTH_..."} from api.c's text."""
    m = re.search(r"api_routes\[\]\s*=\s*\{(.*?)\n\};", source, re.S)
    assert m, "the api_routes[] table was not found in src/api.c"
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    routes = {}
    entries = re.findall(
        r'\{\s*([A-Z_][A-Z_|\s]*?)\s*,\s*"([^"]+)"\s*,\s*(AUTH_\w+)\s*,', body)
    for methods, pattern, auth in entries:
        path = re.sub(r":(\w+)", r"{\1}", pattern)
        for method in re.split(r"\s*\|\s*", methods.strip()):
            method = method.replace("HTTP_METHOD_", "").lower()
            assert method in HTTP_METHODS, f"unknown method {method!r} in {pattern}"
            assert (method, path) not in routes, f"{method.upper()} {path} twice in the table"
            routes[(method, path)] = auth
    # Every line that opens an entry must have been understood.
    opened = len(re.findall(r'\{\s*[A-Z_][A-Z_|\s]*?,\s*"/', body))
    assert opened == len(entries), "an entry of the route table was not parsed"
    return routes


def operations(spec):
    """{(method, path): operation} for every operation in the document."""
    ops = {}
    for path, item in (spec.get("paths") or {}).items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                ops[(method, path)] = op
    return ops


def resolve(spec, node):
    """Follows a local $ref (one level at a time, until there is none)."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are used: {ref}"
        assert ref not in seen, f"reference loop at {ref}"
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(node, dict) and part in node, f"unresolved reference {ref}"
            node = node[part]
    return node


def effective_security(spec, op):
    return op["security"] if "security" in op else spec.get("security")


@pytest.fixture(scope="module")
def spec():
    with open(SPEC, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    assert isinstance(doc, dict), "docs/openapi.yaml is not a YAML mapping"
    return doc


@pytest.fixture(scope="module")
def table():
    with open(API_C, encoding="utf-8") as f:
        routes = route_table(f.read())
    assert len(routes) >= 20, "suspiciously few routes parsed from src/api.c"
    return routes


def test_the_document_is_openapi_3_1(spec):
    assert str(spec.get("openapi", "")).startswith("3.1."), spec.get("openapi")
    assert spec.get("info", {}).get("title") and spec["info"].get("version")


def test_every_route_of_the_table_is_documented_and_nothing_more(spec, table):
    documented = {key for key in operations(spec) if key[1].startswith(API_PREFIX)}
    undocumented = sorted(set(table) - documented)
    stale = sorted(documented - set(table))
    assert not undocumented, "routes in src/api.c missing from docs/openapi.yaml: " + \
        ", ".join(f"{m.upper()} {p}" for m, p in undocumented)
    assert not stale, "operations in docs/openapi.yaml that src/api.c does not have: " + \
        ", ".join(f"{m.upper()} {p}" for m, p in stale)


def test_nothing_else_is_documented_but_the_health_checks(spec):
    others = {key for key in operations(spec) if not key[1].startswith(API_PREFIX)}
    assert others == HEALTH_ROUTES, sorted(others ^ HEALTH_ROUTES)


def test_public_routes_have_empty_security_and_the_others_require_a_scheme(spec, table):
    ops = operations(spec)
    schemes = spec["components"]["securitySchemes"]
    for (method, path), auth in sorted(table.items()):
        if (method, path) not in ops:
            continue    # reported by the test above
        op = ops[(method, path)]
        where = f"{method.upper()} {path} ({auth})"
        if auth == "AUTH_PUBLIC":
            assert op.get("security", None) == [], f"{where} must say security: []"
            continue
        security = effective_security(spec, op)
        assert security, f"{where} must name the schemes that authenticate it"
        named = [req for req in security if req]
        assert named, f"{where} must require at least one scheme"
        for req in named:
            for name in req:
                assert name in schemes, f"{where} names an undefined scheme {name}"
        has_anonymous = any(req == {} for req in security)
        assert has_anonymous == (auth == "AUTH_OPTIONAL"), \
            f"{where}: an empty requirement {{}} means 'optional', and only AUTH_OPTIONAL is"
        # Browsers' cookie needs the CSRF token on anything but GET and HEAD.
        for req in named:
            if "cookieAuth" in req and method not in SAFE_METHODS:
                assert "csrfToken" in req, f"{where}: cookieAuth without csrfToken"


def test_each_operation_states_the_role_of_its_route(spec, table):
    ops = operations(spec)
    for key, auth in sorted(table.items()):
        if key not in ops:
            continue    # reported by the test above
        assert ops[key].get("x-role") == ROLES[auth], \
            f"{key[0].upper()} {key[1]}: x-role {ops[key].get('x-role')!r}, table says {auth}"


def test_security_schemes_match_the_server(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["bearerAuth"].get("bearerFormat") == "JWT"
    assert schemes["cookieAuth"] == {**schemes["cookieAuth"], "type": "apiKey",
                                     "in": "cookie", "name": "sg_access"}
    assert schemes["csrfToken"] == {**schemes["csrfToken"], "type": "apiKey",
                                    "in": "header", "name": "X-CSRF-Token"}


def test_the_error_envelope_is_defined(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    inner = error["properties"]["error"]
    assert set(inner["required"]) == {"code", "message"}
    assert {"code", "message", "field"} <= set(inner["properties"])


def test_path_parameters_are_declared_exactly(spec):
    for (method, path), op in operations(spec).items():
        item = spec["paths"][path]
        params = [resolve(spec, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        declared = {p["name"] for p in params if p.get("in") == "path"}
        for p in params:
            if p.get("in") == "path":
                assert p.get("required") is True, f"{method.upper()} {path}: {p['name']} not required"
        wanted = set(re.findall(r"\{(\w+)\}", path))
        assert declared == wanted, f"{method.upper()} {path}: path parameters {sorted(declared)}"


def test_every_operation_answers_and_every_reference_resolves(spec):
    ids = set()
    for (method, path), op in operations(spec).items():
        where = f"{method.upper()} {path}"
        assert op.get("operationId"), f"{where} has no operationId"
        assert op["operationId"] not in ids, f"operationId {op['operationId']} twice"
        ids.add(op["operationId"])
        codes = [str(c) for c in op.get("responses", {})]
        assert any(c[0] in "23" for c in codes), f"{where} documents no success"
        if method in ("post", "put", "patch") and "requestBody" in op:
            assert resolve(spec, op["requestBody"]).get("content"), f"{where}: empty body"

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(spec, node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(spec)


def test_error_answers_use_the_envelope(spec):
    """A documented 4xx or 5xx with a JSON body is the error envelope."""
    for (method, path), op in operations(spec).items():
        for code, response in op.get("responses", {}).items():
            code = str(code)
            if not (code[0] in "45" or code == "default"):
                continue
            body = resolve(spec, response).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = resolve(spec, body["schema"])
            parts = [resolve(spec, s) for s in schema.get("allOf", [])] or [schema]
            assert spec["components"]["schemas"]["Error"] in parts, \
                f"{method.upper()} {path} {code}: not the error envelope"
