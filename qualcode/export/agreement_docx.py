"""A short Word section on intercoder agreement: the figures and the disagreements."""

from __future__ import annotations

from qualcode.export.word import WordDocument

MAX_LISTED = 200


def _figure(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return "n/a" if value != value else f"{value:.3f}"  # NaN: undefined


def agreement_section(result) -> bytes:
    """The agreement table and up to 200 disagreements, each with who coded what."""
    document = WordDocument("Intercoder agreement")
    document.heading("Intercoder agreement", 1)
    document.paragraph(f"Coders: {', '.join(result.coders)}; unit: {result.unit}. "
                       "Kappa is Cohen's (two coders); alpha is Krippendorff's, nominal.")
    table = document.table(["Code", "Units", "Agreement", "Kappa", "Alpha"])
    for _, r in result.per_code.iterrows():
        cells = table.add_row().cells
        for cell, value in zip(cells, [r["code"], r["units"], r["agreement"], r["kappa"],
                                       r["alpha"]], strict=True):
            cell.text = _figure(value)
    document.column_widths(table, [2.7, 0.9, 0.9, 0.9, 0.9])
    document.heading(f"Disagreements ({len(result.disagreements)})", 2)
    for _, row in result.disagreements.head(MAX_LISTED).iterrows():
        who = "; ".join(f"{c}: {row[c]}" for c in result.coders)
        document.paragraph(f"{row['document']} {row['start']}-{row['end']} · "
                           f"{row['code_id']} · {who}")
        document.paragraph(row["text"][:600], "Quote")
    if len(result.disagreements) > MAX_LISTED:
        document.paragraph(f"... and {len(result.disagreements) - MAX_LISTED} more "
                           "(see --disagreements FILE for all).")
    return document.save()
