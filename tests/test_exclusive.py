"""Exclusive code groups (``exclusive: true`` on a parent): one multi-class model, at most one
suggestion per unit, round trips of the key, and a warning where coding overlaps."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.codebook import load_codebook, save_codebook
from qualcode.store import Project
from qualcode.suggest.classifier import CodeSuggester
from qualcode.suggest.fitting import GROUP_CLASS_WEIGHT_POWERS, _class_weights
from qualcode.suggest.training import exclusive_groups, suggest_project
from qualcode.workflows.ingest import ingest

BOOK = """\
name: Talk moves
codes:
  - id: move
    name: Teacher talk move
    exclusive: true
    children:
      - id: press
        name: Pressing for reasoning
        description: Asking why, how they know.
      - id: revoice
        name: Revoicing
        description: Saying back what a student said.
  - id: topic
    name: Fractions
"""


def _texts(n: int = 120) -> tuple[list[str], list[set[str]], list[str]]:
    """Units where the two moves' words often come together: a model per code would suggest
    both on many of them."""
    rng = np.random.default_rng(0)
    filler = "we the a so and then one two three four".split()
    texts, labels, contexts = [], [], []
    for i in range(n):
        kind = i % 3
        words = list(rng.choice(filler, 4))
        if kind == 0:
            words += ["why", "how", "know"] + (["you", "said"] if i % 2 else [])
        elif kind == 1:
            words += ["you", "said", "halves"] + (["why"] if i % 2 else [])
        texts.append(" ".join(words))
        labels.append({"press"} if kind == 0 else {"revoice"} if kind == 1 else set())
        contexts.append("it is two halves" if kind == 1 else "")
    return texts, labels, contexts


def test_an_exclusive_group_never_gets_two_suggestions_on_one_unit():
    texts, labels, contexts = _texts()
    groups = [str(i % 6) for i in range(len(texts))]
    new = ["why how know you said halves", "you said halves why how", "why do you know"]
    both = CodeSuggester(threshold=0.2).fit(texts, labels, groups, contexts=contexts)
    assert any(len(found) == 2 for found in both.predict(new, contexts=[""] * 3))
    model = CodeSuggester(threshold=0.2, exclusive={"move": ["press", "revoice"]}).fit(
        texts, labels, groups, contexts=contexts)
    assert model.groups_ == {"move": ["press", "revoice"]}
    found = model.predict(new + texts, contexts=[""] * 3 + contexts)
    assert all(len(codes) <= 1 for codes in found)
    assert found[2] == {"press"}
    proba = model.predict_proba(new, contexts=[""] * 3)
    assert (proba.sum(axis=1) <= 1 + 1e-9).all()  # one distribution with "none"
    # with cross-validated thresholds too
    model = CodeSuggester(exclusive={"move": ["press", "revoice"]}).fit(
        texts, labels, groups, contexts=contexts)
    assert all(len(codes) <= 1 for codes in model.predict(new + texts))


def test_an_exclusive_group_learnt_and_scored_a_few_units_at_a_time(monkeypatch):
    """The three feature blocks of a suggester with a group (text with its context, text,
    context) are made, counted and scored ``BATCH`` units at a time: in batches of 4 the
    model and its predictions are those of one batch."""
    from qualcode.suggest import classifier, features

    texts, labels, contexts = _texts()
    groups = [str(i % 6) for i in range(len(texts))]

    def learnt(batch: int) -> tuple:
        monkeypatch.setattr(features, "BATCH", batch)
        monkeypatch.setattr(classifier, "BATCH", batch)
        model = CodeSuggester(exclusive={"move": ["press", "revoice"]}, threshold=0.2).fit(
            texts, labels, groups, contexts=contexts)
        return model, model.predict(texts, contexts)

    (whole, found), (batched, again) = learnt(10**6), learnt(4)
    assert whole.groups_ and whole.thresholds_ == batched.thresholds_
    assert (whole.coef_ != batched.coef_).nnz == 0 and found == again
    assert any(found)


def test_an_exclusive_group_s_class_weights_are_chosen_by_the_inner_cross_validation():
    texts, labels, contexts = _texts()
    groups = [str(i % 6) for i in range(len(texts))]
    model = CodeSuggester(exclusive={"move": ["press", "revoice"]}).fit(
        texts, labels, groups, contexts=contexts)
    chosen = model.chosen_["press"]
    assert chosen["class_weight_power"] in GROUP_CLASS_WEIGHT_POWERS
    assert model.chosen_["revoice"] == chosen  # one model for the group
    unweighted = CodeSuggester().fit(texts, labels, groups, contexts=contexts)
    assert "class_weight_power" not in unweighted.chosen_["press"]  # balanced, as always
    # the powers: 0 is no weights, 0.5 the square root of balanced ones, 1 balanced ones
    y = np.array([0] * 6 + [1] * 3 + [2])
    assert _class_weights(y, 0.0) == {0: 1.0, 1: 1.0, 2: 1.0}
    assert _class_weights(y, 0.5)[2] == pytest.approx((10 / 3) ** 0.5)
    balanced = _class_weights(y, 1.0)
    assert sum(balanced[k] * n for k, n in ((0, 6), (1, 3), (2, 1))) == pytest.approx(10)
    assert _class_weights(y == 1, 0.5) is None  # a single code's model: balanced by sklearn


def test_exclusive_round_trips_through_yaml_qdc_and_csv(tmp_path):
    source = tmp_path / "book.yaml"
    source.write_text(BOOK)
    book = load_codebook(source)
    assert book.get("move").exclusive and not book.get("topic").exclusive
    assert exclusive_groups(book) == {"move": ["press", "revoice"]}
    for suffix in (".yaml", ".qdc", ".csv"):
        again = load_codebook(save_codebook(book, tmp_path / f"again{suffix}"))
        assert [c.exclusive for c in again.codes] == [True, False, False, False], suffix
    bad = tmp_path / "bad.yaml"
    bad.write_text(BOOK.replace("exclusive: true", "exclusive: sometimes"))
    with pytest.raises(Exception, match="'exclusive' must be true or false"):
        load_codebook(bad)


@pytest.fixture
def lessons(tmp_path, run_cli):
    """Two lessons, each student turn coded with one teacher move by ann (two units of the
    first lesson with both)."""
    book = tmp_path / "book.yaml"
    book.write_text(BOOK)
    project = tmp_path / "p.qc"
    paths = []
    for name in ("lesson1", "lesson2"):
        turns = []
        for i in range(14):
            turns.append(f"Teacher: Question {i}?")
            turns.append("Sam: " + ("why do you know it is so" if i % 2 else
                                    "you said it is two halves"))
        path = tmp_path / f"{name}.txt"
        path.write_text("\n\n".join(turns) + "\n", encoding="utf-8")
        paths.append(path)
    with Project.open(project, create=True) as p:
        ingest(p, paths)
    for name in ("lesson1", "lesson2"):
        for i in range(14):
            args = ["apply", "--project", project, "--doc", name, "--segment",
                    f"turn:{2 * i + 1}", "--code", "press" if i % 2 else "revoice",
                    "--coder", "ann", "--codebook", book]
            result = run_cli(*args)
            assert result.exit_code == 0, result.output
    for turn in (1, 5):  # two units coded with both moves
        assert run_cli("apply", "--project", project, "--doc", "lesson1", "--segment",
                       f"turn:{turn}", "--code", "press", "--coder", "ann").exit_code == 0
    return project


def test_suggest_warns_where_coding_overlaps_an_exclusive_group(lessons, run_cli):
    result = run_cli("suggest", "--project", lessons, "--min-examples", "3")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "exclusive" in line]
    assert warnings == ["warning: exclusive 'move': 2 unit(s) carry more than one of its "
                        "codes, learnt as the first of them: lesson1 turn 1 (press, revoice); "
                        "lesson1 turn 5 (press, revoice)"]
    result = run_cli("codebook", "validate", lessons.parent / "book.yaml", "--project", lessons)
    assert result.exit_code == 0
    assert result.stderr.count("warning: ") == 1
    assert "exclusive 'move': 2 unit(s) carry more than one of its codes" in result.stderr
    with Project.open(lessons) as p:
        report = suggest_project(p, min_examples=3, context=False)
        assert len(report.warnings) == 1


def test_evaluate_scores_an_exclusive_group_as_one_multi_class_code(lessons, run_cli, tmp_path):
    result = run_cli("evaluate", "--project", lessons, "--coder", "ann", "--min-examples", "3",
                     "--folds", "2")
    assert result.exit_code == 0, result.output
    assert "Rows marked (group) are exclusive groups (move): one of their codes or none per " \
           "unit, scored on the codes themselves; kappa" in result.output
    run_cli("evaluate", "--project", lessons, "--coder", "ann", "--min-examples", "3",
            "--folds", "2", "-o", tmp_path / "acc.csv")
    import pandas as pd

    frame = pd.read_csv(tmp_path / "acc.csv").set_index("code_id")
    assert list(frame.index) == ["press", "revoice", "move"]
    assert frame.loc["move", "examples"] == 28  # units with one of its codes
    assert frame.loc["move", "kappa"] > 0.9  # the moves' words tell them apart


def test_exclusive_on_a_code_without_two_sub_codes_is_a_warning(tmp_path, run_cli):
    book = tmp_path / "book.yaml"
    book.write_text(
        "name: talk\ncodes:\n"
        "  - {id: move, name: Move, exclusive: true, children: [\n"
        "      {id: press, name: Press, keywords: [why]},\n"
        "      {id: revoice, name: Revoice, keywords: [you said]}]}\n"
        "  - {id: lone, name: Lone, exclusive: true, children: [\n"
        "      {id: only, name: Only, keywords: [só]}]}\n"
        "  - {id: leaf, name: Leaf, exclusive: true, keywords: [café]}\n", encoding="utf-8")
    result = run_cli("codebook", "validate", book)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "'exclusive: true'" in line]
    assert len(warnings) == 2
    assert "code 'lone': 'exclusive: true' has 1 codable sub-code(s)" in warnings[0]
    assert "code 'leaf': 'exclusive: true' has 0 codable sub-code(s)" in warnings[1]
    assert not any("code 'move'" in line for line in warnings)


def _set_book(project, text: str, tmp_path) -> None:
    """Replace the project's codebook with ``text`` (YAML)."""
    path = tmp_path / "other.yaml"
    path.write_text(text, encoding="utf-8")
    with Project.open(project) as p, p.transaction():
        p.set_codes(load_codebook(path))


def test_stored_suggestions_give_a_unit_at_most_one_code_of_a_group(lessons, tmp_path):
    """Units that carry both moves' words get both moves from one model per code, and at
    most one once the parent is exclusive; the same project, only the key changes."""
    lesson = tmp_path / "lesson3.txt"
    lesson.write_text("\n\n".join(
        f"Teacher: Question {i}?\n\nSam: why do you know, you said it is two halves {i}"
        for i in range(6)) + "\n", encoding="utf-8")
    with Project.open(lessons) as p:
        ingest(p, [lesson])

    def per_unit() -> dict:
        with Project.open(lessons) as p:
            suggest_project(p, min_examples=3, threshold=0.2, context=False)
            found: dict = {}
            for c in p.codings():
                if c.status == "suggested" and c.code_id in ("press", "revoice"):
                    found.setdefault((c.document_id, c.start), set()).add(c.code_id)
        return found

    _set_book(lessons, BOOK.replace("    exclusive: true\n", ""), tmp_path)
    assert any(len(codes) == 2 for codes in per_unit().values())
    _set_book(lessons, BOOK, tmp_path)
    found = per_unit()
    assert found and all(len(codes) == 1 for codes in found.values())
    assert {doc for doc, _ in found} == {"lesson3"}


NESTED = """\
name: Talk moves, nested
codes:
  - id: teacher
    name: Teacher talk
    children:
      - id: move
        name: Teacher talk move
        exclusive: true
        children:
          - {id: press, name: Pressing for reasoning}
          - {id: revoice, name: Revoicing}
  - id: topic
    name: Fractions
"""


def test_evaluate_reports_exclusive_groups_at_the_themes_level(lessons, run_cli, tmp_path):
    """The group's row comes after the themes, scored on its codes (not rolled up), whether
    its parent is the top theme (a theme row of the same id beside it, told apart by
    ``kind``) or sits below one."""
    import pandas as pd

    def frame(level: str) -> pd.DataFrame:
        out = tmp_path / f"{level}.csv"
        result = run_cli("evaluate", "--project", lessons, "--coder", "ann", "--min-examples",
                         "3", "--folds", "2", "--level", level, "-o", out)
        assert result.exit_code == 0, result.output
        return pd.read_csv(out, keep_default_na=False)

    codes = frame("codes")
    assert list(zip(codes.code_id, codes.kind, strict=True)) == [
        ("press", "code"), ("revoice", "code"), ("move", "exclusive group")]
    themes = frame("themes")  # move is the top theme of press and revoice
    assert list(zip(themes.code_id, themes.kind, strict=True)) == [
        ("move", "theme"), ("move", "exclusive group")]
    group = codes.iloc[2]
    assert themes.iloc[1].equals(group)  # the same figures as at the codes' level
    assert themes.iloc[0]["examples"] == group["examples"] == 28
    assert themes.iloc[0]["kappa"] != group["kappa"]  # "a move" vs which move
    result = run_cli("evaluate", "--project", lessons, "--coder", "ann", "--min-examples", "3",
                     "--folds", "2", "--level", "themes")
    lines = result.stdout.splitlines()
    assert lines[2].split()[0] == "move" and lines[3].split()[:2] == ["move", "(group)"]
    assert "for 1 of 1 themes and 1 of 1 exclusive groups" in result.output
    assert "Rows marked (group) are exclusive groups (move): one of their codes or none per " \
           "unit, scored on the codes themselves, not rolled up to themes;" in result.output

    _set_book(lessons, NESTED, tmp_path)  # move below the top theme teacher
    themes = frame("themes")
    assert list(zip(themes.code_id, themes.kind, strict=True)) == [
        ("teacher", "theme"), ("move", "exclusive group")]
    assert themes.iloc[1].equals(group)


def test_evaluate_warns_where_the_coding_overlaps_an_exclusive_group(lessons, run_cli):
    """One line per group, as suggest says it, about the coding measured against; and a
    group left without a row says so."""
    from qualcode.suggest.training import evaluate_project

    line = ("warning: exclusive 'move': 2 unit(s) carry more than one of its codes, learnt as "
            "the first of them: lesson1 turn 1 (press, revoice); lesson1 turn 5 (press, revoice)")
    for level in ("codes", "themes"):
        result = run_cli("evaluate", "--project", lessons, "--coder", "ann", "--min-examples",
                         "3", "--folds", "2", "--level", level)
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines() == [line]
    with Project.open(lessons) as p:
        warnings: list[str] = []
        evaluate_project(p, coder="ann", min_examples=3, folds=2, warnings=warnings)
        assert warnings == [line.removeprefix("warning: ")]
        warnings = []
        frame = evaluate_project(p, coder="ann", min_examples=15, folds=2, warnings=warnings)
        assert list(frame.code_id) == ["press", "move"]  # revoice is on 14 units
        assert warnings[0] == ("1 code on fewer than 15 units, not scored (--min-examples): "
                               "revoice (14)")
        warnings = []
        frame = evaluate_project(p, coder="ann", min_examples=17, folds=2, warnings=warnings)
    assert frame.empty
    assert warnings == [
        "2 codes on fewer than 17 units, not scored (--min-examples): press (16), revoice (14)",
        line.removeprefix("warning: "),
        "exclusive 'move': no row of its own: none of its codes is on 17 or more units "
        "(--min-examples)"]
    # a coding without overlaps: no warning
    result = run_cli("evaluate", "--project", lessons, "--coder", "nobody", "--min-examples",
                     "3", "--folds", "2")
    assert result.exit_code == 2 and "warning" not in result.stderr


def test_exclusive_survives_a_qdpx_round_trip(lessons, run_cli, tmp_path):
    """QDPX has no field for it: it travels in the code's Description, in the ``[qualcode]``
    block as in QDC, the project still valid against the REFI-QDA schema; nested too."""
    import zipfile

    from conftest import DATA
    from lxml import etree

    _set_book(lessons, NESTED, tmp_path)
    archive = tmp_path / "lessons.qdpx"
    result = run_cli("export", "qdpx", "--project", lessons, "-o", archive)
    assert result.exit_code == 0, result.output
    qde = zipfile.ZipFile(archive).read("project.qde")
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi-qda" / "Project.xsd")))
    assert schema.validate(etree.fromstring(qde)), schema.error_log
    assert qde.count(b"exclusive: true") == 1
    copy = tmp_path / "copy.qc"
    result = run_cli("import", "qdpx", archive, "--project", copy)
    assert result.exit_code == 0, result.output
    with Project.open(copy) as p:
        book = p.codebook()
    assert [(c.id, c.parent, c.exclusive) for c in book.codes] == [
        ("teacher", None, False), ("move", "teacher", True), ("press", "move", False),
        ("revoice", "move", False), ("topic", None, False)]
    assert exclusive_groups(book) == {"move": ["press", "revoice"]}
