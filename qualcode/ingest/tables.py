"""Tables of free-text responses (.csv, .xlsx): one document per row.

Consultation responses and survey answers arrive as spreadsheets. The text column becomes the
document, the id column its id, and every other column a case attribute of that document.
"""

from __future__ import annotations

import json
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions, make_document
from qualcode.ingest.transcript import has_blank_line_paragraphs, labelled_lines
from qualcode.model import Document
from qualcode.tablefile import read_table_file, table_rows
from qualcode.text import normalise


def _column(frame, name: str, option: str, path: Path) -> str:
    lookup = {c.casefold(): c for c in frame.columns}
    if name.casefold() not in lookup:
        columns = ", ".join(frame.columns)
        raise InputError(f"no column {name!r} for {option} (columns: {columns})", path, 1)
    return lookup[name.casefold()]


def read_responses(path: Path, options: ReadOptions) -> list[Document]:
    """One Document per non-blank row; other columns become case attributes."""
    frame = read_table_file(path, options.encoding)
    if not options.text_column:
        columns = ", ".join(frame.columns)
        raise InputError(
            f"a table of responses needs --text-column (columns: {columns})", path, 1
        )
    text_col = _column(frame, options.text_column, "--text-column", path)
    id_col = _column(frame, options.id_column, "--id-column", path) if options.id_column else None
    attribute_cols = [c for c in frame.columns if c not in (text_col, id_col)]
    documents: list[Document] = []
    seen: dict[str, int] = {}
    for row_index, values in table_rows(frame):
        text = normalise(values[text_col]).strip()
        if not text:
            continue
        doc_id = values[id_col].strip() if id_col else f"{options.document_id}-{row_index}"
        if not doc_id:
            raise InputError(f"empty {id_col!r} in a row with text", path, row_index)
        if doc_id in seen:
            raise InputError(
                f"duplicate id {doc_id!r} (first on line {seen[doc_id]})", path, row_index
            )
        seen[doc_id] = row_index
        lines = labelled_lines(text, detect_labels=False)
        attributes = {c: values[c].strip() for c in attribute_cols if values[c].strip()}
        row_bytes = json.dumps([text, attributes], sort_keys=True).encode()
        documents.append(
            make_document(
                path, row_bytes, path.suffix.lower().lstrip("."), options, text, lines,
                blank_line_paragraphs=has_blank_line_paragraphs(lines),
                document_id=doc_id,
                attributes=attributes,
            )
        )
    if not documents:
        raise InputError(f"no rows with text in column {text_col!r}", path)
    return documents
