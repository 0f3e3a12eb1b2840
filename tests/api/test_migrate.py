"""scripts/migrate on a scratch database of its own: concurrent runs, a failing
migration, a missing or duplicated file, a keyword-form DATABASE_URL."""
import os
import shutil

from conftest import ROOT, migrate, rows

REAL = sorted(f for f in os.listdir(os.path.join(ROOT, "sql")) if f[:3].isdigit())


def sql_dir(tmp_path, extra=None, only=None):
    d = tmp_path / "sql"
    d.mkdir()
    for f in (only if only is not None else REAL):
        shutil.copy(os.path.join(ROOT, "sql", f), d / f)
    for name, text in (extra or {}).items():
        (d / name).write_text(text)
    return str(d)


def test_two_runs_at_once_apply_each_migration_once(scratch, tmp_path):
    folder = sql_dir(tmp_path)
    runs = [migrate(scratch, folder, wait=False) for _ in range(2)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in runs]
    for code, out, err in results:
        assert code == 0, err
        assert "database up to date" in out
    recorded = rows(scratch, "SELECT version, count(*) FROM schema_migrations GROUP BY 1 ORDER BY 1")
    assert recorded == [(f[:3], 1) for f in REAL]
    # A third run has nothing to do.
    code, out, _ = migrate(scratch, folder)
    assert code == 0 and "0 applied" in out


def test_a_failing_migration_leaves_nothing_of_itself(scratch, tmp_path):
    bad = ("CREATE TABLE half_done (id int);\n"
           "INSERT INTO half_done VALUES (1);\n"
           "SELECT no_such_function();\n")
    folder = sql_dir(tmp_path, {"900_broken.sql": bad})
    code, _, err = migrate(scratch, folder)
    assert code != 0
    assert "no_such_function" in err
    versions = [r[0] for r in rows(scratch, "SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [f[:3] for f in REAL]          # the good ones stay applied
    assert rows(scratch, "SELECT to_regclass('half_done')") == [(None,)]


def test_an_applied_migration_whose_file_is_gone_stops_the_run(scratch, tmp_path):
    folder = sql_dir(tmp_path, {"900_extra.sql": "CREATE TABLE extra_thing (id int);\n"})
    assert migrate(scratch, folder)[0] == 0
    os.remove(os.path.join(folder, "900_extra.sql"))
    code, _, err = migrate(scratch, folder)
    assert code != 0
    assert "900_extra.sql was applied (900) but is gone" in err


def test_two_files_with_one_number_stop_the_run(scratch, tmp_path):
    folder = sql_dir(tmp_path, {"900_one.sql": "SELECT 1;\n", "900_two.sql": "SELECT 2;\n"})
    code, _, err = migrate(scratch, folder)
    assert code != 0
    assert "share the number" in err and "900" in err
    # Nothing was applied: the check runs first.
    assert rows(scratch, "SELECT count(*) FROM schema_migrations") == [(0,)]
