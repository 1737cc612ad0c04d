"""Proposing a pseudonym map: every speaker, and whatever in the text looks like a name, an
organisation, a place, an email address, a phone number or a postcode.

No model can be downloaded here, so the recogniser is rules plus the researcher's review, which
is the honest design for ethics work anyway: it proposes generously, shows where each proposal
occurs, and the researcher deletes what is not identifying. A capitalised sequence is proposed
when it is not at the start of a sentence and its words are not ordinary English (not in
spaCy's English lookup tables, or never written in lower case anywhere in the project).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from qualcode.pseudonym.mapping import Entry, PseudonymMap

ROLE_LABELS = re.compile(
    r"^(?:interviewer|interviewee|moderator|facilitator|researcher|respondent|participant|"
    r"speaker|unknown|[A-Z]{1,3}\d*|[IPRQ]\s*\d+|(?:participant|respondent|speaker|p|r)\s*\d+)$",
    re.IGNORECASE)
INTERVIEWER_WORDS = ("interviewer", "moderator", "facilitator", "researcher")
TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Cllr|Councillor)"
URL = re.compile(r"\b(?:https?://|www\.)\S+")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?7\d{3}|\+44\s?\d{2,4}|0\d{2,4})"
                   r"[\s-]?\d{3,4}[\s-]?\d{3,4}\b")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
TITLED = re.compile(rf"\b{TITLES}\.?\s+[A-Z][\w'’-]+")
_WORD = r"[A-Z][\w'’]*(?:-[\w'’]+)*"
CAPITALISED = re.compile(  # words joined by single spaces and a few small words
    rf"\b{_WORD}(?:(?: (?:of|the|for|de|van|von|upon|on))* {_WORD})*")
CALENDAR = {"january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december", "monday", "tuesday", "wednesday",
            "thursday", "friday", "saturday", "sunday", "christmas", "easter"}
INTERJECTION = re.compile(r"^(?:m+|h+m+|mm-?hm+|u+[hm]+|e+r+m*|a+h+|o+h+|y+e+a+h*)$")
CONNECTORS = {"of", "the", "for", "de", "van", "von", "upon", "on"}
ORGANISATION_WORDS = {"board", "council", "trust", "service", "services", "police", "nhs",
                      "ccg", "partnership", "school", "academy", "college", "university",
                      "hospital", "authority", "department", "agency", "ltd", "limited",
                      "group", "centre", "center", "unit", "team", "office", "foundation",
                      "charity", "association", "society", "committee", "panel"}
PLACE_WORDS = {"road", "street", "lane", "avenue", "park", "town", "city", "county", "borough",
               "village", "estate", "north", "south", "east", "west"}


@dataclass
class Proposal:
    """A proposed entry with where it was seen."""

    entry: Entry
    count: int = 0
    documents: list[str] = field(default_factory=list)
    example: str = ""


@cache
def english_words() -> frozenset[str]:
    """Lower-case English words from spaCy's lookup tables (``spacy-lookups-data``)."""
    import gzip
    import json
    from importlib.resources import files

    data = files("spacy_lookups_data").joinpath("data")
    words: set[str] = set()
    index = json.loads(gzip.decompress(data.joinpath("en_lemma_index.json.gz").read_bytes()))
    for values in index.values():
        words.update(values)
    lookup = json.loads(gzip.decompress(data.joinpath("en_lemma_lookup.json.gz").read_bytes()))
    words.update(k for k in lookup if k.islower())
    return frozenset(words)


def _category(sequence: str, before: str) -> str:
    """A guess the researcher checks: organisation or place words, a title (a person), else
    "other" (a name of a person or a place: the text alone cannot tell)."""
    words = {w.lower().strip("'’") for w in sequence.split()}
    if words & ORGANISATION_WORDS:
        return "organisation"
    if words & PLACE_WORDS or re.search(r"\b(?:in|at|from|near)\s+$", before):
        return "place"
    if TITLED.fullmatch(sequence):
        return "third party"
    return "other"


def _base(word: str) -> str:
    """A word without its possessive or contraction ("Caldermoor's" -> "caldermoor")."""
    return re.split(r"['’]", word.lower(), maxsplit=1)[0].strip("-")


def _ordinary_word(word: str, lower_words: set[str]) -> bool:
    """An everyday word (in English and written in lower case somewhere in the project), a
    function word, a month or day, or an acronym (jargon such as CCG or MASH: rarely
    identifying, and the researcher can add one by hand)."""
    base = _base(word)
    if len(base) <= 1 or base in CALENDAR or base in CONNECTORS or INTERJECTION.match(base):
        return True
    if re.fullmatch(r"[A-Z]{2,6}s?", word.rstrip("'’s")) or re.fullmatch(r"[A-Z]{2,6}s?", word):
        return True
    return base in lower_words or base in english_words() or bool(ROLE_LABELS.match(word))


def _name_part(sequence: str, lower_words: set[str]) -> str:
    """What is left of a capitalised sequence once its leading ordinary words are dropped
    ("And Westbridge" -> "Westbridge"), or "" when nothing out of the ordinary is left."""
    words = sequence.split()
    while words and _ordinary_word(words[0], lower_words):
        words.pop(0)
    if not words or all(_ordinary_word(w, lower_words) for w in words):
        return ""
    name = " ".join(words)
    return re.sub(r"['’]s$", "", name)


def propose(documents, attributes: dict[str, dict[str, str]] | None = None,
            names: list[str] | None = None) -> list[Proposal]:
    """Proposals for a project's documents (each with ``text``, ``id`` and ``turns``): speakers
    first (participants [P01].., interviewers [I1]..), then names from ``names``, titles with
    surnames, capitalised sequences, emails, phones and postcodes, most frequent first."""
    documents = list(documents)
    texts = {d.id: d.text for d in documents}
    lower_words = {w for text in texts.values()  # words written in lower case, as words
                   for w in re.findall(r"\b[a-z][\w'’-]*", EMAIL.sub(" ", URL.sub(" ", text)))}
    proposals: dict[str, Proposal] = {}
    taken: set[str] = set()

    def add(real: str, replacement: str, category: str, variants=()) -> Proposal | None:
        key = real.casefold()
        if key in taken:
            return None
        proposal = Proposal(Entry(real, replacement, category, list(variants)))
        proposals[key] = proposal
        taken.add(key)
        taken.update(v.casefold() for v in variants)
        return proposal

    _speakers(documents, texts, add)
    for name in names or []:
        name = " ".join(name.split())
        if name:
            add(name, f"[Person {_letters(len(proposals))}]", "third party")
    counters = {"third party": 0, "organisation": 0, "place": 0, "other": 0}
    labels = {"third party": "Person", "organisation": "Organisation", "place": "Place",
              "other": "Name"}
    found: Counter[tuple[str, str]] = Counter()
    for text in texts.values():
        for match in TITLED.finditer(text):
            found[(" ".join(match.group().split()), "third party")] += 1
        for match in CAPITALISED.finditer(text):
            before = text[max(0, match.start() - 40):match.start()]
            for part in match.group().split(" and "):
                sequence = _name_part(" ".join(part.split()), lower_words)
                if sequence:
                    found[(sequence, _category(sequence, before))] += 1
    for (sequence, category), _ in found.most_common():
        if _covered(sequence, taken, lower_words):
            continue
        counters[category] += 1
        add(sequence, f"[{labels[category]} {_letters(counters[category] - 1)}]", category)
    for pattern, label in ((EMAIL, "[email]"), (PHONE, "[phone]"), (POSTCODE, "[postcode]")):
        for text in texts.values():
            for match in pattern.finditer(text):
                add(match.group(), label, "other")
    result = list(proposals.values())
    _locate(result, texts)
    return [p for p in result if p.count or p.entry.category == "participant"]


def _speakers(documents, texts, add) -> None:
    """Every named speaker once, in order of first appearance: participants [P01].., people
    who interview [I1].. (a role label such as "Interviewer" or "P3" is not a name)."""
    seen: dict[str, bool] = {}
    for document in documents:
        for turn in document.turns:
            speaker = " ".join((turn.speaker or "").split())
            if speaker and not ROLE_LABELS.match(speaker) and speaker not in seen:
                seen[speaker] = turn.is_interviewer or any(
                    w in speaker.lower() for w in INTERVIEWER_WORDS)
    everything = "\n".join(texts.values())
    variants = {speaker: _name_variants(speaker, everything) for speaker in seen}
    # a first name or surname two speakers share (Gillian and Tom Ashworth) cannot say who
    # is meant: it is left out, and `pseudonymise check` shows where it still stands
    shared = Counter(v.casefold() for forms in variants.values() for v in forms)
    counts = {True: 0, False: 0}
    for speaker, interviewing in seen.items():
        counts[interviewing] += 1
        replacement = f"[I{counts[True]}]" if interviewing else f"[P{counts[False]:02d}]"
        own = [v for v in variants[speaker] if shared[v.casefold()] == 1]
        if add(speaker, replacement, "participant", own) is None:
            counts[interviewing] -= 1


def _name_variants(name: str, everything: str) -> list[str]:
    """Forms of a person's name that occur in the project: first name, surname, title +
    surname, and the same in capitals (as some transcripts label speakers)."""
    words = name.split()
    if len(words) < 2:
        return []
    first, last = words[0], words[-1]
    candidates = [first.title(), last.title()] if name.isupper() else [first, last]
    candidates += [f"{title} {candidates[-1]}" for title in
                   ("Mr", "Mrs", "Ms", "Miss", "Dr")]
    return [c for c in dict.fromkeys(candidates)
            if c.casefold() != name.casefold() and re.search(
                rf"(?<!\w){re.escape(c)}(?!\w)", everything, re.IGNORECASE)]


def _covered(sequence: str, taken: set[str], lower_words: set[str]) -> bool:
    """Whether the terms already proposed replace every unusual word of ``sequence``."""
    rest = sequence
    for term in sorted(taken, key=len, reverse=True):
        rest = re.sub(rf"(?<!\w){re.escape(term)}(?!\w)", " ", rest, flags=re.IGNORECASE)
    return all(_ordinary_word(w, lower_words) for w in rest.split())


def _letters(n: int) -> str:
    """A, B, ..., Z, AA, AB, ... for the n-th (from 0) third party, organisation or place."""
    result = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        result = chr(65 + rest) + result
    return result


def _locate(proposals: list[Proposal], texts: dict[str, str]) -> None:
    """Count where each proposal occurs: one pass over each text for all of them."""
    from qualcode.pseudonym.replace import Pseudonymiser

    finder = Pseudonymiser([Entry(p.entry.real, str(i), variants=p.entry.variants)
                            for i, p in enumerate(proposals)])
    for doc_id, text in texts.items():
        for start, end, index in finder.occurrences(text):
            proposal = proposals[int(index)]
            proposal.count += 1
            if doc_id not in proposal.documents:
                proposal.documents.append(doc_id)
            if not proposal.example:
                proposal.example = " ".join(
                    text[max(0, start - 40):min(len(text), end + 40)].split())


def proposals_to_map(proposals: list[Proposal]) -> tuple[PseudonymMap, dict[int, list[str]]]:
    """The map to review, and a note per entry of where it occurs."""
    notes = {}
    for index, proposal in enumerate(proposals):
        where = ", ".join(proposal.documents[:6]) + (" ..." if len(proposal.documents) > 6
                                                     else "")
        notes[index] = [f"{proposal.count} time(s) in {where or 'speaker labels only'}"]
        if proposal.example:
            notes[index].append(f"e.g. ...{proposal.example}...")
    return PseudonymMap([p.entry for p in proposals]), notes
