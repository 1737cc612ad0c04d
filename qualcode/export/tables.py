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
import math
import re
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from qualcode.cells import neutralise
from qualcode.errors import QualcodeError
from qualcode.fileio import atomic_output, write_atomic

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
    """One sheet per table; headers bold, first row frozen (see ``write_xlsx``)."""
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def write_xlsx(sheets: dict[str, pd.DataFrame], handle: BinaryIO) -> None:
    """One sheet per table, written into a binary file; headers bold, first row frozen.

    Every string is stored as an inline string, so text a spreadsheet would run as a formula
    ("=SUM(A1)") is a text cell, verbatim: XLSX says "this is text" in the cell's type, so
    no apostrophe is needed (``qualcode.cells`` is for CSV, which cannot say it).

    openpyxl (write-only) makes the workbook, styles and each sheet's header row; the body
    rows are streamed straight into each sheet's XML in the zip, a few cells of plain text
    each, as openpyxl would write them: per-cell objects were most of a quote table's time,
    and the rows never exist as XML in memory whole.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    made = []
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
        made.append((sheet, frame))
    skeleton = io.BytesIO()
    workbook.save(skeleton)
    bodies = {sheet.path.lstrip("/"): frame for sheet, frame in made}  # named on saving
    with zipfile.ZipFile(skeleton) as source, \
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            frame = bodies.get(info.filename)
            if frame is None:
                target.writestr(info, source.read(info))
                continue
            xml = source.read(info).decode("utf-8")
            if "</sheetData>" in xml:
                head, tail = xml.split("</sheetData>", 1)
            else:  # a table without columns: <sheetData/>
                head, tail = xml.replace("<sheetData/>", "<sheetData>", 1).split(
                    "<sheetData>", 1)
                head += "<sheetData>"
            with target.open(streamed_part(info), "w") as out:
                out.write(head.encode("utf-8"))
                for chunk in _rows_xml(frame):
                    out.write(chunk.encode("utf-8"))
                out.write(("</sheetData>" + tail).encode("utf-8"))


STREAM_COMPRESSION = 1  # zlib level of a streamed part (the default, 6, took 2.5 times as long)


def streamed_part(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """The entry for a big streamed part (a sheet's rows, a report's body) of a zip made from
    ``info``: deflated at ``STREAM_COMPRESSION``, which on a 1M-word corpus's 13-16 MB of
    XML halves the writing's compression time for files about 13% larger."""
    part = zipfile.ZipInfo(info.filename, info.date_time)
    part.compress_type = zipfile.ZIP_DEFLATED
    # public as compress_level from Python 3.13, where _compresslevel still works
    part._compresslevel = STREAM_COMPRESSION  # type: ignore[attr-defined]
    return part


def _rows_xml(frame: pd.DataFrame, batch: int = 2000):
    """The body rows of a sheet (from row 2) as SpreadsheetML, ``batch`` rows per piece."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(i) for i in range(1, len(frame.columns) + 1)]
    values = [frame[c].tolist() for c in frame.columns]  # plain Python values
    for first in range(0, max(len(frame), 1), batch):
        # each column's cells of the batch made in one pass (a text column without a type
        # check per cell); only a batch of cells exists as XML at a time
        columns = [_column_cells(column[first:first + batch]) for column in values]
        rows = []
        for number, cells in enumerate(zip(*columns, strict=True), start=first + 2):
            body = "".join([f'<c r="{letter}{number}"{cell}</c>'
                            for letter, cell in zip(letters, cells, strict=True) if cell])
            rows.append(f'<row r="{number}">{body}</row>')
        yield "".join(rows)


def _column_cells(values: list) -> list[str]:
    """``_cell_xml`` of each value of a column; a column of text (most of a quote table) is
    escaped without a call and type check per cell, as ``_cell_xml`` would."""
    if not all(type(v) is str for v in values):
        return [_cell_xml(v) for v in values]
    forbidden = _XML_FORBIDDEN.search("".join(values)) is not None
    cells = []
    for value in values:
        if not value:
            cells.append(' t="inlineStr">')
            continue
        if forbidden:
            value = xml_safe(value)
        text = value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
        space = ' xml:space="preserve"' if text.strip() != text else ""
        cells.append(f' t="inlineStr"><is><t{space}>{text}</t></is>')
    return cells


def _cell_xml(value) -> str:
    """A cell's type attribute and content (after ``<c r="A2"``), or "" for an empty cell:
    text inline, numbers and booleans as values; NaN, infinities and None are no cell."""
    from xml.sax.saxutils import escape

    if isinstance(value, str):
        if not value:
            return ' t="inlineStr">'  # as openpyxl writes it: a cell, empty
        text = escape(xml_safe(value))
        space = ' xml:space="preserve"' if text.strip() != text else ""
        return f' t="inlineStr"><is><t{space}>{text}</t></is>'
    if isinstance(value, bool | np.bool_):
        return f' t="b"><v>{int(value)}</v>'
    if isinstance(value, int | np.integer):
        return f' t="n"><v>{int(value)}</v>'
    if isinstance(value, float | np.floating):
        return f' t="n"><v>{float(value)!r}</v>' if math.isfinite(value) else ""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    return _cell_xml(str(value))


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
        with atomic_output(path) as handle:
            write_xlsx({path.stem: frame}, handle)
        return path
    else:
        raise QualcodeError(f"unknown table format {fmt!r} (known: {', '.join(FORMATS)})", path)
    write_atomic(path, content)
    return path


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write several tables as sheets of one .xlsx."""
    path = Path(path)
    with atomic_output(path) as handle:
        write_xlsx(sheets, handle)
    return path
