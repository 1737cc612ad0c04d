"""The project's pseudonym map and its settings (one key, one JSON value each)."""

from __future__ import annotations

import hashlib
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
        if not self.has_table("pseudonyms"):
            return []
        rows = self.db.execute(
            "SELECT real, variants, replacement, category FROM pseudonyms ORDER BY position")
        return [(real, json.loads(variants), replacement, category)
                for real, variants, replacement, category in rows]

    def setting(self, key: str, default=None):
        if not self.has_table("settings"):
            return default
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value) -> None:
        """Set one setting (in the caller's transaction)."""
        self.db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key)"
                        " DO UPDATE SET value = excluded.value", (key, json.dumps(value)))


class SharingMixin(PseudonymsMixin):
    """Turning a copy of a project into one that can be shared: everything the map names is
    replaced and every offset moved, in one transaction."""

    def pseudonymise_copy(self, pseudonymiser) -> dict[str, int]:
        """Rewrite THIS project (a copy made for sharing, never the original) with a
        pseudonymiser (``.rewrite(text)`` with offset maps, and ``(text)`` for names): texts,
        segments, codings and their matched terms, memos, speakers, document ids and file
        names, case attribute values and the codebook's texts; the map itself, the settings and
        the log of runs (file paths) are removed. Returns counts of what changed."""
        db = self.db
        counts = {"documents": 0, "replacements": 0}
        p = pseudonymiser
        db.execute("PRAGMA foreign_keys = OFF")  # document ids change in every table at once
        try:
            with self.transaction():
                rows = db.execute("SELECT id, text, source_name, metadata FROM documents")
                for doc_id, text, source_name, metadata in rows.fetchall():
                    new = p.rewrite(text)
                    new_id = p(doc_id) or doc_id
                    counts["documents"] += 1
                    counts["replacements"] += new.replacements
                    self._move_offsets(doc_id, new, p)
                    name = p(source_name) or source_name
                    db.execute(
                        "UPDATE documents SET id = ?, text = ?, source_name = ?, source_path = ?,"
                        " metadata = ?, sha256 = ? WHERE id = ?",
                        (new_id, new.text, name, name, p(metadata) or metadata,
                         hashlib.sha256(new.text.encode("utf-8")).hexdigest(), doc_id))
                    for table in ("segments", "attributes", "coding_rows", "memos"):
                        db.execute(f"UPDATE {table} SET document_id = ? WHERE document_id = ?",
                                   (new_id, doc_id))
                    db.execute("UPDATE exchange_guids SET key = ? WHERE kind = 'case'"
                               " AND key = ?", (new_id, doc_id))
                for table, column in (("segments", "speaker"), ("attributes", "value"),
                                      ("memos", "text"), ("coding_rows", "rule"),
                                      ("codes", "name"), ("codes", "description"),
                                      ("codes", "definition")):
                    for rowid, value in db.execute(
                            f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL"
                    ).fetchall():
                        changed = p(value)
                        if changed != value:
                            db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                                       (changed, rowid))
                for table in ("pseudonyms", "settings", "runs"):
                    db.execute(f"DELETE FROM {table}")
        finally:
            db.execute("PRAGMA foreign_keys = ON")
        db.execute("VACUUM")  # no deleted page keeps the old text
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return counts

    def copy_to(self, path) -> None:
        """A consistent copy of the whole project file at ``path`` (SQLite's backup), even
        while others write to it."""
        import sqlite3

        target = sqlite3.connect(path)
        try:
            self.db.backup(target)
        finally:
            target.close()

    def all_texts(self) -> list[str]:
        """Every stored text a person could read: documents, speakers, attribute values,
        memos, rules and the codebook (to prove a shared copy holds no name)."""
        texts: list[str] = []
        for query in ("SELECT text FROM documents", "SELECT id FROM documents",
                      "SELECT source_name FROM documents", "SELECT metadata FROM documents",
                      "SELECT speaker FROM segments WHERE speaker IS NOT NULL",
                      "SELECT value FROM attributes", "SELECT text FROM memos",
                      "SELECT rule FROM codings WHERE rule IS NOT NULL",
                      "SELECT matched FROM codings", "SELECT definition FROM codes",
                      "SELECT name FROM codes"):
            texts.extend(row[0] for row in self.db.execute(query))
        return texts

    def _move_offsets(self, doc_id: str, new, p) -> None:
        """Map a document's stored offsets through its rewrite, and the rules named beside
        matched terms through ``p`` (inside the transaction)."""
        import json

        db = self.db
        for table in ("segments", "coding_rows", "memos"):
            rows = db.execute(f"SELECT rowid, char_start, char_end FROM {table}"
                              " WHERE document_id = ? AND char_start IS NOT NULL", (doc_id,))
            db.executemany(f"UPDATE {table} SET char_start = ?, char_end = ? WHERE rowid = ?",
                           [(new.start(s), new.end(e), rowid) for rowid, s, e in rows.fetchall()])
        rows = db.execute("SELECT id, matched FROM codings WHERE document_id = ?", (doc_id,))
        updates = []
        for coding_id, matched in rows.fetchall():
            spans = json.loads(matched)
            if spans:
                updates.append((json.dumps(
                    [[new.start(s), new.end(e), *(p(x) if isinstance(x, str) else x
                                                  for x in rest)] for s, e, *rest in spans],
                    ensure_ascii=False), coding_id))
        db.executemany("UPDATE coding_rows SET matched = ? WHERE id = ?", updates)
