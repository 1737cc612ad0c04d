"""Each code's logistic regression: a threshold by cross-validation, the fold models averaged
(an exclusive group's chosen configuration refitted on all its units instead).

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
from typing import Any

import numpy as np

from qualcode.workers import Worker

SKLEARN = ("sklearn.linear_model", "sklearn.model_selection")
THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)
# An exclusive group's multinomial model: on every n-gram in two of its units, regularised
# more than a code's (C 1 against 4: on TalkMoves' sentences it scored better and fits faster).
GROUP_FEATURE_COUNTS: tuple[int | None, ...] = (None,)
GROUP_C = 1.0
# An exclusive group's class weights: each class's balanced weight (units / (classes x its
# units)) to this power, the power chosen by the inner cross-validation (Cohen's kappa) per
# group. 0.5, their square root, lets rare codes be found; 0, none, lets the common ones win,
# which on much data can score better (TalkMoves' teacher moves, 191 lessons: kappa .588 with
# 0.5 alone, .608 with the choice, .614 with the choice and ``_refit``). The first is used
# where there is nothing to choose on.
GROUP_CLASS_WEIGHT_POWERS: tuple[float, ...] = (0.5, 0.0)
# an exclusive group's best code may win with a low probability (among many codes)
GROUP_GRID = np.round(np.arange(0.05, 0.91, 0.05), 2)
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


@dataclass
class Task:
    """One model to fit: a code's (``y`` bools) or an exclusive group's (``y`` the class of
    each unit, 0 for none of its codes). ``unit`` and ``context`` hold the candidate n-gram
    columns of the unit's text and of its context (``None``: no context), best first, so
    that the first ``k`` of them are the ``k`` best."""

    unit: Any
    y: np.ndarray
    context: Any = None
    classes: int = 2
    counts: tuple[int | None, ...] = (3000, None)
    weights: tuple[float, ...] = (0.0,)


@dataclass
class Fitted:
    """A fitted task: weights on the first ``count`` unit columns then the first
    ``context_count`` context columns (already times ``context_weight``); one column of
    ``coef``/``intercept`` per code (an exclusive group's codes, each against none); the
    probability threshold; the configuration the inner cross-validation chose."""

    coef: np.ndarray
    intercept: np.ndarray
    threshold: float
    count: int
    context_count: int
    context_weight: float
    class_weight_power: float | None = None


def fit_codes(settings: FitSettings, tasks: list[Task], groups: list | None) -> list[Fitted]:
    """Fit every task: for each configuration (n-grams kept, context weight) the folds'
    models, the one whose held-out predictions score best kept (the folds' average), with
    its threshold. ``groups`` (documents) keeps a document's units in one fold."""
    folds = {k: _group_folds(settings, groups, len(tasks[0].y), k)
             for k in {2, settings.cv_folds}} if tasks else {}
    # liblinear lets go of the GIL, so a second thread keeps the second core busy.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda task: _fit_task(settings, task, folds), tasks))


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


def _configurations(settings: FitSettings, task: Task) -> list[tuple[int, int, float]]:
    """(unit columns, context columns, context weight) to try, simplest first; an n-gram
    count at or above the candidates' is "all" and tried once."""
    counts = sorted({min(c if c is not None else task.unit.shape[1], task.unit.shape[1])
                     for c in task.counts})
    width = 0 if task.context is None else task.context.shape[1]
    weights = sorted({w for w in task.weights if w >= 0}) if width else [0.0]
    return [(count, min(count, width) if w else 0, w) for w in weights for count in counts]


def _block(task: Task, count: int, context_count: int, weight: float):
    import scipy.sparse as sp

    unit = task.unit[:, :count]
    if not context_count:
        return unit
    return sp.hstack([unit, task.context[:, :context_count] * weight], format="csr")


def _fit_task(settings: FitSettings, task: Task, group_folds: dict) -> Fitted:
    """One task's weights (the folds' average of the best configuration) and threshold."""
    from sklearn.model_selection import StratifiedKFold

    y = task.y
    binary = task.classes == 2
    present = y if binary else y > 0
    if task.unit.shape[1] == 0:  # its units share no n-gram: nothing to learn, never suggest
        return Fitted(np.zeros((0, task.classes - 1)), np.full(task.classes - 1, -30.0), 1.0,
                      0, 0, 0.0)
    task = Task(task.unit.astype(np.float64), y,  # once, not per fit (liblinear: float64)
                None if task.context is None else task.context.astype(np.float64),
                task.classes, task.counts, task.weights)
    positives = int(present.sum())
    wanted = 2 if positives >= MANY_EXAMPLES * (task.classes - 1) else settings.cv_folds
    folds = min(wanted, positives, len(y) - positives)
    configurations = _configurations(settings, task)
    if settings.threshold is not None or folds < 2:
        count, context_count, weight = configurations[0]
        coef, intercept = _coefficients(_model(settings, binary, _class_weights(y)).fit(
            _block(task, count, context_count, weight), y), task.classes)
        return Fitted(coef, intercept, settings.threshold if settings.threshold is not None
                      else 0.5, count, context_count, weight)
    splits = group_folds.get(wanted) or list(StratifiedKFold(
        n_splits=folds, shuffle=True, random_state=settings.random_state).split(
            np.zeros(len(y)), present))
    best = None
    powers: list = [None] if binary else list(GROUP_CLASS_WEIGHT_POWERS)
    for power, (count, context_count, weight) in (
            (p, c) for p in powers for c in configurations):
        matrix = _block(task, count, context_count, weight)
        scores = np.zeros((len(y), task.classes - 1))
        coefs, intercepts = [], []
        for train, test in splits:
            if len(np.unique(y[train])) < 2:
                continue
            train = _sample(settings, train, present)
            model = _model(settings, binary, _class_weights(y[train], power)).fit(
                matrix[train], y[train])
            coef, intercept = _coefficients(model, task.classes)
            coefs.append(coef)
            intercepts.append(intercept)
            scores[test] = _probabilities(matrix[test] @ coef + intercept, binary)
        if len(coefs) < 2:
            break
        threshold, quality = _best_threshold(y, scores, binary)
        if best is None or quality > best[0] + 1e-9:
            best = (quality, Fitted(np.mean(coefs, axis=0), np.mean(intercepts, axis=0),
                                    threshold, count, context_count, weight, power))
    if best is None:
        count, context_count, weight = configurations[0]
        coef, intercept = _coefficients(_model(settings, binary, _class_weights(y)).fit(
            _block(task, count, context_count, weight), y), task.classes)
        return Fitted(coef, intercept, 0.5, count, context_count, weight)
    fitted = best[1]
    if not binary:
        fitted = _refit(settings, task, fitted)
    fitted.coef[fitted.count:] *= fitted.context_weight  # on the context's own features
    return fitted


def _refit(settings: FitSettings, task: Task, chosen: Fitted) -> Fitted:
    """An exclusive group's chosen configuration (class weights, context weight) fitted
    again on all its units, with the threshold the inner cross-validation chose. A group has
    one model, not one per code, so the refit costs one fit; with two inner folds each fold
    model learnt from half the units. On TalkMoves (191 lessons) with the class weights
    chosen, refitting took teacher moves from kappa .608 / macro-F1 .353 to .614 / .383
    (student .476 / .530 to .473 / .535)."""
    matrix = _block(task, chosen.count, chosen.context_count, chosen.context_weight)
    model = _model(settings, False, _class_weights(task.y, chosen.class_weight_power)).fit(
        matrix, task.y)
    coef, intercept = _coefficients(model, task.classes)
    return Fitted(coef, intercept, chosen.threshold, chosen.count, chosen.context_count,
                  chosen.context_weight, chosen.class_weight_power)


def _class_weights(y: np.ndarray, power: float | None = None) -> dict | None:
    """An exclusive group's class weights: balanced ones to ``power`` (by default the first
    of ``GROUP_CLASS_WEIGHT_POWERS``); 0.5, the square root, is halfway (on a log scale)
    between letting the common codes win (no weights: rare moves almost never suggested) and
    balanced weights (rare moves found, kappa lower than a plain model's)."""
    if y.dtype == bool:
        return None
    power = GROUP_CLASS_WEIGHT_POWERS[0] if power is None else power
    labels, counts = np.unique(y, return_counts=True)
    return {int(label): float((len(y) / (len(labels) * count)) ** power)
            for label, count in zip(labels, counts, strict=True)}


def _coefficients(model, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns x codes weights and per-code intercepts: a binary model's one column; a
    multi-class model's each class against class 0 (none), so that none scores 0 (a class
    missing from the fit gets -30: never chosen; a fit with two classes is a binary model
    and its weights are split between them as a softmax would have them)."""
    if classes == 2:
        return model.coef_[0][:, None], np.array([model.intercept_[0]])
    coef = np.zeros((model.coef_.shape[1], classes))
    intercept = np.full(classes, -30.0)
    rows = model.coef_ if len(model.classes_) > 2 else np.vstack([-model.coef_, model.coef_]) / 2
    bias = model.intercept_ if len(model.classes_) > 2 else np.array(
        [-model.intercept_[0], model.intercept_[0]]) / 2
    for row, label in enumerate(model.classes_):
        coef[:, label] = rows[row]
        intercept[label] = bias[row]
    if 0 in model.classes_:
        coef -= coef[:, [0]]
        intercept = intercept - intercept[0]
    return coef[:, 1:], intercept[1:]


def _probabilities(scores: np.ndarray, binary: bool) -> np.ndarray:
    """Per code probabilities from scores against none: a sigmoid for a single code, the
    softmax with none at 0 for an exclusive group."""
    scores = np.asarray(scores)
    if binary:
        return 1 / (1 + np.exp(-scores))
    top = np.maximum(scores.max(axis=1, keepdims=True), 0)
    exp = np.exp(scores - top)
    return exp / (np.exp(-top) + exp.sum(axis=1, keepdims=True))


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


def _model(settings: FitSettings, binary: bool = True, weights: dict | None = None):
    from sklearn.linear_model import LogisticRegression

    if binary:
        return LogisticRegression(C=settings.C, class_weight="balanced", solver="liblinear",
                                  random_state=settings.random_state)
    return LogisticRegression(C=GROUP_C, class_weight=weights, solver="lbfgs",
                              max_iter=300, random_state=settings.random_state)


def decide(proba: np.ndarray, threshold: float | np.ndarray, binary: bool) -> np.ndarray:
    """Which codes to suggest: each code reaching its threshold; in an exclusive group only
    the most probable code, when it reaches the group's threshold."""
    if binary:
        return proba >= threshold
    best = proba.argmax(axis=1)
    chosen = np.zeros(proba.shape, dtype=bool)
    rows = np.arange(len(proba))
    chosen[rows, best] = proba[rows, best] >= threshold
    return chosen


def _best_threshold(y: np.ndarray, scores: np.ndarray, binary: bool) -> tuple[float, float]:
    """The best threshold on the grid (nearest 0.5 among equals) and its score: F1 for a
    code; for an exclusive group, Cohen's kappa over its codes and none."""
    best, best_key = 0.5, (-1.0, 0.0)
    grid = THRESHOLD_GRID if binary else GROUP_GRID
    for t in grid:
        chosen = decide(scores, t, binary)
        if binary:
            guess = chosen[:, 0]
            tp = int((guess & y).sum())
            quality = 2 * tp / (guess.sum() + y.sum()) if tp else 0.0
        else:
            guess = np.where(chosen.any(axis=1), chosen.argmax(axis=1) + 1, 0)
            quality = _kappa(y, guess, scores.shape[1] + 1)
        key = (quality, -abs(t - 0.5))
        if key > best_key:
            best, best_key = float(t), key
    return best, best_key[0]


def _kappa(truth: np.ndarray, guess: np.ndarray, classes: int) -> float:
    """Cohen's kappa of two integer labellings (0 when chance explains everything)."""
    table = np.bincount(truth * classes + guess, minlength=classes * classes).reshape(
        classes, classes).astype(float)
    total = table.sum()
    observed = np.trace(table) / total
    expected = float(table.sum(axis=0) @ table.sum(axis=1)) / total ** 2
    return 0.0 if expected >= 1 else (observed - expected) / (1 - expected)
