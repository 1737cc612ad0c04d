"""The Word report of coded excerpts: what a researcher opens first and hands to a supervisor.

Built only from Word's own styles (Title, Heading 1-3, Quote, Caption, Table Grid, List Bullet)
so it can be restyled and shows in the navigation pane. A4 (or Letter) with margins, the project
and date in the header and "Page N of M" in the footer. In order: the title, counts and what
the counts rest on (coders pooled, the caveat); optionally a table of contents; the findings
with quotes; the theme table sized to the text width (header row repeated, rows never split;
a split by an attribute with many groups turns to a landscape section or several tables, never
cut columns) with a captioned chart after it, and one per split; intercoder agreement when two
or more coders count; a heading per theme and code with its definition and every passage
once, as a quotation with the matched terms highlighted and an attribution naming every code
and coder; the codebook and the memos as appendices.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pandas as pd

from qualcode.analysis.data import CodedData
from qualcode.analysis.findings import (
    QuotePicker,
    caveat,
    findings,
    how_many,
    project_case_noun,
    proper_words,
)
from qualcode.errors import QualcodeError
from qualcode.export.excerpts import excerpt_rows, selected_codes
from qualcode.export.word import WordDocument, heading_xml, paragraph_xml, run_xml

if TYPE_CHECKING:
    from qualcode.store import Project

NBSP = "\u00a0"
MAX_CHART_GROUPS = 6  # grouped bars beyond this are unreadable


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
    paper: str = "a4"  # or "letter"
    toc: bool = False  # a table of contents field, filled by Word on opening
    findings: bool = True  # the findings sentences with quotes, at the start
    agreement: bool = True  # the intercoder agreement table when two or more coders count
    case_noun: str | None = None  # "interviews", "responses", ... (None: from the documents)


def build_report(project: Project, data: CodedData, options: ReportOptions | None = None, *,
                 themes: pd.DataFrame | None = None, excerpts: pd.DataFrame | None = None,
                 chart_png: bytes | None = None) -> bytes:
    """The .docx as bytes (the caller writes it atomically). ``themes`` and ``excerpts``
    (from ``theme_frequencies`` and ``excerpt_rows``) and the chart (``cases_chart`` of those
    themes) can be passed when already made. An unknown ``by`` is refused, as everywhere."""
    buffer = io.BytesIO()
    write_report(project, data, buffer, options, themes=themes, excerpts=excerpts,
                 chart_png=chart_png)
    return buffer.getvalue()


def write_report(project: Project, data: CodedData, handle: BinaryIO,
                 options: ReportOptions | None = None, *, themes: pd.DataFrame | None = None,
                 excerpts: pd.DataFrame | None = None, chart_png: bytes | None = None) -> None:
    """``build_report`` written into a binary file as it is made: the passages go straight
    into the file, so a large report is never whole in memory (``fileio.atomic_output``
    gives the file)."""
    options = options or ReportOptions()
    excerpts, themes, keep = report_tables(project, data, options, themes, excerpts)
    book = data.codebook
    today = date.today().isoformat()
    document = WordDocument(options.title, paper=options.paper,
                            header=f"{Path(project.path).name} · {book.name} · {today}")
    _fill(document, project, data, options, book, excerpts, themes, keep, chart_png, today)
    document.write(handle)


def report_tables(project: Project, data: CodedData, options: ReportOptions,
                  themes: pd.DataFrame | None, excerpts: pd.DataFrame | None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[str] | None]:
    """What every report is made of, the same for Word and HTML: the excerpts, the theme table
    (of the codes asked for) and those codes (None: all); an unknown ``by`` is refused."""
    from qualcode.analysis.crosstab import check_attribute
    from qualcode.analysis.themes import theme_frequencies

    if options.by:
        check_attribute(data, options.by)
    if excerpts is None or options.codes:
        excerpts = excerpt_rows(project, data, options.codes or None)
    if themes is None:
        themes = theme_frequencies(data)
    keep = selected_codes(data.codebook, options.codes)
    if keep is not None:
        themes = themes[themes["code_id"].isin(keep)].reset_index(drop=True)
    return excerpts, themes, keep


def report_case_noun(project: Project, data: CodedData, options: ReportOptions) -> str:
    """What a report calls its cases: the option, the attribute the cases are, or the noun
    for the project's documents (interviews, responses, documents)."""
    if options.case_noun:
        return options.case_noun
    if data.case_label != "interviews":  # cases are an attribute's values
        return data.case_label
    return project_case_noun(project)


def _fill(document: WordDocument, project: Project, data, options, book, excerpts, themes, keep,
          chart_png: bytes | None, today: str) -> None:
    """Everything that goes into the report, in order."""
    from qualcode.analysis.crosstab import crosstab

    noun = report_case_noun(project, data, options)
    document.heading(options.title, 0)
    coders = sorted(excerpts["coder"].unique())
    facts = [f"Project: {Path(project.path).name}", f"Codebook: {book.name}",
             f"Date: {today}", f"{noun.capitalize()}: {len(data.texts)}",
             f"Passages: {excerpts.drop_duplicates(['document', 'start', 'end']).shape[0]}",
             f"Codings: {len(excerpts)}", f"Coders: {', '.join(coders) if coders else 'none'}"]
    document.paragraph(" · ".join(facts))
    if len(coders) > 1:
        document.paragraph(
            f"The counts pool {len(coders)} coders ({', '.join(coders)}). Each passage is "
            "printed once under each of its codes, naming every coder who coded it; "
            "--coder NAME makes a report of one coder's codings.")
    document.paragraph(caveat(data.codings)).runs[0].italic = True
    if excerpts.empty:
        document.paragraph("No coded excerpts: nothing in this project has been coded "
                           "with the codes and codings selected.")
    if options.toc:
        document.heading("Contents", 1)
        document.toc()
    split = crosstab(data, options.by) if options.by else None
    if options.findings and not themes.empty:
        _findings(document, themes, split, noun, book, excerpts)
    _theme_tables(document, themes, split, noun, options, chart_png)
    if options.agreement and len(coders) > 1:
        _agreement(document, project, coders)
    shown = shown_attributes(excerpts, options.attributes)
    others = codes_of_passages(excerpts)
    if options.group_by == "document":
        _by_document(document, excerpts, book, shown, others)
    else:
        _by_theme(document, excerpts, themes, book, shown, noun, others)
    if options.appendix:
        _appendix(document, book, keep)
    if options.memos:
        _memos_appendix(document, project, book, data.pseudonymiser)


def _findings(document, themes, split, noun, book, excerpts) -> None:
    """The findings sentences (as in findings.md), each with its quotes."""
    document.heading("Findings", 1)
    sentences = findings(themes, split, noun, proper=proper_words(book))
    used: set[tuple] = set()
    picker = QuotePicker(excerpts)
    for (level, text), code_id in zip(sentences, themes["code_id"], strict=True):
        document.paragraph(text, None if level == 0 else "ListBullet")
        for quote, who in picker(code_id, 2 if level == 0 else 1, used=used):
            document.append_xml([
                f"<w:p>{_ppr('Quote', keep_next=True)}{run_xml(chr(8220) + quote + chr(8221))}"
                f"</w:p><w:p>{_ppr(None)}{run_xml('— ' + who, _SMALL)}</w:p>"])


def _count(k: int, n: int) -> str:
    return f"{k}{NBSP}of{NBSP}{n}"


def _theme_tables(document: WordDocument, themes: pd.DataFrame, split, noun: str, options,
                  chart_png: bytes | None) -> None:
    """The theme table and its chart; the split by ``--by`` in the same table when it fits
    the page, else in its own table(s) on landscape pages, and a chart of it."""
    document.heading("Theme frequencies", 1)
    if themes.empty:
        document.paragraph("No codes to count.")
        return
    base = ["Code", noun.capitalize(), "%", "Excerpts"]
    names = ["\u2003" * int(r.level) + r.code for r in themes.itertuples()]
    rows = [[name, _count(r.cases, r.of_cases), f"{r.cases_pct:.0f}%", str(r.excerpts)]
            for name, r in zip(names, themes.itertuples(), strict=True)]
    bold = frozenset(i for i, level in enumerate(themes["level"]) if int(level) == 0)
    groups: list[str] = []
    by_group: list[list[str]] = []
    if split is not None:
        groups = [c[: -len(": cases")] for c in split.columns if c.endswith(": cases")]
        lookup = split.set_index("code_id")
        by_group = [[_count(lookup.at[r.code_id, f"{g}: cases"], lookup.at[r.code_id, f"{g}: of"])
                     for g in groups] for r in themes.itertuples()]
    together = bool(groups) and document.fits(base + groups,
                                              [a + b for a, b in zip(rows, by_group,
                                                                     strict=True)])
    tables = 1
    what = f"{noun} raising each code (k of n), its share and its excerpts"
    if together:
        document.caption(f"Table 1. The {what}, overall and by {options.by}.")
        document.grid(base + groups, [a + b for a, b in zip(rows, by_group, strict=True)],
                      bold_rows=bold)
    else:
        document.caption(f"Table 1. The {what}.")
        document.grid(base, rows, bold_rows=bold)
    figures = 0
    if options.chart:
        from qualcode.export.chart import cases_chart, chart_rows

        figures += 1
        document.picture(chart_png or cases_chart(themes, noun), caption=(
            f"Figure {figures}. {noun.capitalize()} raising each code (themes in bold)."
            + chart_rows(themes)[1]))
    if groups and not together:
        _split_tables(document, names, by_group, groups, bold, options.by, noun, tables + 1)
    if groups and options.chart and len(groups) > MAX_CHART_GROUPS:
        document.paragraph(f"No chart of the split by {options.by}: {len(groups)} groups are "
                           f"too many to read as grouped bars (at most {MAX_CHART_GROUPS}).")
    elif groups and options.chart:
        from qualcode.export.chart import split_chart

        figures += 1
        from qualcode.export.chart import chart_rows

        document.picture(split_chart(split, themes, options.by, noun), caption=(
            f"Figure {figures}. Share of {noun} in each {options.by} group raising each code."
            + chart_rows(themes)[1]))


def _split_tables(document: WordDocument, names, by_group, groups, bold, by, noun,
                  number: int) -> None:
    """The split by ``by`` on landscape pages when the portrait page is too narrow, in as
    many tables as it takes so that no column is ever cut."""
    def table(chunk: list[int]):
        return (["Code", *[groups[i] for i in chunk]],
                [[name, *[cells[i] for i in chunk]] for name, cells in zip(names, by_group,
                                                                          strict=True)])

    everything = list(range(len(groups)))
    if not document.fits(*table(everything)):
        document.section(landscape=True)
    chunks: list[list[int]] = [[]]
    for index in everything:
        if chunks[-1] and not document.fits(*table([*chunks[-1], index])):
            chunks.append([])
        chunks[-1].append(index)
    for part, chunk in enumerate(chunks, start=1):
        label = f"Table {number}" + (f" (part {part} of {len(chunks)})" if len(chunks) > 1 else "")
        document.caption(f"{label}. {noun.capitalize()} raising each code by {by} "
                         f"(k of the group's n).")
        document.grid(*table(chunk), bold_rows=bold)
    document.section(landscape=False)


def _agreement(document: WordDocument, project: Project, coders: list[str]) -> None:
    """Intercoder agreement by participant turn, as ``qualcode agree`` computes it."""
    from qualcode.analysis.agreement import agreement
    from qualcode.export.agreement_docx import figure

    document.heading("Intercoder agreement", 1)
    try:
        result = agreement(project, coders, unit="turn")
    except QualcodeError as error:
        document.paragraph(f"Not computed: {error}.")
        return
    document.paragraph(f"Coders: {', '.join(coders)}; unit: participant turn. Kappa is "
                       "Cohen's (two coders); alpha is Krippendorff's, nominal. "
                       + result.absent_line())
    rows = [[r["code"], figure(r["units"]), figure(r["agreement"]), figure(r["kappa"]),
             figure(r["alpha"])] for _, r in result.per_code.iterrows()]
    if result.overall:
        rows.append(["All codes (pooled)", *[figure(result.overall.get(k, float("nan")))
                                             for k in ("units", "agreement", "kappa",
                                                       "alpha")]])
    document.caption("Table. Agreement between the coders, per code.")
    document.grid(["Code", "Units", "Agreement", "Kappa", "Alpha"], rows,
                  bold_rows=frozenset({len(rows) - 1}) if result.overall else frozenset())


_SMALL = '<w:i/><w:sz w:val="18"/>'


def _ppr(style: str | None, *, keep_next: bool = False) -> str:
    """Paragraph properties: a style, lines kept together, and kept with the next one."""
    parts = (f'<w:pStyle w:val="{style}"/>' if style else "") + (
        "<w:keepNext/>" if keep_next else "") + "<w:keepLines/>"
    return f"<w:pPr>{parts}</w:pPr>"


def codes_of_passages(excerpts: pd.DataFrame) -> dict[tuple, list[str]]:
    """(document, start, end) -> the names of every code on that passage, in codebook order."""
    result: dict[tuple, list[str]] = {}
    # plain lists: iterating pandas string columns element by element is slow
    for key, name in zip(zip(excerpts["document"].tolist(), excerpts["start"].tolist(),
                             excerpts["end"].tolist(), strict=True),
                         excerpts["code"].tolist(), strict=True):
        names = result.setdefault(key, [])
        if name not in names:
            names.append(name)
    return result


def passages_of(rows: pd.DataFrame) -> list[dict]:
    """One record per passage (document, start, end) under a code: several coders' codings
    of the same passage become one, with every (coder, origin) and every matched term."""
    merged: dict[tuple, dict] = {}
    names = list(rows.columns)
    # records from plain column lists: DataFrame.to_dict("records") was most of the time
    for values in zip(*(rows[name].tolist() for name in names), strict=True):
        row = dict(zip(names, values, strict=True))
        key = (row["document"], row["start"], row["end"])
        if key not in merged:
            merged[key] = {**row, "_coders": [], "_matched": list(row["_matched"] or [])}
        else:
            merged[key]["_matched"] += list(row["_matched"] or [])
        who = (row["coder"], row["origin"])
        if who not in merged[key]["_coders"]:
            merged[key]["_coders"].append(who)
    return list(merged.values())


def shown_attributes(excerpts: pd.DataFrame, shown) -> list[str]:
    """The case attribute columns of an excerpt table that attributions name: all of them,
    or those in ``shown``; worked out once per report, not per passage."""
    names = [c for c in excerpts.columns if c not in _NOT_ATTRIBUTES]
    return names if shown is None else [n for n in names if n in shown]


def attribution(row, attributes: list[str], others: dict[tuple, list[str]]) -> str:
    """"— speaker · document · attributes · time · coded by coder (origin) · also coded X";
    ``attributes``: the attribute columns to name (``shown_attributes``)."""
    named = ", ".join([f"{n.replace('_', ' ')}: {row[n]}" for n in attributes if row[n]])
    where = row["time"] or f"characters {row['start']}–{row['end']}"
    parts = [row["speaker"] or "unattributed", row["document"]]
    if named:
        parts.append(named)
    parts.append(where)
    coders = row.get("_coders") or [(row["coder"], row["origin"])]
    parts.append("coded by " + ", ".join([f"{coder} ({origin})" for coder, origin in coders]))
    also = [n for n in others.get((row["document"], row["start"], row["end"]), [])
            if n != row["code"]]
    if also:
        parts.append("also coded " + "; ".join(also))
    return "— " + " · ".join([str(p) for p in parts])


_NOT_ATTRIBUTES = {"document", "speaker", "start", "end", "time", "code_id", "code_path",
                   "code", "text", "origin", "coder", "status", "rule", "confidence",
                   "_order", "_matched", "_coders"}


_QUOTE_PPR = _ppr("Quote", keep_next=True)
_PLAIN_PPR = _ppr(None)


def _quote_xml(row, shown, others) -> str:
    """One passage as WordprocessingML: a Quote paragraph with the matched terms highlighted,
    kept on one page with its attribution in small italics below.

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
    line = run_xml(attribution(row, shown, others), _SMALL)
    return f'<w:p>{_QUOTE_PPR}{"".join(runs)}</w:p><w:p>{_PLAIN_PPR}{line}</w:p>'


def _by_theme(document, excerpts, themes, book, shown, noun, others) -> None:
    document.stream(_by_theme_xml(excerpts, themes, book, shown, noun, others))


def _by_theme_xml(excerpts, themes, book, shown, noun, others) -> Iterator[str]:
    """A heading per theme and code with its definition and passages, as XML to stream."""
    codes = {c.id: c for c in book.codes}
    by_code = {code: rows for code, rows in excerpts.groupby("code_id", sort=False)}
    for r in themes.itertuples():
        yield heading_xml(r.code, min(int(r.level) + 1, 3))
        code = codes.get(r.code_id)
        if code is not None and code.description:
            yield paragraph_xml(code.description, keep_next=True)
        rows = by_code.get(r.code_id)
        if rows is None:
            if not book.children(r.code_id):
                yield paragraph_xml("No excerpts.")
            continue
        passages = passages_of(rows)
        yield paragraph_xml(
            f"{len(passages)} passage{'s' if len(passages) != 1 else ''} in "
            f"{how_many(rows['document'].nunique(), r.of_cases, noun)}.", keep_next=True)
        for row in passages:
            yield _quote_xml(row, shown, others)


def _by_document(document, excerpts, book, shown, others) -> None:
    document.stream(_by_document_xml(excerpts, book, shown, others))


def _by_document_xml(excerpts, book, shown, others) -> Iterator[str]:
    """A heading per document, then per code, with the passages, as XML to stream."""
    names = {c.id: c.name for c in book.codes}
    for doc_id, rows in excerpts.sort_values(["document", "start", "_order"],
                                             kind="stable").groupby("document", sort=True):
        yield heading_xml(doc_id, 1)
        for code_id, code_rows in rows.groupby("code_id", sort=False):
            yield heading_xml(names.get(code_id, code_id), 2)
            for row in passages_of(code_rows):
                yield _quote_xml(row, shown, others)


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
