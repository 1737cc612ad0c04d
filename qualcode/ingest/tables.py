"""Tables of free-text responses (.csv, .xlsx): one document per row.

Consultation responses and survey answers arrive as spreadsheets. The text column becomes the
document, the id column its id, and every other column a case attribute of that document.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions, make_document
from qualcode.ingest.transcript import has_blank_line_paragraphs, labelled_lines
from qualcode.model import Document
from qualcode.safezip import check_archive
from qualcode.text import decode_bytes, normalise, read_bytes


def read_table_file(path: Path, encoding: str | None = None):
    """Read a .csv or .xlsx into a DataFrame of strings; a first row of headers is required."""
    import pandas as pd

    data = read_bytes(path)
    if not data.strip():
        raise InputError("empty file", path)
    try:
        if path.suffix.lower() == ".xlsx":
            check_archive(data, path)  # a decompression bomb stops here
            frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
        else:
            text = decode_bytes(data, path, encoding)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except InputError:
        raise
    except pd.errors.ParserError as exc:
        raise InputError(f"malformed CSV: {exc}", path) from None
    except Exception as exc:  # openpyxl/zip errors for a damaged workbook
        raise InputError(f"cannot read table ({exc.__class__.__name__}: {exc})", path) from None
    frame = frame.fillna("")
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError("table has a header but no rows", path)
    return frame


def table_rows(frame):
    """Each row as a dict by column name, with its line in the sheet (the header is line 1)."""
    columns = list(frame.columns)
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        yield line, dict(zip(columns, row, strict=True))


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
