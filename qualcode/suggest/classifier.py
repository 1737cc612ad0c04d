"""``CodeSuggester``: linear classifiers over word and character n-grams, and the context.

TF-IDF of words and character 3-5-grams within words (``features.NgramFeatures``) of each
unit with its context's words (the interviewer's question before a turn). Per code a logistic
regression with balanced class weights on the n-grams that tell its units apart best (by
log-count ratio among n-grams in at least two of its units): how many, of ``feature_counts``
(3,000 by default; ``None`` is all of them), the inner cross-validation chooses per code, with
a probability threshold (the F1-best on held-out folds) rather than a fixed 0.5. The children
of an ``exclusive`` parent (one of them or none per unit) are one multinomial model instead,
on every such n-gram of the unit alone (regularisation doing the choosing) and its context as
a block of its own whose weight (``context_weights``) the inner cross-validation chooses, as it
chooses the class weights (square-root balanced or none: ``fitting.GROUP_CLASS_WEIGHT_POWERS``),
with one threshold for its best code, so a unit gets at most one of them. For a single code the
fold models' average is the final model, so it costs its folds' fits for each configuration and
no more; a group's chosen configuration is fitted once more on all its units (``fitting``).
It follows scikit-learn's conventions: ``__init__`` stores keyword parameters, ``fit``
returns ``self``, learned state ends in ``_``, and ``sklearn.base.clone`` copies it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from qualcode.suggest.features import BATCH, NgramFeatures, column_counts
from qualcode.suggest.fitting import (
    GROUP_FEATURE_COUNTS,
    FitSettings,
    Task,
    decide,
    fit_codes,
)

if TYPE_CHECKING:
    from qualcode.workers import Worker

_BATCH = 10  # codes handed to the fitting process at a time


def _texts(texts) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("expected a list of texts, got a single str")
    return [str(t) for t in texts]


class CodeSuggester:
    """Suggests codes for units of text.

    A scikit-learn estimator by its conventions (without importing scikit-learn, which costs
    more than a fit): ``get_params``/``set_params``, so ``sklearn.base.clone`` copies it;
    ``fit`` returns ``self``; learned state ends in ``_``. ``fit`` keeps no copy of the
    training features (``fit_transform`` hands them back) and starts no process: the CLI
    passes a ``worker`` (``fitting.fitting_worker()``) to fit the codes in a second process.

    >>> model = CodeSuggester(min_examples=2).fit(
    ...     ["budget cuts hit us", "the budget was cut", "police and health", "health partners",
    ...      "more cuts to the budget"],
    ...     [{"budget"}, {"budget"}, {"partners"}, {"partners"}, {"budget"}])
    >>> sorted(model.codes_)
    ['budget', 'partners']
    """

    def __init__(self, *, min_examples: int = 5, threshold: float | None = None,
                 C: float = FitSettings.C, cv_folds: int = FitSettings.cv_folds,
                 feature_counts: tuple[int | None, ...] = (3000,),
                 context_weights: tuple[float, ...] = (0.0, 1.0),
                 exclusive: dict[str, list[str]] | None = None,
                 max_negatives: int | None = FitSettings.max_negatives,
                 random_state: int = FitSettings.random_state):
        self.min_examples = min_examples
        self.threshold = threshold
        self.C = C
        self.cv_folds = cv_folds
        self.feature_counts = feature_counts
        self.context_weights = context_weights
        self.exclusive = exclusive
        self.max_negatives = max_negatives
        self.random_state = random_state

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The keyword parameters of ``__init__``, sorted (as scikit-learn lists them)."""
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if p.kind is p.KEYWORD_ONLY)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters given to ``__init__`` (none is an estimator, so ``deep`` changes
        nothing)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> CodeSuggester:
        """Change parameters (effective at the next ``fit``); unknown names are refused."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}: "
                                 f"valid parameters are {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def fit(self, texts, labels, groups=None, progress=None,
            worker: Worker | None = None, contexts=None) -> CodeSuggester:
        """Learn from texts and their sets of codes; ``groups`` (e.g. document ids) keeps a
        document's units together when thresholds are cross-validated; ``contexts`` (one
        text per unit, "" for none: the question a turn answers) become their own features.
        ``progress`` wraps the batches of codes as they are fitted (a progress bar).
        ``worker``: a started ``fitting.fitting_worker()`` to fit the codes in (by default
        they are fitted here)."""
        self.fit_transform(texts, labels, groups, progress, worker, contexts)
        return self

    def fit_transform(self, texts, labels, groups=None, progress=None,
                      worker: Worker | None = None, contexts=None) -> sp.csr_matrix:
        """``fit``, and return the training texts' features (``transform(texts, contexts)``,
        without computing them twice): suggesting for the units trained on needs them."""
        texts = _texts(texts)
        labels = [set(codes) for codes in labels]
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        if contexts is not None:
            contexts = _texts(contexts)
            if len(contexts) != len(texts):
                raise ValueError("texts and contexts differ in length")
        if worker is not None and worker.function is not fit_codes:
            raise ValueError("worker must run qualcode.suggest.fitting.fit_codes")
        counts: dict[str, int] = {}
        for codes in labels:
            for code in codes:
                counts[code] = counts.get(code, 0) + 1
        self.examples_ = counts
        self.skipped_ = {c: n for c, n in counts.items()
                         if n < self.min_examples or n == len(texts)}
        self.codes_ = sorted(c for c in counts if c not in self.skipped_)
        # an exclusive group needs two codes to learn from; with one it is that code's model
        self.groups_ = {parent: kept for parent, children in (self.exclusive or {}).items()
                        if len(kept := [c for c in children if c in self.codes_]) >= 2}
        self.__dict__.pop("_word_coefs", None)  # reasons of an earlier fit
        blocks = self._features(texts, contexts, fit=True)
        self.word_names_ = self.features_.word_names_
        truth = _truth(labels, self.codes_)
        tasks, rows = self._tasks(blocks, truth)
        groups = None if groups is None else list(groups)
        settings = self._settings()

        def arguments(batch: range) -> tuple:
            return settings, [tasks[j]() for j in batch], groups

        batches = [range(b, min(b + _BATCH, len(tasks))) for b in range(0, len(tasks), _BATCH)]
        # The worker fits one batch while the next is cut: two batches at most are cut and
        # queued at a time (queued, their matrices are held here until fitted, and all of a
        # large project's at once took gigabytes).
        waiting = iter(batches)
        if worker is not None:
            for batch in islice(waiting, 2):
                worker.submit(*arguments(batch))

        def fit_batch(batch: range) -> list:
            if worker is None:
                return fit_codes(*arguments(batch))
            done = worker.result()
            following = next(waiting, None)
            if following is not None:
                worker.submit(*arguments(following))
            return done

        fitted = [fit for batch in (progress or iter)(batches) for fit in fit_batch(batch)]
        matrix = blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr")
        self._assemble(fitted, rows, matrix.shape[1])
        return matrix

    def _features(self, texts: list[str], contexts: list[str] | None,
                  fit: bool = False) -> list[sp.csr_matrix]:
        """The feature blocks: the text with its context's words mixed in (the codes'
        models); with exclusive groups, the text alone and its context as a block of its
        own (the groups' models). ``fit``: learn the vocabularies first."""
        if fit:
            self.features_ = NgramFeatures()
            separate = bool(self.groups_) and contexts is not None
            self.unit_features_ = NgramFeatures() if self.groups_ else None
            self.context_features_ = NgramFeatures() if separate else None
        mixed = texts if contexts is None else [
            text + (f"\n[Q] {context}" if context else "")
            for text, context in zip(texts, contexts, strict=True)]
        blocks = [(self.features_, mixed), (self.unit_features_, texts),
                  (self.context_features_, contexts or [""] * len(texts))]
        return [(features.fit_transform if fit else features.transform)(block)
                for features, block in blocks if features is not None]

    def _tasks(self, blocks: list, truth: np.ndarray) -> tuple[list, list]:
        """What to fit, as functions that cut each task's columns when its batch is due
        (the tasks' own matrices would not all fit in memory at once), and per task its
        codes (columns of ``truth``) and candidate unit and context columns (numbered in
        the blocks side by side), best first. The tasks cut from one column-wise copy per
        block of its candidate columns only (a sixth of a large project's n-gram entries),
        not of every column."""
        column = {code: j for j, code in enumerate(self.codes_)}
        grouped = {code for codes in self.groups_.values() for code in codes}
        offsets = np.cumsum([0, *(b.shape[1] for b in blocks)])
        ratios: dict[int, _CountRatios] = {}

        def ranked(block: int, js: list[int], counts) -> np.ndarray:
            if block not in ratios:
                ratios[block] = _log_count_ratios(blocks[block], truth)
            limit = None if None in counts else max(counts)
            return _ranked(ratios[block][js].max(axis=0), limit)

        plan: list[tuple[list[int], int, int | None]] = [
            ([column[c]], 0, None) for c in self.codes_ if c not in grouped]
        plan += [([column[c] for c in codes], 1, 2 if len(blocks) > 2 else None)
                 for codes in self.groups_.values()]
        orders = []
        for js, unit_block, context_block in plan:
            counts = self.feature_counts if len(js) == 1 else GROUP_FEATURE_COUNTS
            orders.append((ranked(unit_block, js, counts), None if context_block is None
                           else ranked(context_block, js, counts)))
        ratios.clear()
        # each block's candidate columns (of any task), sorted, and those columns column-wise
        wanted: dict[int, list] = {}
        for (_, unit_block, context_block), (order, context_order) in zip(plan, orders,
                                                                         strict=True):
            wanted.setdefault(unit_block, []).append(order)
            if context_block is not None:
                wanted.setdefault(context_block, []).append(context_order)
        kept = {block: np.unique(np.concatenate(found)) for block, found in wanted.items()}
        columns = {block: blocks[block][:, kept[block]].tocsc() for block in kept}

        def among(block: int | None, order: np.ndarray | None) -> tuple[Any, Any]:
            """The block's column-wise candidates, and where ``order``'s columns are in it."""
            if block is None or order is None:
                return None, None
            return columns[block], np.searchsorted(kept[block], order)

        tasks, rows = [], []
        for (js, unit_block, context_block), (order, context_order) in zip(plan, orders,
                                                                          strict=True):
            counts = self.feature_counts if len(js) == 1 else GROUP_FEATURE_COUNTS
            weights = tuple(self.context_weights) if context_block is not None else (0.0,)
            if len(js) == 1:
                y = truth[:, js[0]]
            else:  # the class of each unit: its first code of the group (1, 2...), or 0
                inside = truth[:, js]
                y = np.where(inside.any(axis=1), inside.argmax(axis=1) + 1, 0)
            tasks.append(partial(_cut, *among(unit_block, order),
                                 *among(context_block, context_order),
                                 y, len(js) + 1, tuple(counts), weights))
            rows.append((js, offsets[unit_block] + order, None if context_block is None
                         else offsets[context_block] + context_order))
        return tasks, rows

    def _assemble(self, fitted: list, rows: list, width: int) -> None:
        """The fitted tasks' weights as one sparse (all blocks' columns) x codes matrix."""
        columns: list = [None] * len(self.codes_)
        self.intercept_ = np.zeros(len(self.codes_))
        self.thresholds_: dict[str, float] = {}
        self.chosen_: dict[str, dict] = {}
        for fit, (js, order, context_order) in zip(fitted, rows, strict=True):
            used = order[:fit.count]
            if fit.context_count:
                used = np.concatenate([used, context_order[:fit.context_count]])
            ranked = np.argsort(used, kind="stable")
            for k, j in enumerate(js):
                columns[j] = sp.csc_matrix((fit.coef[ranked, k] if len(used) else
                                            np.zeros(0), used[ranked],
                                            [0, len(used)]), shape=(width, 1))
                self.intercept_[j] = fit.intercept[k]
                code = self.codes_[j]
                self.thresholds_[code] = fit.threshold
                self.chosen_[code] = {"ngrams": int(fit.count),
                                      "context_weight": float(fit.context_weight)}
                if fit.class_weight_power is not None:  # an exclusive group's
                    self.chosen_[code]["class_weight_power"] = fit.class_weight_power
        self.coef_ = sp.hstack(columns, format="csc") if columns else sp.csc_matrix((width, 0))

    def _settings(self) -> FitSettings:
        return FitSettings(C=self.C, cv_folds=self.cv_folds, threshold=self.threshold,
                           max_negatives=self.max_negatives, random_state=self.random_state)

    def predict_proba(self, texts, contexts=None) -> np.ndarray:
        """Probabilities, one column per code of ``codes_`` (texts, or ``transform`` rows);
        an exclusive group's codes share one distribution (with none)."""
        from qualcode.suggest.fitting import _probabilities

        matrix = texts if hasattr(texts, "tocsr") else self.transform(texts, contexts)
        scores = np.asarray((matrix @ self.coef_).todense()) + self.intercept_
        proba = 1 / (1 + np.exp(-scores))
        for js in self._group_columns():
            proba[:, js] = _probabilities(scores[:, js], binary=False)
        return proba

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Units x codes: which codes ``predict`` suggests from ``predict_proba``'s output
        (each reaching its threshold; of an exclusive group, its best code only)."""
        chosen = proba >= np.array([self.thresholds_[c] for c in self.codes_])
        for js in self._group_columns():
            chosen[:, js] = decide(proba[:, js], self.thresholds_[self.codes_[js[0]]], False)
        return chosen

    def predict(self, texts, contexts=None) -> list[set[str]]:
        """The codes suggested for each text: those whose probability reaches their
        threshold, and at most one of an exclusive group (``BATCH`` texts at a time)."""
        batches: Iterable = [texts]
        if not hasattr(texts, "tocsr"):
            texts = _texts(texts)
            contexts = None if contexts is None else _texts(contexts)
            batches = (self.transform(texts[first:first + BATCH], None if contexts is None
                                      else contexts[first:first + BATCH])
                       for first in range(0, len(texts), BATCH))
        found: list[set[str]] = []
        for matrix in batches:
            rows: list[set[str]] = [set() for _ in range(matrix.shape[0])]
            for row, j, _ in self.suggestions(matrix):
                rows[row].add(self.codes_[j])
            found += rows
        return found

    def suggestions(self, matrix, batch: int | None = None) -> Iterator[tuple[int, int, float]]:
        """Each suggestion for the rows of a features matrix (``transform``'s, or the one
        ``fit_transform`` returns) as (row, column of ``codes_``, probability), by row, scored
        ``batch`` rows at a time (``features.BATCH`` by default): no rows x codes table of
        all of them is made.

        >>> model = CodeSuggester(min_examples=2).fit(
        ...     ["budget cut", "cut the budget", "health", "police"],
        ...     [{"budget"}, {"budget"}, set(), set()])
        >>> [(row, model.codes_[j]) for row, j, p in model.suggestions(
        ...     model.transform(["police", "the budget cut"]))]
        [(1, 'budget')]
        """
        matrix = sp.csr_matrix(matrix, copy=False)
        batch = batch or BATCH
        for first in range(0, matrix.shape[0], batch):
            proba = self.predict_proba(matrix[first:first + batch])
            for row, j in zip(*np.nonzero(self.decide(proba)), strict=True):
                yield first + int(row), int(j), float(proba[row, j])

    def _group_columns(self) -> list[list[int]]:
        column = {code: j for j, code in enumerate(self.codes_)}
        return [[column[c] for c in codes] for codes in self.groups_.values()]

    def reasons(self, text_or_row, code: str, top: int = 5) -> list[str]:
        """The words that pushed this text's probability for ``code`` up most (their weight
        times their TF-IDF in the text). Pass a text, or a row of ``transform``."""
        row = (self.transform([text_or_row]) if isinstance(text_or_row, str)
               else text_or_row).tocsr()
        return self._top_words(row.indices, row.data, code, top)

    def row_reasons(self, matrix, row: int, code: str, top: int = 5) -> list[str]:
        """``reasons`` for row ``row`` of a CSR ``matrix`` of features (read in place: for
        thousands of suggestions, slicing rows out costs more than the rest)."""
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        return self._top_words(matrix.indices[start:end], matrix.data[start:end], code, top)

    def _top_words(self, indices: np.ndarray, values: np.ndarray, code: str,
                   top: int) -> list[str]:
        columns, weights = self._word_coef(code)
        words = indices < len(self.word_names_)
        found = indices[words]
        where = np.searchsorted(columns, found).clip(0, max(len(columns) - 1, 0))
        weighted = columns[where] == found if len(columns) else np.zeros(len(found), bool)
        contributions = np.where(weighted, weights[where] if len(columns) else 0.0,
                                 0.0) * values[words]
        best = [i for i in np.argsort(-contributions, kind="stable")[:top]
                if contributions[i] > 0]
        return [str(self.word_names_[found[i]]) for i in best]

    def _word_coef(self, code: str) -> tuple[np.ndarray, np.ndarray]:
        """The words the code's model weighs (columns, sorted) and their weights, kept:
        reasons are asked for row after row. Sparse: a dense column per code was 50 times
        the vocabulary in memory."""
        cache = self.__dict__.setdefault("_word_coefs", {})
        if code not in cache:
            column = sp.csc_matrix(self.coef_[:, [self.codes_.index(code)]])
            column.sum_duplicates()
            words = column.indices < len(self.word_names_)
            cache[code] = column.indices[words], column.data[words]
        return cache[code]

    def transform(self, texts, contexts=None):
        """The features of texts: TF-IDF of words, then character n-grams, of each text with
        its context's words (if the model learnt from contexts), then, if it has exclusive
        groups, of the text alone and of its context."""
        blocks = self._features(_texts(texts), None if contexts is None else _texts(contexts))
        return blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr")


def _truth(labels: list[set[str]], codes: list[str]) -> np.ndarray:
    """Units x codes: does the unit carry the code."""
    column = {code: j for j, code in enumerate(codes)}
    truth = np.zeros((len(labels), len(codes)), dtype=bool)
    for i, unit_codes in enumerate(labels):
        for code in unit_codes:
            if code in column:
                truth[i, column[code]] = True
    return truth


def _cut(unit, order, context, context_order, y, classes, counts, weights) -> Task:
    """A task with its candidate columns cut out of the blocks."""
    return Task(unit[:, order].tocsr(), y,
                None if context is None else context[:, context_order].tocsr(),
                classes, counts, weights)


def _ranked(ratios: np.ndarray, count: int | None) -> np.ndarray:
    """Columns of the finite ratios, largest first (ties in column order), at most
    ``count`` of them (``None``: all)."""
    finite = np.flatnonzero(np.isfinite(ratios))
    order = finite[np.argsort(-ratios[finite], kind="stable")]
    return order if count is None else order[:count]


def _log_count_ratios(matrix, truth: np.ndarray) -> _CountRatios:
    """Per code (rows) and n-gram (columns), |log| of how much likelier the n-gram is in the
    code's units than in the others (add-one smoothed); -inf for n-grams in fewer than two of
    the code's units (than one, for a code with one unit), which are never chosen. Each
    code's row is made when asked for (see ``_CountRatios``)."""
    return _CountRatios(matrix, truth)


class _CountRatios:
    """``_log_count_ratios`` one code's row at a time: the codes x n-grams table, dense, was
    most of a fit's memory (50 codes x 2 million n-grams: 400 MB an array, and several made
    at once). Rows are the same numbers, computed the same way. A code's counts are made
    when its row is asked for, from its units' entries ``BATCH`` units at a time, so no
    codes x n-grams table is held at all (as a sparse product it held a third as many
    entries as the features, and three times that while it was summed)."""

    def __init__(self, matrix, truth: np.ndarray) -> None:
        self._matrix = sp.csr_matrix(matrix, copy=False)
        self._truth = truth
        self._everywhere = column_counts(self._matrix).astype(np.float32)
        self._positives = truth.sum(axis=0, dtype=np.float32)[:, None]
        self._units = len(truth)

    def __len__(self) -> int:
        return self._truth.shape[1]

    def _inside(self, code: int) -> np.ndarray:
        """In how many of the code's units each n-gram is."""
        matrix = self._matrix
        counts = np.zeros(matrix.shape[1], dtype=np.int64)
        units = np.flatnonzero(self._truth[:, code])
        for first in range(0, len(units), BATCH):
            batch = units[first:first + BATCH]
            starts = matrix.indptr[batch].astype(np.int64)
            lengths = matrix.indptr[batch + 1] - starts
            ends = np.cumsum(lengths)
            # the positions of the batch's entries: each unit's run of them, end to end
            entries = np.arange(ends[-1]) + np.repeat(starts - (ends - lengths), lengths)
            counts += np.bincount(matrix.indices[entries], minlength=matrix.shape[1])
        return counts.astype(np.float32)

    def __getitem__(self, code):
        """One code's row (``code`` an int), or the rows of a list of codes."""
        if not isinstance(code, int | np.integer):
            return np.vstack([self[c] for c in code]) if len(code) else np.zeros(
                (0, self._matrix.shape[1]), dtype=np.float32)
        inside = self._inside(int(code))
        positives = self._positives[int(code)]
        # log((inside + 1) / (positives + 2)) - log((outside + 1) / (negatives + 2))
        ratios = np.log((inside + 1) * ((self._units - positives + 2) / (positives + 2))
                        / (self._everywhere - inside + 1))
        np.abs(ratios, out=ratios)
        ratios[inside < np.minimum(positives, 2)] = -np.inf
        return ratios
