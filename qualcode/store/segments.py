"""Segments of documents (turns, sentences, paragraphs) and which turn a position is in."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from qualcode.errors import ProjectError
from qualcode.model import SEGMENT_KINDS, Document, Segment
from qualcode.store.base import StoreBase
from qualcode.text import count_words


class TurnLookup:
    """Which turn a position falls in, per document: its speaker or its time.

    Codings of any unit (a sentence, a span a person marked) are attributed to the speaker and
    timestamp of the turn they start in.
    """

    def __init__(self, rows) -> None:
        self._turns: dict[str, tuple[list[int], list]] = {}
        for doc, start, value in rows:
            starts, values = self._turns.setdefault(doc, ([], []))
            starts.append(start)
            values.append(value)

    def at(self, document_id: str, position: int):
        """The value for the turn containing ``position`` (None before the first turn)."""
        import bisect

        starts, values = self._turns.get(document_id, ([], []))
        index = bisect.bisect_right(starts, position) - 1
        return values[index] if index >= 0 else None


class SegmentsMixin(StoreBase):
    """The Project's segments: stored at ingest (turns, paragraphs) or later (sentences)."""

    def _insert_segments(self, segments: Iterable[Segment]) -> None:
        self.db.executemany(
            "INSERT INTO segments (document_id, kind, position, char_start, char_end, speaker,"
            " is_interviewer, time_start, time_end, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (s.document_id, s.kind, s.position, s.start, s.end, s.speaker,
                 int(s.is_interviewer), s.time_start, s.time_end,
                 count_words(s.text) if s.words is None else s.words)
                for s in segments
            ),
        )

    def _paragraphs_are_turns(self) -> str:
        """SQL: the ids of documents whose paragraphs are their turns (not stored); none in a
        project older than schema 5 read where it cannot be upgraded."""
        if self._derived_paragraphs is None:
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(documents)")}
            self._derived_paragraphs = (
                "SELECT id FROM documents WHERE paragraphs_are_turns = 1"
                if "paragraphs_are_turns" in columns else "SELECT NULL WHERE 0")
        return self._derived_paragraphs

    def _kind_clause(self, kind: str) -> str:
        """SQL selecting the stored rows of one kind of segment; paragraphs include the turns
        of documents whose paragraphs are their turns (one stored row serves both)."""
        if kind != "paragraph":
            return "kind = ?"
        return (f"(kind = ? OR (kind = 'turn' AND document_id IN "
                f"({self._paragraphs_are_turns()})))")

    def _segments_of(self, document: Document, kind: str) -> list[Segment]:
        rows = self.db.execute(
            "SELECT position, char_start, char_end, speaker, is_interviewer, time_start, time_end,"
            f" words FROM segments WHERE document_id = ? AND {self._kind_clause(kind)}"
            " ORDER BY position",
            (document.id, kind),
        )
        text = document.text
        return [
            Segment(document.id, kind, pos, start, end, text[start:end], speaker, bool(iv), t0, t1,
                    words)
            for pos, start, end, speaker, iv, t0, t1, words in rows
        ]

    def segments(
        self, kind: str, document_ids: Iterable[str] | None = None,
        participants_only: bool = False,
    ) -> list[Segment]:
        """Segments of one kind across documents (only participants' if asked), in document
        order. Sentences must have been made first (``qualcode.segment.ensure_sentences``):
        the store records them, it does not run the language pipeline."""
        texts, rows = self._segment_rows(
            kind, "position, char_start, char_end, speaker, is_interviewer, time_start,"
            " time_end, words", document_ids, participants_only)
        return [
            Segment(doc_id, kind, pos, start, end, texts[doc_id][start:end], speaker, bool(iv),
                    t0, t1, words)
            for doc_id, pos, start, end, speaker, iv, t0, t1, words in rows
        ]

    def segment_texts(
        self, kind: str, document_ids: Iterable[str] | None = None,
        participants_only: bool = False,
    ) -> list[tuple[str, int, int, str]]:
        """(document, start, end, text) of the segments ``segments`` gives, in the same order:
        all that coding reads, without a Segment object per unit (a big run codes hundreds
        of thousands)."""
        texts, rows = self._segment_rows(kind, "char_start, char_end", document_ids,
                                         participants_only)
        return [(doc_id, start, end, texts[doc_id][start:end]) for doc_id, start, end in rows]

    def _segment_rows(self, kind: str, columns: str, document_ids: Iterable[str] | None,
                      participants_only: bool) -> tuple[dict[str, str], sqlite3.Cursor]:
        """The texts of the documents (each read once) and a cursor over (document_id,
        *columns) of their segments of one kind, in document order."""
        if kind not in SEGMENT_KINDS:
            raise ValueError(f"unknown segment kind {kind!r}")
        document_ids = list(document_ids) if document_ids is not None else None
        wanted = json.dumps(document_ids) if document_ids is not None else None
        only = " AND document_id IN (SELECT value FROM json_each(?))" if wanted else ""
        if kind == "sentence":
            missing = self.documents_without_sentences(document_ids)
            if missing:
                raise ProjectError(
                    f"the sentences of {len(missing)} document(s) are not made yet (call "
                    "qualcode.segment.ensure_sentences(project) first)", self.path)
        texts = dict(self.db.execute(
            "SELECT id, text FROM documents"
            + (" WHERE id IN (SELECT value FROM json_each(?))" if wanted else ""),
            (wanted,) if wanted else ()))
        rows = self.db.execute(
            f"SELECT document_id, {columns} FROM segments WHERE {self._kind_clause(kind)}"
            + only + (" AND is_interviewer = 0" if participants_only else "")
            + " ORDER BY document_id, position", (kind, wanted) if wanted else (kind,),
        )
        return texts, rows

    def segment_words(self, kind: str, participants_only: bool) -> int:
        """Words in all segments of one kind (participants' only, if asked)."""
        return self.segment_totals(kind, participants_only)[1]

    def segment_totals(self, kind: str, participants_only: bool) -> tuple[int, int]:
        """(segments, words) of one kind (participants' only, if asked), in one query."""
        query = (f"SELECT count(*), coalesce(sum(words), 0) FROM segments"
                 f" WHERE {self._kind_clause(kind)}")
        if participants_only:
            query += " AND is_interviewer = 0"
        count, words = self.db.execute(query, (kind,)).fetchone()
        return count, words

    def documents_without_sentences(self, document_ids: Iterable[str] | None = None
                                    ) -> list[str]:
        """Ids of the (given) documents whose sentences are not stored yet, in id order."""
        query = "SELECT id FROM documents WHERE has_sentences = 0"
        args: tuple = ()
        if document_ids is not None:
            query += " AND id IN (SELECT value FROM json_each(?))"
            args = (json.dumps(list(document_ids)),)
        return [row[0] for row in self.db.execute(query + " ORDER BY id", args)]

    def record_sentences(self, sentences: dict[str, list[Segment]]) -> None:
        """Store each document's sentences (made by ``qualcode.segment``), replacing any, in
        one transaction of its own."""
        with self.transaction():
            for doc_id, segs in sentences.items():
                self.db.execute(
                    "DELETE FROM segments WHERE document_id = ? AND kind = 'sentence'", (doc_id,)
                )
                self._insert_segments(segs)
                self.db.execute("UPDATE documents SET has_sentences = 1 WHERE id = ?", (doc_id,))

    def segment_span(self, document_id: str, kind: str, position: int) -> tuple[int, int] | None:
        """(start, end) of one stored segment, such as turn 12 of a document, or None."""
        row = self.db.execute(
            f"SELECT char_start, char_end FROM segments WHERE document_id = ? AND"
            f" {self._kind_clause(kind)} AND position = ?",
            (document_id, kind, position)).fetchone()
        return (row[0], row[1]) if row else None

    def turn_lookup(self, column: str, *more: str, document_id: str | None = None
                    ) -> TurnLookup:
        """Speaker (``"speaker"``), start time (``"time_start"``), whether the speaker
        interviews (``"is_interviewer"``), start, end or stored word count (``"char_start"``,
        ``"char_end"``, ``"words"``) of the turn at a position; with several columns, a tuple
        of them (one read of the turns for all). ``document_id``: one document's turns only
        (a big project's turns need not all be in memory at once)."""
        columns = (column, *more)
        for name in columns:
            if name not in ("speaker", "time_start", "is_interviewer", "char_start", "char_end",
                            "words"):
                raise ValueError(f"no turn lookup for {name!r}")
        one = " AND document_id = ?" if document_id is not None else ""
        rows = self.db.execute(
            f"SELECT document_id, char_start, {', '.join(columns)} FROM segments"
            f" WHERE kind = 'turn'{one} ORDER BY document_id, char_start",
            (document_id,) if one else ())
        if more:
            return TurnLookup((doc, start, tuple(values)) for doc, start, *values in rows)
        return TurnLookup(rows)
