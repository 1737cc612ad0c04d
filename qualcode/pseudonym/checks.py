"""Checking a pseudonym map against a project before it is used, and looking for what it
missed after.

Before: a term listed twice with different replacements, an entry that never occurs (a typo,
or the wrong project), a replacement that already stands in the real text (a reader could not
tell "[Place A]" the pseudonym from "[Place A]" the original), and entries whose matches
overlap without one containing the other. Each problem names the map's file and line.

After (``residual``): what in the pseudonymised text still looks like a name, an email, a
phone number or a postcode, so the researcher can extend the map before anything leaves.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from qualcode.errors import InputError, QualcodeError, quoted
from qualcode.pseudonym.mapping import Entry, PseudonymMap, check_unique
from qualcode.pseudonym.replace import Pseudonymiser


def project_strings(project) -> dict[str, str]:
    """Everything a map may have to replace, by where it comes from: document texts, and one
    line of document ids, speakers and case attribute values."""
    strings = dict(project.texts())
    speakers = {s for summary in project.summaries() for s, _ in summary.speakers}
    values = {v for per_document in project.attributes().values() for v in per_document.values()}
    strings["(document ids, speakers, attribute values)"] = "\n".join(
        sorted(set(strings) | speakers | values))
    return strings


def check_map(mapping: PseudonymMap, strings: dict[str, str]) -> None:
    """Raise one QualcodeError listing every problem (file:line each), or return quietly."""
    check_unique(mapping)
    problems: list[QualcodeError] = []
    intervals: list[tuple[str, int, int, int]] = []  # (where, start, end, entry index)
    for index, entry in enumerate(mapping.entries):
        finder = Pseudonymiser([entry])
        hits = [(where, s, e) for where, text in strings.items()
                for s, e, _ in finder.occurrences(text)]
        if not hits:
            problems.append(InputError(f"{quoted(entry.real)} (or its variants) never occurs "
                                       "in the project", mapping.path, entry.line))
        intervals.extend((where, s, e, index) for where, s, e in hits)
    problems.extend(_collisions(mapping, strings))
    problems.extend(_overlaps(mapping, intervals))
    if problems:
        raise QualcodeError.many(problems)


def _collisions(mapping: PseudonymMap, strings: dict[str, str]) -> list[QualcodeError]:
    """Replacements that already stand in the real text, found in one pass over it."""
    finder = Pseudonymiser([Entry(e.replacement, str(i)) for i, e in enumerate(mapping.entries)])
    where_found: dict[int, str] = {}
    for where, text in strings.items():
        for _, _, found in finder.occurrences(text):
            where_found.setdefault(int(found), where)
    problems: list[QualcodeError] = []
    for index in sorted(where_found):
        entry = mapping.entries[index]
        problems.append(InputError(
            f"replacement {quoted(entry.replacement)} already occurs in the real text "
            f"({where_found[index]}): a reader could not tell them apart", mapping.path,
            entry.line))
    return problems


def _overlaps(mapping: PseudonymMap, intervals) -> list[QualcodeError]:
    problems: list[QualcodeError] = []
    reported: set[tuple[int, int]] = set()
    intervals.sort(key=lambda item: (item[0], item[1], -item[2]))
    for (where, _s1, e1, a), (where2, s2, e2, b) in itertools.pairwise(intervals):
        if where != where2 or a == b or s2 >= e1 or e2 <= e1:
            continue  # apart, the same entry, or one inside the other (longest wins)
        first, second = mapping.entries[a], mapping.entries[b]
        if first.replacement == second.replacement or (a, b) in reported:
            continue
        reported.add((a, b))
        problems.append(InputError(
            f"{quoted(first.real)} and {quoted(second.real)} (line {second.line}) overlap in "
            f"{where}: make one entry cover both, or list the longer form", mapping.path,
            first.line))
    return problems


@dataclass(frozen=True, slots=True)
class Residual:
    """Something in the pseudonymised text that still looks identifying."""

    document_id: str
    text: str
    kind: str
    count: int
    example: str


def residual(documents, pseudonymiser: Pseudonymiser) -> list[Residual]:
    """What the recogniser would still propose in the pseudonymised documents, with counts;
    replacements themselves are not reported."""
    from qualcode.model import Document
    from qualcode.pseudonym.propose import propose

    rewritten = []
    for document in documents:
        new = pseudonymiser.rewrite(document.text)
        turns = [t.__class__(t.document_id, t.kind, t.position, new.start(t.start),
                             new.end(t.end), "", pseudonymiser(t.speaker), t.is_interviewer)
                 for t in document.turns]
        rewritten.append(Document(id=document.id, text=new.text, source_name="",
                                  source_path="", format="", turns=turns))
    replacements = {e.replacement.casefold() for e in pseudonymiser.entries}
    found = []
    for proposal in propose(rewritten):
        real = proposal.entry.real.casefold()
        if not proposal.count or any(real in replacement for replacement in replacements):
            continue
        kind = proposal.entry.category
        found.append(Residual(proposal.documents[0] if proposal.documents else "",
                              proposal.entry.real, kind, proposal.count, proposal.example))
    return found
