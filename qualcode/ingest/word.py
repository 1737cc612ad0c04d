"""Word transcripts (.docx) via python-docx: labelled paragraphs, bold labels, transcript tables.

Paragraphs are rendered one per line in document order (tables included). A label is either
typed (``Name: text``) or a leading bold run (``**Name** text``); transcription-service tables
with a speaker and a text column give one turn per row.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import NamedTuple

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions, TextBuilder
from qualcode.ingest.speakers import (
    Label,
    accepted_speakers,
    is_plausible_name,
    label_at_line_start,
    parse_time,
    speaker_key,
)
from qualcode.ingest.transcript import OTTER_TRAILER
from qualcode.model import Document
from qualcode.safezip import check_archive
from qualcode.text import normalise, read_bytes

_SPEAKER_HEADER = re.compile(r"^(speaker|name|who|participant)s?$", re.I)
_TEXT_HEADER = re.compile(
    r"^(text|transcript|transcription|utterance|content|speech|dialogue)$", re.I
)
_TIME_HEADER = re.compile(r"^(time|timestamp|start|start time|time code|timecode)$", re.I)
_HEADING_STYLES = ("Heading", "Title", "Subtitle")


def _open_docx(path: Path, data: bytes):
    import io

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError("not a Word document (.docx is a zip archive; this file is not one)", path)
    check_archive(data, path)  # a decompression bomb stops here, in well under a second
    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(f"not a readable Word document ({exc.__class__.__name__})", path) from None
    except Exception as exc:  # lxml or zip errors from a damaged package
        raise InputError(f"damaged Word document: {exc}", path) from None


def _bold_label(runs: list[tuple[bool, str]], full: str) -> tuple[str, int] | None:
    """A label given as leading bold runs: (name, index where speech starts in the text)."""
    bold_text = ""
    for bold, text in runs:
        if bold and text:
            bold_text += text
        elif text.strip() == "" and bold_text == "":
            continue
        else:
            break
    name = bold_text.strip().rstrip(":").strip()
    if not name or not is_plausible_name(name):
        return None
    at = full.find(bold_text) + len(bold_text) if bold_text in full else len(bold_text)
    rest = full[at:]
    skip = len(rest) - len(rest.lstrip(" \t:"))
    if not rest.strip():
        return None
    return name, at + skip


def _table_columns(rows: list[list[str]]) -> tuple[int, int, int | None, int] | None:
    """(speaker col, text col, time col, first data row) if the table is a transcript."""
    if not rows:
        return None
    header = [cell.strip() for cell in rows[0]]
    speaker = next((i for i, h in enumerate(header) if _SPEAKER_HEADER.match(h)), None)
    text = next((i for i, h in enumerate(header) if _TEXT_HEADER.match(h)), None)
    time = next((i for i, h in enumerate(header) if _TIME_HEADER.match(h)), None)
    if speaker is not None and text is not None:
        return speaker, text, time, 1
    if len(header) == 2 and all(is_plausible_name(r[0]) for r in rows if r[0].strip()):
        return 0, 1, None, 0
    return None


class _Block(NamedTuple):
    """A paragraph or table row of the Word document, with its speaker label if it has one."""

    text: str
    speaker: str | None = None
    speech_at: int = 0  # where the speech begins in ``text`` (after the label)
    time: float | None = None
    skip: bool = False  # a heading or a table that is not a transcript: part of no turn
    bold: bool = False  # the label is in bold
    label: Label | None = None  # a typed label, for accepted_speakers


def read_docx(path: Path, options: ReadOptions) -> list[Document]:
    """Read a Word transcript; paragraphs, bold or typed labels, and speaker|text tables."""
    from docx.table import Table

    data = read_bytes(path)
    if not data.strip():
        raise InputError("empty file", path)
    document = _open_docx(path, data)

    # First pass: collect blocks and label candidates, so a label counts only if it recurs.
    blocks: list[_Block] = []
    table_speakers: set[str] = set()  # a transcript table's speaker column is unambiguous
    bold_speakers: list[str] = []  # so is a bold label, once the document has a few of them
    body = document.element.body
    for element in body.iterchildren(_W_P, _W_TBL):
        if element.tag == _W_TBL:
            blocks.extend(_table_blocks(Table(element, document._body), table_speakers))
            continue
        block = _paragraph_block(element)
        if block.bold and block.speaker is not None:
            bold_speakers.append(speaker_key(block.speaker))
        blocks.append(block)

    accepted = table_speakers | accepted_speakers(
        [b.label for b in blocks if b.label is not None and not b.skip], options.interviewers)
    if len(bold_speakers) >= 2:
        accepted |= set(bold_speakers)
    builder = TextBuilder("\n")
    for block in blocks:
        speaker, speech_at = block.speaker, block.speech_at
        if speaker is not None and speaker_key(speaker) not in accepted:
            speaker, speech_at = None, 0
        builder.add(block.text, speaker=speaker, speech_at=speech_at, time_start=block.time,
                    skip=block.skip)
    if not builder.text.strip():
        raise InputError("empty Word document (no text in paragraphs or tables)", path)
    doc = builder.document(path, data, "docx", options)
    if not doc.turns:
        raise InputError("no transcript text found", path)
    return [doc]


def _table_blocks(table, table_speakers: set[str]) -> list[_Block]:
    """A table's rows: speaker and speech from a transcript table (its speakers are added to
    ``table_speakers``), or each row's distinct cells as a block to skip."""
    rows = [[normalise(cell.text) for cell in row.cells] for row in table.rows]
    columns = _table_columns(rows)
    if columns is None:
        return [_Block(" | ".join(dict.fromkeys(c for c in row if c)), skip=True)
                for row in rows]
    speaker_col, text_col, time_col, header_rows = columns
    blocks = []
    for row in rows[header_rows:]:
        speaker = row[speaker_col].strip() or None
        speech = row[text_col].strip()
        if not speech:
            continue
        time = parse_time(row[time_col].strip()) if time_col is not None else None
        prefix = f"{speaker}: " if speaker else ""
        if speaker:
            table_speakers.add(speaker_key(speaker))
        blocks.append(_Block(prefix + speech, speaker, len(prefix), time))
    return blocks


def _paragraph_block(p) -> _Block:
    """A paragraph: a heading (skipped), or text with a bold or typed speaker label, or not."""
    raw, runs = _paragraph_text(p)
    text = normalise(raw)
    # The style id from the XML: python-docx's ``paragraph.style`` scans every style of the
    # document for each default-styled paragraph, which made reading 20x slower.
    style_id = p.style or ""
    if style_id.startswith(_HEADING_STYLES) or OTTER_TRAILER.fullmatch(text.strip()):
        return _Block(text, skip=True)
    # Otter lays a turn out as ``Name  0:09`` then the text, in one paragraph (a line break)
    # or two; the header is checked before a bold name, which Otter also uses.
    first_line = text.split("\n", 1)[0]
    label = label_at_line_start(first_line)
    if label is not None and label.header:
        return _Block(text, label.name, len(first_line) + 1, label.time, label=label)
    bold = _bold_label(runs, raw)
    if bold:
        return _Block(text, bold[0], bold[1], bold=True)
    label = label_at_line_start(text)
    if label:
        return _Block(text, label.name, label.speech_at, label.time, label=label)
    return _Block(text)


# -- paragraph text straight from the XML -----------------------------------------------------
# python-docx's ``Paragraph.text`` and ``Paragraph.runs`` compile and run an XPath query per
# paragraph and per run (nine per paragraph: 3 of the 6 s a 20,000-paragraph document took).
# The same text, read here by walking the children with lxml: a paragraph's text is its runs'
# and its hyperlinks' runs' text, as python-docx renders it (``w:tab``/``w:ptab`` a tab,
# ``w:br`` of a text-wrapping kind and ``w:cr`` a line break, ``w:noBreakHyphen`` a dash).
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_TBL, _W_R, _W_HYPERLINK = f"{_W}p", f"{_W}tbl", f"{_W}r", f"{_W}hyperlink"
_W_T, _W_RPR, _W_B, _W_BR, _W_TYPE, _W_VAL = (
    f"{_W}t", f"{_W}rPr", f"{_W}b", f"{_W}br", f"{_W}type", f"{_W}val")
_RUN_CHARACTERS = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n",
                   f"{_W}noBreakHyphen": "-"}
_FALSE = ("0", "false", "off")


def _run_text(run) -> str:
    parts = []
    for child in run.iterchildren():
        tag = child.tag
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag == _W_BR:
            if child.get(_W_TYPE, "textWrapping") == "textWrapping":
                parts.append("\n")
        elif tag in _RUN_CHARACTERS:
            parts.append(_RUN_CHARACTERS[tag])
    return "".join(parts)


def _run_bold(run) -> bool:
    """``w:rPr/w:b`` on the run itself, as python-docx's ``Run.bold`` reads it."""
    properties = run.find(_W_RPR)
    bold = properties.find(_W_B) if properties is not None else None
    return bold is not None and bold.get(_W_VAL, "true") not in _FALSE


def _paragraph_text(p) -> tuple[str, list[tuple[bool, str]]]:
    """A paragraph's text (runs and hyperlinks) and its own runs as (bold, text)."""
    parts: list[str] = []
    runs: list[tuple[bool, str]] = []
    for child in p.iterchildren(_W_R, _W_HYPERLINK):
        if child.tag == _W_R:
            text = _run_text(child)
            runs.append((_run_bold(child), text))
            parts.append(text)
        else:
            parts.extend(_run_text(run) for run in child.iterchildren(_W_R))
    return "".join(parts), runs
