"""``CodeSuggester``: one linear classifier per code over word and character n-grams.

TF-IDF of words and character 3-5-grams within words (``features.NgramFeatures``), and per code
a logistic regression with balanced class weights on the few thousand n-grams that tell its
units apart best (the largest log-count ratios among n-grams in at least two of its units),
with a probability threshold chosen by cross-validation (the F1-best on held-out folds) rather
than a fixed 0.5. The fold models' average is the final model, so each code costs its folds'
fits and no more (``fitting``). Against the sample's gold coding this scores better than a
model on every n-gram refitted on all units (mean kappa over 17 codes .61 against .57), in
a fifth of the time; on 10,000 units, in a small fraction.
It follows scikit-learn's conventions: ``__init__`` stores keyword parameters, ``fit``
returns ``self``, learned state ends in ``_``, and ``sklearn.base.clone`` copies it.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from qualcode.suggest.features import NgramFeatures
from qualcode.suggest.fitting import FitSettings, fit_codes

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
                 features_per_code: int = 3000,
                 max_negatives: int | None = FitSettings.max_negatives,
                 random_state: int = FitSettings.random_state):
        self.min_examples = min_examples
        self.threshold = threshold
        self.C = C
        self.cv_folds = cv_folds
        self.features_per_code = features_per_code
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
            worker: Worker | None = None) -> CodeSuggester:
        """Learn from texts and their sets of codes; ``groups`` (e.g. document ids) keeps a
        document's units together when thresholds are cross-validated. ``progress`` wraps
        the batches of codes as they are fitted (a progress bar). ``worker``: a started
        ``fitting.fitting_worker()`` to fit the codes in (by default they are fitted here)."""
        self.fit_transform(texts, labels, groups, progress, worker)
        return self

    def fit_transform(self, texts, labels, groups=None, progress=None,
                      worker: Worker | None = None) -> sp.csr_matrix:
        """``fit``, and return the training texts' features (``transform(texts)``, without
        computing them twice): suggesting for the units trained on needs them."""
        texts = _texts(texts)
        labels = [set(codes) for codes in labels]
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
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
        self.__dict__.pop("_word_coefs", None)  # reasons of an earlier fit
        self.features_ = NgramFeatures()
        matrix = self.features_.fit_transform(texts)
        self.word_names_ = self.features_.word_names_
        truth = _truth(labels, self.codes_)
        ratios = _log_count_ratios(matrix, truth)
        columns = matrix.tocsc()
        chosen = [_top(ratios[j], self.features_per_code) for j in range(len(self.codes_))]
        del ratios
        groups = None if groups is None else list(groups)

        def arguments(batch: range) -> tuple:
            return (self._settings(), [columns[:, chosen[j]].tocsr() for j in batch],
                    truth[:, batch], groups)

        batches = [range(b, min(b + _BATCH, len(chosen)))
                   for b in range(0, len(chosen), _BATCH)]
        if worker is not None:  # it fits the first batch while the next ones are cut
            for batch in batches:
                worker.submit(*arguments(batch))
        fitted = [fit for batch in (progress or iter)(batches)
                  for fit in (worker.result() if worker is not None
                              else fit_codes(*arguments(batch)))]
        self.coef_ = sp.csc_matrix((matrix.shape[1], len(self.codes_)))
        if fitted:
            self.coef_ = sp.hstack([sp.csc_matrix((coef, chosen, [0, len(chosen)]),
                                                  shape=(matrix.shape[1], 1))
                                    for chosen, (coef, _, _) in zip(chosen, fitted,
                                                                    strict=True)],
                                   format="csc")
        self.intercept_ = np.array([intercept for _, intercept, _ in fitted], dtype=float)
        self.thresholds_ = {code: threshold for code, (_, _, threshold)
                            in zip(self.codes_, fitted, strict=True)}
        return matrix

    def _settings(self) -> FitSettings:
        return FitSettings(C=self.C, cv_folds=self.cv_folds, threshold=self.threshold,
                           max_negatives=self.max_negatives, random_state=self.random_state)

    def predict_proba(self, texts) -> np.ndarray:
        """Probabilities, one column per code of ``codes_`` (texts, or ``transform`` rows)."""
        matrix = texts if hasattr(texts, "tocsr") else self.transform(texts)
        scores = np.asarray((matrix @ self.coef_).todense()) + self.intercept_
        return 1 / (1 + np.exp(-scores))

    def predict(self, texts) -> list[set[str]]:
        """The codes whose probability reaches their threshold."""
        proba = self.predict_proba(texts)
        return [{c for j, c in enumerate(self.codes_) if row[j] >= self.thresholds_[c]}
                for row in proba]

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
        coef = self._word_coef(code)
        words = indices < len(coef)
        contributions = coef[indices[words]] * values[words]
        best = [i for i in np.argsort(-contributions, kind="stable")[:top]
                if contributions[i] > 0]
        return [str(self.word_names_[indices[words][i]]) for i in best]

    def _word_coef(self, code: str) -> np.ndarray:
        """The code's weights on words (dense, kept: reasons are asked for row after row)."""
        cache = self.__dict__.setdefault("_word_coefs", {})
        if code not in cache:
            column = self.coef_[:, self.codes_.index(code)].toarray().ravel()
            cache[code] = column[:len(self.word_names_)]
        return cache[code]

    def transform(self, texts):
        """The TF-IDF features of texts (words first, then character n-grams)."""
        return self.features_.transform(_texts(texts))


def _truth(labels: list[set[str]], codes: list[str]) -> np.ndarray:
    """Units x codes: does the unit carry the code."""
    column = {code: j for j, code in enumerate(codes)}
    truth = np.zeros((len(labels), len(codes)), dtype=bool)
    for i, unit_codes in enumerate(labels):
        for code in unit_codes:
            if code in column:
                truth[i, column[code]] = True
    return truth


def _top(ratios: np.ndarray, count: int) -> np.ndarray:
    """Columns of the ``count`` largest finite ratios, in column order."""
    if count < len(ratios):
        ratios_top = np.argpartition(-ratios, count)[:count]
    else:
        ratios_top = np.arange(len(ratios))
    return np.sort(ratios_top[np.isfinite(ratios[ratios_top])])


def _log_count_ratios(matrix, truth: np.ndarray) -> np.ndarray:
    """Per code (rows) and n-gram (columns), |log| of how much likelier the n-gram is in the
    code's units than in the others (add-one smoothed); -inf for n-grams in fewer than two of
    the code's units (than one, for a code with one unit), which are never chosen."""
    present = sp.csr_matrix((np.ones(len(matrix.data), dtype=np.float32), matrix.indices,
                             matrix.indptr),
                            shape=matrix.shape)
    inside = np.asarray((sp.csr_matrix(truth.T.astype(np.float32)) @ present).todense())
    everywhere = np.asarray(present.sum(axis=0), dtype=np.float32)
    positives = truth.sum(axis=0, dtype=np.float32)[:, None]
    # log((inside + 1) / (positives + 2)) - log((outside + 1) / (negatives + 2))
    ratios = np.log((inside + 1) * ((len(truth) - positives + 2) / (positives + 2))
                    / (everywhere - inside + 1))
    np.abs(ratios, out=ratios)
    ratios[inside < np.minimum(positives, 2)] = -np.inf
    return ratios
