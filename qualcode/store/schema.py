"""The project file's format: its SQLite header mark, its numbered migrations, and opening.

Opened in WAL mode with a busy timeout so that two processes can write to one project without
losing anything. The schema is a list of numbered migrations, recorded in the file, so an old
project opens in a new qualcode.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode import __version__
from qualcode.errors import ProjectError
from qualcode.timeutil import now

if TYPE_CHECKING:
    from qualcode.store.base import StoreBase

APPLICATION_ID = 0x51434F44  # "QCOD" in the SQLite header marks a qualcode project
BUSY_TIMEOUT_MS = 60_000

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
    # 2: the GUIDs codes, coders and cases had in a REFI-QDA project they were imported from,
    #    written back on export so that NVivo -> qualcode -> NVivo merges, not duplicates
    """
    CREATE TABLE exchange_guids (
        kind TEXT NOT NULL CHECK (kind IN ('code', 'user', 'case')),
        key TEXT NOT NULL,
        guid TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    );
    """,
    # 3: memos, a researcher's notes on a document, a code or a coded passage. A memo on a
    # coding keeps the passage (document, offsets, code) as well as the coding's id, so it
    # still points at the right words after a rule coding is replaced by a new run.
    """
    CREATE TABLE memos (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL CHECK (target IN ('document', 'code', 'coding')),
        document_id TEXT REFERENCES documents(id) ON DELETE CASCADE,
        code_id TEXT,
        coding_id INTEGER,
        char_start INTEGER,
        char_end INTEGER,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX memos_by_document ON memos (document_id);
    CREATE INDEX memos_by_code ON memos (code_id);
    """,
    # 4: the pseudonym map (real string -> replacement) and the project's settings, such as
    # whether exports are pseudonymised by default
    """
    CREATE TABLE pseudonyms (
        position INTEGER PRIMARY KEY,
        real TEXT NOT NULL,
        variants TEXT NOT NULL DEFAULT '[]',
        replacement TEXT NOT NULL,
        category TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 5: slim codings. What a run of coding holds constant (origin, coder, model, codebook and
    #    its path and hash, time) is stored once in coding_runs, and each row of coding_rows
    #    points at its run; a coding keeps what varies: place, code, status, rule, confidence,
    #    matched terms, and a coder only when a person's decision changed it (NULL: the
    #    run's). The view "codings" gives the rows with every column they had before, so
    #    every reader sees the same fields. Paragraphs identical to the turns (one per turn,
    #    same span: most transcripts) are no longer stored: documents.paragraphs_are_turns
    #    says so and the store derives them from the turns.
    """
    CREATE TABLE coding_runs (
        id INTEGER PRIMARY KEY,
        origin TEXT NOT NULL CHECK (origin IN ('rule', 'manual', 'ml', 'import')),
        coder TEXT NOT NULL,
        model TEXT,
        codebook TEXT,
        codebook_path TEXT,
        codebook_hash TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE coding_rows (
        id INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        code_id TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES coding_runs(id),
        status TEXT NOT NULL CHECK (status IN ('applied', 'suggested', 'accepted', 'rejected')),
        coder TEXT,
        rule TEXT,
        confidence REAL,
        matched TEXT NOT NULL DEFAULT '[]'
    );
    INSERT INTO coding_runs (origin, coder, model, codebook, codebook_path, codebook_hash,
                             created_at)
        SELECT origin, coder, model, codebook, codebook_path, codebook_hash, created_at
        FROM codings
        GROUP BY origin, coder, model, codebook, codebook_path, codebook_hash, created_at
        ORDER BY min(id);
    CREATE INDEX coding_runs_migrated ON coding_runs (created_at, coder);
    INSERT INTO coding_rows (id, document_id, char_start, char_end, code_id, run_id, status,
                             coder, rule, confidence, matched)
        SELECT c.id, c.document_id, c.char_start, c.char_end, c.code_id, r.id, c.status, NULL,
               c.rule, c.confidence, c.matched
        FROM codings AS c JOIN coding_runs AS r
          ON r.created_at = c.created_at AND r.coder = c.coder AND r.origin = c.origin
         AND r.model IS c.model AND r.codebook IS c.codebook
         AND r.codebook_path IS c.codebook_path AND r.codebook_hash IS c.codebook_hash;
    DROP INDEX coding_runs_migrated;
    DROP TABLE codings;
    CREATE VIEW codings AS
        SELECT c.id AS id, c.document_id AS document_id, c.char_start AS char_start,
               c.char_end AS char_end, c.code_id AS code_id,
               coalesce(c.coder, r.coder) AS coder, r.origin AS origin, c.status AS status,
               c.rule AS rule, r.model AS model, c.confidence AS confidence,
               r.codebook AS codebook, r.codebook_path AS codebook_path,
               r.codebook_hash AS codebook_hash, c.matched AS matched,
               r.created_at AS created_at, c.run_id AS run_id
        FROM coding_rows AS c JOIN coding_runs AS r ON r.id = c.run_id;
    CREATE INDEX coding_rows_by_document ON coding_rows (document_id, char_start);
    CREATE INDEX coding_rows_by_code ON coding_rows (code_id);
    CREATE INDEX coding_rows_by_run ON coding_rows (run_id);
    ALTER TABLE documents ADD COLUMN paragraphs_are_turns INTEGER NOT NULL DEFAULT 0;
    UPDATE documents SET paragraphs_are_turns = 1
        WHERE (SELECT count(*) FROM segments AS p
               WHERE p.document_id = documents.id AND p.kind = 'paragraph')
            = (SELECT count(*) FROM segments AS t
               WHERE t.document_id = documents.id AND t.kind = 'turn')
          AND NOT EXISTS (
              SELECT 1 FROM segments AS p
              WHERE p.document_id = documents.id AND p.kind = 'paragraph'
                AND NOT EXISTS (
                    SELECT 1 FROM segments AS t
                    WHERE t.document_id = p.document_id AND t.kind = 'turn'
                      AND t.position = p.position AND t.char_start = p.char_start
                      AND t.char_end = p.char_end));
    DELETE FROM segments WHERE kind = 'paragraph'
        AND document_id IN (SELECT id FROM documents WHERE paragraphs_are_turns = 1);
    """,
]


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


READ_ONLY = ("read-only: cannot write to this project (the file or its folder is read-only); "
             "reading commands (docs, themes, export ...) still work")


def storage_error(exc: sqlite3.Error, path: Path) -> ProjectError | None:
    """The one line for SQLite's storage failures (full disk, file-size limit, read-only file),
    or None for anything else. SQLite has rolled the transaction back: nothing was changed."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return ProjectError(READ_ONLY, path)
    if "disk is full" in text:
        return ProjectError("disk full: nothing was changed in the project (free some space "
                            "and run again)", path)
    if "disk i/o error" in text:
        return ProjectError("disk I/O error (a full disk or a file-size limit?): nothing was "
                            "changed in the project", path)
    if "too big" in text:
        return ProjectError(f"too big to store ({exc}): nothing was changed in the project",
                            path)
    return None


def writable(path: Path) -> bool:
    """Can this process write the project file, its journal and its WAL beside it?"""
    folder = path.parent if str(path.parent) else Path(".")
    effective = os.access in os.supports_effective_ids  # a setuid process: its own rights

    def can_write(target: Path) -> bool:
        return os.access(target, os.W_OK, effective_ids=effective)

    return can_write(folder) and (not path.exists() or can_write(path))


def _check_file(path: Path, create: bool) -> None:
    if path.is_dir():
        raise ProjectError("is a folder, not a project file", path)
    if not path.exists():
        if not create:
            raise ProjectError("no such project (run `qualcode ingest` to create it)", path)
        if not path.parent.exists():
            raise ProjectError("the folder for this project does not exist", path)
    elif path.stat().st_size:
        try:
            with path.open("rb") as handle:
                head = handle.read(16)
        except OSError as exc:
            raise ProjectError(f"cannot read the project: {exc.strerror}", path) from None
        if head != b"SQLite format 3\x00":
            raise ProjectError("not a qualcode project (not an SQLite file)", path)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open a project for reading only (SQLite ``mode=ro``; ``immutable`` when the folder is
    read-only and SQLite cannot make the WAL's shared-memory file beside it)."""
    from urllib.parse import quote

    _check_file(path, create=False)
    uri = "file:" + quote(str(path.resolve()))
    last: sqlite3.Error | None = None
    for options in ("?mode=ro", "?mode=ro&immutable=1"):
        try:
            connection = sqlite3.connect(uri + options, uri=True, isolation_level=None,
                                         timeout=BUSY_TIMEOUT_MS / 1000,
                                         check_same_thread=False)
            check_is_project(path, connection)
            connection.execute("PRAGMA query_only = ON")
            connection.execute("PRAGMA temp_store = MEMORY")
            return connection
        except sqlite3.OperationalError as exc:  # no -shm and none can be made: immutable
            last = exc
    raise ProjectError(f"cannot open project: {last}", path)


def connect(path: Path, create: bool) -> sqlite3.Connection:
    """Open the SQLite file of a project, not yet migrated, creating it when ``create``; refuse
    what is not a qualcode project before touching it, and a read-only one in one line."""
    _check_file(path, create)
    if not writable(path):
        raise ProjectError(READ_ONLY, path)
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000,
                                     isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        check_is_project(path, connection)
        _use_wal(connection)
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA cache_size = -65536")  # 64 MB: big batches of codings
        connection.execute("PRAGMA temp_store = MEMORY")
    except sqlite3.DatabaseError as exc:
        raise storage_error(exc, path) or ProjectError(f"cannot open project: {exc}",
                                                       path) from None
    return connection


def check_is_project(path: Path, db: sqlite3.Connection) -> None:
    """Refuse another program's database before touching it (even its journal mode)."""
    try:
        # One read transaction, so both answers come from one snapshot: a new project being
        # created by another process is seen before or after its first migration, never
        # half-way (tables there but not yet the application id).
        db.execute("BEGIN")
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            db.execute("COMMIT")
    except sqlite3.OperationalError:
        raise  # locked, read-only ...: the caller decides
    except sqlite3.DatabaseError as exc:
        db.close()
        raise ProjectError(f"not a qualcode project ({exc})", path) from None
    if app_id != APPLICATION_ID and (app_id != 0 or tables):
        db.close()
        raise ProjectError("not a qualcode project (an SQLite file of another program)", path)


def up_to_date(db: sqlite3.Connection) -> bool:
    """Is the schema the one this qualcode writes (no migration to run)?"""
    return db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def migrate(project: StoreBase) -> None:
    """Bring the project's schema up to date, in one transaction."""
    db = project.db
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise ProjectError(
            f"made by a newer qualcode (schema {version}; this one knows {len(MIGRATIONS)})",
            project.path,
        )
    if version == len(MIGRATIONS):
        return
    with project.transaction():
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version + 1, len(MIGRATIONS) + 1):
            for statement in MIGRATIONS[number - 1].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO migrations VALUES (?, ?, ?)", (number, __version__, now()))
            db.execute(f"PRAGMA user_version = {number}")
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
