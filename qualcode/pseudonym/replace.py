"""Applying a pseudonym map to text, with exact offsets from the original to the result.

Whole-word matches, case-insensitive, longest first (so "Gillian Ashworth" becomes one
replacement, not "Gillian" and "Ashworth" separately). Every stored offset (a coding, a matched
term, a turn) is mapped through ``Rewritten``: a span that starts or ends inside a replaced
name starts or ends with its replacement, so an exported span's text is always the
pseudonymised original span.

>>> p = Pseudonymiser([Entry("Gillian Ashworth", "[BM01]", variants=["Gillian"])])
>>> r = p.rewrite("Gillian said: ask Gillian Ashworth.")
>>> r.text, r.start(18), r.end(34)
('[BM01] said: ask [BM01].', 17, 23)
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from qualcode.pseudonym.mapping import Entry


@dataclass(slots=True)
class Rewritten:
    """A pseudonymised text and the replacements made in it (original and new spans)."""

    text: str
    _old_starts: list[int] = field(default_factory=list)
    _old_ends: list[int] = field(default_factory=list)
    _new_starts: list[int] = field(default_factory=list)
    _new_ends: list[int] = field(default_factory=list)

    def _shift(self, position: int) -> int:
        index = bisect.bisect_right(self._old_ends, position) - 1
        if index < 0:
            return position
        return position + self._new_ends[index] - self._old_ends[index]

    def _inside(self, position: int) -> int | None:
        """The replacement a position falls strictly inside, if any."""
        index = bisect.bisect_right(self._old_starts, position) - 1
        if index >= 0 and self._old_starts[index] < position < self._old_ends[index]:
            return index
        return None

    def start(self, position: int) -> int:
        """Where a span starting at ``position`` starts in the new text."""
        inside = self._inside(position)
        return self._new_starts[inside] if inside is not None else self._shift(position)

    def end(self, position: int) -> int:
        """Where a span ending at ``position`` ends in the new text."""
        inside = self._inside(position)
        return self._new_ends[inside] if inside is not None else self._shift(position)

    @property
    def replacements(self) -> int:
        return len(self._old_starts)


class Pseudonymiser:
    """Replaces every form of every entry; ``rewrite`` keeps offsets, ``__call__`` does not."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = list(entries)
        self._by_term: dict[str, str] = {}
        for entry in self.entries:
            for term in entry.terms:
                self._by_term.setdefault(term.casefold(), entry.replacement)
        terms = sorted(self._by_term, key=len, reverse=True)
        if terms:
            alternation = "|".join(_flexible(t) for t in terms)
            self._pattern: re.Pattern | None = re.compile(
                rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)
        else:
            self._pattern = None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _replacement(self, found: str) -> str:
        return self._by_term[" ".join(found.split()).casefold()]

    def rewrite(self, text: str) -> Rewritten:
        """The text with every match replaced, and the offset map."""
        if self._pattern is None:
            return Rewritten(text)
        parts: list[str] = []
        result = Rewritten("")
        last = 0
        length = 0
        for match in self._pattern.finditer(text):
            parts.append(text[last:match.start()])
            length += match.start() - last
            replacement = self._replacement(match.group())
            result._old_starts.append(match.start())
            result._old_ends.append(match.end())
            result._new_starts.append(length)
            parts.append(replacement)
            length += len(replacement)
            result._new_ends.append(length)
            last = match.end()
        parts.append(text[last:])
        result.text = "".join(parts)
        return result

    def __call__(self, text: str | None) -> str | None:
        """Just the new text (for names, ids and attribute values)."""
        if text is None or self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._replacement(m.group()), text)

    def occurrences(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, replacement) of every match in ``text``."""
        if self._pattern is None:
            return []
        return [(m.start(), m.end(), self._replacement(m.group()))
                for m in self._pattern.finditer(text)]


def _flexible(term: str) -> str:
    """A term as a pattern in which any run of whitespace matches any other (a name broken
    across a line still matches)."""
    return r"\s+".join(re.escape(word) for word in term.split())
