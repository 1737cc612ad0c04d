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
    if offsets not in ("codepoints", "utf16"):
        raise ValueError(f"offsets must be 'codepoints' or 'utf16', not {offsets!r}")
    return _QdeWriter(project, offsets, pseudonymiser).write()


def _element(parent, tag: str, **attributes: str):
    from lxml import etree

    node = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    for key, value in attributes.items():
        node.set(key, value)
    return node


def _on_passage(memo) -> bool:
    """A memo that marks words: on a coding, or on a document with a passage (a QDPX Note
    on a selection without codings comes in so)."""
    return memo.target in ("coding", "document") and memo.start is not None \
        and memo.end is not None


class _QdeWriter:
    """Writes one project as ``project.qde``, one method per part of the project, in the
    standard's order: users, codebook, variables, cases, sources (with their selections),
    notes."""

    def __init__(self, project: Project, offsets: str, pseudonymiser=None) -> None:
        self.project, self.offsets, self.pseudonymiser = project, offsets, pseudonymiser
        book = project.codebook()
        if pseudonymiser:
            from qualcode.pseudonym.view import pseudonymise_codebook

            book = pseudonymise_codebook(book, pseudonymiser)
        self.book = book
        self.memos = project.memos()
        self.codings = sorted([(c.document_id, c.start, c.end, c.code_id, c.coder, c.created_at)
                               for c in project.codings() if c.status in COUNTED_STATUSES],
                              key=lambda row: row[:5])
        self.memo_guids = {m.id: guid("note", str(m.id)) for m in self.memos}
        self.kept = {kind: project.kept_guids(kind) for kind in ("code", "user", "case")}
        self.texts: dict[str, str] = {}

    def write(self) -> tuple[bytes, dict[str, str]]:
        from lxml import etree

        from qualcode import __version__

        root = etree.Element(f"{{{NAMESPACE}}}Project", nsmap={None: NAMESPACE})
        root.set("name", self.project.path.stem)
        root.set("origin", f"qualcode {__version__}")
        self.users(root)
        self.codebook(root)
        attributes = self.project.attributes()
        self.variables(root, attributes)
        documents = {document.id: document for document in self.project.documents()}
        self.source_guids = {doc_id: recorded if recorded and _GUID.fullmatch(recorded)
                             else guid("source", doc_id)
                             for doc_id, recorded in self.project.source_guids().items()}
        self.cases(root, documents, attributes)
        self.sources(root, documents)
        self.notes(root)
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        return xml, self.texts

    def clean(self, text: str | None) -> str:
        return (self.pseudonymiser(text) or "") if self.pseudonymiser else (text or "")

    def identity(self, kind: str, key: str) -> str:
        """The GUID a thing had where it was imported from, else the one derived from its id."""
        value = self.kept[kind].get(key)
        return value if value and _GUID.fullmatch(value) else guid(kind, key)

    def users(self, root) -> None:
        """One User per coder and memo author."""
        coders = sorted({row[4] for row in self.codings} | {m.author for m in self.memos})
        if coders:
            users = _element(root, "Users")
            for coder in coders:
                _element(users, "User", guid=self.identity("user", coder), name=coder)

    def codebook(self, root) -> None:
        """The code tree, with codes that codings use but the codebook lacks at the end."""
        known = {c.id for c in self.book.codes}
        unknown = sorted({row[3] for row in self.codings} - known)
        if not (self.book.codes or unknown):
            return
        codes = _element(_element(root, "CodeBook"), "Codes")
        self._codes(codes, None)
        for code_id in unknown:
            _element(codes, "Code", guid=self.identity("code", code_id), name=code_id,
                     isCodable="true")

    def _codes(self, parent, parent_id: str | None) -> None:
        for code in self.book.children(parent_id):
            node = _element(parent, "Code", guid=self.identity("code", code.id),
                            name=code.name, isCodable="true" if code.codable else "false")
            if code.color:
                node.set("color", code.color.upper())
            _element(node, "Description").text = description_with_extras(code)
            for memo in self.memos:
                if memo.target == "code" and memo.code_id == code.id:
                    _element(node, "NoteRef", targetGUID=self.memo_guids[memo.id])
            self._codes(node, code.id)

    def variables(self, root, attributes: dict[str, dict[str, str]]) -> None:
        names = sorted({n for values in attributes.values() for n in values})
        if names:
            variables = _element(root, "Variables")
            for name in names:
                _element(variables, "Variable", guid=guid("variable", name), name=name,
                         typeOfVariable="Text")

    def cases(self, root, documents: dict, attributes: dict[str, dict[str, str]]) -> None:
        """One Case per document, without a name, holding its attributes and one SourceRef:
        the form MAXQDA writes and QualCoder reads as the source's own variables (QualCoder
        skips the SourceRef of a named Case)."""
        if not attributes:
            return
        cases = _element(root, "Cases")
        for doc_id in documents:
            if doc_id not in attributes:
                continue
            case = _element(cases, "Case", guid=self.identity("case", doc_id))
            for name, value in sorted(attributes[doc_id].items()):
                holder = _element(case, "VariableValue")
                _element(holder, "VariableRef", targetGUID=guid("variable", name))
                _element(holder, "TextValue").text = self.clean(value)
            _element(case, "SourceRef", targetGUID=self.source_guids[doc_id])

    def sources(self, root, documents: dict) -> None:
        if not documents:
            return
        sources = _element(root, "Sources")
        by_document: dict[str, list] = {}
        for row in self.codings:
            by_document.setdefault(row[0], []).append(row)
        for doc_id, document in documents.items():
            self._source(sources, doc_id, document, by_document.get(doc_id, []))

    def _source(self, sources, doc_id: str, document, rows: list) -> None:
        """A TextSource with its selections, then the NoteRefs of memos on the document."""
        source_guid = self.source_guids[doc_id]
        position = self._exported_text(source_guid, document)
        source = _element(sources, "TextSource", guid=source_guid, name=self.clean(doc_id),
                          plainTextPath=f"internal://{source_guid}.txt")
        passage_memos: dict[tuple[int, int], list] = {}
        for memo in self.memos:
            if _on_passage(memo) and memo.document_id == doc_id:
                assert memo.start is not None and memo.end is not None  # _on_passage
                passage_memos.setdefault((memo.start, memo.end), []).append(memo)
        self._coded_selections(source, doc_id, rows, position, passage_memos)
        # a memo whose passage no coding spans (any more) still marks its words
        for (start, end), memo_list in passage_memos.items():
            selection = _element(source, "PlainTextSelection",
                                 guid=guid("selection", f"{doc_id}:{start}:{end}:memo"),
                                 startPosition=str(position(start, False)),
                                 endPosition=str(position(end, True)),
                                 creatingUser=self.identity("user", memo_list[0].author))
            for memo in memo_list:
                _element(selection, "NoteRef", targetGUID=self.memo_guids[memo.id])
        for memo in self.memos:
            if memo.target == "document" and memo.document_id == doc_id \
                    and not _on_passage(memo):
                _element(source, "NoteRef", targetGUID=self.memo_guids[memo.id])

    def _exported_text(self, source_guid: str, document):
        """Record the text exported for a document (labels as ``Name: ``, so that qualcode
        and other tools read the speakers back; pseudonymised if asked) and return the
        function that turns a stored position into an exported one."""
        from qualcode.ingest.qdpx import LabelRendering
        from qualcode.offsets import Utf16Offsets

        rendering = LabelRendering(document.text, document.turns)
        rewritten = self.pseudonymiser.rewrite(rendering.text) if self.pseudonymiser else None
        exported = rewritten.text if rewritten else rendering.text
        self.texts[source_guid] = exported
        units = Utf16Offsets(exported) if self.offsets == "utf16" else None

        def position(value: int, is_end: bool) -> int:
            value = rendering.forward(value)
            if rewritten is not None:
                value = rewritten.end(value) if is_end else rewritten.start(value)
            return units.to_utf16(value) if units is not None else value

        return position

    def _coded_selections(self, source, doc_id: str, rows: list, position,
                          passage_memos: dict[tuple[int, int], list]) -> None:
        """One selection per span and coder, the coder on the selection too: readers that
        take the coder from the selection (QualCoder) keep both coders of a span. Memos on a
        passage go on its first selection (taken out of ``passage_memos``)."""
        spans: dict[tuple[int, int, str], list] = {}
        for row in rows:
            spans.setdefault((row[1], row[2], row[4]), []).append(row)
        for (start, end, coder), span_rows in spans.items():
            stamps = sorted(row[5] for row in span_rows if _is_datetime(row[5]))
            selection = _element(source, "PlainTextSelection",
                                 guid=guid("selection", f"{doc_id}:{span_rows[0][1]}:"
                                                        f"{span_rows[0][2]}:{coder}"),
                                 startPosition=str(position(start, False)),
                                 endPosition=str(position(end, True)),
                                 creatingUser=self.identity("user", coder))
            if stamps:
                selection.set("creationDateTime", stamps[0])
            for _, s_, e_, code_id, _, created in span_rows:
                coding = _element(selection, "Coding",
                                  guid=guid("coding", f"{doc_id}:{s_}:{e_}:{code_id}:{coder}"),
                                  creatingUser=self.identity("user", coder))
                if _is_datetime(created):
                    coding.set("creationDateTime", created)
                _element(coding, "CodeRef", targetGUID=self.identity("code", code_id))
            for memo in passage_memos.pop((start, end), []):
                _element(selection, "NoteRef", targetGUID=self.memo_guids[memo.id])

    def notes(self, root) -> None:
        """Every memo as a Note, with its author and time; what it is on refers to it."""
        if not self.memos:
            return
        notes = _element(root, "Notes")
        for memo in self.memos:
            note = _element(notes, "Note", guid=self.memo_guids[memo.id],
                            name=f"Memo on {memo.target}",
                            creatingUser=self.identity("user", memo.author))
            if _is_datetime(memo.created_at):
                note.set("creationDateTime", memo.created_at)
            _element(note, "PlainTextContent").text = self.clean(memo.text)


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
