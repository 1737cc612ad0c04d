"""How a transcript is laid out for reading: its turns, and the text that lies outside them.

Ingest makes turns of what people said; a title, a date line or a transcriber's note before the
first label belongs to no turn. A reader must still see it (and may code it), so every stretch
between turns that holds words, less the next turn's own label line, is shown as a note.
"""

from __future__ import annotations

import itertools
import re

from qualcode.model import Segment

_WORD = re.compile(r"\w")


def untimed_notes(text: str, turns: list[Segment]) -> list[tuple[int, int]]:
    """Spans of text (code points) outside every turn that hold words, in document order; the
    label line that introduces a turn ("Interviewer: ", "Ann  0:12") is not a note."""
    if not turns:
        return []
    notes = []
    edges: list[tuple[int, Segment | None]] = [(0, turns[0])]
    edges += [(a.end, b) for a, b in itertools.pairwise(turns)]
    edges.append((turns[-1].end, None))
    for start, turn in edges:
        end = turn.start if turn is not None else len(text)
        gap = text[start:end]
        if turn is not None and turn.speaker:
            line_start = gap.rfind("\n", 0, max(0, len(gap.rstrip("\n")) - 1)) + 1
            if turn.speaker.casefold() in gap[line_start:].casefold():
                gap = gap[:line_start]
        if not _WORD.search(gap):
            continue
        left = len(gap) - len(gap.lstrip())
        right = len(gap.rstrip())
        notes.append((start + left, start + right))
    return notes
