"""The Word report and the quote table, checked by reading the files back."""

from __future__ import annotations

import docx
import openpyxl
import pytest
from conftest import ROOT, SAMPLE

from qualcode.analysis import load_coded, theme_frequencies
from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.export.docx_report import ReportOptions, build_report
from qualcode.export.excerpts import excerpt_rows
from qualcode.model import Coding
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    path = folder / "p.qc"
    weird = folder / "weird.txt"
    weird.write_text("Interviewer: Anything else?\n\nAnn Lee: The partner agencies\x0c were "
                     "=SUM(1) great\x07 honestly.\n\nInterviewer: Thanks.\n\nAnn Lee: Bye.\n")
    with Project.open(path, create=True) as p:
        ingest(p, [SAMPLE / "lscb09.txt", SAMPLE / "lscb05.vtt", weird],
               attributes=SAMPLE / "attributes.csv")
        code_project(p, load_codebook(LSCB))
    return path


def paragraphs(document, style):
    return [p for p in document.paragraphs if p.style.name == style]


def test_report_structure_matches_the_tables(coded, tmp_path):
    with Project.open(coded) as p:
        data = load_coded(p)
        content = build_report(p, data, ReportOptions(title="Report", by="nation",
                                                      findings=False))
        rows = excerpt_rows(p, data)
    out = tmp_path / "r.docx"
    out.write_bytes(content)
    document = docx.Document(str(out))
    book = load_codebook(LSCB)
    headings = [p.text for p in document.paragraphs
                if p.style.name in ("Heading 1", "Heading 2", "Heading 3")]
    body = headings[headings.index("Theme frequencies") + 1:headings.index(
        "Appendix: the codebook")]
    assert body == [c.name for c in book.codes]  # codebook order, every code
    themes = theme_frequencies(data)
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Code", "Interviews", "%", "Excerpts",
                                                     "England", "(missing)"]
    for row, theme in zip(table.rows[1:], themes.itertuples(), strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0].strip("\u2003") == theme.code
        assert cells[1:4] == [f"{theme.cases}\u00a0of\u00a0{theme.of_cases}",
                              f"{theme.cases_pct:.0f}%", str(theme.excerpts)]
    quotes = paragraphs(document, "Quote")
    assert len(quotes) == len(rows) > 20
    highlighted = [r.text for q in quotes for r in q.runs if r.font.highlight_color]
    expected = []
    for doc, matched in zip(rows["document"], rows["_matched"], strict=True):
        union: list[list[int]] = []
        for s, e in sorted(set(matched)):
            if union and s <= union[-1][1]:
                union[-1][1] = max(union[-1][1], e)
            else:
                union.append([s, e])
        expected += [data.texts[doc][s:e] for s, e in union]
    assert highlighted == expected
    assert len(document.inline_shapes) == 2  # the chart, and the chart of the split


def test_text_xml_forbids_is_cleaned_and_empty_projects_say_so(coded, tmp_path):
    with Project.open(coded) as p:
        content = build_report(p, load_coded(p), ReportOptions(codes=("partnership-working",)))
    out = tmp_path / "r.docx"
    out.write_bytes(content)
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "partner agencies  were =SUM(1) great  honestly" in text
    empty = tmp_path / "empty.qc"
    with Project.open(empty, create=True) as p:
        ingest(p, [SAMPLE / "lscb11.txt"])
        content = build_report(p, load_coded(p))
    out.write_bytes(content)
    assert any("No coded excerpts" in p.text for p in docx.Document(str(out)).paragraphs)


def test_group_by_document_and_manual_codings(coded, tmp_path):
    with Project.open(coded) as p:
        turn = next(t for t in p.segments("turn") if t.document_id == "weird"
                    and not t.is_interviewer)
        with p.transaction():
            p.add_codings([Coding("weird", turn.start, turn.end, "budgetary-context", "ann")])
        content = build_report(p, load_coded(p), ReportOptions(group_by="document"))
        with p.transaction():
            p.remove_person_coding("weird", turn.start, turn.end, "budgetary-context", "ann")
    out = tmp_path / "r.docx"
    out.write_bytes(content)
    document = docx.Document(str(out))
    level1 = [p.text for p in paragraphs(document, "Heading 1")]
    assert level1[:4] == ["Findings", "Theme frequencies", "Intercoder agreement", "lscb05"]
    assert "weird" in level1


def test_cli_quote_table_and_report(coded, tmp_path, run_cli):
    xlsx, csv_path, report = tmp_path / "q.xlsx", tmp_path / "q.csv", tmp_path / "r.docx"
    assert run_cli("export", "xlsx", "--project", coded, "-o", xlsx).exit_code == 0
    sheet = openpyxl.load_workbook(xlsx)["excerpts"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["document", "board_size"] and "code_path" in header
    texts = [row[header.index("text")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(not (t or "").startswith(("=", "+", "@")) for t in texts)
    result = run_cli("export", "csv", "--project", coded, "-o", csv_path, "--code", "enablers")
    assert result.exit_code == 0 and "excerpts" in result.output
    first = csv_path.read_bytes()
    run_cli("export", "csv", "--project", coded, "-o", csv_path, "--code", "enablers")
    assert csv_path.read_bytes() == first
    lines = first.decode().splitlines()
    assert all("enablers" in line for line in lines[1:] if line.startswith(("lscb", "weird")))
    result = run_cli("export", "docx", "--project", coded, "-o", report, "--no-chart",
                     "--attribute", "nation")
    assert result.exit_code == 0
    attribution = next(p.text for p in docx.Document(str(report)).paragraphs
                       if p.text.startswith("— ") and " · " in p.text)
    assert "nation: " in attribution and "region" not in attribution
    result = run_cli("export", "docx", "--project", coded, "-o", tmp_path / "no" / "r.docx")
    assert result.exit_code == 2 and "output folder does not exist" in result.stderr


def test_chart_worker_draws_the_same_png_and_survives_its_process_dying(coded):
    """``qualcode run`` draws the chart in a second process; the PNG is the one drawn here,
    and if that process is gone the chart is drawn here instead."""
    from qualcode.export.chart import MATPLOTLIB, cases_chart
    from qualcode.workers import Worker

    with Project.open(coded) as p:
        data = load_coded(p)
    themes = theme_frequencies(data)
    inline = cases_chart(themes, data.case_label)
    assert inline.startswith(b"\x89PNG")
    with Worker(cases_chart, MATPLOTLIB) as chart:
        chart.submit(themes, data.case_label)
        assert chart.result() == inline
    with Worker(cases_chart, MATPLOTLIB) as chart:
        chart._process.terminate()
        chart._process.join()
        chart.submit(themes, data.case_label)
        assert chart.result() == inline


def test_a_survey_response_beside_interviews_is_never_attributed_to_nan(tmp_path):
    """Mixed interviews and spreadsheet responses: a response has no speaker, and pandas would
    make that NaN, which printed as a speaker called 'nan'."""
    import io

    import docx as python_docx
    from click.testing import CliRunner

    from qualcode.cli import main

    (tmp_path / "a.txt").write_text("Interviewer: Hello?\nP01: The partnership works.\n"
                                    "Interviewer: And?\nP01: The partnership again.\n",
                                    encoding="utf-8")
    (tmp_path / "s.csv").write_text("id,response\nr1,Our partnership is strong\n",
                                    encoding="utf-8")
    (tmp_path / "b.yaml").write_text("name: t\ncodes:\n  - id: p\n    name: P\n"
                                     "    keywords: [partnership]\n", encoding="utf-8")
    project = str(tmp_path / "p.qc")
    runner = CliRunner()
    for args in (["ingest", str(tmp_path / "a.txt"), "--project", project, "-q"],
                 ["ingest", str(tmp_path / "s.csv"), "--text-column", "response", "--id-column",
                  "id", "--project", project, "-q"],
                 ["code", "--project", project, "--codebook", str(tmp_path / "b.yaml"), "-q"],
                 ["export", "docx", "--project", project, "-o", str(tmp_path / "r.docx")],
                 ["export", "html", "--project", project, "-o", str(tmp_path / "r.html")]):
        assert runner.invoke(main, args).exit_code == 0
    report = python_docx.Document(io.BytesIO((tmp_path / "r.docx").read_bytes()))
    lines = [p.text for p in report.paragraphs if "r1" in p.text]
    assert lines and not any("nan" in line.split() for line in lines)
    assert "nan ·" not in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_xlsx_rows_are_the_same_in_batches_of_any_size():
    """The sheet body made a batch of rows at a time (each column's text escaped in one pass)
    is what writing each cell on its own gives, across batch boundaries."""
    import pandas as pd

    from qualcode.export.tables import _cell_xml, _rows_xml

    frame = pd.DataFrame({
        "text": ["a & <b>", " lead", "", "form\x0cfeed", "ok", "trail "],
        "number": [1, 2, 3, 4, 5, 6],
        "mixed": ["x", None, 0.5, float("nan"), "", 7]})
    expected = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{letter}{n}"{_cell_xml(v)}</c>'
                                   for letter, v in zip("ABC", row, strict=True) if _cell_xml(v))
        + "</row>" for n, row in enumerate(frame.itertuples(index=False), start=2))
    assert "form feed" in expected and "&amp; &lt;b&gt;" in expected
    for batch in (1, 4, 6, 1000):
        assert "".join(_rows_xml(frame, batch)) == expected
    assert "".join(_rows_xml(frame.iloc[:0], 4)) == ""


def test_excerpt_rows_share_one_text_per_passage(coded):
    """Codings of the same passage (several codes) share its text in the excerpt table: the
    text of each row is its passage, stored once however many codes it has."""
    with Project.open(coded) as p:
        data = load_coded(p)
        rows = excerpt_rows(p, data)
    texts = rows["text"].tolist()
    ids: dict[tuple, set[int]] = {}
    for doc, start, end, text in zip(rows["document"].tolist(), rows["start"].tolist(),
                                     rows["end"].tolist(), texts, strict=True):
        assert text == data.texts[doc][start:end]
        ids.setdefault((doc, start, end), set()).add(id(text))
    assert len(ids) < len(rows)  # some passages have several codes
    assert all(len(same) == 1 for same in ids.values())
    import re

    times = rows["time"].tolist()  # the WebVTT interview's turns have times, the rest none
    assert any(times) and all(t == "" or re.fullmatch(r"(\d+:)?\d\d:\d\d", t) for t in times)
