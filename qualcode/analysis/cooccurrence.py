"""Which codes come together: code x code counts over coded passages and over documents."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from qualcode.analysis.data import CodedData, code_names, ordered_codes

LEVELS = ("codes", "themes")


def _units(data: CodedData, level: str) -> pd.DataFrame:
    frame = data.codings
    if level == "themes":
        tops = data.codebook.top_themes()
        frame = frame.assign(code_id=frame["code_id"].map(
            {c: tops.get(c, c) for c in frame["code_id"].unique()}))
    elif level != "codes":
        raise ValueError(f"level must be one of {LEVELS}")
    return frame[["document", "start", "end", "code_id"]].drop_duplicates()


def cooccurrence(data: CodedData, level: str = "codes", scope: str = "segment",
                 jaccard: bool = False) -> pd.DataFrame:
    """A square code x code table: passages (``scope="segment"``) or documents coded with both.

    The diagonal is each code's own count. With ``jaccard`` each cell is both / either.
    """
    if scope not in ("segment", "document"):
        raise ValueError("scope must be 'segment' or 'document'")
    units = _units(data, level)
    key = ["document", "start", "end"] if scope == "segment" else ["document"]
    present = set(units["code_id"].unique())
    ids = [c for c in ordered_codes(data.codebook, present) if c in present]
    counts = _together(units, key, ids)
    own = {code: int(counts[i, i]) for i, code in enumerate(ids)}
    both = {(a, b): int(counts[i, j]) for i, a in enumerate(ids) for j, b in enumerate(ids)
            if a < b}

    def cell(a: str, b: str):
        if a == b:
            return 1.0 if jaccard else own[a]
        shared = both.get((min(a, b), max(a, b)), 0)
        if not jaccard:
            return shared
        union = own[a] + own[b] - shared
        return round(shared / union, 3) if union else 0.0

    frame = pd.DataFrame([[cell(a, b) for b in ids] for a in ids], index=ids, columns=ids)
    frame.index.name = "code_id"
    return frame


def _together(units: pd.DataFrame, key: list[str], ids: list[str]) -> np.ndarray:
    """ids x ids: the units (distinct ``key`` values) coded with both codes, the diagonal
    each code's own; one sparse product of the unit x code incidence matrix by itself."""
    from scipy import sparse

    if not ids:
        return np.zeros((0, 0), dtype=np.int64)
    pairs = units[[*key, "code_id"]].drop_duplicates()
    unit = pairs.groupby(key, sort=False).ngroup().to_numpy()
    code = pd.Categorical(pairs["code_id"], categories=ids).codes
    incidence = sparse.csr_matrix((np.ones(len(pairs), dtype=np.int64), (unit, code)),
                                  shape=(int(unit.max()) + 1, len(ids)))
    return (incidence.T @ incidence).toarray()


def top_pairs(data: CodedData, level: str = "codes", top: int = 10) -> pd.DataFrame:
    """The pairs of codes most often on the same passage, with document counts and Jaccard."""
    seg = cooccurrence(data, level, "segment")
    doc = cooccurrence(data, level, "document")
    names = code_names(data.codebook, seg.index)
    together, documents = seg.to_numpy(), doc.to_numpy()
    rows = []
    for i, j in combinations(range(len(seg.index)), 2):
        both = int(together[i, j])
        if not both:
            continue
        a, b = seg.index[i], seg.index[j]
        either = int(together[i, i] + together[j, j] - both)
        rows.append({"code_a": a, "code_b": b, "name_a": names[a], "name_b": names[b],
                     "passages": both, "documents": int(documents[i, j]),
                     "jaccard": round(both / either, 3) if either else 0.0})
    frame = pd.DataFrame(rows, columns=["code_a", "code_b", "name_a", "name_b", "passages",
                                        "documents", "jaccard"])
    frame = frame.sort_values(["passages", "jaccard", "code_a", "code_b"],
                              ascending=[False, False, True, True], kind="stable")
    return frame.head(top).reset_index(drop=True)
