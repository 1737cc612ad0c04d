"""One shared set of bad-input checks, run against every reader through the CLI.

Each bad file gets a one-line error naming the file (and line where there is one), exit
status 2, and leaves the project exactly as it was.
"""

from __future__ import annotations

import io
import sqlite3
import zipfile

import pytest
from conftest import write_docx

from qualcode.store import Project

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8


@pytest.fixture
def project(tmp_path, transcript, run_cli):
    """A project that already holds one document, to show a failed ingest changes nothing."""
    path = tmp_path / "p.qc"
    result = run_cli("ingest", transcript, "--project", path, "--quiet")
    assert result.exit_code == 0, result.output
    return path


def state(path):
    with Project.open(path) as p:
        segments = p.db.execute("SELECT count(*) FROM segments").fetchone()
        return p.document_ids(), len(p.runs()), segments


def truncated_docx(tmp_path):
    good = write_docx(tmp_path / "good.docx", ["Interviewer: hi", "Ann: yes"]).read_bytes()
    return good[: len(good) // 2]


def zip_not_word():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return buffer.getvalue()


BAD_FILES = {
    "empty.txt": (lambda tmp: b"", "empty file", None),
    "blank.md": (lambda tmp: b"  \n\n \t\n", "empty file", None),
    "empty.docx": (lambda tmp: b"", "empty file", None),
    "empty.vtt": (lambda tmp: b"", "empty file", None),
    "empty.srt": (lambda tmp: b"", "empty file", None),
    "image.txt": (lambda tmp: PNG, "binary file", None),
    "image.vtt": (lambda tmp: PNG, "binary file", None),
    "notword.docx": (lambda tmp: zip_not_word(), "not a readable Word document", None),
    "text.docx": (lambda tmp: b"Interviewer: plain text renamed", "not a Word document", None),
    "truncated.docx": (truncated_docx, "Word document", None),
    "badtime.vtt": (
        lambda tmp: b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nInterviewer: ok\n\n"
                    b"2\n00:00:0x.000 --> 00:00:05.000\nAnn: hmm\n",
        "bad cue timing", 8,
    ),
    "backwards.vtt": (
        lambda tmp: b"WEBVTT\n\n00:00:09.000 --> 00:00:02.000\nInterviewer: ok\n",
        "ends before it starts", 3,
    ),
    "notvtt.vtt": (lambda tmp: b"Interviewer: hello\n", "not a WebVTT file", 1),
    "badtime.srt": (
        lambda tmp: b"1\n00:00:01,000 --> 00:00:02,000\nINTERVIEWER: ok\n\n"
                    b"2\n00:00:0x,000 --> 00:00:05,000\nANN: hmm\n",
        "SubRip", None,
    ),
    "empty.pdf": (lambda tmp: b"", "empty file", None),
    "text.pdf": (lambda tmp: b"Interviewer: plain text renamed", "not a PDF file", None),
    "truncated.pdf": (lambda tmp: b"%PDF-1.4\n1 0 obj\n<< /Type /Cat", "PDF", None),
    "empty.odt": (lambda tmp: b"", "empty file", None),
    "text.odt": (lambda tmp: b"Interviewer: plain text", "not an OpenDocument text", None),
    "notodt.odt": (lambda tmp: zip_not_word(), "damaged OpenDocument text", None),
    "empty.rtf": (lambda tmp: b"", "empty file", None),
    "text.rtf": (lambda tmp: b"Interviewer: plain text", "not an RTF file", None),
    "image.html": (lambda tmp: PNG, "binary file", None),
    "empty.html": (lambda tmp: b"<html><body><script>x()</script></body></html>",
                   "no text found", None),
    "labels_only.txt": (
        lambda tmp: b"Interviewer:\nAnn Lee:\nInterviewer:\nAnn Lee:\n", "no transcript text", None
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gets_one_line_error_and_changes_nothing(name, tmp_path, project, run_cli):
    make, message, line = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(make(tmp_path))
    before = state(project)
    result = run_cli("ingest", bad, "--project", project)
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert err.count("\n") == 0, err
    where = f"{bad}:{line}:" if line else f"{bad}:"
    assert err.startswith(f"error: {where}"), err
    assert message in err
    assert "Traceback" not in result.output
    assert state(project) == before


def test_one_bad_file_in_a_folder_stops_the_whole_ingest(tmp_path, project, run_cli):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text("Interviewer: Hi?\nAnn Lee: Fine.\nInterviewer: OK.\n")
    (folder / "bad.txt").write_bytes(PNG)
    before = state(project)
    result = run_cli("ingest", folder, "--project", project)
    assert result.exit_code == 2 and "bad.txt" in result.stderr
    assert state(project) == before
    result = run_cli("ingest", folder, "--project", project, "--skip-errors")
    assert result.exit_code == 2 and "bad.txt: binary file" in result.stderr
    assert "good" in state(project)[0]


def test_missing_path(tmp_path, project, run_cli):
    result = run_cli("ingest", tmp_path / "nope.txt", "--project", project)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.txt'}: no such file or folder"


@pytest.mark.parametrize("kind", ["text", "other-sqlite"])
def test_a_file_that_is_not_a_qualcode_project(kind, tmp_path, transcript, run_cli):
    bogus = tmp_path / "bogus.qc"
    if kind == "text":
        bogus.write_text("hello, I am a shopping list\n")
    else:
        with sqlite3.connect(bogus) as db:
            db.execute("CREATE TABLE recipes (name TEXT)")
    before = bogus.read_bytes()
    for args in (["ingest", transcript, "--project", bogus], ["docs", "--project", bogus]):
        result = run_cli(*args)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"error: {bogus}: not a qualcode project")
    assert bogus.read_bytes() == before


def test_docs_on_a_missing_project(tmp_path, run_cli):
    result = run_cli("docs", "--project", tmp_path / "none.qc")
    assert result.exit_code == 2 and "no such project" in result.stderr
    assert not (tmp_path / "none.qc").exists()


def test_cp1252_and_utf16_files_are_decoded(tmp_path, project, run_cli):
    text = "Interviewer: It’s “fine”?\nAnn Lee: £20 – yes.\nInterviewer: OK.\nAnn Lee: Bye.\n"
    (tmp_path / "win.txt").write_bytes(text.encode("cp1252"))
    (tmp_path / "wide.txt").write_bytes(text.encode("utf-16"))  # with BOM
    result = run_cli("ingest", tmp_path / "win.txt", tmp_path / "wide.txt", "--project", project)
    assert result.exit_code == 0, result.output
    with Project.open(project) as p:
        docs = {d.id: d for d in p.documents(["win", "wide"])}
    assert docs["win"].text == docs["wide"].text == text
    assert docs["win"].turns[1].text == "£20 – yes."


@pytest.mark.slow
def test_a_50_megabyte_transcript_is_handled(tmp_path, run_cli):
    answer = ("Well, you know, the partnership with health and police is strong, " * 12).strip()
    block = f"Interviewer: And then what happened?\n\nP01: {answer}\n\n"
    repeats = 50 * 1024 * 1024 // len(block.encode()) + 1
    big = tmp_path / "big.txt"
    big.write_text(block * repeats)
    assert big.stat().st_size >= 50 * 1024 * 1024
    project = tmp_path / "big.qc"
    result = run_cli("ingest", big, "--project", project, "--quiet")
    assert result.exit_code == 0, result.output
    with Project.open(project) as p:
        (summary,) = p.summaries()
    assert summary.participant_turns == repeats and summary.interviewer_turns == repeats


def test_encoding_option_errors_name_the_file(tmp_path, project, run_cli):
    path = tmp_path / "latin.txt"
    path.write_bytes("Interviewer: café\nAnn: oui\n".encode("latin-1"))
    result = run_cli("ingest", path, "--project", project, "--encoding", "utf-8")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: cannot decode as utf-8")
