"""Editing a codebook in memory: add, rename, recolour, move, merge codes and add keywords.

These are what a researcher does to the code tree while reading (in ``qualcode serve``). Each
function checks its input the way the YAML loader does (ids, colours, parents, cycles) and
changes the Codebook in place, keeping ``codes`` in depth-first order, so that saving it to a
project or to YAML gives the same tree.

>>> from qualcode.model import Codebook
>>> book = Codebook(name="demo", codes=[])
>>> add_code(book, "Partnership working").id
'partnership-working'
"""

from __future__ import annotations

import re
import unicodedata

from qualcode.codebook.validate import COLOR_PATTERN
from qualcode.errors import CodebookError
from qualcode.model import Code, Codebook, Keyword

DEFAULT_COLOR = "#3B75AF"


def slug(name: str) -> str:
    """A code id made from a name: lowercase ASCII letters and digits joined by '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return text[:60].rstrip("-") or "code"


def _unique_id(book: Codebook, wanted: str) -> str:
    taken = {c.id for c in book.codes}
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"


def _check_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise CodebookError("a code needs a name")
    if len(name) > 200:
        raise CodebookError("a code name is at most 200 characters")
    return name


def _check_color(color: str | None) -> str | None:
    if color in (None, ""):
        return None
    if not COLOR_PATTERN.match(color):
        raise CodebookError(f"colour {color[:20]!r} is not #RRGGBB")
    return color.upper()


def _subtree(book: Codebook, code_id: str) -> list[Code]:
    ids = set(book.with_descendants([code_id]))
    return [c for c in book.codes if c.id in ids]


def _place(book: Codebook, moved: list[Code], parent: str | None) -> None:
    """Put ``moved`` (a code and its subtree) last among ``parent``'s children."""
    moving = {c.id for c in moved}
    rest = [c for c in book.codes if c.id not in moving]
    if parent is None:
        book.codes = rest + moved
        return
    under = set(Codebook(book.name, rest).with_descendants([parent]))
    last = max(i for i, c in enumerate(rest) if c.id in under)
    book.codes = rest[:last + 1] + moved + rest[last + 1:]


def add_code(book: Codebook, name: str, *, parent: str | None = None, color: str | None = None,
             description: str = "", code_id: str | None = None) -> Code:
    """Add a code (last among its parent's children) and return it; the id is made from the
    name unless given."""
    name = _check_name(name)
    if parent is not None:
        _code(book, parent)
    if code_id is not None:
        from qualcode.codebook.validate import ID_PATTERN

        if not ID_PATTERN.match(code_id):
            raise CodebookError(f"code id {code_id[:40]!r} must be lowercase letters, digits, "
                                "'-', '_' or '.'")
        if any(c.id == code_id for c in book.codes):
            raise CodebookError(f"there is already a code {code_id!r}")
    code = Code(id=code_id or _unique_id(book, slug(name)), name=name, parent=parent,
                description=description.strip(), color=_check_color(color) or DEFAULT_COLOR)
    _place(book, [code], parent)
    return code


def _no_code(code_id: str):
    raise CodebookError(f"no code {code_id[:60]!r} in the codebook")


def _code(book: Codebook, code_id: str) -> Code:
    try:
        return book.get(code_id)
    except KeyError:
        _no_code(code_id)
        raise


def update_code(book: Codebook, code_id: str, *, name: str | None = None,
                color: str | None = None, description: str | None = None,
                parent: str | bool | None = False) -> Code:
    """Rename, recolour, redescribe or move a code (``parent=None`` moves it to the top level;
    the default ``False`` leaves it where it is)."""
    code = _code(book, code_id)
    if name is not None:
        code.name = _check_name(name)
    if color is not None:
        code.color = _check_color(color) or code.color
    if description is not None:
        code.description = description.strip()
    if parent is not False and parent != code.parent:
        if parent is not None:
            _code(book, str(parent))
            if parent == code_id or code_id in book.ancestors(str(parent)):
                raise CodebookError(f"cannot move {code_id!r} under itself or its own "
                                    f"sub-code {parent!r}")
        moved = _subtree(book, code_id)
        code.parent = parent if parent is None else str(parent)
        _place(book, moved, code.parent)
    return code


def merge_code(book: Codebook, source: str, into: str) -> Code:
    """Remove ``source``, giving its sub-codes, keywords and rules to ``into``; the caller
    moves the codings (``Project.move_code_references``)."""
    if source == into:
        raise CodebookError("cannot merge a code into itself")
    gone, kept = _code(book, source), _code(book, into)
    if source in book.ancestors(into):
        raise CodebookError(f"cannot merge {source!r} into its own sub-code {into!r}")
    for child in book.children(source):
        child.parent = into
    for attribute in ("keywords", "regex", "patterns", "not_terms", "near", "include",
                      "exclude", "examples"):
        merged = getattr(kept, attribute) + [x for x in getattr(gone, attribute)
                                             if x not in getattr(kept, attribute)]
        setattr(kept, attribute, merged)
    book.codes = [c for c in book.codes if c.id != source]
    # re-place the children now under ``into`` so the order stays depth-first
    for child in book.children(into):
        _place(book, _subtree(book, child.id), into)
    return kept


def add_keyword(book: Codebook, code_id: str, term: str, exact: bool = False) -> Code:
    """Add a keyword (lemma-matched, or exact) to a code's rules."""
    code = _code(book, code_id)
    term = " ".join(str(term or "").split())
    if not term:
        raise CodebookError("a keyword cannot be empty")
    keyword = Keyword(term, True if exact else None)
    if any(k.term.lower() == term.lower() for k in code.keywords):
        raise CodebookError(f"{term!r} is already a keyword of {code.name!r}")
    code.keywords.append(keyword)
    return code
