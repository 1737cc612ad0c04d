"""A person's edits made one at a time (the coding workspace): a coding by id, recoding or
removing it, merging codes, and the counts the code tree shows."""

from __future__ import annotations

from qualcode.model import Coding
from qualcode.store.codings import COUNTED_CODING as _COUNTED
from qualcode.store.codings import CodingsMixin


class EditsMixin(CodingsMixin):
    """Single-coding reads and writes, each its own small statement."""

    def coding(self, coding_id: int) -> Coding | None:
        """One stored coding by its id, or None."""
        found = self.codings(coding_ids=[coding_id])
        return found[0] if found else None

    def delete_coding(self, coding_id: int) -> int:
        """Delete one coding (inside the caller's transaction); how many rows went."""
        return self._delete_codings("id = ?", (coding_id,))

    def set_coding_code(self, coding_id: int, code_id: str) -> int:
        """Give one coding another code (inside the caller's transaction)."""
        return self.db.execute("UPDATE coding_rows SET code_id = ? WHERE id = ?",
                               (code_id, coding_id)).rowcount

    def add_coding(self, coding: Coding) -> int:
        """Insert one coding (inside the caller's transaction) and return its new id."""
        self.add_codings([coding])
        return self.db.execute("SELECT last_insert_rowid()").fetchone()[0]

    def move_code_references(self, source: str, target: str) -> int:
        """Recode every coding and memo of ``source`` as ``target`` (caller's transaction);
        returns how many codings moved."""
        moved = self.db.execute("UPDATE coding_rows SET code_id = ? WHERE code_id = ?",
                                (target, source)).rowcount
        self.db.execute("UPDATE memos SET code_id = ? WHERE code_id = ?", (target, source))
        self.db.execute("DELETE FROM codes WHERE id = ?", (source,))
        return moved

    def code_document_counts(self) -> list[tuple[str, str, int]]:
        """(code id, document id, codings that count) for every pair that has any."""
        return self.db.execute(
            f"SELECT code_id, document_id, count(*) FROM codings WHERE {_COUNTED}"
            " GROUP BY code_id, document_id").fetchall()

    def code_counts(self) -> dict[str, tuple[int, int]]:
        """Per code id: (codings that count, documents they are in), the code alone."""
        rows = self.db.execute(
            f"SELECT code_id, count(*), count(DISTINCT document_id) FROM codings WHERE {_COUNTED}"
            " GROUP BY code_id")
        return {code: (n, docs) for code, n, docs in rows}

    def pending_count(self) -> int:
        """How many suggestions wait for a person's decision."""
        return self.db.execute(
            "SELECT count(*) FROM codings WHERE status = 'suggested'").fetchone()[0]

    def document_counts(self) -> dict[str, dict[str, int]]:
        """Per document: turns, codings that count, and memos (for the documents list)."""
        result: dict[str, dict[str, int]] = {}
        for doc, turns in self.db.execute(
                "SELECT document_id, count(*) FROM segments WHERE kind = 'turn'"
                " GROUP BY document_id"):
            result.setdefault(doc, {})["turns"] = turns
        for doc, n in self.db.execute(
                f"SELECT document_id, count(*) FROM codings WHERE {_COUNTED}"
                " GROUP BY document_id"):
            result.setdefault(doc, {})["codings"] = n
        for doc, n in self.db.execute(
                "SELECT document_id, count(*) FROM memos WHERE document_id IS NOT NULL"
                " GROUP BY document_id"):
            result.setdefault(doc, {})["memos"] = n
        return result

    def document_text(self, document_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM documents WHERE id = ?",
                              (document_id,)).fetchone()
        return row[0] if row else None
