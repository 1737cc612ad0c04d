"""Writing output files safely: to a temporary file in the same folder, then renamed.

A crash or a full disk never leaves half a file, and never loses the previous version.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from qualcode.errors import QualcodeError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` by rename, replacing any old file."""
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if not path.parent.exists():
        raise QualcodeError("the output folder does not exist", path.parent)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
