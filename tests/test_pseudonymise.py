"""Pseudonymisation: the proposed map, the checks with file:line messages, exact offsets, and
what is left after the map."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.pseudonym.mapping import Entry
from qualcode.pseudonym.replace import Pseudonymiser
from qualcode.store import Project

A = ("Interviewer: Hello Gillian, how is Caldermoor?\n"
     "Gillian Ashworth: Fine 😀. Ms Ashworth is me. Dr Patel from the Westbridge Trust rang on "
     "01632 960123 (email g.ashworth@example.org, office LS1 4AB).\n"
     "Interviewer: And Tom?\n"
     "Gillian Ashworth: Tom Ashworth chairs the Caldermoor Safeguarding Children Board.\n")
B = ("Interviewer: Hi Tom.\r\n"
     "Tom Ashworth: Hi. Gillian Ashworth and I disagree about Llanferran.\r\n"
     "Interviewer: Why?\r\n"
     "Tom Ashworth: Caldermoor is big, and the Westbridge Trust is bigger.\r\n")
REAL = ["Gillian", "Ashworth", "Tom", "Caldermoor", "Patel", "Westbridge", "Llanferran",
        "01632 960123", "g.ashworth@example.org", "LS1 4AB"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "a.txt").write_text(A, encoding="utf-8")
    (folder / "b.txt").write_bytes(B.encode("utf-8"))
    path = tmp_path / "p.qc"
    assert run("ingest", str(folder), "--project", str(path), "--quiet").exit_code == 0
    return path


def suggested(project: Path, tmp_path: Path) -> Path:
    target = tmp_path / "map.yaml"
    result = run("pseudonymise", "suggest", "--project", str(project), "-o", str(target))
    assert result.exit_code == 0, result.output
    return target


def test_the_proposed_map_catches_speakers_people_places_and_contacts(project, tmp_path):
    text = suggested(project, tmp_path).read_text(encoding="utf-8")
    assert "RE-IDENTIFIES" in text
    for real in ("real: Gillian Ashworth", "real: Tom Ashworth", "Dr Patel", "Westbridge Trust",
                 "Caldermoor", "Llanferran", "Ms Ashworth", "01632 960123",
                 "g.ashworth@example.org", "LS1 4AB"):
        assert real in text, real
    assert "replacement: '[P01]'" in text and "replacement: '[P02]'" in text
    assert "- Ashworth" not in text  # a surname two speakers share says nobody


def test_apply_then_every_name_is_gone_from_the_pseudonymised_text(project, tmp_path):
    from qualcode.workflows.pseudonymise import pseudonymiser_for

    result = run("pseudonymise", "apply", "--project", str(project), "--map",
                 str(suggested(project, tmp_path)))
    assert result.exit_code == 0, result.output
    assert "pseudonymised by default" in result.output
    with Project.open(project) as opened:
        finder = pseudonymiser_for(opened)
        texts = opened.texts()
    for text in texts.values():
        new = finder.rewrite(text).text
        for real in REAL:
            assert real.lower() not in new.lower(), (real, new)
    check = run("pseudonymise", "check", "--project", str(project))
    assert check.exit_code == 0 and "nothing left" in check.output


def test_check_lists_a_name_the_map_misses(project, tmp_path):
    from qualcode.pseudonym.mapping import PseudonymMap, map_to_yaml, read_map

    target = suggested(project, tmp_path)
    entries = [e for e in read_map(target).entries if e.real != "Llanferran"]
    target.write_text(map_to_yaml(PseudonymMap(entries)), encoding="utf-8")
    assert run("pseudonymise", "apply", "--project", str(project), "--map",
               str(target)).exit_code == 0
    check = run("pseudonymise", "check", "--project", str(project))
    assert "'Llanferran'" in check.output and "1 possible names left" in check.output


@pytest.mark.parametrize(("body", "line", "message"), [
    ("entries:\n  - real: Gillian Ashworth\n    replacement: '[P01]'\n"
     "  - real: Nobody Here\n    replacement: '[P09]'\n", 4, "never occurs"),
    ("entries:\n  - real: Gillian Ashworth\n    replacement: Interviewer\n", 2,
     "already occurs in the real text"),
    ("entries:\n  - real: Gillian Ashworth\n    replacement: '[P01]'\n"
     "  - real: gillian ashworth\n    replacement: '[P02]'\n", 4, "replaced by '[P01]'"),
    ("entries:\n  - real: Gillian Ashworth\n    replacement: '[P01]'\n"
     "  - real: Ashworth and I\n    replacement: '[X]'\n", 2, "overlap"),
    ("entries:\n  - real: Gillian\n    replacement: '[P01]'\n    category: friend\n", 4,
     "category"),
    ("entries:\n  - &a {real: Gillian, replacement: '[P01]'}\n  - *a\n", 2, "aliases"),
    ("entries:\n  - real: Gillian\n    replacment: '[P01]'\n", 3, "unknown key"),
])
def test_map_errors_name_the_file_and_line_and_change_nothing(project, tmp_path, body, line,
                                                              message):
    target = tmp_path / "bad.yaml"
    target.write_text(body, encoding="utf-8")
    result = run("pseudonymise", "apply", "--project", str(project), "--map", str(target))
    assert result.exit_code == 2
    assert f"{target}:{line}: " in result.output and message in result.output, result.output
    with Project.open(project) as opened:
        assert opened.pseudonyms() == []


def test_a_csv_map_with_variants_as_rows(project, tmp_path):
    target = tmp_path / "map.csv"
    target.write_text("real,replacement,category\nGillian Ashworth,[P01],participant\n"
                      "Gillian,[P01],participant\nTom Ashworth,[P02],participant\n",
                      encoding="utf-8")
    result = run("pseudonymise", "apply", "--project", str(project), "--map", str(target),
                 "--not-default")
    assert result.exit_code == 0, result.output
    assert "real unless --pseudonymised" in result.output
    with Project.open(project) as opened:
        assert opened.pseudonyms()[0] == ("Gillian Ashworth", ["Gillian"], "[P01]",
                                          "participant")


def test_offsets_map_exactly_including_spans_that_cut_a_name():
    finder = Pseudonymiser([Entry("Gillian Ashworth", "[P01]", variants=["Gillian"]),
                            Entry("Caldermoor", "[Place A]")])
    text = A + B.replace("\r\n", "\n")
    new = finder.rewrite(text)
    hits = finder.occurrences(text)
    rng = random.Random(5)
    for _ in range(2000):
        start = rng.randrange(0, len(text))
        end = rng.randrange(start + 1, len(text) + 1)
        # the span, widened to every name it touches, pseudonymised on its own
        wide_start = min([start] + [s for s, e, _ in hits if s < start < e])
        wide_end = max([end] + [e for s, e, _ in hits if s < end < e])
        expected = finder(text[wide_start:wide_end])
        assert new.text[new.start(start):new.end(end)] == expected
    assert new.replacements == len(hits)


CODEBOOK = """\
name: Pseudo test
codes:
  - id: people
    name: People
    keywords: [chair, disagree, rang, big]
  - id: places
    name: Places
    description: Talk about Caldermoor and its board.
    examples: ["Caldermoor is big"]
    keywords: [Caldermoor, board]
"""


def _all_text_inside(path: Path) -> str:
    """Every byte of a file, and of every member of it if it is a zip (.docx, .xlsx)."""
    import zipfile

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace")
                             for n in archive.namelist())
    return path.read_text(encoding="utf-8")


def test_pseudonymised_exports_hold_no_real_name(project, tmp_path):
    book = tmp_path / "book.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    assert run("code", "--project", str(project), "--codebook", str(book),
               "--quiet").exit_code == 0
    with Project.open(project) as opened, opened.transaction():
        coding = opened.codings()[0]
    from qualcode.workspace.memos import write_memo

    with Project.open(project) as opened:
        write_memo(opened, "coding", "ann", "Gillian again: ask Dr Patel.", coding_id=coding.id)
    assert run("pseudonymise", "apply", "--project", str(project), "--map",
               str(suggested(project, tmp_path))).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    commands = {
        "report.docx": ["export", "docx"], "quotes.xlsx": ["export", "xlsx"],
        "quotes.csv": ["export", "csv"],
        "themes.csv": ["themes", "--format", "csv"],
        "matrix.csv": ["matrix", "--format", "csv"],
        "project.qdpx": ["export", "qdpx"],
        "report.html": ["export", "html"],
    }
    for name, command in commands.items():
        result = run(*command, "--project", str(project), "--output", str(out / name))
        assert result.exit_code == 0, result.output
        inside = _all_text_inside(out / name).lower()
        for real in REAL:
            assert not re.search(rf"(?<![a-z]){re.escape(real.lower())}(?![a-z])", inside), (
                name, real)
    assert "[p01]" in _all_text_inside(out / "quotes.csv").lower()
    # the QDPX selections point at exactly the pseudonymised quotes
    import csv
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(out / "project.qdpx") as archive:
        root = etree.fromstring(archive.read("project.qde"))
        ns = {"q": "urn:QDA-XML:project:1.0"}
        selected = set()
        for source in root.iterfind(".//q:TextSource", ns):
            text = archive.read(source.get("plainTextPath").replace("internal://", "sources/")
                                ).decode("utf-8")
            for sel in source.iterfind("q:PlainTextSelection", ns):
                selected.add(text[int(sel.get("startPosition")):int(sel.get("endPosition"))])
    with (out / "quotes.csv").open(encoding="utf-8") as handle:
        quoted = {row["text"] for row in csv.DictReader(handle)}
    assert selected == quoted
    kwic = run("excerpts", "--project", str(project), "--code", "places")
    assert kwic.exit_code == 0 and "[[[Name" in kwic.output, kwic.output
    for real in REAL:
        assert not re.search(rf"(?<![a-z]){re.escape(real.lower())}(?![a-z])",
                             kwic.output.lower()), real
    real_run = run("export", "csv", "--project", str(project), "--output",
                   str(out / "real.csv"), "--real")
    assert real_run.exit_code == 0
    assert "Caldermoor" in (out / "real.csv").read_text(encoding="utf-8")


def test_pseudonymised_export_without_a_map_is_refused(project, tmp_path):
    result = run("export", "csv", "--project", str(project), "--output",
                 str(tmp_path / "x.csv"), "--pseudonymised")
    assert result.exit_code == 2
    assert "no pseudonym map" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_a_shared_copy_holds_no_real_name_and_no_map(project, tmp_path):
    book = tmp_path / "book.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    assert run("code", "--project", str(project), "--codebook", str(book),
               "--quiet").exit_code == 0
    from qualcode.workspace.memos import write_memo

    with Project.open(project) as opened:
        write_memo(opened, "coding", "ann", "Tom said so.", coding_id=opened.codings()[0].id)
    refused = run("pseudonymise", "share", "--project", str(project), "-o",
                  str(tmp_path / "s.qc"))
    assert refused.exit_code == 2 and "no pseudonym map" in refused.output
    assert run("pseudonymise", "apply", "--project", str(project), "--map",
               str(suggested(project, tmp_path))).exit_code == 0
    shared = tmp_path / "shared.qc"
    result = run("pseudonymise", "share", "--project", str(project), "-o", str(shared))
    assert result.exit_code == 0, result.output
    raw = shared.read_bytes().decode("utf-8", "replace").lower()
    for real in REAL:
        assert not re.search(rf"(?<![a-z]){re.escape(real.lower())}(?![a-z])", raw), real
    quotes = tmp_path / "quotes.csv"
    assert run("export", "csv", "--project", str(project), "-o", str(quotes)).exit_code == 0
    with Project.open(shared) as copy, Project.open(project) as original:
        assert copy.pseudonyms() == [] and copy.runs() == []
        assert len(copy.codings()) == len(original.codings())
        texts = copy.texts()
        spans = {texts[c.document_id][c.start:c.end] for c in copy.codings()}
        (memo,) = copy.memos()
        assert memo.text == "[P02] said so."
        assert texts[memo.document_id][memo.start:memo.end] in spans
    import csv

    with quotes.open(encoding="utf-8") as handle:
        assert spans == {row["text"] for row in csv.DictReader(handle)}
    same = run("pseudonymise", "share", "--project", str(project), "-o", str(project))
    assert same.exit_code == 2 and "new file" in same.output


def test_the_workspace_shows_a_pseudonymised_copy_read_only(project, tmp_path):
    from starlette.testclient import TestClient

    from qualcode.web.server import make_server

    assert run("pseudonymise", "apply", "--project", str(project), "--map",
               str(suggested(project, tmp_path))).exit_code == 0
    server = make_server(project, port=0, token="T", pseudonymised=True)
    server.sock.close()
    client = TestClient(server.app, base_url=f"http://127.0.0.1:{server.port}")
    client.cookies.set("qualcode_token", "T")
    shown = " ".join(client.get(f"/api/documents/{d['id']}").text
                     for d in client.get("/api/documents").json()["documents"]).lower()
    assert "[p01]" in shown
    for real in REAL:
        assert not re.search(rf"(?<![a-z]){re.escape(real.lower())}(?![a-z])", shown), real
    assert "pseudonymised · read-only" in client.get("/").text
    write = client.post("/api/codings", json={"document": "a", "start": 0, "end": 3,
                                              "code": "x"})
    assert write.status_code == 403 and "read-only" in write.json()["error"]


def test_share_into_a_missing_folder_and_an_undecodable_names_file_are_one_line(project,
                                                                                   tmp_path):
    assert run("pseudonymise", "apply", "--project", str(project), "--map",
               str(suggested(project, tmp_path))).exit_code == 0
    missing = run("pseudonymise", "share", "--project", str(project), "-o",
                  str(tmp_path / "nowhere" / "s.qc"))
    assert missing.exit_code == 2
    assert "folder for the shared copy does not exist" in missing.output
    names = tmp_path / "names.txt"
    names.write_bytes(b"\x00\x01\x02binary")
    bad = run("pseudonymise", "suggest", "--project", str(project), "-o",
              str(tmp_path / "m.yaml"), "--names", str(names))
    assert bad.exit_code == 2 and str(names) in bad.output
