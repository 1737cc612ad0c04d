"""Findings text: one sentence per code in the style of a published study.

"Effective partnership working was raised in 11 of 12 interviews (all 10 in England, 1 of 2
in Wales)"; "Drivers of learning were raised in all 12 interviews". Each finding can carry one
or two short representative quotes, and the text always carries a caveat saying which
codings the counts rest on (:func:`caveat`). With quantifiers the count becomes a word, by
these thresholds of the share of cases: all (100%), most (75% or more), many (50% or more),
some (25% or more), a few (more than none), none.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

QUANTIFIERS = ((1.0, "all"), (0.75, "most"), (0.5, "many"), (0.25, "some"), (1e-9, "a few"),
               (0.0, "no"))


def quantifier(k: int, n: int) -> str:
    """The word for k of n cases by the documented thresholds."""
    share = k / n if n else 0.0
    for threshold, word in QUANTIFIERS:
        if share >= threshold:
            return word
    return "no"


def in_sentence(name: str, proper: frozenset[str] = frozenset()) -> str:
    """A code name for the middle of a sentence: "Effective partnership working" becomes
    "effective partnership working", but "Ofsted and inspection" keeps its capital when the
    codebook writes "Ofsted" capitalised mid-sentence (``proper``), as do acronyms."""
    first = name.split(" ", 1)[0]
    acronym = len(first) > 1 and (first.isupper() or not first[1:].islower())
    if first in proper or acronym or first == "I":
        return name
    return name[0].lower() + name[1:]


MAX_SPLIT_GROUPS = 4  # groups named in a finding's sentence; more are left to the tables
_HEAD_ENDS = re.compile(r"\s+(?:of|for|in|with|across|to|from|on|that|which|who|about|"
                       r"between|by|including)\s+|,")


def is_plural(name: str) -> bool:
    """Whether a code name is grammatically plural: "Drivers of learning" and "Ofsted and
    inspection" are, "Effective partnership working" and "Access to support" are not. The head
    of the name is what comes before its first preposition or clause."""
    head = _HEAD_ENDS.split(name, maxsplit=1)[0].strip()
    # "Ofsted and inspection" joins two things; "The learning and improvement framework" is one
    # thing whose modifier has an "and" in it (a determiner first says so).
    if re.search(r"\band\b|&", head) and not re.match(r"(?i)(the|a|an)\s", head):
        return True
    last = head.split()[-1].lower() if head.split() else ""
    return (last.endswith("s") and not last.endswith(("ss", "us", "is", "ics"))
            and len(last) > 3)


def singular(unit: str) -> str:
    """"interviews" -> "interview" (the case noun for one case)."""
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") else unit


def how_many(k: int, n: int, unit: str = "") -> str:
    """"all 12 interviews", "both interviews", "the one interview", "none of the 12
    interviews", "3 of 12 interviews" (``unit`` may be empty: "all 10")."""
    noun = (" " + (singular(unit) if n == 1 else unit)) if unit else ""
    if n == 0:
        return f"no{noun}"
    if n == 1:
        return f"{k} of 1{noun}"
    if k == n:
        return f"both{noun}" if n == 2 else f"all {n}{noun}"
    if k == 0:
        return f"none of the {n}{noun}"
    return f"{k} of {n}{noun}"


def sentence(name: str, k: int, n: int, unit: str, splits: list[tuple[str, int, int]],
             quantifiers: bool, proper: frozenset[str] = frozenset()) -> str:
    """"X was raised in 11 of 12 interviews (all 10 in England, 1 of 2 in Wales)", "Xs were
    raised in all 12 interviews", or, with quantifiers, "Most interviews raised x (11 of 12:
    ...)"."""
    split = ", ".join(f"{how_many(gk, gn)} in {g}" for g, gk, gn in splits)
    if not quantifiers:
        verb = "were" if is_plural(name) else "was"
        return (f"{name} {verb} raised in {how_many(k, n, unit)}"
                + (f" ({split})." if split else "."))
    word = quantifier(k, n)
    if word == "all":
        subject = f"All {n} {unit}" if n > 2 else (
            f"Both {unit}" if n == 2 else f"The one {singular(unit)}")
    elif word == "no":
        subject = f"None of the {unit}"
    else:
        subject = f"{word.capitalize()} {unit}"
    detail = f"{k} of {n}" + (f": {split}" if split else "")
    return f"{subject} raised {in_sentence(name, proper)} ({detail})."


def case_noun(formats: list[str], has_speakers: bool) -> str:
    """What the cases are called: "responses" when every document is a row of a table of
    responses, "interviews" for transcripts with speaker turns, else "documents"."""
    if formats and all(f in ("csv", "xlsx") for f in formats):
        return "responses"
    if formats and has_speakers and not any(f in ("csv", "xlsx") for f in formats):
        return "interviews"
    return "documents"


def project_case_noun(project) -> str:
    """:func:`case_noun` for a project's documents."""
    summaries = project.summaries()
    return case_noun([s.format for s in summaries], any(s.speakers for s in summaries))


_KIND = {"rule": "automatic keyword coding", "ml": "machine suggestions",
         "manual": "manual coding", "import": "imported coding"}


def caveat(codings: pd.DataFrame, kappa: float | None = None) -> str:
    """One line saying what the counts rest on, from the codings' origins, statuses and
    coders: "Counts are from automatic keyword coding that no person has checked." A team's
    counts name the coders they pool. ``kappa``: a measured agreement with a human coder, cited
    only when there is one."""
    if codings.empty:
        return "No codings count, so every count is zero."
    parts = []
    for origin in ("rule", "ml", "manual", "import"):
        mine = codings[codings["origin"] == origin]
        if mine.empty:
            continue
        coders = sorted(mine["coder"].unique())
        count = f"{len(mine):,} coding{'s' if len(mine) != 1 else ''}"
        if origin == "rule":
            parts.append(f"automatic keyword coding that no person has checked ({count})")
        elif origin == "ml":
            checked = int((mine["status"] == "accepted").sum())
            parts.append(f"machine suggestions ({count}, {checked:,} accepted by a person)")
        else:
            who = (f"{len(coders)} coders' {_KIND[origin]}" if len(coders) > 1
                   else f"{_KIND[origin]} by {coders[0]}")
            parts.append(f"{who} ({count})")
    text = "Counts are from " + "; ".join(parts)
    if kappa is not None:
        text += f" (agreement with a human coder on the sample: kappa {kappa:.2f})"
    coders = sorted(codings["coder"].unique())
    if len(coders) > 1:
        text += (f". They pool {len(coders)} coders ({', '.join(coders)}); a passage coded by "
                 "several counts once; --coder counts one coder's codings only")
    return text + "."


def representative_quotes(excerpts: pd.DataFrame, code_id: str, count: int = 2,
                          limit: int = 200, used: set | None = None) -> list[tuple[str, str]]:
    """Up to ``count`` short quotes for a code (its own codings or its sub-codes'), each from a
    different document, the passages with most matched terms first: (text, attribution).
    Passages in ``used`` are passed over, and the chosen ones added to it, so that a theme and
    its codes quote different passages. For many codes, make one :class:`QuotePicker`."""
    return QuotePicker(excerpts, limit)(code_id, count, used)


class QuotePicker:
    """Chooses findings quotes from an excerpt table (``excerpt_rows``): its passages are
    ranked once (most matched terms, then a length near 70% of ``limit``, then document and
    start), and each code's quotes are the first of its passages in that order."""

    def __init__(self, excerpts: pd.DataFrame, limit: int = 200) -> None:
        self.excerpts = excerpts
        self.limit = limit
        if excerpts.empty:
            return
        paths = pd.factorize(excerpts["code_path"])
        # each code's rows (its own codings and its sub-codes'), found once for all codes:
        # a mask over every row per code was quadratic in a big codebook
        rows_of_path = pd.Series(np.arange(len(paths[0]))).groupby(paths[0]).indices
        parts: dict[str, list[np.ndarray]] = {}
        for index, path in enumerate(paths[1]):
            for code in set(path.split(" > ")):
                parts.setdefault(code, []).append(rows_of_path[index])
        self._rows_of = {code: np.sort(np.concatenate(rows)) for code, rows in parts.items()}
        self._passage = excerpts.groupby(["document", "start", "end"], sort=False).ngroup(
            ).to_numpy()
        key = pd.DataFrame({
            "terms": [-len(m or ()) for m in excerpts["_matched"].tolist()],
            "length": [abs(len(t) - limit * 0.7) for t in excerpts["text"].tolist()],
            "document": excerpts["document"].to_numpy(),
            "start": excerpts["start"].to_numpy()})
        order = key.sort_values(["terms", "length", "document", "start"],
                                kind="stable").index.to_numpy()
        self._rank = np.empty(len(order), dtype=np.int64)
        self._rank[order] = np.arange(len(order))
        self._documents = excerpts["document"].to_numpy()

    def __call__(self, code_id: str, count: int = 2, used: set | None = None
                 ) -> list[tuple[str, str]]:
        """As :func:`representative_quotes`."""
        from qualcode.analysis.themes import trim

        used = set() if used is None else used
        if self.excerpts.empty:
            return []
        rows = self._rows_of.get(code_id, np.empty(0, dtype=np.int64))
        _, first = np.unique(self._passage[rows], return_index=True)
        rows = rows[np.sort(first)]  # each passage once: its first coding in table order
        rows = rows[np.argsort(self._rank[rows], kind="stable")]
        quotes: list[tuple[str, str]] = []
        seen: set[str] = set()
        for index in rows:
            if self._documents[index] in seen:
                continue
            row = self.excerpts.iloc[int(index)]
            key = (row["document"], row["start"], row["end"])
            if key in used:
                continue
            seen.add(row["document"])
            used.add(key)
            matched = row["_matched"] or []
            around = None
            if matched:
                around = (matched[0][0] - row["start"], matched[0][1] - row["start"])
            who = row["speaker"] or "unattributed"
            quotes.append((trim(row["text"], around, self.limit), f"{who}, {row['document']}"))
            if len(quotes) == count:
                break
        return quotes


def proper_words(codebook) -> frozenset[str]:
    """Capitalised words the codebook uses mid-sentence (names such as Ofsted, Wales)."""
    words: set[str] = set()
    for code in codebook.codes:
        text = " ".join([code.description, *code.include, *code.exclude])
        words.update(re.findall(r"(?<=[a-z,;:] )([A-Z][\w'’-]*)", text))
    return frozenset(w.rstrip("'’s") if w.endswith(("'s", "’s")) else w for w in words)


def findings(themes: pd.DataFrame, crosstab_frame: pd.DataFrame | None = None,
             unit: str = "interviews", quantifiers: bool = False,
             proper: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """(level, sentence) for every code, in the order of ``themes``."""
    groups = []
    if crosstab_frame is not None:
        groups = [c[: -len(": cases")] for c in crosstab_frame.columns if c.endswith(": cases")]
    if len(groups) > MAX_SPLIT_GROUPS:  # a sentence naming 11 regions is not read
        crosstab_frame, groups = None, []
    result = []
    for _, row in themes.iterrows():
        splits = []
        if crosstab_frame is not None:
            match = crosstab_frame[crosstab_frame["code_id"] == row["code_id"]]
            if not match.empty:
                cross = match.iloc[0]
                splits = [(g, int(cross[f"{g}: cases"]), int(cross[f"{g}: of"])) for g in groups]
        result.append((int(row["level"]), sentence(row["code"], int(row["cases"]),
                                                    int(row["of_cases"]), unit, splits,
                                                    quantifiers, proper)))
    return result


def quote_markdown(text: str, attribution: str) -> str:
    return f"> “{text}” ({attribution})"


def findings_markdown(themes: pd.DataFrame, crosstab_frame: pd.DataFrame | None = None,
                      unit: str = "interviews", quantifiers: bool = False,
                      title: str = "Findings", proper: frozenset[str] = frozenset(), *,
                      excerpts: pd.DataFrame | None = None,
                      caveat_line: str | None = None) -> str:
    """Findings as Markdown: a heading and a sentence per top-level theme, then a bullet per
    code under it; with ``excerpts`` (``excerpt_rows``) two quotes per theme and one per
    code, with attribution; the caveat line (:func:`caveat`) under the title."""
    lines = [f"# {title}"]
    if caveat_line:
        lines += ["", f"*{caveat_line}*"]
    sentences = findings(themes, crosstab_frame, unit, quantifiers, proper)
    used: set[tuple] = set()
    picker = QuotePicker(excerpts) if excerpts is not None else None
    for (level, text), name, code_id in zip(sentences, themes["code"], themes["code_id"],
                                            strict=True):
        quotes = picker(code_id, 2 if level == 0 else 1, used=used) if picker else []
        if level == 0:
            lines += ["", f"## {name}", "", text, ""]
            for quote in quotes:
                lines += [quote_markdown(*quote), ""]
        else:
            indent = "  " * (level - 1)
            lines.append(f"{indent}- {text}")
            for quote in quotes:
                lines += ["", f"{indent}  {quote_markdown(*quote)}", ""]
    if quantifiers:
        lines += ["", "Quantifiers: all = every case; most = 75% or more; many = 50% or more; "
                      "some = 25% or more; a few = at least one."]
    text = "\n".join(line.rstrip() for line in lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"
