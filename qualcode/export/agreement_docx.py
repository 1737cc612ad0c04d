"""A short Word section on intercoder agreement: the figures and the disagreements."""

from __future__ import annotations

from qualcode.export.word import WordDocument

MAX_LISTED = 200


def figure(value) -> str:
    """An agreement figure as printed: counts as they are, rates to three places, n/a for
    an undefined (NaN) rate."""
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
                       "Kappa is Cohen's (two coders); alpha is Krippendorff's, nominal. "
                       + result.absent_line())
    document.grid(["Code", "Units", "Agreement", "Kappa", "Alpha"],
                  [[figure(r[k]) for k in ("code", "units", "agreement", "kappa", "alpha")]
                   for _, r in result.per_code.iterrows()])
    undefined = [f"{r['code']}: {r['why_na']}" for _, r in result.per_code.iterrows()
                 if r["why_na"]]
    if undefined:  # say why a figure is n/a (a sentence: the table keeps the page's width)
        document.paragraph("Why n/a: " + "; ".join(undefined) + ".")
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
