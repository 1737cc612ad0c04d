"""Plain-text transcripts (.txt, .md): the normalised file is the document text itself."""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions, make_document
from qualcode.ingest.transcript import has_blank_line_paragraphs, labelled_lines
from qualcode.model import Document
from qualcode.text import decode_bytes, normalise, read_bytes


def document_from_text(text: str, path: Path, data: bytes, fmt: str, options: ReadOptions
                       ) -> Document:
    """A Document from already-normalised text: speaker labels, turns and paragraphs."""
    lines = labelled_lines(text, markdown=fmt == "md", interviewers=options.interviewers)
    return make_document(path, data, fmt, options, text, lines,
                         blank_line_paragraphs=has_blank_line_paragraphs(lines))


def read_plaintext(path: Path, options: ReadOptions) -> list[Document]:
    """Read a .txt/.md transcript, with or without speaker labels."""
    data = read_bytes(path)
    text = normalise(decode_bytes(data, path, options.encoding))
    if not text.strip():
        raise InputError("empty file", path)
    doc = document_from_text(text, path, data, path.suffix.lower().lstrip("."), options)
    if not doc.turns:
        raise InputError("no transcript text found", path)
    return [doc]
