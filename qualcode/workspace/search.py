"""Search the project's text: words in every form the rules would match, or exact words.

Lemma-aware search runs the same matcher as autocoding (a one-keyword code), so what the
researcher finds here is exactly what a keyword would code; results come as keyword in context.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.coding.rules import RuleMatcher
from qualcode.errors import QualcodeError
from qualcode.model import Code, Keyword
from qualcode.store import Project

SEARCH_MODES = ("lemma", "exact")
KWIC_CHARS = 70


@dataclass(frozen=True, slots=True)
class Hit:
    document_id: str
    start: int
    end: int
    speaker: str | None
    left: str
    match: str
    right: str


def search(project: Project, query: str, *, mode: str = "lemma", speakers: str = "all",
           limit: int = 2000) -> list[Hit]:
    """Every occurrence of a word or phrase in the project's turns, in document order
    (at most ``limit``).

    >>> [h.match for h in search(project, "partner agency")]  # doctest: +SKIP
    ['partner agencies', 'partner agency']
    """
    query = " ".join(str(query or "").split())
    if not query:
        raise QualcodeError("type a word or phrase to search for")
    if mode not in SEARCH_MODES:
        raise QualcodeError(f"mode must be one of {', '.join(SEARCH_MODES)}, not {mode!r}")
    matcher = RuleMatcher()
    matcher.add(Code(id="search", name="search",
                     keywords=[Keyword(query, True if mode == "exact" else None)]))
    hits: list[Hit] = []
    for turn in project.segments("turn", participants_only=speakers == "participants"):
        for match in matcher(turn.text):
            start, end = turn.start + match.start, turn.start + match.end
            text = turn.text
            left = text[max(0, match.start - KWIC_CHARS):match.start].replace("\n", " ")
            right = text[match.end:match.end + KWIC_CHARS].replace("\n", " ")
            hits.append(Hit(turn.document_id, start, end, turn.speaker, left,
                            text[match.start:match.end], right))
            if len(hits) >= limit:
                return hits
    return hits
