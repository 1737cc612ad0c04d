"""Writing output files safely: to a temporary file in the same folder, then renamed.

A crash or a full disk never leaves half a file, and never loses the previous version.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from qualcode.errors import QualcodeError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


STALE_AFTER_S = 15 * 60  # a temporary this old is a crashed write's, not a running one's
_TEMP_MIDDLE = re.compile(r"[a-z0-9_]{8}")  # what tempfile.mkstemp puts between the parts


def _write_error(exc: OSError, path: Path) -> QualcodeError:
    """One line for the ways a write fails on a user's disk; the old file is always kept."""
    kept = "the old file, if any, is kept"
    if exc.errno == errno.ENOSPC:
        return QualcodeError(f"disk full: not written ({kept})", path)
    if exc.errno == errno.EFBIG:
        return QualcodeError(f"file too large (a file-size limit?): not written ({kept})", path)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return QualcodeError(f"read-only: cannot write here ({exc.strerror})", path)
    return QualcodeError(f"cannot write: {exc.strerror or exc}", path)


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete our own temporaries for ``path`` (``.NAME.XXXXXXXX.tmp``) that a killed process
    left behind, once they are older than ``STALE_AFTER_S``; a live writer's are younger."""
    removed: list[Path] = []
    prefix, now = f".{path.name}.", time.time()
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")
                and _TEMP_MIDDLE.fullmatch(name[len(prefix):-4])):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and \
                    now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_S:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` by rename, replacing any old file.

    A full disk, a file-size limit or a read-only folder is one QualcodeError line, and the
    old file is kept; stale temporaries of an earlier, killed write are cleaned up first.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_output(path) as out:
        out.write(data)


@contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """``write_atomic`` for a file written piece by piece (a report streamed to disk rather
    than held in memory whole): a binary file to write into, which becomes ``path`` when the
    block ends and is removed if it fails."""
    path = Path(path)
    if not path.parent.exists():
        raise QualcodeError("the output folder does not exist", path.parent)
    remove_stale_temporaries(path)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(exc, path) from None
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(temp, path)
    except BaseException as exc:
        if os.path.exists(temp):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise _write_error(exc, path) from None
        raise
