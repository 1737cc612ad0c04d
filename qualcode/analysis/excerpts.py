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


def keyword_in_context(project: Project, code_id: str, context: int = 60, *,
                       pseudonymised: bool | None = None) -> list[str]:
    """One header line per coding, then one line per matched term with ``[[term]]`` marked.

    Codings without matched terms (a person's) show the start of the excerpt instead.
    ``pseudonymised`` as in ``load_coded``: names replaced, offsets into the new text.
    """
    from qualcode.pseudonym.stored import pseudonymiser_for

    finder = pseudonymiser_for(project, pseudonymised)
    ids = code_and_descendants(project, code_id)
    codings = [c for c in project.codings(code_ids=ids) if c.status in DEFAULT_STATUSES]
    texts = {d.id: d.text for d in project.documents({c.document_id for c in codings})}
    speakers = project.turn_lookup("speaker")
    maps = {d: finder.rewrite(t) for d, t in texts.items()} if finder else {}
    lines = []
    for coding in codings:
        speaker = speakers.at(coding.document_id, coding.start)
        document, text, start, end = coding.document_id, texts[coding.document_id], \
            coding.start, coding.end
        matched = [(s, e, rule) for s, e, rule in coding.matched]
        if finder:
            new = maps[document]
            text, start, end = new.text, new.start(start), new.end(end)
            matched = [(new.start(s), new.end(e), finder(rule) or rule) for s, e, rule in matched]
            document, speaker = finder(document) or document, finder(speaker)
        lines.append(f"{document} {start}-{end} {coding.code_id} "
                     f"({coding.origin}{': ' + speaker if speaker else ''})")
        if not matched:
            excerpt = " ".join(text[start:end].split())
            lines.append("    " + (excerpt[: 2 * context] + ("…" if len(excerpt) > 2 * context
                                                              else "")))
        for s, e, rule in matched:
            left = " ".join(text[max(start, s - context):s].split())
            right = " ".join(text[e:min(end, e + context)].split())
            lines.append(f"    {left[-context:]:>{context}} [[{text[s:e]}]] "
                         f"{right[:context]}   <{rule}>")
    lines.append(f"{len(codings)} codings of {code_id}"
                 + (f" (with {', '.join(ids[1:])})" if len(ids) > 1 else ""))
    return lines
