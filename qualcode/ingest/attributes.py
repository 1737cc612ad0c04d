"""Case attributes from a CSV or XLSX: one row per document, columns such as nation or region.

The first column (or one named ``document``, ``id`` or ``file``) names the document, by its id,
its file name or its file stem, so a sheet written by hand matches however it was typed.
Columns named like the quote table's own (``speaker``, ``text``, ``code``, ...) are refused.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import InputError
from qualcode.model import QUOTE_COLUMNS
from qualcode.tablefile import read_table_file, table_rows

_KEY_COLUMNS = ("document", "document_id", "doc", "id", "file", "filename", "case")


def read_attributes(path: str | Path, encoding: str | None = None) -> dict[str, dict[str, str]]:
    """Map each row's document key to its other columns (blank cells are left out).

    >>> read_attributes("transcripts_sample/attributes.csv")["lscb06"]["nation"]  # doctest: +SKIP
    'Wales'
    """
    path = Path(path)
    frame = read_table_file(path, encoding)
    key_col = next((c for c in frame.columns if c.casefold() in _KEY_COLUMNS), frame.columns[0])
    if len(frame.columns) < 2:
        raise InputError(
            "an attributes sheet needs a document column and at least one more", path, 1
        )
    for column in frame.columns:
        if column != key_col and column.strip().casefold() in QUOTE_COLUMNS:
            raise InputError(f"column {column!r} has a name the quote table uses for its own "
                             f"column; rename it (for example to 'case_{column.strip()}')",
                             path, 1)
    table: dict[str, dict[str, str]] = {}
    first_line: dict[str, int] = {}
    for line, values in table_rows(frame):
        key = values[key_col].strip()
        if not key:
            raise InputError(f"empty {key_col!r} cell", path, line)
        if key in table:
            raise InputError(f"document {key!r} appears twice (first on line {first_line[key]})",
                             path, line)
        first_line[key] = line
        table[key] = {
            c: values[c].strip() for c in frame.columns if c != key_col and values[c].strip()
        }
    return table


def match_attributes(
    table: dict[str, dict[str, str]], documents: dict[str, str]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Match sheet keys to document ids; ``documents`` maps id -> source file name.

    Returns (attributes by document id, keys that matched no document).
    """
    by_key: dict[str, str] = {}
    for doc_id, source_name in documents.items():
        for key in (doc_id, source_name, Path(source_name).stem, Path(doc_id).name):
            by_key.setdefault(key.casefold(), doc_id)
    matched: dict[str, dict[str, str]] = {}
    unmatched: list[str] = []
    for key, values in table.items():
        found = by_key.get(key.casefold())
        if found is None:
            unmatched.append(key)
        else:
            matched[found] = values
    return matched, unmatched
