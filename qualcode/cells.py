"""Spreadsheet cells that stay text: the one place every CSV/XLSX writer passes its cells through.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in CSV, a
tab or carriage return before them) as a formula, so an excerpt, a code name, a coder's name
or a case attribute from someone else's file could carry ``=HYPERLINK(...)`` into a reader's
spreadsheet. Such text is written with a leading apostrophe, the spreadsheet convention for
"this is text"; :func:`restore` takes it off again when qualcode reads its own sheets back.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    # "'=x" must survive a round trip too, so apostrophes before a formula start are quoted.
    return text.lstrip("'").startswith(FORMULA_START)


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; the rest is kept.

    >>> neutralise("=SUM(A1)"), neutralise("- well, yes"), neutralise("fine"), neutralise(-2)
    ("'=SUM(A1)", "'- well, yes", 'fine', -2)
    """
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text :func:`neutralise` was given (one added apostrophe taken off).

    >>> restore("'=SUM(A1)"), restore("'tis")
    ('=SUM(A1)', "'tis")
    """
    if value.startswith("'") and _needs_quote(value[1:]) and _needs_quote(value):
        return value[1:]
    return value
