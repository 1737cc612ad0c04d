"""Autocoding: apply a codebook's rules to every unit of every document, with provenance.

A unit (turn, sentence or paragraph) is coded with a code when one of the code's rules fires
in it and none of its ``not`` terms does; the coding spans the whole unit and keeps every
matched term with its offsets and the rule, as written in the codebook, that found it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualcode.coding.rules import Match, RuleMatcher
from qualcode.model import SEGMENT_KINDS, Codebook, Coding, Document, Segment

if TYPE_CHECKING:
    from qualcode.store import Project

UNITS = SEGMENT_KINDS
SPEAKERS = ("participants", "all")
ENGINE_CODER = "qualcode"


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

    A regex that runs out of its time budget in a unit adds one line to ``warnings`` naming
    the code, the document and the unit; the other rules' codings of that unit are kept.
    """
    matcher = matcher or build_matcher(codebook)
    codings: list[Coding] = []
    items = units if progress is None else progress(units)
    for unit in items:
        matches = matcher(unit.text)
        for overrun in matcher.overruns:
            if warnings is not None:
                warnings.append(_overrun_line(overrun, unit, matcher.regex_budget))
        if not matches:
            continue
        by_code: dict[str, list[Match]] = {}
        for match in matches:
            by_code.setdefault(match.code_id, []).append(match)
        for code_id, found in by_code.items():
            rules = list(dict.fromkeys(m.rule for m in found))
            codings.append(Coding(
                document_id=unit.document_id, start=unit.start, end=unit.end, code_id=code_id,
                coder=ENGINE_CODER, origin="rule", status="applied", rule="; ".join(rules),
                codebook=codebook.name, codebook_path=codebook.path,
                codebook_hash=codebook.sha256,
                matched=[(unit.start + m.start, unit.start + m.end, m.rule) for m in found],
            ))
    return codings


def _overrun_line(overrun, unit: Segment, budget: float) -> str:
    then = "; it is not run again" if overrun.dropped else ""
    return (f"code {overrun.code_id!r}: regex {overrun.pattern[:80]!r} ran past its {budget:g} s "
            f"budget in {unit.document_id} [{unit.start}:{unit.end}] (its matches there are "
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


@dataclass
class CodeReport:
    """What a ``qualcode code`` run did."""

    codings: list[Coding] = field(default_factory=list)
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
) -> CodeReport:
    """Autocode every document in a project and store the codings in one transaction.

    Earlier rule codings of the same codebook are replaced; codings made by a person or a
    model are kept.
    """
    from qualcode.segment import project_units
    from qualcode.timeutil import now

    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    started = now()
    units = select_units(
        project_units(project, unit, participants_only=speakers == "participants"), speakers)
    warnings: list[str] = []
    codings = code_units(units, codebook, matcher=build_matcher(codebook, prefilter),
                         progress=progress, warnings=warnings)
    report = CodeReport(codings=codings, units=len(units), warnings=warnings,
                        words=project.segment_words(unit, speakers == "participants"))
    with project.transaction():
        report.replaced = project.count_rule_codings(codebook.name)
        project.replace_rule_codings(codebook, codings)
        project.log_run("code", started,
                        {"codebook": codebook.name, "unit": unit, "speakers": speakers},
                        [(codebook.path or "", codebook.sha256)])
    return report


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
