"""REFI-QDA codebook exchange (.qdc, ``urn:QDA-XML:codebook:1.0``).

QDC holds a code's name, colour, codability, children and one Description. qualcode keeps its
id, criteria, examples and matching rules in that Description, after the researcher's own text,
as a YAML block introduced by a ``[qualcode]`` line: other tools show it as part of the
description, and qualcode reads it back, so a round trip loses nothing but the codebook's own
name, version and description (QDC has no place for them).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import yaml

from qualcode import __version__
from qualcode.codebook.fields import Problems, code_from_fields, code_to_fields
from qualcode.ids import UniqueIds
from qualcode.model import Code, Codebook

NAMESPACE = "urn:QDA-XML:codebook:1.0"
# Read as well as 1.0: MAXQDA 24 still writes its codebooks in the draft namespace, with the
# same elements; qualcode always writes 1.0.
OLD_NAMESPACES = ("urn:QDA-XML:codebook:0:4",)
QUALCODE_NAMESPACE = uuid.UUID("6f1c9a52-3d0e-5b7a-9c41-2a8e4f7d1b90")
MARKER = "[qualcode]"
_EXTRA_KEYS = ("include", "exclude", "examples", "exclusive", "keywords", "exact", "regex",
               "patterns", "not", "near")


def guid(kind: str, key: str) -> str:
    """A stable GUID for anything qualcode exports: ``guid("source", "lscb01")``; re-exports
    are byte-identical, and a re-import recognises what it exported."""
    return str(uuid.uuid5(QUALCODE_NAMESPACE, f"{kind}:{key}"))


def code_guid(code_id: str) -> str:
    """A stable GUID for a code id, so re-exports are byte-identical and tools can match."""
    return guid("code", code_id)


def slug(name: str) -> str:
    """An id from a name: ``Effective partnership working`` -> ``effective-partnership-working``,
    ``Café culture`` -> ``cafe-culture`` (accents dropped, other letters kept out)."""
    import unicodedata

    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold())
                    if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "code"


def description_with_extras(code: Code) -> str:
    """The QDC Description: the code's description, then qualcode's own fields as YAML."""
    fields = code_to_fields(code)
    extras = {"id": code.id, **{k: fields[k] for k in _EXTRA_KEYS if k in fields}}
    block = yaml.safe_dump(extras, sort_keys=False, allow_unicode=True, width=100).rstrip()
    return f"{code.description}\n\n{MARKER}\n{block}" if code.description else f"{MARKER}\n{block}"


def codebook_to_qdc(codebook: Codebook) -> bytes:
    """The codebook as QDC XML (UTF-8, declaration included)."""
    from lxml import etree

    root = etree.Element(f"{{{NAMESPACE}}}CodeBook", nsmap={None: NAMESPACE})
    root.set("origin", f"qualcode {__version__}")
    codes = etree.SubElement(root, f"{{{NAMESPACE}}}Codes")

    def add(parent_element, parent_id: str | None) -> None:
        for code in codebook.children(parent_id):
            element = etree.SubElement(parent_element, f"{{{NAMESPACE}}}Code")
            element.set("guid", code_guid(code.id))
            element.set("name", code.name)
            element.set("isCodable", "true" if code.codable else "false")
            if code.color:
                element.set("color", code.color.upper())
            description = etree.SubElement(element, f"{{{NAMESPACE}}}Description")
            description.text = description_with_extras(code)
            add(element, code.id)

    add(codes, None)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def safe_xml(data: bytes, path: Path):
    """Parse XML without entity expansion, DTDs or network access; refuse entity declarations."""
    from lxml import etree

    from qualcode.errors import InputError

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        tree = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"not well-formed XML: {exc.msg}", path, exc.lineno) from None
    docinfo = tree.getroottree().docinfo
    if docinfo.internalDTD is not None or b"<!ENTITY" in data[:65536]:
        raise InputError("XML with a DTD or entity declarations is refused", path)
    return tree


def parse_qdc(data: bytes, path: Path, problems: Problems) -> Codebook:
    """Read a QDC file into a Codebook (validated by the caller)."""
    root = safe_xml(data, path)
    namespace = next((ns for ns in (NAMESPACE, *OLD_NAMESPACES)
                      if root.tag == f"{{{ns}}}CodeBook"), None)
    if namespace is None:
        problems.add(root.sourceline, None, f"not a REFI-QDA codebook (root element {root.tag}, "
                                            f"expected CodeBook in {NAMESPACE})")
        return Codebook(name=path.stem, codes=[])
    codes, _ = codes_from_xml(root.find(f"{{{namespace}}}Codes"), namespace, problems)
    if not codes:
        problems.add(root.sourceline, None, "the codebook has no codes")
    if "taguette" in (root.get("origin") or "").lower():
        codes = nest_dotted_names(codes)
    return Codebook(name=path.stem, codes=codes)


def nest_dotted_names(codes: list[Code]) -> list[Code]:
    """Taguette keeps its hierarchy in tag names (``barriers.money`` is under ``barriers``) and
    exports its tags flat: nest them as qualcode nests Taguette's CSV codebook (ids from the
    whole path, ``barriers-money``; the last part as the name; parents made where missing).

    >>> [(c.id, c.parent, c.name) for c in nest_dotted_names([Code("barriers-money",
    ...     "barriers.money")])]
    [('barriers', None, 'barriers'), ('barriers-money', 'barriers', 'money')]
    """
    if any(code.parent for code in codes) or not any("." in code.name for code in codes):
        return codes
    by_id: dict[str, Code] = {}
    for code in codes:
        parts = [part.strip() for part in code.name.split(".")]
        if len(parts) > 1 and all(parts):
            parent = None
            for depth in range(1, len(parts)):
                parent_id = slug(".".join(parts[:depth]))
                by_id.setdefault(parent_id, Code(parent_id, parts[depth - 1], parent=parent))
                parent = parent_id
            code.parent, code.name = parent, parts[-1]
        placeholder = by_id.get(code.id)
        if placeholder is not None:  # the tag itself comes after one of its children
            code.parent = placeholder.parent
        by_id[code.id] = code
    children: dict[str | None, list[Code]] = {}
    for code in by_id.values():
        children.setdefault(code.parent, []).append(code)
    ordered: list[Code] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        code = stack.pop()
        ordered.append(code)
        stack.extend(reversed(children.get(code.id, [])))
    return ordered


def codes_from_xml(container, namespace: str, problems: Problems
                   ) -> tuple[list[Code], dict[str, str]]:
    """Codes from a REFI-QDA ``Codes`` element (QDC or a QDPX project), depth-first, and the
    code id for each GUID (lowercase, without braces).

    Ids come from qualcode's ``[qualcode]`` block when there is one, else from the names.
    """
    ns = {"q": namespace}
    codes: list[Code] = []
    used = UniqueIds()
    by_guid: dict[str, str] = {}

    def walk(element, parent_id: str | None) -> None:
        for node in element.findall("q:Code", ns):
            name = node.get("name", "")
            text = node.findtext("q:Description", default="", namespaces=ns) or ""
            description, _, block = text.partition(MARKER)
            fields: dict = {}
            if block.strip():
                try:
                    fields = yaml.safe_load(block) or {}
                except yaml.YAMLError as exc:
                    problems.add(node.sourceline, name, f"unreadable [qualcode] block: {exc}")
                if not isinstance(fields, dict):
                    problems.add(node.sourceline, name, "the [qualcode] block must be a mapping")
                    fields = {}
            code_id = fields.get("id")
            if code_id:
                used.add(code_id)
            else:
                code_id = used(slug(name))
            fields.update({"id": code_id, "name": name, "description": description.strip()})
            color = node.get("color")
            if color:
                fields["color"] = _six_digit(color)
            fields["codable"] = node.get("isCodable", "true").strip().lower() in ("true", "1")
            code = code_from_fields(fields, node.sourceline, parent_id, problems)
            if code is not None:
                codes.append(code)
                by_guid[node.get("guid", "").strip("{}").lower()] = code.id
                walk(node, code.id)

    if container is not None:
        walk(container, None)
    return codes, by_guid


def _six_digit(color: str) -> str:
    color = color.strip()
    if re.fullmatch(r"#[0-9A-Fa-f]{3}", color):
        return "#" + "".join(ch * 2 for ch in color[1:])
    return color
