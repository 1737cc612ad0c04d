"""Code points and UTF-16 code units: converting offsets where data crosses that border.

qualcode counts Unicode code points everywhere (DESIGN.md). Browsers (JavaScript strings,
``Selection``/``Range``) and some tools (NVivo's REFI-QDA exports) count UTF-16 code units,
in which every character outside the Basic Multilingual Plane (most emoji) takes two units.
The conversion happens only at such a border, through this one class, and is exact: a UTF-16
position that falls between the two halves of a character is refused, not rounded.
"""

from __future__ import annotations

import bisect
import re
from array import array

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Offsets:
    """Convert offsets into one text between code points and UTF-16 code units.

    Only the positions of astral characters are kept, in arrays of machine integers (16 bytes
    an emoji), so a text without emoji costs nothing and both directions are a binary search.

    >>> offsets = Utf16Offsets("a😀b")
    >>> offsets.to_utf16(2), offsets.from_utf16(3)
    (3, 2)
    """

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self._astral = array("q")
        self._astral_ends = array("q")  # UTF-16 position just after each astral character
        if not text.isascii():
            self._astral.extend(m.start() for m in _ASTRAL.finditer(text))
            self._astral_ends.extend(p + k + 2 for k, p in enumerate(self._astral))

    @property
    def utf16_length(self) -> int:
        return self.length + len(self._astral)

    def to_utf16(self, position: int) -> int:
        """The UTF-16 offset of a code-point offset (0 to len(text) inclusive)."""
        if not 0 <= position <= self.length:
            raise ValueError(f"offset {position} is outside the text (0-{self.length})")
        return position + bisect.bisect_left(self._astral, position)

    def from_utf16(self, position: int) -> int:
        """The code-point offset of a UTF-16 offset; ValueError inside a surrogate pair."""
        if not 0 <= position <= self.utf16_length:
            raise ValueError(f"offset {position} is outside the text (0-{self.utf16_length})")
        before = bisect.bisect_right(self._astral_ends, position)
        if before < len(self._astral_ends) and self._astral_ends[before] - 1 == position:
            raise ValueError(f"UTF-16 offset {position} falls inside a character")
        return position - before
