"""What every part of the Project class shares: the path, the connection, the transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StoreBase:
    """The open connection the Project's parts (documents, codings, runs) work through."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection
        self._derived_paragraphs: str | None = None  # SQL, once the schema is known

    def has_table(self, name: str) -> bool:
        """Whether the file has this table. An older project read where it cannot be upgraded
        (a read-only folder) lacks the tables of later migrations; reading them gives nothing
        rather than failing."""
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (name,)).fetchone() is not None

    def release_memory(self, cache_kib: int = 2048) -> None:
        """Give back the page cache that big writes filled (64 MB by the end of ingesting and
        coding a large corpus) and keep it at ``cache_kib`` from here on: what a batch job
        does when it turns from writing to reading, so that its memory does not grow with
        the file."""
        self.db.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        self.db.execute("PRAGMA shrink_memory")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so writers queue, not fail.

        A full disk, a file-size limit or a read-only file becomes one ProjectError line;
        SQLite rolls the whole transaction back, so the project is as it was.
        """
        from qualcode.store.schema import storage_error

        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise storage_error(exc, self.path) or exc from None
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                error = storage_error(exc, self.path)
                if error is not None:
                    raise error from None
            raise
