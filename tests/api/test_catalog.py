"""Course catalog, module packages and the authoring API."""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import uuid
import zipfile

import pytest
import requests

from conftest import ROOT, new_user, query, url
from courses import (EXAMPLE, counts, example_files, make_zip, manifest, new_course,
                     published_course, upload, with_manifest)


@pytest.fixture
def course(db, instructor):
    slug = new_course(instructor)
    r = upload(instructor, slug, make_zip(example_files()))
    assert r.status_code == 201, r.text
    return slug


# -- upload and outline -------------------------------------------------------

def test_upload_imports_the_example_and_renders_lessons(db, instructor, course):
    r = instructor.get(f"/api/v1/instructor/courses/{course}/preview")
    assert r.status_code == 200
    outline = r.json()
    assert outline["status"] == "draft"
    [module] = outline["modules"]
    assert module["key"] == "missing-children-first-hours" and module["version"] == 1
    assert [l["key"] for l in module["lessons"]] == ["no-waiting-period", "what-to-record"]
    assert module["lessons"][0]["minutes"] == 6
    assert module["quiz"]["title"] == "Check your understanding"
    html = query(db, "SELECT l.html FROM lessons l JOIN courses c ON c.id = l.course_id "
                     "WHERE c.slug = %s AND l.key = 'no-waiting-period'", course)[0][0]
    # Headings go down a level: the lesson's title is the page's one <h1>.
    assert "<h2>There is no waiting period</h2>" in html and "<h1" not in html
    assert "<h3>Why the first hours matter</h3>" in html
    assert "<strong>This is not true.</strong>" in html
    # The media link now points at the file by its hash.
    assert 'href="/api/v1/media/' in html and "media/checklist.txt" not in html


def test_upload_again_makes_version_two_and_keeps_lesson_ids(db, instructor, course):
    before = instructor.get(f"/api/v1/instructor/courses/{course}/preview").json()
    r = upload(instructor, course, make_zip(example_files()))
    assert r.status_code == 200, r.text
    assert r.json()["module"]["version"] == 2
    after = instructor.get(f"/api/v1/instructor/courses/{course}/preview").json()
    assert len(after["modules"]) == 1 and after["modules"][0]["version"] == 2
    assert [l["id"] for l in after["modules"][0]["lessons"]] == \
        [l["id"] for l in before["modules"][0]["lessons"]]
    assert after["version"] == before["version"] + 1


def test_new_version_keeps_remaining_lessons_and_drops_removed(instructor, course):
    before = instructor.get(f"/api/v1/instructor/courses/{course}/preview").json()
    kept = before["modules"][0]["lessons"][1]
    files = example_files()
    m = manifest(files)
    m["lessons"] = [m["lessons"][1], {"key": "new-lesson", "title": "New",
                                      "file": "lessons/01-no-waiting-period.md"}]
    m["quiz"]["questions"][0]["lesson"] = "new-lesson"
    r = upload(instructor, course, make_zip(with_manifest(files, m)))
    assert r.status_code == 200, r.text
    lessons = instructor.get(f"/api/v1/instructor/courses/{course}/preview") \
        .json()["modules"][0]["lessons"]
    assert [l["key"] for l in lessons] == ["what-to-record", "new-lesson"]
    assert lessons[0]["id"] == kept["id"]


def test_published_outline_hides_answer_keys_and_drafts(db, instructor, course):
    assert requests.get(url(f"/api/v1/courses/{course}")).status_code == 404
    assert course not in requests.get(url("/api/v1/courses"), params={"q": course}).text
    r = instructor.post(f"/api/v1/instructor/courses/{course}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = requests.get(url(f"/api/v1/courses/{course}"))
    assert r.status_code == 200
    outline = r.json()
    lesson = outline["modules"][0]["lessons"][0]
    assert set(lesson) == {"id", "key", "title", "minutes"}
    assert set(outline["modules"][0]["quiz"]) >= {"id", "title"}
    for secret in ("correct", "feedback", "explanation", "Right: the first hours"):
        assert secret not in r.text
    # Unpublished again: invisible again.
    instructor.post(f"/api/v1/instructor/courses/{course}/unpublish")
    assert requests.get(url(f"/api/v1/courses/{course}")).status_code == 404


def test_markdown_script_and_javascript_links_are_dropped(db, instructor):
    slug = new_course(instructor)
    files = example_files()
    files["lessons/01-no-waiting-period.md"] = (
        b"# Hi\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) "
        b"[data](data:text/html,<b>x</b>) <img src=x onerror=alert(1)>\n\n"
        b"<iframe src=\"https://evil.example\"></iframe>\n")
    assert upload(instructor, slug, make_zip(files)).status_code == 201
    html = query(db, "SELECT l.html FROM lessons l JOIN courses c ON c.id = l.course_id "
                     "WHERE c.slug = %s AND l.key = 'no-waiting-period'", slug)[0][0]
    low = html.lower()
    for bad in ("<script", "javascript:", "onerror", "<iframe", "data:text/html"):
        assert bad not in low, (bad, html)
    assert "<h2>Hi</h2>" in html


# -- hostile and broken packages ---------------------------------------------

def symlink_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in example_files().items():
            z.writestr(name, data)
        info = zipfile.ZipInfo("media/link.txt")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        z.writestr(info, "/etc/passwd")
    return buf.getvalue()


def encrypted_zip():
    """Marks every entry as encrypted (general purpose bit 0)."""
    data = bytearray(make_zip(example_files()))
    i = 0
    while True:
        i = data.find(b"PK\x03\x04", i)
        if i < 0:
            break
        data[i + 6] |= 1
        i += 4
    i = 0
    while True:
        i = data.find(b"PK\x01\x02", i)
        if i < 0:
            break
        data[i + 8] |= 1
        i += 4
    return bytes(data)


def duplicate_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in example_files().items():
            z.writestr(name, data)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z.writestr("lessons/02-what-to-record.md", b"# Other")
    return buf.getvalue()


def bomb_zip():
    files = example_files()
    files["media/zeros.txt"] = b"0" * (9 * 1024 * 1024)
    return make_zip(files)


def too_many_zip():
    files = example_files()
    for i in range(200):
        files[f"media/f{i}.txt"] = b"x"
    return make_zip(files)


def oversized_zip():
    files = example_files()
    files["media/big.pdf"] = b"%PDF-" + os.urandom(11 * 1024 * 1024)
    return make_zip(files, zipfile.ZIP_STORED)


HOSTILE = {
    "zip bomb": (bomb_zip, "zip bomb"),
    "path traversal": (lambda: make_zip({**example_files(), "../evil.md": b"x"}), ".."),
    "absolute path": (lambda: make_zip({**example_files(), "/etc/evil.md": b"x"}), "Absolute"),
    "symlink": (symlink_zip, "Symbolic links"),
    "duplicate names": (duplicate_zip, "same name"),
    "encrypted": (encrypted_zip, "Encrypted"),
    "too many entries": (too_many_zip, "too many files"),
    "file over the limit": (oversized_zip, "larger than"),
    "svg by content": (lambda: make_zip({**example_files(),
                                         "media/x.png": b"<svg onload=alert(1)></svg>"}),
                       "not accepted"),
    "executable": (lambda: make_zip({**example_files(),
                                     "media/x.pdf": b"MZ\x90\x00\x03\x00\x00\x00\xff\xff"}),
                   "not accepted"),
    "not a zip": (lambda: b"this is not a zip file at all", "not a readable zip"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_package_is_refused_and_nothing_changes(db, instructor, course, case):
    build, words = HOSTILE[case]
    data = build()
    before = counts(db)
    r = upload(instructor, course, data)
    assert 400 <= r.status_code < 500, r.text
    err = r.json()["error"]
    assert err["code"] in ("invalid_package", "package_too_large")
    assert any(words.lower() in p["message"].lower() for p in err.get("problems", [])), err
    assert counts(db) == before


def test_files_adding_up_past_the_total_cap_are_refused(db, instructor, course):
    # Six files of 9 MB: each under the 10 MB limit and compressing about
    # 4:1 (far from the ratio limit), together over 50 MB uncompressed.
    part = os.urandom(9 * 1024 * 1024).translate(bytes(48 + (i & 1) for i in range(256)))
    parts = {f"media/part-{i}.txt": part for i in range(6)}
    data = make_zip({**example_files(), **parts}, compresslevel=1)
    assert len(data) < 50 * 1024 * 1024
    before = counts(db)
    r = upload(instructor, course, data)
    assert r.status_code == 422, r.text
    [p] = r.json()["error"]["problems"]
    assert (p["file"], p["code"]) == ("(package)", "total_too_large")
    assert "50 MB" in p["message"]
    assert counts(db) == before


def test_a_body_over_the_upload_limit_is_413(db, instructor, course):
    before = counts(db)
    r = upload(instructor, course, b"PK" + b"\0" * (50 * 1024 * 1024 + 4096))
    assert r.status_code == 413, r.text
    err = r.json()["error"]
    assert err["code"] == "package_too_large" and err["field"] == "package"
    assert counts(db) == before


def test_quiz_required_must_be_true_or_false(db, instructor, course):
    files = example_files()
    m = manifest(files)
    m["quiz"]["required"] = "maybe"
    m["quiz"]["questions"][1]["choices"][0]["correct"] = "yes"
    before = counts(db)
    r = upload(instructor, course, make_zip(with_manifest(files, m)))
    assert r.status_code == 422, r.text
    got = {(p["code"], p["path"]) for p in r.json()["error"]["problems"]}
    assert got == {("wrong_type", "quiz.required"),
                   ("wrong_type", "quiz.questions[1].choices[0].correct")}
    assert counts(db) == before


# -- scripts/pack-module ---------------------------------------------------------

def pack(src, out):
    return subprocess.run([os.path.join(ROOT, "scripts", "pack-module"), src, out],
                          capture_output=True, text=True, timeout=60)


def test_pack_module_builds_a_package_that_uploads(tmp_path, db, instructor):
    out = str(tmp_path / "example.zip")
    r = pack(EXAMPLE, out)
    assert r.returncode == 0, r.stderr
    assert "ok, 2 lesson(s)" in r.stdout
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == sorted(example_files())
    slug = new_course(instructor)
    r = upload(instructor, slug, open(out, "rb").read())
    assert r.status_code == 201, r.text
    assert r.json()["module"]["key"] == "missing-children-first-hours"


@pytest.mark.parametrize("link", ["file", "folder loop"])
def test_pack_module_refuses_symbolic_links(tmp_path, link):
    src = tmp_path / "module"
    shutil.copytree(EXAMPLE, src)
    if link == "file":
        os.symlink("/etc/passwd", src / "media" / "passwd.txt")
        bad = src / "media" / "passwd.txt"
    else:
        os.symlink("..", src / "media" / "loop")
        bad = src / "media" / "loop"
    out = tmp_path / "module.zip"
    r = pack(str(src), str(out))
    assert r.returncode != 0
    assert f"{bad} is a symbolic link" in r.stderr, r.stderr
    assert not out.exists()


def test_pack_module_bounds_the_folder_depth(tmp_path):
    src = tmp_path / "module"
    shutil.copytree(EXAMPLE, src)
    deep = src / "media" / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("deep")
    r = pack(str(src), str(tmp_path / "module.zip"))
    assert r.returncode != 0 and "folders deep" in r.stderr, r.stderr


def line_of(text, needle):
    """The line (from 1) of the first occurrence of needle in text."""
    return text[:text.index(needle)].count("\n") + 1


def test_broken_package_lists_every_problem_at_once(db, instructor, course):
    files = example_files()
    m = manifest(files)
    # The lesson with a bad key also links to a missing image: both count.
    m["lessons"][0]["key"] = "Bad Key"
    m["lessons"].append({"key": "ghost", "title": "Ghost", "file": "lessons/ghost.md"})
    m["quiz"]["questions"][0]["lesson"] = "no-such-lesson"
    text = json.dumps(m, indent=2)
    files["module.json"] = text.encode()
    files["lessons/02-what-to-record.md"] = b"# Caf\xe9 au lait\n\nline two \xff\n"
    files["lessons/01-no-waiting-period.md"] += b"\n![chart](media/missing.png)\n"
    media_line = files["lessons/01-no-waiting-period.md"].count(b"\n")
    before = counts(db)
    r = upload(instructor, course, make_zip(files))
    assert r.status_code == 422, r.text
    problems = r.json()["error"]["problems"]
    got = sorted((p["file"], p["code"], p.get("path"), p.get("line")) for p in problems)
    assert got == sorted([
        ("module.json", "bad_key", "lessons[0].key", line_of(text, '"Bad Key"')),
        ("module.json", "missing_file", "lessons[2].file", line_of(text, '"lessons/ghost.md"')),
        ("module.json", "unknown_lesson", "quiz.questions[0].lesson",
         line_of(text, '"no-such-lesson"')),
        ("lessons/02-what-to-record.md", "not_utf8", None, 1),
        ("lessons/01-no-waiting-period.md", "missing_media", None, media_line),
    ]), problems
    assert all(p["message"] for p in problems)
    assert counts(db) == before


def test_bad_json_reports_its_position(db, instructor, course):
    files = example_files()
    files["module.json"] = b'{\n  "key": "x",\n  "title": "y",,\n}'
    r = upload(instructor, course, make_zip(files))
    assert r.status_code == 422
    [p] = r.json()["error"]["problems"]
    assert p["file"] == "module.json" and p["line"] == 3 and p["column"] > 0


def test_upload_needs_multipart_and_a_package(instructor, course):
    r = instructor.post(f"/api/v1/instructor/courses/{course}/modules", json={})
    assert r.status_code == 415
    r = instructor.post(f"/api/v1/instructor/courses/{course}/modules",
                        files={"other": ("x.zip", b"x")})
    assert r.status_code == 422 and r.json()["error"]["field"] == "package"


# -- who may do what -----------------------------------------------------------

def test_only_the_courses_instructors_and_admins_may_change_it(db, instructor, course):
    other = new_user(db, "instructor")
    learner = new_user(db, "learner")
    data = make_zip(example_files())
    before = counts(db)
    assert other.patch(f"/api/v1/instructor/courses/{course}",
                       json={"title": "Mine now"}).status_code == 403
    assert upload(other, course, data).status_code == 403
    assert other.get(f"/api/v1/instructor/courses/{course}/preview").status_code == 403
    assert other.post(f"/api/v1/instructor/courses/{course}/publish").status_code == 403
    assert learner.post("/api/v1/instructor/courses", json={"slug": "x"}).status_code == 403
    assert upload(learner, course, data).status_code == 403
    assert counts(db) == before
    assert course not in json.dumps(other.get("/api/v1/instructor/courses").json())

    # A co-instructor added by the owner may edit.
    r = instructor.post(f"/api/v1/instructor/courses/{course}/instructors",
                        json={"email": other.email})
    assert r.status_code == 201, r.text
    assert other.patch(f"/api/v1/instructor/courses/{course}",
                       json={"title": "Shared course"}).status_code == 200
    admin = new_user(db, "admin")
    assert admin.get(f"/api/v1/instructor/courses/{course}/preview").status_code == 200


def test_changes_are_audit_logged(db, instructor, course):
    r = instructor.patch(f"/api/v1/instructor/courses/{course}", json={"summary": "New"})
    assert r.status_code == 200
    rows = query(db, "SELECT action FROM audit_log WHERE target_id = %s ORDER BY id", course)
    assert [a for (a,) in rows] == ["course.create", "module.create", "course.update"]
    rid = r.headers["x-request-id"]
    assert query(db, "SELECT count(*) FROM audit_log WHERE request_id = %s", rid)[0][0] == 1


def test_reorder_and_delete_modules(instructor, course):
    files = example_files()
    m = manifest(files)
    m["key"], m["order"] = "second-module", 2
    assert upload(instructor, course, make_zip(with_manifest(files, m))).status_code == 201
    r = instructor.put(f"/api/v1/instructor/courses/{course}/modules/order",
                       json={"keys": ["second-module", "missing-children-first-hours"]})
    assert r.status_code == 200, r.text
    assert [x["key"] for x in r.json()["modules"]] == ["second-module",
                                                       "missing-children-first-hours"]
    r = instructor.put(f"/api/v1/instructor/courses/{course}/modules/order",
                       json={"keys": ["second-module"]})
    assert r.status_code == 422
    assert instructor.delete(
        f"/api/v1/instructor/courses/{course}/modules/second-module").status_code == 204
    assert instructor.delete(
        f"/api/v1/instructor/courses/{course}/modules/second-module").status_code == 404


def test_course_fields_are_validated(instructor):
    bad = [{"slug": "Bad Slug", "title": "x", "language": "en"},
           {"slug": "ok-slug-" + uuid.uuid4().hex[:6], "title": "x", "language": "klingon!"},
           {"slug": "ok-slug-" + uuid.uuid4().hex[:6], "title": "x", "language": "en",
            "audiences": ["spies"]},
           {"slug": "ok-slug-" + uuid.uuid4().hex[:6], "title": "x", "language": "en",
            "status": "published"}]
    for body in bad:
        r = instructor.post("/api/v1/instructor/courses", json=body)
        assert r.status_code == 422, body
    slug = new_course(instructor)
    r = instructor.post("/api/v1/instructor/courses",
                        json={"slug": slug, "title": "Again", "language": "en"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "slug_taken"


# -- catalog --------------------------------------------------------------------

def test_catalog_filters_by_language_audience_and_words(db, instructor):
    tag = uuid.uuid4().hex[:8]
    en = published_course(instructor, title=f"Interviewing children safely {tag}",
                          audiences=["law_enforcement"],
                          summary="Investigators interviewing witnesses.")
    es = published_course(instructor, language="es", audiences=["health"],
                          title=f"Protección de la infancia en urgencias {tag}",
                          summary="Enfermeras y médicos ante señales de maltrato.")

    def slugs(**params):
        r = requests.get(url("/api/v1/courses"), params=params)
        assert r.status_code == 200, r.text
        return [c["slug"] for c in r.json()["courses"]]

    assert en in slugs(q=tag, lang="en") and es not in slugs(q=tag, lang="en")
    assert es in slugs(q=tag, lang="es") and en not in slugs(q=tag, lang="es")
    assert slugs(q=tag, audience="law_enforcement") == [en]
    assert slugs(q=tag, audience="health") == [es]
    # Stemming in the course's language: "interview" finds "Interviewing",
    # "maltratos" finds "maltrato".
    assert en in slugs(q=f"interview {tag}")
    assert es in slugs(q=f"maltratos {tag}")
    entry = requests.get(url("/api/v1/courses"), params={"q": tag, "lang": "en"}).json()["courses"][0]
    assert set(entry) >= {"slug", "title", "summary", "language", "audiences", "estimated_hours"}
    assert requests.get(url("/api/v1/courses"), params={"audience": "spies"}).status_code == 400


def test_the_seeded_demo_courses_are_published_in_both_languages():
    r = requests.get(url("/api/v1/courses/child-abuse-foundations"))
    assert r.status_code == 200, r.text
    en = r.json()
    assert en["language"] == "en" and len(en["modules"]) == 2
    assert all(len(m["lessons"]) >= 3 and m["quiz"] for m in en["modules"])
    assert [t["language"] for t in en["translations"]] == ["es"]
    es = requests.get(url(f"/api/v1/courses/{en['translations'][0]['slug']}")).json()
    assert es["language"] == "es"
    assert [t["slug"] for t in es["translations"]] == ["child-abuse-foundations"]
    found = requests.get(url("/api/v1/courses"), params={"q": "safeguarding"}).json()
    assert "child-abuse-foundations" in [c["slug"] for c in found["courses"]]


def test_conditional_gets_answer_304_and_bodies_are_compressed(instructor, course):
    instructor.post(f"/api/v1/instructor/courses/{course}/publish")
    for path in (f"/api/v1/courses/{course}", "/api/v1/courses"):
        r = requests.get(url(path), headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200
        etag = r.headers["etag"]
        assert etag.startswith('W/"')
        r2 = requests.get(url(path), headers={"If-None-Match": etag})
        assert r2.status_code == 304 and r2.content == b""
    r = requests.get(url(f"/api/v1/courses/{course}"), headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    # A change gives a new tag.
    old = r.headers["etag"]
    instructor.patch(f"/api/v1/instructor/courses/{course}", json={"summary": "Changed"})
    assert requests.get(url(f"/api/v1/courses/{course}")).headers["etag"] != old


def test_media_are_served_by_hash_with_ranges(db, course):
    sha, size = query(db, "SELECT sha256, size FROM media WHERE content_type LIKE 'text/plain%%' "
                          "ORDER BY created_at DESC LIMIT 1")[0]
    r = requests.get(url(f"/api/v1/media/{sha}"))
    assert r.status_code == 200 and len(r.content) == size
    assert r.headers["content-type"].startswith("text/plain")
    assert "immutable" in r.headers["cache-control"]
    assert r.headers["etag"] == f'"{sha}"'
    r = requests.get(url(f"/api/v1/media/{sha}"), headers={"Range": "bytes=0-9"})
    assert r.status_code == 206 and len(r.content) == 10
    assert r.headers["content-range"] == f"bytes 0-9/{size}"
    r = requests.get(url(f"/api/v1/media/{sha}"), headers={"Range": f"bytes={size + 5}-"})
    assert r.status_code == 416
    assert requests.get(url(f"/api/v1/media/{sha}"),
                        headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    assert requests.get(url("/api/v1/media/" + "0" * 64)).status_code == 404
    assert requests.get(url("/api/v1/media/../../etc/passwd")).status_code == 404


def catalog(**params):
    r = requests.get(url("/api/v1/courses"), params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_catalog_title_match_takes_q_literally(db, instructor):
    tag = uuid.uuid4().hex[:10]
    slug = published_course(instructor, title=f"Rates 50% {tag}")
    assert [c["slug"] for c in catalog(q=tag)["courses"]] == [slug]
    # Unescaped, "_" matches any one character and "%" anything at all.
    assert catalog(q=tag[:4] + "_" + tag[5:])["total"] == 0
    assert [c["slug"] for c in catalog(q=f"50% {tag}")["courses"]] == [slug]
    for q in ("%", "_", "\\"):
        having = query(db, "SELECT count(*) FROM courses WHERE status = 'published' "
                           "AND strpos(title, %s) > 0", q)[0][0]
        assert catalog(q=q)["total"] == having, q
    assert catalog()["total"] > catalog(q="%")["total"] >= 1


def test_catalog_search_stems_in_the_courses_language(instructor):
    tag = uuid.uuid4().hex[:10]
    es = published_course(instructor, language="es", title=f"Cómo denunciar el maltrato {tag}",
                          summary="Pasos para informar.")
    en = published_course(instructor, language="en", title=f"Cómo denunciar el maltrato {tag}x",
                          summary="Steps to report.")
    # Spanish stems "denunciando" and "denunciar" alike (denunci); the
    # English stemmer leaves both as they are, so only the Spanish course
    # matches "denunciando".
    found = [c["slug"] for c in catalog(q=f"denunciando {tag}")["courses"]]
    assert found == [es]
    found = [c["slug"] for c in catalog(q=f"denunciando {tag}x")["courses"]]
    assert found == []
    assert [c["slug"] for c in catalog(q=f"denunciar {tag}x")["courses"]] == [en]


def test_catalog_pages_total_and_gzip(instructor):
    tag = uuid.uuid4().hex[:10]
    slugs = {published_course(instructor, title=f"Paging course {i} {tag}") for i in range(21)}
    first = catalog(q=tag)
    assert (first["page"], first["page_size"], first["total"]) == (1, 20, 21)
    assert len(first["courses"]) == 20
    second = catalog(q=tag, page=2)
    assert (second["page"], second["total"], len(second["courses"])) == (2, 21, 1)
    assert catalog(q=tag, page=3)["courses"] == []
    seen = [c["slug"] for c in first["courses"] + second["courses"]]
    assert len(seen) == 21 and set(seen) == slugs

    r = requests.get(url("/api/v1/courses"), params={"q": tag},
                     headers={"Accept-Encoding": "gzip"}, stream=True)
    raw = r.raw.read(decode_content=False)
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(raw)) == first
    r = requests.get(url("/api/v1/courses"), params={"q": tag},
                     headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers and r.json() == first


def test_video_and_captions_reach_the_lesson_reader(db, instructor):
    vtt = b"WEBVTT\n\n00:00.000 --> 00:02.000\nThere is no waiting period.\n"
    files = example_files()
    files["media/first.en.vtt"] = vtt
    m = manifest(files)
    m["lessons"][0]["video"] = {"url": "https://video.example.org/first.mp4",
                                "captions": "media/first.en.vtt"}
    slug = published_course(instructor, with_manifest(files, m))
    learner = new_user(db, "learner")
    assert learner.post(f"/api/v1/courses/{slug}/enrollment").status_code == 201
    first, second = [l["id"] for l in
                     requests.get(url(f"/api/v1/courses/{slug}")).json()["modules"][0]["lessons"]]
    r = learner.get(f"/api/v1/lessons/{first}")
    assert r.status_code == 200, r.text
    sha = hashlib.sha256(vtt).hexdigest()
    assert r.json()["video"] == {"url": "https://video.example.org/first.mp4",
                                 "captions_url": f"/api/v1/media/{sha}"}
    caps = requests.get(url(f"/api/v1/media/{sha}"))
    assert caps.status_code == 200 and caps.content == vtt
    assert caps.headers["content-type"].startswith("text/vtt")
    assert learner.get(f"/api/v1/lessons/{second}").json()["video"] is None
