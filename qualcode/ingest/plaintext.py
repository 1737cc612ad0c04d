"""Plain-text transcripts (.txt, .md): the normalised file is the document text itself."""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions, make_document
from qualcode.ingest.transcript import has_blank_line_paragraphs, labelled_lines
from qualcode.model import Document
from qualcode.text import decode_bytes, normalise, read_bytes


def read_plaintext(path: Path, options: ReadOptions) -> list[Document]:
    """Read a .txt/.md transcript, with or without speaker labels."""
    data = read_bytes(path)
    text = normalise(decode_bytes(data, path, options.encoding))
    if not text.strip():
        raise InputError("empty file", path)
    lines = labelled_lines(text)
    doc = make_document(
        path, data, path.suffix.lower().lstrip("."), options, text, lines,
        blank_line_paragraphs=has_blank_line_paragraphs(lines),
    )
    if not doc.turns:
        raise InputError("no transcript text found", path)
    return [doc]
