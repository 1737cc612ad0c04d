"""The Word report of coded excerpts: what a researcher opens first and writes from.

Built only from Word's own styles (Title, Heading 1-3, Quote, Table Grid, List Bullet) so it can
be restyled and shows in the navigation pane: a title and counts, the theme table (with the
split by an attribute), a bar chart, a heading per theme and code with its definition and
every excerpt as a quotation with the matched terms highlighted and an attribution line, and
the codebook as an appendix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from qualcode.analysis.data import CodedData
from qualcode.export.excerpts import excerpt_rows, selected_codes
from qualcode.export.word import WordDocument, clean, run_xml

if TYPE_CHECKING:
    from qualcode.store import Project


@dataclass
class ReportOptions:
    """What goes into the report."""

    title: str = "Coded excerpts"
    codes: tuple[str, ...] = ()
    by: str | None = None
    group_by: str = "theme"  # or "document"
    attributes: tuple[str, ...] | None = None  # shown in attributions (None: all)
    chart: bool = True
    appendix: bool = True
    memos: bool = True  # an appendix of the project's memos, when it has any


def build_report(project: Project, data: CodedData, options: ReportOptions | None = None, *,
                 themes: pd.DataFrame | None = None, excerpts: pd.DataFrame | None = None,
                 chart_png: bytes | None = None) -> bytes:
    """The .docx as bytes (the caller writes it atomically). ``themes`` and ``excerpts``
    (from ``theme_frequencies`` and ``excerpt_rows``) and the chart (``cases_chart`` of those
    themes) can be passed when already made."""
    from qualcode.analysis.themes import theme_frequencies

    options = options or ReportOptions()
    book = data.codebook
    if excerpts is None or options.codes:
        excerpts = excerpt_rows(project, data, options.codes or None)
    if themes is None:
        themes = theme_frequencies(data)
    keep = selected_codes(book, options.codes)
    if keep is not None:
        themes = themes[themes["code_id"].isin(keep)].reset_index(drop=True)
    document = WordDocument(options.title)
    _fill(document, project, data, options, book, excerpts, themes, keep, chart_png)
    return document.save()


def _fill(document: WordDocument, project: Project, data, options, book, excerpts, themes, keep,
          chart_png: bytes | None) -> None:
    """Everything that goes into the report, in order."""
    from qualcode.analysis.crosstab import crosstab

    document.heading(options.title, 0)
    coders = sorted(set(excerpts["coder"]))
    facts = [f"Project: {Path(project.path).name}", f"Codebook: {book.name}",
             f"Date: {date.today().isoformat()}",
             f"Documents: {len(data.texts)}", f"Excerpts: {len(excerpts)}",
             f"Coders: {', '.join(coders) if coders else 'none'}"]
    document.paragraph(" · ".join(facts))
    if excerpts.empty:
        document.paragraph("No coded excerpts: nothing in this project has been coded "
                             "with the codes and codings selected.")
    split = crosstab(data, options.by) if options.by else None
    _theme_table(document, themes, split, data.case_label)
    if options.chart and not themes.empty:
        from qualcode.export.chart import cases_chart

        document.picture(chart_png or cases_chart(themes, data.case_label), 6.3)
    shown = options.attributes
    if options.group_by == "document":
        _by_document(document, excerpts, book, shown)
    else:
        _by_theme(document, excerpts, themes, book, shown)
    if options.appendix:
        _appendix(document, book, keep)
    if options.memos:
        _memos_appendix(document, project, book, data.pseudonymiser)


def _theme_table(document, themes: pd.DataFrame, split, case_label: str) -> None:
    document.heading("Theme frequencies", 1)
    groups = ([c[: -len(": cases")] for c in split.columns if c.endswith(": cases")]
              if split is not None else [])
    headers = ["Code", case_label.capitalize(), "%", "Excerpts", *groups]
    table = document.table(headers)
    lookup = split.set_index("code_id") if split is not None else None
    for r in themes.itertuples():
        cells = table.add_row().cells
        values = ["\u2003" * int(r.level) + r.code, f"{r.cases} of {r.of_cases}",
                  f"{r.cases_pct:.0f}%", str(r.excerpts)]
        if lookup is not None:
            for group in groups:
                row = lookup.loc[r.code_id]
                values.append(f"{row[f'{group}: cases']} of {row[f'{group}: of']}")
        for cell, text in zip(cells, values, strict=True):
            cell.text = clean(text)
            if int(r.level) == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    numbers = len(headers) - 1
    document.column_widths(table, [max(2.2, 6.3 - 0.8 * numbers)] + [0.8] * numbers)


def _attribution(row, shown) -> str:
    names = [c for c in row if c not in _NOT_ATTRIBUTES]
    if shown is not None:
        names = [n for n in names if n in shown]
    attributes = ", ".join(f"{n.replace('_', ' ')}: {row[n]}" for n in names if row[n])
    where = row["time"] or f"characters {row['start']}–{row['end']}"
    parts = [row["speaker"] or "unattributed", row["document"]]
    if attributes:
        parts.append(attributes)
    parts.append(where)
    if row["origin"] != "manual":
        parts.append(f"{row['origin']}: {row['coder']}")
    return "— " + " · ".join(str(p) for p in parts)


_NOT_ATTRIBUTES = {"document", "speaker", "start", "end", "time", "code_id", "code_path",
                   "code", "text", "origin", "coder", "status", "rule", "confidence",
                   "_order", "_matched"}


def _quote_xml(row, shown) -> str:
    """One excerpt as WordprocessingML: a Quote paragraph with the matched terms highlighted,
    then its attribution in small italics.

    Written as text and parsed in batches: building thousands of runs through python-docx's
    object layer took most of a large report's time.
    """
    text, start = row["text"], int(row["start"])
    spans: list[list[int]] = []
    for s, e in sorted({(max(s - start, 0), min(e - start, len(text)))
                        for s, e in row["_matched"] if e > s}):
        if spans and s <= spans[-1][1]:  # overlapping terms ("inspection framework"): one
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    runs, position = [], 0
    for s, e in spans:
        if s > position:
            runs.append(run_xml(text[position:s]))
        runs.append(run_xml(text[s:e], '<w:highlight w:val="yellow"/>'))
        position = e
    if position < len(text):
        runs.append(run_xml(text[position:]))
    quote = f'<w:p><w:pPr><w:pStyle w:val="Quote"/></w:pPr>{"".join(runs)}</w:p>'
    attribution = run_xml(_attribution(row, shown), '<w:i/><w:sz w:val="18"/>')
    return quote + f"<w:p>{attribution}</w:p>"


def _definition(document, code) -> None:
    if code is not None and code.description:
        document.paragraph(code.description)


def _by_theme(document, excerpts, themes, book, shown) -> None:
    codes = {c.id: c for c in book.codes}
    by_code = {code: rows for code, rows in excerpts.groupby("code_id", sort=False)}
    for r in themes.itertuples():
        document.heading(r.code, min(int(r.level) + 1, 3))
        _definition(document, codes.get(r.code_id))
        rows = by_code.get(r.code_id)
        if rows is None:
            if not book.children(r.code_id):
                document.paragraph("No excerpts.")
            continue
        document.paragraph(f"{len(rows)} excerpt{'s' if len(rows) != 1 else ''} "
                             f"in {rows['document'].nunique()} of {r.of_cases} documents.")
        document.append_xml([_quote_xml(row, shown) for row in rows.to_dict("records")])


def _by_document(document, excerpts, book, shown) -> None:
    names = {c.id: c.name for c in book.codes}
    for doc_id, rows in excerpts.sort_values(["document", "start", "_order"],
                                             kind="stable").groupby("document", sort=True):
        document.heading(doc_id, 1)
        for code_id, code_rows in rows.groupby("code_id", sort=False):
            document.heading(names.get(code_id, code_id), 2)
            document.append_xml([_quote_xml(row, shown)
                                   for row in code_rows.to_dict("records")])


def _appendix(document, book, keep) -> None:
    document.page_break()
    document.heading("Appendix: the codebook", 1)
    document.paragraph(f"{book.name}: {len(book.codes)} codes.")
    for code in book.codes:
        if keep is not None and code.id not in keep:
            continue
        document.heading(f"{code.name} ({code.id})", 2)
        if code.description:
            document.paragraph(code.description)
        for label, items in (("Include", code.include), ("Exclude", code.exclude),
                             ("Examples", code.examples)):
            if items:
                document.paragraph(label + ":").runs[0].bold = True
                for item in items:
                    document.paragraph(item, "ListBullet")


def _memos_appendix(document, project: Project, book, pseudonymiser=None) -> None:
    """The memos written in the workspace: on documents, on codes, then on coded passages
    (quoted), each with its author and date; pseudonymised like the rest of the report."""
    memos = project.memos()
    if not memos:
        return

    def clean_text(text: str | None) -> str:
        text = text or ""
        return (pseudonymiser(text) or "") if pseudonymiser else text

    names = {c.id: c.name for c in book.codes}
    document.page_break()
    document.heading("Appendix: memos", 1)
    texts: dict[str, str] = {}
    for target, title in (("document", "On documents"), ("code", "On codes"),
                          ("coding", "On coded passages")):
        mine = [m for m in memos if m.target == target]
        if not mine:
            continue
        document.heading(title, 2)
        for memo in mine:
            if target == "document":
                about = clean_text(memo.document_id)
            elif target == "code":
                about = names.get(memo.code_id or "", memo.code_id or "")
            else:
                about = (f"{clean_text(memo.document_id)}, "
                         f"{names.get(memo.code_id or '', memo.code_id)}")
            document.paragraph(f"{about} · {clean_text(memo.author)} · "
                               f"{memo.updated_at[:10]}").runs[0].bold = True
            if target == "coding" and memo.document_id and memo.start is not None:
                if memo.document_id not in texts:
                    texts[memo.document_id] = project.document_text(memo.document_id) or ""
                passage = _passage(texts[memo.document_id], memo.start, memo.end or memo.start,
                                   pseudonymiser)
                document.paragraph(" ".join(passage.split()), "Quote")
            for part in memo.text.split("\n"):
                document.paragraph(clean_text(part))


def _passage(text: str, start: int, end: int, pseudonymiser=None) -> str:
    """A passage of a document, pseudonymised in context when asked (a name cut by the span
    is replaced whole)."""
    if not pseudonymiser:
        return text[start:end]
    rewritten = pseudonymiser.rewrite(text)
    return rewritten.text[rewritten.start(start):rewritten.end(end)]
