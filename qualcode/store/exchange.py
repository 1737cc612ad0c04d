"""What REFI-QDA exchange (QDPX import and export) reads from a project beyond the usual.

A source keeps the GUID it had in the tool it came from (in the document's metadata), and codes,
coders and cases keep theirs (in ``exchange_guids``), so that a re-import recognises them and an
export gives them back: NVivo -> qualcode -> NVivo merges instead of duplicating.
"""

from __future__ import annotations

from collections.abc import Iterable

from qualcode.store.base import StoreBase


class ExchangeMixin(StoreBase):
    """The Project's look-ups for QDPX import and export."""

    def source_guids(self) -> dict[str, str | None]:
        """The source GUID each document was imported with (None if it was not), by id."""
        return dict(self.db.execute(
            "SELECT id, json_extract(metadata, '$.source_guid') FROM documents ORDER BY id"))

    def coding_keys(self, document_ids: Iterable[str]) -> set[tuple[str, int, int, str, str]]:
        """(document, start, end, code, coder) of every coding of these documents: what an
        import checks so that importing a file twice adds nothing."""
        keys: set[tuple[str, int, int, str, str]] = set()
        for doc_id in sorted(set(document_ids)):
            keys.update(self.db.execute(
                "SELECT document_id, char_start, char_end, code_id, coder FROM codings"
                " WHERE document_id = ?", (doc_id,)))
        return keys

    def coding_ids(self, document_ids: Iterable[str]
                   ) -> dict[tuple[str, int, int, str, str], int]:
        """The id of each coding of these documents by (document, start, end, code, coder):
        what an imported memo on a passage links to."""
        ids: dict[tuple[str, int, int, str, str], int] = {}
        for doc_id in sorted(set(document_ids)):
            for *key, coding_id in self.db.execute(
                    "SELECT document_id, char_start, char_end, code_id, coder, id FROM codings"
                    " WHERE document_id = ? ORDER BY id", (doc_id,)):
                ids.setdefault(tuple(key), coding_id)
        return ids

    def keep_guids(self, kind: str, guids: dict[str, str]) -> None:
        """Remember the GUID a code id, coder or case (by document id) had in the project it
        was imported from (inside the caller's transaction; the latest import wins)."""
        self.db.executemany(
            "INSERT INTO exchange_guids (kind, key, guid) VALUES (?, ?, ?)"
            " ON CONFLICT (kind, key) DO UPDATE SET guid = excluded.guid",
            ((kind, key, guid) for key, guid in sorted(guids.items())))

    def kept_guids(self, kind: str) -> dict[str, str]:
        """The GUIDs kept for codes (``"code"``), coders (``"user"``) or cases (``"case"``)."""
        if not self.has_table("exchange_guids"):
            return {}
        return dict(self.db.execute(
            "SELECT key, guid FROM exchange_guids WHERE kind = ? ORDER BY key", (kind,)))
