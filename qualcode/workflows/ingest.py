"""Ingesting files into a project: one file at a time, all of them in one transaction.

Reading is where bad input shows up; every file is read and stored inside one transaction, so
an error leaves the project exactly as it was (unless the caller asks to skip bad files), and
memory holds one file's documents at a time, however many files there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.cluster import serial_map
from qualcode.errors import InputError, QualcodeError
from qualcode.ingest import find_sources, read_documents
from qualcode.ingest.attributes import match_attributes, read_attributes
from qualcode.model import Document
from qualcode.store import Project
from qualcode.timeutil import now

if TYPE_CHECKING:
    from qualcode.cluster import Cluster

Progress = Callable[[Iterable], Iterable]


@dataclass
class IngestReport:
    """What an ingest did, for the CLI to print and a script to check."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[QualcodeError] = field(default_factory=list)
    attributes_set: list[str] = field(default_factory=list)
    attributes_unmatched: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def ingest(
    project: Project,
    paths: Iterable[str | Path],
    *,
    attributes: str | Path | None = None,
    interviewers: Iterable[str] = (),
    encoding: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    speaker_column: str | None = None,
    time_column: str | None = None,
    skip_errors: bool = False,
    progress: Progress | None = None,
    cluster: Cluster | None = None,
) -> IngestReport:
    """Read transcripts (files or folders) into ``project``; return what changed.

    With a ``cluster`` (``qualcode.Cluster``) the files are read on its workers, which must
    see them at the same paths; their documents come back in the files' order and this
    process alone stores them, in the same one transaction.

    >>> with Project.open("s.qc", create=True) as p:  # doctest: +SKIP
    ...     report = ingest(p, ["transcripts_sample"],
    ...                     attributes="transcripts_sample/attributes.csv")
    """
    started = now()
    paths = [Path(p) for p in paths]
    sheet = read_attributes(attributes, encoding) if attributes else None
    sources = find_sources(paths, tables=text_column is not None,
                           exclude=[Path(attributes)] if attributes else [])
    report = IngestReport(skipped=sources.skipped)
    interviewers = tuple(interviewers)

    options = SourceOptions(encoding=encoding, text_column=text_column, id_column=id_column,
                            interviewers=interviewers, speaker_column=speaker_column,
                            time_column=time_column)
    read_options = options.recorded()
    files = sources.files
    origin: dict[str, Path] = {}
    inputs: set[tuple[str, str]] = set()
    # One file at a time, read and stored inside one transaction: memory holds one file's
    # documents (a few per worker with a cluster), and bad input (or any error) rolls back
    # everything, as if nothing was read.
    with project.transaction():
        unchanged = {i for i, (path, document_id) in enumerate(files)
                     if _unchanged(project, path, document_id, read_options)}
        todo = [file for i, file in enumerate(files) if i not in unchanged]
        if cluster is None:
            reads = serial_map(read_file, todo, options)
        else:
            reads = cluster.map(read_file, todo, options, label=lambda file: str(file[0]),
                                lost="return" if skip_errors else "raise",
                                weight=_size, batch=FILES_PER_TASK_BYTES)
        try:
            for i, (path, document_id) in enumerate(files if progress is None
                                                    else progress(files)):
                if i in unchanged:
                    _claim(origin, document_id, path)
                    report.unchanged.append(document_id)
                    continue
                documents = next(reads)
                if isinstance(documents, QualcodeError):
                    if not skip_errors:
                        raise documents
                    report.failed.append(documents)
                    continue
                for document in documents:
                    _claim(origin, document.id, path)
                    warning = no_interviewer_warning(document)
                    if warning:
                        report.warnings.append(warning)
                    status = project.put_document(document)
                    getattr(report, status).append(document.id)
                    inputs.add((str(path), document.sha256))
        finally:
            reads.close()  # on an error, files still being read on a cluster are cancelled
        if sheet is not None:
            matched, report.attributes_unmatched = match_attributes(sheet, project.document_ids())
            for doc_id, values in matched.items():
                project.set_attributes(doc_id, values)
            report.attributes_set = sorted(matched)
        logged = sorted(inputs)
        logged += [(str(origin[doc_id]), "unchanged") for doc_id in report.unchanged]
        if attributes:
            logged.append((str(attributes), _sha256(Path(attributes))))
        project.log_run(
            "ingest", started,
            {"paths": [str(p) for p in paths], "interviewers": list(interviewers),
             "encoding": encoding, "text_column": text_column, "id_column": id_column,
             "speaker_column": speaker_column, "time_column": time_column},
            logged,
        )
    return report


@dataclass(frozen=True)
class SourceOptions:
    """How to read the files of one ingest (the user's choices, the same for every file)."""

    encoding: str | None = None
    text_column: str | None = None
    id_column: str | None = None
    interviewers: tuple[str, ...] = ()
    speaker_column: str | None = None
    time_column: str | None = None

    def recorded(self) -> dict:
        """What each document's metadata keeps, so that a re-ingest can tell what changed."""
        return {"interviewers": sorted(self.interviewers), "encoding": self.encoding}


def read_source(path: Path, document_id: str, options: SourceOptions) -> list[Document]:
    """Read and segment one file (a table of responses gives several documents), words
    counted, ready to store: what ``ingest`` does per file, with no project, so that it can
    run anywhere (a worker process) and be stored by ``Project.put_document``.

    >>> docs = read_source(Path("transcripts_sample/lscb09.txt"), "lscb09",
    ...                    SourceOptions())  # doctest: +SKIP
    """
    documents = read_documents(
        path, document_id=document_id, encoding=options.encoding,
        text_column=options.text_column, id_column=options.id_column,
        interviewers=options.interviewers, speaker_column=options.speaker_column,
        time_column=options.time_column,
    )
    for document in documents:
        document.metadata["read_options"] = options.recorded()
    return documents


FILES_PER_TASK_BYTES = 1 << 20  # on a cluster, small files go a megabyte's worth per task


def _size(file: tuple[Path, str]) -> int:
    try:
        return file[0].stat().st_size
    except OSError:
        return 0  # read_file says why


def read_file(file: tuple[Path, str], options: SourceOptions
              ) -> list[Document] | QualcodeError:
    """``read_source`` of one (path, document id), or the QualcodeError that says why the
    file cannot be read (returned, not raised, so a cluster's map goes on to the next file
    and the caller decides, as ``--skip-errors`` asks)."""
    path, document_id = file
    try:
        return read_source(path, document_id, options)
    except QualcodeError as exc:
        return exc


def no_interviewer_warning(document: Document) -> str | None:
    """One line for a labelled document in which no speaker is an interviewer: all of it would
    be coded as participants' speech, which is rarely what was meant."""
    speakers = list(dict.fromkeys(t.speaker for t in document.turns if t.speaker))
    if not speakers or any(t.is_interviewer for t in document.turns):
        return None
    return (f"{document.id}: no interviewer among its speakers ({', '.join(speakers)}); "
            "all turns are coded as participants' speech (give --interviewer NAME if one "
            "of them interviews)")


def _claim(origin: dict[str, Path], document_id: str, path: Path) -> None:
    """Record which file gives a document id; two files giving one id is an error."""
    if document_id in origin:
        raise InputError(f"gives document id {document_id!r}, already given by "
                         f"{origin[document_id]}", path)
    origin[document_id] = path


def _unchanged(project: Project, path: Path, document_id: str, read_options: dict) -> bool:
    """A transcript file already ingested byte for byte with the same options: skip reading.

    Tables of responses are always read (a row's id is inside the file).
    """
    from qualcode.ingest import TABLE_FORMATS

    if path.suffix.lower() in TABLE_FORMATS:
        return False
    stored = project.document_fingerprint(document_id)
    if stored is None:
        return False
    sha256, metadata = stored
    try:
        current = _sha256(path)
    except OSError:
        return False
    return sha256 == current and metadata.get("read_options") == read_options


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
