"""The YAML codebook, the source of truth: read with line numbers, written back in order.

A custom PyYAML loader records the line of every mapping and key, so each problem can name the
line a researcher has to fix. Anchors and aliases (``&name``, ``*name``, ``<<: *name``) are
refused: a codebook has no need for them, and a few lines of nested aliases expand to
gigabytes ("billion laughs") once anything walks or prints the value.
"""

from __future__ import annotations

from typing import Any

import yaml

from qualcode.codebook.fields import (
    BOOK_KEYS,
    Problems,
    code_from_fields,
    code_to_fields,
    unknown_key_message,
)
from qualcode.errors import quoted
from qualcode.model import Code, Codebook


class _LineDict(dict):
    """A mapping that remembers the line it and each of its keys started on."""

    line: int = 0
    key_lines: dict


# libyaml's C parser when PyYAML has it (5-10x faster on a big codebook), else pure Python.
class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    duplicate_keys: list[tuple[int, str]]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            loader.duplicate_keys.append((key_node.start_mark.line + 1, key))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_lined_yaml(text: str) -> tuple[Any, list[tuple[int | None, str]]]:
    """Parse YAML into plain values whose mappings are ``_LineDict`` (each knows its line and
    its keys' lines), with the problems found: not valid YAML, anchors or aliases, a key twice
    in one mapping. Any YAML file qualcode reads from a person goes through here."""
    problems: list[tuple[int | None, str]] = []
    loader = _LineLoader(text)
    loader.duplicate_keys = []
    try:
        node = loader.get_single_node()
        shared = _shared_node_line(node)
        if shared is not None:
            return None, [(shared, "YAML anchors and aliases (&name, *name) are not allowed "
                                   "here: write each value out")]
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, [(mark.line + 1 if mark else None,
                       f"not valid YAML: {exc.problem or exc.context}")]
    finally:
        loader.dispose()
    for line, key in loader.duplicate_keys:
        problems.append((line, f"key {quoted(key)} appears twice in one mapping"))
    return data, problems


def parse_yaml(text: str, problems: Problems) -> tuple[dict, list[Code]]:
    """Parse codebook YAML into (book fields, codes in depth-first order)."""
    data, found = load_lined_yaml(text)
    for line, message in found:
        problems.add(line, None, message.replace(" here:", " in a codebook:"))
    if data is None and found:
        return {}, []
    if not isinstance(data, _LineDict):  # every mapping the loader makes is one
        problems.add(1, None, "a codebook is a mapping with 'name' and 'codes'")
        return {}, []
    for key in data:
        if key not in BOOK_KEYS:
            problems.add(data.key_lines.get(key), None, unknown_key_message(key, BOOK_KEYS))
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.add(data.line, None, "the codebook needs a 'name'")
    raw_codes = data.get("codes")
    if not isinstance(raw_codes, list) or not raw_codes:
        problems.add(data.key_lines.get("codes", data.line), None,
                     "'codes' must be a non-empty list of codes")
        return data, []
    codes: list[Code] = []
    _walk(raw_codes, None, codes, problems, data.key_lines.get("codes"))
    return data, codes


def load_yaml_block(text: str) -> Any:
    """A small YAML value (the ``[qualcode]`` block of a QDC description) loaded safely, with
    anchors and aliases refused as in a codebook file: raises ``yaml.YAMLError``."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        line = _shared_node_line(node)
        if line is not None:
            raise yaml.YAMLError(f"line {line}: YAML anchors and aliases (&name, *name) are "
                                 "not allowed")
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _shared_node_line(root: yaml.Node | None) -> int | None:
    """The line of the first node reached twice (what an alias makes), else None; a walk of
    the composed, not yet expanded, document: linear in the size of the file."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node.start_mark.line + 1
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def _walk(items: Any, parent: str | None, out: list[Code], problems: Problems, line) -> None:
    for item in items:
        if not isinstance(item, _LineDict):
            problems.add(line, parent,
                         f"a code must be a mapping with id and name, not {quoted(item)}")
            continue
        code = code_from_fields(item, item.line, parent, problems, item.key_lines)
        if code is None:
            continue
        out.append(code)
        children = item.get("children")
        if children is None:
            continue
        if not isinstance(children, list):
            problems.add(item.key_lines.get("children"), code.id, "'children' must be a list")
            continue
        _walk(children, code.id, out, problems, item.key_lines.get("children"))


def codebook_to_yaml(codebook: Codebook) -> str:
    """The codebook as YAML, children nested under their parents, in codebook order."""

    def nest(parent: str | None) -> list[dict]:
        result = []
        for code in codebook.children(parent):
            fields = code_to_fields(code)
            kids = nest(code.id)
            if kids:
                fields["children"] = kids
            result.append(fields)
        return result

    book: dict[str, Any] = {"name": codebook.name}
    if codebook.version is not None:
        book["version"] = codebook.version
    if codebook.description:
        book["description"] = codebook.description
    book["codes"] = nest(None)
    return yaml.safe_dump(book, sort_keys=False, allow_unicode=True, width=100)
