"""A person's codings: apply or remove one, or import a coder's work from a spreadsheet.

Every coding is checked against the project before anything is written: the document must
exist, the offsets must lie inside its text, and the code must be in the project's codebook.
An import with bad rows writes nothing and names every bad row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import InputError, ProjectError, QualcodeError
from qualcode.model import PERSON_ORIGINS, SEGMENT_KINDS, Coding
from qualcode.segment import ensure_sentences

if TYPE_CHECKING:
    from qualcode.store import Project

MANUAL_ORIGINS = PERSON_ORIGINS


def check_coding(project: Project, coding: Coding, lengths: dict[str, int],
                 codes: set[str]) -> str | None:
    """Why this coding cannot be stored, or None."""
    if coding.document_id not in lengths:
        return f"no document {coding.document_id!r} in the project"
    if not 0 <= coding.start < coding.end <= lengths[coding.document_id]:
        return (f"offsets {coding.start}-{coding.end} are outside document "
                f"{coding.document_id!r} (0-{lengths[coding.document_id]})")
    if coding.code_id not in codes:
        return (f"no code {coding.code_id!r} in the project's codebook (load it with "
                "--codebook, or run qualcode code first)")
    if not coding.coder.strip():
        return "a coding needs a coder"
    return None


def segment_span(project: Project, document_id: str, segment: str) -> tuple[int, int]:
    """Offsets of ``turn:12`` (or ``sentence:3``, ``paragraph:7``) in a document."""
    kind, _, position = segment.partition(":")
    if kind not in SEGMENT_KINDS or not position.isdigit():
        raise QualcodeError(f"a segment is KIND:NUMBER such as turn:12, not {segment!r}")
    if kind == "sentence":
        ensure_sentences(project, [document_id])
    row = project.segment_span(document_id, kind, int(position))
    if row is None:
        raise ProjectError(f"document {document_id!r} has no {kind} {position}", project.path)
    return row


def apply_coding(project: Project, coding: Coding) -> int:
    """Store one manual coding (checked first); an identical one already stored is kept.
    Returns the stored coding's id."""
    problem = check_coding(project, coding, project.text_lengths(), project.code_ids())
    if problem:
        raise ProjectError(problem, project.path)
    with project.transaction():
        return project.find_coding(coding) or project.add_coding(coding)


def unapply_coding(project: Project, document_id: str, start: int, end: int, code_id: str,
                   coder: str) -> int:
    """Remove a person's coding (manual or imported); returns how many were removed."""
    with project.transaction():
        removed = project.remove_person_coding(document_id, start, end, code_id, coder)
    if not removed:
        raise ProjectError(f"no manual coding of {code_id!r} by {coder!r} at "
                           f"{document_id} {start}-{end}", project.path)
    return removed


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    coders: tuple[str, ...] = ()


_COLUMN_NAMES = {
    "document": ("document", "document_id", "doc", "file"),
    "start": ("start", "char_start", "begin"),
    "end": ("end", "char_end", "stop"),
    "segment": ("segment", "unit"),
    "code": ("code", "code_id", "code id"),
    "coder": ("coder", "coder_name", "user"),
}


def import_codings(project: Project, path: str | Path, *, coder: str | None = None,
                   origin: str = "import") -> ImportReport:
    """Import a coder's work: rows of document, start and end (or segment such as turn:12),
    code, coder. Every row is checked; any bad row stops the import with a message per row."""
    from qualcode.tablefile import read_table_file, table_rows

    path = Path(path)
    if origin not in MANUAL_ORIGINS:
        raise QualcodeError(f"origin must be one of {MANUAL_ORIGINS}")
    frame = read_table_file(path)
    columns = _columns(list(frame.columns), path, coder)
    lengths, codes = project.text_lengths(), project.code_ids()
    codings, problems = [], []
    for line, values in table_rows(frame):
        if not any(str(v).strip() for v in values.values()):
            continue
        try:
            coding = _row_coding(project, values, columns, lengths, coder, origin)
        except QualcodeError as exc:
            problems.append(InputError(exc.message, path, line))
            continue
        problem = check_coding(project, coding, lengths, codes)
        if problem:
            problems.append(InputError(problem, path, line))
        else:
            codings.append(coding)
    if problems:
        raise InputError.many(problems)
    report = ImportReport(coders=tuple(sorted({c.coder for c in codings})))
    with project.transaction():
        fresh = []
        seen = set()
        for coding in codings:
            key = (coding.document_id, coding.start, coding.end, coding.code_id, coding.coder)
            if key in seen or project.has_coding(coding):
                report.already += 1
                continue
            seen.add(key)
            fresh.append(coding)
        report.added = project.add_codings(fresh)
        project.log_run("import codings", _now(), {"origin": origin, "coder": coder},
                        [(str(path), _sha256(path))])
    return report


def _columns(names: list[str], path: Path, coder: str | None) -> dict[str, str | None]:
    """Which column holds each field (by any of its accepted names, any case); an
    InputError names the missing ones."""
    lookup = {c.casefold().strip(): c for c in names}
    columns = {key: next((lookup[n] for n in accepted if n in lookup), None)
               for key, accepted in _COLUMN_NAMES.items()}
    missing = [k for k in ("document", "code") if columns[k] is None]
    if columns["segment"] is None and (columns["start"] is None or columns["end"] is None):
        missing.append("start and end (or segment)")
    if columns["coder"] is None and coder is None:
        missing.append("coder (or --coder)")
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)} (found: "
                         f"{', '.join(names)})", path, 1)
    return columns


def _row_coding(project: Project, values: dict, columns: dict[str, str | None],
                lengths: dict[str, int], coder: str | None, origin: str) -> Coding:
    """One row's coding (not yet checked against the project); QualcodeError says why a
    row has none."""

    def get(key: str) -> str:
        column = columns[key]
        return str(values[column]).strip() if column else ""

    document = get("document")
    try:
        if get("segment"):
            if document not in lengths:
                raise QualcodeError(f"no document {document!r} in the project")
            start, end = segment_span(project, document, get("segment"))
        else:
            start, end = int(float(get("start"))), int(float(get("end")))
    except ValueError:
        raise QualcodeError(f"start and end must be whole numbers, not {get('start')!r} and "
                            f"{get('end')!r}") from None
    return Coding(document, start, end, get("code"), coder or get("coder"),
                  origin=origin, status="applied")


def _now() -> str:
    from qualcode.timeutil import now

    return now()


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


_YES = frozenset({"1", "x", "y", "yes", "true", "✓", "✔"})
_NO = frozenset({"", "0", "n", "no", "false", "-"})


def _utterance_spans(project: Project, path: Path, frame, options) -> dict[int, tuple[int, int]]:
    """Where each row's speech lies in the stored document read from this table (by line),
    after checking that the project holds exactly this table's text."""
    from qualcode.ingest.tables import utterances

    document, spans = utterances(path, frame, options)
    stored = project.document_text(options.document_id)
    if stored is None:
        raise InputError(f"no document {options.document_id!r} in the project (ingest the table "
                         "with --speaker-column first, or give --document)", path)
    if stored != document.text:
        raise InputError(f"its text is not document {options.document_id!r}'s (ingested from "
                         "another file, or with other columns?)", path)
    return spans


def _row_codes(cell: str, column: str, yes_no: bool) -> list[str]:
    """The codes one cell gives its row: the column's own code for a yes mark, else the cell's
    codes (``;`` between several)."""
    if yes_no:
        return [column] if cell.casefold() in _YES else []
    return [part.strip() for part in cell.split(";") if part.strip()]


def import_column_codings(
    project: Project,
    path: str | Path,
    columns: list[str],
    *,
    speaker_column: str,
    text_column: str,
    coder: str,
    document_id: str | None = None,
    time_column: str | None = None,
    origin: str = "import",
) -> ImportReport:
    """Codings from code columns of a transcript kept as a spreadsheet (one utterance per
    row), as public coded datasets come: each coded row's speech becomes a coding.

    A column of yes/no marks (``1``, ``x``, ``yes``...) codes its rows with the code named
    like the column; any other column holds the code of each row (``;`` between several).
    The table is read as ``qualcode ingest --speaker-column`` reads it, and its text must be
    the document's, so every coding lands on its own row's words.
    """
    from qualcode.ingest.builder import ReadOptions
    from qualcode.ingest.tables import _column
    from qualcode.tablefile import read_table_file, table_rows

    path = Path(path)
    if origin not in MANUAL_ORIGINS:
        raise QualcodeError(f"origin must be one of {MANUAL_ORIGINS}")
    document_id = document_id or path.stem
    frame = read_table_file(path)
    options = ReadOptions(document_id, text_column=text_column, speaker_column=speaker_column,
                          time_column=time_column)
    spans = _utterance_spans(project, path, frame, options)
    names = [_column(frame, name, "--from-columns", path) for name in columns]
    # a column of yes/no marks names its own code; decided once per column, not per row
    flags = {name: {str(v).strip().casefold() for v in frame[name]} <= _YES | _NO
             for name in names}
    ids = {code_id.casefold(): code_id for code_id in project.code_ids()}
    codings, problems = [], []
    for line, values in table_rows(frame):
        if line not in spans:
            continue
        for name in names:
            for wanted_code in _row_codes(str(values[name]).strip(), name, flags[name]):
                code_id = ids.get(wanted_code.casefold())
                if code_id is None:
                    problems.append(InputError(
                        f"no code {wanted_code!r} (column {name!r}) in the project's codebook "
                        "(load it with --codebook)", path, line))
                    continue
                start, end = spans[line]
                codings.append(Coding(document_id, start, end, code_id, coder,
                                      origin=origin, status="applied"))
    if problems:
        raise InputError.many(problems)
    report = ImportReport(coders=(coder,))
    with project.transaction():
        fresh = [c for c in codings if not project.has_coding(c)]
        report.already = len(codings) - len(fresh)
        report.added = project.add_codings(fresh)
        project.log_run("import codings", _now(),
                        {"origin": origin, "coder": coder, "from_columns": list(columns)},
                        [(str(path), _sha256(path))])
    return report
