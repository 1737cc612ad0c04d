"""Cold start: suggestions before anything is coded, from the codebook's own words.

Each code's profile is its name, description, inclusion criteria and examples (not its
keywords: those are the rule engine's). Each unit is compared with every profile by TF-IDF
cosine similarity; a unit's most similar codes above a floor become suggestions, marked with
the model ``cold-start`` so nobody takes them for a trained model's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qualcode.errors import ProjectError
from qualcode.model import Coding
from qualcode.segment import project_units

if TYPE_CHECKING:
    from qualcode.store import Project

COLD_MODEL = "cold-start"


@dataclass
class ColdReport:
    suggestions: int = 0
    replaced: int = 0
    codes: int = 0


def profile(code) -> str:
    """The text that describes a code: name, description, criteria to include, examples."""
    return " ".join([code.name, code.description, *code.include, *code.examples])


def suggest_cold(project: Project, *, unit: str = "turn", top: int = 2,
                 min_similarity: float = 0.08) -> ColdReport:
    """Suggest each participant unit's ``top`` most similar codes (similarity >= floor)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from qualcode.suggest.training import SUGGESTER, blocked_codes
    from qualcode.timeutil import now

    started = now()
    codes = [c for c in project.codebook().codes if c.codable and profile(c).strip()]
    if not codes:
        raise ProjectError("no codes with definitions in this project: load a codebook first "
                           "(qualcode code, or apply/import with --codebook)", project.path)
    units = project_units(project, unit, participants_only=True)
    if not units:
        raise ProjectError("no participant units to suggest codes for", project.path)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
    vectorizer.fit([u.text for u in units] + [profile(c) for c in codes])
    unit_matrix = vectorizer.transform([u.text for u in units])
    code_matrix = vectorizer.transform([profile(c) for c in codes])
    similarity = (unit_matrix @ code_matrix.T).toarray()
    names = vectorizer.get_feature_names_out()
    blocked = blocked_codes(project, units)
    suggestions = []
    for i, segment in enumerate(units):
        for j in np.argsort(-similarity[i])[:top]:
            score = float(similarity[i, j])
            code = codes[j]
            if score < min_similarity or code.id in blocked[i]:
                continue
            shared = unit_matrix[i].multiply(code_matrix[j]).tocsr()
            order = np.argsort(-shared.data)[:5]
            terms = ", ".join(str(names[shared.indices[k]]) for k in order)
            suggestions.append(Coding(segment.document_id, segment.start, segment.end, code.id,
                                      SUGGESTER, origin="ml", status="suggested",
                                      model=COLD_MODEL, confidence=round(score, 4),
                                      rule=f"reason: cold start, shares {terms}"))
    report = ColdReport(codes=len(codes))
    with project.transaction():
        report.replaced, report.suggestions = project.replace_suggestions(suggestions)
        project.log_run("suggest --cold", started,
                        {"unit": unit, "top": top, "min_similarity": min_similarity}, [])
    return report
