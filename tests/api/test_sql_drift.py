"""C and SQL checked against each other: every api.* function the C code
calls exists in the migrated database with that number of arguments, every
function, trigger and view is defined in one file of sql/ only, and the
database holds exactly the functions the files define (no stale overload)."""
import glob
import os
import re
from collections import Counter

from conftest import ROOT, query

SCHEMAS = ("api", "auth", "content", "learning", "jobs", "certificates", "quiz", "reports")
C_FILES = sorted(glob.glob(os.path.join(ROOT, "src", "*.c"))) + \
    [os.path.join(ROOT, "scripts", "sgctl.c")]
SQL_FILES = sorted(glob.glob(os.path.join(ROOT, "sql", "**", "*.sql"), recursive=True))
CREATE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|TRIGGER|VIEW)\s+"
                    r"([a-z_][a-z0-9_.]*)", re.I | re.M)


def c_strings(text):
    """The string literals of a C file, adjacent ones joined as the
    compiler joins them, without comments."""
    token = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|\s+|.',
                       re.S)
    out, current = [], None
    for m in token.finditer(text):
        t = m.group(0)
        if t.startswith('"'):
            current = (current or "") + t[1:-1]
        elif t.isspace() or t.startswith("//") or t.startswith("/*"):
            continue
        elif current is not None:
            out.append(current)
            current = None
    return out


def arguments(sql, start):
    """The arguments of the call whose "(" is at sql[start]: their texts."""
    depth, args, arg, quote = 0, [], "", None
    for ch in sql[start:]:
        if quote:
            arg += ch
            quote = None if ch == quote else quote
            continue
        if ch == "'":
            quote = ch
        elif ch == "(":
            depth += 1
            if depth == 1:
                continue
        elif ch == ")":
            depth -= 1
            if depth == 0:
                break
        elif ch == "," and depth == 1:
            args.append(arg.strip())
            arg = ""
            continue
        arg += ch
    if arg.strip():
        args.append(arg.strip())
    return args


def c_calls(schemas):
    """(file, "schema.name", arguments) for each call the C strings make."""
    call = re.compile(r"\b(%s)\.([a-z_][a-z0-9_]*)\s*\(" % "|".join(schemas))
    calls = []
    for path in C_FILES:
        for s in c_strings(open(path).read()):
            for m in call.finditer(s):
                calls.append((os.path.relpath(path, ROOT), f"{m.group(1)}.{m.group(2)}",
                              arguments(s, m.end() - 1)))
    return calls


def db_functions(db):
    """{"schema.name": [(pronargs, pronargdefaults), ...]} in SCHEMAS."""
    found = {}
    for name, nargs, ndefaults in query(
            db, "SELECT n.nspname || '.' || p.proname, p.pronargs, p.pronargdefaults "
                "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = ANY (%s)", list(SCHEMAS)):
        found.setdefault(name, []).append((nargs, ndefaults))
    return found


def definitions():
    """(kind, name, file) for each CREATE FUNCTION, TRIGGER or VIEW in sql/."""
    return [(kind.upper(), name.lower(), os.path.relpath(path, ROOT))
            for path in SQL_FILES
            for kind, name in CREATE.findall(open(path).read())]


def test_the_c_code_calls_the_api_functions():
    """The parser finds the calls (a test that finds nothing checks nothing)."""
    names = {name for _, name, _ in c_calls(["api"])}
    assert {"api.register", "api.progress_put", "api.course_publish", "api.media_get"} <= names
    assert len(names) >= 30


def test_every_api_call_in_c_has_its_function_with_that_many_arguments(db):
    found = db_functions(db)
    wrong = []
    for path, name, args in c_calls(["api"]):
        # Each argument is a parameter, cast or not: the server binds them.
        if not all(re.fullmatch(r"\$\d+(::[a-z_]+)?", a) for a in args):
            wrong.append((path, name, args, "arguments other than $n"))
        elif not any(n - d <= len(args) <= n for n, d in found.get(name, [])):
            wrong.append((path, name, len(args), found.get(name, "no such function")))
    assert wrong == []


def test_every_other_schema_function_the_c_code_calls_exists(db):
    found = db_functions(db)
    calls = c_calls(["auth", "content", "learning", "jobs", "certificates"])
    assert {name for _, name, _ in calls} >= {"content.course_upsert", "content.module_import",
                                              "jobs.claim", "jobs.finish"}
    assert [(p, name) for p, name, _ in calls if name not in found] == []


def test_every_function_trigger_and_view_is_defined_in_one_file():
    defs = definitions()
    assert len(defs) > 70
    twice = {k: n for k, n in Counter((kind, name) for kind, name, _ in defs).items() if n > 1}
    assert twice == {}
    # Only sql/functions/ defines them, but the one the stored column
    # courses.search is computed with (sql/schema/003_content.sql says why).
    outside = [(name, path) for _, name, path in defs if not path.startswith("sql/functions/")]
    assert outside == [("content.ts_config", "sql/schema/003_content.sql")]


def test_the_database_holds_exactly_what_the_files_define(db):
    defs = definitions()
    files = sorted(name for kind, name, _ in defs if kind == "FUNCTION")
    database = sorted(name for name, overloads in db_functions(db).items() for _ in overloads)
    assert database == files
    triggers = sorted(name for kind, name, _ in defs if kind == "TRIGGER")
    assert sorted(t for (t,) in query(db, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")) \
        == triggers
    views = sorted(name for kind, name, _ in defs if kind == "VIEW")
    assert sorted(v for (v,) in query(
        db, "SELECT schemaname || '.' || viewname FROM pg_views "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")) == views
