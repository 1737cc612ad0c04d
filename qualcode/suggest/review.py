"""A person's decisions on suggestions: accept or reject, one at a time or from a spreadsheet.

Each decision is saved at once (its own transaction), so a crash or a quit loses nothing.
An accepted suggestion becomes a coding of the reviewer (origin ml, status accepted) and
counts in every table; a rejected one never counts and is remembered, so the same suggestion
is not made again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qualcode.errors import InputError, ProjectError, QualcodeError

if TYPE_CHECKING:
    from qualcode.store import Project

SHEET_COLUMNS = ["id", "document", "start", "end", "code_id", "code", "confidence", "reason",
                 "text", "decision"]
DECISIONS = {"accept": "accepted", "a": "accepted", "yes": "accepted", "y": "accepted",
             "reject": "rejected", "r": "rejected", "no": "rejected", "n": "rejected"}


@dataclass
class Suggestion:
    id: int
    document: str
    start: int
    end: int
    code_id: str
    confidence: float
    reason: str


def pending(project: Project) -> list[Suggestion]:
    """Suggestions waiting for a decision, most confident first."""
    return [Suggestion(c.id or 0, c.document_id, c.start, c.end, c.code_id, c.confidence or 0.0,
                       (c.rule or "").removeprefix("reason: "))
            for c in project.pending_suggestions()]


def decide(project: Project, suggestion_id: int, decision: str, reviewer: str) -> None:
    """Accept or reject one suggestion, saved at once."""
    status = DECISIONS.get(decision.strip().lower())
    if status is None:
        raise QualcodeError(f"a decision is accept or reject, not {decision!r}")
    if not reviewer.strip():
        raise QualcodeError("a decision needs the reviewer's name (--coder)")
    with project.transaction():
        decided = project.decide_suggestion(suggestion_id, status, reviewer)
    if not decided:
        raise ProjectError(f"no pending suggestion {suggestion_id}", project.path)


def export_sheet(project: Project) -> pd.DataFrame:
    """The pending suggestions as a sheet to fill in (decision: accept / reject / blank)."""
    names = {c.id: c.name for c in project.codebook().codes}
    texts = project.texts()
    rows = [{"id": s.id, "document": s.document, "start": s.start, "end": s.end,
             "code_id": s.code_id, "code": names.get(s.code_id, s.code_id),
             "confidence": s.confidence, "reason": s.reason,
             "text": texts[s.document][s.start:s.end], "decision": ""} for s in pending(project)]
    return pd.DataFrame(rows, columns=SHEET_COLUMNS)


def _offsets(values: dict, path: Path, line: int) -> tuple[int, int] | InputError:
    """The row's (start, end), or the problem with them ("start 'x' is not a number")."""
    numbers = []
    for column in ("start", "end"):
        try:
            numbers.append(int(float(values[column])))
        except (TypeError, ValueError):
            return InputError(f"{column} {values[column]!r} is not a number", path, line)
    return numbers[0], numbers[1]


def import_sheet(project: Project, path: str | Path, reviewer: str) -> dict[str, int]:
    """Apply the decisions in a filled-in sheet. Every row with a decision is checked first
    (the suggestion still pending, the same document, offsets, code and text); any bad row
    stops the import with a line per bad row, and nothing is applied."""
    from qualcode.tablefile import read_table_file, table_rows

    path = Path(path)
    frame = read_table_file(path)
    missing = [c for c in ("id", "document", "start", "end", "code_id", "text", "decision")
               if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", path, 1)
    current = {s.id: s for s in pending(project)}
    texts = project.texts()
    decisions, problems = [], []
    for line, values in table_rows(frame):
        decision = str(values["decision"]).strip().lower()
        if not decision:
            continue
        status = DECISIONS.get(decision)
        try:
            ident = int(float(values["id"]))
        except ValueError:
            problems.append(InputError(f"id {values['id']!r} is not a number", path, line))
            continue
        suggestion = current.get(ident)
        offsets = _offsets(values, path, line)
        if isinstance(offsets, InputError):
            problems.append(offsets)
        elif status is None:
            problems.append(InputError(f"decision {decision!r}: write accept or reject",
                                       path, line))
        elif suggestion is None:
            problems.append(InputError(f"suggestion {ident} is no longer pending (decided, "
                                       "replaced by a new suggest run, or deleted)", path, line))
        elif (values["document"], str(values["code_id"])) != (suggestion.document,
                                                               suggestion.code_id) or \
                offsets != (suggestion.start, suggestion.end):
            problems.append(InputError(f"suggestion {ident} does not match the project any "
                                       "more (document, offsets or code changed)", path, line))
        elif " ".join(str(values["text"]).split()) != " ".join(
                texts[suggestion.document][suggestion.start:suggestion.end].split()):
            problems.append(InputError(f"the text of suggestion {ident} was changed in the "
                                       "sheet or the document", path, line))
        else:
            decisions.append((ident, status))
    if problems:
        raise InputError.many(problems)
    with project.transaction():
        for ident, status in decisions:
            project.set_status(ident, status, reviewer)
    return {"accepted": sum(s == "accepted" for _, s in decisions),
            "rejected": sum(s == "rejected" for _, s in decisions)}
