"""The rule matcher: a codebook's keywords, regexes, token patterns, ``not`` and ``near``.

It reads like spaCy's matchers: ``add(code)``, ``remove(code_id)``, ``len``, ``in``, and
calling it on a unit's text returns ``Match(code_id, start, end, rule)`` tuples.

Words are cut by spaCy's English tokenizer, ported to pure Python
(``qualcode.coding.tokenizer``) so that coding does not import spaCy; only token patterns,
which match on spaCy Docs, load spaCy itself.

A lemma keyword matches its own inflections, not other words that share a lemma in spaCy's
lookup table (``qualcode.coding.lemmas`` has the rule and why): each of its tokens is expanded,
once per codebook, to the set of lowercase forms it matches, and a unit's token matches when its
lowercase text is in that set.

Speed comes from not tokenising what cannot match. One token of each keyword (the "anchor") is
looked for in all its forms; an Aho-Corasick
automaton finds those anchors in the lowercased unit, and the tokenizer then runs only on the
few whitespace-delimited words around each hit. spaCy never lets a token cross whitespace, so
those words are tokenised exactly as in the whole unit: the matches are the ones the slow path
(tokenise everything, compare forms) finds, which ``prefilter=False`` runs and a test
compares. ``near`` rules and token patterns need the unit's whole token stream, so a unit with
one of their anchors is tokenised whole.

Codebook regexes run on the ``regex`` module (``re``'s syntax and semantics, and a timeout):
a backtracking pattern such as ``(a|aa)+$`` gets ``regex_budget`` seconds per unit, then its
matches in that unit are dropped and the overrun is recorded in ``overruns`` (the caller names
the document and unit); after ``MAX_OVERRUNS`` overruns the pattern is not run again, so a
bad regex costs seconds, not hours, and the run completes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from math import prod
from operator import itemgetter
from typing import Any, Final, NamedTuple

import regex

from qualcode.coding.lemmas import Lemmatizer, get_lemmatizer
from qualcode.coding.tokenizer import Tokenizer, get_spacy_tokenizer, get_tokenizer
from qualcode.model import Code, Keyword

_LITERAL_KEYS = ("ORTH", "TEXT", "LOWER", "LEMMA", "NORM")
_LEADING = "([\"'“‘"
_TRAILING = ")]\"'”’.,;:!?…"
_SIMPLE_PUNCTUATION = frozenset(_LEADING + _TRAILING)
_CHUNK = re.compile(r"\S+")
_MAX_PHRASE_VARIANTS = 256
REGEX_BUDGET = 1.0  # seconds one regex may spend on one unit
MAX_OVERRUNS = 3  # overruns after which a regex is no longer run
_IN_TEXT_ORDER = itemgetter(1, 2, 0, 3)  # a Match by (start, end, code_id, rule)
# Found by the phrase automaton: a unit with two spaces in a row is not single-spaced (one
# more pattern of a character it already knows, where searching each unit for it was a pass
# of its own; control characters stay with str.isprintable(): as patterns, each would be a new
# class of byte and double the automaton's size)
_NOT_PLAIN = ("  ",)
_PLAIN_WORD = re.compile(
    rf"([{re.escape(_LEADING)}]*)([^\W\d_]+)([{re.escape(_TRAILING)}]*)"
)


class Overrun(NamedTuple):
    """A codebook regex that ran out of its time budget on one unit."""

    code_id: str
    pattern: str
    dropped: bool  # True on the overrun after which the regex is no longer run


class Match(NamedTuple):
    """A rule that fired in a unit: character offsets into the unit's text."""

    code_id: str
    start: int
    end: int
    rule: str


@dataclass(frozen=True, slots=True)
class Term:
    """A keyword-like phrase: a sequence of words (or exact surface texts) to find; for a
    lemma term, ``forms`` holds each token's lowercase forms that match it."""

    code_id: str
    role: str  # "keyword", "not" or "near"
    label: str
    exact: bool
    sequence: tuple[str, ...]
    surface: tuple[str, ...] = ()
    near: tuple[int, str] | None = None  # for a near term: its rule's number, side "a"/"b"
    forms: tuple[frozenset[str], ...] = ()


class NearPart(NamedTuple):
    """One side of a ``near`` rule found in a token stream (tokens first..last)."""

    code_id: str
    number: int  # which of the code's near rules
    side: str  # "a" or "b"
    first: int
    last: int
    start: int
    end: int


@dataclass(slots=True)
class _Anchor:
    """What a hit of one surface form in an automaton asks for (merged over terms)."""

    before: int = 0  # whole words to take before the hit
    after: int = 0  # and after it
    whole: bool = False  # tokenise the whole unit (token patterns)
    near: set[tuple[str, int, str]] = field(default_factory=set)  # near sides it anchors
    windowed: bool = False  # a keyword or not term: take the window around the hit


def _anchor(table: dict[str, _Anchor], surface: str, before: int = 0, after: int = 0,
            whole: bool = False, near: tuple[str, int, str] | None = None) -> None:
    """Record in ``table`` what a hit of ``surface`` needs (the most any term needs)."""
    entry = table.setdefault(surface, _Anchor())
    if near is not None:
        entry.near.add(near)
        return
    entry.before = max(entry.before, before)
    entry.after = max(entry.after, after)
    entry.whole = entry.whole or whole
    entry.windowed = True


# A token is a plain tuple (start, end, text, lowercase text): made by the thousand in the hot
# path. Lemma terms compare the lowercase text with their forms, exact terms the text.
Token = tuple[int, int, str, str]
_TEXT: Final = 2
_LOWER: Final = 3


class RuleMatcher:
    """Compiled matching rules for a set of codes.

    >>> from qualcode.model import Code, Keyword
    >>> matcher = RuleMatcher()
    >>> matcher.add(Code("pw", "Partnership", keywords=[Keyword("partner agency")]))
    >>> matcher("Our Partner Agencies meet monthly.")
    [Match(code_id='pw', start=4, end=20, rule='keyword: partner agency')]
    """

    def __init__(self, prefilter: bool = True, lemmatizer: Lemmatizer | None = None,
                 regex_budget: float = REGEX_BUDGET) -> None:
        self.prefilter = prefilter
        self.regex_budget = regex_budget
        self.overruns: list[Overrun] = []  # the last call's, for the caller to report
        self.lemmatizer = lemmatizer or get_lemmatizer()
        self.tokenizer = get_tokenizer()
        self._codes: dict[str, Code] = {}
        self._dirty = True

    # -- the spaCy-matcher interface -------------------------------------------------------
    def add(self, code: Code) -> None:
        """Add (or replace) a code's rules."""
        self._codes[code.id] = code
        self._dirty = True

    def remove(self, code_id: str) -> None:
        """Remove a code's rules (KeyError if it was never added)."""
        del self._codes[code_id]
        self._dirty = True

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, code_id: object) -> bool:
        return code_id in self._codes

    def __call__(self, text: str) -> list[Match]:
        """Every rule match in one unit of text, after ``not`` vetoes, in text order."""
        if self._dirty:
            self._compile()
        lower = text.lower()
        # None: a character whose lowercase is longer, so no shortcuts
        lowered = lower if len(lower) == len(text) else None
        if self._terms_by_first or self._exact_by_first or self._spacy_matcher is not None:
            matches = self._term_matches(text, lowered)
        else:
            matches = []
        self.overruns = []
        for code_id, pattern, label, needs in self._regexes:
            # A regex runs only where one of the literals it cannot match without is present.
            if (needs and self.prefilter and lowered is not None
                    and not any(n in lowered for n in needs)):
                continue
            if self._overrun_count.get((code_id, label), 0) >= MAX_OVERRUNS:
                continue
            try:
                matches.extend(Match(code_id, m.start(), m.end(), label)
                               for m in pattern.finditer(text, timeout=self.regex_budget)
                               if m.end() > m.start())
            except TimeoutError:
                key = (code_id, label)
                count = self._overrun_count[key] = self._overrun_count.get(key, 0) + 1
                self.overruns.append(Overrun(code_id, pattern.pattern, count >= MAX_OVERRUNS))
        if self._has_not and matches:
            vetoed = {m.code_id for m in matches if m.rule.startswith("not: ")}
            matches = [m for m in matches
                       if m.code_id not in vetoed and not m.rule.startswith("not: ")]
        if len(matches) > 1:
            matches.sort(key=_IN_TEXT_ORDER)
        return matches

    # -- compiling -------------------------------------------------------------------------
    def _compile(self) -> None:
        self._terms_by_first: dict[str, list[Term]] = defaultdict(list)
        self._exact_by_first: dict[str, list[Term]] = defaultdict(list)
        self._regexes: list[tuple[str, regex.Pattern, str, tuple[str, ...]]] = []
        self._overrun_count: dict[tuple[str, str], int] = {}
        self._near: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self._pattern_codes: list[str] = []
        self._patterns_everywhere = False
        self._mid_word = _mid_word_pieces(self.tokenizer)
        self._special_cores = _special_cores(self.tokenizer)
        # Two automata: "anchors" (one token of each term, windows of whole words around it)
        # works on any text; "phrases" indexes whole multi-word phrases joined by one space,
        # far fewer hits, and is used on units whose only whitespace is single spaces.
        anchors: dict[str, _Anchor] = {}
        phrases: dict[str, _Anchor] = {}
        # Phrase-automaton surfaces whose hit, between plain words, IS the match of these
        # terms (code_id, label, exact text or None): a single word, or a multi-word phrase
        # written out with single spaces. A surface also anchoring anything else (a window,
        # a near side, a token pattern) is "indirect": its units take the window path.
        self._direct: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
        self._indirect: set[str] = set()
        self._has_not = any(code.not_terms for code in self._codes.values())
        for code in self._codes.values():
            self._compile_terms(code, anchors, phrases)
            for pattern in code.regex:
                self._regexes.append((code.id, regex.compile(pattern, regex.IGNORECASE),
                                      f"regex: {pattern}", required_literals(pattern)))
            self._compile_patterns(code, anchors, phrases)
        self._spacy_matcher: Any = (self._build_pattern_matcher() if self._pattern_codes
                                    else None)
        self._single: dict[tuple[bool, str], list[tuple[str, str]]] = defaultdict(list)
        for exact, index in ((False, self._terms_by_first), (True, self._exact_by_first)):
            for key, terms in index.items():
                self._single[(exact, key)].extend(
                    (t.code_id, t.label) for t in terms
                    if len(t.sequence) == 1 and t.near is None)
        every_term = [t for terms in (*self._terms_by_first.values(),
                                      *self._exact_by_first.values()) for t in terms]
        self._punctuation_terms = any(
            _SIMPLE_PUNCTUATION.issuperset(token) for term in every_term for token in term.sequence)
        self._automaton = _automaton(anchors)
        special = self._special_cores
        self._phrase_direct: list[tuple[tuple[str, str, str | None], ...] | None] = [
            None if surface in self._indirect or not self._direct.get(surface)
            or any(word in special for word in surface.split(" "))
            else tuple(self._direct[surface]) for surface in phrases]
        # The phrase automaton also finds two spaces in a row (``_NOT_PLAIN``; hits numbered
        # from ``_not_plain``): the direct path needs no pass of its own to look for them.
        self._not_plain = len(phrases)
        self._phrase_automaton = _automaton(phrases, _NOT_PLAIN)
        self._direct_path = (self.prefilter and not self._patterns_everywhere
                             and not self._punctuation_terms and bool(self._phrase_direct))
        self._dirty = False

    def _compile_terms(self, code: Code, anchors: dict[str, _Anchor],
                       phrases: dict[str, _Anchor]) -> None:
        """Index a code's keywords, ``not`` terms and ``near`` sides, and their anchors."""
        terms: list[tuple[Keyword, str, tuple[int, str] | None]] = [
            (kw, "keyword", None) for kw in code.keywords]
        terms += [(Keyword(t), "not", None) for t in code.not_terms]
        for i, rule in enumerate(code.near):
            terms += [(Keyword(t), "near", (i, "a")) for t in rule.a]
            terms += [(Keyword(t), "near", (i, "b")) for t in rule.b]
            self._near[code.id].append((i, rule.within, _near_label(rule)))
        for keyword, role, near in terms:
            exact = code.exact if keyword.exact is None else keyword.exact
            term = self._term(code.id, role, keyword.term, exact, near)
            if not term.sequence:
                continue
            if exact:
                self._exact_by_first[term.sequence[0]].append(term)
            else:
                for form in term.forms[0]:
                    self._terms_by_first[form].append(term)
            position = max(range(len(term.sequence)), key=lambda k: len(term.sequence[k]))
            before, after = position, len(term.sequence) - 1 - position
            if near is not None:
                # A near rule needs the whole unit's tokens, but only where both of its
                # sides have an anchor: record the side, decide per unit.
                for form in self._forms(term, position):
                    for table in (anchors, phrases):
                        _anchor(table, form, near=(code.id, *near))
                    self._indirect.add(form)
                continue
            for form in self._forms(term, position):
                _anchor(anchors, form, before, after)
            variants = self._phrase_variants(term)
            if len(term.sequence) == 1:
                for form in self._forms(term, 0):
                    _anchor(phrases, form)
                    self._direct[form].append(
                        (code.id, term.label, term.sequence[0] if exact else None))
            elif variants is None:
                for form in self._forms(term, position):
                    _anchor(phrases, form, before, after)
                    self._indirect.add(form)
            else:
                surface = " ".join(term.sequence) if exact else None
                for variant in variants:
                    _anchor(phrases, variant)
                    self._direct[variant].append((code.id, term.label, surface))

    def _compile_patterns(self, code: Code, anchors: dict[str, _Anchor],
                          phrases: dict[str, _Anchor]) -> None:
        """Note a code's token patterns; their literals' forms send a unit to spaCy whole."""
        if not code.patterns:
            return
        self._pattern_codes.append(code.id)
        for pattern in code.patterns:
            literals = _pattern_literals(pattern)
            if not literals:
                self._patterns_everywhere = True
            for literal in literals:
                for form in self.lemmatizer.forms(literal.lower()) | {literal.lower()}:
                    _anchor(anchors, form, whole=True)
                    _anchor(phrases, form, whole=True)
                    self._indirect.add(form)

    def _forms(self, term: Term, position: int) -> set[str]:
        """Lowercase surface forms of one token of a term."""
        token = term.sequence[position]
        return {token.lower()} if term.exact else set(term.forms[position])

    def _phrase_variants(self, term: Term) -> list[str] | None:
        """Every way a multi-word term can be written with single spaces, or None when the
        term could also occur without a space between its tokens ("cannot", "partner's")."""
        import itertools

        if len(term.sequence) < 2 or not all(t.isalpha() for t in term.surface):
            return None
        choices = [sorted(self._forms(term, k)) for k in range(len(term.sequence))]
        if any(not all(f.isalpha() for f in forms) for forms in choices):
            return None
        if any(f in self._mid_word or f in self._special_cores for forms in choices
               for f in forms):
            return None
        if prod(len(forms) for forms in choices) > _MAX_PHRASE_VARIANTS:
            return None
        return [" ".join(words) for words in itertools.product(*choices)]

    def _term(self, code_id: str, role: str, phrase: str, exact: bool,
              near: tuple[int, str] | None = None) -> Term:
        tokens = [phrase[s:e] for s, e in self.tokenizer(phrase) if not phrase[s:e].isspace()]
        if exact:
            return Term(code_id, role, f"{role}: {phrase}", True, tuple(tokens), tuple(tokens),
                        near)
        lemmatizer = self.lemmatizer
        return Term(code_id, role, f"{role}: {phrase}", False,
                    tuple(lemmatizer.word(t.lower()) for t in tokens), tuple(tokens), near,
                    tuple(lemmatizer.matches(t.lower()) for t in tokens))

    def _build_pattern_matcher(self):
        """spaCy's Matcher for the token patterns: the one place the engine imports spaCy."""
        from spacy.matcher import Matcher

        self._spacy_tokenizer = get_spacy_tokenizer()
        vocab = self._spacy_tokenizer.vocab
        matcher = Matcher(vocab)
        self._pattern_labels = {}
        for code_id in self._pattern_codes:
            for number, pattern in enumerate(self._codes[code_id].patterns, start=1):
                key = f"{code_id}#{number}"
                matcher.add(key, [pattern])
                self._pattern_labels[vocab.strings[key]] = (
                    code_id, f"pattern: {_pattern_text(pattern)}")
        return matcher

    # -- matching --------------------------------------------------------------------------
    def _term_matches(self, text: str, lowered: str | None) -> list[Match]:
        # two spaces in a row are found by the phrase automaton (``_NOT_PLAIN``)
        if self._direct_path and lowered is not None and text.isprintable():
            direct = self._direct_matches(text, lowered)
            if direct is not None:
                return direct
        windows, whole = self._windows(text, lowered)
        if whole:
            tokens = self._tokens(text, 0, len(text))
            parts: list[NearPart] = []
            found = self._scan(tokens, parts)
            found.extend(self._near_matches(parts))
            if self._spacy_matcher is not None:
                found.extend(self._pattern_matches(self._spacy_tokenizer(text)))
            return found
        found = []
        single = self._single
        for start, end in windows:
            # The common case, one plain word: look it up, no token list needed.
            word = _PLAIN_WORD.fullmatch(text, start, end)
            if word is not None and not (self._punctuation_terms and (word.group(1) or
                                                                      word.group(3))):
                core = word.group(2)
                if core.lower() not in self._special_cores:
                    at = word.start(2)
                    for key in ((False, core.lower()), (True, core)):
                        for code_id, label in single.get(key, ()):
                            found.append(Match(code_id, at, at + len(core), label))
                    continue
            simple = self._simple_tokens(text, start, end)
            tokens = simple if simple is not None else self._tokens(text, start, end)
            found.extend(self._scan(tokens))
        return found

    def _direct_matches(self, text: str, lowered: str) -> list[Match] | None:
        """The matches of a single-spaced unit whose every anchor hit is a whole term between
        plain words (see ``_simple_tokens``), read off the hits with no tokens made; None when
        any hit needs the window path (then nothing here is kept).

        A hit is a term's match exactly when it is made of whole tokens: it starts after a
        space or leading punctuation only, ends before a space or trailing punctuation only,
        and no word in it is part of a spaCy special case (those surfaces are not direct). A
        hit inside a longer word is no token and is skipped, as in ``_windows``. Two spaces
        in a row (a ``_NOT_PLAIN`` hit) mean the unit is not single-spaced: None.
        """
        automaton, _values = self._phrase_automaton
        direct = self._phrase_direct
        mid_word = self._mid_word
        not_plain = self._not_plain
        n = len(text)
        found: list[Match] = []
        for index, first, stop in automaton.find_matches_as_indexes(lowered, overlapping=True):
            if index >= not_plain:
                return None
            if not (
                (first == 0 or not text[first - 1].isalnum() or text[first - 1].isdigit())
                and (stop == n or not text[stop].isalnum() or text[stop].isdigit())
            ) and lowered[first:stop] not in mid_word:
                continue
            terms = direct[index]
            if terms is None:
                return None
            if first and text[first - 1] != " ":
                start = text.rfind(" ", 0, first) + 1
                if text[start:first].strip(_LEADING):
                    return None
            if stop < n and text[stop] != " ":
                end = text.find(" ", stop)
                if text[stop:n if end < 0 else end].strip(_TRAILING):
                    return None
            for code_id, label, exact in terms:
                if exact is None or text[first:stop] == exact:
                    found.append(Match(code_id, first, stop, label))
        return found

    def _simple_tokens(self, text: str, start: int, end: int) -> list[Token] | None:
        """Tokens of a window of plain words without the tokenizer, or None if it is not plain.

        A plain word is letters with leading ( [ " ' and trailing ) ] " ' . , ; : ! ? only, and
        letters that are not part of any spaCy special case ("Mr.", "cannot", "'cause"); spaCy
        splits such a word into exactly these pieces. Runs of punctuation become one token each:
        they can only differ from spaCy's in how many tokens a run makes, which matters to no
        term unless a term contains punctuation (then every window with any is tokenised).
        """
        tokens: list[Token] = []
        for chunk in _CHUNK.finditer(text, start, end):
            word = _PLAIN_WORD.fullmatch(chunk.group())
            if word is None:
                return None
            core = word.group(2)
            if core.lower() in self._special_cores:
                return None
            base = chunk.start()
            lead, trail = word.group(1), word.group(3)
            if (lead or trail) and self._punctuation_terms:
                return None
            if lead:
                tokens.append((base, base + len(lead), lead, lead))
            core_start = base + len(lead)
            tokens.append((core_start, core_start + len(core), core, core.lower()))
            if trail:
                trail_start = core_start + len(core)
                tokens.append((trail_start, trail_start + len(trail), trail, trail))
        return tokens

    def _windows(self, text: str, lowered: str | None) -> tuple[list[tuple[int, int]], bool]:
        """Spans of whole words around each anchor hit, merged; or "tokenise it all"."""
        if not self.prefilter or self._patterns_everywhere:
            return [], True
        # str.isprintable() is False for every whitespace character but the space.
        single_spaced = text.isprintable() and "  " not in text
        automaton = self._phrase_automaton if single_spaced else self._automaton
        if automaton is None:
            return [], False
        if lowered is None:  # a character whose lowercase is longer: be safe
            return [], True
        automaton, values = automaton
        hits = automaton.find_matches_as_indexes(lowered, overlapping=True)
        if not hits:
            return [], False
        n = len(text)
        mid_word = self._mid_word
        spans = []
        near_seen: set[tuple] = set()
        for index, first, stop in hits:
            before, after, whole, near, windowed = values[index]
            last = stop - 1
            # A token begins and ends beside a non-alphanumeric character (or a digit, for
            # units such as "10km"), except inside spaCy's special cases ("can|not"): any
            # other hit is inside a longer word and cannot be a token.
            if not (
                (first == 0 or not text[first - 1].isalnum() or text[first - 1].isdigit())
                and (last + 1 == n or not text[last + 1].isalnum() or text[last + 1].isdigit())
            ) and lowered[first:last + 1] not in mid_word:
                continue
            if whole:
                return [], True
            if near:
                near_seen.update(near)
                if not windowed:
                    continue
            if single_spaced and not before and not after:
                start = text.rfind(" ", 0, first) + 1
                end = text.find(" ", last)
                end = n if end < 0 else end
            else:
                start = _word_start(text, first, before)
                end = _word_end(text, last + 1, after)
            spans.append((start, end))
        if near_seen and any((code, number, "b") in near_seen
                             for code, number, side in near_seen if side == "a"):
            return [], True
        if len(spans) <= 1:
            return spans, False
        spans.sort()
        merged = [list(spans[0])]
        for start, end in spans[1:]:
            if start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(s, e) for s, e in merged], False

    def _tokens(self, text: str, start: int, end: int) -> list[Token]:
        """The tokens of ``text[start:end]`` (whitespace tokens left out), offsets into text."""
        window = text[start:end]
        tokens = []
        for s, e in self.tokenizer(window):
            word = window[s:e]
            if not word.isspace():
                tokens.append((start + s, start + e, word, word.lower()))
        return tokens

    def _scan(self, tokens: list[Token], near_parts: list[NearPart] | None = None
              ) -> list[Match]:
        """Find every keyword and not term in a token stream, and the sides of near rules
        (added to ``near_parts``, if given)."""
        found = []
        n = len(tokens)
        by_form, by_text = self._terms_by_first, self._exact_by_first
        for i, token in enumerate(tokens):
            for exact, key in ((False, token[_LOWER]), (True, token[_TEXT])):
                for term in (by_text if exact else by_form).get(key, ()):
                    size = len(term.sequence)
                    if i + size > n:
                        continue
                    if exact:
                        if not all(tokens[i + k][_TEXT] == term.sequence[k]
                                   for k in range(1, size)):
                            continue
                    elif not all(tokens[i + k][_LOWER] in term.forms[k]
                                 for k in range(1, size)):
                        continue
                    end = tokens[i + size - 1][1]
                    if term.near is None:
                        found.append(Match(term.code_id, token[0], end, term.label))
                    elif near_parts is not None:
                        near_parts.append(NearPart(term.code_id, *term.near, i, i + size - 1,
                                                   token[0], end))
        return found

    def _near_matches(self, parts: list[NearPart]) -> list[Match]:
        """``near`` rules: an a-term within N tokens of a b-term (counted between the terms)."""
        result = []
        sides: dict[tuple[str, int, str], list[NearPart]] = defaultdict(list)
        for part in parts:
            sides[(part.code_id, part.number, part.side)].append(part)
        for code_id, rules in self._near.items():
            for number, within, label in rules:
                b_parts = sorted(sides.get((code_id, number, "b"), ()),
                                 key=lambda part: part.first)
                if not b_parts:
                    continue
                # Only b-terms whose first token lies in the window around an a-term can be
                # near it: a binary search per a-term, not every pair (which was quadratic
                # in a long unit).
                firsts = [b.first for b in b_parts]
                longest = max(b.last - b.first for b in b_parts)
                for a in sides.get((code_id, number, "a"), ()):
                    low = bisect_left(firsts, a.first - within - longest)
                    high = bisect_right(firsts, a.last + within)
                    for b in b_parts[low:high]:
                        gap = max(b.first - a.last, a.first - b.last) - 1
                        if gap < within and (a.start, a.end) != (b.start, b.end):
                            result.append(Match(code_id, min(a.start, b.start),
                                                max(a.end, b.end), label))
        return result

    def _pattern_matches(self, doc) -> list[Match]:
        lemma = self.lemmatizer.lemma
        for token in doc:
            token.lemma_ = lemma(token.lower_)
        return [
            Match(self._pattern_labels[key][0], doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text),
                  self._pattern_labels[key][1])
            for key, s, e in self._spacy_matcher(doc)
        ]


def _mid_word_pieces(tokenizer: Tokenizer) -> frozenset[str]:
    """Lowercase tokens that spaCy's special cases cut out of the middle of a word.

    "cannot" is tokenised can|not and "gonna" gon|na, so "not" can be a token with a letter
    right before it; the prefilter must not skip such hits.
    """
    pieces: set[str] = set()
    for key, texts in tokenizer.rules.items():
        position = 0
        for i, text in enumerate(texts[:-1]):
            position += len(text)
            if position < len(key) and key[position - 1].isalnum() and key[position].isalnum():
                pieces.update((text.lower(), texts[i + 1].lower()))
    return frozenset(pieces)


def required_literals(pattern: str) -> tuple[str, ...]:
    """Lowercase strings one of which any match of ``pattern`` must contain, or () if none
    can be proven. ``\\bSCRs?\\b`` needs "scr"; ``(judged|rated) as`` needs "judged" or
    "rated" (the longest proof wins). Reads the pattern with CPython's private parser;
    where that is missing, proves nothing: every regex then runs on every unit (slower, the
    same codings)."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]  # CPython-private
    except ImportError:
        return ()
    try:
        parsed = _parser.parse(pattern, re.IGNORECASE)
    except re.error:
        return ()
    best = _best_requirement(list(parsed), _constants)
    return tuple(sorted(best)) if best else ()


def _best_requirement(items: list, c) -> set[str] | None:
    """The strongest requirement in a sequence: a literal run, or a group's alternatives
    (``c``: the parser's opcode constants)."""
    candidates: list[set[str]] = []
    run = ""
    for op, value in items:
        if op is c.LITERAL:
            run += chr(value).lower()
            continue
        if op is c.AT:
            continue  # \b, ^, $ consume nothing: the run goes on
        if run:
            candidates.append({run})
            run = ""
        if op is c.SUBPATTERN:
            inner = _best_requirement(list(value[-1]), c)
            if inner:
                candidates.append(inner)
        elif op is c.BRANCH:
            options = [_best_requirement(list(branch), c) for branch in value[1]]
            proven = [option for option in options if option]
            if len(proven) == len(options):
                candidates.append(set().union(*proven))
        elif op is c.MAX_REPEAT or op is c.MIN_REPEAT:
            low, _high, body = value
            if low >= 1:
                inner = _best_requirement(list(body), c)
                if inner:
                    candidates.append(inner)
    if run:
        candidates.append({run})
    if not candidates:
        return None
    return max(candidates, key=lambda options: min(len(o) for o in options))


def _automaton(table: dict[str, _Anchor], markers: tuple[str, ...] = ()):
    """An Aho-Corasick automaton (the Rust ``aho-corasick`` crate, as a DFA) over the surfaces,
    with each pattern's (words before, words after, whole unit, near parts, windowed) by index
    (plain tuples: unpacked once per hit in the hot path); ``markers`` are found too, numbered
    after the surfaces, with no entry of their own.
    """
    if not table:
        return None
    import ahocorasick_rs

    surfaces = [*table, *markers]
    automaton = ahocorasick_rs.AhoCorasick(
        surfaces, implementation=ahocorasick_rs.Implementation.DFA)
    values = [(a.before, a.after, a.whole, frozenset(a.near), a.windowed)
              for a in map(table.__getitem__, table)]
    return automaton, values


def _special_cores(tokenizer: Tokenizer) -> frozenset[str]:
    """Every run of letters inside a spaCy special case ("mr" of "Mr.", "cause" of "'cause"):
    words containing them go to the tokenizer, never to the plain-word shortcut."""
    cores: set[str] = set()
    for key in tokenizer.rules:
        cores.update(run.lower() for run in re.findall(r"[^\W\d_]+", key))
    return frozenset(cores)


def _word_start(text: str, position: int, words_before: int) -> int:
    """Start of the whitespace-delimited word at ``position``, then ``words_before`` more."""
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    for _ in range(words_before):
        while position > 0 and text[position - 1].isspace():
            position -= 1
        while position > 0 and not text[position - 1].isspace():
            position -= 1
    return position


def _word_end(text: str, position: int, words_after: int) -> int:
    """End of the whitespace-delimited word ending at or after ``position``, then more."""
    n = len(text)
    while position < n and not text[position].isspace():
        position += 1
    for _ in range(words_after):
        while position < n and text[position].isspace():
            position += 1
        while position < n and not text[position].isspace():
            position += 1
    return position


def _pattern_literals(pattern: list[dict]) -> list[str]:
    """Literal words of a token pattern, any one of which a match must contain (or [])."""
    for token in pattern:
        for key, value in token.items():
            if key.upper() in _LITERAL_KEYS:
                if isinstance(value, str):
                    return [value]
                if isinstance(value, dict) and isinstance(value.get("IN"), list):
                    return [v for v in value["IN"] if isinstance(v, str)]
    return []


def _pattern_text(pattern: list[dict]) -> str:
    import json

    return json.dumps(pattern, ensure_ascii=False, separators=(", ", ": "))


def _near_label(rule) -> str:
    return f"near: {'/'.join(rule.a)} ~{rule.within}~ {'/'.join(rule.b)}"
