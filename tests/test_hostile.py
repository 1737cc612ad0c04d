"""Hostile and unlucky input (issue 20): each case is built on the fly, and each must end in
a one-line message and exit status 2 (or exit 0 with a warning), quickly, with the project
left as it was."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(path: Path) -> list[str]:
    """Every cell of a CSV or XLSX that a spreadsheet would run as a formula."""
    bad = []
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                bad += [f"{path.name}: {cell!r}" for cell in row if cell.startswith(FORMULA_START)]
        return bad
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str)
                                             and cell.value.startswith(FORMULA_START)):
                    bad.append(f"{path.name}!{sheet.title}!{cell.coordinate}: {cell.value!r}")
    return bad


CODEBOOK = """\
name: =hostile
version: 1
codes:
  - id: theme
    name: "=HYPERLINK(\\"http://x\\",\\"theme\\")"
    description: "+description"
    children:
      - id: partnership
        name: "-partnership"
        description: "@partners"
        keywords: [partnership working, {term: "RI", exact: true}]
      - id: money
        name: "@money"
        keywords: [budget]
"""


def _hostile_project(tmp_path: Path, run_cli) -> tuple[Path, Path]:
    texts = {
        "=d1": "Interviewer: =1+1 what works?\n\nP1: -partnership working and the RI budget.\n",
        "+d2": "Interviewer: +ok?\n\nP2: @budget and partnership working, =SUM(A1).\n",
        "@d3": "Interviewer: @what?\n\nP3: +budget is tight.\n",
    }
    files = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    attributes = tmp_path / "attributes.csv"
    attributes.write_text("document,=group\n=d1,=yes\n+d2,-no\n@d3,@maybe\n", encoding="utf-8")
    codebook = tmp_path / "book.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    project = tmp_path / "p.qc"
    result = run_cli("ingest", *files, "--project", project, "--attributes", attributes)
    assert result.exit_code == 0, result.output
    assert run_cli("code", "--project", project, "--codebook", codebook).exit_code == 0
    codings = tmp_path / "codings.csv"
    with codings.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "start", "end", "code_id", "coder"])
        for coder in ("=ann", "@bob"):
            writer.writerow(["=d1", 0, 10, "partnership", coder])
        writer.writerow(["+d2", 0, 10, "money", "=ann"])
    result = run_cli("import", "codings", codings, "--project", project)
    assert result.exit_code == 0, result.output
    return project, codebook


def test_no_cell_of_any_csv_or_xlsx_is_a_formula(tmp_path, run_cli):
    project, codebook = _hostile_project(tmp_path, run_cli)
    out = tmp_path / "out"
    out.mkdir()
    written = []
    for fmt in ("csv", "xlsx"):
        commands = {
            "themes": ["themes"],
            "crosstab": ["crosstab", "--by", "=group"],
            "matrix": ["matrix"],
            "cooccur": ["cooccur"],
            "export": ["export", fmt],
        }
        for name, args in commands.items():
            path = out / f"{name}.{fmt}"
            extra = ["--format", fmt] if name != "export" else []
            result = run_cli(*args, "--project", project, *extra, "--output", path)
            assert result.exit_code == 0, (name, result.output)
            written.append(path)
        path = out / f"disagreements.{fmt}"
        result = run_cli("agree", "--project", project, "--coders", "=ann", "@bob",
                         "--disagreements", path)
        assert result.exit_code == 0, result.output
        path_book = out / f"codebook.{fmt}"
        result = run_cli("codebook", "convert", codebook, path_book)
        assert result.exit_code == 0, result.output
        written += [path, path_book]
    result = run_cli("run", *sorted(tmp_path.glob("*.txt")), "--codebook", codebook,
                     "--out", out / "run", "--attributes", tmp_path / "attributes.csv",
                     "--by", "=group")
    assert result.exit_code == 0, result.output
    written += sorted(p for p in (out / "run").iterdir() if p.suffix in (".csv", ".xlsx"))
    assert {p.name for p in written} >= {"themes.csv", "themes.xlsx", "excerpts.xlsx"}
    assert all(p.exists() for p in written), [p for p in written if not p.exists()]
    bad = [cell for path in written for cell in _formula_cells(path)]
    assert bad == []
    # and the hostile values are there, as text
    sheet = openpyxl.load_workbook(out / "crosstab.xlsx").active
    assert "'-no: cases" in [c.value for c in sheet[1]]


def test_codebook_sheet_round_trips_formula_like_text_and_new_exact_marker(tmp_path, run_cli):
    from qualcode.codebook import load_codebook

    codebook = tmp_path / "book.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    for suffix in (".csv", ".xlsx"):
        sheet = tmp_path / f"book{suffix}"
        assert run_cli("codebook", "convert", codebook, sheet).exit_code == 0
        codes = {c.id: c for c in load_codebook(sheet).codes}
        assert codes["partnership"].name == "-partnership"
        assert codes["theme"].description == "+description"
        assert [(k.term, k.exact) for k in codes["partnership"].keywords][1] == ("RI", True)
    text = (tmp_path / "book.csv").read_text(encoding="utf-8-sig")
    assert "!RI" in text and "=RI" not in text
    old = tmp_path / "old.csv"
    old.write_text("id,name,keywords\nx,X,=RI; ~run; plain\n", encoding="utf-8")
    keywords = load_codebook(old).codes[0].keywords
    assert [(k.term, k.exact) for k in keywords] == [("RI", True), ("run", False),
                                                      ("plain", None)]


def test_a_runaway_regex_is_reported_and_the_run_completes(tmp_path, run_cli):
    import time

    transcript = tmp_path / "int.txt"
    transcript.write_text("Interviewer: Tell me.\n\nP1: " + "a" * 40 + "b and partnership "
                          "working.\n\nInterviewer: More?\n\nP1: Partnership working again.\n",
                          encoding="utf-8")
    codebook = tmp_path / "book.yaml"
    codebook.write_text("name: b\ncodes:\n  - id: slow\n    name: Slow\n"
                        "    regex: ['(a|aa)+$']\n  - id: pw\n    name: PW\n"
                        "    keywords: [partnership working]\n", encoding="utf-8")
    project = tmp_path / "p.qc"
    assert run_cli("ingest", transcript, "--project", project).exit_code == 0
    started = time.monotonic()
    result = run_cli("code", "--project", project, "--codebook", codebook)
    assert time.monotonic() - started < 5
    assert result.exit_code == 0, result.output
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1
    assert "'slow'" in warning[0] and "(a|aa)+$" in warning[0] and "int [" in warning[0]
    assert "2 codings on 2 turns" in result.stdout  # pw in both turns; slow dropped in one


def test_a_matcher_stops_running_a_regex_after_repeated_overruns():
    from qualcode.coding.rules import MAX_OVERRUNS, RuleMatcher
    from qualcode.model import Code

    matcher = RuleMatcher(regex_budget=0.05)
    matcher.add(Code("slow", "Slow", regex=["(a|aa)+$"]))
    overruns = []
    for _ in range(MAX_OVERRUNS + 2):
        assert matcher("a" * 40 + "b") == []
        overruns += matcher.overruns
    assert len(overruns) == MAX_OVERRUNS and overruns[-1].dropped
    assert matcher("aaa") == []  # not run again, even where it would be fast


def test_codebook_validate_warns_about_nested_quantifiers(tmp_path, run_cli):
    codebook = tmp_path / "book.yaml"
    codebook.write_text("name: b\ncodes:\n  - id: label\n    name: Label\n"
                        "    regex: ['(\\w+\\s?)+:', '\\bjoint(ly)? (audit|review)s?\\b']\n",
                        encoding="utf-8")
    result = run_cli("codebook", "validate", codebook)
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "nested quantifiers" in warnings[0]
    assert "(\\\\w+\\\\s?)+:" in warnings[0]


def _one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stderr[:2000]
    return lines[0]


def test_a_yaml_alias_bomb_codebook_is_refused_at_once(tmp_path, run_cli):
    import time

    levels = ["    name: &a0 [" + ", ".join(['"lol"'] * 9) + "]"]
    keys = ["description", "include", "exclude", "examples", "keywords", "regex", "not"]
    for level, key in enumerate(keys, start=1):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        levels.append(f"    {key}: &a{level} [{refs}]")
    levels.append("    children: [" + ", ".join(["*a7"] * 9) + "]")
    codebook = tmp_path / "bomb.yaml"
    codebook.write_text("name: bomb\ncodes:\n  - id: a\n" + "\n".join(levels) + "\n",
                        encoding="utf-8")
    project = tmp_path / "p.qc"
    transcript = tmp_path / "t.txt"
    transcript.write_text("P1: hello there.\n", encoding="utf-8")
    assert run_cli("ingest", transcript, "--project", project).exit_code == 0
    before = project.read_bytes()
    for args in (["codebook", "validate", codebook],
                 ["code", "--project", project, "--codebook", codebook]):
        started = time.monotonic()
        line = _one_line_error(run_cli(*args))
        assert time.monotonic() - started < 5
        assert "bomb.yaml:4:" in line and "anchors and aliases" in line
    assert project.read_bytes() == before


def test_a_huge_value_is_quoted_short_in_a_codebook_message(tmp_path, run_cli):
    codebook = tmp_path / "book.yaml"
    codebook.write_text("name: b\ncodes:\n  - id: a\n    name: A\n    keywords: "
                        + "x" * 1_000_000 + "\n", encoding="utf-8")
    line = _one_line_error(run_cli("codebook", "validate", codebook))
    assert "'keywords' must be a list" in line and len(line) < 300
