"""Stretching a selection before it is stored: to word edges, a whole turn or a sentence.

A person's mouse rarely lands exactly on a word's edge; a coding that starts inside a word is
a mistake nobody meant. Word characters here include combining marks and the joiners inside
emoji sequences, so a selection never splits a character as a reader sees it.
"""

from __future__ import annotations

import unicodedata

SNAP_MODES = ("word", "exact", "turn", "sentence")
_JOINERS = {"\u200d", "\ufe0f", "\ufe0e"}


def _joins(ch: str) -> bool:
    """A character that belongs to the one before it (a combining mark, a joiner, a skin tone)."""
    return (ch in _JOINERS or unicodedata.category(ch) in ("Mn", "Mc", "Me")
            or "\U0001f3fb" <= ch <= "\U0001f3ff")


def _in_word(text: str, i: int) -> bool:
    """Whether the character at ``i`` is part of a word (an apostrophe only between letters)."""
    ch = text[i]
    if ch in "'’":
        return 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
    return ch.isalnum() or ch == "_" or _joins(ch)


def _splits(text: str, i: int) -> bool:
    """Whether a boundary at ``i`` would cut a word or a character in two."""
    return 0 < i < len(text) and (
        _joins(text[i]) or text[i - 1] == "\u200d" or (_in_word(text, i - 1) and _in_word(text, i)))


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole words and whole characters, then trim outer whitespace."""
    while _splits(text, start):
        start -= 1
    while _splits(text, end):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def keep_characters_whole(text: str, start: int, end: int) -> tuple[int, int]:
    """Exactly as selected, but never starting on a combining mark or inside an emoji
    sequence, and never ending before one."""
    while 0 < start < len(text) and (_joins(text[start]) or text[start - 1] == "\u200d"):
        start -= 1
    while 0 < end < len(text) and (_joins(text[end]) or text[end - 1] == "\u200d"):
        end += 1
    return start, end


def snap_to_segments(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to the segments (turns or sentences) it touches."""
    touched = [(s, e) for s, e in spans if s < end and e > start]
    if not touched:
        return start, end
    return min(start, touched[0][0]), max(end, touched[-1][1])
