"""The project's pseudonym map and its settings (one key, one JSON value each)."""

from __future__ import annotations

import json

from qualcode.store.base import StoreBase


class PseudonymsMixin(StoreBase):
    """Storing the pseudonym map as the researcher last applied it."""

    def set_pseudonyms(self, rows: list[tuple[str, list[str], str, str]]) -> None:
        """Replace the stored map with (real, variants, replacement, category) rows, in the
        caller's transaction."""
        self.db.execute("DELETE FROM pseudonyms")
        self.db.executemany(
            "INSERT INTO pseudonyms (position, real, variants, replacement, category)"
            " VALUES (?, ?, ?, ?, ?)",
            ((i, real, json.dumps(variants, ensure_ascii=False), replacement, category)
             for i, (real, variants, replacement, category) in enumerate(rows)))

    def pseudonyms(self) -> list[tuple[str, list[str], str, str]]:
        """The stored map, in order: (real, variants, replacement, category)."""
        rows = self.db.execute(
            "SELECT real, variants, replacement, category FROM pseudonyms ORDER BY position")
        return [(real, json.loads(variants), replacement, category)
                for real, variants, replacement, category in rows]

    def setting(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value) -> None:
        """Set one setting (in the caller's transaction)."""
        self.db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key)"
                        " DO UPDATE SET value = excluded.value", (key, json.dumps(value)))
