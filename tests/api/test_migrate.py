"""scripts/migrate on a scratch database of its own (its URL in keyword form,
host=... dbname=...): concurrent runs, one transaction for the versioned
files and the functions, a missing or duplicated file, function files
applied again only when they change, and the api schema rebuilt whole."""
import contextlib
import hashlib
import os
import shutil

import psycopg2

from conftest import ROOT, migrate, rows

SQL = os.path.join(ROOT, "sql")
REAL = sorted(f for f in os.listdir(os.path.join(SQL, "schema")) if f[:3].isdigit())
PROBE = ("\nCREATE OR REPLACE FUNCTION api.migrate_probe({args})\n"
         "RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT {value} $$;\n")


def sql_dir(tmp_path, schema=None, functions=None):
    """A copy of sql/schema and sql/functions in tmp_path, with the files
    of schema and functions ({name: text}) added or replaced."""
    d = tmp_path / "sql"
    for sub, extra in (("schema", schema), ("functions", functions)):
        shutil.copytree(os.path.join(SQL, sub), d / sub)
        for name, text in (extra or {}).items():
            (d / sub / name).write_text(text)
    return str(d)


def functions_file(name, more=""):
    return open(os.path.join(SQL, "functions", name)).read() + more


def api_oids(url):
    """api's functions by identity, with their oids: a rebuild gives new ones."""
    return dict(rows(url, "SELECT p.oid::regprocedure::text, p.oid::int FROM pg_proc p "
                          "WHERE p.pronamespace = 'api'::regnamespace"))


def recorded_functions(url):
    return rows(url, "SELECT file, checksum FROM schema_functions ORDER BY file")


def recorded_functions_of(folder):
    """The (file, sha256) pairs migrate records for folder/sql/functions."""
    d = os.path.join(folder, "sql", "functions")
    return sorted((f, hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest())
                  for f in os.listdir(d))


def execute(url, sql):
    """sql, committed, on a connection of its own."""
    with contextlib.closing(psycopg2.connect(url)) as c:
        c.autocommit = True
        with c.cursor() as cur:
            cur.execute(sql)


def test_two_runs_at_once_apply_each_migration_once(scratch, tmp_path):
    folder = sql_dir(tmp_path)
    runs = [migrate(scratch, folder, wait=False) for _ in range(2)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in runs]
    for code, out, err in results:
        assert code == 0, err
        assert "database up to date" in out
    # One run did the work, the other waited for its lock and found none.
    outs = sorted(out for _, out, _ in results)
    assert "0 applied, database up to date" in outs[0]
    assert f"{len(REAL)} applied, functions re-applied" in outs[1]
    recorded = rows(scratch, "SELECT version, count(*) FROM schema_migrations GROUP BY 1 ORDER BY 1")
    assert recorded == [(f[:3], 1) for f in REAL]
    listed = sorted(f for f in os.listdir(os.path.join(SQL, "functions")))
    assert [f for f, _ in recorded_functions(scratch)] == listed
    # A third run has nothing to do.
    code, out, _ = migrate(scratch, folder)
    assert code == 0 and out.strip() == "migrate: 0 applied, database up to date"


def test_a_failing_migration_leaves_nothing_of_the_run(scratch, tmp_path):
    bad = ("CREATE TABLE half_done (id int);\n"
           "INSERT INTO half_done VALUES (1);\n"
           "SELECT no_such_function();\n")
    folder = sql_dir(tmp_path, schema={"900_broken.sql": bad})
    code, _, err = migrate(scratch, folder)
    assert code != 0
    assert "no_such_function" in err
    # One transaction: the good files before it are not applied either.
    assert rows(scratch, "SELECT count(*) FROM schema_migrations") == [(0,)]
    assert rows(scratch, "SELECT to_regclass('half_done'), to_regclass('users')") == [(None, None)]
    assert recorded_functions(scratch) == []
    # Without it, the rest applies.
    os.remove(os.path.join(folder, "schema", "900_broken.sql"))
    assert migrate(scratch, folder)[0] == 0
    assert rows(scratch, "SELECT count(*) FROM schema_migrations") == [(len(REAL),)]


def test_an_applied_migration_whose_file_is_gone_stops_the_run(scratch, tmp_path):
    folder = sql_dir(tmp_path, schema={"900_extra.sql": "CREATE TABLE extra_thing (id int);\n"})
    assert migrate(scratch, folder)[0] == 0
    os.remove(os.path.join(folder, "schema", "900_extra.sql"))
    code, _, err = migrate(scratch, folder)
    assert code != 0
    assert "900_extra.sql was applied (900) but is gone" in err


def test_two_files_with_one_number_stop_the_run(scratch, tmp_path):
    folder = sql_dir(tmp_path, schema={"900_one.sql": "SELECT 1;\n", "900_two.sql": "SELECT 2;\n"})
    code, _, err = migrate(scratch, folder)
    assert code != 0
    assert "share the number" in err and "900" in err
    # Nothing was applied: the check runs first.
    assert rows(scratch, "SELECT count(*) FROM schema_migrations") == [(0,)]


def test_an_unchanged_functions_file_is_not_applied_again(scratch, tmp_path):
    folder = sql_dir(tmp_path)
    assert migrate(scratch, folder)[0] == 0
    before, record = api_oids(scratch), recorded_functions(scratch)
    folder2 = sql_dir(tmp_path / "again", schema={"900_more.sql": "CREATE TABLE more (id int);\n"})
    code, out, err = migrate(scratch, folder2)
    assert code == 0, err
    assert out.endswith("migrate: 1 applied, database up to date\n")
    assert "rebuilt" not in out
    # The api schema was left alone: the same functions, the same oids.
    assert api_oids(scratch) == before
    assert recorded_functions(scratch) == record


def test_a_changed_functions_file_is_applied_again(scratch, tmp_path):
    assert migrate(scratch, sql_dir(tmp_path / "a"))[0] == 0
    before = api_oids(scratch)
    changed = functions_file("admin.sql", PROBE.format(args="a int", value=1))
    code, out, err = migrate(scratch, sql_dir(tmp_path / "b", functions={"admin.sql": changed}))
    assert code == 0, err
    assert "0 applied, functions re-applied" in out
    assert rows(scratch, "SELECT api.migrate_probe(5)") == [(1,)]
    # Rebuilt whole: every api function is new.
    after = api_oids(scratch)
    assert set(after) == set(before) | {"api.migrate_probe(integer)"}
    assert not set(before.values()) & set(after.values())
    assert recorded_functions(scratch) == recorded_functions_of(tmp_path / "b")
    # A new signature replaces the old one: no stale overload is left.
    changed = functions_file("admin.sql", PROBE.format(args="a int, b int", value=2))
    assert migrate(scratch, sql_dir(tmp_path / "c", functions={"admin.sql": changed}))[0] == 0
    assert rows(scratch, "SELECT p.oid::regprocedure::text FROM pg_proc p "
                         "WHERE p.proname = 'migrate_probe'") == [("api.migrate_probe(integer,integer)",)]


def test_the_record_is_the_files_sums(scratch, tmp_path):
    folder = sql_dir(tmp_path)
    assert migrate(scratch, folder)[0] == 0
    assert recorded_functions(scratch) == recorded_functions_of(tmp_path)


def test_a_failing_functions_file_rolls_back_the_whole_run(scratch, tmp_path):
    assert migrate(scratch, sql_dir(tmp_path / "a"))[0] == 0
    before, record = api_oids(scratch), recorded_functions(scratch)
    broken = functions_file("learning.sql", "\nCREATE FUNCTION api.broken() RETURNS int "
                                            "LANGUAGE sql AS $$ SELECT no_such_column $$;\n")
    folder = sql_dir(tmp_path / "b", schema={"900_new.sql": "CREATE TABLE new_thing (id int);\n"},
                     functions={"learning.sql": broken})
    code, _, err = migrate(scratch, folder)
    assert code != 0
    assert "no_such_column" in err
    # Neither the versioned file nor the rebuild happened: the api schema
    # is the one before, function for function.
    assert rows(scratch, "SELECT to_regclass('new_thing')") == [(None,)]
    assert rows(scratch, "SELECT count(*) FROM schema_migrations WHERE version = '900'") == [(0,)]
    assert api_oids(scratch) == before
    assert recorded_functions(scratch) == record


def test_a_functions_file_not_in_order_stops_the_run(scratch, tmp_path):
    folder = sql_dir(tmp_path, functions={"stray.sql": PROBE.format(args="", value=3)})
    code, _, err = migrate(scratch, folder)
    assert code != 0
    assert "stray.sql is not in" in err and "ORDER" in err
    assert rows(scratch, "SELECT count(*) FROM schema_migrations") == [(0,)]


def test_what_depends_on_the_api_schema_stops_its_rebuild(scratch, tmp_path):
    """DROP SCHEMA api CASCADE would take a table column of type api.reply
    with it: migrate refuses, and the table stays as it was."""
    assert migrate(scratch, sql_dir(tmp_path / "a"))[0] == 0
    execute(scratch, "CREATE TABLE public.keeps_replies (r api.reply); "
                     "INSERT INTO keeps_replies VALUES (ROW(200, 'kept'))")
    changed = functions_file("admin.sql", PROBE.format(args="", value=4))
    code, _, err = migrate(scratch, sql_dir(tmp_path / "b", functions={"admin.sql": changed}))
    assert code != 0
    assert "keeps_replies" in err and "depend" in err
    assert rows(scratch, "SELECT (r).body FROM keeps_replies") == [("kept",)]


def test_the_old_sum_of_a_split_version_is_taken_once(scratch, tmp_path):
    """A database that applied 001..010 before the split recorded their old
    sums: migrate takes them for the new files, once; for another version
    an unknown sum still stops the run."""
    folder = sql_dir(tmp_path)
    assert migrate(scratch, folder)[0] == 0
    split = {line.split()[0]: line.split()[1] for line in
             open(os.path.join(SQL, "schema", "split-from.txt")) if line[:1].isdigit()}
    assert sorted(split) == [f"{i:03d}" for i in range(1, 11)]
    new = rows(scratch, "SELECT version, checksum FROM schema_migrations ORDER BY 1")
    execute(scratch, "UPDATE schema_migrations SET checksum = CASE version "
                     + " ".join(f"WHEN '{v}' THEN '{s}'" for v, s in split.items())
                     + " END WHERE version <= '010'")
    code, out, err = migrate(scratch, folder)
    assert code == 0, err
    assert rows(scratch, "SELECT version, checksum FROM schema_migrations ORDER BY 1") == new
    # The sum of 002 recorded for 001 is not 001's old sum.
    execute(scratch, f"UPDATE schema_migrations SET checksum = '{split['002']}' "
                     "WHERE version = '001'")
    code, _, err = migrate(scratch, folder)
    assert code != 0 and "001_foundation.sql was changed after it was applied" in err
