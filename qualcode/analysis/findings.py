"""Findings text: one sentence per code in the style of a published study.

"Effective partnership working was raised in 11 of 12 interviews (10 of 10 in England, 1 of 2
in Wales)." With quantifiers the count becomes a word, by these thresholds of the share of
cases: all (100%), most (75% or more), many (50% or more), some (25% or more), a few (more
than none), none.
"""

from __future__ import annotations

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


def sentence(name: str, k: int, n: int, unit: str, splits: list[tuple[str, int, int]],
             quantifiers: bool, proper: frozenset[str] = frozenset()) -> str:
    """"X was raised in k of n interviews (a of b in G, ...)" or, with quantifiers,
    "Most interviews raised x (k of n: a of b in G, ...)"."""
    split = ", ".join(f"{gk} of {gn} in {g}" for g, gk, gn in splits)
    if not quantifiers:
        return f"{name} was raised in {k} of {n} {unit}" + (f" ({split})." if split else ".")
    word = quantifier(k, n)
    if word == "all":
        subject = f"All {n} {unit}"
    elif word == "no":
        subject = f"None of the {unit}"
    else:
        subject = f"{word.capitalize()} {unit}"
    detail = f"{k} of {n}" + (f": {split}" if split else "")
    return f"{subject} raised {in_sentence(name, proper)} ({detail})."


def proper_words(codebook) -> frozenset[str]:
    """Capitalised words the codebook uses mid-sentence (names such as Ofsted, Wales)."""
    import re

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


def findings_markdown(themes: pd.DataFrame, crosstab_frame: pd.DataFrame | None = None,
                      unit: str = "interviews", quantifiers: bool = False,
                      title: str = "Findings", proper: frozenset[str] = frozenset()) -> str:
    """Findings as Markdown: a heading and a sentence per top-level theme, then a bullet per
    code under it."""
    lines = [f"# {title}"]
    sentences = findings(themes, crosstab_frame, unit, quantifiers, proper)
    for (level, text), name in zip(sentences, themes["code"], strict=True):
        if level == 0:
            lines += ["", f"## {name}", "", text, ""]
        else:
            lines.append(f"{'  ' * (level - 1)}- {text}")
    if quantifiers:
        lines += ["", "Quantifiers: all = every case; most = 75% or more; many = 50% or more; "
                      "some = 25% or more; a few = at least one."]
    import re

    text = "\n".join(line.rstrip() for line in lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"
