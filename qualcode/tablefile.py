"""Reading a spreadsheet (.csv or .xlsx) into rows of strings, with their line numbers.

Used by every layer that takes a table from a person: responses to ingest, case attributes,
codebooks kept as spreadsheets, a coder's codings, a filled-in review sheet. It knows nothing
of what the columns mean; each caller checks its own columns and names bad rows by line.
"""

from __future__ import annotations

import io
from pathlib import Path

from qualcode.errors import InputError
from qualcode.safezip import check_archive
from qualcode.text import decode_bytes, read_bytes


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
