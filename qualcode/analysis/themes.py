"""Theme frequencies: for every code, in how many cases it was raised, how often and by whom.

The table behind "partnership working was raised in 11 of 12 interviews": cases k of N (every
document counts in N, coded or not), excerpts (distinct coded passages: two sub-codes on one
passage count it once for their parent), words in those excerpts, distinct participants
(interviewers not counted), and the most representative excerpt.
"""

from __future__ import annotations

import pandas as pd

from qualcode.analysis.data import CodedData, code_names, ordered_codes

EXAMPLE_CHARS = 200
THEME_COLUMNS = ["code_id", "code", "level", "parent_id", "cases", "of_cases", "cases_pct",
                 "excerpts", "words", "speakers", "example"]


def trim(text: str, around: tuple[int, int] | None = None, limit: int = EXAMPLE_CHARS) -> str:
    """One line of at most about ``limit`` characters, cut at word boundaries, centred on
    ``around`` (a matched term's offsets in ``text``) when given."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    at = 0
    if around is not None:
        target = " ".join(text[around[0]:around[1]].split())
        at = max(flat.find(target), 0)
    start = max(0, min(at - limit // 3, len(flat) - limit))
    end = start + limit
    if start > 0:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < at else start
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > max(start, at) else end
    return ("…" if start > 0 else "") + flat[start:end].strip() + ("…" if end < len(flat)
                                                                     else "")


def best_excerpt(data: CodedData, rows: pd.DataFrame, limit: int = EXAMPLE_CHARS) -> str:
    """The excerpt with the most matched terms (then the earliest), trimmed around a match."""
    if rows.empty:
        return ""
    # plain lists, not DataFrame sorting: this runs once per cell of a Framework matrix
    documents, starts = rows["document"].tolist(), rows["start"].tolist()
    ends, matched = rows["end"].tolist(), rows["matched"].tolist()
    best = min(range(len(documents)),
               key=lambda i: (-len(matched[i]), documents[i], starts[i]))
    start = starts[best]
    text = data.excerpt(documents[best], start, ends[best])
    around = None
    if matched[best]:
        first_start, first_end = matched[best][0]
        around = (first_start - start, first_end - start)
    return trim(text, around, limit)


def theme_frequencies(data: CodedData, sort: str = "codebook") -> pd.DataFrame:
    """One row per code (codebook order, or ``sort="cases"``), hierarchy rolled up.

    >>> from qualcode.analysis.data import load_coded  # doctest: +SKIP
    >>> theme_frequencies(load_coded(project))[["code_id", "cases", "of_cases"]]  # doctest: +SKIP
    """
    rolled = data.rolled_up()
    book = data.codebook
    coded = set(rolled["theme"].unique()) if not rolled.empty else set()
    ids = ordered_codes(book, coded)
    names = code_names(book, ids)
    parents = {c.id: c.parent for c in book.codes}
    n_cases = data.n_cases
    rows = []
    for code_id in ids:
        mine = rolled[rolled["theme"] == code_id]
        excerpts = mine.drop_duplicates(["document", "start", "end"])
        cases = int(mine["case"].nunique())
        # participants who raised it: an interviewer's coded question is not a voice
        speakers = {(d, s) for d, s, asks in zip(mine["document"], mine["speaker"],
                                                 mine["interviewer"], strict=True)
                    if s is not None and not asks}
        rows.append({
            "code_id": code_id,
            "code": names[code_id],
            "level": book.depth(code_id) if code_id in parents else 0,
            "parent_id": parents.get(code_id) or "",
            "cases": cases,
            "of_cases": n_cases,
            "cases_pct": round(100 * cases / n_cases, 1) if n_cases else 0.0,
            "excerpts": len(excerpts),
            "words": int(excerpts["words"].sum()),
            "speakers": len(speakers),
            "example": best_excerpt(data, excerpts),
        })
    frame = pd.DataFrame(rows, columns=THEME_COLUMNS)
    if sort == "cases":
        frame = frame.sort_values(["cases", "excerpts", "code_id"],
                                  ascending=[False, False, True], kind="stable")
    elif sort != "codebook":
        raise ValueError("sort must be 'codebook' or 'cases'")
    return frame.reset_index(drop=True)
