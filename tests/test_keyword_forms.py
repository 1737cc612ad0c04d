"""Keywords that stay themselves: a lemma keyword matches its own inflections, never a
different word that shares a lemma in spaCy's flat lookup table (qualcode.coding.lemmas)."""

from __future__ import annotations

import pytest

from qualcode.coding.lemmas import get_lemmatizer, is_regular_inflection
from qualcode.coding.rules import RuleMatcher
from qualcode.model import Code, Keyword


def matched(keyword: str, text: str, prefilter: bool = True) -> list[str]:
    matcher = RuleMatcher(prefilter=prefilter)
    matcher.add(Code("c", "C", keywords=[Keyword(keyword)]))
    return [text[m.start:m.end] for m in matcher(text)]


DRIFT = [
    # keyword, text, what it must match (in order), what it used to match too
    ("bite", "It took a bit of time; the dog bites, it has bitten, it bit.", ["bites", "bitten"]),
    ("housing", "They house people; housing is short, houses are dear.", ["housing"]),
    ("getting", "We got it, it gets better, we're getting there, get on.", ["getting"]),
    ("lots", "A lot of work, lots of it.", ["lots"]),
]
INFLECTIONS = [
    ("partner agency", "Our Partner Agencies and one partner agency's view.",
     ["Partner Agencies", "partner agency"]),
    ("audit", "Audits were audited; auditing helps; one audit.",
     ["Audits", "audited", "auditing", "audit"]),
    ("child", "Children and a child; children's views.", ["Children", "child", "children"]),
    ("get", "We got it, it gets better, we're getting there.", ["got", "gets", "getting"]),
    ("lot", "A lot of work, lots of it.", ["lot", "lots"]),
    ("learn", "We learned; learning is what we learn.", ["learned", "learning", "learn"]),
]


@pytest.mark.parametrize("prefilter", [True, False])
@pytest.mark.parametrize(("keyword", "text", "expected"), DRIFT + INFLECTIONS)
def test_keyword_matches_its_own_inflections_only(keyword, text, expected, prefilter):
    assert matched(keyword, text, prefilter) == expected


@pytest.mark.parametrize("prefilter", [True, False])
def test_offsets_with_emoji_combining_accents_and_crlf(prefilter):
    text = "Café\u0301 😀 partner agencies\r\nA bit 👍🏽 audited\r\n\r\nhousing, house"
    matcher = RuleMatcher(prefilter=prefilter)
    matcher.add(Code("c", "C", keywords=[Keyword("partner agency"), Keyword("audit"),
                                         Keyword("bite"), Keyword("housing")]))
    found = [(m.start, m.end, text[m.start:m.end]) for m in matcher(text)]
    start = text.index("partner")
    assert found == [(start, start + len("partner agencies"), "partner agencies"),
                     (text.index("audited"), text.index("audited") + 7, "audited"),
                     (text.index("housing"), text.index("housing") + 7, "housing")]


def test_the_rule_on_the_tables():
    lemmatizer = get_lemmatizer()
    # a base form of its own stands for itself; an inflected form for its lemma
    assert lemmatizer.word("housing") == "housing" and lemmatizer.word("agencies") == "agency"
    assert lemmatizer.word("got") == "get" and lemmatizer.word("children") == "child"
    assert "bit" not in lemmatizer.matches("bite")  # irregular, and the noun bit
    assert {"said", "children", "got"} <= (lemmatizer.matches("say") | lemmatizer.matches(
        "child") | lemmatizer.matches("get"))  # irregular forms that are no word of their own
    # spelling alone would make "bites" a form of "bit": the table's analysis (bite) wins
    assert lemmatizer.matches("bit") == {"bit", "bits"}
    assert is_regular_inflection("getting", "get") and is_regular_inflection("agencies", "agency")
    assert not is_regular_inflection("lot", "lots") and not is_regular_inflection("house",
                                                                                  "housing")
    # never more than the flat table gave the keyword or its own entries ("housings")
    for word in ("bite", "housing", "getting", "lots", "partner", "learn", "lie", "focus"):
        flat = lemmatizer.forms(lemmatizer.lemma(word)) | lemmatizer.forms(word) | {word}
        assert lemmatizer.matches(word) <= flat


def test_validate_warns_about_what_a_keyword_no_longer_matches(tmp_path, run_cli):
    path = tmp_path / "book.yaml"
    path.write_text(
        "name: B\ncodes:\n"
        "  - id: talk\n    name: Talk\n"
        "    keywords: [getting, bite, partner agency, {term: lots, exact: true}]\n",
        encoding="utf-8")
    result = run_cli("codebook", "validate", path)
    assert result.exit_code == 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"warning: {path}: code 'talk': keyword 'getting': 'getting' is a word of its own, so "
        "it matches its own forms only, not get, gets, got, gotten; add 'get' as a keyword to "
        "match those too",
        f"warning: {path}: code 'talk': keyword 'bite': 'bite' does not match bit, irregular "
        "forms that are also words of their own (a bit is not a bite); add them as keywords if "
        "you mean them",
    ]
