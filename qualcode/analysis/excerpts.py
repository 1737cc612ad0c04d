"""Coded excerpts of one code (with its sub-codes), as keyword-in-context lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.analysis.data import DEFAULT_STATUSES
from qualcode.errors import ProjectError

if TYPE_CHECKING:
    from qualcode.store import Project


def code_and_descendants(project: Project, code_id: str) -> list[str]:
    """The code and every code under it in the project's codebook."""
    book = project.codebook()
    known = {c.id for c in book.codes}
    stored = project.coded_code_ids()
    if code_id not in known and code_id not in stored:
        raise ProjectError(f"no code {code_id!r} in this project (known: "
                           f"{', '.join(sorted(known | stored)) or 'none yet'})", project.path)
    return book.with_descendants([code_id])


def keyword_in_context(project: Project, code_id: str, context: int = 60) -> list[str]:
    """One header line per coding, then one line per matched term with ``[[term]]`` marked.

    Codings without matched terms (a person's) show the start of the excerpt instead.
    """
    ids = code_and_descendants(project, code_id)
    codings = [c for c in project.codings(code_ids=ids) if c.status in DEFAULT_STATUSES]
    texts = {d.id: d for d in project.documents({c.document_id for c in codings})}
    speakers = project.turn_lookup("speaker")
    lines = []
    for coding in codings:
        text = texts[coding.document_id].text
        speaker = speakers.at(coding.document_id, coding.start)
        lines.append(f"{coding.document_id} {coding.start}-{coding.end} {coding.code_id} "
                     f"({coding.origin}{': ' + speaker if speaker else ''})")
        if not coding.matched:
            excerpt = " ".join(text[coding.start:coding.end].split())
            lines.append("    " + (excerpt[: 2 * context] + ("…" if len(excerpt) > 2 * context
                                                              else "")))
        for start, end, rule in coding.matched:
            left = " ".join(text[max(coding.start, start - context):start].split())
            right = " ".join(text[end:min(coding.end, end + context)].split())
            lines.append(f"    {left[-context:]:>{context}} [[{text[start:end]}]] "
                         f"{right[:context]}   <{rule}>")
    lines.append(f"{len(codings)} codings of {code_id}"
                 + (f" (with {', '.join(ids[1:])})" if len(ids) > 1 else ""))
    return lines
