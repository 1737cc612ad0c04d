"""Each code's logistic regression: a threshold by cross-validation, the fold models averaged.

Kept apart from ``CodeSuggester`` so that it can run in a ``Worker`` process which imports
scikit-learn (~1.7 s) while the suggester computes the features: all it needs is each code's
matrix of chosen n-grams and the labels. Only entry points start that process
(``fitting_worker``): a library call that forks or spawns breaks a script without a
``__main__`` guard wherever Python spawns (macOS, Windows).
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from qualcode.workers import Worker

SKLEARN = ("sklearn.linear_model", "sklearn.model_selection")
THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)
# A code on this many units gets two folds, not three: each half still holds 50 or more of
# its units to learn from and to set the threshold on. On the 10,000-unit bench (holdout
# kappa .781 against .784) that saves a third of the fits; on the sample's codes (8-42 units)
# three folds do clearly better (.61 against .55), so they keep them.
MANY_EXAMPLES = 100


@dataclass(frozen=True)
class FitSettings:
    """The suggester's parameters that the fits need (see ``CodeSuggester``)."""

    C: float = 4.0
    cv_folds: int = 3
    threshold: float | None = None
    max_negatives: int | None = 2000
    random_state: int = 0


def fit_codes(settings: FitSettings, matrices: list, truth: np.ndarray,
              groups: list | None) -> list[tuple[np.ndarray, float, float]]:
    """For each code j (``matrices[j]``, labels ``truth[:, j]``): weights, intercept and
    probability threshold. ``groups`` (documents) keeps a document's units in one fold."""
    folds = {k: _group_folds(settings, groups, len(truth), k) for k in {2, settings.cv_folds}}
    # liblinear lets go of the GIL, so a second thread keeps the second core busy.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda j: _fit_code(settings, matrices[j], truth[:, j], folds),
                             range(len(matrices))))


def fitting_worker() -> Worker:
    """A ``Worker`` for ``CodeSuggester.fit(..., worker=...)``: a second process imports
    scikit-learn while this one reads the units and makes the features, then fits the codes.
    Start it at an entry point (a command, a script's ``if __name__ == "__main__":``), never
    inside a library call; it runs here if scikit-learn is imported already.

    >>> from qualcode.suggest.classifier import CodeSuggester
    >>> with fitting_worker() as worker:
    ...     model = CodeSuggester(min_examples=2).fit(
    ...         ["budget cut", "cut the budget", "health", "police"],
    ...         [{"budget"}, {"budget"}, set(), set()], worker=worker)
    >>> model.codes_
    ['budget']
    """
    return Worker(fit_codes, SKLEARN, here="sklearn" in sys.modules)


def _group_folds(settings: FitSettings, groups, n: int, k: int) -> list | None:
    from sklearn.model_selection import GroupKFold

    if settings.threshold is not None or groups is None or len(set(groups)) < k:
        return None
    return list(GroupKFold(n_splits=k).split(np.zeros(n), groups=groups))


def _fit_code(settings: FitSettings, matrix, y: np.ndarray, group_folds: dict
              ) -> tuple[np.ndarray, float, float]:
    """One code's weights (the fold models' average), intercept and threshold."""
    from sklearn.model_selection import StratifiedKFold

    if matrix.shape[1] == 0:  # its units share no n-gram: nothing to learn, never suggest
        return np.zeros(0), -30.0, 1.0
    matrix = matrix.astype(np.float64)  # once, not once per fit (liblinear wants float64)
    positives = int(y.sum())
    wanted = 2 if positives >= MANY_EXAMPLES else settings.cv_folds
    folds = min(wanted, positives, len(y) - positives)
    if settings.threshold is not None or folds < 2:
        model = _model(settings).fit(matrix, y)
        return model.coef_[0], float(model.intercept_[0]), (
            settings.threshold if settings.threshold is not None else 0.5)
    splits = group_folds.get(wanted) or StratifiedKFold(
        n_splits=folds, shuffle=True, random_state=settings.random_state).split(matrix, y)
    scores = np.zeros(len(y))
    coefs, intercepts = [], []
    for train, test in splits:
        if y[train].min() == y[train].max():
            continue
        train = _sample(settings, train, y)
        model = _model(settings).fit(matrix[train], y[train])
        scores[test] = model.predict_proba(matrix[test])[:, 1]
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    if len(coefs) < 2:
        model = _model(settings).fit(matrix, y)
        return model.coef_[0], float(model.intercept_[0]), 0.5
    return np.mean(coefs, axis=0), float(np.mean(intercepts)), _best_threshold(y, scores)


def _sample(settings: FitSettings, rows: np.ndarray, y: np.ndarray) -> np.ndarray:
    """All the positive rows and at most ``max_negatives`` (or four per positive, if more)
    of the negative ones, drawn at random: with balanced class weights the model hardly
    changes, and a common code's fit on 10,000 units gets several times faster."""
    negatives = rows[~y[rows]]
    keep = max(settings.max_negatives or 0, 4 * (len(rows) - len(negatives)))
    if settings.max_negatives is None or len(negatives) <= keep:
        return rows
    drawn = np.random.default_rng(settings.random_state).choice(negatives, keep, replace=False)
    return np.sort(np.concatenate([rows[y[rows]], drawn]))


def _model(settings: FitSettings):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=settings.C, class_weight="balanced", solver="liblinear",
                              random_state=settings.random_state)


def _best_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The F1-best threshold on the grid (nearest 0.5 among equals)."""
    best, best_key = 0.5, (-1.0, 0.0)
    for t in THRESHOLD_GRID:
        guess = scores >= t
        tp = int((guess & y).sum())
        f1 = 2 * tp / (guess.sum() + y.sum()) if tp else 0.0
        key = (f1, -abs(t - 0.5))
        if key > best_key:
            best, best_key = float(t), key
    return best
