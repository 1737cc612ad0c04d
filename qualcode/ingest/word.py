"""Word transcripts (.docx) via python-docx: labelled paragraphs, bold labels, transcript tables.

Paragraphs are rendered one per line in document order (tables included). A label is either
typed (``Name: text``) or a leading bold run (``**Name** text``); transcription-service tables
with a speaker and a text column give one turn per row.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions, TextBuilder
from qualcode.ingest.speakers import (
    accepted_speakers,
    is_plausible_name,
    label_at_line_start,
    parse_time,
    speaker_key,
)
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


def _bold_label(paragraph) -> tuple[str, int] | None:
    """A label given as leading bold runs: (name, index where speech starts in the text)."""
    bold_text = ""
    for run in paragraph.runs:
        if run.bold and run.text:
            bold_text += run.text
        elif run.text.strip() == "" and bold_text == "":
            continue
        else:
            break
    name = bold_text.strip().rstrip(":").strip()
    if not name or not is_plausible_name(name):
        return None
    full = paragraph.text
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


def read_docx(path: Path, options: ReadOptions) -> list[Document]:
    """Read a Word transcript; paragraphs, bold or typed labels, and speaker|text tables."""
    from docx.table import Table

    data = read_bytes(path)
    if not data.strip():
        raise InputError("empty file", path)
    document = _open_docx(path, data)

    # First pass: collect blocks and label candidates, so a label counts only if it recurs.
    blocks: list[tuple[str, str | None, int, float | None, bool]] = []
    table_speakers: set[str] = set()  # a transcript table's speaker column is unambiguous
    bold_speakers: list[str] = []  # so is a bold label, once the document has a few of them
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [[normalise(cell.text) for cell in row.cells] for row in item.rows]
            columns = _table_columns(rows)
            for row in rows[columns[3] if columns else 0:]:
                if columns is None:
                    cells = " | ".join(dict.fromkeys(c for c in row if c))
                    blocks.append((cells, None, 0, None, True))
                    continue
                speaker_col, text_col, time_col, _ = columns
                speaker = row[speaker_col].strip() or None
                speech = row[text_col].strip()
                if not speech:
                    continue
                time = parse_time(row[time_col].strip()) if time_col is not None else None
                prefix = f"{speaker}: " if speaker else ""
                if speaker:
                    table_speakers.add(speaker_key(speaker))
                blocks.append((prefix + speech, speaker, len(prefix), time, False))
            continue
        text = normalise(item.text)
        # The style id from the XML: python-docx's ``paragraph.style`` scans every style of
        # the document for each default-styled paragraph, which made reading 20x slower.
        style_id = item._p.style or ""
        if style_id.startswith(_HEADING_STYLES):
            blocks.append((text, None, 0, None, True))
            continue
        bold = _bold_label(item)
        if bold:
            bold_speakers.append(speaker_key(bold[0]))
            blocks.append((text, bold[0], bold[1], None, False))
            continue
        label = label_at_line_start(text)
        if label:
            blocks.append((text, label.name, label.speech_at, label.time, False))
        else:
            blocks.append((text, None, 0, None, False))

    accepted = table_speakers | accepted_speakers([b[1] for b in blocks if b[1] and not b[4]])
    if len(bold_speakers) >= 2:
        accepted |= set(bold_speakers)
    builder = TextBuilder("\n")
    for text, speaker, speech_at, time, skip in blocks:
        if speaker is not None and speaker_key(speaker) not in accepted:
            speaker, speech_at = None, 0
        builder.add(text, speaker=speaker, speech_at=speech_at, time_start=time, skip=skip)
    if not builder.text.strip():
        raise InputError("empty Word document (no text in paragraphs or tables)", path)
    doc = builder.document(path, data, "docx", options)
    if not doc.turns:
        raise InputError("no transcript text found", path)
    return [doc]
