"""Machine-suggested codes: a classifier trained on what has been coded, and its review.

``CodeSuggester`` is a scikit-learn-style estimator; ``training`` turns a project's units and
codings into its input, stores suggestions, and measures accuracy; ``review`` records a
person's decisions.
"""

# Cold start's defaults (``cold.choose``), here so that the CLI shows them without importing
# numpy. Chosen on the sample's gold coding and on TalkMoves (README, "Cold start"): a unit's
# two most unusually similar codes, each at least one standard deviation above that code's
# mean over the units (z 1.0 was the best threshold on both; two a unit is near the sample's
# 1.4 gold codes per turn).
COLD_THRESHOLD = 1.0
COLD_TOP = 2
# How a unit is compared with a code's definition (``cold.METHODS``): TF-IDF words, a sentence
# embedding (the optional ``embed`` extra), or both (the mean of the two z-scores).
COLD_METHODS = ("tfidf", "embed", "both")
COLD_METHOD = "tfidf"
