"""The rule engine: lemmas, phrases, case, vetoes, proximity, regexes, patterns, units, speakers,
offsets, provenance, re-runs, and the prefilter giving exactly the slow path's codings."""

from __future__ import annotations

import random

import pytest
from conftest import ROOT

from qualcode.codebook import load_codebook
from qualcode.coding.engine import code_documents, code_project, codings_frame
from qualcode.coding.rules import RuleMatcher
from qualcode.ingest import read_document
from qualcode.model import Code, Codebook, Coding, Keyword, Near
from qualcode.store import Project
from qualcode.workflows.ingest import ingest

LSCB = ROOT / "codebooks" / "lscb_learning_improvement.yaml"


def matcher_for(*codes, prefilter=True):
    matcher = RuleMatcher(prefilter=prefilter)
    for code in codes:
        matcher.add(code)
    return matcher


def found(matcher, text):
    return [(m.code_id, text[m.start:m.end], m.rule) for m in matcher(text)]


def test_lemma_matching_and_case():
    m = matcher_for(Code("pw", "P", keywords=[Keyword("partner")]))
    assert found(m, "Partners, partnering and a PARTNER.") == [
        ("pw", "Partners", "keyword: partner"), ("pw", "partnering", "keyword: partner"),
        ("pw", "PARTNER", "keyword: partner")]
    assert found(m, "partnership working") == []  # a different word, not a form of it


def test_multi_word_keywords_across_a_line_break_but_not_across_punctuation():
    m = matcher_for(Code("pw", "P", keywords=[Keyword("partner agency")]))
    assert found(m, "our partner\nagencies, all of them") == [
        ("pw", "partner\nagencies", "keyword: partner agency")]
    assert found(m, "a partner. Agencies too") == []


def test_exact_keywords_are_case_sensitive():
    m = matcher_for(Code("mash", "M", keywords=[Keyword("MASH", exact=True), Keyword("hub")]))
    assert found(m, "the MASH and the mash hubs") == [
        ("mash", "MASH", "keyword: MASH"), ("mash", "hubs", "keyword: hub")]
    whole = matcher_for(Code("ri", "R", keywords=[Keyword("RI")], exact=True))
    assert found(whole, "we were RI, ri") == [("ri", "RI", "keyword: RI")]


def test_not_terms_veto_the_code_for_the_whole_unit():
    m = matcher_for(Code("ofsted", "O", keywords=[Keyword("inspection")],
                         not_terms=["school inspection"]),
                    Code("other", "X", keywords=[Keyword("school")]))
    assert found(m, "The inspection went well.") == [("ofsted", "inspection",
                                                      "keyword: inspection")]
    assert found(m, "The inspection, unlike a school inspection, was hard.") == [
        ("other", "school", "keyword: school")]


def test_near_counts_tokens_between_the_terms():
    m = matcher_for(Code("lc", "L", near=[Near(("challenge",), ("chair", "board member"), 3)]))
    assert found(m, "the chair will challenge us") == [
        ("lc", "chair will challenge", "near: challenge ~3~ chair/board member")]
    assert found(m, "board members really do not ever challenge") == []  # 4 tokens apart
    assert found(m, "Board members do challenge") == [
        ("lc", "Board members do challenge", "near: challenge ~3~ chair/board member")]


def test_regex_is_case_insensitive_unless_scoped():
    m = matcher_for(Code("cr", "C", regex=[r"\bSCRs?\b", r"(?-i:\bCPRs?\b)"]))
    assert found(m, "two scrs, one CPR and a cpr") == [
        ("cr", "scrs", r"regex: \bSCRs?\b"), ("cr", "CPR", r"regex: (?-i:\bCPRs?\b)")]


def test_token_patterns_use_lowercase_lemmas():
    m = matcher_for(Code("le", "L", patterns=[[{"LOWER": "learning"}, {"LEMMA": "event"}]]))
    assert [t for _, t, _ in found(m, "Two Learning Events and one learning event")] == [
        "Learning Events", "learning event"]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BOOK = Codebook("Test", [
    Code("theme", "Theme"),
    Code("pw", "Partnership", parent="theme", keywords=[Keyword("partner agency")]),
    Code("bc", "Budget", parent="theme", keywords=[Keyword("budget")]),
], path="test.yaml", sha256="abc")


def test_units_and_speakers(tmp_path):
    doc = read_document(write(tmp_path, "a.txt",
        "Interviewer: Do you have a budget?\n\nAnn Lee: We talk with each partner agency. "
        "Then the budget. Next sentence here.\n\nInterviewer: Ok.\n\nAnn Lee: Fine.\n"))
    turns = code_documents([doc], BOOK)
    assert [(c.code_id, doc.text[c.start:c.end][:12]) for c in turns] == [
        ("pw", "We talk with"), ("bc", "We talk with")]
    sentences = code_documents([doc], BOOK, unit="sentence")
    assert [(c.code_id, doc.text[c.start:c.end]) for c in sentences] == [
        ("pw", "We talk with each partner agency."), ("bc", "Then the budget.")]
    everyone = code_documents([doc], BOOK, speakers="all")
    assert doc.text[everyone[0].start:everyone[0].end] == "Do you have a budget?"
    assert all(c.code_id != "theme" for c in everyone)  # a parent without rules is implied


def test_offsets_and_provenance_with_non_ascii(tmp_path):
    doc = read_document(write(tmp_path, "b.txt",
        "Interviewer: Café?\n\nSiân Jones: 😀 Les partenaires – our partner agencies – fine.\n\n"
        "Interviewer: Ok.\n\nSiân Jones: Oui.\n"))
    (coding,) = code_documents([doc], BOOK)
    (start, end, _rule), = coding.matched
    assert doc.text[start:end] == "partner agencies"
    assert (coding.origin, coding.coder, coding.status, coding.rule) == (
        "rule", "qualcode", "applied", "keyword: partner agency")
    assert (coding.codebook_path, coding.codebook_hash) == ("test.yaml", "abc")
    frame = codings_frame([coding])
    assert list(frame.columns)[:4] == ["document", "start", "end", "code_id"]


def test_rerun_replaces_rule_codings_and_keeps_a_persons(tmp_path):
    path = write(tmp_path, "c.txt", "Interviewer: And?\n\nAnn Lee: Every partner agency, "
                 "and the budget.\n\nInterviewer: Ok.\n\nAnn Lee: Budget again.\n")
    with Project.open(tmp_path / "p.qc", create=True) as project:
        ingest(project, [path])
        with project.transaction():
            project.add_codings([Coding("c", 0, 5, "pw", "ann", origin="manual")])
        code_project(project, BOOK)
        first = project.codings()
        code_project(project, BOOK)
        again = project.codings()
        assert [(c.code_id, c.start, c.origin) for c in again] == [
            (c.code_id, c.start, c.origin) for c in first]
        assert {(c.code_id, c.origin) for c in project.codings()} == {
            ("pw", "manual"), ("pw", "rule"), ("bc", "rule")}
        smaller = Codebook("Test", [c for c in BOOK.codes if c.id != "bc"], path="test.yaml")
        code_project(project, smaller)
        assert {(c.code_id, c.origin) for c in project.codings()} == {
            ("pw", "manual"), ("pw", "rule")}
        assert "bc" not in {c.id for c in project.codebook().codes}


WORDS = ("the we and that partner partners agency agencies budget budgets board member "
         "members chair challenge school inspection inspections review reviews SCR data "
         "café naïve really sort of you know cannot can't gonna don't Mr. etc. e.g. 10km "
         "multi-agency (partner) “agency” partner's agencies' Partner/agency x-partner "
         "partnerx budget? budget!? İstanbul").split()


def random_text(rng):
    words = []
    for _ in range(rng.randint(5, 60)):
        word = rng.choice(WORDS)
        if rng.random() < 0.3:
            word = "".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(3, 9)))
        if rng.random() < 0.1:
            word = word.capitalize()
        words.append(word + rng.choice(["", "", "", ",", ".", "'s", "-"]))
    return rng.choice([" ", " ", "\n", "  "]).join(words)


def test_prefilter_gives_exactly_the_slow_paths_codings():
    book = load_codebook(LSCB)
    book.codes.append(Code("extra", "Extra", keywords=[Keyword("partner agency"),
                      Keyword("SCR", exact=True), Keyword("board member"), Keyword("not"),
                      Keyword("km"), Keyword("can not"), Keyword("partner's"),
                      Keyword("multi-agency"), Keyword("budget !")],
                      not_terms=["school inspection"],
                      near=[Near(("challenge",), ("chair",), 4)],
                      patterns=[[{"LOWER": "data"}, {"IS_ALPHA": True}]]))
    fast, slow = build_both(book)
    rng = random.Random(7)
    texts = [random_text(rng) for _ in range(400)]
    texts += (ROOT / "transcripts_sample" / "lscb09.txt").read_text().split("\n\n")
    total = 0
    for text in texts:
        expected = slow(text)
        assert fast(text) == expected, text
        total += len(expected)
    assert total > 200


@pytest.mark.parametrize("with_near", [False, True])
def test_reading_matches_off_the_hits_gives_exactly_the_slow_paths_codings(with_near):
    """Without punctuation terms or token patterns, a single-spaced unit whose hits are all
    whole terms between plain words takes the direct path (no tokens made): same matches.
    A near rule's anchors send their units down the window path, so the book is tried
    with and without them."""
    book = load_codebook(LSCB)
    for code in book.codes:
        code.near = code.near if with_near else []
    book.codes.append(Code("extra", "Extra", keywords=[
        Keyword("partner agency"), Keyword("SCR", exact=True), Keyword("Board Member",
                                                                        exact=True),
        Keyword("board member"), Keyword("not"), Keyword("can"), Keyword("km"),
        Keyword("can not"), Keyword("multi-agency"), Keyword("Mr"), Keyword("review"),
        Keyword("sort of")],
        not_terms=["school inspection", "naïve"],
        near=[Near(("challenge",), ("chair",), 4)] if with_near else []))
    fast, slow = build_both(book)
    rng = random.Random(11)
    plain = ("partner agency agencies Partner board member Board Member SCR scr review "
             "reviews reviewed you know not school inspection naïve challenge chair the "
             "and we data budget").split()
    texts = [" ".join(rng.choice(["", "", "", "(", "“", "'"]) + rng.choice(plain)
                      + rng.choice(["", "", "", ",", ".", "?", ")", "'s", "”", "..."])
                      for _ in range(rng.randint(3, 30))) for _ in range(400)]
    texts += [random_text(rng).replace("\n", " ").replace("  ", " ") for _ in range(300)]
    texts += [random_text(rng) for _ in range(100)]
    texts += read_document(ROOT / "transcripts_sample" / "lscb10.txt").text.split("\n")
    total = direct = 0
    for text in texts:
        expected = slow(text)
        assert fast(text) == expected, text
        total += len(expected)
        lowered = text.lower()
        if (fast._direct_path and len(lowered) == len(text) and text.isprintable()
                and "  " not in text and fast._direct_matches(text, lowered) is not None):
            direct += 1
    assert total > 300 and direct > (10 if with_near else 80)


def test_matcher_interface():
    m = matcher_for(Code("a", "A", keywords=[Keyword("budget")]))
    assert len(m) == 1 and "a" in m and "b" not in m
    m.remove("a")
    assert len(m) == 0 and m("budget") == []
    with pytest.raises(KeyError):
        m.remove("a")


def test_cli_code_and_excerpts(tmp_path, run_cli):
    from conftest import SAMPLE

    project = tmp_path / "s.qc"
    run_cli("ingest", SAMPLE / "lscb09.txt", SAMPLE / "lscb12.txt", "--project", project, "-q")
    result = run_cli("code", "--project", project, "--codebook", LSCB)
    assert result.exit_code == 0, result.output
    assert "enablers" in result.output and "codings on" in result.output
    result = run_cli("excerpts", "--project", project, "--code", "enablers", "--context", "30")
    assert result.exit_code == 0
    assert "[[" in result.output and "codings of enablers (with partnership-working" in (
        result.output)
    result = run_cli("excerpts", "--project", project, "--code", "nonsense")
    assert result.exit_code == 2 and "no code 'nonsense'" in result.stderr
    result = run_cli("code", "--project", tmp_path / "missing.qc", "--codebook", LSCB)
    assert result.exit_code == 2 and "no such project" in result.stderr


def test_regexes_run_only_where_their_required_literal_is():
    from qualcode.coding.rules import required_literals

    assert required_literals(r"\bSCRs?\b") == ("scr",)
    assert required_literals(r"\b(judged|rated) (as )?(inadequate|good)\b") == ("judged",
                                                                                 "rated")
    assert required_literals(r"(?-i:\bCPRs?\b)") == ("cpr",)
    assert required_literals(r"\w+ing") == ("ing",)
    assert required_literals(r"x*|y") == ()
    book = load_codebook(LSCB)
    fast, slow = build_both(book)
    for paragraph in (ROOT / "transcripts_sample" / "lscb12.txt").read_text(
            encoding="utf-8-sig").split("\n\n"):
        assert fast(paragraph) == slow(paragraph)


def build_both(book):
    """Matchers of every code with rules, with and without the prefilter (and direct path)."""
    fast, slow = RuleMatcher(prefilter=True), RuleMatcher(prefilter=False)
    for code in book.codes:
        if code.has_rules:
            fast.add(code)
            slow.add(code)
    return fast, slow


def test_without_cpythons_private_regex_parser_every_regex_runs(monkeypatch):
    """``re._parser`` is private to CPython: without it no literal is required (no prefilter
    for regexes), and the codings stay the same."""
    import re
    import sys

    from qualcode.coding.rules import required_literals

    book = load_codebook(LSCB)
    patterns = [pattern for code in book.codes for pattern in code.regex]
    assert any(map(required_literals, patterns))  # normally some regexes are prefiltered
    texts = (ROOT / "transcripts_sample" / "lscb12.txt").read_text(
        encoding="utf-8-sig").split("\n\n")
    only_regexes = Codebook(book.name, [Code(c.id, c.name, regex=c.regex)
                                        for c in book.codes if c.regex])
    before = [build_both(only_regexes)[0](text) for text in texts]
    assert sum(map(len, before)) > 5
    monkeypatch.delattr(re, "_parser")
    monkeypatch.setitem(sys.modules, "re._parser", None)  # importing it raises ImportError
    assert required_literals(r"\bSCRs?\b") == ()
    assert not any(map(required_literals, patterns))
    assert [build_both(only_regexes)[0](text) for text in texts] == before
