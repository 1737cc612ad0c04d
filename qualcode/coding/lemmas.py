"""Which words a keyword matches: its own inflections, never a different word.

A lemma keyword used to match every surface form that spaCy's English lookup table maps to
the keyword's lemma. That table is a flat form -> lemma map with no parts of speech, so it
merges different words that happen to share a lemma: "bit" -> "bite", "housing" -> "house",
"getting" -> "get", "lots" -> "lot", "data" -> "datum". The keyword ``bite`` then coded "a
bit", ``housing`` coded "house" and ``getting`` coded "got".

The rule now, applied once per keyword token when a codebook is compiled:

1. **The keyword is its own word** when it is a base form in WordNet's index (spaCy ships it as
   ``en_lemma_index``, base forms by part of speech): ``housing``, ``getting``, ``lots``,
   ``data`` and ``learning`` are nouns in their own right, so each stands for itself, not for
   house, get, lot, datum or learn. Otherwise (``partners``, ``audited``, ``children``, ``got``)
   the keyword is an inflected form and stands for its lemma, as before, provided it is a
   regular or listed-irregular inflection of that lemma.
2. **Its forms** are the lookup table's forms that share the word's lemma, kept only if each is
   the word itself, a regular inflection of it (WordNet's detachment rules, as in ``morphy``:
   -s, -es, -ies, -ied, -ed, -ing, -er, -est, with a doubled final consonant as in "getting") or an
   irregular form listed for it in ``en_lemma_exc`` (WordNet's exception lists: children ->
   child, got -> get). So ``lots`` no longer matches "lot", nor ``housing`` "house": neither is
   an inflection of the keyword.
3. **An irregular form that is also a noun or verb of its own is left out**: "bit" is listed as
   the past of bite, but it is also the noun bit; likewise "left" (leave), "found" (find),
   "saw" (see), "felt" (feel), "thought" (think). Irregular homographs are usually other
   words (a bit, on the left, found a charity), and a word that means two things cannot be told
   apart without reading the sentence; regular forms that are also nouns ("learning",
   "meeting", "lots") are kept, because there the noun is the same word (the gerund or plural).

The forms come from the flat table (the keyword's lemma's forms, and those the table maps to the
keyword itself, such as "housings"), so the rule removes matches of other words and adds none
but a word's own forms.
``codebook validate`` lists what each keyword no longer matches (``lost_forms``), so a researcher
who wants "thought" for ``think`` adds it as a keyword of its own. Token patterns' ``LEMMA``
attributes keep the lookup table's lemmas (``lemma``): they are spaCy's semantics.

spaCy's lookup lemmatizer keeps the case of capitalised words ("Partners" stays "Partners"),
which would make a keyword at the start of a sentence miss; qualcode lowercases first.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

# WordNet's detachment rules (morphy): an inflected ending and what the base ends with instead.
_DETACH: tuple[tuple[str, str], ...] = (
    ("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
    ("men", "man"), ("ies", "y"), ("ied", "y"), ("ying", "ie"), ("es", "e"), ("es", ""),
    ("ed", "e"), ("ed", ""),
    ("ing", "e"), ("ing", ""), ("er", ""), ("est", ""), ("er", "e"), ("est", "e"),
)
# Endings after which the base's final consonant may be doubled: getting, stopped, bigger,
# focusses.
_DOUBLING = ("ing", "ed", "er", "est", "es")
_VOWELS = frozenset("aeiou")


def is_regular_inflection(form: str, word: str) -> bool:
    """True if ``form`` is ``word`` with a regular English ending (audits, audited, auditing,
    agencies, getting, bigger); spelling only, no part of speech."""
    for ending, base_end in _DETACH:
        if (form.endswith(ending) and len(form) > len(ending)
                and form[: len(form) - len(ending)] + base_end == word):
            return True
    for ending in _DOUBLING:
        stem = form[: len(form) - len(ending)]
        if (form.endswith(ending) and len(stem) >= 3 and stem[-1] == stem[-2]
                and stem[-1] not in _VOWELS and stem[:-1] == word):
            return True
    return False


class Lemmatizer:
    """``lemma("Partners") == "partner"``; ``matches("partner")`` lists partner, partners, ...

    ``index`` is base forms by part of speech and ``exceptions`` irregular forms by part of
    speech (``{"verb": {"got": ["get"]}}``); without them every form of the lookup table
    counts, as it used to.
    """

    def __init__(self, table: dict[str, str], index: dict[str, list[str]] | None = None,
                 exceptions: dict[str, dict[str, list[str]]] | None = None) -> None:
        self.table = table
        inverse: dict[str, set[str]] = defaultdict(set)
        for form, lemma in table.items():
            inverse[lemma].add(form)
        self._inverse = inverse
        self._strict = index is not None
        # form -> the words it is a listed irregular form of, any part of speech
        irregular: dict[str, set[str]] = defaultdict(set)
        for by_form in (exceptions or {}).values():
            for form, words in by_form.items():
                irregular[form].update(words)
        self._irregular = irregular
        # Base forms matter only where the table maps them to another lemma, or where they are
        # listed irregular forms: keeping just those keeps the sets small (memory, start-up).
        index = {pos: [w for w in words if table.get(w, w) != w or w in irregular]
                 for pos, words in (index or {}).items()}
        self._bases = frozenset(w for words in index.values() for w in words)
        self._noun_verb_bases = frozenset((*index.get("noun", ()), *index.get("verb", ())))
        self._matched: dict[str, frozenset[str]] = {}  # keywords repeat across codes

    def lemma(self, lower: str) -> str:
        """The lookup table's lemma of an already-lowercased token (itself without an entry)."""
        return self.table.get(lower, lower)

    def forms(self, lemma: str) -> set[str]:
        """Every lowercase surface form whose lookup-table lemma is ``lemma`` (the old, flat
        expansion; ``matches`` is what keywords use)."""
        result = set(self._inverse.get(lemma, ()))
        if self.table.get(lemma, lemma) == lemma:
            result.add(lemma)
        return result

    # -- keywords that stay themselves -----------------------------------------------------
    def word(self, lower: str) -> str:
        """The word a lowercase keyword token stands for: itself if it is a base form of its
        own ("housing", "getting"), else its lemma if it inflects that lemma ("agencies" ->
        "agency", "got" -> "get"), else itself."""
        if not self._strict:
            return self.lemma(lower)
        lemma = self.lemma(lower)
        if lemma == lower or lower in self._bases:
            return lower
        if is_regular_inflection(lower, lemma) or lemma in self._irregular.get(lower, ()):
            return lemma
        return lower

    def matches(self, lower: str) -> frozenset[str]:
        """The lowercase forms a lemma keyword token matches: the word it stands for and that
        word's own inflections (see the module docstring for the rule)."""
        cached = self._matched.get(lower)
        if cached is None:
            cached = self._matched[lower] = self._expand(lower)
        return cached

    def _expand(self, lower: str) -> frozenset[str]:
        if not self._strict:
            return frozenset(self.forms(self.lemma(lower)))
        word = self.word(lower)
        candidates = self.forms(self.lemma(word)) | self._inverse.get(word, set()) | {word}
        kept = {word}
        for form in candidates - {word}:
            # Spelling alone would make "bites" a form of the keyword "bit"; where the table's
            # own lemma of a form is a regular analysis of it, that analysis wins.
            lemma = self.lemma(form)
            regular = is_regular_inflection(form, word) and (
                lemma == word or not is_regular_inflection(form, lemma))
            irregular = (word in self._irregular.get(form, ())
                         and form not in self._noun_verb_bases)
            if regular or irregular:
                kept.add(form)
        return frozenset(kept)

    def lost_forms(self, lower: str) -> tuple[str, list[str]]:
        """What a keyword token matched under the flat table but no longer does, and why:
        ``("own", [...])`` when the keyword is a word of its own (all the lemma's other forms),
        ``("other", [...])`` when irregular forms that are words of their own were dropped.
        The table's misspellings ("practic" for practice) are left out of the list."""
        before = self.forms(self.lemma(lower)) | {lower}
        lost = before - self.matches(lower)
        if self.word(lower) == lower and self.lemma(lower) != lower:
            return "own", sorted(lost)
        return "other", sorted(lost & self._bases)


@lru_cache(maxsize=1)
def get_lemmatizer() -> Lemmatizer:
    """The shared lemmatizer, from ``spacy-lookups-data``'s English tables (no download).

    Read straight from the package's JSON: spaCy's own Table keeps only hashes of the forms,
    and the inverse (lemma -> forms) needs the strings.
    """
    import gzip
    import json
    from importlib.resources import files

    data = files("spacy_lookups_data").joinpath("data")

    def read(name: str):
        return json.loads(gzip.decompress(data.joinpath(name).read_bytes()))

    return Lemmatizer(read("en_lemma_lookup.json.gz"), read("en_lemma_index.json.gz"),
                      read("en_lemma_exc.json.gz"))
