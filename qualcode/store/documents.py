"""Documents (their text, source and fingerprint) and their case attributes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from qualcode.errors import ProjectError
from qualcode.model import Document
from qualcode.store.codings import CodingsMixin
from qualcode.store.segments import SegmentsMixin
from qualcode.text import count_words
from qualcode.timeutil import now


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


def paragraphs_are_turns(document: Document) -> bool:
    """Whether the document's paragraphs are its turns again (one per turn, the same spans),
    as in most transcripts: then only the turns are stored and the paragraphs derived."""
    turns, paragraphs = document.turns, document.paragraphs
    return len(turns) == len(paragraphs) and all(
        (t.start, t.end) == (p.start, p.end) for t, p in zip(turns, paragraphs, strict=True))


class DocumentsMixin(SegmentsMixin, CodingsMixin):
    """The Project's documents: storing and reading them, case attributes, summaries."""

    def document_ids(self) -> dict[str, str]:
        """Every document id with its source file name, in id order."""
        rows = self.db.execute("SELECT id, source_name FROM documents ORDER BY id")
        return dict(rows.fetchall())

    def document_fingerprint(self, document_id: str) -> tuple[str, dict] | None:
        """(sha256 of the source, metadata) of a stored document, or None."""
        row = self.db.execute("SELECT sha256, metadata FROM documents WHERE id = ?",
                              (document_id,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

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
        same = paragraphs_are_turns(document)
        row = (
            document.source_name, document.source_path, document.format, document.sha256,
            document.text, count_words(document.text) if document.words is None else document.words,
            json.dumps(document.metadata), now(), int(same),
        )
        if previous is None:
            db.execute(
                "INSERT INTO documents (source_name, source_path, format, sha256, text, words,"
                " metadata, ingested_at, paragraphs_are_turns, id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            self._delete_codings("document_id = ?", (document.id,))
            db.execute(
                "UPDATE documents SET source_name = ?, source_path = ?, format = ?, sha256 = ?,"
                " text = ?, words = ?, metadata = ?, ingested_at = ?, paragraphs_are_turns = ?,"
                " has_sentences = 0 WHERE id = ?",
                (*row, document.id),
            )
            status = "updated"
        self._insert_segments(document.turns if same else document.turns + document.paragraphs)
        if document.attributes:
            self.set_attributes(document.id, document.attributes)
        return status

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
        summaries = []
        for doc_id, name, fmt, words in rows:
            interviewer_turns, participant_turns, participant_words = turns.get(doc_id, [0, 0, 0])
            summaries.append(DocumentSummary(
                doc_id, name, fmt, speakers.get(doc_id, []), interviewer_turns,
                participant_turns, participant_words, words))
        return summaries

    def texts(self, ids: Iterable[str] | None = None) -> dict[str, str]:
        """The text of every (given) document, by id, in id order."""
        if ids is None:
            return dict(self.db.execute("SELECT id, text FROM documents ORDER BY id"))
        return dict(self.db.execute(
            "SELECT id, text FROM documents WHERE id IN (SELECT value FROM json_each(?))"
            " ORDER BY id", (json.dumps(list(ids)),)))

    def text_lengths(self) -> dict[str, int]:
        """The length of every document's text (in code points), by id, in id order."""
        return dict(self.db.execute("SELECT id, length(text) FROM documents ORDER BY id"))
