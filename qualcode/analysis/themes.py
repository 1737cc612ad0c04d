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


def best_rows(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """For each group of ``by`` (or the whole frame), the row with the most matched terms,
    then the earliest (document, start), then the first: one stable sort for all groups
    (a Framework matrix has thousands of cells)."""
    ranked = rows.assign(_terms=[-len(m) for m in rows["matched"].tolist()])
    ranked = ranked.sort_values([*by, "_terms", "document", "start"], kind="stable")
    return ranked.drop_duplicates(by) if by else ranked.head(1)


def _quote(data: CodedData, row, limit: int) -> str:
    """A coding's excerpt trimmed to ``limit`` around its first matched term."""
    start = int(row["start"])
    text = data.excerpt(row["document"], start, int(row["end"]))
    matched = row["matched"]
    around = None
    if matched:
        first_start, first_end = matched[0]
        around = (first_start - start, first_end - start)
    return trim(text, around, limit)


def best_excerpts(data: CodedData, rows: pd.DataFrame, by: list[str],
                  limit: int = EXAMPLE_CHARS) -> dict:
    """The best excerpt of each group of ``by`` (see ``best_rows``), trimmed around its first
    matched term: group key (a value, or a tuple for several columns) -> text."""
    best = best_rows(rows, by)
    keys = list(zip(*(best[c].tolist() for c in by), strict=True)) if len(by) > 1 else \
        best[by[0]].tolist()
    records = best.to_dict("records")
    # quoted in document order (each document's text read once), returned in group order
    order = sorted(range(len(records)), key=lambda i: records[i]["document"])
    quotes = {i: _quote(data, records[i], limit) for i in order}
    return {key: quotes[i] for i, key in enumerate(keys)}


def theme_frequencies(data: CodedData, sort: str = "codebook") -> pd.DataFrame:
    """One row per code (codebook order, or ``sort="cases"``), hierarchy rolled up.

    >>> from qualcode.analysis.data import load_coded  # doctest: +SKIP
    >>> theme_frequencies(load_coded(project))[["code_id", "cases", "of_cases"]]  # doctest: +SKIP
    """
    rolled = data.rolled_up(["document", "start", "end", "matched", "case", "speaker",
                             "interviewer", "words"])
    book = data.codebook
    coded = set(rolled["theme"].unique()) if not rolled.empty else set()
    ids = ordered_codes(book, coded)
    names = code_names(book, ids)
    parents = {c.id: c.parent for c in book.codes}
    lineage = book.ancestor_map()  # once: each call checks the whole hierarchy (O(codes))
    n_cases = data.n_cases
    # one grouped pass per column: distinct passages per theme (the first coding of each
    # passage, in stored order, speaks for it), cases, participants (an interviewer's coded
    # question is not a voice) and the best excerpt
    passages = rolled.drop_duplicates(["theme", "document", "start", "end"])
    excerpts = passages.groupby("theme").size().to_dict() if coded else {}
    words = passages.groupby("theme")["words"].sum().to_dict() if coded else {}
    cases = rolled.groupby("theme")["case"].nunique().to_dict() if coded else {}
    voices = rolled[rolled["speaker"].notna() & ~rolled["interviewer"].astype(bool)]
    speakers = (voices.drop_duplicates(["theme", "document", "speaker"]).groupby("theme")
                .size().to_dict()) if len(voices) else {}
    examples = best_excerpts(data, passages, ["theme"]) if coded else {}
    rows = []
    for code_id in ids:
        count = int(cases.get(code_id, 0))
        rows.append({
            "code_id": code_id,
            "code": names[code_id],
            "level": len(lineage.get(code_id, ())),
            "parent_id": parents.get(code_id) or "",
            "cases": count,
            "of_cases": n_cases,
            "cases_pct": round(100 * count / n_cases, 1) if n_cases else 0.0,
            "excerpts": int(excerpts.get(code_id, 0)),
            "words": int(words.get(code_id, 0)),
            "speakers": int(speakers.get(code_id, 0)),
            "example": examples.get(code_id, ""),
        })
    frame = pd.DataFrame(rows, columns=THEME_COLUMNS)
    if sort == "cases":
        frame = frame.sort_values(["cases", "excerpts", "code_id"],
                                  ascending=[False, False, True], kind="stable")
    elif sort != "codebook":
        raise ValueError("sort must be 'codebook' or 'cases'")
    return frame.reset_index(drop=True)
