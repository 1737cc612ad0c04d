"""Machine suggestions waiting for a person: replace, list, decide.

A suggestion is a coding of origin ``ml`` and status ``suggested``; a decision turns it into
``accepted`` (it counts) or ``rejected`` (it never counts, and is not suggested again).
"""

from __future__ import annotations

from collections.abc import Iterable

from qualcode.model import Coding
from qualcode.store.codings import CodingsMixin

PENDING = "origin = 'ml' AND status = 'suggested'"


class SuggestionsMixin(CodingsMixin):
    """The Project's pending suggestions and the decisions on them."""

    def replace_suggestions(self, codings: Iterable[Coding]) -> tuple[int, int]:
        """Drop every pending suggestion and store new ones (inside the caller's transaction);
        returns (removed, added). Decided suggestions are kept."""
        removed = self._delete_codings(PENDING)
        return removed, self.add_codings(codings)

    def pending_suggestions(self) -> list[Coding]:
        """Suggestions waiting for a decision, most confident first."""
        rows = self.db.execute(
            "SELECT id, document_id, char_start, char_end, code_id, coder, confidence, rule,"
            " model"
            f" FROM codings WHERE {PENDING}"
            " ORDER BY confidence DESC, document_id, char_start, code_id")
        return [Coding(doc, start, end, code, coder, origin="ml", status="suggested",
                       confidence=confidence, rule=rule, model=model, id=ident)
                for ident, doc, start, end, code, coder, confidence, rule, model in rows]

    def decide_suggestion(self, suggestion_id: int, status: str, coder: str) -> bool:
        """Set a pending suggestion's status and decider (inside the caller's transaction);
        False when no pending suggestion has this id."""
        return bool(self.db.execute(
            "UPDATE coding_rows SET status = ?, coder = ? WHERE id = ?"
            f" AND id IN (SELECT id FROM codings WHERE id = ? AND {PENDING})",
            (status, coder, suggestion_id, suggestion_id)).rowcount)

    def set_status(self, coding_id: int, status: str, coder: str) -> int:
        """Set a coding's status and coder (inside the caller's transaction); how many changed."""
        return self.db.execute("UPDATE coding_rows SET status = ?, coder = ? WHERE id = ?",
                               (status, coder, coding_id)).rowcount
