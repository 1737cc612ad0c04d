"""ML suggestions: training, never duplicating, remembering rejections, review round trips."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE

from qualcode.analysis import load_coded, theme_frequencies
from qualcode.cli import main
from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_project
from qualcode.errors import InputError, ProjectError
from qualcode.export.tables import write_table
from qualcode.store import Project
from qualcode.suggest.classifier import CodeSuggester
from qualcode.suggest.review import decide, export_sheet, import_sheet, pending
from qualcode.suggest.training import (
    evaluate_project,
    label_selection,
    labelled_units,
    suggest_project,
)
from qualcode.workflows.ingest import ingest

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


@pytest.fixture
def coded(tmp_path):
    path = tmp_path / "p.qc"
    with Project.open(path, create=True) as p:
        ingest(p, [SAMPLE / "lscb09.txt", SAMPLE / "lscb11.txt", SAMPLE / "lscb12.txt"])
        code_project(p, load_codebook(LSCB))
    return path


def test_estimator_conventions():
    model = CodeSuggester(min_examples=2)
    assert model.min_examples == 2 and not hasattr(model, "codes_")
    with pytest.raises(TypeError, match="list of texts"):
        model.fit("budget cuts", [{"budget"}])
    texts = ["budget cuts hit us", "the budget was cut", "police and health partners",
             "health partners meet", "more cuts to the budget", "partners from police"]
    labels = [{"budget"}, {"budget"}, {"partners"}, {"partners"}, {"budget"}, {"partners"}]
    assert model.fit(texts, labels) is model
    assert model.codes_ == ["budget", "partners"] and set(model.thresholds_) == set(
        model.codes_)
    assert model.predict(["budget cuts again"]) == [{"budget"}]
    assert "budget" in model.reasons("budget cuts again", "budget")


def test_no_codings_gives_a_clear_message(tmp_path):
    with Project.open(tmp_path / "p.qc", create=True) as p:
        ingest(p, [SAMPLE / "lscb09.txt"])
        with pytest.raises(ProjectError, match="nothing is coded yet"):
            suggest_project(p)


def test_suggestions_never_duplicate_and_rejections_are_remembered(coded):
    with Project.open(coded) as p:
        report = suggest_project(p, min_examples=3)
        assert report.suggestions > 0
        codings = p.codings()
        suggested = [c for c in codings if c.status == "suggested"]
        others = [c for c in codings if c.status != "suggested"]
        for s in suggested:
            assert s.origin == "ml" and s.model == report.model_id and 0 < s.confidence <= 1
            assert s.rule.startswith("reason: ")
            assert not any(o.document_id == s.document_id and o.code_id == s.code_id
                           and o.start < s.end and o.end > s.start for o in others)
        first = pending(p)[0]
        decide(p, first.id, "reject", "ann")
        second = pending(p)[0]
        decide(p, second.id, "accept", "ann")
        suggest_project(p, min_examples=3)
        again = {(s.document, s.start, s.code_id) for s in pending(p)}
        assert (first.document, first.start, first.code_id) not in again
        assert (second.document, second.start, second.code_id) not in again
        statuses = {c.status for c in p.codings() if c.origin == "ml"}
        assert {"rejected", "accepted", "suggested"} <= statuses
        accepted = next(c for c in p.codings() if c.status == "accepted")
        assert accepted.coder == "ann"
        counted = load_coded(p).codings
        assert ((counted["status"] == "accepted").sum(), (counted["status"] == "rejected").sum(),
                (counted["status"] == "suggested").sum()) == (1, 0, 0)
        assert not theme_frequencies(load_coded(p)).empty


def test_suggestions_made_a_few_units_at_a_time_are_those_made_at_once(coded, monkeypatch):
    """suggest holds one copy of the features and works through the units ``BATCH`` at a
    time (chunk counts, TF-IDF, count ratios, scoring) so that memory does not grow with
    units x anything else; in batches of 3 units it stores the same suggestions, with the
    same probabilities, reasons and model id, as in one batch."""
    from qualcode.suggest import classifier, features

    def stored(batch: int) -> list[tuple]:
        monkeypatch.setattr(features, "BATCH", batch)
        monkeypatch.setattr(classifier, "BATCH", batch)
        with Project.open(coded) as p:
            suggest_project(p, min_examples=3)
            return sorted((c.document_id, c.start, c.end, c.code_id, c.confidence, c.rule,
                           c.model) for c in p.codings() if c.status == "suggested")

    whole = stored(10**6)
    assert len(whole) > 10 and stored(3) == whole


def test_review_sheet_round_trip_and_precise_errors(coded, tmp_path):
    with Project.open(coded) as p:
        suggest_project(p, min_examples=3)
        sheet = export_sheet(p)
        assert len(sheet) >= 3
        sheet.loc[0, "decision"] = "accept"
        sheet.loc[1, "decision"] = "reject"
        sheet.loc[2, "decision"] = "accept"
        sheet.loc[2, "text"] = "someone edited this"
        bad = tmp_path / "bad.csv"
        write_table(sheet, bad)
        with pytest.raises(InputError) as caught:
            import_sheet(p, bad, "ann")
        assert [str(x).replace(str(tmp_path) + "/", "") for x in caught.value.problems] == [
            f"bad.csv:4: the text of suggestion {sheet.loc[2, 'id']} was changed in the "
            "sheet or the document"]
        assert all(c.status != "accepted" for c in p.codings())  # nothing applied
        sheet.loc[2, "text"] = p.documents([sheet.loc[2, "document"]])[0].text[
            sheet.loc[2, "start"]:sheet.loc[2, "end"]]
        sheet.loc[2, "code_id"] = "learning-culture-x"
        write_table(sheet, bad)
        with pytest.raises(InputError, match="does not match the project any more"):
            import_sheet(p, bad, "ann")
        sheet = sheet.iloc[:2]
        good = tmp_path / "good.csv"
        write_table(sheet, good)
        assert import_sheet(p, good, "ann") == {"accepted": 1, "rejected": 1}
        with pytest.raises(InputError, match="no longer pending"):
            import_sheet(p, good, "ann")


def test_evaluate_reports_per_code_figures(coded, run_cli, tmp_path):
    from qualcode.suggest.accuracy import COLUMNS

    with Project.open(coded) as p:
        frame = evaluate_project(p, min_examples=3, folds=3)
        units = len(labelled_units(p).labels)
    assert list(frame.columns) == COLUMNS
    assert COLUMNS[:7] == ["code_id", "examples", "precision", "recall", "f1", "kappa",
                           "document_presence_accuracy"]  # as before the baselines came
    assert len(frame) > 5 and frame["examples"].min() >= 3
    for row in frame.itertuples():  # the baselines follow from the counts alone
        assert row.accuracy_all_absent == round(1 - row.examples / units, 3)
        assert row.f1_all_present == round(2 * row.examples / (units + row.examples), 3)
        assert row.documents == 3 and 1 <= row.documents_true <= 3
        assert row.document_presence_all == round(row.documents_true / 3, 3)
    result = run_cli("evaluate", "--project", coded, "--min-examples", "3", "--folds", "3",
                     "-o", tmp_path / "acc.csv")
    assert result.exit_code == 0 and (tmp_path / "acc.csv").read_text().startswith("code_id")


def test_accuracy_baselines_and_documents_k_of_n():
    from qualcode.suggest.accuracy import roll_up, score_codes

    # 8 units in 4 documents; x is truly on 3 units (documents a, b), the model finds 2 of
    # them plus one unit of c; y is truly everywhere but d and the model says so in every
    # document; z is never predicted
    groups = ["a", "a", "b", "b", "c", "c", "d", "d"]
    truth = [{"x", "y"}, {"x"}, {"x", "y"}, {"y"}, {"y", "z"}, {"z"}, set(), set()]
    found = [{"x", "y"}, {"y"}, {"x", "y"}, {"y"}, {"x", "y"}, set(), set(), {"y"}]
    frame = score_codes(truth, found, groups, ["x", "y", "z"]).set_index("code_id")
    x, y, z = frame.loc["x"], frame.loc["y"], frame.loc["z"]
    assert (x["precision"], x["recall"], x["f1"]) == (0.667, 0.667, 0.667)
    assert (x["accuracy"], x["accuracy_all_absent"], x["f1_all_present"]) == (0.75, 0.625,
                                                                              0.545)
    assert (x["documents_predicted"], x["documents_true"], x["documents"]) == (3, 2, 4)
    assert (x["document_presence_accuracy"], x["document_presence_all"],
            x["document_presence_none"]) == (0.75, 0.5, 0.5)
    assert x["not_above_baseline"] == ""
    # y: the model's document presence is no better than "in every document"
    assert (y["documents_predicted"], y["documents_true"]) == (4, 3)
    assert y["document_presence_accuracy"] == y["document_presence_all"] == 0.75
    assert y["not_above_baseline"] == "documents"
    assert z["f1"] == 0 and z["kappa"] == 0  # never predicted: a constant guess
    assert z["not_above_baseline"] == "kappa, F1, accuracy, documents"
    # themes: sub-codes roll up as agree --level themes rolls them
    tops = {"x": "t", "y": "t", "z": "z"}
    assert roll_up(truth, tops)[:2] == [{"t"}, {"t"}] and roll_up([{"q"}], tops) == [{"q"}]


def test_evaluate_at_the_level_of_themes(coded, run_cli):
    from qualcode.suggest.accuracy import roll_up

    with Project.open(coded) as p:
        book = p.codebook()
        themes = evaluate_project(p, min_examples=3, folds=2, level="themes")
        truth = roll_up(labelled_units(p).labels, book.top_themes())
        with pytest.raises(ProjectError, match="level must be one of codes, themes"):
            evaluate_project(p, level="sub-codes")
    tops = {c.id for c in book.children(None)}
    assert set(themes["code_id"]) <= tops and len(themes) >= 3
    for row in themes.itertuples():
        assert row.examples == sum(row.code_id in labels for labels in truth)
    result = run_cli("evaluate", "--project", coded, "--min-examples", "3", "--folds", "2",
                     "--level", "themes", "-q")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[-5:] == ["right", "predicted", "in", "coded", "in"]
    for row in themes.itertuples():  # predicted against true "k of N documents"
        line = next(line for line in lines[2:] if line.split()[0] == row.code_id)
        assert line.split()[-6:] == [str(row.documents_predicted), "of", "3",
                                     str(row.documents_true), "of", "3"]
    assert "Against trivial guesses" in result.output
    assert lines[-1].startswith("The model is not above a trivial guess on some measure for")
    assert lines[-1].endswith(f"of {len(themes)} themes.")


def test_evaluate_refuses_to_pool_several_coders(coded, run_cli, tmp_path):
    rows = []
    with Project.open(coded) as p:
        for doc in ("lscb09", "lscb11"):
            turn = next(t for t in p.segments("turn", participants_only=True)
                        if t.document_id == doc)
            rows.append(f"{doc},{turn.start},{turn.end},case-reviews,ann")
    sheet = tmp_path / "ann.csv"
    sheet.write_text("document,start,end,code,coder\n" + "\n".join(rows) + "\n")
    assert run_cli("import", "codings", sheet, "--project", coded).exit_code == 0
    result = run_cli("evaluate", "--project", coded, "--min-examples", "3")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "the codings to measure against are 2 coders' (ann, qualcode): name one with " \
           "--coder NAME or --origin ORIGIN; qualcode: the rule engine, which --no-rules " \
           "leaves out" in result.stderr
    with Project.open(coded) as p:
        with pytest.raises(ProjectError, match=r"2 coders' \(ann, qualcode\)"):
            evaluate_project(p)
        # one coder, or one origin, or the rules left out: nothing is pooled
        assert label_selection(coder="ann").coders == ("ann",)
        assert label_selection(origins=["rule"]).origins == ("rule",)
        assert p.coders(label_selection(rules=False)) == ["ann"]
    result = run_cli("evaluate", "--project", coded, "--origin", "rule", "--min-examples",
                     "3", "--folds", "2", "-q")
    assert result.exit_code == 0, result.stderr
    # two people and no rules: still refused, and no word of the rule engine
    sheet.write_text("document,start,end,code,coder\n" + rows[0].replace(",ann", ",bob") + "\n")
    assert run_cli("import", "codings", sheet, "--project", coded).exit_code == 0
    result = run_cli("evaluate", "--project", coded, "--no-rules", "--min-examples", "1")
    assert result.exit_code == 2 and result.stderr == (
        f"error: {coded}: the codings to measure against are 2 coders' (ann, bob): name one "
        "with --coder NAME or --origin ORIGIN\n")


def test_cold_start_before_anything_is_coded(tmp_path, run_cli):
    project = tmp_path / "cold.qc"
    run_cli("ingest", SAMPLE / "lscb09.txt", SAMPLE / "lscb12.txt", "--project", project, "-q")
    result = run_cli("suggest", "--project", project, "--cold")
    assert result.exit_code == 2 and "no codes with definitions" in result.stderr
    result = run_cli("suggest", "--project", project, "--cold", "--codebook", LSCB)
    assert result.exit_code == 0 and "model 'cold-start'" in result.output
    with Project.open(project) as p:
        suggestions = [c for c in p.codings() if c.status == "suggested"]
        assert suggestions and all(c.model == "cold-start" for c in suggestions)
        assert all(c.rule.startswith("reason: cold start, shares ") for c in suggestions)
        per_unit = {}
        for c in suggestions:
            per_unit.setdefault((c.document_id, c.start), []).append(c.code_id)
        assert max(len(v) for v in per_unit.values()) <= 2  # top 2 per unit
        assert load_coded(p).codings.empty  # suggestions never count


def test_cold_start_options_set_how_unusual_and_how_many(tmp_path, run_cli):
    project = tmp_path / "cold.qc"
    run_cli("ingest", SAMPLE / "lscb09.txt", SAMPLE / "lscb12.txt", "--project", project, "-q")

    def per_unit() -> dict:
        with Project.open(project) as p:
            found: dict = {}
            for c in p.codings():
                if c.status == "suggested":
                    found.setdefault((c.document_id, c.start), []).append(c.code_id)
            return found

    result = run_cli("suggest", "--project", project, "--cold", "--codebook", LSCB,
                     "--cold-top", "1", "--cold-threshold", "0.5")
    assert result.exit_code == 0 and " suggestions for " in result.output
    one = per_unit()
    assert one and max(len(v) for v in one.values()) == 1
    run_cli("suggest", "--project", project, "--cold", "--cold-top", "3",
            "--cold-threshold", "0.5")
    three = per_unit()
    assert max(len(v) for v in three.values()) == 3 and set(one) <= set(three)
    run_cli("suggest", "--project", project, "--cold", "--cold-threshold", "1.5")
    stricter = per_unit()
    assert 0 < sum(map(len, stricter.values())) < sum(map(len, three.values()))
    result = run_cli("suggest", "--project", project, "--cold", "--cold-threshold", "50")
    assert result.exit_code == 0 and "cold start: 0 suggestions" in result.output
    result = run_cli("suggest", "--project", project, "--cold", "--cold-top", "0")
    assert result.exit_code == 2 and "--cold-top" in result.stderr


def test_cold_start_scores_each_code_against_its_own_units():
    """A code whose similarities are all low still gets its most unusual unit; a code
    close to every unit gets none; an exclusive group gives a unit one of its codes."""
    import numpy as np

    from qualcode.suggest.cold import choose

    similarity = np.array([[0.01, 0.50, 0.30], [0.01, 0.52, 0.31], [0.09, 0.51, 0.29],
                           [0.01, 0.49, 0.90]])
    chosen = choose(similarity, threshold=1.5, top=2)
    assert chosen[2, 0] and not chosen[:, 1].any() and chosen[3, 2]
    group = np.array([[0.9, 0.8, 0.0], [0.1, 0.1, 0.0], [0.1, 0.7, 0.0], [0.1, 0.1, 0.0],
                      [0.1, 0.6, 0.0], [0.1, 0.1, 0.0]])
    assert choose(group, threshold=1.0, top=3)[0].tolist() == [True, True, False]
    single = choose(group, threshold=1.0, top=3, groups=[[0, 1]])
    assert single[0].tolist() == [True, False, False]  # the more unusual of the two


def test_discover_finds_candidates_in_uncovered_units(coded, run_cli, tmp_path):
    import yaml

    from qualcode.codebook.fields import Problems, code_from_fields
    from qualcode.suggest.discover import discover, uncovered_units

    with Project.open(coded) as p:
        uncovered = uncovered_units(p)
        clusters = discover(p, k=3)
        covered = {(c.document_id, c.start) for c in p.codings()}
    assert uncovered and all((u.document_id, u.start) not in covered for u in uncovered)
    assert 1 <= len(clusters) <= 3
    assert sum(c.units for c in clusters) <= len(uncovered)
    for cluster in clusters:
        assert cluster.terms and cluster.typical
        assert not {"yeah", "laughs", "it's"} & set(cluster.terms)
    out = tmp_path / "candidates.yaml"
    result = run_cli("discover", "--project", coded, "--k", "3", "-o", out)
    assert result.exit_code == 0 and "candidate" in result.output
    problems = Problems()
    for fields in yaml.safe_load(out.read_text()):
        assert code_from_fields(fields, None, None, problems) is not None
    assert not problems


def test_ngram_features_equal_scikit_learns_tfidf():
    """The fast features are scikit-learn's word + char_wb(3, 5) TF-IDF up to column order
    (and float32 rounding): every pair of texts has the same inner products, new texts
    included."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    from qualcode.suggest.features import NgramFeatures

    texts = [line for path in sorted(SAMPLE.glob("*.txt"))
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
             if line.strip()][:300]
    texts += ["naïve café 👍🏽 İstanbul\ttabs  and  spaces", "a", "I", "e-mail: x@y.org £3.5m"]
    seen, new = texts[:250], texts[200:]
    ours = NgramFeatures().fit(seen).transform(new)
    words = TfidfVectorizer(sublinear_tf=True).fit(seen)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit(seen)
    theirs = sp.hstack([words.transform(new), chars.transform(new)]).tocsr()
    assert ours.shape == theirs.shape
    assert abs(ours @ ours.T - theirs @ theirs.T).max() < 1e-5
    fitted = NgramFeatures()
    assert abs(fitted.fit_transform(seen) - fitted.transform(seen)).max() < 1e-7


def test_fits_in_a_worker_process_equal_fits_here(coded):
    """The CLI fits in a second process (it imports scikit-learn meanwhile); the results
    are the same as fitting here."""
    import numpy as np

    from qualcode.suggest.classifier import _log_count_ratios, _ranked, _truth
    from qualcode.suggest.features import NgramFeatures
    from qualcode.suggest.fitting import SKLEARN, FitSettings, Task, fit_codes
    from qualcode.suggest.training import labelled_units
    from qualcode.workers import Worker

    with Project.open(coded) as p:
        units = labelled_units(p)
    codes = sorted({c for labels in units.labels for c in labels})
    matrix = NgramFeatures().fit_transform(units.texts)
    truth = _truth(units.labels, codes)
    ratios = _log_count_ratios(matrix, truth)
    columns = matrix.tocsc()
    tasks = [Task(columns[:, _ranked(ratios[j], None)].tocsr(), truth[:, j])
             for j in range(len(codes))]
    args = (FitSettings(), tasks, units.groups)
    here = fit_codes(*args)
    with Worker(fit_codes, SKLEARN) as worker:
        worker.submit(*args)
        there = worker.result()
    assert len(here) == len(there) == len(codes)
    for a, b in zip(here, there, strict=True):
        assert np.allclose(a.coef, b.coef) and np.allclose(a.intercept, b.intercept)
        assert (a.threshold, a.count) == (b.threshold, b.count)
    # the suggester given a worker (as the CLI does) learns what it learns alone
    alone = CodeSuggester(min_examples=3).fit(units.texts, units.labels, units.groups)
    with Worker(fit_codes, SKLEARN) as worker:
        helped = CodeSuggester(min_examples=3).fit(units.texts, units.labels, units.groups,
                                                   worker=worker)
        assert worker._remote  # the fits were made in the second process
    assert helped.codes_ == alone.codes_ and helped.thresholds_ == alone.thresholds_
    assert abs(helped.coef_ - alone.coef_).max() < 1e-9


def test_empty_texts_and_a_code_on_one_unit_do_not_break_the_suggester():
    from qualcode.suggest.features import NgramFeatures

    for texts in ([], [""], ["", "  \t "]):
        features = NgramFeatures()
        assert features.fit_transform(texts).shape == (len(texts), 0)
        assert features.transform(["new words"]).nnz == 0
    model = CodeSuggester(min_examples=1).fit(
        ["", "budget", "budget cut", "", "partners"],
        [set(), {"budget"}, {"budget"}, set(), {"partners"}])
    assert model.codes_ == ["budget", "partners"]
    assert model.predict(["budget", ""])[1] == set()


def test_cli_suggest_then_review_by_sheet_and_on_the_terminal(coded, run_cli, tmp_path,
                                                               monkeypatch):
    result = run_cli("suggest", "--project", coded, "--min-examples", "4", "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("model ml-") and "codes trained;" in lines[0]
    assert any(line.startswith("skipped ") and "more needed" in line for line in lines)
    assert lines[-1] == "review them with: qualcode review --project ... --coder NAME"
    with Project.open(coded) as p:
        waiting = len(pending(p))
    assert waiting >= 3

    result = run_cli("review", "--project", coded)
    assert result.exit_code == 2 and "give --coder NAME" in result.stderr
    sheet = tmp_path / "decide.xlsx"
    result = run_cli("review", "--project", coded, "--export", sheet)
    assert result.exit_code == 0 and result.output.startswith(f"{sheet}: {waiting} suggestions")
    result = run_cli("review", "--project", coded, "--export", tmp_path / "decide.csv")
    assert result.exit_code == 0
    import pandas as pd

    frame = pd.read_csv(tmp_path / "decide.csv").iloc[:2]
    frame["decision"] = ["accept", "reject"]
    frame.to_csv(tmp_path / "decided.csv", index=False)
    result = run_cli("review", "--project", coded, "--import", tmp_path / "decided.csv",
                     "--coder", "ann")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{tmp_path / 'decided.csv'}: 1 accepted, 1 rejected"

    # without a terminal: one line, exit 2
    result = run_cli("review", "--project", coded, "--coder", "bob")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: interactive review needs a terminal")
    assert len(result.stderr.strip().splitlines()) == 1
    # on the terminal: single keys, no Enter (others ignored): accept, reject, skip, quit
    import qualcode.cli.suggest

    monkeypatch.setattr(qualcode.cli.suggest, "_terminal", lambda: True)
    runner = CliRunner()
    result = runner.invoke(main, ["review", "--project", str(coded), "--coder", "bob"],
                           input="ax\nrsq", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"[1/{waiting - 2}]" in result.output and "because:" in result.output
    assert result.output.rstrip().endswith("2 decisions saved")
    with Project.open(coded) as p:
        mine = [c for c in p.codings() if c.coder == "bob"]
        assert sorted(c.status for c in mine) == ["accepted", "rejected"]
        assert len(pending(p)) == waiting - 4


def test_cli_review_with_nothing_pending(tmp_path, run_cli):
    project = tmp_path / "p.qc"
    run_cli("ingest", SAMPLE / "lscb09.txt", "--project", project, "-q")
    result = run_cli("review", "--project", project, "--coder", "ann")
    assert result.exit_code == 0
    assert result.output.strip() == "no suggestions waiting (run qualcode suggest first)"


TEXTS = ["budget cuts hit us", "the budget was cut", "police and health partners",
         "health partners meet", "more cuts to the budget", "partners from police"]
LABELS = [{"budget"}, {"budget"}, {"partners"}, {"partners"}, {"budget"}, {"partners"}]


def test_the_suggester_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    model = CodeSuggester(min_examples=2, C=1.0)
    assert model.get_params() == {
        "C": 1.0, "context_weights": (0.0, 1.0), "cv_folds": 3, "exclusive": None,
        "feature_counts": (3000,), "max_negatives": 2000,
        "min_examples": 2, "random_state": 0, "threshold": None}
    assert repr(model) == "CodeSuggester(C=1.0, min_examples=2)"
    copy = clone(model.fit(TEXTS, LABELS))
    assert copy.get_params() == model.get_params() and not hasattr(copy, "codes_")
    assert copy.set_params(threshold=0.4, cv_folds=2) is copy
    assert (copy.threshold, copy.cv_folds, model.threshold) == (0.4, 2, None)
    with pytest.raises(ValueError, match="invalid parameter 'alpha'"):
        copy.set_params(alpha=1)
    assert clone(CodeSuggester()).get_params() == CodeSuggester().get_params()


def test_fit_keeps_no_copy_of_the_training_features():
    import numpy as np
    import scipy.sparse as sp

    texts = TEXTS * 5  # more rows than any fitted array has
    model = CodeSuggester(min_examples=2)
    features = model.fit_transform(texts, LABELS * 5)
    assert abs(features - model.transform(texts)).max() < 1e-6
    for name, value in vars(model).items():
        if isinstance(value, np.ndarray) or sp.issparse(value):
            assert value.shape[0] != len(texts), name
    with pytest.raises(ValueError, match="fit_codes"):
        model.fit(texts, LABELS * 5, worker=object.__new__(type("W", (), {"function": len})))


def test_fit_starts_no_process_so_a_script_without_a_main_guard_runs_under_spawn(tmp_path):
    import os
    import subprocess
    import sys

    script = tmp_path / "no_guard.py"
    script.write_text(
        "import multiprocessing\n"
        "multiprocessing.set_start_method('spawn')\n"
        "from qualcode.suggest.classifier import CodeSuggester\n"
        f"model = CodeSuggester(min_examples=2).fit({TEXTS!r}, {LABELS!r})\n"
        "print(model.codes_, multiprocessing.active_children())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.strip() == "['budget', 'partners'] []"


def test_count_ratios_one_code_at_a_time_are_the_dense_table():
    """The n-grams each code's model sees are chosen from |log count ratios| made one code's
    row at a time (the dense codes x n-grams table was most of a fit's memory): the rows are
    the table a plain computation makes, and so are the n-grams chosen."""
    import numpy as np
    import scipy.sparse as sp

    from qualcode.suggest.classifier import _log_count_ratios, _ranked

    rng = np.random.default_rng(3)
    matrix = sp.random(40, 300, density=0.08, format="csr", random_state=4, dtype=np.float32)
    truth = rng.random((40, 4)) < [0.5, 0.1, 0.025, 0.3]
    present = (matrix.toarray() > 0).astype(np.float32)
    inside = truth.T.astype(np.float32) @ present
    positives = truth.sum(axis=0, dtype=np.float32)[:, None]
    dense = np.abs(np.log((inside + 1) * ((40 - positives + 2) / (positives + 2))
                          / (present.sum(axis=0) - inside + 1)))
    dense[inside < np.minimum(positives, 2)] = -np.inf
    ratios = _log_count_ratios(matrix, truth)
    assert len(ratios) == 4
    for code in range(4):
        assert np.allclose(ratios[code], dense[code], equal_nan=False)
        assert np.array_equal(np.isinf(ratios[code]), np.isinf(dense[code]))
        assert np.array_equal(_ranked(ratios[code], 20), _ranked(dense[code], 20))
    assert np.allclose(ratios[[0, 2]].max(axis=0), dense[[0, 2]].max(axis=0))  # a group
