"""The data model: plain dataclasses with no I/O, shared by every stage of the pipeline.

Offsets are Unicode code points into ``Document.text`` (already normalised), start inclusive,
end exclusive, so ``document.text[s.start:s.end] == s.text`` for every segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEGMENT_KINDS = ("turn", "sentence", "paragraph")
ORIGINS = ("rule", "manual", "ml", "import")
STATUSES = ("applied", "accepted", "suggested", "rejected")
# Which codings count in tables, agreement and training unless asked otherwise: applied (by a
# rule or a person) and accepted suggestions; suggested and rejected ones never count.
COUNTED_STATUSES = ("applied", "accepted")
# A person's codings: made by hand or imported, or suggestions a person accepted. A document
# with any of them is not replaced silently when its source changes.
PERSON_ORIGINS = ("manual", "import")
PERSON_STATUSES = ("accepted",)
# The quote table's own columns (``qualcode.export.excerpts``): a case attribute may not take one
# of these names, or it would overwrite the real column (a "speaker" attribute hid the speaker).
QUOTE_COLUMNS = ("document", "speaker", "start", "end", "time", "code_id", "code_path", "code",
                 "text", "origin", "coder", "status", "rule", "confidence")


@dataclass(frozen=True)
class Selection:
    """Which codings count: by origin, status and coder (None = any)."""

    origins: tuple[str, ...] | None = None
    statuses: tuple[str, ...] = COUNTED_STATUSES
    coders: tuple[str, ...] | None = None

    def describe(self) -> str:
        parts = [f"status {'/'.join(self.statuses)}"]
        if self.origins:
            parts.append(f"origin {'/'.join(self.origins)}")
        if self.coders:
            parts.append(f"coder {'/'.join(self.coders)}")
        return ", ".join(parts)


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
    # Words in ``text`` (``qualcode.text.count_words``), when the maker counted them already
    # (ingest counts each line once); None: count when needed. Not part of equality: a count
    # is a cache of the text, not a fact of its own.
    words: int | None = field(default=None, compare=False)


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
    # words in ``text``, if counted at ingest (None: not yet); a cache, not part of equality
    words: int | None = field(default=None, compare=False)

    @property
    def speakers(self) -> list[str]:
        """Distinct speaker labels in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker is not None:
                seen.setdefault(turn.speaker, None)
        return list(seen)

    def __reduce__(self):
        """Pickled with its text once and each segment as a plain tuple without the text it
        slices (a worker process sends documents back: half the bytes, and five times
        quicker to unpickle than frozen dataclasses field by field)."""
        return (_unpickle_document, (
            self.id, self.text, self.source_name, self.source_path, self.format,
            _segment_rows(self.turns, self.text), _segment_rows(self.paragraphs, self.text),
            self.attributes, self.sha256, self.metadata, self.words))


def _segment_rows(segments: list[Segment], text: str) -> list[tuple]:
    """Segments as tuples of their fields; the text is None where it is the document's
    slice (it always is for segments made by qualcode)."""
    return [(s.document_id, s.kind, s.position, s.start, s.end,
             None if text[s.start:s.end] == s.text else s.text,
             s.speaker, s.is_interviewer, s.time_start, s.time_end, s.words)
            for s in segments]


def _unpickle_document(id, text, source_name, source_path, format, turns, paragraphs,
                       attributes, sha256, metadata, words) -> Document:
    def segments(rows: list[tuple]) -> list[Segment]:
        return [Segment(doc, kind, position, start, end,
                        text[start:end] if own is None else own, *rest)
                for doc, kind, position, start, end, own, *rest in rows]

    return Document(id, text, source_name, source_path, format, segments(turns),
                    segments(paragraphs), attributes, sha256, metadata, words)


@dataclass(frozen=True, slots=True)
class Keyword:
    """A keyword or phrase; ``exact`` None means "as the code says" (lemmas by default)."""

    term: str
    exact: bool | None = None


@dataclass(frozen=True, slots=True)
class Near:
    """A proximity rule: a term of ``a`` within ``within`` tokens of a term of ``b``."""

    a: tuple[str, ...]
    b: tuple[str, ...]
    within: int


@dataclass(slots=True)
class Code:
    """One code of a codebook, with its definition and its matching rules.

    ``not_terms`` is the codebook's ``not`` list (a Python keyword, hence the name).
    """

    id: str
    name: str
    parent: str | None = None
    description: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    color: str | None = None
    keywords: list[Keyword] = field(default_factory=list)
    regex: list[str] = field(default_factory=list)
    patterns: list[list[dict[str, Any]]] = field(default_factory=list)
    not_terms: list[str] = field(default_factory=list)
    near: list[Near] = field(default_factory=list)
    exact: bool = False
    codable: bool = True
    exclusive: bool = False
    line: int | None = None

    @property
    def has_rules(self) -> bool:
        """Whether the engine can code this code by itself."""
        return bool(self.keywords or self.regex or self.patterns or self.near)


@dataclass(slots=True)
class Codebook:
    """A named hierarchy of codes; ``codes`` is in codebook (depth-first) order."""

    name: str
    codes: list[Code]
    version: int | str | None = None
    description: str = ""
    path: str | None = None
    sha256: str = ""
    # (the (id, parent) pairs it was made from, every code's ancestors): see ancestor_map
    _ancestry: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def get(self, code_id: str) -> Code:
        """The code with this id (KeyError if there is none)."""
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    def children(self, code_id: str | None) -> list[Code]:
        """Direct children of a code, or the top-level codes for None, in codebook order."""
        return [c for c in self.codes if c.parent == code_id]

    def ancestors(self, code_id: str) -> list[str]:
        """Ids from the code's parent up to its top-level theme."""
        return list(self.ancestor_map().get(code_id, ()))

    def ancestor_map(self) -> dict[str, tuple[str, ...]]:
        """Every code's ancestors (parent first), made once and kept until the hierarchy
        changes: tables ask for them once per coding. Do not modify the returned dict."""
        shape = tuple((c.id, c.parent) for c in self.codes)
        if self._ancestry is None or self._ancestry[0] != shape:
            parents = dict(shape)
            lineage: dict[str, tuple[str, ...]] = {}
            for code_id in parents:
                result: list[str] = []
                current = parents.get(code_id)
                while current is not None and current not in result:
                    result.append(current)
                    current = parents.get(current)
                lineage[code_id] = tuple(result)
            self._ancestry = (shape, lineage)
        return self._ancestry[1]

    def top_themes(self) -> dict[str, str]:
        """Each code's top-level theme (a theme is its own), by code id: how agreement,
        evaluation and co-occurrence roll sub-codes up to themes (``--level themes``)."""
        parents = {c.id: c.parent for c in self.codes}
        tops: dict[str, str] = {}
        for code in self.codes:
            top, seen = code.id, {code.id}
            parent = parents.get(top)
            while parent is not None and parent not in seen:
                top = parent
                parent = parents.get(top)
                seen.add(top)
            tops[code.id] = top
        return tops

    def with_descendants(self, code_ids) -> list[str]:
        """The codes named and every code under them, in codebook order; ids this codebook
        does not have (codes only in codings) are kept, at the end."""
        wanted = set(code_ids)
        known = {c.id for c in self.codes}
        lineage = self.ancestor_map()
        return [c.id for c in self.codes
                if c.id in wanted or wanted.intersection(lineage.get(c.id, ()))] + [
            c for c in code_ids if c not in known]

    def depth(self, code_id: str) -> int:
        """How many ancestors the code has (a theme: 0). Each call checks the hierarchy
        (O(codes)), so a loop over codes takes ``ancestor_map()`` once instead."""
        return len(self.ancestor_map().get(code_id, ()))


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
    codebook: str | None = None
    codebook_path: str | None = None
    codebook_hash: str | None = None
    matched: list[tuple[int, int, str]] = field(default_factory=list)
    id: int | None = None
