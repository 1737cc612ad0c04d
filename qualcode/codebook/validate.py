"""Whole-codebook checks: ids, parents, cycles, names, colours, regexes and token patterns.

Runs on Codes from any format and adds every problem it finds, so a researcher fixes the file
in one pass instead of one error per run.
"""

from __future__ import annotations

import re

from qualcode.codebook.fields import Problems
from qualcode.model import Code

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
COLOR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")


def validate_codes(codes: list[Code], problems: Problems) -> None:
    """Add a problem for each duplicate id, missing parent, cycle, empty name, bad colour,
    invalid regex or invalid token pattern."""
    first_seen: dict[str, Code] = {}
    for code in codes:
        if not ID_PATTERN.match(code.id):
            problems.add(code.line, code.id, "id must be lowercase letters, digits, '-', '_' or "
                                             "'.', starting with a letter or digit")
        if code.id in first_seen:
            where = first_seen[code.id].line
            problems.add(code.line, code.id,
                         f"duplicate id (first used on line {where})" if where else "duplicate id")
        else:
            first_seen[code.id] = code
        if not code.name:
            problems.add(code.line, code.id, "empty name")
        if code.color is not None and not COLOR_PATTERN.match(code.color):
            problems.add(code.line, code.id, f"color {code.color!r} is not #RRGGBB")
        for pattern in code.regex:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                problems.add(code.line, code.id, f"invalid regex {pattern!r}: {exc}")
    for code in codes:
        if code.parent is not None and code.parent not in first_seen:
            problems.add(code.line, code.id, f"parent {code.parent!r} does not exist")
    _check_cycles(codes, first_seen, problems)
    _check_patterns(codes, problems)


def _check_cycles(codes: list[Code], by_id: dict[str, Code], problems: Problems) -> None:
    reported: set[str] = set()
    for code in codes:
        path = [code.id]
        current = code.parent
        while current is not None and current in by_id:
            if current in path:
                cycle = [*path[path.index(current):], current]
                if not reported.intersection(cycle):
                    problems.add(code.line, code.id, "cycle in parents: " + " -> ".join(cycle))
                    reported.update(cycle)
                break
            path.append(current)
            current = by_id[current].parent


def _check_patterns(codes: list[Code], problems: Problems) -> None:
    with_patterns = [c for c in codes if c.patterns]
    if not with_patterns:
        return
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)
    for code in with_patterns:
        for number, pattern in enumerate(code.patterns, start=1):
            if not isinstance(pattern, list) or not pattern or not all(
                isinstance(token, dict) for token in pattern
            ):
                problems.add(code.line, code.id, f"token pattern {number} must be a list of "
                                                 "token mappings like [{LOWER: joint}]")
                continue
            try:
                matcher.add(f"{code.id}#{number}", [pattern])
            except Exception as exc:  # spaCy raises MatchPatternError or ValueError
                detail = " ".join(str(exc).split())
                problems.add(code.line, code.id, f"invalid token pattern {number}: {detail}")
