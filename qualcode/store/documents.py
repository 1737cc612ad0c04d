"""Documents, their segments (turns, sentences, paragraphs) and case attributes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from qualcode.errors import ProjectError
from qualcode.model import SEGMENT_KINDS, Document, Segment
from qualcode.store.base import StoreBase
from qualcode.store.codings import PERSON_CODING
from qualcode.text import count_words
from qualcode.timeutil import now


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


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """One row of ``qualcode docs``: a document's speakers, turns and words."""

    id: str
    source_name: str
    format: str
    speakers: list[tuple[str, bool]]
    interviewer_turns: int
    participant_turns: int
    participant_words: int
    words: int


class DocumentsMixin(StoreBase):
    """The Project's documents: storing, reading, segments, attributes, summaries."""

    def document_ids(self) -> dict[str, str]:
        """Every document id with its source file name, in id order."""
        rows = self.db.execute("SELECT id, source_name FROM documents ORDER BY id")
        return dict(rows.fetchall())

    def document_fingerprint(self, document_id: str) -> tuple[str, dict] | None:
        """(sha256 of the source, metadata) of a stored document, or None."""
        row = self.db.execute("SELECT sha256, metadata FROM documents WHERE id = ?",
                              (document_id,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def person_codings(self, document_id: str) -> int:
        """How many codings of this document a person made (manual, imported or accepted)."""
        query = f"SELECT count(*) FROM codings WHERE document_id = ? AND {PERSON_CODING}"
        return self.db.execute(query, (document_id,)).fetchone()[0]

    def put_document(self, document: Document) -> str:
        """Store a document inside the caller's transaction: ``new``, ``updated`` or ``unchanged``.

        A changed document replaces the old version and drops its machine codings (their
        offsets no longer hold); one with a person's codings is refused.
        """
        db = self.db
        stored = self.document_fingerprint(document.id)
        previous = stored[0] if stored else None
        if stored is not None and stored == (document.sha256, document.metadata):
            return "unchanged"
        row = (
            document.source_name, document.source_path, document.format, document.sha256,
            document.text, count_words(document.text), json.dumps(document.metadata), now(),
        )
        if previous is None:
            db.execute(
                "INSERT INTO documents (source_name, source_path, format, sha256, text, words,"
                " metadata, ingested_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, document.id),
            )
            status = "new"
        else:
            kept = self.person_codings(document.id)
            if kept:
                raise ProjectError(
                    f"changed since it was ingested as {document.id!r}, which has {kept} "
                    "coding(s) made by a person; rename the file to ingest it as a new document",
                    document.source_path,
                )
            db.execute("DELETE FROM segments WHERE document_id = ?", (document.id,))
            db.execute("DELETE FROM codings WHERE document_id = ?", (document.id,))
            db.execute(
                "UPDATE documents SET source_name = ?, source_path = ?, format = ?, sha256 = ?,"
                " text = ?, words = ?, metadata = ?, ingested_at = ?, has_sentences = 0"
                " WHERE id = ?",
                (*row, document.id),
            )
            status = "updated"
        self._insert_segments(document.turns + document.paragraphs)
        if document.attributes:
            self.set_attributes(document.id, document.attributes)
        return status

    def _insert_segments(self, segments: Iterable[Segment]) -> None:
        self.db.executemany(
            "INSERT INTO segments (document_id, kind, position, char_start, char_end, speaker,"
            " is_interviewer, time_start, time_end, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (s.document_id, s.kind, s.position, s.start, s.end, s.speaker,
                 int(s.is_interviewer), s.time_start, s.time_end, count_words(s.text))
                for s in segments
            ),
        )

    def set_attributes(self, document_id: str, values: dict[str, str]) -> None:
        """Set case attributes of one document (inside the caller's transaction)."""
        self.db.executemany(
            "INSERT INTO attributes (document_id, name, value) VALUES (?, ?, ?)"
            " ON CONFLICT (document_id, name) DO UPDATE SET value = excluded.value",
            ((document_id, name, value) for name, value in values.items()),
        )

    def attributes(self) -> dict[str, dict[str, str]]:
        """Case attributes by document id."""
        result: dict[str, dict[str, str]] = {}
        query = "SELECT document_id, name, value FROM attributes ORDER BY document_id, name"
        for doc_id, name, value in self.db.execute(query):
            result.setdefault(doc_id, {})[name] = value
        return result

    def documents(self, ids: Iterable[str] | None = None) -> list[Document]:
        """Documents with their text, turns, paragraphs and attributes, in id order."""
        wanted = list(ids) if ids is not None else list(self.document_ids())
        attributes = self.attributes()
        result = []
        for doc_id in wanted:
            row = self.db.execute(
                "SELECT id, text, source_name, source_path, format, sha256, metadata"
                " FROM documents WHERE id = ?", (doc_id,),
            ).fetchone()
            if row is None:
                raise ProjectError(f"no document {doc_id!r} in this project", self.path)
            doc = Document(
                id=row[0], text=row[1], source_name=row[2], source_path=row[3], format=row[4],
                sha256=row[5], metadata=json.loads(row[6]),
                attributes=attributes.get(doc_id, {}),
            )
            doc.turns = self._segments_of(doc, "turn")
            doc.paragraphs = self._segments_of(doc, "paragraph")
            result.append(doc)
        return result

    def _segments_of(self, document: Document, kind: str) -> list[Segment]:
        rows = self.db.execute(
            "SELECT position, char_start, char_end, speaker, is_interviewer, time_start, time_end"
            " FROM segments WHERE document_id = ? AND kind = ? ORDER BY position",
            (document.id, kind),
        )
        text = document.text
        return [
            Segment(document.id, kind, pos, start, end, text[start:end], speaker, bool(iv), t0, t1)
            for pos, start, end, speaker, iv, t0, t1 in rows
        ]

    def segments(
        self, kind: str, document_ids: Iterable[str] | None = None,
        participants_only: bool = False,
    ) -> list[Segment]:
        """Segments of one kind across documents (only participants' if asked), in document
        order; sentences are made and stored on first use."""
        if kind not in SEGMENT_KINDS:
            raise ValueError(f"unknown segment kind {kind!r}")
        wanted = json.dumps(list(document_ids)) if document_ids is not None else None
        only = " AND document_id IN (SELECT value FROM json_each(?))" if wanted else ""
        if kind == "sentence":
            self._ensure_sentences(wanted)
        texts = dict(self.db.execute(
            "SELECT id, text FROM documents"
            + (" WHERE id IN (SELECT value FROM json_each(?))" if wanted else ""),
            (wanted,) if wanted else ()))
        rows = self.db.execute(
            "SELECT document_id, position, char_start, char_end, speaker, is_interviewer,"
            " time_start, time_end FROM segments WHERE kind = ?" + only
            + (" AND is_interviewer = 0" if participants_only else "")
            + " ORDER BY document_id, position", (kind, wanted) if wanted else (kind,),
        )
        return [
            Segment(doc_id, kind, pos, start, end, texts[doc_id][start:end], speaker, bool(iv),
                    t0, t1)
            for doc_id, pos, start, end, speaker, iv, t0, t1 in rows
        ]

    def segment_words(self, kind: str, participants_only: bool) -> int:
        """Words in all segments of one kind (participants' only, if asked)."""
        query = "SELECT coalesce(sum(words), 0) FROM segments WHERE kind = ?"
        if participants_only:
            query += " AND is_interviewer = 0"
        return self.db.execute(query, (kind,)).fetchone()[0]

    def _ensure_sentences(self, wanted_json: str | None) -> None:
        """Make and store the sentences of the (wanted) documents that have none yet."""
        from qualcode.segment import sentences

        query = "SELECT id FROM documents WHERE has_sentences = 0"
        if wanted_json:
            query += " AND id IN (SELECT value FROM json_each(?))"
        todo = [row[0] for row in self.db.execute(query, (wanted_json,) if wanted_json else ())]
        if not todo:
            return
        made = [(d.id, sentences(d)) for d in self.documents(todo)]
        with self.transaction():
            for doc_id, segs in made:
                self.db.execute(
                    "DELETE FROM segments WHERE document_id = ? AND kind = 'sentence'", (doc_id,)
                )
                self._insert_segments(segs)
                self.db.execute("UPDATE documents SET has_sentences = 1 WHERE id = ?", (doc_id,))

    def summaries(self) -> list[DocumentSummary]:
        """Per document: speakers (with whether they interview), turns and words."""
        speakers: dict[str, list[tuple[str, bool]]] = {}
        turns: dict[str, list[int]] = {}
        for doc_id, speaker, interviewer, n, words in self.db.execute(
            "SELECT document_id, speaker, is_interviewer, count(*), sum(words) FROM segments"
            " WHERE kind = 'turn' GROUP BY document_id, speaker, is_interviewer"
            " ORDER BY document_id, min(position)"
        ):
            if speaker is not None:
                speakers.setdefault(doc_id, []).append((speaker, bool(interviewer)))
            counts = turns.setdefault(doc_id, [0, 0, 0])
            if interviewer:
                counts[0] += n
            else:
                counts[1] += n
                counts[2] += words
        rows = self.db.execute("SELECT id, source_name, format, words FROM documents ORDER BY id")
        return [
            DocumentSummary(doc_id, name, fmt, speakers.get(doc_id, []),
                            *turns.get(doc_id, [0, 0, 0]), words)
            for doc_id, name, fmt, words in rows
        ]

    def turn_lookup(self, column: str) -> TurnLookup:
        """Speaker (``"speaker"``) or start time (``"time_start"``) of the turn at a position."""
        if column not in ("speaker", "time_start"):
            raise ValueError(f"no turn lookup for {column!r}")
        return TurnLookup(self.db.execute(
            f"SELECT document_id, char_start, {column} FROM segments WHERE kind = 'turn'"
            " ORDER BY document_id, char_start"))
