"""Autocoding: apply a codebook's rules to every unit of every document, with provenance.

A unit (turn, sentence or paragraph) is coded with a code when one of the code's rules fires
in it and none of its ``not`` terms does; the coding spans the whole unit and keeps every
matched term with its offsets and the rule, as written in the codebook, that found it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from qualcode.coding.rules import Match, RuleMatcher
from qualcode.model import SEGMENT_KINDS, Codebook, Coding, Document, Segment
from qualcode.store.codings import CodedRow, CodingRun

if TYPE_CHECKING:
    from qualcode.cluster import Cluster
    from qualcode.store import Project

UNITS = SEGMENT_KINDS
SPEAKERS = ("participants", "all")
ENGINE_CODER = "qualcode"
BATCH_DOCUMENTS = 64  # documents whose units are read at a time by code_project
FLUSH_CODINGS = 4096  # codings stored at a time by code_project
BATCH_CHARACTERS = 500_000  # units' text per task on a cluster (~90,000 words)
# A unit as coding reads it, (document, start, end, text) (``Project.segment_texts``): a run
# reads hundreds of thousands, and a plain tuple is also quick to send to a worker
UnitText = tuple[str, int, int, str]


def build_matcher(codebook: Codebook, prefilter: bool = True) -> RuleMatcher:
    """A RuleMatcher holding every code of the codebook that has rules."""
    matcher = RuleMatcher(prefilter=prefilter)
    for code in codebook.codes:
        if code.has_rules:
            matcher.add(code)
    return matcher


def select_units(segments: Iterable[Segment], speakers: str) -> list[Segment]:
    """Participants' units only (the default), or everyone's."""
    if speakers not in SPEAKERS:
        raise ValueError(f"speakers must be one of {SPEAKERS}, not {speakers!r}")
    return [s for s in segments if speakers == "all" or not s.is_interviewer]


def code_units(
    units: Iterable[Segment],
    codebook: Codebook,
    *,
    matcher: RuleMatcher | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
    warnings: list[str] | None = None,
) -> list[Coding]:
    """Code each unit; one Coding per (unit, code) with all of that code's matches.

    A pure function of the units (one document's, or any), so it can run in a worker process.
    A regex that runs out of its time budget in a unit adds one line to ``warnings`` naming
    the code, the document and the unit; the other rules' codings of that unit are kept.
    """
    items = units if progress is None else progress(units)
    return list(iter_codings(items, codebook, matcher or build_matcher(codebook), warnings))


def iter_codings(units: Iterable[Segment], codebook: Codebook, matcher: RuleMatcher,
                 warnings: list[str] | None = None) -> Iterator[Coding]:
    """The codings of each unit in turn (``code_units`` without the list): a caller that
    stores them as they come holds no more than a batch."""
    name, path, sha256 = codebook.name, codebook.path, codebook.sha256
    for document_id, start, end, code_id, rule, matched in coded_rows(units, matcher,
                                                                       warnings):
        yield Coding(
            document_id=document_id, start=start, end=end, code_id=code_id,
            coder=ENGINE_CODER, origin="rule", status="applied", rule=rule,
            codebook=name, codebook_path=path, codebook_hash=sha256, matched=matched,
        )


def coded_rows(units: Iterable[Segment], matcher: RuleMatcher,
               warnings: list[str] | None = None) -> Iterator[CodedRow]:
    """What varies between the codings of one run, unit by unit: (document, start, end,
    code_id, rule, matched), one per code a unit is coded with. The run's constants (coder,
    origin, codebook, time) are the caller's: ``code_project`` stores these rows as they are
    (``Project.add_run_codings``), without making a Coding of each."""
    return _coded_rows(((u.document_id, u.start, u.end, u.text) for u in units), matcher,
                       warnings)


def _coded_rows(units: Iterable[UnitText], matcher: RuleMatcher,
                warnings: list[str] | None = None) -> Iterator[CodedRow]:
    """``coded_rows`` of units as plain tuples: the hot loop of a big run."""
    for unit in units:
        document_id, start, end, text = unit
        matches = matcher(text)
        if matcher.overruns and warnings is not None:
            warnings.extend(_overrun_line(overrun, unit, matcher.regex_budget)
                            for overrun in matcher.overruns)
        if not matches:
            continue
        if len(matches) == 1:
            (code_id, first, stop, rule), = matches
            yield (document_id, start, end, code_id, rule,
                   [(start + first, start + stop, rule)])
            continue
        by_code: dict[str, list[Match]] = {}
        for match in matches:
            by_code.setdefault(match.code_id, []).append(match)
        for code_id, found in by_code.items():
            yield (document_id, start, end, code_id,
                   "; ".join(dict.fromkeys(m.rule for m in found)),
                   [(start + m.start, start + m.end, m.rule) for m in found])


def _overrun_line(overrun, unit: UnitText, budget: float) -> str:
    document_id, start, end, _text = unit
    then = "; it is not run again" if overrun.dropped else ""
    return (f"code {overrun.code_id!r}: regex {overrun.pattern[:80]!r} ran past its {budget:g} s "
            f"budget in {document_id} [{start}:{end}] (its matches there are "
            f"left out{then}); rewrite it without nested repeats")


def code_documents(
    documents: Iterable[Document],
    codebook: Codebook,
    unit: str = "turn",
    speakers: str = "participants",
    prefilter: bool = True,
) -> list[Coding]:
    """Autocode documents in memory (no project needed).

    >>> from qualcode import read_document, load_codebook
    >>> doc = read_document("transcripts_sample/lscb09.txt")  # doctest: +SKIP
    >>> book = load_codebook("codebooks/lscb_learning_improvement.yaml")  # doctest: +SKIP
    >>> codings = code_documents([doc], book)  # doctest: +SKIP
    """
    from qualcode.segment import segments

    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    units = [s for d in documents for s in select_units(segments(d, unit), speakers)]
    return code_units(units, codebook, matcher=build_matcher(codebook, prefilter))


class Placed(NamedTuple):
    """Where a run put a code (the coding itself is in the project)."""

    document_id: str
    start: int
    end: int
    code_id: str


@dataclass
class CodeReport:
    """What a ``qualcode code`` run did."""

    codings: list[Placed] = field(default_factory=list)
    units: int = 0
    words: int = 0
    replaced: int = 0
    warnings: list[str] = field(default_factory=list)  # regexes over their time budget


def code_project(
    project: Project,
    codebook: Codebook,
    *,
    unit: str = "turn",
    speakers: str = "participants",
    prefilter: bool = True,
    progress: Callable[[Iterable], Iterable] | None = None,
    cluster: Cluster | None = None,
) -> CodeReport:
    """Autocode every document in a project and store the codings in one transaction.

    Earlier rule codings of the same codebook are replaced; codings made by a person or a
    model are kept. Documents are read ``BATCH_DOCUMENTS`` at a time and codings stored as
    they come, so memory does not grow with the corpus (beyond the report's places). With a
    ``cluster`` (``qualcode.Cluster``) the units are coded on its workers in batches; the
    codings come back in the units' order, and this process alone stores them.
    """
    from qualcode.segment import ensure_sentences
    from qualcode.timeutil import now

    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    if speakers not in SPEAKERS:
        raise ValueError(f"speakers must be one of {SPEAKERS}, not {speakers!r}")
    started = now()
    if unit == "sentence":
        ensure_sentences(project, cluster=cluster)
    participants_only = speakers == "participants"
    expected, words = project.segment_totals(unit, participants_only)
    report = CodeReport(words=words)

    def units() -> Iterator[UnitText]:
        ids = list(project.document_ids())
        for first in range(0, len(ids), BATCH_DOCUMENTS):
            batch = project.segment_texts(unit, ids[first:first + BATCH_DOCUMENTS],
                                          participants_only)
            report.units += len(batch)
            yield from batch

    with project.transaction():
        report.replaced = project.count_rule_codings(codebook.name)
        project.replace_rule_codings(codebook, ())
        # one run: its constants stored once, however many batches store its codings
        run = project.new_coding_run(CodingRun(
            origin="rule", coder=ENGINE_CODER, created_at=now(), codebook=codebook.name,
            codebook_path=codebook.path, codebook_hash=codebook.sha256))
        items: Iterable[UnitText] = units() if progress is None else progress(units())
        rows: Iterable[CodedRow]
        if cluster is None:
            rows = _coded_rows(items, build_matcher(codebook, prefilter), report.warnings)
        else:
            rows = _rows_on(cluster, items, codebook, prefilter, report.warnings)
        pending: list[CodedRow] = []
        # about a coding per unit: what the store weighs against the codings it holds
        with project.bulk_codings(expected):
            for row in rows:
                pending.append(row)
                if len(pending) >= FLUSH_CODINGS:
                    project.add_run_codings(run, pending)
                    report.codings.extend(Placed(*row[:4]) for row in pending)
                    pending.clear()
            project.add_run_codings(run, pending)
            report.codings.extend(Placed(*row[:4]) for row in pending)
        project.log_run("code", started,
                        {"codebook": codebook.name, "unit": unit, "speakers": speakers},
                        [(codebook.path or "", codebook.sha256)])
    return report


def code_batch(units: list[UnitText], codebook: Codebook, prefilter: bool
               ) -> tuple[list[CodedRow], list[str]]:
    """One cluster task: the coded rows of a batch of units (``coded_rows``: plain tuples,
    quick to send back), and the warnings it gave. The units come as (document, start, end,
    text) tuples (a frozen dataclass pickles field by field, ten times slower). The matcher
    is built once per codebook per worker process, not once per batch."""
    cached = _MATCHERS.get((id(codebook), prefilter))
    if cached is None:
        _MATCHERS.clear()
        # the entry holds the codebook too, so that its id is not reused by another object
        cached = _MATCHERS[(id(codebook), prefilter)] = (codebook,
                                                         build_matcher(codebook, prefilter))
    warnings: list[str] = []
    return list(_coded_rows(units, cached[1], warnings)), warnings


_MATCHERS: dict[tuple[int, bool], tuple[Codebook, RuleMatcher]] = {}


def unit_batches(units: Iterable[UnitText], size: int | None = None
                 ) -> Iterator[list[UnitText]]:
    """The units cut, in order, into batches of about ``size`` characters of text
    (``BATCH_CHARACTERS``): enough work per task to dwarf its scheduling (~1 ms), small
    enough to spread over the workers and keep few in memory."""
    size = size or BATCH_CHARACTERS
    batch: list[UnitText] = []
    filled = 0
    for unit in units:
        batch.append(unit)
        filled += len(unit[3])
        if filled >= size:
            yield batch
            batch, filled = [], 0
    if batch:
        yield batch


def _rows_on(cluster: Cluster, units: Iterable[UnitText], codebook: Codebook,
             prefilter: bool, warnings: list[str]) -> Iterator[CodedRow]:
    """``coded_rows`` on a cluster's workers: batches of units out, their rows (and
    warnings) back in the units' order."""
    results = cluster.map(code_batch, unit_batches(units), codebook, prefilter,
                          label=lambda batch: f"{batch[0][0]} (a batch of units)")
    try:
        for rows, said in results:
            warnings.extend(said)
            yield from rows
    finally:
        results.close()


def codings_frame(codings: Iterable[Coding]):
    """Codings as a pandas DataFrame with stable column names, one row per coding."""
    import pandas as pd

    columns = ["document", "start", "end", "code_id", "coder", "origin", "status", "rule",
               "confidence", "matched", "codebook", "created_at"]
    rows = [
        (c.document_id, c.start, c.end, c.code_id, c.coder, c.origin, c.status, c.rule,
         c.confidence, "; ".join(f"{s}-{e}" for s, e, _ in c.matched), c.codebook,
         c.created_at)
        for c in codings
    ]
    return pd.DataFrame(rows, columns=columns)
