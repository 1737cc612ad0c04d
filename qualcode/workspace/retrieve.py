"""Retrieve: every excerpt coded with a code (and the codes under it), with its context.

The core act of qualitative analysis is reading all the passages of one code side by side;
each excerpt carries its document, speaker, time, coder, origin and status, and the words
around it, so the researcher can judge it without opening the transcript.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.errors import QualcodeError
from qualcode.model import COUNTED_STATUSES, ORIGINS, STATUSES
from qualcode.store import Project

CONTEXT_CHARS = 160
COUNTED = COUNTED_STATUSES


@dataclass(frozen=True, slots=True)
class Excerpt:
    coding_id: int
    document_id: str
    start: int
    end: int
    code_id: str
    coder: str
    origin: str
    status: str
    speaker: str | None
    time: float | None
    before: str
    text: str
    after: str


def context(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> tuple[str, str]:
    """Up to ``chars`` characters either side of a span, cut at a space (an ellipsis marks a
    cut), never across a blank line (the turn before or after)."""
    left = text[max(0, start - chars):start]
    right = text[end:end + chars]
    if "\n\n" in left:
        left = left.rsplit("\n\n", 1)[1]
    elif start - chars > 0 and " " in left:
        left = "… " + left.split(" ", 1)[1]
    if "\n\n" in right:
        right = right.split("\n\n", 1)[0]
    elif end + chars < len(text) and " " in right:
        right = right.rsplit(" ", 1)[0] + " …"
    return left, right


def retrieve(project: Project, code_id: str, *, coder: str | None = None,
             origin: str | None = None, status: str | None = None,
             attribute: str | None = None, value: str | None = None,
             descendants: bool = True) -> list[Excerpt]:
    """Excerpts of a code in document order, filtered by coder, origin, status (default: the
    statuses that count) and a case attribute's value (case-insensitive)."""
    book = project.codebook()
    known = {c.id for c in book.codes} | project.coded_code_ids()
    if code_id not in known:
        raise QualcodeError(f"no code {code_id!r} in the project")
    if origin and origin not in ORIGINS:
        raise QualcodeError(f"origin must be one of {', '.join(ORIGINS)}")
    if status and status not in STATUSES:
        raise QualcodeError(f"status must be one of {', '.join(STATUSES)}")
    codes = book.with_descendants([code_id]) if descendants else [code_id]
    attributes = project.attributes() if attribute else {}
    wanted = (value or "").strip().casefold()
    speakers, times = project.turn_lookup("speaker"), project.turn_lookup("time_start")
    texts: dict[str, str] = {}
    result = []
    for c in project.codings(code_ids=codes):
        if (status and c.status != status) or (not status and c.status not in COUNTED):
            continue
        if (coder and c.coder != coder) or (origin and c.origin != origin):
            continue
        if attribute and wanted != attributes.get(c.document_id, {}).get(
                attribute, "").casefold():
            continue
        if c.document_id not in texts:
            texts[c.document_id] = project.document_text(c.document_id) or ""
        text = texts[c.document_id]
        before, after = context(text, c.start, c.end)
        assert c.id is not None
        result.append(Excerpt(c.id, c.document_id, c.start, c.end, c.code_id, c.coder,
                              c.origin, c.status, speakers.at(c.document_id, c.start),
                              times.at(c.document_id, c.start), before, text[c.start:c.end],
                              after))
    return result
