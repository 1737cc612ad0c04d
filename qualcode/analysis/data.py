"""The one table every analysis starts from: counted codings, each with its case and speaker.

Which codings count is a choice the researcher makes (origins, statuses, coders); rejected and
merely suggested codings never count unless asked for. A coding counts for its code and for
every ancestor of that code, so a theme is raised in a document once however many of its
codes are.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qualcode.model import COUNTED_STATUSES, Codebook, Selection
from qualcode.text import count_words

if TYPE_CHECKING:
    from qualcode.store import Project

DEFAULT_STATUSES = COUNTED_STATUSES  # the name the analysis modules and CLI know
MISSING = "(missing)"
COUNTED = Selection()  # the codings that count by default: applied and accepted, any coder


@dataclass
class CodedData:
    """Codings that count (one row per coding), the cases, and the codebook to roll up with."""

    # document, start, end, code_id, origin, coder, matched (list of (start, end)), status,
    # rule, confidence, case, speaker, time (the turn's start, seconds), interviewer (the
    # turn's speaker interviews), words
    codings: pd.DataFrame
    cases: pd.Series  # document -> case (the document itself, or its attribute value)
    codebook: Codebook
    texts: Mapping[str, str]  # document -> text (``DocumentTexts``: read when asked for)
    attributes: dict[str, dict[str, str]]
    case_label: str  # "interviews", or the attribute's name
    # set when the data is pseudonymised: what an exporter applies to anything else it prints
    # from the project (memos, titles), so nothing real slips out beside the tables
    pseudonymiser: Any = None

    @property
    def n_cases(self) -> int:
        return int(self.cases.nunique())

    def rolled_up(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per (coding, code or ancestor): ``theme`` is the code being counted;
        ``columns``: only these columns of the codings (with ``theme``), so that a table
        does not copy every column once per ancestor."""
        lineage = self.codebook.ancestor_map()
        chains = {code: [code, *lineage.get(code, ())]
                  for code in self.codings["code_id"].unique()}
        frame = self.codings if columns is None else self.codings[list(columns)]
        frame = frame.assign(theme=self.codings["code_id"].map(chains))
        return frame.explode("theme", ignore_index=True)

    def excerpt(self, document: str, start: int, end: int) -> str:
        return self.texts[document][start:end]


class DocumentTexts(Mapping[str, str]):
    """The texts of a project's documents by id, each read from the file when asked for
    (the last few kept), so that tables of a big corpus never hold all of its text; reads go
    through the project's connection while it is open (a second connection would not see what
    an open transaction has written, and one left open when the project closes keeps SQLite
    from folding the write-ahead log back into the file, leaving ``-wal``/``-shm`` files
    beside it), and through a read-only connection of their own after the project is closed.
    Asking for documents in order (as the codings are) reads each once.

    >>> texts = DocumentTexts("out/project.qc", ["interview_01"])  # doctest: +SKIP
    >>> texts["interview_01"][0:20]  # doctest: +SKIP
    """

    KEEP = 8  # documents kept in memory

    def __init__(self, path: str | Path, ids: list[str], live: Any = None) -> None:
        self.path = Path(path).resolve()
        self._ids = ids
        self._known = frozenset(ids)
        self._kept: OrderedDict[str, str] = OrderedDict()
        self._db: Any = None
        self._live = live  # the project's own connection, used while it is open

    def __getitem__(self, document_id: str) -> str:
        text = self._kept.get(document_id)
        if text is not None:
            self._kept.move_to_end(document_id)
            return text
        if document_id not in self._known:
            raise KeyError(document_id)
        row = self._connection().execute("SELECT text FROM documents WHERE id = ?",
                                         (document_id,)).fetchone()
        if row is None:
            raise KeyError(document_id)
        self._kept[document_id] = row[0]
        if len(self._kept) > self.KEEP:
            self._kept.popitem(last=False)
        return row[0]

    def __contains__(self, document_id: object) -> bool:
        return document_id in self._known

    def _connection(self) -> Any:
        if self._live is not None:
            try:
                self._live.in_transaction  # noqa: B018 (raises once the project is closed)
                return self._live
            except sqlite3.ProgrammingError:  # the project is closed: ours from now on
                self._live = None
        if self._db is None:
            from qualcode.store.schema import connect_readonly

            self._db = connect_readonly(self.path)
        return self._db

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def load_coded(project: Project, selection: Selection = COUNTED,
               case_attribute: str | None = None, *,
               pseudonymised: bool | None = None) -> CodedData:
    """Read the counted codings of a project, with speakers, turn times, words and cases.

    ``pseudonymised``: True replaces every name the project's pseudonym map lists (texts,
    offsets, speakers, document ids, cases, attribute values), False keeps the real text, None
    (the default) follows the project's setting (``qualcode pseudonymise apply``).
    """
    from qualcode.errors import ProjectError
    from qualcode.store import CountedCoding

    codings = _frame(project.iter_counted_codings(selection), list(CountedCoding._fields))
    texts = DocumentTexts(project.path, list(project.document_ids()), project.db)
    attributes = project.attributes()
    if case_attribute is None:
        cases = pd.Series({doc: doc for doc in texts}, dtype=object)
        label = "interviews"
    else:
        names = {name for values in attributes.values() for name in values}
        if case_attribute not in names:
            raise ProjectError(f"no case attribute {case_attribute!r} (known: "
                               f"{', '.join(sorted(names)) or 'none'})", project.path)
        cases = pd.Series({doc: attributes.get(doc, {}).get(case_attribute, MISSING)
                           for doc in texts}, dtype=object)
        label = case_attribute
    codings["case"] = codings["document"].map(cases)
    speakers, times, interviewing, words = _turn_facts(project, codings, texts)
    codings["speaker"] = speakers
    codings["time"] = times
    codings["interviewer"] = [bool(v) for v in interviewing]
    codings["words"] = words
    book = project.codebook()
    data = CodedData(codings, cases, book, texts, attributes, label)
    from qualcode.pseudonym.stored import pseudonymiser_for

    finder = pseudonymiser_for(project, pseudonymised)
    if finder is None:
        return data
    from qualcode.pseudonym.view import pseudonymise_data

    return pseudonymise_data(data, finder)


def _frame(rows: Iterable[tuple], names: list[str], batch: int = 10_000) -> pd.DataFrame:
    """The codings as a frame, built column by column from ``rows`` a batch at a time, each
    distinct string stored once: SQLite gives every row its own copy of the document id,
    code id, coder, origin, status and rule, which were most of a big project's codings in
    memory (and all of them as row objects at once, the peak)."""
    columns: list[list] = [[] for _ in names]
    shared: dict[str, str] = {}
    keep = shared.setdefault
    rows = iter(rows)
    while chunk := list(islice(rows, batch)):
        for column, values in zip(columns, zip(*chunk, strict=True), strict=True):
            column.extend([keep(v, v) if type(v) is str else v for v in values])
    if not columns[0]:
        return pd.DataFrame([], columns=names)
    return pd.DataFrame(dict(zip(names, columns, strict=True)), columns=names)


def _turn_facts(project: Project, codings: pd.DataFrame, texts: Mapping[str, str]
                ) -> tuple[list, list, list, list]:
    """The speaker, start time and interviewer flag of the turn each coding starts in (None
    outside turns), and the coding's words: one read of each document's turns and one search
    per coding for all four. A coding of a whole turn takes the turn's stored word count;
    only other spans (a sentence, a passage a person marked) are counted here."""
    speakers, times, interviewing, words = [], [], [], []
    lookup: Any = None
    looked_up = None
    for doc, start, end in zip(codings["document"].tolist(), codings["start"].tolist(),
                               codings["end"].tolist(), strict=True):
        if doc != looked_up:  # one document's turns at a time (the codings are in order)
            lookup = project.turn_lookup("speaker", "time_start", "is_interviewer",
                                         "char_start", "char_end", "words", document_id=doc)
            looked_up = doc
        speaker, time, asks, turn_start, turn_end, turn_words = (lookup.at(doc, start)
                                                                 or (None,) * 6)
        speakers.append(speaker)
        times.append(time)
        interviewing.append(asks)
        whole = turn_start == start and turn_end == end
        words.append(turn_words if whole else count_words(texts[doc][start:end]))
    return speakers, times, interviewing, words


def code_names(codebook: Codebook, code_ids) -> dict[str, str]:
    """Names for code ids; an id the codebook lacks is its own name."""
    names = {c.id: c.name for c in codebook.codes}
    return {code: names.get(code, code) for code in code_ids}


def ordered_codes(codebook: Codebook, coded_ids) -> list[str]:
    """Codebook order, then any coded ids the codebook lacks, sorted."""
    order = [c.id for c in codebook.codes]
    extra = sorted(set(coded_ids) - set(order))
    return order + extra
