"""Memos: a researcher's notes on a document, a code or a coded passage, with author and time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qualcode.store.base import StoreBase
from qualcode.timeutil import now

MEMO_TARGETS = ("document", "code", "coding")
_COLUMNS = ("id, target, document_id, code_id, coding_id, char_start, char_end, author, text,"
            " created_at, updated_at")


@dataclass(frozen=True, slots=True)
class Memo:
    """One memo; ``start``/``end`` (code points) are the passage of a memo on a coding."""

    id: int
    target: str
    document_id: str | None
    code_id: str | None
    coding_id: int | None
    start: int | None
    end: int | None
    author: str
    text: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class MemoDraft:
    """A memo brought from elsewhere (a QDPX Note), with the time it was written there
    (``created_at``; None: now)."""

    target: str
    author: str
    text: str
    document_id: str | None = None
    code_id: str | None = None
    coding_id: int | None = None
    start: int | None = None
    end: int | None = None
    created_at: str | None = None

    def key(self) -> tuple:
        """What makes two memos the same memo: what it is on, who wrote it and what."""
        return (self.target, self.document_id, self.code_id, self.start, self.end, self.author,
                self.text)


class MemosMixin(StoreBase):
    """Storing, listing and searching memos."""

    def add_memo(self, target: str, author: str, text: str, *, document_id: str | None = None,
                 code_id: str | None = None, coding_id: int | None = None,
                 start: int | None = None, end: int | None = None) -> Memo:
        """Store a memo in its own transaction and return it."""
        stamp = now()
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO memos (target, document_id, code_id, coding_id, char_start,"
                " char_end, author, text, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (target, document_id, code_id, coding_id, start, end, author, text, stamp, stamp))
        memo = self.memo(int(cursor.lastrowid or 0))
        assert memo is not None
        return memo

    def memo_keys(self) -> set[tuple]:
        """:meth:`MemoDraft.key` of every memo: what an import checks so that importing the
        same file twice adds no memo."""
        return set(self.db.execute(
            "SELECT target, document_id, code_id, char_start, char_end, author, text"
            " FROM memos"))

    def put_memos(self, drafts: Iterable[MemoDraft]) -> int:
        """Insert memos with their own creation time (inside the caller's transaction);
        returns how many."""
        stamp = now()
        cursor = self.db.executemany(
            "INSERT INTO memos (target, document_id, code_id, coding_id, char_start,"
            " char_end, author, text, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((d.target, d.document_id, d.code_id, d.coding_id, d.start, d.end, d.author,
              d.text, d.created_at or stamp, d.created_at or stamp) for d in drafts))
        return cursor.rowcount

    def memo(self, memo_id: int) -> Memo | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM memos WHERE id = ?", (memo_id,)).fetchone()
        return Memo(*row) if row else None

    def memos(self, *, document_id: str | None = None, code_id: str | None = None,
              containing: str | None = None) -> list[Memo]:
        """Memos, oldest first: all, or of one document / one code, or containing some text
        (case-insensitive, in the memo or its author)."""
        if not self.has_table("memos"):
            return []
        clauses, args = [], []
        if document_id is not None:
            clauses.append("document_id = ?")
            args.append(document_id)
        if code_id is not None:
            clauses.append("code_id = ?")
            args.append(code_id)
        if containing:
            clauses.append("(instr(lower(text), lower(?)) OR instr(lower(author), lower(?)))")
            args.extend([containing, containing])
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM memos{where} ORDER BY created_at, id",
                               args)
        return [Memo(*row) for row in rows]

    def update_memo(self, memo_id: int, text: str) -> bool:
        """Change a memo's text; False if there is no such memo."""
        with self.transaction():
            cursor = self.db.execute("UPDATE memos SET text = ?, updated_at = ? WHERE id = ?",
                                     (text, now(), memo_id))
        return bool(cursor.rowcount)

    def delete_memo(self, memo_id: int) -> bool:
        with self.transaction():
            cursor = self.db.execute("DELETE FROM memos WHERE id = ?", (memo_id,))
        return bool(cursor.rowcount)
