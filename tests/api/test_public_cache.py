"""The public answers: the worker cache of catalog pages and outlines, entity
tags, content negotiation, query arguments and media ranges.

The server runs two workers, and a client's requests may land on either: each
check that a change is seen reads several times, so both workers' caches are
tried.
"""
import gzip

import requests

from conftest import query, url
from courses import example_files, make_zip, new_course, published_course, upload

READS = 8


def read_everywhere(path, status=200, **params):
    """The bodies of READS answers to fresh connections (any worker), each
    of them status."""
    bodies = []
    for _ in range(READS):
        r = requests.get(url(path), params=params, headers={"Connection": "close"})
        assert r.status_code == status, r.text
        bodies.append(r.json())
    return bodies


def titles_everywhere(path):
    """The outline titles READS fresh connections see (any worker)."""
    return {b["title"] for b in read_everywhere(path)}


def catalog_slugs_everywhere(**params):
    return [{c["slug"] for c in b["courses"]} for b in read_everywhere("/api/v1/courses", **params)]


def test_an_authoring_change_is_seen_at_once_by_every_worker(instructor):
    slug = published_course(instructor)
    path = f"/api/v1/courses/{slug}"
    before = titles_everywhere(path)
    assert len(before) == 1
    r = instructor.patch(f"/api/v1/instructor/courses/{slug}",
                         json={"title": "Renamed while cached"})
    assert r.status_code == 200, r.text
    assert titles_everywhere(path) == {"Renamed while cached"}


def test_publishing_and_unpublishing_show_in_the_cached_catalog(instructor):
    slug = new_course(instructor, language="es", title="Curso en caché")
    assert upload(instructor, slug, make_zip(example_files())).status_code == 201
    assert all(slug not in s for s in catalog_slugs_everywhere(lang="es"))
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/publish").status_code == 200
    assert all(slug in s for s in catalog_slugs_everywhere(lang="es"))
    assert instructor.post(f"/api/v1/instructor/courses/{slug}/unpublish").status_code == 200
    assert all(slug not in s for s in catalog_slugs_everywhere(lang="es"))
    # The outline of an unpublished course is gone as well, cached or not.
    for body in read_everywhere(f"/api/v1/courses/{slug}", 404):
        assert body["error"]["code"] == "course_not_found"


def test_a_refused_change_keeps_the_cache(instructor, learner, db):
    """Only a successful change invalidates: a learner's refused attempt does not."""
    slug = published_course(instructor)
    r = learner.patch(f"/api/v1/instructor/courses/{slug}", json={"title": "Hijacked"})
    assert r.status_code == 403
    assert titles_everywhere(f"/api/v1/courses/{slug}") != {"Hijacked"}
    assert query(db, "SELECT title FROM courses WHERE slug = %s", slug)[0][0] != "Hijacked"


def test_tags_are_weak_and_match_in_either_form(instructor):
    slug = published_course(instructor)
    for path in (f"/api/v1/courses/{slug}", "/api/v1/courses", "/api/v1/courses?lang=en"):
        for enc in ("gzip", "identity"):
            r = requests.get(url(path), headers={"Accept-Encoding": enc})
            assert r.status_code == 200
            tag = r.headers["etag"]
            assert tag.startswith('W/"') and tag.endswith('"'), tag
            assert "accept-encoding" in r.headers["vary"].lower()
            for sent in (tag, tag[2:], f'"other", {tag}'):
                r2 = requests.get(url(path), headers={"If-None-Match": sent,
                                                      "Accept-Encoding": enc})
                assert r2.status_code == 304 and r2.content == b"", (path, sent)
                assert r2.headers["etag"] == tag
            r3 = requests.get(url(path), headers={"If-None-Match": 'W/"nope"'})
            assert r3.status_code == 200


def test_cached_answers_are_the_same_bytes_compressed_or_not(instructor):
    slug = published_course(instructor)
    path = f"/api/v1/courses/{slug}"
    plain = [requests.get(url(path), headers={"Accept-Encoding": "identity"})
             for _ in range(4)]
    zipped = [requests.get(url(path), headers={"Accept-Encoding": "gzip"}, stream=True)
              for _ in range(4)]
    bodies = {r.content for r in plain}
    assert len(bodies) == 1
    for r in zipped:
        assert r.headers["content-encoding"] == "gzip"
        assert gzip.decompress(r.raw.read()) in bodies
    for r in plain:
        assert "content-encoding" not in r.headers
        assert r.headers["cache-control"] == "no-cache"
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-request-id"]


def test_accept_encoding_is_read_with_its_q_values(instructor):
    slug = published_course(instructor)
    path = url(f"/api/v1/courses/{slug}")
    cases = {
        "gzip": True, "GZIP": True, "x-gzip": True, "*": True,
        "br, gzip;q=0.5": True, "deflate, gzip ; q=1": True,
        "gzip;q=0": False, "gzip; q=0.000": False, "identity": False,
        "br": False, "gzipper": False, "*;q=0": False,
    }
    for header, zipped in cases.items():
        r = requests.get(path, headers={"Accept-Encoding": header}, stream=True)
        assert r.status_code == 200
        assert (r.headers.get("content-encoding") == "gzip") == zipped, header


def test_unreadable_query_arguments_are_refused(admin):
    long_q = "a" * 300
    for path, params in (("/api/v1/courses", {"q": long_q}),
                         ("/api/v1/courses", {"lang": "x" * 60}),
                         ("/api/v1/courses", {"page": "1" * 40}),
                         ("/api/v1/admin/users", {"q": long_q})):
        r = admin.get(path, params=params)
        assert r.status_code == 400, (path, r.text)
        err = r.json()["error"]
        assert err["code"] in ("invalid_query", "invalid_page")
        assert err["field"] in params
    for bad in ("q=%01", "q=a%0Ab", "q=%ff%fe", "q=%C3", "lang=e%00n"):
        r = requests.get(url("/api/v1/courses?" + bad))
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"]["code"] == "invalid_query"
    r = admin.get("/api/v1/admin/users?q=%ff%fe")
    assert r.status_code == 400 and r.json()["error"]["field"] == "q"
    # Well-formed text, percent-encoded or not, is read as it is.
    r = requests.get(url("/api/v1/courses?q=protecci%C3%B3n&lang=es"))
    assert r.status_code == 200
    assert "abuso-infantil-fundamentos" in {c["slug"] for c in r.json()["courses"]}


def test_media_404_is_not_cached_and_odd_ranges_are_ignored(db, instructor):
    published_course(instructor)
    r = requests.get(url("/api/v1/media/" + "0" * 64))
    assert r.status_code == 404
    assert "immutable" not in r.headers.get("cache-control", "")
    assert "etag" not in r.headers
    sha, size = query(db, "SELECT sha256, size FROM media WHERE content_type LIKE 'text/plain%%' "
                          "ORDER BY created_at DESC LIMIT 1")[0]
    path = url(f"/api/v1/media/{sha}")
    for odd in ("bytes=abc-", "bytes=1-x", "bytes=-x", "bytes=--1", "items=0-1",
                "bytes=0-1,3-4", "bytes=5-2"):
        r = requests.get(path, headers={"Range": odd})
        assert r.status_code == 200 and len(r.content) == size, odd
        assert r.headers["etag"] == f'"{sha}"'
    r = requests.get(path, headers={"Range": "bytes=-4"})
    assert r.status_code == 206 and r.headers["content-range"] == f"bytes {size - 4}-{size - 1}/{size}"
    r = requests.get(path, headers={"Range": "bytes=-0"})
    assert r.status_code == 416


def test_pages_and_static_files_carry_weak_tags_that_revalidate():
    """The HTML shells and assets are sent gzipped or not under one tag:
    a weak one, which If-None-Match matches in either form."""
    shell = requests.get(url("/"), headers={"Accept-Encoding": "gzip"})
    assert shell.status_code == 200
    scripts = [p for p in shell.text.split('"') if p.startswith("/static/") and p.endswith(".js")]
    assert scripts, shell.text[:500]
    for path in ("/", "/courses", scripts[0]):
        for enc in ("gzip", "identity"):
            r = requests.get(url(path), headers={"Accept-Encoding": enc})
            assert r.status_code == 200, path
            tag = r.headers["etag"]
            assert tag.startswith('W/"'), (path, tag)
            for sent in (tag, tag[2:]):
                r2 = requests.get(url(path), headers={"If-None-Match": sent,
                                                      "Accept-Encoding": enc})
                assert r2.status_code == 304 and r2.content == b"", (path, sent)
