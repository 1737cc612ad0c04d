"""Manual coding, coding import with row-numbered errors, and agreement against worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT, SAMPLE

from qualcode.analysis.agreement import agreement, cohen_kappa, krippendorff_alpha
from qualcode.coding.manual import import_codings
from qualcode.errors import InputError, QualcodeError
from qualcode.model import Code, Codebook
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"
NAN = np.nan


def test_krippendorff_2011_nominal_worked_example():
    # Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C:
    # 4 observers, 12 units, missing data; nominal alpha = 0.743.
    data = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ])
    assert round(krippendorff_alpha(data), 3) == 0.743


def test_cohen_kappa_textbook_table():
    # The 2x2 table of the standard textbook example: yes/yes 20, yes/no 5, no/yes 10,
    # no/no 15 -> p_o = 0.70, p_e = 0.50, kappa = 0.40.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert round(cohen_kappa(a, b), 3) == 0.400
    # Cohen (1960)-style 3-category check against the formula written out
    a3 = [0] * 25 + [1] * 25 + [2] * 50
    b3 = [0] * 20 + [1] * 5 + [1] * 20 + [2] * 5 + [2] * 45 + [0] * 5
    po = (20 + 20 + 45) / 100
    pe = (0.25 * 0.25) + (0.25 * 0.25) + (0.50 * 0.50)
    assert round(cohen_kappa(a3, b3), 3) == round((po - pe) / (1 - pe), 3)


BOOK = Codebook("Book", [Code("partner", "Partners"), Code("budget", "Budget")])


@pytest.fixture
def project(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(
            "Interviewer: Q?\n\nAnn Lee: One. Two. Three.\n\nInterviewer: Q2?\n\n"
            "Ann Lee: Four. Five.\n\nInterviewer: Q3?\n\nAnn Lee: Six.\n")
    path = tmp_path / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [tmp_path / "a.txt", tmp_path / "b.txt"])
        with p.transaction():
            p.set_codes(BOOK)
    return path


def write_rows(tmp_path, rows, name="codings.csv"):
    path = tmp_path / name
    path.write_text("document,start,end,code,coder\n" + "".join(f"{r}\n" for r in rows))
    return path


def turn(project_path, doc, n):
    with Project.open(project_path) as p:
        t = [t for t in p.segments("turn", participants_only=True) if t.document_id == doc][n]
    return t.start, t.end


def test_import_checks_every_row_and_writes_nothing_on_error(project, tmp_path):
    s, e = turn(project, "a", 0)
    bad = write_rows(tmp_path, [f"a,{s},{e},partner,ann", "zz,0,5,partner,ann",
                                "a,0,99999,partner,ann", f"a,{s},{e},nonsense,ann",
                                "a,five,9,partner,ann"])
    with Project.open(project) as p, pytest.raises(InputError) as caught:
        import_codings(p, bad)
    lines = [str(x).replace(str(tmp_path) + "/", "") for x in caught.value.problems]
    assert lines[0] == "codings.csv:3: no document 'zz' in the project"
    assert lines[1].startswith("codings.csv:4: offsets 0-99999 are outside document 'a'")
    assert lines[2].startswith("codings.csv:5: no code 'nonsense'")
    assert lines[3].startswith("codings.csv:6: start and end must be whole numbers")
    with Project.open(project) as p:
        assert p.codings() == []


def test_import_by_segment_is_idempotent(project, tmp_path):
    good = tmp_path / "x.csv"
    good.write_text("document,segment,code\na,turn:1,partner\nb,turn:3,budget\n")
    with Project.open(project) as p:
        first = import_codings(p, good, coder="bob")
        again = import_codings(p, good, coder="bob")
        codings = p.codings()
    assert (first.added, again.added, again.already) == (2, 0, 2)
    assert {(c.document_id, c.code_id, c.coder, c.origin) for c in codings} == {
        ("a", "partner", "bob", "import"), ("b", "budget", "bob", "import")}


def test_agreement_by_unit_with_missing_documents(project, tmp_path):
    a0, a1, b0 = turn(project, "a", 0), turn(project, "a", 1), turn(project, "b", 0)
    ann = write_rows(tmp_path, [f"a,{a0[0]},{a0[1]},partner,ann",
                                f"a,{a1[0]},{a1[1]},budget,ann",
                                f"b,{b0[0]},{b0[1]},partner,ann"], "ann.csv")
    # bob agrees on a's first turn, disagrees on budget, and never coded document b
    bob = write_rows(tmp_path, [f"a,{a0[0]},{a0[0] + 4},partner,bob"], "bob.csv")
    with Project.open(project) as p:
        import_codings(p, ann)
        import_codings(p, bob)
        result = agreement(p, ["ann", "bob"])
    per = result.per_code.set_index("code_id")
    assert per.loc["partner", "units"] == 3  # a's three turns; b is missing for bob
    assert per.loc["partner", "agreement"] == 1.0 and per.loc["partner", "kappa"] == 1.0
    assert per.loc["budget", "agreement"] == pytest.approx(2 / 3)
    assert len(result.disagreements) == 1
    row = result.disagreements.iloc[0]
    assert (row["code_id"], row["ann"], row["bob"], row["text"]) == ("budget", "yes", "no",
                                                                    "Four. Five.")
    # alpha uses b's units as well, where only ann decided (missing data)
    assert not np.isnan(per.loc["partner", "alpha"])


def test_cli_apply_unapply_agree_against_the_rule_engine(tmp_path, run_cli):
    project = tmp_path / "s.qc"
    run_cli("ingest", SAMPLE / "lscb09.txt", SAMPLE / "lscb12.txt", "--project", project, "-q")
    run_cli("code", "--project", project, "--codebook", LSCB, "-q")
    result = run_cli("apply", "--project", project, "--doc", "lscb09", "--segment", "turn:3",
                     "--code", "partnership-working", "--coder", "ann")
    assert result.exit_code == 0, result.output
    result = run_cli("apply", "--project", project, "--doc", "lscb09", "--start", "0",
                     "--end", "10", "--code", "partnership-working", "--coder", "ann")
    result = run_cli("agree", "--project", project, "--coders", "ann", "rule", "--level",
                     "themes", "--disagreements", tmp_path / "d.xlsx", "--docx",
                     tmp_path / "agree.docx")
    assert result.exit_code == 0, result.output
    assert "kappa" in result.output and "(all themes)" in result.output  # --level themes
    import docx
    import openpyxl

    assert openpyxl.load_workbook(tmp_path / "d.xlsx")["disagreements"]["E1"].value == "ann"
    headings = [p.text for p in docx.Document(str(tmp_path / "agree.docx")).paragraphs
                if p.style.name.startswith("Heading")]
    assert headings[0] == "Intercoder agreement"
    result = run_cli("unapply", "--project", project, "--doc", "lscb09", "--segment",
                     "turn:3", "--code", "partnership-working", "--coder", "ann")
    assert result.exit_code == 0
    result = run_cli("unapply", "--project", project, "--doc", "lscb09", "--segment",
                     "turn:3", "--code", "partnership-working", "--coder", "ann")
    assert result.exit_code == 2 and "no manual coding" in result.stderr
    result = run_cli("apply", "--project", project, "--doc", "lscb09", "--segment",
                     "turn:999", "--code", "partnership-working", "--coder", "ann")
    assert result.exit_code == 2 and "has no turn 999" in result.stderr
    result = run_cli("agree", "--project", project, "--coders", "ann", "nobody")
    assert result.exit_code == 2 and "no codings by 'nobody'" in result.stderr


def test_gold_coding_imports_cleanly_into_the_sample(tmp_path, run_cli):
    project = tmp_path / "s.qc"
    run_cli("ingest", SAMPLE, "--project", project, "-q")
    result = run_cli("import", "codings", SAMPLE / "gold_coding.csv", "--project", project,
                     "--codebook", LSCB)
    assert result.exit_code == 0, result.output
    assert "437 codings imported" in result.output


def test_agreement_per_character(project, tmp_path, run_cli):
    a0, a1 = turn(project, "a", 0), turn(project, "a", 1)
    b0 = turn(project, "b", 0)
    ann = write_rows(tmp_path, [f"a,{a0[0]},{a0[1]},partner,ann",
                                f"b,{b0[0]},{b0[1]},partner,ann"], "ann.csv")
    # bob marks the first four characters of ann's excerpt, in document a only
    bob = write_rows(tmp_path, [f"a,{a0[0]},{a0[0] + 4},partner,bob",
                                f"a,{a1[0]},{a1[1]},budget,bob"], "bob.csv")
    with Project.open(project) as p:
        import_codings(p, ann)
        import_codings(p, bob)
        speech = sum(e - s for s, e in (turn(project, "a", n) for n in range(3)))
        result = agreement(p, ["ann", "bob"], unit="character")
    per = result.per_code.set_index("code_id")
    assert result.unit == "character" and result.disagreements.empty
    assert per.loc["partner", "units"] == speech  # document b is missing for bob
    differ = (a0[1] - a0[0]) - 4
    assert per.loc["partner", "agreement"] == pytest.approx(1 - differ / speech)
    assert per.loc["budget", "agreement"] == pytest.approx(1 - (a1[1] - a1[0]) / speech)
    assert per.loc["partner", "coded by bob"] == 4
    result = run_cli("agree", "--project", project, "--coders", "ann", "bob", "--unit",
                     "character")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split()[:3] == ["code", "characters", "agreement"]


def test_agreement_unit_turn_and_its_old_name_segment(project, tmp_path, run_cli):
    a0 = turn(project, "a", 0)
    import_rows = [(write_rows(tmp_path, [f"a,{a0[0]},{a0[1]},partner,{name}"], f"{name}.csv"))
                   for name in ("ann", "bob")]
    with Project.open(project) as p:
        for path in import_rows:
            import_codings(p, path)
        by_turn = agreement(p, ["ann", "bob"])
        by_old_name = agreement(p, ["ann", "bob"], unit="segment")
        with pytest.raises(QualcodeError, match="unit must be one of turn, sentence"):
            agreement(p, ["ann", "bob"], unit="turns")
    assert by_turn.unit == by_old_name.unit == "turn"
    assert by_turn.per_code.equals(by_old_name.per_code)
    outputs = []
    for unit in ("turn", "segment"):
        result = run_cli("agree", "--project", project, "--coders", "ann", "bob", "--unit", unit)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1] and outputs[0].split()[:2] == ["code", "turns"]
    result = run_cli("agree", "--help")
    assert "[turn|sentence|paragraph|document|character]" in " ".join(result.output.split())
    result = run_cli("agree", "--project", project, "--coders", "ann", "bob", "--unit", "word")
    assert result.exit_code == 2 and "'word' is not one of" in result.stderr


@pytest.mark.parametrize("command", ["code", "run", "suggest", "evaluate", "discover"])
def test_every_unit_option_is_the_shared_one(command, run_cli):
    result = run_cli(command, "--help")
    assert "--unit [turn|sentence|paragraph]" in " ".join(result.output.split())


def test_absent_no_counts_an_uncoded_document_as_no(project, tmp_path, run_cli):
    a0, b0 = turn(project, "a", 0), turn(project, "b", 0)
    ann = write_rows(tmp_path, [f"a,{a0[0]},{a0[1]},partner,ann",
                                f"b,{b0[0]},{b0[1]},partner,ann"], "ann.csv")
    bob = write_rows(tmp_path, [f"a,{a0[0]},{a0[1]},partner,bob"], "bob.csv")  # nothing in b
    with Project.open(project) as p:
        import_codings(p, ann)
        import_codings(p, bob)
        missing = agreement(p, ["ann", "bob"])
        no = agreement(p, ["ann", "bob"], absent="no")
        with pytest.raises(QualcodeError, match="absent must be one of missing, no"):
            agreement(p, ["ann", "bob"], absent="yes")
    partner = missing.per_code.set_index("code_id").loc["partner"]
    assert (partner["units"], partner["agreement"]) == (3, 1.0)  # b is missing for bob
    partner = no.per_code.set_index("code_id").loc["partner"]
    assert partner["units"] == 6 and partner["agreement"] == pytest.approx(5 / 6)
    assert partner["kappa"] == pytest.approx(cohen_kappa([1, 0, 0, 1, 0, 0],
                                                         [1, 0, 0, 0, 0, 0]))
    assert no.disagreements[["document", "start", "ann", "bob"]].values.tolist() == [
        ["b", b0[0], "yes", "no"]]
    assert missing.uncoded == no.uncoded == {"ann": 0, "bob": 1}
    result = run_cli("agree", "--project", project, "--coders", "ann", "bob", "--absent", "no")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Documents a coder coded nothing in count as 'no' on each of their units "
        "(--absent no): no coding by bob in 1 of the 2 documents.")
    assert result.output.splitlines()[2].split()[:3] == ["partner", "6", "0.833"]
    result = run_cli("agree", "--project", project, "--coders", "ann", "bob")
    assert "are missing data for that coder, not 'no' (--absent missing)" in result.output
    assert result.output.splitlines()[2].split()[:3] == ["partner", "3", "1.000"]
    # with a data format the line goes to stderr: stdout stays a clean CSV
    result = run_cli("agree", "--project", project, "--coders", "ann", "bob", "--format",
                     "csv", "--absent", "no")
    assert result.stdout.startswith("code_id,code,units,") and "--absent" not in result.stdout
    assert "(--absent no)" in result.stderr


def test_status_compares_pending_suggestions_with_a_person(project, tmp_path, run_cli):
    from qualcode.model import Coding

    a0, a1 = turn(project, "a", 0), turn(project, "a", 1)
    import_codings(Project.open(project).__enter__(), write_rows(
        tmp_path, [f"a,{a0[0]},{a0[1]},partner,ann", f"a,{a1[0]},{a1[1]},budget,ann"]))
    with Project.open(project) as p, p.transaction():
        p.add_codings([Coding("a", *a0, "partner", "model", origin="ml", status="suggested"),
                       Coding("a", *a1, "partner", "model", origin="ml", status="suggested")])
    result = run_cli("agree", "--project", project, "--coders", "ann", "ml")
    assert result.exit_code == 2 and "no codings by 'ml' (a coder's name" in result.stderr
    result = run_cli("agree", "--project", project, "--coders", "ann", "ml", "--status",
                     "suggested")
    assert result.exit_code == 2
    assert "no codings by 'ann' with status suggested" in result.stderr
    result = run_cli("agree", "--project", project, "--coders", "ann", "ml", "--status",
                     "applied", "--status", "suggested", "--codes", "partner")
    assert result.exit_code == 0, result.output
    row = result.output.splitlines()[2].split()
    # partner on a's three turns: ann yes/no/no, the suggestions yes/yes/no
    assert row[:3] == ["partner", "3", "0.667"] and row[-2:] == ["1", "2"]


def test_kappa_na_says_why_and_no_runtime_warning_is_shown(project, tmp_path, run_cli):
    import warnings

    a1, b0 = turn(project, "a", 1), turn(project, "b", 0)
    # partner: ann codes it in b only, where bob coded nothing; on a's turns nobody used it,
    # so the units both decided hold one category (krippendorff divided 0 by 0 here)
    ann = write_rows(tmp_path, [f"a,{a1[0]},{a1[1]},budget,ann",
                                f"b,{b0[0]},{b0[1]},partner,ann"], "ann.csv")
    bob = write_rows(tmp_path, [f"a,{a1[0]},{a1[1]},budget,bob"], "bob.csv")
    carol = write_rows(tmp_path, [f"b,{b0[0]},{b0[1]},budget,carol"], "carol.csv")
    with Project.open(project) as p:
        for path in (ann, bob, carol):
            import_codings(p, path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = agreement(p, ["ann", "bob"])
            apart = agreement(p, ["bob", "carol"])
        assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []
    why = result.per_code.set_index("code_id")["why_na"]
    assert why["partner"] == "one category only (coded on no unit)"
    assert why["budget"] == ""  # both coded a's second turn only: kappa 1
    assert apart.per_code["why_na"].tolist() == ["no units in common"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_cli("agree", "--project", project, "--coders", "ann", "bob")
    assert result.exit_code == 0, result.output
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert "RuntimeWarning" not in result.output + result.stderr
    header, _, partner, budget, *_ = result.output.splitlines()
    assert header.endswith("why n/a") and budget.split()[3:5] == ["1.000", "1.000"]
    assert partner.split()[3:5] == ["n/a", "n/a"]
    assert partner.endswith("one category only (coded on no unit)")
    result = run_cli("agree", "--project", project, "--coders", "ann", "bob", "carol")
    assert "kappa n/a: Cohen's kappa compares two coders; alpha takes all 3" in result.output
    # the Word section says why too, and what an uncoded document counted as
    import docx

    result = run_cli("agree", "--project", project, "--coders", "ann", "bob", "--docx",
                     tmp_path / "agree.docx")
    word = docx.Document(str(tmp_path / "agree.docx"))
    text = [p.text for p in word.paragraphs]
    assert "Why n/a: Partners: one category only (coded on no unit)." in text
    assert any("(--absent missing): no coding by bob in 1 of the 2 documents" in t
               for t in text)
