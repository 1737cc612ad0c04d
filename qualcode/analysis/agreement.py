"""Intercoder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha per code.

Each coder's decision is binary per unit and code: did they code this unit with this code?
A unit is a participant turn (``turn``; ``segment``, its old name, is taken too), sentence,
paragraph, whole document, or each character (``character``: agreement on exactly what was
marked). A coding counts for every
unit it overlaps. A coder who coded nothing at all in a document has, by default, no
decision there (``absent="missing"``: alpha allows missing data; percent agreement and kappa
use the units every coder decided), which scores a sparse coder on the documents they coded;
``absent="no"`` reads such a document as "no" on each of its units instead. Which codings
count is a ``statuses`` choice, as for the tables (pending suggestions against a person).
A "coder" can also be an origin, ``rule``, ``ml``, ``manual`` or ``import``, so the engine is
checked against a person with the same command.

Implementations are the well-kept ones: scikit-learn's ``cohen_kappa_score`` and the
``krippendorff`` package (tests reproduce the published worked examples).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qualcode.errors import QualcodeError
from qualcode.model import COUNTED_STATUSES, ORIGINS, Selection
from qualcode.segment import project_units

if TYPE_CHECKING:
    from qualcode.store import Project

UNITS = ("turn", "sentence", "paragraph", "document", "character")
ABSENT = ("missing", "no")  # what a document a coder coded nothing in means for them
_ALIASES = {"segment": "turn"}  # the old name of the turn unit


@dataclass
class Agreement:
    """Per-code figures, the pooled figures, and the units the coders disagree on.

    ``uncoded``: for each coder, how many of the ``documents`` (those with units) they coded
    nothing in; ``absent`` says what those documents counted as (missing, or "no")."""

    per_code: pd.DataFrame
    overall: dict
    disagreements: pd.DataFrame
    coders: list[str]
    unit: str
    absent: str = "missing"
    uncoded: dict[str, int] = field(default_factory=dict)
    documents: int = 0

    def absent_line(self) -> str:
        """One line that says what a coder's uncoded document counted as, and for whom."""
        sparse = [f"{c} in {n}" for c, n in self.uncoded.items() if n]
        if not sparse:
            return (f"Every coder coded something in each of the {self.documents} documents "
                    f"(--absent {self.absent} changes nothing here).")
        meaning = ("count as 'no' on each of their units" if self.absent == "no"
                   else "are missing data for that coder, not 'no'")
        return (f"Documents a coder coded nothing in {meaning} (--absent {self.absent}): "
                f"no coding by {' and '.join(sparse)} of the {self.documents} documents.")


def cohen_kappa(a, b) -> float:
    """Cohen's kappa (scikit-learn), NaN when undefined (both coders constant and equal)."""
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(a, b)
    return float(value) if np.isfinite(value) else float("nan")


def krippendorff_alpha(matrix: np.ndarray) -> float:
    """Nominal alpha over a coders x units matrix with NaN for missing; NaN when undefined."""
    import krippendorff

    values = matrix[~np.isnan(matrix)]
    if values.size == 0 or np.unique(values).size < 2:
        return float("nan")
    try:
        # 0/0 when the units two coders decided hold one category only: NaN, said by
        # ``why_undefined``, not a RuntimeWarning on the screen (errstate is this call's only)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = krippendorff.alpha(reliability_data=matrix,
                                       level_of_measurement="nominal")
    except (ValueError, ZeroDivisionError):
        return float("nan")
    return float(value) if np.isfinite(value) else float("nan")


def _one_category(values: np.ndarray) -> str:
    values = values[~np.isnan(values)]
    if values.size and (values == 1).all():
        return "one category only (coded on every unit)"
    if values.size and (values == 0).all():
        return "one category only (coded on no unit)"
    return "undefined"


def why_undefined(matrix: np.ndarray, kappa: float, alpha: float) -> str:
    """Why kappa or alpha is n/a for a coders x units matrix of 0/1/NaN, in a few words;
    '' when both are defined (kappa with more than two coders is n/a by definition)."""
    reasons = {}
    if kappa != kappa and matrix.shape[0] == 2:
        decided = matrix[:, ~np.isnan(matrix).any(axis=0)]
        reasons["kappa"] = (_one_category(decided) if decided.shape[1]
                            else "no units in common")
    if alpha != alpha:
        pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
        reasons["alpha"] = (_one_category(matrix[:, pairable]) if pairable.any()
                            else "no units in common" if matrix.shape[0] == 2
                            else "no unit decided by two coders")
    if len(set(reasons.values())) == 1 and len(reasons) == 2:
        return reasons["kappa"]
    return "; ".join(f"{name} n/a: {why}" for name, why in reasons.items())


def _figures(matrix: np.ndarray) -> dict:
    """matrix: coders x units of 0/1/NaN."""
    complete = ~np.isnan(matrix).any(axis=0)
    decided = matrix[:, complete]
    units = int(complete.sum())
    agree = float((decided == decided[0]).all(axis=0).mean()) if units else float("nan")
    kappa = (cohen_kappa(decided[0], decided[1]) if matrix.shape[0] == 2 and units
             else float("nan"))
    alpha = krippendorff_alpha(matrix)
    return {"units": units, "agreement": agree, "kappa": kappa, "alpha": alpha,
            "why_na": why_undefined(matrix, kappa, alpha),
            **{f"coded_{i}": int(np.nansum(matrix[i] == 1)) for i in range(matrix.shape[0])}}


def _coder_codings(project: Project, coder: str, statuses) -> pd.DataFrame:
    statuses = tuple(statuses)
    selection = (Selection(origins=(coder,), statuses=statuses) if coder in ORIGINS
                 else Selection(coders=(coder,), statuses=statuses))
    rows = project.coding_spans(selection)
    if not rows:
        which = ("" if statuses == COUNTED_STATUSES
                 else f" with status {'/'.join(statuses)}")
        raise QualcodeError(f"no codings by {coder!r}{which} (a coder's name, or an origin: "
                            f"{', '.join(ORIGINS)})")
    return pd.DataFrame(rows, columns=["document", "start", "end", "code_id"])


def _units(project: Project, unit: str) -> pd.DataFrame:
    """document, start, end of every unit (participants' speech, or whole documents)."""
    if unit == "document":
        rows = [(doc, 0, length) for doc, length in project.text_lengths().items()]
    else:
        kind = "turn" if unit == "character" else unit
        rows = [(s.document_id, s.start, s.end)
                for s in project_units(project, kind, participants_only=True)]
    return pd.DataFrame(rows, columns=["document", "start", "end"]).sort_values(
        ["document", "start"], kind="stable").reset_index(drop=True)


def agreement(project: Project, coders: list[str], unit: str = "turn", codes=None,
              level: str = "codes", statuses=COUNTED_STATUSES,
              absent: str = "missing") -> Agreement:
    """Agreement between two or more coders (or origins) over a project's units.

    ``statuses``: which codings count (pending suggestions too: ``("applied", "accepted",
    "suggested")``); ``absent``: what a document a coder coded nothing in means for them
    (``"missing"`` or ``"no"``).

    >>> result = agreement(project, ["ann", "bob"], level="themes", absent="no")  # doctest: +SKIP
    >>> result.per_code[["code_id", "kappa", "why_na"]]  # doctest: +SKIP
    """
    if absent not in ABSENT:
        raise QualcodeError(f"absent must be one of {', '.join(ABSENT)}")
    if len(coders) < 2:
        raise QualcodeError("agreement needs at least two coders")
    if len(set(coders)) != len(coders):
        raise QualcodeError("the same coder is named twice")
    unit = _ALIASES.get(unit, unit)
    if unit not in UNITS:
        raise QualcodeError(f"unit must be one of {', '.join(UNITS)}")
    book = project.codebook()
    tops = book.top_themes()
    frames = []
    for coder in coders:
        frame = _coder_codings(project, coder, statuses)
        if level == "themes":
            frame["code_id"] = frame["code_id"].map(lambda c: tops.get(c, c))
        frames.append(frame)
    all_codes = sorted(set().union(*(set(f["code_id"]) for f in frames)),
                       key=lambda c: ([x.id for x in book.codes] + [c]).index(c))
    wanted = [c for c in all_codes if codes is None or c in set(codes)]
    units = _units(project, unit)
    documents = set(units["document"])
    uncoded = {coder: len(documents - set(f["document"]))
               for coder, f in zip(coders, frames, strict=True)}
    covered_docs = [documents if absent == "no" else set(f["document"]) for f in frames]
    texts = project.texts()
    extra = {"absent": absent, "uncoded": uncoded, "documents": len(documents)}
    if unit == "character":
        return _character_agreement(units, frames, coders, wanted, covered_docs, book, unit,
                                    extra)
    rows, disagreements = [], []
    pooled: list[np.ndarray] = []
    for code in wanted:
        matrix = np.full((len(coders), len(units)), np.nan)
        for i, frame in enumerate(frames):
            mine = frame[frame["code_id"] == code]
            present = _overlaps(units, mine)
            in_scope = units["document"].isin(covered_docs[i]).to_numpy()
            matrix[i, in_scope] = present[in_scope]
        pooled.append(matrix)
        rows.append({"code_id": code, "code": _name(book, code), **_figures(matrix)})
        differ = ~np.isnan(matrix).any(axis=0) & ~(matrix == matrix[0]).all(axis=0)
        for index in np.flatnonzero(differ):
            u = units.iloc[index]
            disagreements.append({
                "document": u["document"], "start": int(u["start"]), "end": int(u["end"]),
                "code_id": code,
                **{coder: "yes" if matrix[i, index] == 1 else "no"
                   for i, coder in enumerate(coders)},
                "text": " ".join(texts[u["document"]][u["start"]:u["end"]].split()),
            })
    return _result(rows, pooled, disagreements, coders, unit, extra)


def _overlaps(units: pd.DataFrame, codings: pd.DataFrame) -> np.ndarray:
    """1.0 for each unit that any of ``codings`` overlaps, else 0.0."""
    present = np.zeros(len(units))
    if codings.empty:
        return present
    for document, group in codings.groupby("document"):
        index = np.flatnonzero((units["document"] == document).to_numpy())
        if not len(index):
            continue
        starts = units["start"].to_numpy()[index]
        ends = units["end"].to_numpy()[index]
        for s, e in zip(group["start"], group["end"], strict=True):
            present[index[(starts < e) & (ends > s)]] = 1.0
    return present


def _name(book, code: str) -> str:
    return next((c.name for c in book.codes if c.id == code), code)


def _result(rows, pooled, disagreements, coders, unit, extra) -> Agreement:
    columns = ["code_id", "code", "units", "agreement", "kappa", "alpha",
               *[f"coded_{i}" for i in range(len(coders))], "why_na"]
    per_code = pd.DataFrame(rows, columns=columns).rename(
        columns={f"coded_{i}": f"coded by {c}" for i, c in enumerate(coders)})
    overall = _figures(np.concatenate(pooled, axis=1)) if pooled else {}
    overall = {k: v for k, v in overall.items() if not k.startswith("coded_")}
    frame = pd.DataFrame(disagreements, columns=["document", "start", "end", "code_id",
                                                 *coders, "text"])
    return Agreement(per_code, overall, frame, list(coders), unit, **extra)


def _character_agreement(units, frames, coders, wanted, covered_docs, book, unit,
                         extra) -> Agreement:
    """Every character of participants' speech is a unit (intervals as boolean masks)."""
    spans = {doc: group for doc, group in units.groupby("document")}
    rows, pooled = [], []
    for code in wanted:
        columns = []
        for doc, group in spans.items():
            length = int(group["end"].max())
            speech = np.zeros(length, dtype=bool)
            for s, e in zip(group["start"], group["end"], strict=True):
                speech[s:e] = True
            block = np.full((len(coders), int(speech.sum())), np.nan)
            for i, frame in enumerate(frames):
                if doc not in covered_docs[i]:
                    continue
                marked = np.zeros(length, dtype=bool)
                mine = frame[(frame["document"] == doc) & (frame["code_id"] == code)]
                for s, e in zip(mine["start"], mine["end"], strict=True):
                    marked[s:min(e, length)] = True
                block[i] = marked[speech].astype(float)
            columns.append(block)
        matrix = np.concatenate(columns, axis=1) if columns else np.empty((len(coders), 0))
        pooled.append(matrix)
        rows.append({"code_id": code, "code": _name(book, code), **_figures(matrix)})
    return _result(rows, pooled, [], coders, unit, extra)
