"""Writing memos: checked against the project before they are stored.

A memo on a coding also records the passage (document, offsets, code), so it keeps pointing at
the right words if the coding is later replaced by a new rule run.
"""

from __future__ import annotations

from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.store.memos import MEMO_TARGETS, Memo

MAX_MEMO_CHARS = 100_000


def write_memo(project: Project, target: str, author: str, text: str, *,
               document_id: str | None = None, code_id: str | None = None,
               coding_id: int | None = None) -> Memo:
    """Store a memo on a document, a code or a coding.

    >>> write_memo(project, "document", "ann", "Strong on audits.",
    ...            document_id="lscb01")  # doctest: +SKIP
    """
    if target not in MEMO_TARGETS:
        raise QualcodeError(f"a memo is on a {', '.join(MEMO_TARGETS)}, not {target!r}")
    author = " ".join(str(author or "").split())
    if not author:
        raise QualcodeError("a memo needs an author: set your name first")
    if not str(text or "").strip():
        raise QualcodeError("a memo cannot be empty")
    if len(text) > MAX_MEMO_CHARS:
        raise QualcodeError(f"a memo is at most {MAX_MEMO_CHARS:,} characters")
    start = end = None
    if target == "coding":
        if coding_id is None:
            raise QualcodeError("a memo on a coding needs the coding")
        coding = project.coding(coding_id)
        if coding is None:
            raise QualcodeError(f"no coding {coding_id} in the project")
        document_id, code_id, start, end = (coding.document_id, coding.code_id, coding.start,
                                            coding.end)
    elif target == "code":
        if not code_id or code_id not in {c.id for c in project.codebook().codes}:
            raise QualcodeError(f"no code {code_id!r} in the project")
        document_id = coding_id = None
    else:
        if not document_id or project.document_text(document_id) is None:
            raise QualcodeError(f"no document {document_id!r} in the project")
        code_id = coding_id = None
    return project.add_memo(target, author, text, document_id=document_id, code_id=code_id,
                            coding_id=coding_id, start=start, end=end)
