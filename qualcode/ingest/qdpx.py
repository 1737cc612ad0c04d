"""REFI-QDA project import (.qdpx): sources, codebook, codings, coders and case attributes.

Brings a team's work from NVivo, ATLAS.ti, MAXQDA or QualCoder into a qualcode project. The
archive is treated as untrusted: members with absolute paths or ``..``, members larger than a
limit, and XML with a DTD or entity declarations are refused before anything is read.
Source texts are normalised like every qualcode document (CRLF, BOM, NFC) and each
selection's code-point offsets are carried onto the normalised text.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from qualcode.errors import InputError
from qualcode.model import Codebook, Coding

NAMESPACE = "urn:QDA-XML:project:1.0"
MAX_MEMBER_BYTES = 512 * 1024 * 1024


@dataclass
class QdpxReport:
    """What an import brought in."""

    documents: list[str] = field(default_factory=list)
    codes: int = 0
    codings: int = 0
    already: int = 0
    coders: list[str] = field(default_factory=list)
    skipped_sources: list[str] = field(default_factory=list)


def _safe_members(archive: zipfile.ZipFile, path: Path, limit: int) -> dict[str, zipfile.ZipInfo]:
    members = {}
    for info in archive.infolist():
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise InputError(f"unsafe archive: member {name!r} points outside the archive",
                             path)
        if info.file_size > limit:
            raise InputError(f"unsafe archive: member {name!r} is {info.file_size:,} bytes "
                             f"(limit {limit:,})", path)
        members[name.replace("\\", "/")] = info
    return members


def read_qdpx(path: str | Path, limit: int = MAX_MEMBER_BYTES):
    """Parse a .qdpx into (documents as (name, text, offset map, attributes), codebook,
    codings by source name, coders). Nothing is written."""
    from qualcode.codebook.fields import Problems
    from qualcode.codebook.qdc import codes_from_xml, safe_xml
    from qualcode.codebook.validate import validate_codes
    from qualcode.errors import CodebookError
    from qualcode.text import decode_bytes, normalise_with_offsets

    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a QDPX archive ({exc})", path) from None
    with archive:
        members = _safe_members(archive, path, limit)
        qde = next((n for n in members if n.lower() == "project.qde"), None)
        if qde is None:
            raise InputError("not a QDPX archive (no project.qde inside)", path)
        root = safe_xml(archive.read(members[qde]), path)
        if root.tag != f"{{{NAMESPACE}}}Project":
            raise InputError(f"project.qde is not a REFI-QDA project (root {root.tag})", path)
        ns = {"q": NAMESPACE}
        users = {_key(u.get("guid")): (u.get("name") or u.get("id") or u.get("guid"))
                 for u in root.iterfind("q:Users/q:User", ns)}
        problems = Problems()
        codes, code_ids = codes_from_xml(root.find("q:CodeBook/q:Codes", ns), NAMESPACE,
                                         problems)
        if codes:
            validate_codes(codes, problems)
        if problems:
            raise CodebookError.many([CodebookError(m, f"{path}:project.qde", line)
                                      for line, _, m in problems.items])
        variables = {_key(v.get("guid")): v.get("name") for v in
                     root.iterfind("q:Variables/q:Variable", ns)}
        attributes_by_source: dict[str, dict[str, str]] = {}
        for case in root.iterfind("q:Cases/q:Case", ns):
            values = {}
            for holder in case.iterfind("q:VariableValue", ns):
                ref = holder.find("q:VariableRef", ns)
                name = variables.get(_key(ref.get("targetGUID"))) if ref is not None else None
                value = next((child.text for child in holder
                              if child.tag != f"{{{NAMESPACE}}}VariableRef"), None)
                if name and value is not None:
                    values[name] = value.strip()
            for ref in case.iterfind("q:SourceRef", ns):
                attributes_by_source.setdefault(_key(ref.get("targetGUID")), {}).update(values)
        documents, codings, skipped = [], [], []
        for source in root.iterfind("q:Sources/q:TextSource", ns):
            name = source.get("name") or source.get("guid")
            raw = _source_text(source, archive, members, ns)
            if raw is None:
                skipped.append(name)
                continue
            text, mapping = normalise_with_offsets(decode_bytes(raw, f"{path}:{name}"))
            documents.append((name, text, raw, attributes_by_source.get(
                _key(source.get("guid")), {})))
            for selection in source.iterfind("q:PlainTextSelection", ns):
                start, end = (int(selection.get("startPosition")),
                              int(selection.get("endPosition")))
                if not 0 <= start < end <= len(mapping) - 1:
                    raise InputError(f"selection {start}-{end} lies outside source {name!r}",
                                     path, selection.sourceline)
                for coding in selection.iterfind("q:Coding", ns):
                    ref = coding.find("q:CodeRef", ns)
                    code = code_ids.get(_key(ref.get("targetGUID"))) if ref is not None else None
                    if code is None:
                        raise InputError("a coding refers to a code not in the codebook",
                                         path, coding.sourceline)
                    coder = users.get(_key(coding.get("creatingUser") or selection.get(
                        "creatingUser")), "unknown")
                    codings.append((name, mapping[start], mapping[end], code, coder))
    book = Codebook(name=path.stem, codes=codes)
    return documents, book, codings, sorted(set(users.values())), skipped


def _key(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _source_text(source, archive, members, ns) -> bytes | None:
    """The plain text of a TextSource: inline, or the file its plainTextPath names."""
    inline = source.find("q:PlainTextContent", ns)
    if inline is not None and inline.text:
        return inline.text.encode("utf-8")
    target = source.get("plainTextPath") or ""
    if target.startswith("internal://"):
        wanted = "sources/" + target[len("internal://"):]
    else:  # relative or absolute paths from other tools: match by file name inside sources/
        wanted = "sources/" + PurePosixPath(target.replace("\\", "/")).name
    match = next((n for n in members if n.lower() == wanted.lower()), None)
    return archive.read(members[match]) if match else None


def import_qdpx(project, path: str | Path, limit: int = MAX_MEMBER_BYTES) -> QdpxReport:
    """Read a .qdpx and add its documents, codebook and codings to ``project`` (one
    transaction; re-importing the same file adds nothing)."""
    from qualcode.ingest.builder import ReadOptions
    from qualcode.ingest.plaintext import document_from_text
    from qualcode.store import now

    path = Path(path)
    started = now()
    documents, book, codings, coders, skipped = read_qdpx(path, limit)
    report = QdpxReport(coders=coders, skipped_sources=skipped, codes=len(book.codes))
    ids: dict[str, str] = {}
    built = []
    for name, text, raw, attributes in documents:
        doc_id = _unique_id(name, set(ids.values()))
        ids[name] = doc_id
        document = document_from_text(
            text, Path(name), raw, "qdpx",
            ReadOptions(document_id=doc_id))
        document.attributes = attributes
        document.source_path = f"{path}#{name}"
        document.sha256 = hashlib.sha256(raw).hexdigest()
        built.append(document)
    with project.transaction():
        for document in built:
            project.put_document(document)
            report.documents.append(document.id)
        if book.codes:
            project.set_codes(book)
        fresh = []
        for name, start, end, code, coder in codings:
            coding = Coding(ids[name], start, end, code, coder, origin="import")
            exists = project.db.execute(
                "SELECT 1 FROM codings WHERE document_id = ? AND char_start = ? AND"
                " char_end = ? AND code_id = ? AND coder = ?",
                (coding.document_id, start, end, code, coder)).fetchone()
            if exists:
                report.already += 1
            else:
                fresh.append(coding)
        report.codings = project.add_codings(fresh)
        project.log_run("import qdpx", started, {}, [(str(path), _sha256(path))])
    return report


def _unique_id(name: str, used: set[str]) -> str:
    base = re.sub(r"\.(txt|docx?|rtf|pdf)$", "", name.strip(), flags=re.I) or "source"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
