"""Machine-suggested codes: a classifier trained on what has been coded, and its review.

``CodeSuggester`` is a scikit-learn-style estimator; ``training`` turns a project's units and
codings into its input, stores suggestions, and measures accuracy; ``review`` records a
person's decisions.
"""
