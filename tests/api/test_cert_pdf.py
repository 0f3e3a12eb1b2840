"""The certificate PDF (src/cert_pdf.c) through build/certpdf, no server:
each name of issue 22 comes back from pdftotext intact and in logical
order, every font is embedded, and the QR code decodes to the
verification URL. What an inspector with the paper, or with the file and
a search box, relies on."""
import os
import re
import subprocess

import pytest

from conftest import ROOT

CERTPDF = os.path.join(ROOT, "build", "certpdf")

NAMES = [
    "Łukasz Ñúñez-Nguyễn",
    "Ольга",
    "Ελένη",
    "محمد عبد الله",
    "שרה",
    "प्रिया",
    "สมชาย",
]

# pdftotext marks a right-to-left line with U+202B (RLE) ... U+202C (PDF)
# (poppler's TextOutputDev, reorderText); those marks are its own, not the
# document's text, and are the only characters removed besides spaces.
POPPLER_BIDI_MARKS = re.compile("[\u202a-\u202e]")


def render(path, *args):
    return subprocess.run([CERTPDF, "-o", str(path), *args], capture_output=True,
                          text=True, timeout=60)


def text_lines(pdf):
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = (" ".join(POPPLER_BIDI_MARKS.sub("", line).split()) for line in out.split("\n"))
    return [line for line in lines if line]


def fonts(pdf):
    """(name, emb) for each font pdffonts lists."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                         timeout=60, check=True).stdout.splitlines()
    assert out[0].split()[:2] == ["name", "type"] and out[1].startswith("---")
    # The columns from the right: emb sub uni object ID.
    return [(row.split()[0], row.split()[-5]) for row in out[2:]]


def qr_text(pdf, tmp_path):
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(prefix)],
                   check=True, timeout=60)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(prefix) + ".png"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.rstrip("\n")


@pytest.mark.parametrize("name", NAMES)
def test_name_text_fonts_and_qr(name, tmp_path):
    code = "7KQ4-MZ2P-9XHD-%04d" % NAMES.index(name)
    verify_url = "https://learn.example.org/verify/" + code
    pdf = tmp_path / "cert.pdf"
    r = render(pdf, "--name", name, "--code", code, "--url", verify_url)
    assert r.returncode == 0, r.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")

    lines = text_lines(pdf)
    assert name in lines, lines
    assert code in lines and "Certificate of completion" in lines

    embedded = fonts(pdf)
    assert len(embedded) >= 2, embedded
    assert all(emb == "yes" for _, emb in embedded), embedded

    assert qr_text(pdf, tmp_path) == verify_url


def test_course_language_and_expiry(tmp_path):
    pdf = tmp_path / "es.pdf"
    r = render(pdf, "--lang", "es-MX", "--course", "Protección de la infancia",
               "--hours", "2.5", "--issued", "2026-12-01", "--expires", "2028-12-01")
    assert r.returncode == 0, r.stderr
    lines = text_lines(pdf)
    assert "Certificado de finalización" in lines, lines
    assert "Protección de la infancia" in lines
    assert "2.5 horas · Emitido el 2026-12-01 · Válido hasta el 2028-12-01" in lines

    # No expiry, one hour, a language without a table: English.
    pdf = tmp_path / "de.pdf"
    r = render(pdf, "--lang", "de", "--hours", "1", "--issued", "2026-12-01")
    assert r.returncode == 0, r.stderr
    lines = text_lines(pdf)
    assert "Certificate of completion" in lines
    assert "1 hour · Issued on 2026-12-01" in lines
    assert not any("Valid until" in line for line in lines)


def test_metadata_has_no_personal_data(tmp_path):
    pdf = tmp_path / "meta.pdf"
    r = render(pdf, "--name", "Zofia Unikalna-Nazwisko", "--course", "Safer recruitment",
               "--issuer", "Safeguard Learn", "--issued", "2026-12-01")
    assert r.returncode == 0, r.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          timeout=60, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Title"].strip() == "Certificate of completion: Safer recruitment"
    assert fields["Creator"].strip() == "Safeguard Learn"
    assert fields["Page size"].strip().startswith("841.89 x 595.28 pts (A4)")
    assert fields["Pages"].strip() == "1"
    assert "Zofia" not in info and "Unikalna" not in info


@pytest.mark.parametrize("args", [
    ["--name", ""],
    ["--name", "two\nlines"],
    ["--url", ""],
    ["--name", b"Ol\xffga"],
    ["--url", "https://learn.example.org/verify/" + "x" * 3000],
])
def test_bad_input_renders_nothing(args, tmp_path):
    pdf = tmp_path / "bad.pdf"
    r = subprocess.run([CERTPDF, "-o", str(pdf), *args], capture_output=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert b"render failed" in r.stderr
    assert not pdf.exists()
