"""Theme frequencies split by a case attribute: England k of 10, Wales k of 2.

Every group shows its own denominator (documents in the group); documents without the
attribute form their own "(missing)" group, never silently dropped.
"""

from __future__ import annotations

import pandas as pd

from qualcode.analysis.data import MISSING, CodedData, code_names, ordered_codes


def groups_of(data: CodedData, attribute: str) -> pd.Series:
    """document -> the document's value of ``attribute`` (or "(missing)")."""
    return pd.Series({doc: data.attributes.get(doc, {}).get(attribute, MISSING)
                      for doc in data.texts}, dtype=object)


def group_order(values) -> list[str]:
    present = set(values)
    return sorted(present - {MISSING}) + ([MISSING] if MISSING in present else [])


def check_attribute(data: CodedData, attribute: str) -> None:
    """Refuse a split by an attribute no document has: the one check behind ``crosstab``,
    ``run --by`` and ``export docx --by`` (a typo would otherwise give one "(missing)" group)."""
    from qualcode.errors import QualcodeError

    known = {name for values in data.attributes.values() for name in values}
    if attribute not in known:
        raise QualcodeError(f"no case attribute {attribute!r} to split by (known: "
                            f"{', '.join(sorted(known)) or 'none'})")


def crosstab(data: CodedData, by: str) -> pd.DataFrame:
    """One row per code: documents raising it, overall and in each group of ``by``.

    Columns: code_id, code, cases, of_cases, then ``<group>: cases`` and ``<group>: of``
    for each group in sorted order ("(missing)" last). An unknown ``by`` is refused.
    """
    check_attribute(data, by)
    groups = groups_of(data, by)
    order = group_order(groups.values)
    sizes = groups.value_counts()
    rolled = data.rolled_up(["document"])
    rolled = rolled.assign(group=rolled["document"].map(groups))
    ids = ordered_codes(data.codebook,
                        set(rolled["theme"].unique()) if not rolled.empty else set())
    names = code_names(data.codebook, ids)
    # documents raising each code, overall and per group: two grouped counts, not a slice
    # of the frame per (code, group)
    distinct = rolled[["theme", "group", "document"]].drop_duplicates()
    overall = distinct.groupby("theme")["document"].nunique().to_dict() if len(distinct) else {}
    per_group = (distinct.groupby(["theme", "group"]).size().to_dict() if len(distinct)
                 else {})
    rows = []
    for code_id in ids:
        row = {"code_id": code_id, "code": names[code_id],
               "cases": int(overall.get(code_id, 0)), "of_cases": len(groups)}
        for group in order:
            row[f"{group}: cases"] = int(per_group.get((code_id, group), 0))
            row[f"{group}: of"] = int(sizes[group])
        rows.append(row)
    columns = ["code_id", "code", "cases", "of_cases"] + [
        f"{g}: {part}" for g in order for part in ("cases", "of")]
    return pd.DataFrame(rows, columns=columns)
