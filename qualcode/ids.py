"""Readable ids made unique: ``interview``, ``interview-2``, ``interview-3``...

Imports name things by what people called them, and people reuse names (three sources called
"Interview" in different folders, twenty codes called "Other"). Each base remembers where its
counter stopped, so handing out n ids costs O(n) set look-ups in all, not a rescan from ``-2``
each time.
"""

from __future__ import annotations

from collections.abc import Iterable


class UniqueIds:
    """Hands out ids not yet taken.

    >>> ids = UniqueIds(["interview"])
    >>> ids("interview"), ids("interview"), ids("other")
    ('interview-2', 'interview-3', 'other')
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)
        self._next: dict[str, int] = {}

    def add(self, taken: str) -> None:
        """Mark an id as taken (one given explicitly, e.g. from a ``[qualcode]`` block)."""
        self.taken.add(taken)

    def __contains__(self, candidate: str) -> bool:
        return candidate in self.taken

    def __call__(self, base: str) -> str:
        if base not in self.taken:
            self.taken.add(base)
            return base
        n = self._next.get(base, 2)
        while f"{base}-{n}" in self.taken:
            n += 1
        self._next[base] = n + 1
        result = f"{base}-{n}"
        self.taken.add(result)
        return result
