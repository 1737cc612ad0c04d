"""Nothing silent: each surprise a researcher met on the sample or on her own data, checked."""

from __future__ import annotations

import io

import openpyxl
import pytest
from conftest import ROOT, SAMPLE

from qualcode.analysis import load_coded, theme_frequencies
from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.ingest import read_document
from qualcode.segment import sentences
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    path = tmp_path_factory.mktemp("surprises") / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [SAMPLE / "lscb09.txt", SAMPLE / "lscb02.docx"],
               attributes=SAMPLE / "attributes.csv")
        code_project(p, load_codebook(LSCB))
    return path


def test_bracketed_asides_never_split_a_sentence(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Anna: It was there. [laughs] And then it went. Really! [inaudible] we "
                    "did (pause) it. It was hard [laughs]. Then fine. Café 😀 — yes.\n",
                    encoding="utf-8")
    document = read_document(path)
    texts = [s.text for s in sentences(document)]
    assert texts == ["Anna: It was there. [laughs]", "And then it went.", "Really! [inaudible]",
                     "we did (pause) it.", "It was hard [laughs].", "Then fine.",
                     "Café 😀 — yes."]
    assert all(document.text[s.start:s.end] == s.text for s in sentences(document))


def test_bracketed_asides_on_the_sample_transcripts():
    """Before: 287 of the sample's 2,463 sentences ended in "[" or began with "laughs]"."""
    import re

    split = 0
    for name in ("lscb01.docx", "lscb05.vtt", "lscb09.txt"):
        for sentence in sentences(read_document(SAMPLE / name)):
            split += bool(re.search(r"[\[(]\s*$", sentence.text)
                          or re.match(r"^[\w ]+[\])]", sentence.text))
    assert split == 0


def test_empty_quote_tables_say_so_on_stderr(coded, tmp_path, run_cli):
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"q.{fmt}"
        result = run_cli("export", fmt, "--project", coded, "-o", out, "--origin", "manual",
                         "--coder", "ann")
        assert result.exit_code == 0 and out.exists()
        assert result.stderr.strip() == "0 excerpts match the codes and codings selected"
    result = run_cli("export", "csv", "--project", coded, "-o", tmp_path / "all.csv")
    assert result.stderr == ""


def test_attributes_named_like_quote_table_columns_are_refused(tmp_path, run_cli):
    sheet = tmp_path / "attributes.csv"
    sheet.write_text("document,nation,Speaker\nlscb09,England,Pauline\n")
    result = run_cli("ingest", SAMPLE / "lscb09.txt", "--project", tmp_path / "p.qc",
                     "--attributes", sheet, "-q")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {sheet}:1: column 'Speaker' has a name the quote table uses for its own "
        "column; rename it (for example to 'case_Speaker')"]


def test_review_import_with_a_bad_number_is_one_line(coded, tmp_path, run_cli):
    from qualcode.suggest.review import export_sheet
    from qualcode.suggest.training import suggest_project

    with Project.open(coded) as p:
        suggest_project(p, min_examples=3)
        sheet = export_sheet(p)
    sheet = sheet.astype({"start": object})
    sheet.loc[0, "decision"] = "accept"
    sheet.loc[0, "start"] = "twelve"
    bad = tmp_path / "decided.csv"
    sheet.to_csv(bad, index=False)
    result = run_cli("review", "--project", coded, "--import", bad, "--coder", "ann")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {bad}:2: start 'twelve' is not a number"


def test_raw_csv_keeps_verbatim_text_and_xlsx_stores_it_as_text(tmp_path, run_cli):
    import pandas as pd

    from qualcode.export.tables import to_csv, write_table

    frame = pd.DataFrame({"text": ["- well yes", "=SUM(A1)", "fine"], "n": [-2, 0, 1]})
    assert to_csv(frame).decode().splitlines()[1:3] == ["'- well yes,-2", "'=SUM(A1),0"]
    assert to_csv(frame, raw=True).decode().splitlines()[1:3] == ["- well yes,-2",
                                                                   "=SUM(A1),0"]
    write_table(frame, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [sheet["A2"].value, sheet["A3"].value] == ["- well yes", "=SUM(A1)"]
    assert sheet["A3"].data_type == "s" and sheet["B2"].value == -2  # text, not a formula


def test_cli_raw_csv(coded, tmp_path, run_cli):
    out = tmp_path / "q.csv"
    assert run_cli("export", "csv", "--project", coded, "-o", out, "--raw").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("document,")


def test_kwic_lines_keep_the_texts_spacing_and_list_each_hit_once(coded, run_cli):
    output = run_cli("excerpts", "--project", coded, "--code", "ofsted-inspection").output
    hits = [line for line in output.splitlines() if "[[" in line]
    assert hits and not [h for h in hits if "]] ." in h or "]] ," in h or "]] '" in h]
    assert not [h for h in hits if "- [[" in h and "post- [[" in h]
    lines = output.splitlines()
    for index, line in enumerate(lines):  # within one coding, no term listed twice
        if "[[" not in line:
            block = []
            for hit in lines[index + 1:]:
                if "[[" not in hit:
                    break
                block.append(hit)
            assert len(block) == len(set(block))
    assert "[[inspection]] framework" not in output  # left to "inspection framework"


def test_distinct_matches_prefers_the_keyword_written_as_in_the_text():
    from qualcode.analysis.excerpts import distinct_matches

    text = "partner agencies and the inspection framework"
    matched = [(8, 16, "keyword: agency"), (8, 16, "keyword: agencies"),
               (25, 35, "keyword: inspection"), (25, 45, "keyword: inspection framework")]
    assert distinct_matches(matched, text) == [(8, 16, "keyword: agencies"),
                                               (25, 45, "keyword: inspection framework")]


def test_themes_count_participants_not_interviewers(tmp_path):
    path = tmp_path / "p.qc"
    transcript = tmp_path / "i.txt"
    transcript.write_text("Interviewer: The budget is cut, then?\n\nAnn: The budget is cut."
                          "\n\nInterviewer: And next year?\n\nAnn: Cut again.\n")
    with Project.open(path, create=True) as p:
        ingest(p, [transcript])
        code_project(p, load_codebook(LSCB), speakers="all")
        themes = theme_frequencies(load_coded(p)).set_index("code_id")
    assert themes.loc["budgetary-context", "excerpts"] >= 2  # the questions are coded too
    assert themes.loc["budgetary-context", "speakers"] == 1  # but Ann is the one participant


def test_run_progress_counts_files_then_units(tmp_path, run_cli, monkeypatch):
    import qualcode.cli.common
    import qualcode.cli.run

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    bars = []
    original = qualcode.cli.common.progress_bar
    monkeypatch.setattr(qualcode.cli.run, "progress_bar",
                        lambda quiet, label, unit="file": bars.append((label, unit))
                        or original(quiet, label, unit))
    result = run_cli("run", SAMPLE / "lscb09.txt", "--codebook", LSCB, "--out",
                     tmp_path / "out", "--unit", "sentence", "--quiet")
    assert result.exit_code == 0, result.output
    assert bars == [("ingest", "file"), ("code", "sentence")]
    screen = Terminal()
    monkeypatch.setattr(qualcode.cli.common.sys, "stderr", screen)
    # no tqdm monitor thread left behind: a second thread makes qualcode.workers spawn, not fork
    monkeypatch.setattr("tqdm.tqdm.monitor_interval", 0)
    list(original(False, "code", "turn")(range(3)))
    assert "turn/s" in screen.getvalue() and "file" not in screen.getvalue()


def test_screen_tables_share_one_layout(coded, run_cli):
    by_cases = run_cli("themes", "--project", coded, "--sort", "cases").output.splitlines()
    assert not [line for line in by_cases[2:] if line.startswith(" ")]  # no tree when sorted
    tree = run_cli("themes", "--project", coded).output.splitlines()
    assert any(line.startswith("  ") for line in tree[2:])
    for args in (["cooccur", "--matrix"], ["matrix"]):
        lines = run_cli(*args, "--project", coded).output.splitlines()
        assert set(lines[1].replace(" ", "")) == {"-"}, lines[:2]  # a rule under the header
        assert "..." not in "\n".join(lines)  # pandas' elisions are gone
