"""The data model: plain dataclasses with no I/O, shared by every stage of the pipeline.

Offsets are Unicode code points into ``Document.text`` (already normalised), start inclusive,
end exclusive, so ``document.text[s.start:s.end] == s.text`` for every segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEGMENT_KINDS = ("turn", "sentence", "paragraph")
ORIGINS = ("rule", "manual", "ml", "import")
STATUSES = ("applied", "suggested", "accepted", "rejected")


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of a document: a speaker turn, a sentence or a paragraph."""

    document_id: str
    kind: str
    position: int
    start: int
    end: int
    text: str
    speaker: str | None = None
    is_interviewer: bool = False
    time_start: float | None = None
    time_end: float | None = None


@dataclass(slots=True)
class Document:
    """One transcript or response, its normalised text and its segments.

    ``turns`` and ``paragraphs`` are made at ingest; sentences are made on demand
    (``qualcode.segment.sentences``) because they need the spaCy pipeline.
    """

    id: str
    text: str
    source_name: str
    source_path: str
    format: str
    turns: list[Segment] = field(default_factory=list)
    paragraphs: list[Segment] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def speakers(self) -> list[str]:
        """Distinct speaker labels in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker is not None:
                seen.setdefault(turn.speaker, None)
        return list(seen)


@dataclass(slots=True)
class Code:
    """One code of a codebook, with its definition and its matching rules."""

    id: str
    name: str
    parent: str | None = None
    description: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    color: str | None = None
    keywords: list[Any] = field(default_factory=list)
    regex: list[str] = field(default_factory=list)
    patterns: list[Any] = field(default_factory=list)
    not_terms: list[str] = field(default_factory=list)
    near: dict[str, Any] | None = None
    exact: bool = False
    line: int | None = None


@dataclass(slots=True)
class Codebook:
    """A named hierarchy of codes; ``codes`` is in codebook (depth-first) order."""

    name: str
    codes: list[Code]
    version: int | str | None = None
    description: str = ""
    path: str | None = None


@dataclass(slots=True)
class Coding:
    """A code applied to a span of a document, with its provenance."""

    document_id: str
    start: int
    end: int
    code_id: str
    coder: str
    origin: str = "manual"
    status: str = "applied"
    rule: str | None = None
    model: str | None = None
    confidence: float | None = None
    created_at: str | None = None
    codebook_path: str | None = None
    codebook_hash: str | None = None
    matched: list[tuple[int, int, str]] = field(default_factory=list)
    id: int | None = None
