"""The project: one SQLite file holding documents, segments, attributes, codes and codings.

Opened in WAL mode with a busy timeout so that two processes can write to one project without
losing anything; every write is one ``BEGIN IMMEDIATE`` transaction. The schema is a list of
numbered migrations, recorded in the file, so an old project opens in a new qualcode.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from qualcode import __version__
from qualcode.errors import ProjectError
from qualcode.model import SEGMENT_KINDS, Codebook, Coding, Document, Segment
from qualcode.text import count_words

APPLICATION_ID = 0x51434F44  # "QCOD" in the SQLite header marks a qualcode project
BUSY_TIMEOUT_MS = 60_000
PERSON_CODING = "(origin IN ('manual', 'import') OR status = 'accepted')"

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        source_name TEXT NOT NULL,
        source_path TEXT NOT NULL,
        format TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        text TEXT NOT NULL,
        words INTEGER NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        has_sentences INTEGER NOT NULL DEFAULT 0,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('turn', 'sentence', 'paragraph')),
        position INTEGER NOT NULL,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        speaker TEXT,
        is_interviewer INTEGER NOT NULL DEFAULT 0,
        time_start REAL,
        time_end REAL,
        words INTEGER NOT NULL,
        UNIQUE (document_id, kind, position)
    );
    CREATE TABLE attributes (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (document_id, name)
    );
    CREATE TABLE codes (
        id TEXT PRIMARY KEY,
        parent_id TEXT,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        color TEXT,
        position INTEGER NOT NULL,
        definition TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE codings (
        id INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        code_id TEXT NOT NULL,
        coder TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('rule', 'manual', 'ml', 'import')),
        status TEXT NOT NULL CHECK (status IN ('applied', 'suggested', 'accepted', 'rejected')),
        rule TEXT,
        model TEXT,
        confidence REAL,
        codebook TEXT,
        codebook_path TEXT,
        codebook_hash TEXT,
        matched TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
    );
    CREATE INDEX codings_by_document ON codings (document_id, char_start);
    CREATE INDEX codings_by_code ON codings (code_id);
    CREATE INDEX codings_by_origin ON codings (origin, codebook);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        qualcode_version TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        parameters TEXT NOT NULL DEFAULT '{}',
        inputs TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE migrations (
        version INTEGER PRIMARY KEY,
        qualcode_version TEXT NOT NULL,
        applied_at TEXT NOT NULL
    );
    """,
]


def now() -> str:
    """UTC time as ISO 8601 to the second: how every stored time is written."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch to WAL, retrying: the switch needs a moment alone with a new file, and SQLite
    answers "locked" at once instead of waiting when another process creates it too."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


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


class Project:
    """An open qualcode project file.

    >>> with Project.open("sample.qc", create=True) as project:  # doctest: +SKIP
    ...     print(len(project.document_ids()))
    """

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, create: bool = False) -> Project:
        """Open a project, creating it when ``create`` and it does not exist yet."""
        path = Path(path)
        if path.is_dir():
            raise ProjectError("is a folder, not a project file", path)
        if not path.exists():
            if not create:
                raise ProjectError("no such project (run `qualcode ingest` to create it)", path)
            if not path.parent.exists():
                raise ProjectError("the folder for this project does not exist", path)
        elif path.stat().st_size:
            with path.open("rb") as handle:
                if handle.read(16) != b"SQLite format 3\x00":
                    raise ProjectError("not a qualcode project (not an SQLite file)", path)
        try:
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000,
                                         isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cls._check_is_project(path, connection)
            _use_wal(connection)
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA cache_size = -65536")  # 64 MB: big batches of codings
            connection.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"cannot open project: {exc}", path) from None
        project = cls(path, connection)
        try:
            project._migrate()
        except BaseException:
            connection.close()
            raise
        return project

    @staticmethod
    def _check_is_project(path: Path, db: sqlite3.Connection) -> None:
        """Refuse another program's database before touching it (even its journal mode)."""
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            db.close()
            raise ProjectError(f"not a qualcode project ({exc})", path) from None
        if app_id != APPLICATION_ID and (app_id != 0 or tables):
            db.close()
            raise ProjectError("not a qualcode project (an SQLite file of another program)", path)

    def _migrate(self) -> None:
        db = self.db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise ProjectError(
                f"made by a newer qualcode (schema {version}; this one knows {len(MIGRATIONS)})",
                self.path,
            )
        if version == len(MIGRATIONS):
            return
        with self.transaction():
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number in range(version + 1, len(MIGRATIONS) + 1):
                for statement in MIGRATIONS[number - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO migrations VALUES (?, ?, ?)", (number, __version__, now()))
                db.execute(f"PRAGMA user_version = {number}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so writers queue, not fail."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # -- documents ---------------------------------------------------------------------------
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

    # -- codings ----------------------------------------------------------------------------
    def add_codings(self, codings: Iterable[Coding]) -> int:
        """Insert codings (inside the caller's transaction); returns how many."""
        stamp = now()
        encoded: dict[str, str] = {}

        def matched_json(matched) -> str:
            # Rules repeat across thousands of codings: encode each once (same output as
            # json.dumps of the list, several times faster on a big run).
            parts = []
            for start, end, rule in matched:
                text = encoded.get(rule)
                if text is None:
                    text = encoded[rule] = json.dumps(rule, ensure_ascii=False)
                parts.append(f"[{int(start)}, {int(end)}, {text}]")
            return "[" + ", ".join(parts) + "]"

        cursor = self.db.executemany(
            "INSERT INTO codings (document_id, char_start, char_end, code_id, coder, origin,"
            " status, rule, model, confidence, codebook, codebook_path, codebook_hash, matched,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (c.document_id, c.start, c.end, c.code_id, c.coder, c.origin, c.status, c.rule,
                 c.model, c.confidence, c.codebook, c.codebook_path, c.codebook_hash,
                 matched_json(c.matched), c.created_at or stamp)
                for c in codings
            ),
        )
        return cursor.rowcount

    def codings(
        self, document_id: str | None = None, code_ids: Iterable[str] | None = None
    ) -> list[Coding]:
        """Stored codings, by document and position; optionally of one document or some codes."""
        clauses, args = [], []
        if document_id is not None:
            clauses.append("document_id = ?")
            args.append(document_id)
        if code_ids is not None:
            ids = list(code_ids)
            clauses.append(f"code_id IN ({', '.join('?' * len(ids))})")
            args.extend(ids)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.execute(
            "SELECT id, document_id, char_start, char_end, code_id, coder, origin, status, rule,"
            " model, confidence, codebook, codebook_path, codebook_hash, matched, created_at"
            f" FROM codings {where} ORDER BY document_id, char_start, char_end, code_id, id", args,
        )
        return [
            Coding(document_id=r[1], start=r[2], end=r[3], code_id=r[4], coder=r[5], origin=r[6],
                   status=r[7], rule=r[8], model=r[9], confidence=r[10], codebook=r[11],
                   codebook_path=r[12], codebook_hash=r[13],
                   matched=[tuple(m) for m in json.loads(r[14])], created_at=r[15], id=r[0])
            for r in rows
        ]

    def replace_rule_codings(self, codebook: Codebook, codings: Iterable[Coding]) -> int:
        """Swap this codebook's earlier rule codings for new ones (in the caller's transaction).

        Codings made by a person, by a model or by another codebook are left alone.
        """
        self.db.execute("DELETE FROM codings WHERE origin = 'rule' AND codebook = ?",
                        (codebook.name,))
        self.set_codes(codebook)
        return self.add_codings(codings)

    def set_codes(self, codebook: Codebook) -> None:
        """Store the codebook's codes; drop stored codes it no longer has, unless coded."""
        keep = {c.id for c in codebook.codes}
        coded = {row[0] for row in self.db.execute("SELECT DISTINCT code_id FROM codings")}
        for (code_id,) in self.db.execute("SELECT id FROM codes").fetchall():
            if code_id not in keep and code_id not in coded:
                self.db.execute("DELETE FROM codes WHERE id = ?", (code_id,))
        from qualcode.codebook.fields import code_to_fields

        self.db.executemany(
            "INSERT INTO codes (id, parent_id, name, description, color, position, definition)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " parent_id = excluded.parent_id, name = excluded.name,"
            " description = excluded.description, color = excluded.color,"
            " position = excluded.position, definition = excluded.definition",
            ((c.id, c.parent, c.name, c.description, c.color, position,
              json.dumps(code_to_fields(c), ensure_ascii=False))
             for position, c in enumerate(codebook.codes)),
        )

    def codebook(self) -> Codebook:
        """The codes stored in the project (from the codebooks used), as a Codebook."""
        from qualcode.codebook.fields import Problems, code_from_fields

        codes = []
        problems = Problems()
        for definition, parent in self.db.execute(
            "SELECT definition, parent_id FROM codes ORDER BY position, id"
        ):
            code = code_from_fields(json.loads(definition), None, None, problems)
            if code is not None:
                code.parent = parent
                codes.append(code)
        name = self.path.stem
        for (parameters,) in self.db.execute(
            "SELECT parameters FROM runs WHERE command = 'code' ORDER BY id DESC LIMIT 1"
        ):
            name = json.loads(parameters).get("codebook", name)
        return Codebook(name=name, codes=codes)

    def turn_lookup(self, column: str) -> TurnLookup:
        """Speaker (``"speaker"``) or start time (``"time_start"``) of the turn at a position."""
        if column not in ("speaker", "time_start"):
            raise ValueError(f"no turn lookup for {column!r}")
        return TurnLookup(self.db.execute(
            f"SELECT document_id, char_start, {column} FROM segments WHERE kind = 'turn'"
            " ORDER BY document_id, char_start"))

    # -- runs --------------------------------------------------------------------------------
    def log_run(
        self, command: str, started_at: str, parameters: dict, inputs: list[tuple[str, str]]
    ) -> None:
        """Record a run (inside the caller's transaction): what ran, with what, on which files."""
        self.db.execute(
            "INSERT INTO runs (command, qualcode_version, started_at, finished_at, parameters,"
            " inputs) VALUES (?, ?, ?, ?, ?, ?)",
            (command, __version__, started_at, now(),
             json.dumps(parameters, sort_keys=True, ensure_ascii=False),
             json.dumps(inputs, ensure_ascii=False)),
        )

    def runs(self) -> list[dict]:
        """The log of runs, oldest first."""
        cursor = self.db.execute("SELECT * FROM runs ORDER BY id")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]
