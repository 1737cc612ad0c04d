"""The one spaCy pipeline qualcode uses: no model download, so it runs anywhere.

``spacy.blank("en")`` with the rule-based ``sentencizer`` and the lookup lemmatizer whose tables
ship in ``spacy-lookups-data``. Loading it takes a second or two, so it is built once, lazily.
"""

from __future__ import annotations

from functools import lru_cache

SENTENCE_PIPES = ("sentencizer", "bracket_sentences")
_PAIRS = {"[": "]", "(": ")"}
_LONGEST_ASIDE = 12  # tokens: "[inaudible 00:12:03]", "(pause)", "[laughs]", "(crosstalk)"


def keep_asides(doc):
    """Keep a bracketed aside ([laughs], [inaudible], (pause)) inside one sentence.

    The sentencizer lets punctuation run on after a full stop, so "there. [laughs] And" split
    as "there. [" and "laughs] And" (287 of the sample's 2,463 sentences). The aside now stays
    whole with the sentence before it, and the next sentence starts after it.
    """
    index = 0
    while index < len(doc):
        close = _PAIRS.get(doc[index].text)
        end = None
        if close is not None:
            end = next((k for k in range(index + 1, min(index + _LONGEST_ASIDE, len(doc)))
                        if doc[k].text == close), None)
        if end is None:
            index += 1
            continue
        boundary = any(doc[k].is_sent_start for k in range(max(index, 1), end + 2)
                       if k < len(doc))
        for k in range(max(index, 1), end + 1):
            doc[k].is_sent_start = False
        if boundary and end + 1 < len(doc):
            doc[end + 1].is_sent_start = True
        index = end + 1
    return doc


@lru_cache(maxsize=1)
def get_nlp():
    """The shared pipeline: tokenizer, sentencizer (asides kept whole), lookup lemmatizer."""
    import spacy
    from spacy.language import Language

    if "bracket_sentences" not in Language.factories:
        Language.component("bracket_sentences", func=keep_asides)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("bracket_sentences")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp
