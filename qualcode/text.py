"""Decoding and normalising text, so every offset in qualcode indexes the same string.

The rule (DESIGN.md): UTF-8, UTF-8 with BOM, UTF-16/32 with BOM, then cp1252 as a named
fallback; line endings made ``\\n``; Unicode NFC. Source files are never modified.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
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


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalise(text)`` and, for every offset 0..len(text) of the original, the offset it
    becomes: how code-point offsets from another tool (counted on a CRLF file, or before NFC)
    are carried onto qualcode's text."""
    out: list[str] = []
    mapping: list[int] = []
    length = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if i == 0 and ch == "\ufeff":
            mapping.append(0)
            i += 1
            continue
        if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
            mapping += [length, length]
            out.append("\n")
            length += 1
            i += 2
            continue
        # a starter and the combining marks after it compose on their own under NFC
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = _LINE_BREAKS.sub("\n", text[i:j])
        composed = unicodedata.normalize("NFC", piece)
        for k in range(j - i):
            mapping.append(length + min(k, len(composed)))
        out.append(composed)
        length += len(composed)
        i = j
    mapping.append(length)
    return "".join(out), mapping


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
