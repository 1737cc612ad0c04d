"""Coding a passage by hand, recoding it and removing it: a person's codings, one at a time.

Each act is its own transaction, checked first, so two people coding the same document at
once never lose each other's work, and a bad request changes nothing.
"""

from __future__ import annotations

from qualcode.coding.manual import apply_coding
from qualcode.errors import ProjectError, QualcodeError
from qualcode.model import PERSON_ORIGINS, Coding
from qualcode.store import Project
from qualcode.workspace.snap import (
    SNAP_MODES,
    keep_characters_whole,
    snap_to_segments,
    snap_to_words,
)


def snap_span(project: Project, document_id: str, start: int, end: int,
              mode: str = "word", text: str | None = None) -> tuple[int, int]:
    """The span a selection becomes under a snap mode (see ``SNAP_MODES``); ``text`` is the
    document's, when the caller has it already."""
    if mode not in SNAP_MODES:
        raise QualcodeError(f"snap must be one of {', '.join(SNAP_MODES)}, not {mode!r}")
    if text is None:
        text = _text(project, document_id)
    if not 0 <= start < end <= len(text):
        raise QualcodeError(f"offsets {start}-{end} are outside document {document_id!r} "
                            f"(0-{len(text)})")
    if mode == "word":
        return snap_to_words(text, start, end)
    if mode == "exact":
        return keep_characters_whole(text, start, end)
    if mode == "sentence":
        from qualcode.segment import ensure_sentences

        ensure_sentences(project, [document_id])
    segments = project.segments(mode, [document_id])
    return snap_to_segments([(s.start, s.end) for s in segments], start, end)


def _text(project: Project, document_id: str) -> str:
    text = project.document_text(document_id)
    if text is None:
        raise ProjectError(f"no document {document_id!r} in this project", project.path)
    return text


def _known_code(project: Project, code_id: str) -> None:
    if code_id not in project.code_ids():
        raise QualcodeError(f"no code {code_id!r} in the project's codebook")


def _coder(coder: str) -> str:
    coder = " ".join(str(coder or "").split())
    if not coder:
        raise QualcodeError("a coding needs a coder: set your name first")
    return coder


def code_passage(project: Project, document_id: str, start: int, end: int, code_id: str,
                 coder: str, snap: str = "word") -> Coding:
    """Store a manual coding of a passage (snapped first); an identical one is reused.

    >>> code_passage(project, "lscb01", 742, 998, "partnership-working", "ann")  # doctest: +SKIP
    """
    start, end = snap_span(project, document_id, start, end, snap)
    if start >= end:
        raise QualcodeError("the selection holds no text to code")
    coding_id = apply_coding(project, Coding(document_id, start, end, code_id, _coder(coder),
                                             origin="manual", status="applied"))
    stored = project.coding(coding_id)
    assert stored is not None
    return stored


def _persons_coding(project: Project, coding_id: int, coder: str) -> Coding:
    coding = project.coding(coding_id)
    if coding is None:
        raise ProjectError(f"no coding {coding_id} (removed meanwhile?)", project.path)
    if coding.origin not in PERSON_ORIGINS:
        raise QualcodeError(f"coding {coding_id} was made by {coding.origin} "
                            f"({coding.coder}); only a person's codings can be changed here")
    if coding.coder != coder:
        raise QualcodeError(f"coding {coding_id} is {coding.coder}'s; "
                            f"{coder} can only change their own")
    return coding


def remove_coding(project: Project, coding_id: int, coder: str) -> Coding:
    """Remove one of this coder's own codings; returns what was removed (for undo)."""
    coding = _persons_coding(project, coding_id, _coder(coder))
    with project.transaction():
        project.delete_coding(coding_id)
    return coding


def recode_coding(project: Project, coding_id: int, code_id: str, coder: str) -> Coding:
    """Give one of this coder's own codings another code."""
    _persons_coding(project, coding_id, _coder(coder))
    _known_code(project, code_id)
    with project.transaction():
        project.set_coding_code(coding_id, code_id)
    stored = project.coding(coding_id)
    assert stored is not None
    return stored


def code_passages(project: Project, spans: list[tuple[str, int, int]], code_id: str,
                  coder: str, snap: str = "word") -> tuple[int, int]:
    """Code many passages (search results) in one transaction: (added, already there)."""
    coder = _coder(coder)
    _known_code(project, code_id)
    texts = project.texts({document_id for document_id, _, _ in spans})
    codings = []
    for document_id, start, end in spans:
        if document_id not in texts:
            raise ProjectError(f"no document {document_id!r} in this project", project.path)
        start, end = snap_span(project, document_id, start, end, snap, texts[document_id])
        codings.append(Coding(document_id, start, end, code_id, coder, origin="manual"))
    added = already = 0
    with project.transaction():
        seen = set()
        for coding in codings:
            key = (coding.document_id, coding.start, coding.end)
            if key in seen or project.has_coding(coding):
                already += 1
                continue
            seen.add(key)
            project.add_coding(coding)
            added += 1
    return added, already
