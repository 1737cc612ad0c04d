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


def code_path(codebook, code_id: str) -> str:
    """``enablers > engagement > engagement-frontline``."""
    return " > ".join([*reversed(codebook.ancestors(code_id)), code_id]) if any(
        c.id == code_id for c in codebook.codes) else code_id


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
    order = {code: i for i, code in enumerate(ordered_codes(book, set(merged["code_id"])))}
    attribute_names = sorted({n for values in data.attributes.values() for n in values})
    rows = []
    for r in merged.itertuples(index=False):
        row = {
            "document": r.document,
            # pandas turns a missing speaker (a survey response) into NaN, which is truthy
            "speaker": r.speaker if isinstance(r.speaker, str) else "",
            "start": int(r.start),
            "end": int(r.end),
            "time": _time_text(None if pd.isna(r.time) else r.time),
            "code_id": r.code_id,
            "code_path": code_path(book, r.code_id),
            "code": names.get(r.code_id, r.code_id),
            "text": data.texts[r.document][r.start:r.end],
            "origin": r.origin,
            "coder": r.coder,
            "status": r.status,
            "rule": r.rule or "",
            "confidence": "" if pd.isna(r.confidence) else round(float(r.confidence), 3),
            "_order": order[r.code_id],
            "_matched": r.matched,
        }
        for name in attribute_names:
            row[name] = data.attributes.get(r.document, {}).get(name, "")
        rows.append(row)
    columns = [BASE_COLUMNS[0], *attribute_names, *BASE_COLUMNS[1:], "_order", "_matched"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["_order", "document", "start", "end", "coder"],
                             kind="stable").reset_index(drop=True)


def public(table: pd.DataFrame) -> pd.DataFrame:
    """The table without the helper columns (for CSV/XLSX)."""
    return table.drop(columns=[c for c in table.columns if c.startswith("_")])


def quote_table(project: Project, data: CodedData, codes=None) -> pd.DataFrame:
    """The quote table of ``qualcode export xlsx|csv``: one row per coded excerpt (of
    ``codes`` and their sub-codes, or all), without helper columns."""
    return public(excerpt_rows(project, data, codes))


def _time_text(seconds: float | None) -> str:
    """"MM:SS" (or "H:MM:SS"); "" where the format has no times."""
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
