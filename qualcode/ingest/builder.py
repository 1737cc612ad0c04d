"""Rendering formats that are not plain text (Word, subtitles) into a document text with Lines.

A .docx or .vtt has no single text to point offsets at, so the reader renders one: each
paragraph or turn on its own line, labels kept as ``Speaker: ``. The Lines it records are what
``transcript.assemble`` needs, with offsets into exactly the text rendered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from qualcode.ingest.transcript import Line, LineWords, assemble
from qualcode.model import Document
from qualcode.text import normalise


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What a reader needs besides the file: the document id and the user's choices."""

    document_id: str
    encoding: str | None = None
    text_column: str | None = None
    id_column: str | None = None
    interviewers: frozenset[str] = frozenset()
    speaker_column: str | None = None
    time_column: str | None = None


class TextBuilder:
    """Accumulates rendered lines; ``add`` returns nothing, ``document`` assembles the result."""

    def __init__(self, separator: str = "\n") -> None:
        self._parts: list[str] = []
        self._lines: list[Line] = []
        self._length = 0
        self._separator = separator

    def add(
        self,
        text: str,
        *,
        speaker: str | None = None,
        speech_at: int = 0,
        time_start: float | None = None,
        time_end: float | None = None,
        skip: bool = False,
    ) -> None:
        """Append one block; ``speech_at`` is where the speech starts inside ``text``.

        ``text`` must already be normalised and NFC so that offsets stay valid; multi-line
        blocks are split into Lines, the first carrying the speaker.
        """
        text = normalise(text)
        if not text.strip():
            return
        if self._parts:
            self._parts.append(self._separator)
            self._length += len(self._separator)
        base = self._length
        pos = 0
        for i, raw in enumerate(text.split("\n")):
            start = base + pos + (len(raw) - len(raw.lstrip()))
            end = base + pos + len(raw.rstrip())
            if i == 0:
                speech = max(start, base + speech_at)
                while speech < end and text[speech - base].isspace():
                    speech += 1
                self._lines.append(
                    Line(start, max(end, start), speech, speaker, time_start, time_end, skip)
                )
            elif end > start:
                self._lines.append(Line(start, end, start, None, None, time_end, skip))
            pos += len(raw) + 1
        self._parts.append(text)
        self._length += len(text)

    @property
    def length(self) -> int:
        """Where the next block will start, once the separator is added."""
        return self._length + (len(self._separator) if self._parts else 0)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def document(self, path: Path, data: bytes, fmt: str, options: ReadOptions) -> Document:
        """The Document for everything added so far (each block one paragraph)."""
        text = self.text
        return make_document(
            path, data, fmt, options, text, self._lines, blank_line_paragraphs=False
        )


def make_document(
    path: Path,
    data: bytes,
    fmt: str,
    options: ReadOptions,
    text: str,
    lines: list[Line],
    *,
    blank_line_paragraphs: bool,
    document_id: str | None = None,
    attributes: dict[str, str] | None = None,
) -> Document:
    """Assemble turns and paragraphs and wrap them, with the source's hash, as a Document."""
    doc_id = document_id or options.document_id
    words = LineWords(text, lines)
    turns, paragraphs = assemble(
        doc_id, text, lines,
        blank_line_paragraphs=blank_line_paragraphs, interviewers=options.interviewers,
        words=words,
    )
    return Document(
        id=doc_id,
        text=text,
        source_name=path.name,
        source_path=str(path),
        format=fmt,
        turns=turns,
        paragraphs=paragraphs,
        attributes=dict(attributes or {}),
        sha256=hashlib.sha256(data).hexdigest(),
        words=words.total,
    )
