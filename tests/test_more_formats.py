"""PDF, ODT, RTF and HTML transcripts: text extracted, then speakers found as in plain text."""

from __future__ import annotations

import pytest

from qualcode.ingest import read_document
from qualcode.segment import sentences

TURNS = [("Interviewer", "What helped the board learn?"),
         ("Siân Jones", "Joint audits, mostly."),
         ("Interviewer", "And what got in the way?"),
         ("Siân Jones", "Budgets, café talk aside.")]


def check(doc):
    assert [(t.speaker, t.text) for t in doc.turns] == TURNS
    assert [t.is_interviewer for t in doc.turns] == [True, False, True, False]
    for seg in [*doc.turns, *doc.paragraphs, *sentences(doc)]:
        assert doc.text[seg.start:seg.end] == seg.text


def write_pdf(path, pages: list[list[str]]) -> None:
    """A minimal PDF with a text layer: Helvetica, WinAnsi encoding, one line per string."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
               "/Encoding /WinAnsiEncoding >>"]
    kids = []
    for lines in pages:
        ops = "".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T* "
            for line in lines)
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {ops}ET".encode("cp1252")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "
                       f"{content} 0 R /Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        body = body if isinstance(body, bytes) else body.encode("latin-1")
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def test_pdf_text_layer_with_speakers_across_pages(tmp_path):
    path = tmp_path / "t.pdf"
    lines = [f"{name}: {speech}" for name, speech in TURNS]
    write_pdf(path, [["Interview 4, May 2016", *lines[:2]], lines[2:]])
    doc = read_document(path)
    assert doc.format == "pdf"
    check(doc)


def test_a_scanned_pdf_without_text_is_refused_in_one_line(tmp_path, run_cli):
    path = tmp_path / "scan.pdf"
    write_pdf(path, [[], []])
    result = run_cli("ingest", path, "--project", tmp_path / "p.qc")
    assert result.exit_code == 2
    assert result.stderr == (f"error: {path}: no text layer in 2 page(s): a scanned PDF? Run "
                             "OCR on it first (e.g. ocrmypdf), then ingest the result\n")


def test_odt_paragraphs_and_headings(tmp_path):
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Interview 4"))
    for name, speech in TURNS:
        document.text.addElement(P(text=f"{name}: {speech}"))
    path = tmp_path / "t.odt"
    document.save(str(path))
    doc = read_document(path)
    assert doc.format == "odt"
    check(doc)


def test_rtf_paragraphs_and_escaped_accents(tmp_path):
    body = "".join(
        f"{name}: {speech}\\par\n".replace("â", "\\'e2").replace("é", "\\'e9")
        for name, speech in TURNS)
    path = tmp_path / "t.rtf"
    path.write_bytes(("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\n"
                      "{\\b Interview 4}\\par\n" + body + "}").encode("ascii"))
    doc = read_document(path)
    assert doc.format == "rtf"
    check(doc)


@pytest.mark.parametrize("crlf", [False, True])
def test_html_blocks_bold_labels_and_line_breaks(tmp_path, crlf):
    rows = "".join(f"<p><b>{name}:</b>\n  {speech}</p>\n" for name, speech in TURNS[:2])
    rest = "<br>\n".join(f"{name}: {speech}" for name, speech in TURNS[2:])
    html = (f"<html><head><title>x</title><style>p {{}}</style></head><body>"
            f"<h1>Interview 4</h1>\n{rows}<div>{rest}</div><script>var a = 1;</script>"
            "</body></html>")
    path = tmp_path / "t.html"
    path.write_bytes(html.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))
    doc = read_document(path)
    assert doc.format == "html"
    check(doc)
    assert "var a" not in doc.text and "p {}" not in doc.text
