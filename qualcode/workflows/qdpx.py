"""Importing a REFI-QDA project (.qdpx) into a qualcode project.

``qualcode.ingest.qdpx`` reads the archive; this puts what it read into a project, deciding for
each source whether it is a new document, one already there, or a changed one, so that an
import never replaces a transcript it did not bring and never loses a coding silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import InputError
from qualcode.ids import UniqueIds
from qualcode.ingest.qdpx import (
    CODE_POINTS,
    MAX_MEMBER_BYTES,
    LabelRendering,
    QdpxContents,
    QdpxSource,
    guid_key,
    read_qdpx,
)

if TYPE_CHECKING:
    from qualcode.store import Project


@dataclass
class QdpxReport:
    """What an import did, for the CLI to print and a script to check."""

    documents: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    beside: list[tuple[str, str]] = field(default_factory=list)  # (new id, existing id)
    codes: int = 0
    codings: int = 0
    already: int = 0
    memos: int = 0
    memos_already: int = 0
    coders: list[str] = field(default_factory=list)
    offsets: str = CODE_POINTS
    origin: str = ""
    skipped_sources: list[str] = field(default_factory=list)
    skipped_selections: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)


def import_qdpx(project: Project, path: str | Path, limit: int = MAX_MEMBER_BYTES, *,
                offsets: str | None = None, strict: bool = False) -> QdpxReport:
    """Read a .qdpx and add its documents, codebook, codings and memos (its Notes) to
    ``project`` in one transaction; re-importing the same file adds nothing.

    Each source becomes its own document, whatever its name. A source already imported (same
    GUID) is reused when its text is unchanged, replaced when it changed and has no person's
    codings (as ``ingest`` treats a changed file), and refused otherwise. A source named like
    a document of the project is added to that document when the texts are equal, and beside
    it under a new id (``Interview-2``) when they differ: an import never replaces a transcript
    it did not bring. ``strict`` refuses the file if any source or selection had to be skipped.

    >>> with Project.open("team.qc", create=True) as p:  # doctest: +SKIP
    ...     report = import_qdpx(p, "from_nvivo.qdpx")
    """
    from qualcode.timeutil import now

    path = Path(path)
    started = now()
    contents = read_qdpx(path, limit, offsets)
    if strict:
        _refuse_skips(contents, path)
    report = QdpxReport(coders=contents.coders, codes=len(contents.codebook.codes),
                        offsets=contents.offsets, origin=contents.origin,
                        skipped_sources=contents.skipped_sources,
                        skipped_selections=contents.skipped_selections,
                        dropped=contents.dropped)
    placing = _SourcePlacing(project, path)
    for source in contents.sources:
        placing.place(source, report)
    with project.transaction():
        for document in placing.built:
            project.put_document(document)
        if contents.codebook.codes:
            project.set_codes(contents.codebook)
        _keep_guids(project, contents, placing.doc_ids)
        _add_codings(project, contents, placing, report)
        _add_memos(project, contents, placing, report)
        project.log_run("import qdpx", started, {"offsets": contents.offsets,
                                                 "strict": strict},
                        [(str(path), _sha256(path))])
    return report


def _refuse_skips(contents: QdpxContents, path: Path) -> None:
    """``--strict``: refuse the file if any source or selection would be skipped."""
    if contents.skipped_sources or contents.skipped_selections:
        what = [f"source {line}" for line in contents.skipped_sources]
        what += contents.skipped_selections
        raise InputError(f"{len(contents.skipped_sources)} source(s) and "
                         f"{len(contents.skipped_selections)} selection(s) would be skipped "
                         f"(--strict), first: {what[0]}", path)


class _SourcePlacing:
    """Decides, source by source, which document of the project each one becomes (new, the
    same, updated, or beside a namesake), and builds the documents to store."""

    def __init__(self, project: Project, path: Path) -> None:
        self.project, self.path = project, path
        self.existing = project.document_ids()
        self.by_guid = _stored_source_guids(project)
        self.ids = UniqueIds(self.existing)
        self.claimed: set[str] = set()
        self.doc_ids: dict[str, str] = {}  # source GUID -> document id
        self.built: list = []
        self.back: dict[str, LabelRendering] = {}  # documents that came back relabelled

    def place(self, source: QdpxSource, report: QdpxReport) -> None:
        assert source.text is not None  # read_qdpx normalised every source
        doc_id = self.by_guid.get(source.guid)
        if doc_id is not None and doc_id not in self.claimed:
            self._place_known(source, doc_id, report)
        else:
            doc_id = self._place_by_name(source, report)
        self.claimed.add(doc_id)
        self.doc_ids[source.guid] = doc_id
        report.documents.append(doc_id)

    def _place_known(self, source: QdpxSource, doc_id: str, report: QdpxReport) -> None:
        """A source imported before (same GUID): reused, updated, or refused."""
        assert source.text is not None
        if self._same_text(doc_id, source.text):
            report.unchanged.append(doc_id)
            return
        kept = self.project.person_codings(doc_id)
        if kept:
            raise InputError(
                f"source {source.name!r} changed since it was imported as document "
                f"{doc_id!r}, which has {kept} coding(s) made by a person; import it "
                "into a new project to compare", self.path)
        self.built.append(self._build(source, doc_id))
        report.updated.append(doc_id)

    def _place_by_name(self, source: QdpxSource, report: QdpxReport) -> str:
        """A new source: the document of its name when the texts are equal, else a new one."""
        assert source.text is not None
        base = _base_id(source.name)
        if base in self.existing and base not in self.claimed and self._same_text(
                base, source.text):
            report.unchanged.append(base)
            return base
        doc_id = self.ids(base)
        if base in self.existing:
            report.beside.append((doc_id, base))
        self.built.append(self._build(source, doc_id))
        report.new.append(doc_id)
        return doc_id

    def _same_text(self, doc_id: str, text: str) -> bool:
        """The stored text, or the text qualcode's own export made of it (``Name: ``)."""
        (document,) = self.project.documents([doc_id])
        if document.text == text:
            return True
        rendering = LabelRendering(document.text, document.turns)
        if rendering.changed and rendering.text == text:
            self.back[doc_id] = rendering
            return True
        return False

    def _build(self, source: QdpxSource, doc_id: str):
        import hashlib

        from qualcode.ingest.builder import ReadOptions
        from qualcode.ingest.plaintext import document_from_text

        assert source.text is not None  # read_qdpx normalised every source
        document = document_from_text(source.text, Path(source.name), source.data, "qdpx",
                                      ReadOptions(document_id=doc_id))
        document.attributes = source.attributes
        document.source_path = f"{self.path}#{source.name}"
        document.sha256 = hashlib.sha256(source.data).hexdigest()
        document.metadata["source_guid"] = source.written_guid
        return document

    def span(self, source_guid: str, start: int, end: int) -> tuple[str, int, int]:
        """A position read from the file as (document, start, end) in the stored text."""
        doc_id = self.doc_ids[source_guid]
        if doc_id in self.back:
            return doc_id, self.back[doc_id].backward(start), self.back[doc_id].backward(end)
        return doc_id, start, end


def _add_codings(project: Project, contents: QdpxContents, placing: _SourcePlacing,
                 report: QdpxReport) -> None:
    """Store the codings the project does not have yet (inside the caller's transaction)."""
    from qualcode.model import Coding

    known = project.coding_keys(report.unchanged)
    fresh = []
    for placed in contents.codings:
        doc_id, start, end = placing.span(placed.source_guid, placed.start, placed.end)
        coding = Coding(doc_id, start, end, placed.code_id, placed.coder, origin="import",
                        created_at=placed.created_at)
        key = (coding.document_id, coding.start, coding.end, coding.code_id, coding.coder)
        if key in known:
            report.already += 1
        else:
            known.add(key)
            fresh.append(coding)
    report.codings = project.add_codings(fresh)


def _add_memos(project: Project, contents: QdpxContents, placing: _SourcePlacing,
               report: QdpxReport) -> None:
    """Store the file's notes as memos the project does not have yet (same target, author
    and text: already there); a memo on a passage links to the coding it was written on."""
    from qualcode.store.memos import MemoDraft

    known = project.memo_keys()
    coding_ids = project.coding_ids(placing.doc_ids.values()) if any(
        m.target == "coding" for m in contents.memos) else {}
    fresh = []
    for memo in contents.memos:
        doc_id = start = end = coding_id = None
        if memo.source_guid is not None:
            doc_id = placing.doc_ids[memo.source_guid]
            if memo.start is not None and memo.end is not None:
                doc_id, start, end = placing.span(memo.source_guid, memo.start, memo.end)
        if memo.target == "coding" and memo.code_id and memo.coder and doc_id is not None \
                and start is not None and end is not None:
            coding_id = coding_ids.get((doc_id, start, end, memo.code_id, memo.coder))
        draft = MemoDraft(memo.target, memo.author, memo.text, document_id=doc_id,
                          code_id=memo.code_id, coding_id=coding_id, start=start, end=end,
                          created_at=memo.created_at)
        if draft.key() in known:
            report.memos_already += 1
        else:
            known.add(draft.key())
            fresh.append(draft)
    report.memos = project.put_memos(fresh)


def _base_id(name: str) -> str:
    return re.sub(r"\.(txt|docx?|rtf|pdf)$", "", name.strip(), flags=re.I) or "source"


def _keep_guids(project: Project, contents: QdpxContents, doc_ids: dict[str, str]) -> None:
    """Remember the GUIDs that differ from the ones qualcode would make, for export."""
    from qualcode.codebook.qdc import guid

    for kind, kept in (("code", contents.code_guids), ("user", contents.user_guids)):
        project.keep_guids(kind, {key: value for key, value in kept.items()
                                  if guid_key(value) != guid(kind, key)})
    project.keep_guids("case", {doc_ids[source]: value for source, value in
                                contents.case_guids.items() if source in doc_ids})


def _stored_source_guids(project: Project) -> dict[str, str]:
    """Document id by source GUID: the one a QDPX import recorded, else the one qualcode's
    own export gives the document (so a round trip lands on the same documents)."""
    from qualcode.codebook.qdc import guid

    return {guid_key(recorded or guid("source", doc_id)): doc_id
            for doc_id, recorded in project.source_guids().items()}


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
