"""``CodeSuggester``: one linear classifier per code over word and character n-grams.

TF-IDF of word 1-2-grams and character 3-5-grams (within words), a logistic regression per code
with balanced class weights, and a per-code probability threshold chosen by cross-validation
(the F1-best on held-out folds) rather than a fixed 0.5. It follows scikit-learn's conventions:
``__init__`` stores keyword parameters, ``fit`` returns ``self``, learned state ends in ``_``.
"""

from __future__ import annotations

import numpy as np

THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)


def _texts(texts) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("expected a list of texts, got a single str")
    return [str(t) for t in texts]


class CodeSuggester:
    """Suggests codes for units of text.

    >>> model = CodeSuggester(min_examples=2).fit(
    ...     ["budget cuts hit us", "the budget was cut", "police and health", "health partners",
    ...      "more cuts to the budget"],
    ...     [{"budget"}, {"budget"}, {"partners"}, {"partners"}, {"budget"}])
    >>> sorted(model.codes_)
    ['budget', 'partners']
    """

    def __init__(self, *, min_examples: int = 5, threshold: float | None = None, C: float = 4.0,
                 cv_folds: int = 3, max_features: int = 50000, random_state: int = 0):
        self.min_examples = min_examples
        self.threshold = threshold
        self.C = C
        self.cv_folds = cv_folds
        self.max_features = max_features
        self.random_state = random_state

    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        return FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                      max_features=self.max_features)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                      min_df=2, max_features=self.max_features)),
        ])

    def _model(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear",
                                  random_state=self.random_state)

    def fit(self, texts, labels, groups=None) -> CodeSuggester:
        """Learn from texts and their sets of codes; ``groups`` (e.g. document ids) keeps a
        document's units together when thresholds are cross-validated."""
        texts = _texts(texts)
        labels = [set(codes) for codes in labels]
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        counts: dict[str, int] = {}
        for codes in labels:
            for code in codes:
                counts[code] = counts.get(code, 0) + 1
        self.examples_ = counts
        self.skipped_ = {c: n for c, n in counts.items()
                         if n < self.min_examples or n == len(texts)}
        self.codes_ = sorted(c for c in counts if c not in self.skipped_)
        self.vectorizer_ = self._vectorizer().fit(texts)
        words = self.vectorizer_.transformer_list[0][1]
        self.word_names_ = words.get_feature_names_out()
        matrix = self.vectorizer_.transform(texts)
        self.models_, self.thresholds_ = {}, {}
        for code in self.codes_:
            y = np.array([code in codes for codes in labels], dtype=int)
            self.models_[code] = self._model().fit(matrix, y)
            self.thresholds_[code] = (self.threshold if self.threshold is not None
                                      else self._cv_threshold(matrix, y, groups))
        return self

    def _cv_threshold(self, matrix, y, groups) -> float:
        from sklearn.metrics import f1_score
        from sklearn.model_selection import GroupKFold, StratifiedKFold

        positives = int(y.sum())
        folds = min(self.cv_folds, positives, len(y) - positives)
        if folds < 2:
            return 0.5
        if groups is not None and len(set(groups)) >= folds:
            splitter = GroupKFold(n_splits=folds).split(matrix, y, groups)
        else:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True,
                                       random_state=self.random_state).split(matrix, y)
        scores = np.zeros(len(y))
        for train, test in splitter:
            if y[train].min() == y[train].max():
                continue
            scores[test] = self._model().fit(matrix[train], y[train]).predict_proba(
                matrix[test])[:, 1]
        best = max(THRESHOLD_GRID, key=lambda t: (f1_score(y, scores >= t, zero_division=0),
                                                   -abs(t - 0.5)))
        return float(best)

    def predict_proba(self, texts) -> np.ndarray:
        """Probabilities, one column per code of ``codes_`` (texts, or ``transform`` rows)."""
        matrix = texts if hasattr(texts, "tocsr") else self.transform(texts)
        if not self.codes_:
            return np.zeros((matrix.shape[0], 0))
        return np.column_stack([self.models_[c].predict_proba(matrix)[:, 1]
                                for c in self.codes_])

    def predict(self, texts) -> list[set[str]]:
        """The codes whose probability reaches their threshold."""
        proba = self.predict_proba(texts)
        return [{c for j, c in enumerate(self.codes_) if row[j] >= self.thresholds_[c]}
                for row in proba]

    def reasons(self, text_or_row, code: str, top: int = 5) -> list[str]:
        """The words and phrases that pushed this text's probability for ``code`` up most
        (their weight times their TF-IDF in the text). Pass a text, or a row of
        ``transform`` to save re-vectorising."""
        row = (self.transform([text_or_row]) if isinstance(text_or_row, str)
               else text_or_row).tocsr()
        width = len(self.word_names_)
        coef = self.models_[code].coef_[0]
        contributions = [(coef[i] * v, i) for i, v in zip(row.indices, row.data, strict=True)
                         if i < width and coef[i] * v > 0]
        contributions.sort(reverse=True)
        return [str(self.word_names_[i]) for _, i in contributions[:top]]

    def transform(self, texts):
        """The TF-IDF features of texts (word n-grams first, then character n-grams)."""
        return self.vectorizer_.transform(_texts(texts))
