"""A short Word section on intercoder agreement: the figures and the disagreements."""

from __future__ import annotations

import io

from qualcode.export.docx_report import _SECTIONS, _column_widths, _heading, _paragraph

MAX_LISTED = 200


def agreement_section(result) -> bytes:
    """The agreement table and up to 200 disagreements, each with who coded what."""
    import docx

    document = docx.Document()
    try:
        _heading(document, "Intercoder agreement", 1)
        _paragraph(document, f"Coders: {', '.join(result.coders)}; unit: {result.unit}. "
                             "Kappa is Cohen's (two coders); alpha is Krippendorff's, nominal.")
        table = document.add_table(rows=1, cols=5)
        table._tbl.tblPr.style = "TableGrid"
        for cell, text in zip(table.rows[0].cells,
                              ["Code", "Units", "Agreement", "Kappa", "Alpha"], strict=True):
            cell.text = text
        for _, r in result.per_code.iterrows():
            cells = table.add_row().cells
            for cell, value in zip(cells, [r["code"], r["units"], r["agreement"], r["kappa"],
                                           r["alpha"]], strict=True):
                cell.text = value if isinstance(value, str) else (
                    str(value) if isinstance(value, int) else
                    "n/a" if value != value else f"{value:.3f}")
        _column_widths(table, [2.7, 0.9, 0.9, 0.9, 0.9])
        listed = result.disagreements.head(MAX_LISTED)
        _heading(document, f"Disagreements ({len(result.disagreements)})", 2)
        for _, row in listed.iterrows():
            who = "; ".join(f"{c}: {row[c]}" for c in result.coders)
            _paragraph(document, f"{row['document']} {row['start']}-{row['end']} · "
                                 f"{row['code_id']} · {who}")
            _paragraph(document, row["text"][:600], "Quote")
        if len(result.disagreements) > MAX_LISTED:
            _paragraph(document, f"... and {len(result.disagreements) - MAX_LISTED} more "
                                 "(see --disagreements FILE for all).")
    finally:
        _SECTIONS.pop(id(document.element.body), None)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
