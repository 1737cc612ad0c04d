"""REFI-QDA project reader (.qdpx): sources, codebook, codings, coders and case attributes.

Reads a team's work from NVivo, ATLAS.ti, MAXQDA or QualCoder without writing anything
(``qualcode.workflows.qdpx`` puts it into a project). The
archive is treated as untrusted: members with absolute paths or ``..``, members declaring more
than a limit, and XML with a DTD or entity declarations are refused before anything is read;
every member is inflated through ``qualcode.safezip``, counting the bytes it actually makes, so
a decompression bomb, a member inflating past its declared size or a bad CRC is one line.

Sources are kept apart by GUID, never by name: tools allow several sources called "Interview"
in different folders, and each must stay its own text with its own codings. Selection offsets
are read in the unit the exporting tool used (NVivo counts UTF-16 code units, the standard and
most tools count code points; see :func:`choose_offset_unit`), then carried onto the
normalised text (CRLF, BOM, NFC) like every qualcode document. Selections that are empty or
lie outside their source are skipped and listed, never fatal.
"""

from __future__ import annotations

import re
import zipfile
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from qualcode.errors import InputError
from qualcode.model import Codebook
from qualcode.offsets import Utf16Offsets
from qualcode.safezip import Budget, open_archive, read_member

if TYPE_CHECKING:
    from qualcode.text import OffsetMap

NAMESPACE = "urn:QDA-XML:project:1.0"
MAX_MEMBER_BYTES = 512 * 1024 * 1024
# All members inflated together: 20,000 interviews of 50 KB; reading a project takes several
# times its text in memory, so a bigger one would end in a MemoryError on most machines.
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
CODE_POINTS = "code points"
UTF16 = "UTF-16 code units"

# Parts of a REFI-QDA project qualcode has no place for, by element path: said in the summary.
_DROPPED = {
    "q:Sets/q:Set": "sets (code groups)",
    "q:Links/q:Link": "links",
    "q:Graphs/q:Graph": "graphs",
    "q:Sources/q:PictureSource": "picture sources",
    "q:Sources/q:PDFSource": "PDF sources",
    "q:Sources/q:AudioSource": "audio sources",
    "q:Sources/q:VideoSource": "video sources",
}


@dataclass
class QdpxSource:
    """A text source as the archive holds it: ``raw`` is its decoded text before normalising
    (what the exporting tool counted offsets on); ``text`` is qualcode's normalised text;
    ``guid`` is the GUID lowercased without braces (for matching), ``written_guid`` as the file
    wrote it (to give back on export)."""

    guid: str
    name: str
    raw: str
    data: bytes
    text: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    written_guid: str = ""


@dataclass
class QdpxCoding:
    """One coding, on its source by GUID, in code points of the source's normalised text."""

    source_guid: str
    start: int
    end: int
    code_id: str
    coder: str
    created_at: str | None = None


@dataclass
class QdpxContents:
    """Everything read from a .qdpx, and what was left out and why."""

    sources: list[QdpxSource]
    codebook: Codebook
    codings: list[QdpxCoding]
    coders: list[str]
    origin: str
    offsets: str = CODE_POINTS
    skipped_sources: list[str] = field(default_factory=list)  # "'name': why"
    skipped_selections: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    code_guids: dict[str, str] = field(default_factory=dict)  # code id -> GUID as written
    user_guids: dict[str, str] = field(default_factory=dict)  # coder -> GUID as written
    case_guids: dict[str, str] = field(default_factory=dict)  # source guid -> its case's GUID
    memos: list[QdpxMemo] = field(default_factory=list)


@dataclass
class QdpxMemo:
    """A Note, placed on what refers to it: ``target`` is ``"document"`` (``source_guid``; with
    ``start``/``end`` when it marks a passage that no coding marks), ``"code"`` (``code_id``)
    or ``"coding"`` (the passage, with the code and coder of its selection's first coding).
    Positions are code points of the source's normalised text, like codings."""

    target: str
    text: str
    author: str
    created_at: str | None = None
    source_guid: str | None = None
    code_id: str | None = None
    start: int | None = None
    end: int | None = None
    coder: str | None = None


@dataclass
class _Note:
    text: str
    author: str
    created_at: str | None


@dataclass
class _Selection:
    source: QdpxSource
    start: int | None  # None: the file gave none (skipped, and said so)
    end: int | None
    line: int | None
    codings: list[tuple[str, str, str | None]]  # (code id, coder, creation time)
    notes: list[_Note] = field(default_factory=list)


@dataclass
class _Placed:
    """What :func:`_place` made of the selections."""

    codings: list[QdpxCoding] = field(default_factory=list)
    memos: list[QdpxMemo] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes_lost: int = 0  # notes on selections that were skipped


NOTES_UNATTACHED = "notes not attached to a source, code or selection"
NOTES_ON_SKIPPED = "notes on skipped sources or selections"
NOTES_MISSING = "note references to notes not in the file"
NOTES_EMPTY = "empty notes"


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


def _project_member(members: dict[str, zipfile.ZipInfo], path: Path) -> str:
    """``project.qde``, or the one ``.qde`` in the archive (ATLAS.ti names it after the
    project)."""
    qde = [n for n in members if n.lower().endswith(".qde")]
    named = [n for n in qde if n.lower() == "project.qde"]
    if named:
        return named[0]
    if len(qde) == 1:
        return qde[0]
    if not qde:
        raise InputError("not a QDPX archive (no project.qde inside)", path)
    raise InputError(f"not a QDPX archive: {len(qde)} project files and none named "
                     f"project.qde ({', '.join(sorted(qde)[:3])})", path)


def read_qdpx(path: str | Path, limit: int = MAX_MEMBER_BYTES,
              offsets: str | None = None) -> QdpxContents:
    """Parse a .qdpx; nothing is written. ``offsets`` forces the unit of selection offsets
    (``"codepoints"`` or ``"utf16"``); by default it is detected.

    >>> contents = read_qdpx("team.qdpx")  # doctest: +SKIP
    >>> contents.offsets, len(contents.sources), len(contents.codings)  # doctest: +SKIP
    ('UTF-16 code units', 12, 303)
    """
    from qualcode.text import normalise

    path = Path(path)
    with open_archive(path, path, kind="QDPX archive") as archive:
        reader = _ProjectReader(path, archive, limit)
        codes = reader.codebook()
        sources, selections, skipped = reader.sources()
        code_memos = reader.code_memos()
        contents = QdpxContents(
            sources=sources, codebook=Codebook(name=path.stem, codes=codes), codings=[],
            coders=sorted(set(reader.users.values())), origin=reader.root.get("origin") or "",
            skipped_sources=skipped, dropped=reader.dropped(),
            code_guids=reader.code_guids(), user_guids=reader.user_guids(),
            case_guids=reader.case_guids())
    contents.offsets = _unit(offsets) if offsets else choose_offset_unit(
        [(s.source.raw, s.start, s.end) for s in selections], contents.origin)
    placed = _place(selections, contents.offsets)
    contents.codings, contents.skipped_selections = placed.codings, placed.skipped
    contents.memos = reader.source_memos + code_memos + placed.memos
    reader.count_lost_notes(placed.notes_lost)
    contents.dropped.update(reader.lost_notes)
    for source in sources:
        if source.text is None:
            source.text = normalise(source.raw)
    return contents


class _ProjectReader:
    """Reads the parts of one ``project.qde``, one method per part; notes are handed to what
    refers to them, and the ones nothing takes are counted in ``lost_notes``."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, limit: int) -> None:
        from qualcode.codebook.qdc import safe_xml

        self.path, self.archive = path, archive
        self.budget = Budget(MAX_TOTAL_BYTES, MAX_TOTAL_BYTES)  # for all members together
        self.members = _safe_members(archive, path, limit)
        self.by_lower = {name.lower(): name for name in self.members}
        self.qde = _project_member(self.members, path)
        self.root = safe_xml(self._read(self.qde), path)
        if self.root.tag != f"{{{NAMESPACE}}}Project":
            raise InputError(f"{self.qde} is not a REFI-QDA project (root {self.root.tag})",
                             path)
        self.ns = {"q": NAMESPACE}
        self.users = {guid_key(u.get("guid")): (u.get("name") or u.get("id") or u.get("guid"))
                      for u in self.root.iterfind("q:Users/q:User", self.ns)}
        self.code_ids: dict[str, str] = {}
        self.notes = self._notes()
        self.referred: set[str] = set()  # note GUIDs something refers to
        self.source_memos: list[QdpxMemo] = []
        self.lost_notes: dict[str, int] = {}

    def _read(self, name: str) -> bytes:
        """A member's bytes, inflated in a stream and counted: past its declared size, the
        archive's total or a bomb's ratio it is refused in one line (``qualcode.safezip``)."""
        return read_member(self.archive, self.members[name], self.path, self.budget)

    def _text_of(self, element) -> bytes | None:
        """The plain text of a TextSource or Note: inline, or the file its plainTextPath
        names."""
        inline = element.find("q:PlainTextContent", self.ns)
        if inline is not None and inline.text:
            return inline.text.encode("utf-8")
        target = element.get("plainTextPath") or ""
        if target.startswith("internal://"):
            wanted = "sources/" + target[len("internal://"):]
        else:  # relative or absolute paths from other tools: match by file name in sources/
            wanted = "sources/" + PurePosixPath(target.replace("\\", "/")).name
        match = self.by_lower.get(wanted.lower())
        return self._read(match) if match else None

    def _user(self, element, fallback=None) -> str:
        """The name of the user who made ``element`` (else ``fallback``'s), or "unknown"."""
        user = element.get("creatingUser") or (
            fallback.get("creatingUser") if fallback is not None else None)
        return self.users.get(guid_key(user), "unknown")

    def codebook(self) -> list:
        """The codes, checked as a codebook is; Taguette's dotted tag names nest."""
        from qualcode.codebook.fields import Problems
        from qualcode.codebook.qdc import codes_from_xml, nest_dotted_names
        from qualcode.codebook.validate import validate_codes
        from qualcode.errors import CodebookError

        problems = Problems()
        codes, self.code_ids = codes_from_xml(self.root.find("q:CodeBook/q:Codes", self.ns),
                                              NAMESPACE, problems)
        if "taguette" in (self.root.get("origin") or "").lower():
            codes = nest_dotted_names(codes)
        if codes:
            validate_codes(codes, problems)
        if problems:
            raise CodebookError.many([CodebookError(m, f"{self.path}:{self.qde}", line)
                                      for line, _, m in problems.items])
        return codes

    def sources(self) -> tuple[list[QdpxSource], list[_Selection], list[str]]:
        """The text sources, their selections, and the sources skipped (``'name': why``)."""
        attributes_by_source = _case_attributes(self.root, self.ns)
        sources: list[QdpxSource] = []
        selections: list[_Selection] = []
        skipped: list[str] = []
        guids: set[str] = set()
        for element in self.root.iterfind("q:Sources/q:TextSource", self.ns):
            name = element.get("name") or element.get("guid")
            guid = guid_key(element.get("guid"))
            if not guid or guid in guids:
                raise InputError(f"source {name!r} has {'a repeated' if guid else 'no'} guid",
                                 self.path, element.sourceline)
            guids.add(guid)
            source, why = self._source(element, name, guid)
            if source is None:
                skipped.append(f"{name!r}: {why}")
                lost = self._note_refs(element) + [note for selection in element.iterfind(
                    "q:PlainTextSelection", self.ns) for note in self._note_refs(selection)]
                self.count_lost_notes(len(lost))
                continue
            source.attributes = attributes_by_source.get(guid, {})
            sources.append(source)
            for note in self._note_refs(element):
                self.source_memos.append(QdpxMemo("document", note.text, note.author,
                                                  note.created_at, source_guid=guid))
            selections += [self._selection(selection, source) for selection in
                           element.iterfind("q:PlainTextSelection", self.ns)]
        return sources, selections, skipped

    def _source(self, element, name: str, guid: str) -> tuple[QdpxSource | None, str]:
        from qualcode.text import decode_bytes

        data = self._text_of(element)
        if data is None:
            return None, "its text is not in the archive"
        try:
            raw = decode_bytes(data, f"{self.path}:{name}")
        except InputError as exc:  # an empty or binary source: the rest still imports
            return None, exc.message
        return QdpxSource(guid, name, raw, data, written_guid=element.get("guid").strip()), ""

    def _selection(self, selection, source: QdpxSource) -> _Selection:
        found = []
        for coding in selection.iterfind("q:Coding", self.ns):
            ref = coding.find("q:CodeRef", self.ns)
            code = (self.code_ids.get(guid_key(ref.get("targetGUID")))
                    if ref is not None else None)
            if code is None:
                raise InputError("a coding refers to a code not in the codebook",
                                 self.path, coding.sourceline)
            created = coding.get("creationDateTime") or selection.get("creationDateTime")
            found.append((code, self._user(coding, selection), created))
        return _Selection(source, _int(selection.get("startPosition")),
                          _int(selection.get("endPosition")), selection.sourceline, found,
                          self._note_refs(selection))

    def _notes(self) -> dict[str, _Note | None]:
        """Every Note by GUID (None for an empty one): its text, author and time."""
        notes: dict[str, _Note | None] = {}
        for element in self.root.iterfind("q:Notes/q:Note", self.ns):
            data = self._text_of(element)
            text = data.decode("utf-8", errors="replace") if data else ""
            notes[guid_key(element.get("guid"))] = _Note(
                text, self._user(element), element.get("creationDateTime")) if text.strip() \
                else None
        return notes

    def _note_refs(self, element) -> list[_Note]:
        """The notes ``element`` refers to; a reference to a missing or empty note is
        counted."""
        found = []
        for ref in element.iterfind("q:NoteRef", self.ns):
            key = guid_key(ref.get("targetGUID"))
            if key not in self.notes:
                self.count_lost_notes(1, NOTES_MISSING)
                continue
            self.referred.add(key)
            note = self.notes[key]
            if note is None:
                self.count_lost_notes(1, NOTES_EMPTY)
            else:
                found.append(note)
        return found

    def code_memos(self) -> list[QdpxMemo]:
        memos = []
        for node in self.root.iterfind("q:CodeBook/q:Codes//q:Code", self.ns):
            code_id = self.code_ids.get(guid_key(node.get("guid")))
            for note in self._note_refs(node):
                memos.append(QdpxMemo("code", note.text, note.author, note.created_at,
                                      code_id=code_id))
        return memos

    def count_lost_notes(self, n: int, why: str = NOTES_ON_SKIPPED) -> None:
        if n:
            self.lost_notes[why] = self.lost_notes.get(why, 0) + n

    def dropped(self) -> dict[str, int]:
        """What qualcode has no place for, by kind; call after the sources and codes are
        read (a note nothing took is counted here)."""
        dropped = {label: n for where, label in _DROPPED.items()
                   if (n := len(self.root.findall(where, self.ns)))}
        unattached = sum(key not in self.referred for key in self.notes)
        if unattached:
            dropped[NOTES_UNATTACHED] = unattached
        return dropped

    def code_guids(self) -> dict[str, str]:
        """Code id -> its GUID as written."""
        return {self.code_ids[guid_key(node.get("guid"))]: node.get("guid").strip()
                for node in self.root.iterfind("q:CodeBook/q:Codes//q:Code", self.ns)
                if guid_key(node.get("guid")) in self.code_ids}

    def user_guids(self) -> dict[str, str]:
        """Coder -> the GUID of the first user of that name, as written."""
        user_guids: dict[str, str] = {}
        for user in self.root.iterfind("q:Users/q:User", self.ns):
            user_guids.setdefault(self.users[guid_key(user.get("guid"))],
                                  user.get("guid", "").strip())
        return user_guids

    def case_guids(self) -> dict[str, str]:
        """Source GUID -> the GUID of its case, for cases of exactly one source."""
        case_guids = {}
        for case in self.root.iterfind("q:Cases/q:Case", self.ns):
            refs = case.findall("q:SourceRef", self.ns)
            if len(refs) == 1 and case.get("guid"):  # a case of several sources: no one owner
                case_guids[guid_key(refs[0].get("targetGUID"))] = case.get("guid").strip()
        return case_guids


def _unit(name: str) -> str:
    units = {"codepoints": CODE_POINTS, "utf16": UTF16}
    if name not in units:
        raise ValueError(f"offsets must be one of {sorted(units)}, not {name!r}")
    return units[name]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _case_attributes(root, ns) -> dict[str, dict[str, str]]:
    variables = {guid_key(v.get("guid")): v.get("name") for v in
                 root.iterfind("q:Variables/q:Variable", ns)}
    result: dict[str, dict[str, str]] = {}
    for case in root.iterfind("q:Cases/q:Case", ns):
        values = {}
        for holder in case.iterfind("q:VariableValue", ns):
            ref = holder.find("q:VariableRef", ns)
            name = variables.get(guid_key(ref.get("targetGUID"))) if ref is not None else None
            value = next((child.text for child in holder
                          if child.tag != f"{{{NAMESPACE}}}VariableRef"), None)
            if name and value is not None:
                values[name] = value.strip()
        for ref in case.iterfind("q:SourceRef", ns):
            result.setdefault(guid_key(ref.get("targetGUID")), {}).update(values)
    return result


def guid_key(value: str | None) -> str:
    """A GUID as compared: lowercase, without braces or spaces (tools differ in both)."""
    return (value or "").strip().strip("{}").lower()


# -- offsets ---------------------------------------------------------------------------------
def _from_utf16(table: Utf16Offsets, unit: int) -> int | None:
    """A UTF-16 offset as a code point, or None if outside the text or inside a character."""
    try:
        return table.from_utf16(unit)
    except ValueError:
        return None


def _word_edge(text: str, i: int) -> bool:
    return i <= 0 or i >= len(text) or not (text[i - 1].isalnum() and text[i].isalnum())


def choose_offset_unit(selections: list[tuple[str, int | None, int | None]],
                       origin: str = "") -> str:
    """Which unit a file's selections count in: the reading that puts more of them inside
    their text with both ends on word edges. Where both readings agree (no character outside
    the BMP before any selection end), code points; on a tie, what the exporting tool is known
    to use (NVivo: UTF-16).
    """
    tables: dict[int, Utf16Offsets] = {}
    scores = {CODE_POINTS: 0, UTF16: 0}
    differ = False
    for raw, start, end in selections:
        if start is None or end is None:
            continue
        table = tables.get(id(raw))
        if table is None:
            table = tables[id(raw)] = Utf16Offsets(raw)
        converted = (_from_utf16(table, start), _from_utf16(table, end))
        differ = differ or converted != (start, end)
        for unit, (s, e) in ((CODE_POINTS, (start, end)), (UTF16, converted)):
            if s is not None and e is not None and 0 <= s < e <= len(raw) and (
                    _word_edge(raw, s) and _word_edge(raw, e)):
                scores[unit] += 1
    if not differ:
        return CODE_POINTS
    if scores[UTF16] != scores[CODE_POINTS]:
        return max(scores, key=scores.__getitem__)
    return UTF16 if "nvivo" in origin.lower() else CODE_POINTS


def _place(selections: list[_Selection], unit: str) -> _Placed:
    """Codings and passage memos on each source's normalised text; empty or out-of-range
    selections skipped with the reason (and their notes counted as lost)."""
    placed = _Placed()
    places = _Places(unit)
    for selection in selections:
        span = places.span(selection, placed.skipped)
        if span is None:
            placed.notes_lost += len(selection.notes)
            continue
        start, end = span
        guid = selection.source.guid
        for code, coder, created in selection.codings:
            placed.codings.append(QdpxCoding(guid, start, end, code, coder, created))
        first = selection.codings[0] if selection.codings else None
        for note in selection.notes:
            placed.memos.append(QdpxMemo(
                "coding" if first else "document", note.text, note.author, note.created_at,
                source_guid=guid, code_id=first[0] if first else None, start=start, end=end,
                coder=first[1] if first else None))
    return placed


class _Places:
    """Selection positions -> code points of the normalised text, with one offset table and
    one normalisation per source."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.mappings: dict[int, OffsetMap] = {}
        self.tables: dict[int, Utf16Offsets] = {}

    def span(self, selection: _Selection, skipped: list[str]) -> tuple[int, int] | None:
        """The selection's (start, end) in the normalised text, or None with the reason
        added to ``skipped``."""
        from qualcode.text import normalise_with_offsets

        source = selection.source
        where = f"selection in {source.name!r} (line {selection.line})"
        start, end = selection.start, selection.end
        if start is None or end is None:
            skipped.append(f"{where}: no start or end position")
            return None
        if self.unit == UTF16:
            table = self.tables.get(id(source))
            if table is None:
                table = self.tables[id(source)] = Utf16Offsets(source.raw)
            given = (start, end)
            start, end = _from_utf16(table, start), _from_utf16(table, end)
            if start is None or end is None:
                inside = all(0 <= p <= table.utf16_length for p in given)
                skipped.append(f"{where}: {selection.start}-{selection.end} " + (
                    "splits a character" if inside else
                    f"lies outside the text ({table.utf16_length} UTF-16 units)"))
                return None
        if start == end:
            skipped.append(f"{where}: {selection.start}-{selection.end} is empty")
            return None
        if not 0 <= start < end <= len(source.raw):
            skipped.append(f"{where}: {selection.start}-{selection.end} lies outside the text "
                           f"({len(source.raw)} characters)")
            return None
        mapping = self.mappings.get(id(source))
        if mapping is None:
            source.text, mapping = normalise_with_offsets(source.raw)
            self.mappings[id(source)] = mapping
        return mapping[start], mapping[end]


# -- speaker labels as qualcode writes and reads them -----------------------------------------
class LabelRendering:
    """A document's text with every speaker label in the ``Name: `` form that qualcode and
    other tools read back as a label, and exact offset maps between the two texts.

    A Word transcript with bold labels is stored as ``Anna<TAB>Fine thanks.``; exported as it
    is, the label would be lost on the way back. Only labels qualcode would not recognise are
    rewritten; a text without them comes back unchanged (``changed`` is False).

    >>> from qualcode.model import Segment
    >>> r = LabelRendering("Anna\\tFine.", [Segment("d", "turn", 0, 5, 10, "Fine.", "Anna")])
    >>> r.text, r.forward(5), r.backward(6)
    ('Anna: Fine.', 6, 5)
    """

    def __init__(self, text: str, turns) -> None:
        from qualcode.ingest.speakers import label_at_line_start

        edits: list[tuple[int, int, str]] = []
        for turn in turns:
            if not turn.speaker:
                continue
            line_start = text.rfind("\n", 0, turn.start) + 1
            region = text[line_start:turn.start]
            if not region.strip() or turn.speaker.casefold() not in region.casefold():
                continue
            line_end = text.find("\n", turn.start)
            label = label_at_line_start(text[line_start:line_end if line_end >= 0 else None])
            if label is not None and label.name == turn.speaker:
                continue
            edits.append((line_start, turn.start, f"{turn.speaker}: "))
        edits.sort()
        self.changed = bool(edits)
        self._old = [(s, e) for s, e, _ in edits]
        self._new: list[tuple[int, int]] = []
        parts, shift, previous = [], 0, 0
        for start, end, replacement in edits:
            parts += [text[previous:start], replacement]
            self._new.append((start + shift, start + shift + len(replacement)))
            shift += len(replacement) - (end - start)
            previous = end
        parts.append(text[previous:])
        self.text = "".join(parts)

    @staticmethod
    def _map(position: int, source: list[tuple[int, int]], target: list[tuple[int, int]]) -> int:
        i = bisect_left(source, (position + 1,)) - 1  # the last label starting at or before
        if i < 0:
            return position
        start, end = source[i]
        if position >= end:
            return target[i][1] + position - end
        return target[i][0] if position == start else target[i][1]

    def forward(self, position: int) -> int:
        """Stored text -> rendered text (a position inside a label goes to its speech)."""
        return self._map(position, self._old, self._new)

    def backward(self, position: int) -> int:
        """Rendered text -> stored text."""
        return self._map(position, self._new, self._old)
