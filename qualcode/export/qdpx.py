"""REFI-QDA project export (.qdpx): a zip of ``project.qde`` and ``sources/<GUID>.txt``.

Everything a team needs to carry work to NVivo, ATLAS.ti, MAXQDA or QualCoder: users (the
coders), the codebook (with qualcode's rules kept in the descriptions, as in QDC), variables
and cases from the case attributes, and every document with its coded selections, one
selection per span and coder. Offsets are code points into the exported text, as the standard
says, or UTF-16 code units for NVivo. GUIDs are derived from ids (a source imported from QDPX
keeps its GUID) and the zip carries fixed dates, so exporting the same project twice gives the
same bytes.
Only codings that count (applied or accepted) are exported; QDPX has no place for a coding's
origin, rule or status. Memos travel as Notes, referred to from their source, code or coded
selection (NoteRef).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

from qualcode.codebook.qdc import description_with_extras, guid
from qualcode.model import COUNTED_STATUSES

if TYPE_CHECKING:
    from qualcode.store import Project

NAMESPACE = "urn:QDA-XML:project:1.0"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_GUID = re.compile(r"(?P<b>\{)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}(?(b)\})")
_DATETIME = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def project_qde(project: Project, offsets: str = "codepoints",
                pseudonymiser=None) -> tuple[bytes, dict[str, str]]:
    """The project.qde XML and the source texts by GUID; ``offsets="utf16"`` counts selection
    positions in UTF-16 code units, as NVivo reads them. With a ``pseudonymiser`` (see
    ``qualcode.pseudonym``) every text, name and memo is pseudonymised and every selection
    points into the pseudonymised text."""
    from lxml import etree

    from qualcode.ingest.qdpx import LabelRendering
    from qualcode.offsets import Utf16Offsets

    if offsets not in ("codepoints", "utf16"):
        raise ValueError(f"offsets must be 'codepoints' or 'utf16', not {offsets!r}")

    def element(parent, tag, **attributes):
        node = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
        for key, value in attributes.items():
            node.set(key, value)
        return node

    def clean(text: str | None) -> str:
        return (pseudonymiser(text) or "") if pseudonymiser else (text or "")

    book = project.codebook()
    if pseudonymiser:
        from qualcode.pseudonym.view import pseudonymise_codebook

        book = pseudonymise_codebook(book, pseudonymiser)
    memos = project.memos()
    codings = sorted([(c.document_id, c.start, c.end, c.code_id, c.coder, c.created_at)
                      for c in project.codings() if c.status in COUNTED_STATUSES],
                     key=lambda row: row[:5])
    coders = sorted({row[4] for row in codings} | {m.author for m in memos})
    memo_guids = {m.id: guid("note", str(m.id)) for m in memos}
    root = etree.Element(f"{{{NAMESPACE}}}Project", nsmap={None: NAMESPACE})
    root.set("name", project.path.stem)
    from qualcode import __version__

    root.set("origin", f"qualcode {__version__}")
    kept = {kind: project.kept_guids(kind) for kind in ("code", "user", "case")}

    def identity(kind: str, key: str) -> str:
        """The GUID a thing had where it was imported from, else the one derived from its id."""
        value = kept[kind].get(key)
        return value if value and _GUID.fullmatch(value) else guid(kind, key)

    if coders:
        users = element(root, "Users")
        for coder in coders:
            element(users, "User", guid=identity("user", coder), name=coder)
    known = {c.id for c in book.codes}
    unknown = sorted({row[3] for row in codings} - known)
    if book.codes or unknown:
        codes = element(element(root, "CodeBook"), "Codes")

        def add(parent, parent_id):
            for code in book.children(parent_id):
                node = element(parent, "Code", guid=identity("code", code.id), name=code.name,
                               isCodable="true" if code.codable else "false")
                if code.color:
                    node.set("color", code.color.upper())
                element(node, "Description").text = description_with_extras(code)
                for memo in memos:
                    if memo.target == "code" and memo.code_id == code.id:
                        element(node, "NoteRef", targetGUID=memo_guids[memo.id])
                add(node, code.id)

        add(codes, None)
        for code_id in unknown:
            element(codes, "Code", guid=identity("code", code_id), name=code_id,
                    isCodable="true")
    attributes = project.attributes()
    names = sorted({n for values in attributes.values() for n in values})
    if names:
        variables = element(root, "Variables")
        for name in names:
            element(variables, "Variable", guid=guid("variable", name), name=name,
                    typeOfVariable="Text")
    documents = {document.id: document for document in project.documents()}
    source_guids = {doc_id: recorded if recorded and _GUID.fullmatch(recorded)
                    else guid("source", doc_id)
                    for doc_id, recorded in project.source_guids().items()}
    if attributes:
        # one Case per document, without a name, holding its attributes and one SourceRef: the
        # form MAXQDA writes and QualCoder reads as the source's own variables (QualCoder skips
        # the SourceRef of a named Case)
        cases = element(root, "Cases")
        for doc_id in documents:
            if doc_id not in attributes:
                continue
            case = element(cases, "Case", guid=identity("case", doc_id))
            for name, value in sorted(attributes[doc_id].items()):
                holder = element(case, "VariableValue")
                element(holder, "VariableRef", targetGUID=guid("variable", name))
                element(holder, "TextValue").text = clean(value)
            element(case, "SourceRef", targetGUID=source_guids[doc_id])
    texts: dict[str, str] = {}
    if documents:
        sources = element(root, "Sources")
        by_document: dict[str, list] = {}
        for row in codings:
            by_document.setdefault(row[0], []).append(row)
        for doc_id, document in documents.items():
            source_guid = source_guids[doc_id]
            # labels as `Name: `, so that qualcode and other tools read the speakers back
            rendering = LabelRendering(document.text, document.turns)
            rewritten = pseudonymiser.rewrite(rendering.text) if pseudonymiser else None
            exported = rewritten.text if rewritten else rendering.text
            texts[source_guid] = exported
            source = element(sources, "TextSource", guid=source_guid, name=clean(doc_id),
                             plainTextPath=f"internal://{source_guid}.txt")
            units = Utf16Offsets(exported) if offsets == "utf16" else None

            def position(value: int, is_end: bool, rendering=rendering, rewritten=rewritten,
                         units=units) -> int:
                value = rendering.forward(value)
                if rewritten is not None:
                    value = rewritten.end(value) if is_end else rewritten.start(value)
                return units.to_utf16(value) if units is not None else value

            # one selection per span and coder, the coder on the selection too: readers that
            # take the coder from the selection (QualCoder) keep both coders of a span
            spans: dict[tuple[int, int, str], list] = {}
            for row in by_document.get(doc_id, []):
                spans.setdefault((row[1], row[2], row[4]), []).append(row)
            passage_memos: dict[tuple[int, int], list] = {}
            for memo in memos:
                if memo.target == "coding" and memo.document_id == doc_id \
                        and memo.start is not None and memo.end is not None:
                    passage_memos.setdefault((memo.start, memo.end), []).append(memo)
            for (start, end, coder), rows in spans.items():
                stamps = sorted(row[5] for row in rows if _is_datetime(row[5]))
                selection = element(source, "PlainTextSelection",
                                    guid=guid("selection", f"{doc_id}:{rows[0][1]}:"
                                                           f"{rows[0][2]}:{coder}"),
                                    startPosition=str(position(start, False)),
                                    endPosition=str(position(end, True)),
                                    creatingUser=identity("user", coder))
                if stamps:
                    selection.set("creationDateTime", stamps[0])
                for _, s_, e_, code_id, _, created in rows:
                    coding = element(selection, "Coding",
                                     guid=guid("coding", f"{doc_id}:{s_}:{e_}:{code_id}:"
                                                         f"{coder}"),
                                     creatingUser=identity("user", coder))
                    if _is_datetime(created):
                        coding.set("creationDateTime", created)
                    element(coding, "CodeRef", targetGUID=identity("code", code_id))
                for memo in passage_memos.pop((start, end), []):
                    element(selection, "NoteRef", targetGUID=memo_guids[memo.id])
            # a memo whose passage no coding spans any more still marks its words
            for (start, end), memo_list in passage_memos.items():
                selection = element(source, "PlainTextSelection",
                                    guid=guid("selection", f"{doc_id}:{start}:{end}:memo"),
                                    startPosition=str(position(start, False)),
                                    endPosition=str(position(end, True)),
                                    creatingUser=identity("user", memo_list[0].author))
                for memo in memo_list:
                    element(selection, "NoteRef", targetGUID=memo_guids[memo.id])
            for memo in memos:
                if memo.target == "document" and memo.document_id == doc_id:
                    element(source, "NoteRef", targetGUID=memo_guids[memo.id])
    if memos:
        notes = element(root, "Notes")
        for memo in memos:
            note = element(notes, "Note", guid=memo_guids[memo.id],
                           name=f"Memo on {memo.target}", creatingUser=identity("user",
                                                                                memo.author))
            if _is_datetime(memo.created_at):
                note.set("creationDateTime", memo.created_at)
            element(note, "PlainTextContent").text = clean(memo.text)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml, texts


def _is_datetime(value: str | None) -> bool:
    return value is not None and _DATETIME.fullmatch(value) is not None


def export_qdpx(project: Project, offsets: str = "codepoints",
                pseudonymised: bool | None = None) -> bytes:
    """The .qdpx zip as bytes (the caller writes it atomically); ``offsets="utf16"`` for
    NVivo; ``pseudonymised`` as in ``load_coded`` (default: the project's setting)."""
    from qualcode.pseudonym.stored import pseudonymiser_for

    xml, texts = project_qde(project, offsets, pseudonymiser_for(project, pseudonymised))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def put(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)

        put("project.qde", xml)
        for source_guid, text in sorted(texts.items()):
            put(f"sources/{source_guid}.txt", text.encode("utf-8"))
    return buffer.getvalue()
