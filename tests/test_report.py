"""The Word report as a supervisor sees it: page set-up, tables that fit the page, charts after
their tables, one quote per passage in a team project, and findings that read as a study's."""

from __future__ import annotations

import io

import docx
import pandas as pd
import pytest
from conftest import ROOT, SAMPLE
from docx.oxml.ns import qn

from qualcode.analysis import load_coded
from qualcode.analysis.findings import (
    case_noun,
    caveat,
    findings_markdown,
    how_many,
    is_plural,
    sentence,
)
from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.export.docx_report import ReportOptions, build_report
from qualcode.export.word import CHAR_EM
from qualcode.model import Coding
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"
DOCUMENTS = ["lscb01.docx", "lscb05.vtt", "lscb06.vtt", "lscb09.txt", "lscb12.txt"]
DEPARTMENTS = ["Children's services", "Health", "Police", "Education", "Probation"]


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """Five interviews, a five-group attribute and one with long values, rule codings and a
    second coder (ann) who coded half of the same passages by hand. Sites have names too
    long for a portrait page, several to a table even in landscape."""
    folder = tmp_path_factory.mktemp("report")
    attributes = folder / "attributes.csv"
    rows = ["document,nation,department,site"]
    for index, name in enumerate(DOCUMENTS):
        rows.append(f"{name.split('.')[0]},{'Wales' if index in (2, 4) else 'England'},"
                    f"{DEPARTMENTS[index]},Northamptonshire-and-Peterborough-{index}")
    attributes.write_text("\n".join(rows) + "\n")
    path = folder / "team.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [SAMPLE / n for n in DOCUMENTS], attributes=attributes)
        code_project(p, load_codebook(LSCB))
        rule = load_coded(p).codings.iloc[::2]
        with p.transaction():
            p.add_codings([Coding(d, int(s), int(e), c, "ann", origin="manual") for d, s, e, c
                           in zip(rule["document"], rule["start"], rule["end"], rule["code_id"],
                                  strict=True)])
    return path


def _report(path, tmp_path, **options) -> docx.document.Document:
    with Project.open(path) as p:
        content = build_report(p, load_coded(p), ReportOptions(**options))
    out = tmp_path / "r.docx"
    out.write_bytes(content)
    return docx.Document(str(out))


def _tables_with_sections(document):
    """(table element, text width in twips of the section it is in)."""
    body = document.element.body
    pending, result = [], []

    def width(sect_pr) -> int:
        size, margins = sect_pr.find(qn("w:pgSz")), sect_pr.find(qn("w:pgMar"))
        return (int(size.get(qn("w:w"))) - int(margins.get(qn("w:left")))
                - int(margins.get(qn("w:right"))))

    for child in body:
        if child.tag == qn("w:tbl"):
            pending.append(child)
        elif child.tag == qn("w:p"):
            sect_pr = child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
            if sect_pr is not None:
                result += [(t, width(sect_pr)) for t in pending]
                pending = []
    return result + [(t, width(body.sectPr)) for t in pending]


def _check_tables(document) -> list[int]:
    """Every table fits its section's text width, its header repeats, no row splits, and no
    cell's word is wider than its column (the estimate the layout uses). Column counts."""
    counts = []
    for table, text_width in _tables_with_sections(document):
        grid = [int(c.get(qn("w:w"))) for c in table.iter(qn("w:gridCol"))]
        assert sum(grid) <= text_width + 5
        rows = table.findall(qn("w:tr"))
        assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert all(r.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for r in rows)
        for row in rows:
            for index, cell in enumerate(row.findall(qn("w:tc"))):
                text = "".join(t.text or "" for t in cell.iter(qn("w:t")))
                words = text.split() if row is rows[0] or index == 0 else [text]
                for word in words:
                    assert len(word) * CHAR_EM * 9 / 72 * 1440 <= grid[index], (word, grid)
        counts.append(len(grid))
    return counts


def test_page_setup_header_footer_and_paper(team, tmp_path):
    document = _report(team, tmp_path)
    section = document.sections[0]
    assert round(section.page_width.inches, 2) == 8.27  # A4 by default
    assert section.left_margin.inches == 1.0
    assert "team.qc" in section.header.paragraphs[0].text
    footer = section.footer.paragraphs[0]._p.xml
    assert 'w:instr=" PAGE "' in footer and "NUMPAGES" in footer
    letter = _report(team, tmp_path, paper="letter").sections[0]
    assert letter.page_width.inches == 8.5


def test_tables_fit_repeat_headers_and_many_groups_turn_landscape(team, tmp_path):
    two = _report(team, tmp_path, by="nation", agreement=False)
    assert _check_tables(two)[0] == 6  # code, cases, %, excerpts, England, Wales: one table
    five = _report(team, tmp_path, by="department", agreement=False)
    counts = _check_tables(five)
    assert sum(counts[1:]) - (len(counts) - 1) >= 5  # every group has its column somewhere
    many = _report(team, tmp_path, by="site", agreement=False)  # too wide for portrait
    counts = _check_tables(many)
    assert sum(c - 1 for c in counts[1:]) == 5 and len(counts) > 2  # split, none cut
    orientations = [s.orientation for s in many.sections]
    assert len(orientations) == 3 and orientations[1] == 1  # portrait, landscape, portrait


def test_charts_follow_their_tables_inline_with_captions(team, tmp_path):
    document = _report(team, tmp_path, by="nation")
    body = list(document.element.body)
    tables = [i for i, e in enumerate(body) if e.tag == qn("w:tbl")]
    pictures = [i for i, e in enumerate(body) if e.tag == qn("w:p")
                and e.find(f".//{qn('w:drawing')}") is not None]
    assert len(pictures) == 2 and pictures[0] > tables[0]  # the chart, then its split
    for index in pictures:
        assert body[index].find(f".//{qn('w:drawing')}/{{*}}inline") is not None
        caption = "".join(t.text or "" for t in body[index + 1].iter(qn("w:t")))
        assert caption.startswith("Figure")
        assert body[index + 1].find(f".//{qn('w:pStyle')}").get(qn("w:val")) == "Caption"
    width = document.sections[0].page_width - 2 * document.sections[0].left_margin
    assert all(shape.width <= width for shape in document.inline_shapes)


def test_a_passage_coded_by_two_coders_is_printed_once_naming_both(team, tmp_path):
    document = _report(team, tmp_path, findings=False)
    texts = [p.text for p in document.paragraphs]
    opening = " ".join(texts[:4])
    assert "pool 2 coders (ann, qualcode)" in opening and "--coder" in opening
    start = texts.index("Drivers of learning and improvement")
    quotes = [p for p in document.paragraphs[start:] if p.style.name == "Quote"]
    with Project.open(team) as p:
        rows = load_coded(p).codings
    passages = rows.drop_duplicates(["document", "start", "end", "code_id"])
    assert len(quotes) == len(passages) < len(rows)
    both = [t for t in texts if "coded by" in t and "ann (manual)" in t and "(rule)" in t]
    assert both
    one = _report(team, tmp_path, findings=False, agreement=False)
    assert "Intercoder agreement" in texts and "Intercoder agreement" not in [
        p.text for p in one.paragraphs]


def test_quotes_keep_with_their_attribution_and_headings_with_text(team, tmp_path):
    document = _report(team, tmp_path, toc=True)
    quotes = [p for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes and all(p.paragraph_format.keep_with_next for p in quotes)
    assert all(p.paragraph_format.keep_together for p in quotes)
    assert "TOC \\o" in document.element.body.xml
    assert document.settings.element.find(qn("w:updateFields")) is not None


def test_unknown_by_is_refused_by_the_library_and_every_command(team, tmp_path, run_cli):
    from qualcode.errors import QualcodeError

    with Project.open(team) as p, pytest.raises(QualcodeError, match="no case attribute"):
        build_report(p, load_coded(p), ReportOptions(by="Department"))
    for args in (["export", "docx", "-o", tmp_path / "r.docx", "--by", "Department"],
                 ["crosstab", "--by", "Department"]):
        result = run_cli(*args, "--project", team)
        assert result.exit_code == 2
        assert "no case attribute 'Department' to split by (known: department" in (
            result.stderr)
    assert not (tmp_path / "r.docx").exists()


@pytest.mark.parametrize(("name", "plural"), [
    ("Drivers of learning and improvement", True),
    ("Effective partnership working", False),
    ("Ofsted and inspection", True),
    ("The learning and improvement framework", False),
    ("Access to support, including peer support", False),
    ("Resources across agencies", True),
    ("The budgetary context", False),
    ("Business unit capacity and skills", True),
    ("Sharing practice that works well", False),
])
def test_findings_grammar_for_singular_and_plural_names(name, plural):
    assert is_plural(name) is plural
    text = sentence(name, 12, 12, "interviews", [("England", 10, 10), ("Wales", 1, 2)], False)
    verb = "were" if plural else "was"
    assert text == f"{name} {verb} raised in all 12 interviews (all 10 in England, 1 of 2 in " \
                   "Wales)."


def test_counts_words_and_case_nouns():
    assert [how_many(2, 2, "interviews"), how_many(0, 3, "responses"),
            how_many(1, 1, "interviews"), how_many(3, 12, "documents")] == [
        "both interviews", "none of the 3 responses", "1 of 1 interview", "3 of 12 documents"]
    assert case_noun(["csv", "xlsx"], False) == "responses"
    assert case_noun(["docx", "vtt"], True) == "interviews"
    assert case_noun(["docx", "csv"], True) == "documents"
    assert case_noun(["txt"], False) == "documents"


def test_caveat_says_what_the_counts_rest_on():
    rule = pd.DataFrame({"origin": ["rule"] * 3, "status": ["applied"] * 3,
                         "coder": ["qualcode"] * 3})
    assert caveat(rule) == ("Counts are from automatic keyword coding that no person has "
                            "checked (3 codings).")
    assert "kappa 0.50" in caveat(rule, kappa=0.5)
    people = pd.DataFrame({"origin": ["manual"] * 2, "status": ["applied"] * 2,
                           "coder": ["ann", "bob"]})
    text = caveat(people)
    assert text.startswith("Counts are from 2 coders' manual coding (2 codings)")
    assert "They pool 2 coders (ann, bob)" in text
    assert "kappa" not in text


def test_findings_markdown_has_quotes_with_attribution_and_the_caveat(team):
    from qualcode.analysis import crosstab, theme_frequencies
    from qualcode.export.excerpts import excerpt_rows

    with Project.open(team) as p:
        data = load_coded(p)
        excerpts = excerpt_rows(p, data)
    text = findings_markdown(theme_frequencies(data), crosstab(data, "nation"), "interviews",
                             excerpts=excerpts, caveat_line=caveat(data.codings))
    assert "*Counts are from automatic keyword coding" in text
    assert "Drivers of learning and improvement were raised in all 5 interviews" in text
    quotes = [line.strip() for line in text.splitlines() if line.strip().startswith("> ")]
    assert len(quotes) >= 10 and len(set(quotes)) == len(quotes)  # no quote twice
    assert all(q.endswith(")") and ", lscb" in q for q in quotes)


def test_a_big_codebook_charts_its_themes_and_says_so():
    """4,000 codes took 44 s and 1.1 GB to draw as one chart nobody can read: past a page of
    bars the chart shows the themes (or the themes raised most), and its caption says so."""
    import pandas as pd

    from qualcode.export.chart import MAX_BARS, cases_chart, chart_rows

    rows = [{"code_id": f"t{t}", "code": f"Theme {t}", "level": 0, "cases": t % 12,
             "of_cases": 12} for t in range(8)]
    rows += [{"code_id": f"c{i}", "code": f"Code {i}", "level": 1, "cases": i % 12,
              "of_cases": 12} for i in range(400)]
    themes = pd.DataFrame(rows)
    shown, note = chart_rows(themes)
    assert list(shown["code_id"]) == [f"t{t}" for t in range(8)]
    assert "Top-level themes only: 408 codes" in note
    assert cases_chart(themes)[:4] == b"\x89PNG"
    many = pd.DataFrame([{"code_id": f"t{t}", "code": f"T{t}", "level": 0, "cases": t,
                          "of_cases": 200} for t in range(150)])
    shown, note = chart_rows(many)
    assert len(shown) == MAX_BARS and shown["cases"].min() == 150 - MAX_BARS
    assert f"The {MAX_BARS} themes raised most of 150" in note
    few, nothing = chart_rows(themes.head(20))
    assert len(few) == 20 and nothing == ""


def test_run_without_charts(tmp_path):
    from click.testing import CliRunner

    from qualcode.cli import main

    result = CliRunner().invoke(main, [
        "run", str(SAMPLE / "lscb09.txt"), "--codebook",
        str(ROOT / "codebooks" / "lscb_learning_improvement.yaml"), "--out",
        str(tmp_path / "out"), "--no-chart", "--quiet"])
    assert result.exit_code == 0, result.output
    report = docx.Document(str(tmp_path / "out" / "excerpts.docx"))
    assert not report.inline_shapes
    assert not any(p.text.startswith("Figure") for p in report.paragraphs)


def test_the_passages_are_streamed_into_the_file_and_read_back_as_built(team, tmp_path):
    """write_report streams the passages into word/document.xml; the document python-docx
    reads back is the one build_report returns, with every passage in it."""
    from qualcode.export.docx_report import write_report
    from qualcode.fileio import atomic_output

    out = tmp_path / "streamed.docx"
    with Project.open(team) as p:
        data = load_coded(p)
        whole = build_report(p, data, ReportOptions(chart=False))
        with atomic_output(out) as handle:
            write_report(p, data, handle, ReportOptions(chart=False))
    streamed = docx.Document(str(out))
    texts = [paragraph.text for paragraph in streamed.paragraphs]
    assert texts == [paragraph.text for paragraph in docx.Document(io.BytesIO(whole)).paragraphs]
    assert not any("qualcode-stream" in text for text in texts)  # no placeholder left
    quotes = [p for p in streamed.paragraphs if p.style.name == "Quote"]
    passages = {(d, s, e) for d, s, e in zip(data.codings["document"], data.codings["start"],
                                             data.codings["end"], strict=True)}
    assert len(quotes) >= len(passages)  # every passage at least once (once per code)
    assert streamed.sections[0].footer.paragraphs[0].text.startswith("Page ")


def test_a_stream_is_taken_only_when_written_and_a_failure_keeps_the_old_file(tmp_path):
    from qualcode.export.word import WordDocument, paragraph_xml
    from qualcode.fileio import atomic_output

    taken = []

    def body():
        for n in range(3):
            taken.append(n)
            yield paragraph_xml(f"passage {n} <&> ünïcode 👋", "Quote", keep_next=True)

    document = WordDocument("Streams")
    document.heading("Before", 1)
    document.stream(body())
    document.heading("After", 1)
    assert taken == []  # nothing made until written
    out = tmp_path / "s.docx"
    with atomic_output(out) as handle:
        document.write(handle)
    assert [p.text for p in docx.Document(str(out)).paragraphs] == [
        "Before", "passage 0 <&> ünïcode 👋", "passage 1 <&> ünïcode 👋",
        "passage 2 <&> ünïcode 👋", "After"]

    def broken():
        yield paragraph_xml("one")
        raise RuntimeError("the project went away")

    failing = WordDocument("Broken")
    failing.stream(broken())
    with pytest.raises(RuntimeError), atomic_output(out) as handle:
        failing.write(handle)
    assert docx.Document(str(out)).paragraphs[0].text == "Before"  # the old file, whole
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
