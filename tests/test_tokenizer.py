"""The pure-Python tokenizer cuts exactly where spaCy's English tokenizer does, its snapshot has
the installed spaCy's rules, and coding without token patterns never imports spaCy."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLE

from qualcode.coding.tokenizer import (
    Tokenizer,
    data_path,
    get_spacy_tokenizer,
    get_tokenizer,
    snapshot,
)
from qualcode.ingest import read_document
from qualcode.text import decode_bytes

TRANSCRIPTS = sorted(p for p in SAMPLE.iterdir() if p.name.startswith("lscb"))

TRICKY = [
    "don't", "Don't", "DON'T", "can't", "cannot", "Cannot", "gonna", "gotta", "we've", "y'all",
    "'cause", "’cause", "o'clock", "it's", "It’s", "they'd've", "ain't", "won't", "shan't",
    "Mr.", "Mrs.", "Ms.", "Dr.", "e.g.", "i.e.", "E.g.", "U.K.", "U.S.", "etc.", "vs.", "a.m.",
    "3p.m.", "10a.m.", "Ph.D.", "and/or", "w/o", "multi-agency", "well-being", "co-ordinate",
    "10km", "5kg", "£3.5m", "£20", "$5", "US$10", "€1,000", "50%", "1.5", "2015-16", "1/2",
    "16:30", "https://www.example.com/path?a=1&b=2", "www.gov.uk/guidance", "http://x.io).",
    "name@example.org", "(name@example.org)", "👍🏽", "👍🏽👍", "😀.", "İstanbul", "İSTANBUL",
    "café", "naïve", "Siân", "ﬁnance", "“smart quotes”", "‘single’", "(parentheses)",
    "[brackets]", "{braces}", "...", "…", "--", "—", "–", "-", "'", "''", "’’", '"', ":)",
    "Hi:)", ";-)", "<3", "o.O", "(:", "8)", "a.", "x.", "'s", "’s", "'S", "Smith's", "boss'",
    "\t", "\n", "\r\n", " ", "  ", "\xa0", "\u2009", "\u3000",
    # overlapping special cases, where spaCy's choice of which to keep shows
    ":Dr.doesn’t’ve:)):>", ":)):x°K.:}", ":(=]✓-33", "©needn't've:’):]",
]
SEPARATORS = ["", "", " ", " ", "  ", "\n", "\t", "\r\n", " \n ", "\xa0"]


def spacy_spans(text: str) -> list[tuple[int, int]]:
    return [(t.idx, t.idx + len(t.text)) for t in get_spacy_tokenizer()(text)]


def assert_same(texts) -> None:
    tokenizer = get_tokenizer()
    for text in texts:
        ours, theirs = tokenizer(text), spacy_spans(text)
        assert ours == theirs, (text, [text[s:e] for s, e in ours],
                                [text[s:e] for s, e in theirs])


def rules(data: dict) -> dict:
    """A snapshot without the spaCy version it was read from: a release that keeps the
    rules keeps the snapshot valid."""
    return {key: value for key, value in data.items() if key != "spacy_version"}


def test_snapshot_has_the_installed_spacys_rules():
    shipped = json.loads(data_path().read_text(encoding="utf-8"))
    current = snapshot(get_spacy_tokenizer())
    assert set(rules(current)) >= {"prefix_search", "special_cases", "url_match"}
    assert rules(shipped) == rules(current), (
        f"the tokenizer rules of spaCy {current['spacy_version']} (installed) differ from "
        f"en_tokenizer.json's (spaCy {shipped['spacy_version']}): run "
        "scripts/make_tokenizer_data.py")


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.name)
def test_same_tokens_as_spacy_on_the_sample_transcripts(path):
    texts = [read_document(path).text]
    if path.suffix in (".txt", ".vtt", ".srt"):
        texts.append(decode_bytes(path.read_bytes(), path))  # raw: CRLF, no NFC
    assert_same(texts)


def test_same_tokens_as_spacy_on_tricky_strings():
    assert_same(TRICKY)
    assert_same(f"{left}{word}{right}" for word in TRICKY
                for left, right in [("(", ")"), ('"', '".'), ("x", "x"), (" ", "  "), ("", ",")])
    assert_same(["", " ", "  a", "a  ", "\ta\t", " \n", "a \t b", "a\t b", "a \xa0b"])


def test_same_tokens_as_spacy_on_every_special_case_in_context():
    # Special cases cut apart by affixes ("Hi:)") are put back together by a final pass.
    keys = list(get_tokenizer().rules)
    assert_same(f"{left}{key}{right}" for key in keys
                for left, right in [("", ""), ("(", ")"), ("x", ""), ("", "x"), ("'", "'"),
                                    ("", "."), ("...", "-"), ("", f" {key}")])


def test_same_tokens_as_spacy_on_random_strings():
    rng = random.Random(20240611)
    pieces = [*TRICKY, "a", "I", "the", "partner", "x", ".", ",", "(", ")", "'", ":", "-", "/"]
    assert_same("".join(rng.choice(SEPARATORS) + rng.choice(pieces)
                        for _ in range(rng.randint(1, 12))) for _ in range(4000))
    alphabet = "ab'’-.:;,()[]\"“” \t\n\xa0/$£%@&*0123456789éİ👍🏽…—<>=_"
    assert_same("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))
                for _ in range(4000))


def test_rules_and_a_fresh_tokenizer_read_the_snapshot():
    fresh = Tokenizer.from_file(str(data_path()))
    assert fresh.rules["cannot"] == ("can", "not")
    text = "We can't (Mr. Smith's view)."
    assert [text[s:e] for s, e in fresh(text)] == [
        "We", "ca", "n't", "(", "Mr.", "Smith", "'s", "view", ")", "."]


def test_coding_without_token_patterns_does_not_import_spacy():
    script = (
        "import sys\n"
        "from qualcode import load_codebook, read_document\n"
        "from qualcode.coding.engine import code_documents\n"
        "book = load_codebook('codebooks/lscb_learning_improvement.yaml')\n"
        "assert not any(code.patterns for code in book.codes)\n"
        "assert code_documents([read_document('transcripts_sample/lscb09.txt')], book)\n"
        "assert 'spacy' not in sys.modules, 'spaCy was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
