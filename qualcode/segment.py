"""Segments as units of coding: turns, paragraphs (made at ingest) and sentences.

Sentences come from spaCy's rule-based sentencizer, run paragraph by paragraph so that a
sentence never crosses a paragraph or a turn. In a project they are made once, by the explicit
step ``ensure_sentences`` (the store only records them), and read back like any segment;
``project_units`` does both for a caller that may be asked for any unit. Every segment satisfies
``document.text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from qualcode.model import Document, Segment

if TYPE_CHECKING:
    from qualcode.cluster import Cluster
    from qualcode.store import Project


def sentences(document: Document) -> list[Segment]:
    """Split a document's paragraphs into sentence segments, with offsets into its text.

    >>> from qualcode.ingest import read_document
    >>> doc = read_document("transcripts_sample/lscb09.txt")  # doctest: +SKIP
    >>> s = sentences(doc)[0]; doc.text[s.start:s.end] == s.text  # doctest: +SKIP
    True
    """
    return sentences_of(document.text, document.paragraphs)


# spaCy refuses a text over ``nlp.max_length`` (1,000,000 characters: error E088) and needs
# memory in proportion to what it is given at once; a longer paragraph (a transcript with no
# line breaks, a pasted book) is sentencized in pieces of at most this many characters, cut at a
# line break, else after a sentence's end, else at a space (see ``_pieces``).
MAX_PIECE = 100_000
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
_SPACE = re.compile(r"\s+")


def sentences_of(text: str, paragraphs: Iterable[Segment]) -> list[Segment]:
    """Sentence segments for the given paragraphs of ``text`` (one document's)."""
    from qualcode.coding.nlp import SENTENCE_PIPES, get_nlp

    nlp = get_nlp()
    result: list[Segment] = []
    pieces = ((text[start:end], (paragraph, start))
              for paragraph in paragraphs for start, end in _pieces(text, paragraph))
    with nlp.select_pipes(enable=list(SENTENCE_PIPES)):
        for doc, (paragraph, offset) in nlp.pipe(pieces, as_tuples=True, batch_size=256):
            for sent in doc.sents:
                chunk = sent.text
                lead = len(chunk) - len(chunk.lstrip())
                stripped = chunk.strip()
                if not stripped:
                    continue
                start = offset + sent.start_char + lead
                result.append(
                    Segment(
                        paragraph.document_id, "sentence", len(result), start,
                        start + len(stripped), text[start:start + len(stripped)],
                        paragraph.speaker, paragraph.is_interviewer,
                        paragraph.time_start, paragraph.time_end,
                    )
                )
    return result


def _pieces(text: str, paragraph: Segment, size: int = MAX_PIECE) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of the pieces of a paragraph to sentencize: the paragraph itself
    when it has at most ``size`` characters; else pieces of at most ``size``, each cut in its
    second half at the last line break, else after the last sentence end, else at the last
    space, else (no space in 50,000 characters) before a character that is not a combining
    mark. A cut is then a sentence break, which it nearly always is anyway."""
    start, end = paragraph.start, paragraph.end
    pieces = []
    while end - start > size:
        low, high = start + size // 2, start + size
        cut = text.rfind("\n", low, high) + 1
        if not cut:
            ends = [m.end() for m in _SENTENCE_END.finditer(text, low, high)]
            cut = ends[-1] if ends else 0
        if not cut:
            spaces = [m.end() for m in _SPACE.finditer(text, low, high)]
            cut = spaces[-1] if spaces else high
            while not spaces and cut > low and unicodedata.combining(text[cut]):
                cut -= 1
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def segments(document: Document, unit: str) -> list[Segment]:
    """The document's segments of one kind: ``turn``, ``sentence`` or ``paragraph``."""
    if unit == "turn":
        return document.turns
    if unit == "paragraph":
        return document.paragraphs
    if unit == "sentence":
        return sentences(document)
    raise ValueError(f"unknown unit {unit!r}: use turn, sentence or paragraph")


SENTENCE_BATCH = 32  # documents whose sentences are made and stored at a time


def ensure_sentences(project: Project, document_ids: Iterable[str] | None = None, *,
                     cluster: Cluster | None = None) -> int:
    """Make and store the sentences of the (given) documents that have none yet; returns for
    how many documents they were made. A batch of documents at a time, each batch in its own
    transaction: memory holds one batch, and an interrupted run keeps what it made. With a
    ``cluster`` (``qualcode.Cluster``) its workers make them; this process stores them."""
    from qualcode.cluster import serial_map

    todo = project.documents_without_sentences(document_ids)

    def documents() -> Iterator[Document]:
        for first in range(0, len(todo), SENTENCE_BATCH):
            yield from project.documents(todo[first:first + SENTENCE_BATCH])

    if cluster is None:
        made = serial_map(_sentences_by_id, documents())
    else:
        made = cluster.map(_sentences_by_id, documents(), label=lambda d: d.source_path)
    batch: dict[str, list[Segment]] = {}
    for document_id, found in made:
        batch[document_id] = found
        if len(batch) == SENTENCE_BATCH:
            project.record_sentences(batch)
            batch = {}
    if batch:
        project.record_sentences(batch)
    return len(todo)


def _sentences_by_id(document: Document) -> tuple[str, list[Segment]]:
    """A document's id and sentences: ``ensure_sentences``' work per document."""
    return document.id, sentences(document)


def project_units(project: Project, unit: str, document_ids: Iterable[str] | None = None,
                  participants_only: bool = False) -> list[Segment]:
    """A project's segments of one unit (turn, sentence, paragraph), making sentences first
    when they are asked for and not made yet."""
    if unit == "sentence":
        document_ids = list(document_ids) if document_ids is not None else None
        ensure_sentences(project, document_ids)
    return project.segments(unit, document_ids, participants_only)
