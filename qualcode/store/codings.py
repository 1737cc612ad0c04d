"""Codings: storing them, reading them back, and the spans of those that count.

Stored slim (schema migration 5): what one run of coding holds constant (origin, coder, model,
codebook, its path and hash, time) is a row of ``coding_runs``; each coding is a row of
``coding_rows`` that points at its run and keeps what varies. Reads go through the view
``codings``, which has every column a coding had before; writes go to ``coding_rows``.

Which codings count (``COUNTED_STATUSES``) and which are a person's (``PERSON_ORIGINS``,
``PERSON_STATUSES``) are defined once, in ``qualcode.model``; the SQL here is built from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import NamedTuple

from qualcode.model import (
    COUNTED_STATUSES,
    PERSON_ORIGINS,
    PERSON_STATUSES,
    STATUSES,
    Codebook,
    Coding,
    Selection,
)
from qualcode.store.codes import CodesMixin
from qualcode.timeutil import now


def _quoted(values: Iterable[str]) -> str:
    """``('a', 'b')``: a list of our own constants (never user input) as an SQL tuple."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


ROWS_PER_INSERT = 100  # codings stored by one INSERT statement (6 values each) in a big run

PERSON_CODING = f"(origin IN {_quoted(PERSON_ORIGINS)} OR status IN {_quoted(PERSON_STATUSES)})"
COUNTED_CODING = f"status IN {_quoted(COUNTED_STATUSES)}"

# (document, start, end, code_id): where a code was put, all that overlap tests need
Span = tuple[str, int, int, str]
# (document, start, end, code_id, rule, matched): what varies between one run's codings
CodedRow = tuple[str, int, int, str, str | None, list[tuple[int, int, str]]]


class CodingRun(NamedTuple):
    """What one run of coding holds constant for all its codings (a row of coding_runs)."""

    origin: str
    coder: str
    created_at: str
    model: str | None = None
    codebook: str | None = None
    codebook_path: str | None = None
    codebook_hash: str | None = None


class _MatchedJson:
    """Matched terms as the stored JSON text (``[[start, end, "rule"], ...]``): the same output
    as json.dumps of the list, several times faster on a big run, because a rule repeated over
    thousands of codings is encoded once."""

    def __init__(self) -> None:
        self._encoded: dict[str, str] = {}

    def __call__(self, matched) -> str:
        encoded = self._encoded
        parts = []
        for start, end, rule in matched:
            text = encoded.get(rule)
            if text is None:
                text = encoded[rule] = json.dumps(rule, ensure_ascii=False)
            parts.append(f"[{int(start)}, {int(end)}, {text}]")
        return "[" + ", ".join(parts) + "]"


class CountedCoding(NamedTuple):
    """One coding as the analysis tables read it (``matched``: the (start, end) of each term)."""

    document: str
    start: int
    end: int
    code_id: str
    origin: str
    coder: str
    matched: list[tuple[int, int]]
    status: str
    rule: str | None
    confidence: float | None


def _where(selection: Selection) -> tuple[str, list]:
    """The WHERE clause (and its arguments) for the codings a selection counts."""
    where = [f"status IN ({', '.join('?' * len(selection.statuses))})"]
    args: list = list(selection.statuses)
    if selection.origins:
        where.append(f"origin IN ({', '.join('?' * len(selection.origins))})")
        args.extend(selection.origins)
    if selection.coders:
        where.append(f"coder IN ({', '.join('?' * len(selection.coders))})")
        args.extend(selection.coders)
    return " AND ".join(where), args


class CodingsMixin(CodesMixin):
    """The Project's codings: add, read, find, remove."""

    def add_codings(self, codings: Iterable[Coding]) -> int:
        """Insert codings (inside the caller's transaction); returns how many.

        Codings that share their run's constants (origin, coder, model, codebook, path, hash,
        time) share one ``coding_runs`` row: a rule run's thousands of codings store them once.
        """
        stamp = now()
        matched_json = _MatchedJson()
        runs: dict[CodingRun, int] = {}

        def run_of(c: Coding) -> int:
            key = CodingRun(c.origin, c.coder, c.created_at or stamp, c.model, c.codebook,
                            c.codebook_path, c.codebook_hash)
            run = runs.get(key)
            if run is None:
                run = runs[key] = self.new_coding_run(key)
            return run

        return self._insert_rows(
            (c.document_id, c.start, c.end, c.code_id, run_of(c), c.status, c.rule,
             c.confidence, matched_json(c.matched))
            for c in codings)

    def new_coding_run(self, run: CodingRun) -> int:
        """Record a run's constants (inside the caller's transaction); its id, for
        ``add_run_codings``."""
        run_id = self.db.execute(
            "INSERT INTO coding_runs (origin, coder, model, codebook, codebook_path,"
            " codebook_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run.origin, run.coder, run.model, run.codebook, run.codebook_path,
             run.codebook_hash, run.created_at)).lastrowid
        assert run_id is not None  # an INSERT always sets it
        return run_id

    def add_run_codings(self, run_id: int, rows: Iterable[CodedRow],
                        status: str = "applied") -> int:
        """Insert codings of one run (``new_coding_run``) from the rows that say what varies
        between them (inside the caller's transaction); returns how many. What a big run
        stores, without a Coding object per coding."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        # one encoder while the project is open: a run stores its codings batch by batch
        matched_json = self.__dict__.setdefault("_matched_json", _MatchedJson())
        values = [(document, start, end, code_id, rule, matched_json(matched))
                  for document, start, end, code_id, rule, matched in rows]
        # The run and status are the same on every row: written into the statement (our own
        # int and constant), not bound again for each row. Rows go ROWS_PER_INSERT to a
        # statement (in order: the same ids as one by one), which halves the time a big run
        # spends storing: the statement's own cost is paid once per hundred rows.
        row = f"(?, ?, ?, ?, {int(run_id)}, '{status}', ?, ?)"
        insert = ("INSERT INTO coding_rows (document_id, char_start, char_end, code_id, run_id,"
                  " status, rule, matched) VALUES ")
        size = ROWS_PER_INSERT
        whole = len(values) - len(values) % size
        if whole:
            self.db.executemany(insert + ", ".join([row] * size),
                                [tuple(chain.from_iterable(values[first:first + size]))
                                 for first in range(0, whole, size)])
        if whole < len(values):
            self.db.executemany(insert + row, values[whole:])
        return len(values)

    @contextmanager
    def bulk_codings(self, expected: int) -> Iterator[None]:
        """Inside the caller's transaction, around storing a big run's codings (about
        ``expected`` of them): when that is more than the codings already stored, the indexes
        of ``coding_rows`` are dropped and made again, once, at the end (a sort per index
        instead of an insert into each per row); a smaller run keeps them.

        Only a body that completes makes the indexes again: a failure inside is for the
        caller's transaction to roll back, which brings them back as they were.
        """
        if not self.db.in_transaction:
            raise RuntimeError("bulk_codings runs inside a transaction")
        stored = self.db.execute("SELECT count(*) FROM coding_rows").fetchone()[0]
        indexes = [] if expected <= stored else self.db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = 'coding_rows' AND sql IS NOT NULL ORDER BY name").fetchall()
        for name, _sql in indexes:
            self.db.execute(f'DROP INDEX "{name}"')
        yield
        for _name, sql in indexes:
            self.db.execute(sql)

    def _insert_rows(self, rows: Iterable[tuple]) -> int:
        return self.db.executemany(
            "INSERT INTO coding_rows (document_id, char_start, char_end, code_id, run_id,"
            " status, rule, confidence, matched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows).rowcount

    def _delete_codings(self, where: str, args: Iterable = ()) -> int:
        """Delete the codings a WHERE clause on the ``codings`` view selects, then any run
        left without codings; returns how many codings went."""
        deleted = self.db.execute(
            f"DELETE FROM coding_rows WHERE id IN (SELECT id FROM codings WHERE {where})",
            tuple(args)).rowcount
        if deleted:
            self.db.execute("DELETE FROM coding_runs WHERE NOT EXISTS"
                            " (SELECT 1 FROM coding_rows WHERE run_id = coding_runs.id)")
        return deleted

    def codings(
        self, document_id: str | None = None, code_ids: Iterable[str] | None = None,
        coding_ids: Iterable[int] | None = None,
    ) -> list[Coding]:
        """Stored codings, by document and position; optionally of one document, some codes
        or some coding ids."""
        clauses: list[str] = []
        args: list = []
        if coding_ids is not None:
            clauses.append("id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(list(coding_ids)))
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
        self._delete_codings("origin = 'rule' AND codebook = ?", (codebook.name,))
        self.set_codes(codebook)
        return self.add_codings(codings)

    def count_rule_codings(self, codebook_name: str) -> int:
        """How many rule codings this codebook has stored (what a new run replaces)."""
        return self.db.execute(
            "SELECT count(*) FROM codings WHERE origin = 'rule' AND codebook = ?",
            (codebook_name,),
        ).fetchone()[0]

    def person_codings(self, document_id: str) -> int:
        """How many codings of this document a person made (manual, imported or accepted)."""
        query = f"SELECT count(*) FROM codings WHERE document_id = ? AND {PERSON_CODING}"
        return self.db.execute(query, (document_id,)).fetchone()[0]

    def counted_codings(self, selection: Selection) -> list[CountedCoding]:
        """The codings a selection counts, by document and position: what tables are made of."""
        return list(self.iter_counted_codings(selection))

    def iter_counted_codings(self, selection: Selection) -> Iterator[CountedCoding]:
        """``counted_codings`` one at a time, read as they are taken (a big project's
        codings need not all be objects at once)."""
        where, args = _where(selection)
        rows = self.db.execute(
            "SELECT document_id, char_start, char_end, code_id, origin, coder, matched, status,"
            f" rule, confidence FROM codings WHERE {where}"
            " ORDER BY document_id, char_start, char_end, code_id, coder", args,
        )
        return (
            CountedCoding(doc, start, end, code, origin, coder,
                          [(int(a), int(b)) for a, b, *_ in json.loads(matched)],
                          status, rule, confidence)
            for doc, start, end, code, origin, coder, matched, status, rule, confidence in rows
        )

    def coding_spans(self, selection: Selection) -> list[Span]:
        """(document, start, end, code_id) of the codings a selection counts, in stored order."""
        where, args = _where(selection)
        return self.db.execute(
            f"SELECT document_id, char_start, char_end, code_id FROM codings WHERE {where}", args,
        ).fetchall()

    def coders(self, selection: Selection) -> list[str]:
        """The coders (names) of the codings a selection counts, sorted: whose coding a table,
        a comparison or an evaluation would pool."""
        where, args = _where(selection)
        return [row[0] for row in self.db.execute(
            f"SELECT DISTINCT coder FROM codings WHERE {where} ORDER BY coder", args)]

    def decided_spans(self) -> list[Span]:
        """(document, start, end, code_id) of every coding but pending suggestions: a person's,
        the rules', accepted and rejected suggestions (what a new suggestion must not repeat)."""
        return self.db.execute(
            "SELECT document_id, char_start, char_end, code_id FROM codings"
            " WHERE NOT (origin = 'ml' AND status = 'suggested')").fetchall()

    def find_coding(self, coding: Coding) -> int | None:
        """The id of a stored coding with the same place, code, coder, origin and status."""
        c = coding
        row = self.db.execute(
            "SELECT id FROM codings WHERE document_id = ? AND char_start = ? AND char_end = ?"
            " AND code_id = ? AND coder = ? AND origin = ? AND status = ?",
            (c.document_id, c.start, c.end, c.code_id, c.coder, c.origin, c.status),
        ).fetchone()
        return row[0] if row else None

    def has_coding(self, coding: Coding) -> bool:
        """Whether an identical coding (place, code, coder, origin, status) is stored."""
        return self.find_coding(coding) is not None

    def remove_person_coding(self, document_id: str, start: int, end: int, code_id: str,
                             coder: str) -> int:
        """Delete a person's (manual or imported) coding, inside the caller's transaction;
        returns how many were removed."""
        return self._delete_codings(
            "document_id = ? AND char_start = ? AND char_end = ?"
            f" AND code_id = ? AND coder = ? AND origin IN {_quoted(PERSON_ORIGINS)}",
            (document_id, start, end, code_id, coder))
