"""Zip archives from other people's tools (.docx, .xlsx, .qdpx), read without trusting them.

A zip says how big each member is, but a decompression bomb lies, or tells the truth about
gigabytes: a 1.2 MB .docx can inflate to 5 GB. Every member is inflated here in a stream, in
1 MiB pieces, counting the bytes it produces and the compressed bytes it consumes, and the
archive is refused as soon as one member inflates more than ``MAX_RATIO`` times the compressed
bytes consumed so far, or past its declared size (after the first
``RATIO_GRACE`` bytes: ordinary XML compresses 5-50 times, a bomb about 1,000), or all members
together pass ``MAX_TOTAL_BYTES``. A bomb is refused after a few megabytes of work, well under
a second; corrupt data (bad CRC, truncated, encrypted) is a one-line InputError too.

The readers of .docx and .xlsx call :func:`check_archive` before handing the bytes to
python-docx or openpyxl; an importer that reads members itself uses :func:`open_archive` and
:func:`read_member` with one :class:`Budget` for the whole archive.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputError, quoted

MAX_TOTAL_BYTES = 512 * 1024 * 1024  # inflated, all members together
# A QDPX holds a file per source and per note: 20,000 members is an ordinary big project. The
# count is checked before Python's zipfile reads them all (a million take it seconds and
# hundreds of MB).
MAX_MEMBERS = 1_000_000
MAX_RATIO = 500
RATIO_GRACE = 8 * 1024 * 1024
_CHUNK = 1024 * 1024  # inflated bytes per step
_RAW_CHUNK = 64 * 1024  # compressed bytes read at a time
_MIB = 1024 * 1024


@dataclass
class Budget:
    """Inflated bytes one archive may still produce, shared by all its members."""

    left: int = MAX_TOTAL_BYTES
    total: int = MAX_TOTAL_BYTES


def open_archive(source: bytes | str | Path, path: str | Path,
                 kind: str = "readable zip archive") -> zipfile.ZipFile:
    """The archive, or a one-line InputError for a file that is not a ``kind`` (or holds too
    many members to be a document)."""
    try:
        if isinstance(source, bytes):
            handle = io.BytesIO(source)
            _check_member_count(handle, path)
            archive = zipfile.ZipFile(handle)
        else:
            with open(source, "rb") as stream:
                _check_member_count(stream, path)
            archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise InputError(f"not a {kind} ({exc})", path) from None
    if len(archive.infolist()) > MAX_MEMBERS:
        archive.close()
        raise InputError(f"refused: the archive holds over {MAX_MEMBERS:,} members", path)
    return archive


def _check_member_count(stream, path: str | Path) -> None:
    """Refuse an archive whose end record declares more than MAX_MEMBERS members, before
    zipfile reads them all. Over 65,535 members a zip has a ZIP64 end record, which holds the
    count; an archive whose records cannot be read is left to zipfile to refuse."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    start = max(0, size - 65_557)  # the end record and the longest comment
    stream.seek(start)
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    locator = tail[at - 20:at] if at >= 20 else b""
    count = 0
    if locator[:4] == b"PK\x06\x07":
        (offset,) = struct.unpack("<Q", locator[8:16])
        stream.seek(offset)
        record = stream.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) == 56:
            (count,) = struct.unpack("<Q", record[32:40])
    stream.seek(0)
    if count > MAX_MEMBERS:
        raise InputError(f"refused: the archive holds over {MAX_MEMBERS:,} members", path)


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str | Path,
                budget: Budget, keep: bool = True) -> bytes:
    """The member's bytes (``keep=False``: inflate, check and count only), refused past the
    budget, the ratio or its own declared size, and checked against its CRC.

    Inflated here from the raw stored bytes with zlib, not through ``ZipFile.open``, so the
    ratio is measured on the compressed bytes actually consumed, piece by piece."""
    name = quoted(info.filename)
    if info.flag_bits & 0x1:
        raise InputError(f"cannot read archive member {name}: it is encrypted", path)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputError(f"cannot read archive member {name}: compression method "
                         f"{info.compress_type} (a document uses deflate)", path)
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    pieces: list[bytes] = []
    produced = consumed = crc = 0
    try:
        for raw in _raw_chunks(archive, info, path):
            data, before = raw, consumed
            while data:
                if inflater is None:
                    piece, data = data, b""
                else:
                    piece = inflater.decompress(data, _CHUNK)
                    data = inflater.unconsumed_tail
                consumed = before + len(raw) - len(data)
                produced += len(piece)
                budget.left -= len(piece)
                if produced > info.file_size:
                    raise InputError(f"damaged archive member {name}: it inflates past the "
                                     f"{info.file_size:,} bytes it declares", path)
                if budget.left < 0:
                    raise InputError(
                        f"refused: the archive inflates past {budget.total // _MIB:,} MB "
                        f"(at member {name}); a decompression bomb?", path)
                if produced > RATIO_GRACE and produced > MAX_RATIO * consumed:
                    raise InputError(f"refused: member {name} inflates over {MAX_RATIO} times "
                                     "its compressed size; a decompression bomb?", path)
                crc = zlib.crc32(piece, crc)
                if keep:
                    pieces.append(piece)
    except zlib.error as exc:
        raise InputError(f"damaged archive member {name} ({exc})", path) from None
    if (inflater is not None and not inflater.eof) or produced != info.file_size:
        raise InputError(f"damaged archive member {name}: truncated", path)
    if crc != info.CRC:
        raise InputError(f"damaged archive member {name}: bad CRC-32", path)
    return b"".join(pieces)


def _raw_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str | Path):
    """The member's stored (compressed) bytes, in pieces, read past its local header."""
    handle = archive.fp
    if handle is None:
        raise ValueError("the archive is closed")
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise InputError(f"damaged archive member {quoted(info.filename)}: no local header",
                         path)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    left = info.compress_size
    while left > 0:
        raw = handle.read(min(_RAW_CHUNK, left))
        if not raw:
            raise InputError(f"damaged archive member {quoted(info.filename)}: truncated", path)
        left -= len(raw)
        yield raw


def check_archive(data: bytes, path: str | Path, max_total: int = MAX_TOTAL_BYTES) -> None:
    """Inflate every member of ``data`` once, keeping nothing, and refuse a bomb or damage
    before a library that trusts the archive (python-docx, openpyxl) opens it."""
    budget = Budget(max_total, max_total)
    with open_archive(data, path) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                read_member(archive, info, path, budget, keep=False)
