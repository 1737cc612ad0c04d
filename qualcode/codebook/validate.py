"""Whole-codebook checks: ids, parents, cycles, names, colours, regexes and token patterns.

Runs on Codes from any format and adds every problem it finds, so a researcher fixes the file
in one pass instead of one error per run.
"""

from __future__ import annotations

import re

import regex

from qualcode.codebook.fields import Problems
from qualcode.errors import quoted
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
            problems.add(code.line, code.id, f"color {quoted(code.color)} is not #RRGGBB")
        for pattern in code.regex:
            try:  # re's messages point at the problem best; regex is what coding runs
                re.compile(pattern, re.IGNORECASE)
                regex.compile(pattern, regex.IGNORECASE)
            except (re.error, regex.error) as exc:
                problems.add(code.line, code.id, f"invalid regex {quoted(pattern)}: {exc}")
    for code in codes:
        if code.parent is not None and code.parent not in first_seen:
            problems.add(code.line, code.id, f"parent {quoted(code.parent)} does not exist")
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


_UNBOUNDED = re.compile(r"[+*]|\{\d*,\}")


def has_nested_quantifiers(pattern: str) -> bool:
    r"""True when a repeated group holds a repeat itself, as in ``(\\w+\\s?)+:`` or ``(a+)+$``:
    the shape that can backtrack for ever on a line that almost matches.

    >>> has_nested_quantifiers(r"(\w+\s?)+:"), has_nested_quantifiers(r"\bjoint(ly)? (audit)s?")
    (True, False)
    """
    inner = [False]  # per open group: does it contain an unbounded repeat?
    closed: bool | None = None  # the group just closed, if the previous item was one
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            i, closed = i + 2, None
            continue
        if char == "[":
            i += 2 if pattern[i + 1:i + 2] == "]" else 3 if pattern[i + 1:i + 3] == "^]" else 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i, closed = i + 1, None
            continue
        if char == "(":
            inner.append(False)
            i, closed = i + 1, None
            continue
        if char == ")" and len(inner) > 1:
            closed = inner.pop()
            inner[-1] = inner[-1] or closed
            i += 1
            continue
        repeat = _UNBOUNDED.match(pattern, i)
        if repeat:
            if closed:
                return True
            inner[-1] = True
            i, closed = repeat.end(), None
            continue
        i, closed = i + 1, None
    return False


def regex_warnings(codes: list[Code]) -> list[str]:
    """One line per codebook regex that may backtrack for ever (nested quantifiers). Coding
    still runs it, with a time budget per unit; the line says how to rewrite it."""
    from qualcode.coding.rules import REGEX_BUDGET

    return [
        f"code {quoted(code.id)}: regex {quoted(pattern)} repeats a group that itself repeats "
        "(nested quantifiers), which can take hours on a line that almost matches; coding "
        f"gives it {REGEX_BUDGET:g} s per unit. Rewrite it without the outer repeat "
        "(e.g. (\\w+\\s?)+: -> \\w[\\w\\s]*:)"
        for code in codes for pattern in code.regex if has_nested_quantifiers(pattern)
    ]


def exclusive_warnings(codes: list[Code]) -> list[str]:
    """One line per ``exclusive: true`` that excludes nothing: a code with fewer than two
    codable sub-codes has no choice to make one of, so the key does nothing there (a typo'd
    parent, or the key put on a child instead of its parent)."""
    children: dict[str, int] = {}
    for code in codes:
        if code.parent is not None and code.codable:
            children[code.parent] = children.get(code.parent, 0) + 1
    return [
        f"code {quoted(code.id)}: 'exclusive: true' has {children.get(code.id, 0)} codable "
        "sub-code(s), so there is nothing to choose between; put it on the parent whose "
        "sub-codes exclude each other"
        for code in codes if code.exclusive and children.get(code.id, 0) < 2
    ]


def keyword_warnings(codes: list[Code]) -> list[str]:
    """One line per lemma keyword that matches less than spaCy's flat lemma table would have
    given it (see ``qualcode.coding.lemmas``): a keyword that is a word of its own
    ("getting", "housing", "lots") matches only its own inflections, and irregular forms that
    are also other words ("bit" for bite) are left out. The line says what to add to match
    them, so nothing is dropped silently."""
    from qualcode.coding.lemmas import get_lemmatizer
    from qualcode.coding.tokenizer import get_tokenizer

    lemmatizer, tokenizer = get_lemmatizer(), get_tokenizer()
    lines = []
    for code in codes:
        terms = [(k.term, code.exact if k.exact is None else k.exact) for k in code.keywords]
        terms += [(t, code.exact) for t in code.not_terms]
        terms += [(t, code.exact) for rule in code.near for t in (*rule.a, *rule.b)]
        for term, exact in terms:
            if exact:
                continue
            for s, e in tokenizer(term):
                token = term[s:e].lower()
                if token.isspace():
                    continue
                why, lost = lemmatizer.lost_forms(token)
                if not lost:
                    continue
                shown = ", ".join(lost[:6]) + (", ..." if len(lost) > 6 else "")
                if why == "own":
                    lemma = lemmatizer.lemma(token)
                    lines.append(
                        f"code {quoted(code.id)}: keyword {quoted(term)}: {quoted(token)} is a "
                        f"word of its own, so it matches its own forms only, not {shown}; add "
                        f"{quoted(lemma)} as a keyword to match those too")
                else:
                    lines.append(
                        f"code {quoted(code.id)}: keyword {quoted(term)}: {quoted(token)} does "
                        f"not match {shown}, irregular forms that are also words of their own "
                        "(a bit is not a bite); add them as keywords if you mean them")
    return list(dict.fromkeys(lines))
