"""REFI-QDA project reader (.qdpx): sources, codebook, codings, coders and case attributes.

Reads a team's work from NVivo, ATLAS.ti, MAXQDA or QualCoder without writing anything
(``qualcode.workflows.qdpx`` puts it into a project). The
archive is treated as untrusted: members with absolute paths or ``..``, members larger than a
limit, and XML with a DTD or entity declarations are refused before anything is read.

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

from qualcode.errors import InputError
from qualcode.model import Codebook
from qualcode.offsets import Utf16Offsets

NAMESPACE = "urn:QDA-XML:project:1.0"
MAX_MEMBER_BYTES = 512 * 1024 * 1024
CODE_POINTS = "code points"
UTF16 = "UTF-16 code units"

# Parts of a REFI-QDA project qualcode has no place for, by element path: said in the summary.
_DROPPED = {
    "q:Sets/q:Set": "sets (code groups)",
    "q:Notes/q:Note": "notes (memos)",
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


@dataclass
class _Selection:
    source: QdpxSource
    start: int | None  # None: the file gave none (skipped, and said so)
    end: int | None
    line: int | None
    codings: list[tuple[str, str, str | None]]  # (code id, coder, creation time)


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
    from qualcode.codebook.fields import Problems
    from qualcode.codebook.qdc import codes_from_xml, nest_dotted_names, safe_xml
    from qualcode.codebook.validate import validate_codes
    from qualcode.errors import CodebookError
    from qualcode.text import decode_bytes, normalise

    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a QDPX archive ({exc})", path) from None
    with archive:
        members = _safe_members(archive, path, limit)
        qde = _project_member(members, path)
        root = safe_xml(archive.read(members[qde]), path)
        if root.tag != f"{{{NAMESPACE}}}Project":
            raise InputError(f"{qde} is not a REFI-QDA project (root {root.tag})", path)
        ns = {"q": NAMESPACE}
        users = {guid_key(u.get("guid")): (u.get("name") or u.get("id") or u.get("guid"))
                 for u in root.iterfind("q:Users/q:User", ns)}
        problems = Problems()
        codes, code_ids = codes_from_xml(root.find("q:CodeBook/q:Codes", ns), NAMESPACE,
                                         problems)
        if "taguette" in (root.get("origin") or "").lower():
            codes = nest_dotted_names(codes)
        if codes:
            validate_codes(codes, problems)
        if problems:
            raise CodebookError.many([CodebookError(m, f"{path}:{qde}", line)
                                      for line, _, m in problems.items])
        attributes_by_source = _case_attributes(root, ns)
        by_lower = {name.lower(): name for name in members}
        sources: list[QdpxSource] = []
        selections: list[_Selection] = []
        skipped: list[str] = []
        guids: set[str] = set()
        for element in root.iterfind("q:Sources/q:TextSource", ns):
            name = element.get("name") or element.get("guid")
            guid = guid_key(element.get("guid"))
            if not guid or guid in guids:
                raise InputError(f"source {name!r} has {'a repeated' if guid else 'no'} guid",
                                 path, element.sourceline)
            guids.add(guid)
            data = _source_bytes(element, archive, members, by_lower, ns)
            if data is None:
                skipped.append(f"{name!r}: its text is not in the archive")
                continue
            try:
                raw = decode_bytes(data, f"{path}:{name}")
            except InputError as exc:  # an empty or binary source: the rest still imports
                skipped.append(f"{name!r}: {exc.message}")
                continue
            source = QdpxSource(guid, name, raw, data,
                                attributes=attributes_by_source.get(guid, {}),
                                written_guid=element.get("guid").strip())
            sources.append(source)
            for selection in element.iterfind("q:PlainTextSelection", ns):
                found = []
                for coding in selection.iterfind("q:Coding", ns):
                    ref = coding.find("q:CodeRef", ns)
                    code = (code_ids.get(guid_key(ref.get("targetGUID")))
                            if ref is not None else None)
                    if code is None:
                        raise InputError("a coding refers to a code not in the codebook",
                                         path, coding.sourceline)
                    coder = users.get(guid_key(coding.get("creatingUser") or selection.get(
                        "creatingUser")), "unknown")
                    created = coding.get("creationDateTime") or selection.get("creationDateTime")
                    found.append((code, coder, created))
                selections.append(_Selection(source, _int(selection.get("startPosition")),
                                             _int(selection.get("endPosition")),
                                             selection.sourceline, found))
        dropped = {label: n for where, label in _DROPPED.items()
                   if (n := len(root.findall(where, ns)))}
        code_guids = {code_ids[guid_key(node.get("guid"))]: node.get("guid").strip()
                      for node in root.iterfind("q:CodeBook/q:Codes//q:Code", ns)
                      if guid_key(node.get("guid")) in code_ids}
        user_guids: dict[str, str] = {}
        for user in root.iterfind("q:Users/q:User", ns):
            user_guids.setdefault(users[guid_key(user.get("guid"))], user.get("guid", "").strip())
        case_guids = {}
        for case in root.iterfind("q:Cases/q:Case", ns):
            refs = case.findall("q:SourceRef", ns)
            if len(refs) == 1 and case.get("guid"):  # a case of several sources: no one owner
                case_guids[guid_key(refs[0].get("targetGUID"))] = case.get("guid").strip()
    origin = root.get("origin") or ""
    unit = _unit(offsets) if offsets else choose_offset_unit(
        [(s.source.raw, s.start, s.end) for s in selections], origin)
    codings, skipped_selections = _place(selections, unit)
    for source in sources:
        if source.text is None:
            source.text = normalise(source.raw)
    return QdpxContents(
        sources=sources, codebook=Codebook(name=path.stem, codes=codes), codings=codings,
        coders=sorted(set(users.values())), origin=origin, offsets=unit,
        skipped_sources=skipped, skipped_selections=skipped_selections, dropped=dropped,
        code_guids=code_guids, user_guids=user_guids, case_guids=case_guids)


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


def _source_bytes(source, archive, members, by_lower, ns) -> bytes | None:
    """The plain text of a TextSource: inline, or the file its plainTextPath names."""
    inline = source.find("q:PlainTextContent", ns)
    if inline is not None and inline.text:
        return inline.text.encode("utf-8")
    target = source.get("plainTextPath") or ""
    if target.startswith("internal://"):
        wanted = "sources/" + target[len("internal://"):]
    else:  # relative or absolute paths from other tools: match by file name inside sources/
        wanted = "sources/" + PurePosixPath(target.replace("\\", "/")).name
    match = by_lower.get(wanted.lower())
    return archive.read(members[match]) if match else None


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


def _place(selections: list[_Selection], unit: str) -> tuple[list[QdpxCoding], list[str]]:
    """Codings on each source's normalised text; empty or out-of-range selections skipped
    with the reason."""
    from qualcode.text import normalise_with_offsets

    codings: list[QdpxCoding] = []
    skipped: list[str] = []
    mappings: dict[int, list[int]] = {}
    tables: dict[int, Utf16Offsets] = {}
    for selection in selections:
        source = selection.source
        where = f"selection in {source.name!r} (line {selection.line})"
        start, end = selection.start, selection.end
        if start is None or end is None:
            skipped.append(f"{where}: no start or end position")
            continue
        if unit == UTF16:
            table = tables.get(id(source))
            if table is None:
                table = tables[id(source)] = Utf16Offsets(source.raw)
            given = (start, end)
            start, end = _from_utf16(table, start), _from_utf16(table, end)
            if start is None or end is None:
                inside = all(0 <= p <= table.utf16_length for p in given)
                skipped.append(f"{where}: {selection.start}-{selection.end} " + (
                    "splits a character" if inside else
                    f"lies outside the text ({table.utf16_length} UTF-16 units)"))
                continue
        if start == end:
            skipped.append(f"{where}: {selection.start}-{selection.end} is empty")
            continue
        if not 0 <= start < end <= len(source.raw):
            skipped.append(f"{where}: {selection.start}-{selection.end} lies outside the text "
                           f"({len(source.raw)} characters)")
            continue
        mapping = mappings.get(id(source))
        if mapping is None:
            source.text, mapping = normalise_with_offsets(source.raw)
            mappings[id(source)] = mapping
        for code, coder, created in selection.codings:
            codings.append(QdpxCoding(source.guid, mapping[start], mapping[end], code, coder,
                                      created))
    return codings, skipped


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
