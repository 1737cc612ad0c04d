"""The Framework method's matrix: cases down, themes across, each cell what that case said.

A cell holds the number of excerpts and the most representative short quote (the excerpt
with the most matched terms, trimmed around its first match), so a researcher can read across
a case or down a theme.
"""

from __future__ import annotations

import pandas as pd

from qualcode.analysis.data import CodedData, code_names, ordered_codes
from qualcode.analysis.themes import best_excerpts

QUOTE_CHARS = 120


def framework_matrix(data: CodedData, level: str = "themes", quote_chars: int = QUOTE_CHARS
                     ) -> pd.DataFrame:
    """Rows: cases (documents, or attribute groups); columns: themes (or every code).

    Cells are ``"<n> | <quote>"``, empty where the case never raised the theme.
    """
    rolled = data.rolled_up(["document", "start", "end", "matched", "case"])
    if level == "themes":
        columns = [c.id for c in data.codebook.children(None)]
        extra = sorted(set(rolled["theme"].unique()) - {c.id for c in data.codebook.codes}
                       ) if len(rolled) else []
        columns += extra
    elif level == "codes":
        columns = ordered_codes(data.codebook,
                                set(rolled["theme"].unique()) if len(rolled) else set())
    else:
        raise ValueError("level must be 'themes' or 'codes'")
    names = code_names(data.codebook, columns)
    cases = sorted(set(data.cases.values))
    wanted = rolled[rolled["theme"].isin(columns)].drop_duplicates(
        ["theme", "case", "document", "start", "end"])
    cells: dict[tuple[str, str], str] = {}
    if len(wanted):  # grouped once: a cell is a group, not a slice of the frame per cell
        sizes = wanted.groupby(["theme", "case"]).size().to_dict()
        quotes = best_excerpts(data, wanted, ["theme", "case"], quote_chars)
        cells = {key: f"{size} | {quotes[key]}" for key, size in sizes.items()}
    table = {names[code_id]: [cells.get((code_id, case), "") for case in cases]
             for code_id in columns}
    frame = pd.DataFrame(table, index=cases)
    frame.index.name = "case"
    frame.attrs["code_ids"] = list(columns)
    return frame
