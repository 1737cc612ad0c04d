"""spaCy's English tokenizer in pure Python, run from a JSON snapshot of its rules.

Importing spaCy and building ``spacy.blank("en")`` takes longer than coding a dozen
transcripts, and the rule engine only needs to know where the tokens are. The snapshot
(``data/en_tokenizer.json``, written by ``scripts/make_tokenizer_data.py``) holds spaCy's
prefix, suffix and infix regexes, its URL match and its special cases; ``Tokenizer`` runs the
algorithm of ``spacy/tokenizer.pyx`` on them with the same ``re`` module, so it cuts exactly
where spaCy does. ``tests/test_tokenizer.py`` compares the two, and the snapshot with what the
installed spaCy would write, so an upgrade of spaCy that changes the rules is noticed.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

Span = tuple[int, int]

# Runs of non-space and of space characters: ``\s`` is ``str.isspace()``, spaCy's test.
_RUNS = re.compile(r"\S+|\s+")
_REGEXES = ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match")
_END = None  # the trie key that marks the end of a special case's token sequence
_MAX_CACHE = 50_000
# A chunk that is one token with no special case to look for, the common case: one shared entry.
_WHOLE: tuple[None, tuple[int, ...]] = (None, ())


class Tokenizer:
    """Token offsets ``(start, end)`` in a text, exactly as spaCy's English tokenizer cuts it.

    Whitespace other than the single space after a word becomes tokens too, as in spaCy
    (``text[start:end].isspace()``); ``rules`` maps each special case to its pieces.

    >>> tokenizer = get_tokenizer()
    >>> text = "We can't (Mr. Smith's view)."
    >>> [text[start:end] for start, end in tokenizer(text)]
    ['We', 'ca', "n't", '(', 'Mr.', 'Smith', "'s", 'view', ')', '.']
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.spacy_version: str = data["spacy_version"]
        self.rules: dict[str, tuple[str, ...]] = {
            key: tuple(pieces) for key, pieces in data["special_cases"].items()}
        compiled = {
            name: None if data[name] is None
            else re.compile(data[name]["pattern"], data[name]["flags"])
            for name in _REGEXES
        }
        self._prefix = compiled["prefix_search"]
        self._suffix = compiled["suffix_search"]
        self._infix = compiled["infix_finditer"]
        self._token_match = compiled["token_match"]
        self._url_match = compiled["url_match"]
        self._cache: dict[str, tuple[tuple[Span, ...] | None, tuple[int, ...]]] = {}
        # spaCy's final pass finds special cases that the affix rules cut into several tokens
        # (":)" in "Hi:)"): a PhraseMatcher over the token texts each one had without special
        # cases. Here, a trie of those token sequences.
        self._trie: dict[str | None, dict] = {}
        for key in sorted(self.rules):
            if data["faster_heuristics"] and " " not in key and not (
                    self._affix_length(self._prefix, key) or self._affix_length(self._suffix, key)
                    or (self._infix is not None and self._infix.search(key))):
                continue
            node = self._trie
            for start, end in self._tokenize_affixes(key, {})[0]:
                node = node.setdefault(key[start:end], {})
            node[_END] = {}

    @classmethod
    def from_file(cls, path: str | Path | Traversable) -> Tokenizer:
        """A tokenizer from a JSON file written by ``scripts/make_tokenizer_data.py``."""
        if isinstance(path, str):
            path = Path(path)
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def __call__(self, text: str) -> list[Span]:
        """Every token's ``(start, end)`` character offsets, in order (spaCy's ``__call__``)."""
        spans, starts = self._tokenize_affixes(text, self.rules)
        return self._apply_special_cases(text, spans, starts) if starts else spans

    # -- spaCy's Tokenizer, method by method -----------------------------------------------
    def _tokenize_affixes(self, text: str, rules: dict[str, tuple[str, ...]]
                          ) -> tuple[list[Span], list[int]]:
        """Cut at whitespace, then each chunk by affixes and ``rules`` (``_tokenize_affixes``).

        A run of whitespace after a word loses its first character when that is a space (the
        space belongs to the word); what is left, and whitespace at the start of the text,
        becomes tokens. Also returns the indices of the tokens that can begin a special case
        cut into several tokens.
        """
        spans: list[Span] = []
        starts: list[int] = []
        position = 0
        cache = self._cache if rules is self.rules else {}
        for run in _RUNS.findall(text):
            start = position
            position += len(run)
            if run[0] == " " and start:
                if len(run) == 1:
                    continue
                run = run[1:]
                start += 1
            entry = cache.get(run)
            if entry is None:
                entry = self._chunk(run, rules)
            offsets, starters = entry
            if starters:
                starts.extend(len(spans) + i for i in starters)
            if offsets is None:
                spans.append((start, position))
            else:
                spans.extend([(start + s, start + e) for s, e in offsets])
        return spans, starts

    def _chunk(self, chunk: str, rules: dict[str, tuple[str, ...]]
               ) -> tuple[tuple[Span, ...] | None, tuple[int, ...]]:
        """A chunk's tokens (offsets into it, None for the chunk whole) and which of them can
        begin a special case."""
        pieces = self._split(chunk, rules)
        starters = tuple(i for i, piece in enumerate(pieces) if piece in self._trie)
        entry = (None if len(pieces) == 1 else self._offsets(pieces), starters)
        if entry == _WHOLE:
            entry = _WHOLE
        if rules is self.rules and len(self._cache) < _MAX_CACHE:
            self._cache[chunk] = entry
        return entry

    def _split(self, string: str, rules: dict[str, tuple[str, ...]]) -> list[str]:
        """One chunk's token texts: ``_split_affixes`` then ``_attach_tokens``."""
        if string in rules:
            return list(rules[string])
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        prefix = suffix = minus_pre = minus_suf = ""
        while string and len(string) != last_size:
            if self._token_match is not None and self._token_match.match(string):
                break
            if string in rules:
                break
            last_size = len(string)
            pre_len = self._affix_length(self._prefix, string)
            if pre_len:
                prefix, minus_pre = string[:pre_len], string[pre_len:]
                if minus_pre and minus_pre in rules:
                    string = minus_pre
                    prefixes.append(prefix)
                    break
            suf_len = self._affix_length(self._suffix, string[pre_len:])
            if suf_len:
                suffix, minus_suf = string[-suf_len:], string[:-suf_len]
                if minus_suf and minus_suf in rules:
                    string = minus_suf
                    suffixes.append(suffix)
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(string):
                string = string[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                string = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                string = minus_suf
                suffixes.append(suffix)
        tokens = prefixes
        if string:
            if string in rules:
                tokens.extend(rules[string])
            elif ((self._token_match is not None and self._token_match.match(string))
                  or (self._url_match is not None and self._url_match.match(string))):
                tokens.append(string)
            else:
                tokens.extend(self._split_infixes(string))
        tokens.extend(reversed(suffixes))
        return tokens

    def _split_infixes(self, string: str) -> list[str]:
        """The infix part of ``_attach_tokens``: "multi-agency" -> multi, -, agency."""
        if self._infix is None:
            return [string]
        tokens: list[str] = []
        start = 0
        for match in self._infix.finditer(string):
            infix_start, infix_end = match.span()
            if infix_start == 0:  # an infix at the very start is not split off
                continue
            if infix_start != start:
                tokens.append(string[start:infix_start])
            if infix_start != infix_end:
                tokens.append(string[infix_start:infix_end])
            start = infix_end
        if string[start:]:
            tokens.append(string[start:])
        return tokens

    def _apply_special_cases(self, text: str, spans: list[Span], starts: list[int]) -> list[Span]:
        """Re-cut token runs that spell a special case into its pieces (``_apply_special_cases``).

        Like spaCy: every match, longest first and leftmost first among equals, is kept unless
        its first or last token lies in a match already seen (kept or not); a kept match whose
        text (with any spaces between its tokens) is not itself a special case changes nothing.
        """
        found: list[Span] = []
        n = len(spans)
        for i in starts:
            start, end = spans[i]
            node = self._trie[text[start:end]]
            j = i + 1
            while True:
                if _END in node:
                    found.append((i, j))
                if j == n:
                    break
                start, end = spans[j]
                following = node.get(text[start:end])
                if following is None:
                    break
                node = following
                j += 1
        if not found:
            return spans
        found.sort(key=lambda match: (match[0] - match[1], match[0]))
        seen: set[int] = set()
        kept = []
        for first, stop in found:
            if first not in seen and stop - 1 not in seen:
                kept.append((first, stop))
            seen.update(range(first, stop))
        kept.sort()
        result: list[Span] = []
        done = 0
        for first, stop in kept:
            result.extend(spans[done:first])
            begin = spans[first][0]
            pieces = self.rules.get(text[begin:spans[stop - 1][1]])
            if pieces is None:
                result.extend(spans[first:stop])
            else:
                result.extend((begin + s, begin + e) for s, e in self._offsets(pieces))
            done = stop
        result.extend(spans[done:])
        return result

    @staticmethod
    def _affix_length(pattern: re.Pattern | None, string: str) -> int:
        """``find_prefix`` / ``find_suffix``: the length of the affix found, or 0."""
        if pattern is None:
            return 0
        match = pattern.search(string)
        return 0 if match is None else match.end() - match.start()

    @staticmethod
    def _offsets(pieces: list[str] | tuple[str, ...]) -> tuple[Span, ...]:
        """Consecutive pieces of a chunk as offsets into it."""
        offsets = []
        position = 0
        for piece in pieces:
            offsets.append((position, position + len(piece)))
            position += len(piece)
        return tuple(offsets)


def data_path() -> Traversable:
    """The snapshot of spaCy's English tokenizer that ships with qualcode."""
    return files("qualcode.coding").joinpath("data", "en_tokenizer.json")


@lru_cache(maxsize=1)
def get_tokenizer() -> Tokenizer:
    """The shared English tokenizer, from the snapshot that ships with qualcode (no spaCy)."""
    return Tokenizer.from_file(data_path())


@lru_cache(maxsize=1)
def get_spacy_tokenizer():
    """spaCy's own English tokenizer, for what needs real spaCy Docs (token patterns).

    Importing spaCy takes over a second, so only a codebook with token patterns pays it.
    """
    import spacy

    return spacy.blank("en").tokenizer


def snapshot(tokenizer) -> dict[str, Any]:
    """What ``Tokenizer`` needs, read from a spaCy tokenizer: ``snapshot(spacy.blank("en")
    .tokenizer)``. Raises TypeError if a rule is a callable that is not a compiled regex."""
    import spacy
    from spacy.attrs import intify_attrs
    from spacy.symbols import ORTH

    def regex(function) -> dict[str, Any] | None:
        if function is None:
            return None
        pattern = getattr(function, "__self__", None)
        if not isinstance(pattern, re.Pattern):
            raise TypeError(f"not a method of a compiled regex: {function!r}")
        return {"pattern": pattern.pattern, "flags": pattern.flags}

    data: dict[str, Any] = {"spacy_version": spacy.__version__}
    data.update({name: regex(getattr(tokenizer, name)) for name in _REGEXES})
    data["faster_heuristics"] = tokenizer.faster_heuristics
    data["special_cases"] = {
        key: [intify_attrs(piece, _do_deprecated=True)[ORTH] for piece in pieces]
        for key, pieces in sorted(tokenizer.rules.items())
    }
    return data
