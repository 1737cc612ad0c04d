"""Tables (.csv, .xlsx): free-text responses, one document per row, or a transcript kept as a
spreadsheet, one utterance per row.

Consultation responses and survey answers arrive as spreadsheets. The text column becomes the
document, the id column its id, and every other column a case attribute of that document.
With a speaker column the table is one transcript (classroom-discourse and other public coded
datasets): each row a turn ``Speaker: text``, with its time where a time column is given.
"""

from __future__ import annotations

import json
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions, TextBuilder, make_document
from qualcode.ingest.speakers import parse_time
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
    """One Document per non-blank row (other columns become case attributes), or with
    ``speaker_column`` one transcript Document of the whole table."""
    frame = read_table_file(path, options.encoding)
    if options.speaker_column:
        document, _ = utterances(path, frame, options)
        return [document]
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


def utterances(path: Path, frame, options: ReadOptions
               ) -> tuple[Document, dict[int, tuple[int, int]]]:
    """A table of utterances as one transcript, and where each row's speech lies in its text
    (sheet line -> (start, end)), which is how code columns on the rows become codings."""
    if not options.text_column or not options.speaker_column:
        raise InputError("a transcript table needs --text-column as well as --speaker-column",
                         path, 1)
    speaker_col = _column(frame, options.speaker_column, "--speaker-column", path)
    text_col = _column(frame, options.text_column, "--text-column", path)
    time_col = (_column(frame, options.time_column, "--time-column", path)
                if options.time_column else None)
    builder = TextBuilder("\n")
    spans: dict[int, tuple[int, int]] = {}
    for line, values in table_rows(frame):
        speech = " ".join(normalise(values[text_col]).split())
        if not speech:
            continue
        speaker = " ".join(normalise(values[speaker_col]).split()) or "Unknown speaker"
        time = None
        if time_col and values[time_col].strip():
            try:
                time = parse_time(values[time_col].strip())
            except ValueError:
                raise InputError(f"not a time: {values[time_col]!r} in {time_col!r}",
                                 path, line) from None
        prefix = f"{speaker}: "
        start = builder.length + len(prefix)
        builder.add(prefix + speech, speaker=speaker, speech_at=len(prefix), time_start=time)
        spans[line] = (start, start + len(speech))
    if not spans:
        raise InputError(f"no rows with text in column {text_col!r}", path)
    fmt = path.suffix.lower().lstrip(".")
    return builder.document(path, path.read_bytes(), fmt, options), spans
