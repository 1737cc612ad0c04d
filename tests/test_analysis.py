"""Theme tables checked against plain computations over the codings written in each test."""

from __future__ import annotations

import pytest
from conftest import ROOT, SAMPLE

from qualcode.analysis import (
    Selection,
    cooccurrence,
    crosstab,
    findings_markdown,
    framework_matrix,
    load_coded,
    theme_frequencies,
    top_pairs,
)
from qualcode.analysis.findings import quantifier
from qualcode.model import Code, Codebook, Coding
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

BOOK = Codebook("Book", [
    Code("enablers", "Key enablers"),
    Code("partnership", "Effective partnership working", parent="enablers"),
    Code("leadership", "Leadership", parent="enablers"),
    Code("budget", "The budgetary context"),
])


@pytest.fixture
def project(tmp_path):
    """Four interviews (one never coded, one without a nation) and hand-placed codings."""
    for name in ("a", "b", "c", "d"):
        (tmp_path / f"{name}.txt").write_text(
            f"Interviewer: Question?\n\nP{name}: First answer from {name} here.\n\n"
            f"Interviewer: And?\n\nP{name}: Second answer from {name}, longer one.\n")
    (tmp_path / "attrs.csv").write_text("document,nation\na,England\nb,England\nc,Wales\n")
    path = tmp_path / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [tmp_path / f"{n}.txt" for n in "abcd"], attributes=tmp_path / "attrs.csv")
        turns = {(t.document_id, t.position): t for t in p.segments("turn")}

        def on(doc, position, code, **kw):
            turn = turns[(doc, position)]
            kw.setdefault("coder", "ann")
            kw.setdefault("origin", "manual")
            return Coding(doc, turn.start, turn.end, code, **kw)

        codings = [
            on("a", 1, "partnership"), on("a", 1, "leadership"),   # same passage, 2 children
            on("a", 3, "partnership", matched=[]),
            on("b", 1, "leadership"), on("b", 3, "budget", origin="rule", coder="qualcode"),
            on("c", 1, "budget"),
            on("c", 3, "partnership", origin="ml", status="suggested", coder="model"),
            on("c", 3, "leadership", origin="ml", status="rejected", coder="model"),
            on("b", 3, "partnership", origin="ml", status="accepted", coder="bob"),
        ]
        with p.transaction():
            p.set_codes(BOOK)
            p.add_codings(codings)
    return path, codings


def descendants(code):
    return {code} | {c.id for c in BOOK.codes if c.parent == code} | {
        g.id for c in BOOK.codes if c.parent == code for g in BOOK.codes if g.parent == c.id}


def counted(codings, statuses=("applied", "accepted")):
    return [c for c in codings if c.status in statuses]


def test_theme_frequencies_match_a_plain_computation(project):
    path, codings = project
    with Project.open(path) as p:
        frame = theme_frequencies(load_coded(p)).set_index("code_id")
    live = counted(codings)
    for code in ("enablers", "partnership", "leadership", "budget"):
        mine = [c for c in live if c.code_id in descendants(code)]
        assert frame.loc[code, "cases"] == len({c.document_id for c in mine})
        assert frame.loc[code, "excerpts"] == len({(c.document_id, c.start) for c in mine})
        assert frame.loc[code, "of_cases"] == 4  # d has no codings and still counts
    assert frame.loc["enablers", "cases"] == 2  # a (twice, once) and b
    assert frame.loc["enablers", "excerpts"] == 4  # a's first passage counted once
    assert frame.loc["enablers", "cases_pct"] == 50.0
    assert frame.loc["partnership", "speakers"] == 2  # Pa and Pb
    assert list(frame.index) == ["enablers", "partnership", "leadership", "budget"]


def test_selection_by_origin_status_and_coder(project):
    path, _ = project
    with Project.open(path) as p:
        rules = theme_frequencies(load_coded(p, Selection(origins=("rule",)))).set_index(
            "code_id")
        suggested = theme_frequencies(load_coded(p, Selection(statuses=("suggested",))))
        bob = theme_frequencies(load_coded(p, Selection(coders=("bob",)))).set_index("code_id")
    assert rules.loc["budget", "cases"] == 1 and rules.loc["enablers", "cases"] == 0
    assert suggested.set_index("code_id").loc["partnership", "cases"] == 1
    assert bob.loc["partnership", "cases"] == 1 and bob.loc["leadership", "cases"] == 0


def test_sorting_by_cases_and_counting_cases_by_attribute(project):
    path, _ = project
    with Project.open(path) as p:
        by_cases = theme_frequencies(load_coded(p), sort="cases")
        by_nation = theme_frequencies(load_coded(p, case_attribute="nation")).set_index(
            "code_id")
    assert list(by_cases["cases"]) == sorted(by_cases["cases"], reverse=True)
    # nations: England (a, b), Wales (c), (missing) (d): 3 cases
    assert by_nation.loc["enablers", "of_cases"] == 3
    assert by_nation.loc["enablers", "cases"] == 1  # only England raised it
    assert by_nation.loc["budget", "cases"] == 2  # England (b) and Wales (c)


def test_crosstab_shows_every_denominator_and_the_missing_group(project):
    path, _ = project
    with Project.open(path) as p:
        frame = crosstab(load_coded(p), "nation").set_index("code_id")
    assert [c for c in frame.columns if c.endswith(": of")] == [
        "England: of", "Wales: of", "(missing): of"]
    row = frame.loc["budget"]
    assert (row["England: cases"], row["England: of"], row["Wales: cases"], row["Wales: of"],
            row["(missing): cases"], row["(missing): of"]) == (1, 2, 1, 1, 0, 1)


def test_cooccurrence_counts_and_jaccard(project):
    path, _ = project
    with Project.open(path) as p:
        data = load_coded(p)
    seg = cooccurrence(data)
    assert seg.loc["partnership", "leadership"] == 1  # a's first passage
    assert seg.loc["partnership", "partnership"] == 2 + 1  # a twice, b (accepted)
    doc = cooccurrence(data, scope="document")
    assert doc.loc["partnership", "leadership"] == 2  # documents a and b
    jac = cooccurrence(data, jaccard=True)
    assert jac.loc["partnership", "leadership"] == round(1 / (3 + 2 - 1), 3)
    themes = cooccurrence(data, level="themes", scope="document")
    assert themes.loc["enablers", "budget"] == 1  # document b
    pairs = top_pairs(data)
    found = {(r.code_a, r.code_b): (r.passages, r.documents, r.jaccard)
             for r in pairs.itertuples()}
    assert found == {("partnership", "leadership"): (1, 2, 0.25),  # ties sort by code id
                     ("partnership", "budget"): (1, 1, 0.25)}
    assert list(pairs["code_b"]) == ["budget", "leadership"]


def test_framework_matrix_cells(project):
    path, _ = project
    with Project.open(path) as p:
        frame = framework_matrix(load_coded(p))
    assert list(frame.index) == ["a", "b", "c", "d"]
    assert frame.loc["a", "Key enablers"].startswith("2 | First answer from a here.")
    assert frame.loc["d", "Key enablers"] == ""
    assert frame.attrs["code_ids"] == ["enablers", "budget"]


def test_findings_sentences_and_quantifiers(project):
    path, _ = project
    with Project.open(path) as p:
        data = load_coded(p)
    text = findings_markdown(theme_frequencies(data), crosstab(data, "nation"))
    assert ("- Effective partnership working was raised in 2 of 4 interviews (both in "
            "England, 0 of 1 in Wales, 0 of 1 in (missing)).") in text
    words = findings_markdown(theme_frequencies(data), quantifiers=True)
    assert "- Many interviews raised effective partnership working (2 of 4)." in words
    assert [quantifier(k, 12) for k in (12, 9, 6, 3, 1, 0)] == [
        "all", "most", "many", "some", "a few", "no"]


def test_cli_tables_are_byte_identical_across_runs(project, run_cli, tmp_path):
    path, _ = project
    for args in (["themes"], ["crosstab", "--by", "nation"], ["cooccur", "--matrix"],
                 ["matrix"]):
        for fmt in ("csv", "json"):
            first = run_cli(*args, "--project", path, "--format", fmt)
            second = run_cli(*args, "--project", path, "--format", fmt)
            assert first.exit_code == 0, first.output
            assert first.output == second.output and first.output
    result = run_cli("themes", "--project", path, "--format", "xlsx")
    assert result.exit_code == 2 and "xlsx needs --output" in result.stderr
    out = tmp_path / "t.xlsx"
    assert run_cli("themes", "--project", path, "-o", out).exit_code == 0
    import openpyxl

    assert openpyxl.load_workbook(out).active["A1"].value == "code_id"
    result = run_cli("crosstab", "--project", path, "--by", "region")
    assert result.exit_code == 2 and "no case attribute 'region'" in result.stderr
    screen = run_cli("themes", "--project", path).output
    assert "  partnership" in screen and "2/4" in screen


def test_formula_like_cells_are_neutralised(tmp_path):
    import pandas as pd

    from qualcode.export.tables import to_csv, write_table

    frame = pd.DataFrame({"text": ["=SUM(A1)", "- well", "+1", "@me", "fine"]})
    assert to_csv(frame).decode().splitlines()[1:] == ["'=SUM(A1)", "'- well", "'+1", "'@me",
                                                       "fine"]
    write_table(frame, tmp_path / "t.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert sheet["A2"].value == "=SUM(A1)" and sheet["A2"].data_type == "s"  # text, verbatim


def test_run_writes_everything_and_reruns_identically(tmp_path, run_cli):
    out = tmp_path / "out"
    args = ["run", SAMPLE / "lscb09.txt", SAMPLE / "lscb12.txt", SAMPLE / "lscb06.vtt",
            "--codebook", ROOT / "codebooks" / "lscb_learning_improvement.yaml",
            "--out", out, "--attributes", SAMPLE / "attributes.csv", "--by", "nation"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert "top themes" in result.output
    names = {p.name for p in out.iterdir()}
    assert {"project.qc", "themes.csv", "themes.xlsx", "findings.md",
            "themes_by_nation.csv"} <= names
    first = {n: (out / n).read_bytes() for n in ("themes.csv", "findings.md",
                                                  "themes_by_nation.csv")}
    again = run_cli(*args)
    assert "0 new, 0 updated, 3 unchanged" in again.output
    assert first == {n: (out / n).read_bytes() for n in first}
    import openpyxl

    sheets = openpyxl.load_workbook(out / "themes.xlsx").sheetnames
    assert sheets == ["themes", "by nation", "co-occurrence", "co-occurrence matrix",
                      "framework"]
    findings = (out / "findings.md").read_text()
    assert "in 3 interviews" not in findings and "of 3 interviews (1 of 1 in England" in (
        findings)


def test_run_with_a_bad_codebook_writes_nothing(tmp_path, run_cli):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: B\ncodes:\n  - id: x\n    name: X\n    regex: ['(']\n")
    out = tmp_path / "out"
    result = run_cli("run", SAMPLE / "lscb09.txt", "--codebook", bad, "--out", out)
    assert result.exit_code == 2 and "invalid regex" in result.stderr
    assert not out.exists()


def test_ancestor_map_follows_the_hierarchy_as_it_changes():
    book = Codebook("Book", [Code("a", "A"), Code("b", "B", parent="a"),
                             Code("c", "C", parent="b"), Code("d", "D")])
    assert book.ancestors("c") == ["b", "a"] and book.depth("c") == 2
    assert book.ancestor_map() is book.ancestor_map()  # made once, not per question
    book.codes[2].parent = "d"  # moved in place, as the workspace's code tree does
    assert book.ancestors("c") == ["d"] and book.depth("c") == 1
    book.codes = [*book.codes, Code("e", "E", parent="c")]
    assert book.ancestors("e") == ["c", "d"] and book.ancestors("unknown") == []


def test_words_of_a_whole_turn_are_the_stored_count_and_other_spans_are_counted(tmp_path):
    from qualcode.text import count_words

    (tmp_path / "a.txt").write_text(
        "Interviewer: Why?\n\nP1: Café crème, don't 👋 you know\r\nthe well-being 12 board.\n\n"
        "P2: Short one.\n")
    path = tmp_path / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [tmp_path / "a.txt"])
        turns = [t for t in p.segments("turn") if not t.is_interviewer]
        whole, short = turns
        codings = [Coding("a", whole.start, whole.end, "budget", "ann", "manual"),
                   Coding("a", whole.start, whole.start + 11, "budget", "ann", "manual"),
                   Coding("a", whole.start + 6, whole.end, "leadership", "ann", "manual"),
                   Coding("a", short.start, short.end, "leadership", "ann", "manual")]
        with p.transaction():
            p.set_codes(BOOK)
            p.add_codings(codings)
        data = load_coded(p)
        text = p.document_text("a")
    got = {(r.start, r.end): r.words for r in data.codings.itertuples()}
    assert got == {(c.start, c.end): count_words(text[c.start:c.end]) for c in codings}
    assert got[(whole.start, whole.start + 11)] == 2  # "Café crème"


def test_tables_match_plain_computations_on_many_codings(tmp_path):
    """Co-occurrence, the Framework matrix's cells and the theme examples, made in grouped
    operations, against the plain per-cell computations they replaced."""
    import random
    from itertools import combinations

    from qualcode.analysis.themes import trim

    rng = random.Random(4)
    words = "alpha beta gamma delta epsilon".split()
    for n in range(6):
        (tmp_path / f"d{n}.txt").write_text("".join(
            f"P{k}: {' '.join(rng.choice(words) for _ in range(12))}\n\n" for k in range(8)))
    path = tmp_path / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, sorted(tmp_path.glob("*.txt")))
        codings = []
        for turn in p.segments("turn"):
            for code in rng.sample(["partnership", "leadership", "budget"], rng.randint(0, 3)):
                terms = [(turn.start + i, turn.start + i + 4, "keyword: x") for i in
                         sorted(rng.sample(range(turn.end - turn.start - 4), rng.randint(0, 3)))]
                codings.append(Coding(turn.document_id, turn.start, turn.end, code,
                                      rng.choice(["ann", "bob"]), "manual", matched=terms))
        with p.transaction():
            p.set_codes(BOOK)
            p.add_codings(codings)
        data = load_coded(p)
    units: dict[tuple, set] = {}
    for c in codings:
        units.setdefault((c.document_id, c.start, c.end), set()).add(c.code_id)
    seg = cooccurrence(data)
    for a, b in combinations(["partnership", "leadership", "budget"], 2):
        assert seg.loc[a, b] == sum(1 for codes in units.values() if {a, b} <= codes)
    for a in ("partnership", "leadership", "budget"):
        assert seg.loc[a, a] == sum(1 for codes in units.values() if a in codes)

    def best(rows):  # the excerpt with most matched terms, then earliest, then first
        row = min(rows, key=lambda r: (-len(r.matched), r.document, r.start))
        around = (row.matched[0][0] - row.start, row.matched[0][1] - row.start) \
            if row.matched else None
        return trim(data.texts[row.document][row.start:row.end], around, 120)

    rolled = data.rolled_up()
    matrix = framework_matrix(data)
    for (theme, case), rows in rolled.drop_duplicates(
            ["theme", "case", "document", "start", "end"]).groupby(["theme", "case"]):
        name = {"enablers": "Key enablers", "budget": "The budgetary context"}.get(theme)
        if name:
            rows = list(rows.itertuples())
            assert matrix.loc[case, name] == f"{len(rows)} | {best(rows)}"


def test_xlsx_rows_streamed_into_the_sheets_read_back_as_the_tables(tmp_path):
    """write_xlsx writes the body rows itself: every kind of value comes back as it went in,
    formula-like text as text, on every sheet, the header bold and frozen."""
    import math

    import numpy as np
    import openpyxl
    import pandas as pd

    from qualcode.export.tables import write_workbook

    quotes = pd.DataFrame({
        "text": ["=SUM(A1)", " spaced ", "a <b> & 'c' \"d\"", "ünïcode 👋\nline", "",
                 "form\x0cfeed"],
        "count": np.array([1, 2, 3, 4, 5, 6], dtype=np.int64),
        "share": [0.5, 1 / 3, float("nan"), -2.0, 1e-9, 7.0],
        "flag": [True, False, True, False, True, False],
        "maybe": ["", 0.25, None, "x", 3, ""]})
    empty = pd.DataFrame()
    out = write_workbook({"quotes": quotes, "nothing": empty, "Tabelle mit langem Namen x": quotes},
                         tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["quotes", "nothing", "Tabelle mit langem Namen x"]
    for name in ("quotes", "Tabelle mit langem Namen x"):
        sheet = book[name]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == ("text", "count", "share", "flag", "maybe")
        assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
        assert [r[0] for r in rows[1:]] == ["=SUM(A1)", " spaced ", "a <b> & 'c' \"d\"",
                                            "ünïcode 👋\nline", None, "form feed"]
        assert sheet["A2"].data_type == "s"  # text, verbatim, never a formula
        assert [r[1] for r in rows[1:]] == [1, 2, 3, 4, 5, 6]
        shares = [r[2] for r in rows[1:]]
        assert shares[2] is None and shares[:2] == [0.5, 1 / 3] and shares[3:] == [-2.0, 1e-9, 7.0]
        assert not any(isinstance(v, float) and math.isnan(v) for v in shares)
        assert [r[3] for r in rows[1:]] == [True, False, True, False, True, False]
        assert [r[4] for r in rows[1:]] == [None, 0.25, None, "x", 3, None]
    assert list(book["nothing"].iter_rows(values_only=True)) in ([], [()])


def test_texts_are_read_when_asked_for_and_after_the_project_is_closed(tmp_path):
    """load_coded keeps a few documents' texts, not the corpus: each is read from the file
    when asked for (through its own connection, so after the project is closed too), and the
    codings' repeated strings are stored once."""
    from qualcode.analysis.data import DocumentTexts

    for n in range(DocumentTexts.KEEP + 4):
        (tmp_path / f"d{n:02d}.txt").write_bytes(
            f"Interviewer: Why?\r\n\r\nP{n}: Cafe\u0301 👋 number {n} partnership.\r\n".encode())
    path = tmp_path / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, sorted(tmp_path.glob("*.txt")))
        turns = [t for t in p.segments("turn") if not t.is_interviewer]
        with p.transaction():
            p.set_codes(BOOK)
            p.add_codings([Coding(t.document_id, t.start, t.end, "budget", "ann", "manual")
                           for t in turns])
        expected = p.texts()
        data = load_coded(p)
    assert list(data.texts) == list(expected) and len(data.texts) == len(expected)
    assert {doc: data.texts[doc] for doc in data.texts} == expected  # the project is closed
    assert "Caf\u00e9 👋" in expected["d00"] and "\r" not in expected["d00"]  # NFC, no CR
    assert len(data.texts._kept) == DocumentTexts.KEEP  # the last few, not all
    assert "nope" not in data.texts
    with pytest.raises(KeyError):
        data.texts["nope"]
    excerpts = [data.excerpt(r.document, r.start, r.end) for r in data.codings.itertuples()]
    assert excerpts == [expected[t.document_id][t.start:t.end] for t in turns]
    coders = data.codings["coder"].tolist()
    assert len(coders) == len(turns) and len({id(c) for c in coders}) == 1


def test_turn_lookup_of_one_document(project):
    path, _ = project
    with Project.open(path) as p:
        every = p.turn_lookup("speaker", "char_start")
        one = p.turn_lookup("speaker", "char_start", document_id="b")
        starts = [t.start for t in p.segments("turn") if t.document_id == "b"]
    assert [one.at("b", s) for s in starts] == [every.at("b", s) for s in starts]
    assert one.at("b", starts[1] + 1) == every.at("b", starts[1] + 1) == ("Pb", starts[1])
    assert one.at("a", starts[1]) is None and every.at("a", starts[1]) is not None


def test_rolled_up_with_some_columns_is_the_same_rows(project):
    path, _ = project
    with Project.open(path) as p:
        data = load_coded(p)
    every = data.rolled_up()
    some = data.rolled_up(["document", "start"])
    assert list(some.columns) == ["document", "start", "theme"]
    assert some.equals(every[["document", "start", "theme"]])
    assert len(some) > len(data.codings)  # a row per ancestor too


def test_texts_inside_a_transaction_are_what_it_has_written(tmp_path):
    """load_coded inside an open transaction reads the texts that transaction wrote: another
    connection would not see a document added (or changed) there and not yet committed."""
    from qualcode import read_document

    source = tmp_path / "late.txt"
    source.write_bytes("Interviewer: And?\r\n\r\nP1: Cafe\u0301 👋 partnership.\r\n".encode())
    path = tmp_path / "p.qc"
    with Project.open(path, create=True) as p:
        with p.transaction():
            p.set_codes(BOOK)
            document = read_document(source)
            p.put_document(document)
            document_id = document.id
            turn = next(t for t in p.segments("turn") if not t.is_interviewer)
            p.add_codings([Coding(document_id, turn.start, turn.end, "budget", "ann", "manual")])
            data = load_coded(p)
            assert data.excerpt(document_id, turn.start, turn.end) == "Caf\u00e9 👋 partnership."
        assert data.texts[document_id].startswith("Interviewer: And?")  # committed: its own


def test_reading_texts_leaves_no_write_ahead_log_beside_the_project(tmp_path):
    """The tables read texts through the project's own connection while it is open: a second
    connection still open when the project closes kept SQLite from folding the write-ahead log
    back into the file, so `qualcode run` left project.qc-wal (holding the last writes) and
    project.qc-shm beside a project a researcher might copy alone."""
    (tmp_path / "a.txt").write_text("Interviewer: Why?\n\nP1: Café 👋 budget.\n", encoding="utf-8")
    path = tmp_path / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [tmp_path / "a.txt"])
        turn = next(t for t in p.segments("turn") if not t.is_interviewer)
        with p.transaction():
            p.set_codes(BOOK)
            p.add_codings([Coding("a", turn.start, turn.end, "budget", "ann", "manual")])
        data = load_coded(p)
        assert data.excerpt("a", turn.start, turn.end) == "Café 👋 budget."
    assert sorted(f.name for f in tmp_path.iterdir()) == ["a.txt", "p.qc"]
    assert data.texts["a"].startswith("Interviewer: Why?")  # after close: its own connection
