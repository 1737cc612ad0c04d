"""The one exception tree: every user-facing failure is a QualcodeError.

The CLI's error boundary turns any of these into ``error: <file>[:<line>]: <message>`` and
exit status 2; the library itself never prints and never exits.
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

QUOTE_LIMIT = 80


class _Short(reprlib.Repr):
    """reprlib's bounded repr, also for subclasses of dict/list (reprlib goes by type name)."""

    def repr1(self, x: Any, level: int) -> str:
        if isinstance(x, dict) and type(x) is not dict:
            return self.repr_dict(x, level)
        if isinstance(x, list) and type(x) is not list:
            return self.repr_list(x, level)
        if isinstance(x, str) and type(x) is not str:
            x = str(x)
        return super().repr1(x, level)


_SHORT = _Short()
_SHORT.maxstring = _SHORT.maxother = QUOTE_LIMIT
_SHORT.maxlevel = 3


def quoted(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for a message, cut to about ``limit`` characters without ever building
    the whole repr: a value from a hostile file (a YAML alias bomb expands to gigabytes) must
    not become a gigabyte error line.

    >>> quoted("x" * 500)[:12], len(quoted("x" * 500)) <= 80
    ("'xxxxxxxxxxx", True)
    """
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


class QualcodeError(Exception):
    """A problem the user can fix: bad input, a bad codebook, a project in the wrong state."""

    problems: list[QualcodeError]

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.problems = [self]  # several, when a file has many things wrong at once

    @classmethod
    def many(cls, problems: Sequence[QualcodeError]) -> Self:
        """One error carrying every problem found (reported one line each)."""
        first = problems[0]
        error = cls(first.message, first.path, first.line)
        error.problems = list(problems)
        return error

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return f"{where}{self.message}"


class InputError(QualcodeError):
    """An input file that cannot be read as a transcript, table or attribute sheet."""


class CodebookError(QualcodeError):
    """A codebook that does not load or does not validate; ``problems`` lists every one."""


class ProjectError(QualcodeError):
    """A project file that is missing, not a qualcode project, or refuses a change."""
