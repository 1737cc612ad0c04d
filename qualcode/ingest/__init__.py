"""Reading transcripts: one reader per format family, chosen by file extension.

``READERS`` is the registry; it also gives the CLI its list of formats. Every reader returns
Documents whose text is normalised and whose turns and paragraphs index that text exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.builder import ReadOptions
from qualcode.ingest.formats import read_html, read_odt, read_pdf, read_rtf
from qualcode.ingest.plaintext import read_plaintext
from qualcode.ingest.subtitles import read_srt, read_vtt
from qualcode.ingest.tables import read_responses
from qualcode.ingest.word import read_docx
from qualcode.model import Document

Reader = Callable[[Path, ReadOptions], list[Document]]

READERS: dict[str, Reader] = {
    ".txt": read_plaintext,
    ".md": read_plaintext,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".pdf": read_pdf,
    ".odt": read_odt,
    ".rtf": read_rtf,
    ".html": read_html,
    ".htm": read_html,
    ".csv": read_responses,
    ".xlsx": read_responses,
}
TABLE_FORMATS = (".csv", ".xlsx")
_NOT_TRANSCRIPTS = ("readme", "license", "licence", "changelog")

__all__ = ["READERS", "ReadOptions", "SourceFiles", "find_sources", "read_document",
           "read_documents"]


def read_documents(
    path: str | Path,
    format: str | None = None,
    *,
    document_id: str | None = None,
    encoding: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    interviewers: Iterable[str] = (),
    speaker_column: str | None = None,
    time_column: str | None = None,
) -> list[Document]:
    """Read one file into Documents (a table of responses gives one per row).

    >>> docs = read_documents("transcripts_sample/lscb09.txt")  # doctest: +SKIP
    >>> docs[0].turns[0].speaker  # doctest: +SKIP
    'Interviewer'
    """
    path = Path(path)
    suffix = "." + format.lstrip(".").lower() if format else path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        known = " ".join(sorted(READERS))
        shown = suffix or "(no extension)"
        raise InputError(f"unsupported format {shown!r} (known: {known})", path)
    if not path.exists():
        raise InputError("no such file", path)
    options = ReadOptions(
        document_id=document_id or path.stem,
        encoding=encoding,
        text_column=text_column,
        id_column=id_column,
        interviewers=frozenset(interviewers),
        speaker_column=speaker_column,
        time_column=time_column,
    )
    return reader(path, options)


def read_document(path: str | Path, format: str | None = None, **options) -> Document:
    """Read a file that holds exactly one document (a transcript)."""
    documents = read_documents(path, format, **options)
    if len(documents) != 1:
        raise InputError(f"holds {len(documents)} documents, expected one", path)
    return documents[0]


@dataclass
class SourceFiles:
    """Files to ingest with the document id each gets, and files skipped with the reason."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def find_sources(
    paths: Iterable[str | Path], *, tables: bool = False, exclude: Iterable[Path] = ()
) -> SourceFiles:
    """Expand files and folders into the files to read, each with its document id.

    A file's id is its path relative to the folder given, without extension (``lscb01``,
    ``site2/int04``). In folders, hidden files, READMEs and (unless ``tables``) CSV/XLSX files
    are skipped with a reason; a path that does not exist is an error.
    """
    excluded = {Path(p).resolve() for p in exclude}
    found = SourceFiles()
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise InputError("no such file or folder", root)
        if root.is_file():
            if root.suffix.lower() in READERS:
                found.files.append((root, root.stem))
            else:
                found.skipped.append((root, f"unsupported format {root.suffix or '(none)'}"))
            continue
        if not root.is_dir():
            found.skipped.append((root, _special_file(root)))
            continue
        for path in sorted(p for p in root.rglob("*") if not p.is_dir()):
            if not path.is_file():  # a FIFO would block the read; a device never ends
                found.skipped.append((path, _special_file(path)))
                continue
            relative = path.relative_to(root)
            reason = _skip_reason(relative, path, tables, excluded)
            if reason:
                found.skipped.append((path, reason))
            else:
                found.files.append((path, relative.with_suffix("").as_posix()))
    return found


def _special_file(path: Path) -> str:
    """Why a path that is neither a file nor a folder is skipped (it is never opened)."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return "a broken link"
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"{kind}, not a file: not opened"


def _skip_reason(relative: Path, path: Path, tables: bool, excluded: set[Path]) -> str | None:
    if any(part.startswith(".") for part in relative.parts):
        return "hidden"
    if path.resolve() in excluded:
        return "the attributes sheet"
    suffix = path.suffix.lower()
    if suffix not in READERS:
        return f"unsupported format {suffix or '(none)'}"
    if path.stem.casefold().startswith(_NOT_TRANSCRIPTS):
        return "a README or licence, not a transcript"
    if suffix in TABLE_FORMATS and not tables:
        return "a table: give --text-column to read its rows as responses"
    return None
