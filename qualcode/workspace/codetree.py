"""Editing the project's code tree from the workspace: add, rename, recolour, move, merge
codes and add keywords, stored in the project at once.

The project keeps its own copy of the codebook (``Project.codebook``); ``qualcode codebook
convert --project`` writes it back to YAML or QDC, so a team that reviews its codebook as text
can keep the YAML as the source of truth. Running ``qualcode code`` with a YAML file sets the
codes from that file again (codes that have codings are kept).
"""

from __future__ import annotations

from qualcode.codebook import edit
from qualcode.model import Code
from qualcode.store import Project


def tree_counts(project: Project) -> dict[str, tuple[int, int]]:
    """Per code: (codings, documents) of the code and every code under it, a document counted
    once however many of its sub-codes it has (as the theme table counts)."""
    book = project.codebook()
    known = {c.id for c in book.codes}
    codings: dict[str, int] = {}
    documents: dict[str, set[str]] = {}
    for code_id, document_id, n in project.code_document_counts():
        chain = [code_id, *(book.ancestors(code_id) if code_id in known else [])]
        for theme in chain:
            codings[theme] = codings.get(theme, 0) + n
            documents.setdefault(theme, set()).add(document_id)
    return {code: (codings[code], len(documents[code])) for code in codings}


def add_code(project: Project, name: str, *, parent: str | None = None,
             color: str | None = None, description: str = "") -> Code:
    """Add a code to the project's codebook."""
    book = project.codebook()
    code = edit.add_code(book, name, parent=parent, color=color, description=description)
    with project.transaction():
        project.set_codes(book)
    return code


def update_code(project: Project, code_id: str, *, name: str | None = None,
                color: str | None = None, description: str | None = None,
                parent: str | bool | None = False) -> Code:
    """Rename, recolour, redescribe or move a code (``parent=None``: to the top level)."""
    book = project.codebook()
    code = edit.update_code(book, code_id, name=name, color=color, description=description,
                            parent=parent)
    with project.transaction():
        project.set_codes(book)
    return code


def merge_codes(project: Project, source: str, into: str) -> int:
    """Merge ``source`` into ``into``: its codings, memos, sub-codes and rules move; returns
    how many codings moved."""
    book = project.codebook()
    edit.merge_code(book, source, into)
    with project.transaction():
        moved = project.move_code_references(source, into)
        project.set_codes(book)
    return moved


def add_keyword(project: Project, code_id: str, term: str, exact: bool = False) -> Code:
    """Make a word or phrase a keyword of a code (applied by the next ``qualcode code``)."""
    book = project.codebook()
    code = edit.add_keyword(book, code_id, term, exact)
    with project.transaction():
        project.set_codes(book)
    return code
