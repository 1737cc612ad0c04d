"""Tables to files: CSV and JSON byte-identical across runs, XLSX with one sheet per table,
Markdown for reports. Every file is written to a temporary name and renamed.

In CSV every cell, column headers included, passes through ``qualcode.cells.neutralise``: text
a spreadsheet would run as a formula (starting with = + - or @) gets a leading apostrophe, so an
excerpt such as "=SUM(...)", a code named "-other" or a case attribute "@home" stays text
(``raw=True`` for CSV read by analysis tools). In XLSX such text is a text cell, verbatim.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd

from qualcode.cells import neutralise
from qualcode.errors import QualcodeError
from qualcode.fileio import write_atomic

FORMATS = ("csv", "xlsx", "json", "md")
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text an Office file can store: characters XML forbids (form feeds, control codes from
    PDFs or transcription tools) become spaces, so the file always opens."""
    return _XML_FORBIDDEN.sub(" ", text)


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.index.name is not None or not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    return frame


def _safe_header(column):
    if isinstance(column, tuple):  # a MultiIndex column
        return tuple(neutralise(part) for part in column)
    return neutralise(column)


def to_csv(frame: pd.DataFrame, raw: bool = False) -> bytes:
    """The table as UTF-8 CSV, every cell and header neutralised (see ``qualcode.cells``);
    ``raw`` writes the text verbatim, for CSV read by analysis tools rather than a
    spreadsheet (a quote starting with "-" keeps its exact words)."""
    frame = _flat(frame)
    if not raw:
        frame = frame.map(neutralise)
        frame.columns = frame.columns.map(_safe_header)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def to_json(frame: pd.DataFrame) -> bytes:
    records = json.loads(_flat(frame).to_json(orient="records", force_ascii=False))
    return (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_markdown(frame: pd.DataFrame) -> str:
    frame = _flat(frame)

    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(
        index=False)]
    return "\n".join([header, rule, *body]) + "\n"


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table; headers bold, first row frozen. Text a spreadsheet would run as
    a formula is stored as a text cell, verbatim: XLSX says "this is text" in the cell's type,
    so no apostrophe is needed (``qualcode.cells`` is for CSV, which cannot say it).

    Written in openpyxl's streaming (write-only) mode: several times faster on a quote table
    of thousands of excerpts.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(title=name[:31])
        frame = _flat(frame)
        for index, column in enumerate(frame.columns, start=1):
            sample = [len(str(v)) for v in frame[column].head(200)] + [len(str(column))]
            sheet.column_dimensions[get_column_letter(index)].width = min(max(sample), 60) + 2
        sheet.freeze_panes = "A2"
        header = []
        for column in frame.columns:
            cell = _text_cell(sheet, xml_safe(str(column)))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in frame.itertuples(index=False):
            sheet.append([_text_cell(sheet, xml_safe(v)) if isinstance(v, str) and
                          neutralise(v) != v else xml_safe(v) if isinstance(v, str) else
                          v.item() if hasattr(v, "item") else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, text: str):
    """A cell that holds ``text`` as text, even "=SUM(A1)" (openpyxl would make a formula)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def write_table(frame: pd.DataFrame, path: str | Path, fmt: str | None = None,
                raw: bool = False) -> Path:
    """Write one table as csv, json, md or xlsx (by ``fmt`` or the file's extension);
    ``raw``: CSV cells verbatim (see ``to_csv``)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "csv":
        content: bytes | str = to_csv(frame, raw)
    elif fmt == "json":
        content = to_json(frame)
    elif fmt == "md":
        content = to_markdown(frame)
    elif fmt == "xlsx":
        content = to_xlsx({path.stem: frame})
    else:
        raise QualcodeError(f"unknown table format {fmt!r} (known: {', '.join(FORMATS)})", path)
    write_atomic(path, content)
    return path


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write several tables as sheets of one .xlsx."""
    path = Path(path)
    write_atomic(path, to_xlsx(sheets))
    return path
