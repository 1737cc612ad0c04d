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


def distinct_matches(matched, text: str) -> list[tuple[int, int, str]]:
    """Each matched term once: of several keywords matching the same words (they share a
    lemma: "agency" and "agencies") the one written as the text is kept, and a term inside a
    longer matched term ("inspection" in "inspection framework") is left to the longer one."""
    by_span: dict[tuple[int, int], str] = {}
    for start, end, rule in matched:
        surface = text[start:end].lower()
        if (start, end) not in by_span or rule.split(":", 1)[-1].strip() == surface:
            by_span[(start, end)] = rule
    spans = sorted(by_span, key=lambda span: (span[0], -span[1]))
    kept: list[tuple[int, int, str]] = []
    for start, end in spans:
        if any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in kept):
            continue
        kept.append((start, end, by_span[(start, end)]))
    return kept


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
        for s, e, rule in distinct_matches(matched, text):
            raw_left = text[max(start, s - context):s]
            raw_right = text[e:min(end, e + context)]
            # collapse runs of spaces, but never add one the text does not have ("Ofsted." and
            # "post-inspection" stay joined)
            left = " ".join(raw_left.split()) + (" " if raw_left[-1:].isspace() else "")
            right = (" " if raw_right[:1].isspace() else "") + " ".join(raw_right.split())
            lines.append(f"    {left[-context:]:>{context}}[[{text[s:e]}]]"
                         f"{right[:context]}   <{rule}>")
    lines.append(f"{len(codings)} codings of {code_id}"
                 + (f" (with {', '.join(ids[1:])})" if len(ids) > 1 else ""))
    return lines
