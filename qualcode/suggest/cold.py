"""Cold start: suggestions before anything is coded, from the codebook's own words.

Each code's profile is its name, description, inclusion criteria, examples and its children's
names (not its keywords: those are the rule engine's). Each unit is compared with every
profile by TF-IDF cosine similarity. A fixed similarity floor does not fit every code nor
every unit length (long turns share words with every profile, short ones with none), so each
code's similarities are standardised over the units (a z-score: how unusually close this unit
is to this code compared with the others), and a unit gets its ``top`` codes whose z-score
reaches ``threshold``; of an exclusive group, at most one. Suggestions are marked with the
model ``cold-start`` so nobody takes them for a trained model's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qualcode.errors import ProjectError
from qualcode.model import Coding
from qualcode.segment import project_units
from qualcode.suggest import COLD_THRESHOLD as DEFAULT_THRESHOLD
from qualcode.suggest import COLD_TOP as DEFAULT_TOP

if TYPE_CHECKING:
    from qualcode.store import Project

COLD_MODEL = "cold-start"


@dataclass
class ColdReport:
    suggestions: int = 0
    replaced: int = 0
    codes: int = 0
    units: int = 0


def profile(code, children: list | None = None) -> str:
    """The text that describes a code: name, description, criteria to include, examples,
    and its children's names."""
    return " ".join([code.name, code.description, *code.include, *code.examples,
                     *(child.name for child in children or [])])


def similarities(texts: list[str], profiles: list[str]):
    """Units x codes TF-IDF cosine similarities (words and word pairs, English stop words
    left out), with the fitted vectoriser and both matrices (for the shared terms)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    vectorizer.fit(list(texts) + list(profiles))
    unit_matrix = vectorizer.transform(texts)
    code_matrix = vectorizer.transform(profiles)
    return (unit_matrix @ code_matrix.T).toarray(), vectorizer, unit_matrix, code_matrix


def choose(similarity: np.ndarray, *, threshold: float = DEFAULT_THRESHOLD,
           top: int = DEFAULT_TOP, groups: list[list[int]] | None = None) -> np.ndarray:
    """Units x codes: which to suggest. A code's similarities become z-scores over the
    units; a unit gets its ``top`` highest-scoring codes at or above ``threshold`` (and
    sharing some term), and at most one code of each group of ``groups`` (columns).

    >>> choose(np.array([[0.0, 0.1], [0.0, 0.1], [0.9, 0.1], [0.1, 0.5]]), threshold=1)
    array([[False, False],
           [False, False],
           [ True, False],
           [False,  True]])
    """
    if top < 1:
        raise ValueError("top must be 1 or more")
    spread = similarity.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(spread > 0, (similarity - similarity.mean(axis=0)) / spread, -np.inf)
    z[(z < threshold) | (similarity <= 0)] = -np.inf
    for columns in groups or []:
        inside = z[:, columns]
        best = inside.argmax(axis=1)
        keep = np.full(inside.shape, -np.inf)
        rows = np.arange(len(z))
        keep[rows, best] = inside[rows, best]
        z[:, columns] = keep
    chosen = np.zeros(z.shape, dtype=bool)
    if z.shape[1]:
        order = np.argsort(-z, axis=1, kind="stable")[:, :top]
        rows = np.arange(len(z))[:, None]
        chosen[rows, order] = np.isfinite(z[rows, order])
    return chosen


def suggest_cold(project: Project, *, unit: str = "turn", top: int = DEFAULT_TOP,
                 threshold: float = DEFAULT_THRESHOLD) -> ColdReport:
    """Suggest for each participant unit its ``top`` codes whose similarity to their
    definitions is unusually high for that code (z-score over the units >= ``threshold``)."""
    from qualcode.suggest.training import SUGGESTER, blocked_codes, exclusive_groups
    from qualcode.timeutil import now

    started = now()
    book = project.codebook()
    codes = [c for c in book.codes
             if c.codable and profile(c, book.children(c.id)).strip()]
    if not codes:
        raise ProjectError("no codes with definitions in this project: load a codebook first "
                           "(qualcode code, or apply/import with --codebook)", project.path)
    units = project_units(project, unit, participants_only=True)
    if not units:
        raise ProjectError("no participant units to suggest codes for", project.path)
    similarity, vectorizer, unit_matrix, code_matrix = similarities(
        [u.text for u in units], [profile(c, book.children(c.id)) for c in codes])
    column = {code.id: j for j, code in enumerate(codes)}
    groups = [[column[c] for c in children if c in column]
              for children in exclusive_groups(book).values()]
    chosen = choose(similarity, threshold=threshold, top=top, groups=groups)
    names = vectorizer.get_feature_names_out()
    blocked = blocked_codes(project, units)
    suggestions = []
    for i, j in zip(*np.nonzero(chosen), strict=True):
        segment, code = units[i], codes[j]
        if code.id in blocked[i]:
            continue
        shared = unit_matrix[i].multiply(code_matrix[j]).tocsr()
        order = np.argsort(-shared.data)[:5]
        terms = ", ".join(str(names[shared.indices[k]]) for k in order)
        suggestions.append(Coding(segment.document_id, segment.start, segment.end, code.id,
                                  SUGGESTER, origin="ml", status="suggested",
                                  model=COLD_MODEL, confidence=round(float(similarity[i, j]), 4),
                                  rule=f"reason: cold start, shares {terms}"))
    report = ColdReport(codes=len(codes), units=len(units))
    with project.transaction():
        report.replaced, report.suggestions = project.replace_suggestions(suggestions)
        project.log_run("suggest --cold", started,
                        {"unit": unit, "top": top, "threshold": threshold}, [])
    return report
