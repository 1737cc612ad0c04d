"""Decoding and normalising text, so every offset in qualcode indexes the same string.

The rule (DESIGN.md): UTF-8, UTF-8 with BOM, UTF-16/32 with BOM, then cp1252 as a named
fallback; line endings made ``\\n``; Unicode NFC. Source files are never modified.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from array import array
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from qualcode.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
FALLBACK_ENCODINGS = ("utf-8", "cp1252")
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
WORD = re.compile(r"\w+(?:['’]\w+)*")


def decode_bytes(data: bytes, path: str | Path, encoding: str | None = None) -> str:
    """Decode a file's bytes by the house rule, or by ``encoding`` when the user names one.

    Raises InputError for empty and binary files, naming the encodings tried. Whatever the
    encoding (UTF-8, UTF-16 with or without BOM, a named one), decoded text holding a NUL
    character or a lone surrogate is refused with its line: neither can be stored, exported
    to QDPX and read back.
    """
    text = _decode(data, path, encoding)
    bad = _UNSTORABLE.search(text)
    if bad:
        line = _LINE_BREAKS.sub("\n", text[:bad.start()]).count("\n") + 1
        what = ("a NUL character (U+0000): a binary file, or damaged text"
                if bad.group() == "\x00" else
                f"a lone surrogate (U+{ord(bad.group()):04X}): not text; check --encoding")
        raise InputError(f"contains {what}", path, line)
    return text


def _decode(data: bytes, path: str | Path, encoding: str | None) -> str:
    if not data.strip():
        raise InputError("empty file", path)
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", path) from None
        except UnicodeDecodeError as exc:
            raise InputError(
                f"cannot decode as {encoding} (byte {exc.start}); check --encoding", path
            ) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(name)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"starts with a {name} byte-order mark but is not valid {name} "
                    f"(byte {exc.start}); pass --encoding",
                    path,
                ) from None
    if b"\x00" in data[:65536]:
        for guessed in (_utf16_without_bom(data), "utf-8"):  # text with a NUL: the one rule
            if guessed:
                try:
                    return data.decode(guessed)
                except UnicodeDecodeError:
                    pass
        raise InputError("binary file, not text (it contains NUL bytes)", path)
    for name in FALLBACK_ENCODINGS:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if len(_CONTROL.findall(text[:65536])) > max(8, len(text[:65536]) // 100):
            raise InputError("binary file, not text (too many control characters)", path)
        return text
    tried = ", ".join(FALLBACK_ENCODINGS)
    raise InputError(f"cannot decode (tried {tried}); pass --encoding", path)


def _utf16_without_bom(data: bytes) -> str | None:
    """Recognise BOM-less UTF-16 of mostly-Latin text by where its NUL bytes fall."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    if sample[1::2].count(0) > 0.6 * half and sample[0::2].count(0) < 0.1 * half:
        return "utf-16-le"
    if sample[0::2].count(0) > 0.6 * half and sample[1::2].count(0) < 0.1 * half:
        return "utf-16-be"
    return None


def normalise(text: str) -> str:
    """Make line endings ``\\n``, drop a stray BOM and compose to Unicode NFC."""
    text = _LINE_BREAKS.sub("\n", text)
    if text.startswith("\ufeff"):
        text = text[1:]
    return unicodedata.normalize("NFC", text)


class OffsetMap:
    """Where each offset of a text before ``normalise`` lands after it: ``offsets[i]`` for
    ``i`` in 0..len(original).

    Only the places where offsets shift are kept (a CRLF, a BOM, an accent composed onto its
    letter), in arrays of machine integers, 32 bytes a place; a text that needs no change
    costs nothing. (One Python int per character cost ~50 bytes a character: 5 GB for a
    100 MB QDPX source.) A lookup is a binary search.
    """

    def __init__(self, length: int, starts: array, old: array, new: array,
                 new_starts: array) -> None:
        self.length = length
        self._starts, self._old, self._new, self._new_starts = starts, old, new, new_starts

    def __len__(self) -> int:
        return self.length + 1

    def __getitem__(self, position: int) -> int:
        if not 0 <= position <= self.length:
            raise IndexError(f"offset {position} is outside the text (0-{self.length})")
        i = bisect_right(self._starts, position) - 1
        if i < 0:
            return position
        inside = position - self._starts[i]
        if inside < self._old[i]:  # inside a changed place: its start, or its new end
            return self._new_starts[i] + min(inside, self._new[i])
        return self._new_starts[i] + self._new[i] + inside - self._old[i]

    @property
    def places(self) -> int:
        """How many places shift offsets (what the map holds)."""
        return len(self._starts)


_ONE_BREAK = re.compile("[\r\u2028\u2029\x85]")


def normalise_with_offsets(text: str) -> tuple[str, OffsetMap]:
    """``normalise(text)`` and the map of every offset 0..len(text) of the original to the
    offset it becomes: how code-point offsets from another tool (counted on a CRLF file, or
    before NFC) are carried onto qualcode's text.

    A leading BOM goes, a CRLF becomes ``\\n`` (an offset between the two goes before the
    ``\\n``); a starter and the combining marks after it are composed on their own, and an
    offset inside them goes to the same place in the composed text, or to its end. Only the
    characters that may change are visited (found by a regex, in C); a text that is already
    NFC is only searched for its BOM and CRLFs.
    """
    tables = None if unicodedata.is_normalized("NFC", text) else _Nfc.tables()
    scan = _BOM_OR_CR if tables is None else tables.scan
    starts, old, new, new_starts = array("q"), array("q"), array("q"), array("q")
    parts: list[str] = []
    previous = shift = at = 0
    while (match := scan.search(text, at)) is not None:
        start = at = match.start()
        character = text[start]
        if character == "\ufeff" or (character == "\r" and text[start + 1:start + 2] == "\n"):
            if character == "\ufeff" and start:
                at += 1  # a BOM inside the text is a character like any other
                continue
            # the BOM or the CR goes
            composed, end = ("", 1) if character == "\ufeff" else ("\n", start + 2)
            before, after = 1, 0
        elif tables is None or (character >= "\U00010000" and character not in tables.astral):
            at += 1  # a lone CR, made ``\\n`` below; an emoji NFC leaves alone
            continue
        else:
            if unicodedata.combining(character) and start > previous:
                start -= 1  # marks go with the character before them, if no piece took it
            marks = tables.marks.match(text, at + 1)  # ``[...]*``: always a match
            end = marks.end() if marks else at + 1
            piece = text[start:end]
            composed = unicodedata.normalize("NFC", _ONE_BREAK.sub("\n", piece))
            before, after = len(piece), len(composed)
        at = end
        if before != after:
            starts.append(start)
            old.append(before)
            new.append(after)
            new_starts.append(start + shift)
            shift += after - before
        parts += [text[previous:start], composed]
        previous = end
    parts.append(text[previous:])
    # the CRs of CRLFs are gone: every line break left is one character, made ``\\n``
    normalised = _ONE_BREAK.sub("\n", "".join(parts))
    return normalised, OffsetMap(len(text), starts, old, new, new_starts)


_BOM_OR_CR = re.compile("[\ufeff\r]")


def _character_class(codes: list[int]) -> str:
    """A regex character class body for sorted code points, as ranges."""
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in ranges)


class _Nfc:
    """The characters normalising may change: built once, in about half a second, from this
    Python's Unicode tables, the first time a text that is not NFC is mapped."""

    def __init__(self) -> None:
        marks, changing = [], []
        for code in range(0x110000):
            if 0xD800 <= code <= 0xDFFF:
                continue
            character = chr(code)
            if unicodedata.combining(character):
                marks.append(code)
            if unicodedata.combining(character) or unicodedata.normalize(
                    "NFC", character) != character:
                changing.append(code)
        bmp = [code for code in changing if code < 0x10000]
        # a class of BMP characters is a bitmap to the regex engine; one with characters
        # beyond it a list of ranges, 15 times slower: astral characters (emoji) are all
        # found, and the few that may change are picked out here
        self.scan = re.compile(f"[\ufeff\r{_character_class(bmp)}\U00010000-\U0010ffff]")
        self.astral = frozenset(chr(code) for code in changing if code >= 0x10000)
        self.marks = re.compile(f"[{_character_class(marks)}]*")

    @staticmethod
    @lru_cache(maxsize=1)
    def tables() -> _Nfc:
        return _Nfc()


def read_bytes(path: Path) -> bytes:
    """Read a file, turning OS errors into one-line InputErrors; a FIFO or a device is
    refused without being opened (opening a FIFO blocks until someone writes to it)."""
    import stat

    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            raise InputError("not a regular file (a FIFO, device or socket): not opened", path)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a directory", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None


def count_words(text: str) -> int:
    """Words as researchers count them: runs of letters/digits, apostrophes kept inside."""
    return len(WORD.findall(text))
