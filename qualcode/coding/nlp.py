"""The one spaCy pipeline qualcode uses: no model download, so it runs anywhere.

``spacy.blank("en")`` with the rule-based ``sentencizer`` and the lookup lemmatizer whose tables
ship in ``spacy-lookups-data``. Loading it takes a second or two, so it is built once, lazily.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def get_nlp():
    """The shared pipeline: tokenizer, sentencizer, lookup lemmatizer."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp
