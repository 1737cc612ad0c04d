"""Lemmas as qualcode matches them: spaCy's English lookup table applied to lowercase tokens.

spaCy's lookup lemmatizer keeps the case of capitalised words ("Partners" stays "Partners"),
which would make a keyword at the start of a sentence miss; qualcode lowercases first. The
same table, inverted once, gives every surface form of a lemma, which is what lets the fast
path find lemma keywords with a literal automaton.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache


class Lemmatizer:
    """``lemma("Partners") == "partner"``; ``forms("partner")`` lists partner, partners, ..."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        inverse: dict[str, set[str]] = defaultdict(set)
        for form, lemma in table.items():
            inverse[lemma].add(form)
        self._inverse = inverse

    def lemma(self, lower: str) -> str:
        """The lemma of an already-lowercased token (itself when the table has no entry)."""
        return self.table.get(lower, lower)

    def forms(self, lemma: str) -> set[str]:
        """Every lowercase surface form whose lemma is ``lemma``."""
        result = set(self._inverse.get(lemma, ()))
        if self.table.get(lemma, lemma) == lemma:
            result.add(lemma)
        return result


@lru_cache(maxsize=1)
def get_lemmatizer() -> Lemmatizer:
    """The shared lemmatizer, from ``spacy-lookups-data``'s English table (no download).

    Read straight from the package's JSON: spaCy's own Table keeps only hashes of the forms,
    and the inverse (lemma -> forms) needs the strings.
    """
    import gzip
    import json
    from importlib.resources import files

    data = files("spacy_lookups_data").joinpath("data", "en_lemma_lookup.json.gz").read_bytes()
    return Lemmatizer(json.loads(gzip.decompress(data)))
