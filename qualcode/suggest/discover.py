"""Discovery: themes in what no code covers, as candidate codes ready for the codebook.

Participant units that carry no coding are clustered (TF-IDF + NMF); each cluster is named by
its top terms and its strongest collocations (NLTK's bigram finder, no data download), shown
with its most typical units, and written out as a YAML snippet of candidate codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import yaml

from qualcode.errors import ProjectError
from qualcode.model import COUNTED_STATUSES, Selection
from qualcode.segment import project_units

if TYPE_CHECKING:
    from qualcode.store import Project

# Talk that says nothing about a theme: fillers, transcription marks, contraction halves.
SPOKEN = frozenset("""
yeah yes okay laughs laughter inaudible crosstalk sort kind know mean think thought really
actually just got lot lots bit things thing like well said say says saying going gonna want
ll ve don didn isn wasn doesn couldn wouldn people way time yeah right sure good
""".split())


@dataclass
class Cluster:
    number: int
    terms: list[str]
    collocations: list[str]
    units: int
    typical: list[tuple[str, int, int, str]]  # document, start, end, text


def uncovered_units(project: Project, unit: str = "turn") -> list:
    """Participant units no coding that counts overlaps."""
    segments = project_units(project, unit, participants_only=True)
    spans: dict[str, list[tuple[int, int]]] = {}
    for doc, start, end, _code in project.coding_spans(Selection(statuses=COUNTED_STATUSES)):
        spans.setdefault(doc, []).append((start, end))
    return [s for s in segments
            if not any(a < s.end and b > s.start for a, b in spans.get(s.document_id, ()))]


def discover(project: Project, *, k: int | None = None, unit: str = "turn", typical: int = 3,
             random_state: int = 0) -> list[Cluster]:
    """Cluster the uncovered units into ``k`` candidate themes (default: about one per 15)."""
    from nltk.collocations import BigramAssocMeasures, BigramCollocationFinder
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    units = [u for u in uncovered_units(project, unit) if len(u.text.split()) >= 8]
    if len(units) < 4:
        raise ProjectError(f"only {len(units)} uncovered units of 8 words or more: too few "
                           "to find themes in", project.path)
    k = k or max(2, min(8, len(units) // 15))
    k = min(k, len(units) - 1)
    vectorizer = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | SPOKEN), min_df=2,
                                 max_df=0.5, token_pattern=r"(?u)\b[^\W\d_]{3,}\b")
    matrix = vectorizer.fit_transform([u.text for u in units])
    model = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=400)
    weights = model.fit_transform(matrix)
    names = vectorizer.get_feature_names_out()
    assignment = weights.argmax(axis=1)
    clusters = []
    measures = BigramAssocMeasures()
    for number in range(k):
        members = np.flatnonzero(assignment == number)
        if not len(members):
            continue
        terms = [str(names[i]) for i in np.argsort(-model.components_[number])[:8]]
        words = [w for i in members for w in re.findall(r"[^\W\d_]{3,}",
                                                         units[i].text.lower())]
        finder = BigramCollocationFinder.from_words(words)
        finder.apply_freq_filter(2)
        finder.apply_word_filter(lambda w: w in ENGLISH_STOP_WORDS or w in SPOKEN)
        collocations = [" ".join(pair) for pair in finder.nbest(measures.likelihood_ratio, 3)]
        order = members[np.argsort(-weights[members, number])][:typical]
        clusters.append(Cluster(number + 1, terms, collocations, len(members), [
            (units[i].document_id, units[i].start, units[i].end, units[i].text)
            for i in order]))
    return sorted(clusters, key=lambda c: -c.units)


def candidate_yaml(clusters: list[Cluster]) -> str:
    """The clusters as candidate codes, YAML to paste under a codebook's ``codes:``."""
    codes = []
    for cluster in clusters:
        head = "-".join(re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")
                        for t in cluster.terms[:2])
        examples = [" ".join(text.split())[:200] for _, _, _, text in cluster.typical[:2]]
        codes.append({
            "id": f"candidate-{cluster.number}-{head}"[:60].rstrip("-"),
            "name": f"Candidate: {', '.join(cluster.terms[:3])}",
            "description": (f"Discovered in {cluster.units} uncovered units. Top terms: "
                            f"{', '.join(cluster.terms)}."
                            + (f" Collocations: {'; '.join(cluster.collocations)}."
                               if cluster.collocations else "")
                            + " Name it, define it, and choose its keywords before use."),
            "examples": examples,
            "keywords": cluster.collocations[:3] or cluster.terms[:3],
        })
    return yaml.safe_dump(codes, sort_keys=False, allow_unicode=True, width=100)
