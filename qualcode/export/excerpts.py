"""Coded excerpts as rows: the quote table MAXQDA users expect, and what the Word report reads.

One row per coding that counts: document, case attributes, speaker, start, end, code path,
code name, text, origin, coder, status, rule. Offsets are code points into the document text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from qualcode.analysis.data import CodedData, ordered_codes
from qualcode.model import QUOTE_COLUMNS

if TYPE_CHECKING:
    from qualcode.store import Project

BASE_COLUMNS = list(QUOTE_COLUMNS)


def code_paths(codebook, code_ids) -> dict[str, str]:
    """Each code's path, ``enablers > engagement > engagement-frontline``, by code id (the
    ancestor map taken once: each take checks the whole hierarchy)."""
    lineage = codebook.ancestor_map()
    return {code_id: _path(lineage, code_id) for code_id in code_ids}


def _path(lineage: dict[str, tuple[str, ...]], code_id: str) -> str:
    return " > ".join([*reversed(lineage[code_id]), code_id]) if code_id in lineage else code_id


def selected_codes(codebook, codes) -> list[str] | None:
    """The codes asked for with every code under them (None: all)."""
    return codebook.with_descendants(codes) if codes else None


def excerpt_rows(project: Project, data: CodedData, codes=None) -> pd.DataFrame:
    """The excerpt table for the codings in ``data`` (optionally only some codes)."""
    book = data.codebook
    keep = selected_codes(book, codes)
    frame = data.codings if keep is None else data.codings[data.codings["code_id"].isin(keep)]
    merged = frame
    names = {c.id: c.name for c in book.codes}
    order = {code: i for i, code in enumerate(ordered_codes(book, set(merged["code_id"].unique())))}
    attribute_names = sorted({n for values in data.attributes.values() for n in values})
    # built column by column (one list per column, the code's facts looked up once per
    # code): a row dict per coding was most of a large quote table's time
    codes = merged["code_id"].tolist()
    documents = merged["document"].tolist()
    # plain lists (tolist): iterating pandas columns element by element is slow
    starts = [int(v) for v in merged["start"].tolist()]
    ends = [int(v) for v in merged["end"].tolist()]
    paths = code_paths(book, set(codes))
    texts = data.texts
    columns_of = {
        "document": documents,
        # pandas turns a missing speaker (a survey response) into NaN, which is truthy
        "speaker": [v if isinstance(v, str) else "" for v in merged["speaker"].tolist()],
        "start": starts,
        "end": ends,
        "time": _times(merged["time"].tolist()),
        "code_id": codes,
        "code_path": [paths[c] for c in codes],
        "code": [names.get(c, c) for c in codes],
        "text": _passage_texts(texts, documents, starts, ends),
        "origin": merged["origin"].tolist(),
        "coder": merged["coder"].tolist(),
        "status": merged["status"].tolist(),
        "rule": [v or "" for v in merged["rule"].tolist()],
        "confidence": ["" if pd.isna(v) else round(float(v), 3)
                       for v in merged["confidence"].tolist()],
        "_order": [order[c] for c in codes],
        "_matched": merged["matched"].tolist(),
    }
    for name in attribute_names:
        columns_of[name] = [data.attributes.get(d, {}).get(name, "") for d in documents]
    columns = [BASE_COLUMNS[0], *attribute_names, *BASE_COLUMNS[1:], "_order", "_matched"]
    table = pd.DataFrame({name: columns_of[name] for name in columns}, columns=columns)
    return table.sort_values(["_order", "document", "start", "end", "coder"],
                             kind="stable").reset_index(drop=True)


def public(table: pd.DataFrame) -> pd.DataFrame:
    """The table without the helper columns (for CSV/XLSX)."""
    return table.drop(columns=[c for c in table.columns if c.startswith("_")])


def quote_table(project: Project, data: CodedData, codes=None) -> pd.DataFrame:
    """The quote table of ``qualcode export xlsx|csv``: one row per coded excerpt (of
    ``codes`` and their sub-codes, or all), without helper columns."""
    return public(excerpt_rows(project, data, codes))


def _passage_texts(texts, documents: list[str], starts: list[int], ends: list[int]
                   ) -> list[str]:
    """Each coding's text, one string per passage: the codings of a passage (several codes,
    several coders) come together in the codings' order and share it, which on a big
    project's excerpt table halves what its texts take."""
    out: list[str] = []
    last: tuple = ()
    text = ""
    for key in zip(documents, starts, ends, strict=True):
        if key != last:
            document, start, end = last = key
            text = texts[document][start:end]
        out.append(text)
    return out


def _times(values: list) -> list[str]:
    """``_time_text`` of each turn start (None or NaN: no time), each distinct one made
    once."""
    made: dict[float, str] = {}
    out = []
    for value in values:
        if value is None or pd.isna(value):
            out.append("")
            continue
        text = made.get(value)
        if text is None:
            text = made[value] = _time_text(value)
        out.append(text)
    return out


def _time_text(seconds: float | None) -> str:
    """"MM:SS" (or "H:MM:SS"); "" where the format has no times."""
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
