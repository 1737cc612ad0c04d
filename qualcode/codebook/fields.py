"""Turning one code's raw fields (from YAML, CSV or QDC) into a Code, collecting problems.

Every format reads into plain dicts and comes through here, so a typo like ``keywrods`` or a
``near`` without ``within`` gets the same message whichever file it came from.
"""

from __future__ import annotations

import difflib
from typing import Any

from qualcode.errors import quoted
from qualcode.model import Code, Keyword, Near

CODE_KEYS = (
    "id", "name", "parent", "description", "include", "exclude", "examples", "color",
    "keywords", "exact", "regex", "patterns", "not", "near", "codable", "exclusive", "children",
)
BOOK_KEYS = ("name", "version", "description", "codes")
RULE_KEYS = ("keywords", "exact", "regex", "patterns", "not", "near")
_NEAR_KEYS = ("a", "b", "within")
_KEYWORD_KEYS = ("term", "exact")


class Problems:
    """Problems found while reading a codebook: (line, code id, message), all reported at once."""

    def __init__(self) -> None:
        self.items: list[tuple[int | None, str | None, str]] = []

    def add(self, line: int | None, code_id: str | None, message: str) -> None:
        self.items.append((line, code_id, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def unknown_key_message(key: Any, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(key)[:80], allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {quoted(close[0])}?)" if close else ""
    return f"unknown key {quoted(key)}{hint}; allowed: {', '.join(allowed)}"


def _strings(value: Any, key: str, line, code_id, problems: Problems) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        problems.add(line, code_id, f"{quoted(key)} must be a list (write it as "
                                    f"[{quoted(value)}] or a '- item' list)")
        return []
    if not isinstance(value, list):
        problems.add(line, code_id, f"{quoted(key)} must be a list of text")
        return []
    result = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            problems.add(line, code_id, f"{quoted(key)} holds {quoted(item)}, which is not text")
        elif not str(item).strip():
            problems.add(line, code_id, f"{quoted(key)} holds an empty entry")
        else:
            result.append(str(item).strip())
    return result


def _keywords(value: Any, line, code_id, problems: Problems) -> list[Keyword]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(line, code_id, "'keywords' must be a list")
        return []
    result = []
    for item in value:
        if isinstance(item, dict):
            for key in item:
                if key not in _KEYWORD_KEYS:
                    message = unknown_key_message(key, _KEYWORD_KEYS)
                    problems.add(line, code_id, f"in a keyword: {message}")
            term, exact = item.get("term"), item.get("exact")
            if not isinstance(term, str) or not term.strip():
                problems.add(line, code_id, "a keyword written as a mapping needs 'term: <text>'")
                continue
            if exact is not None and not isinstance(exact, bool):
                problems.add(line, code_id,
                             f"keyword {quoted(term)}: 'exact' must be true or false")
                exact = None
            result.append(Keyword(term.strip(), exact))
        elif (isinstance(item, str | int | float) and not isinstance(item, bool)
              and str(item).strip()):
            result.append(Keyword(str(item).strip()))
        else:
            problems.add(line, code_id, f"'keywords' holds {quoted(item)}, which is not a term")
    return result


def _near(value: Any, line, code_id, problems: Problems) -> list[Near]:
    if value is None:
        return []
    rules = value if isinstance(value, list) else [value]
    result = []
    for rule in rules:
        if not isinstance(rule, dict):
            problems.add(line, code_id, "'near' must be {a: [...], b: [...], within: N}")
            continue
        for key in rule:
            if key not in _NEAR_KEYS:
                problems.add(line, code_id, "in 'near': " + unknown_key_message(key, _NEAR_KEYS))
        a = _strings(rule.get("a"), "near.a", line, code_id, problems)
        b = _strings(rule.get("b"), "near.b", line, code_id, problems)
        within = rule.get("within")
        if not a or not b:
            problems.add(line, code_id, "'near' needs non-empty lists 'a' and 'b'")
        if isinstance(within, bool) or not isinstance(within, int) or within < 1:
            given = "missing" if within is None else f"not {quoted(within)}"
            problems.add(line, code_id, f"'near.within' must be a whole number of tokens >= 1 "
                                        f"({given})")
            continue
        if a and b:
            result.append(Near(tuple(a), tuple(b), within))
    return result


def _plain(value: Any) -> Any:
    """Plain dicts and lists (the YAML loader's line-tracking mappings do not serialise)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _text(value: Any, key: str, line, code_id, problems: Problems) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        problems.add(line, code_id, f"{quoted(key)} must be text")
        return ""
    return str(value).strip()


def code_from_fields(
    raw: dict, line: int | None, parent: str | None, problems: Problems,
    key_lines: dict | None = None,
) -> Code | None:
    """Build a Code from one code's fields; structural problems are added to ``problems``."""
    key_lines = key_lines or {}
    code_id = raw.get("id")
    label = code_id if isinstance(code_id, str) else None
    for key in raw:
        if key not in CODE_KEYS:
            problems.add(key_lines.get(key, line), label, unknown_key_message(key, CODE_KEYS))
    if not isinstance(code_id, str) or not code_id.strip():
        problems.add(line, None, "a code without an 'id'" if code_id is None
                     else f"'id' must be text, not {quoted(code_id)}")
        return None

    def at(key: str) -> int | None:
        return key_lines.get(key, line)

    parent = _parent(raw.get("parent"), parent, at("parent"), label, problems)
    exact = _flag(raw, "exact", False, at("exact"), label, problems)
    codable = _flag(raw, "codable", True, at("codable"), label, problems)
    exclusive = _flag(raw, "exclusive", False, at("exclusive"), label, problems)
    patterns = _plain(raw.get("patterns") or [])
    if not isinstance(patterns, list):
        problems.add(at("patterns"), label, "'patterns' must be a list of token patterns")
        patterns = []
    color = raw.get("color")
    if color is not None and not isinstance(color, str):
        problems.add(at("color"), label,
                     f"'color' must be text like '#1F77B4', not {quoted(color)}")
        color = None
    return Code(
        id=code_id.strip(),
        name=_text(raw.get("name"), "name", at("name"), label, problems),
        parent=parent,
        description=_text(raw.get("description"), "description", at("description"), label,
                          problems),
        include=_strings(raw.get("include"), "include", at("include"), label, problems),
        exclude=_strings(raw.get("exclude"), "exclude", at("exclude"), label, problems),
        examples=_strings(raw.get("examples"), "examples", at("examples"), label, problems),
        color=color,
        keywords=_keywords(raw.get("keywords"), at("keywords"), label, problems),
        regex=_strings(raw.get("regex"), "regex", at("regex"), label, problems),
        patterns=patterns,
        not_terms=_strings(raw.get("not"), "not", at("not"), label, problems),
        near=_near(raw.get("near"), at("near"), label, problems),
        exact=exact,
        codable=codable,
        exclusive=exclusive,
        line=line,
    )


def _parent(explicit: Any, nested_under: str | None, line, code_id,
            problems: Problems) -> str | None:
    """The parent: the code it is nested under, else its ``parent`` key; the two must agree."""
    if explicit is not None and not isinstance(explicit, str):
        problems.add(line, code_id, "'parent' must be a code id")
        explicit = None
    if nested_under is not None and explicit not in (None, nested_under):
        problems.add(line, code_id, f"nested under {quoted(nested_under)} but says parent: "
                                    f"{quoted(explicit)}")
    return nested_under if nested_under is not None else explicit


def _flag(raw: dict, key: str, default: bool, line, code_id, problems: Problems) -> bool:
    """A true/false key (``default`` when missing or not a boolean, which is a problem)."""
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.add(line, code_id, f"{quoted(key)} must be true or false")
        return default
    return value


def code_to_fields(code: Code) -> dict[str, Any]:
    """A Code as the plain fields of the YAML format, omitting what is empty or default."""
    fields: dict[str, Any] = {"id": code.id, "name": code.name}
    if code.description:
        fields["description"] = code.description
    for key, value in (("include", code.include), ("exclude", code.exclude),
                       ("examples", code.examples)):
        if value:
            fields[key] = list(value)
    if code.color:
        fields["color"] = code.color
    if not code.codable:
        fields["codable"] = False
    if code.exclusive:
        fields["exclusive"] = True
    fields.update(rule_fields(code))
    return fields


def rule_fields(code: Code) -> dict[str, Any]:
    """Only the matching rules of a code, as YAML fields (empty when it has none)."""
    fields: dict[str, Any] = {}
    if code.keywords:
        fields["keywords"] = [
            kw.term if kw.exact is None else {"term": kw.term, "exact": kw.exact}
            for kw in code.keywords
        ]
    if code.exact:
        fields["exact"] = True
    if code.regex:
        fields["regex"] = list(code.regex)
    if code.patterns:
        fields["patterns"] = code.patterns
    if code.not_terms:
        fields["not"] = list(code.not_terms)
    if code.near:
        near = [{"a": list(n.a), "b": list(n.b), "within": n.within} for n in code.near]
        fields["near"] = near[0] if len(near) == 1 else near
    return fields
