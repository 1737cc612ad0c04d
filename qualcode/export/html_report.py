"""The HTML report: one self-contained file that opens in any browser and prints cleanly.

Nothing is fetched from the network: the style sheet, a few lines of script (to sort a table
by a click on its header) and the charts (inline SVG) are all in the page. It holds what the
Word report holds, in the same order: counts and the caveat, the findings with their quotes,
the theme table, the split by ``by`` with its chart, and every passage under its code once,
with its matched terms marked and an attribution naming its coders and other codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pandas as pd

from qualcode.analysis.data import CodedData
from qualcode.analysis.findings import (
    QuotePicker,
    caveat,
    findings,
    how_many,
    proper_words,
)
from qualcode.export.docx_report import (
    ReportOptions,
    attribution,
    codes_of_passages,
    passages_of,
    report_case_noun,
    report_tables,
    shown_attributes,
)

if TYPE_CHECKING:
    from qualcode.store import Project

PALETTE = ("#1F4E79", "#5B9BD5", "#ED7D31", "#70AD47", "#FFC000", "#7030A0", "#A5A5A5",
           "#C00000", "#264478", "#9E480E", "#43682B", "#997300")

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;
 max-width:62rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.8rem;margin:.2rem 0}h2{margin-top:2.2rem;border-bottom:1px solid #ccd}
h3{margin-bottom:.3rem}.facts,.caveat{color:#444}.caveat{font-style:italic}
nav ul{columns:2;font-size:.9rem}table{border-collapse:collapse;margin:.6rem 0;width:100%}
th,td{border:1px solid #bbc;padding:.2rem .45rem;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
th{background:#eef1f6;white-space:nowrap}th.sortable{cursor:pointer}
th.sortable:after{content:" \\2195";color:#889}
tr.theme td{font-weight:600}td.l1{padding-left:1.4rem}td.l2{padding-left:2.4rem}
blockquote{margin:.6rem 0 .1rem 1rem;padding-left:.8rem;border-left:3px solid #5B9BD5}
.who{font-size:.82rem;color:#555;margin:0 0 .8rem 1.8rem}mark{background:#fff176}
figure{margin:.8rem 0}figcaption{font-size:.85rem;color:#345;font-weight:600}
.passage{break-inside:avoid}svg text{font-size:11px;font-family:sans-serif}
@media print{nav{display:none}body{max-width:none;padding:0;font-size:11pt}
 h2,h3{break-after:avoid}table,figure,.passage{break-inside:avoid}tr{break-inside:avoid}
 thead{display:table-header-group}th.sortable:after{content:""}}
"""

SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.classList.add("sortable");
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var up = th.dataset.dir !== "up"; th.dataset.dir = up ? "up" : "down";
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.v || a.cells[column].textContent,
            y = b.cells[column].dataset.v || b.cells[column].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return up ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def build_html(project: Project, data: CodedData, options: ReportOptions | None = None, *,
               themes: pd.DataFrame | None = None,
               excerpts: pd.DataFrame | None = None) -> str:
    """The report as one HTML page (the caller writes it atomically). Same options as the
    Word report (``ReportOptions``: title, codes, by, case noun, attributes shown)."""
    return "".join(html_parts(project, data, options, themes=themes, excerpts=excerpts))


def write_html(project: Project, data: CodedData, handle: BinaryIO,
               options: ReportOptions | None = None, *, themes: pd.DataFrame | None = None,
               excerpts: pd.DataFrame | None = None) -> None:
    """``build_html`` written into a binary file (UTF-8) as it is made, never whole in
    memory."""
    batch: list[str] = []
    size = 0
    for part in html_parts(project, data, options, themes=themes, excerpts=excerpts):
        batch.append(part)
        size += len(part)
        if size >= 1 << 20:
            handle.write("".join(batch).encode("utf-8"))
            batch, size = [], 0
    handle.write("".join(batch).encode("utf-8"))


def html_parts(project: Project, data: CodedData, options: ReportOptions | None = None, *,
               themes: pd.DataFrame | None = None,
               excerpts: pd.DataFrame | None = None) -> Iterator[str]:
    """The page in pieces, in order (the passages one by one)."""
    from qualcode.analysis.crosstab import crosstab

    options = options or ReportOptions()
    excerpts, themes, _ = report_tables(project, data, options, themes, excerpts)
    book = data.codebook
    noun = report_case_noun(project, data, options)
    split = crosstab(data, options.by) if options.by else None
    coders = sorted(excerpts["coder"].unique())
    passages = excerpts.drop_duplicates(["document", "start", "end"]).shape[0]
    facts = (f"Project {Path(project.path).name} · codebook {book.name} · "
             f"{date.today().isoformat()} · {len(data.texts)} {noun} · {passages} passages · "
             f"{len(excerpts)} codings · coders: {', '.join(coders) or 'none'}")
    yield ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
           f"<title>{escape(options.title)}</title><style>{STYLE}</style></head><body>")
    yield "\n".join([f"<h1>{escape(options.title)}</h1>", f'<p class="facts">{escape(facts)}</p>',
                     f'<p class="caveat">{escape(caveat(data.codings))}</p>',
                     _nav(themes, split)])
    if not themes.empty:
        yield "\n" + _findings(themes, split, noun, book, excerpts)
    yield "\n" + _theme_section(themes, noun)
    if split is not None:
        yield "\n" + _split_section(themes, split, options.by, noun)
    yield "\n"
    yield from _excerpts_section(excerpts, themes, book, options.attributes, noun)
    yield f"<script>{SCRIPT}</script></body></html>\n"


def _nav(themes, split) -> str:
    items = ['<li><a href="#findings">Findings</a></li>',
             '<li><a href="#themes">Theme frequencies</a></li>']
    if split is not None:
        items.append('<li><a href="#split">By group</a></li>')
    items += [f'<li><a href="#code-{escape(r.code_id)}">{escape(r.code)}</a></li>'
              for r in themes.itertuples() if int(r.level) == 0]
    return f"<nav><ul>{''.join(items)}</ul></nav>"


def _quote(text: str, who: str) -> str:
    return (f'<div class="passage"><blockquote>\u201c{escape(text)}\u201d</blockquote>'
            f'<p class="who">— {escape(who)}</p></div>')


def _findings(themes, split, noun, book, excerpts) -> str:
    out = ['<section id="findings"><h2>Findings</h2>']
    used: set[tuple] = set()
    picker = QuotePicker(excerpts)
    for (level, text), code_id in zip(findings(themes, split, noun, proper=proper_words(book)),
                                      themes["code_id"], strict=True):
        tag = "p" if level == 0 else f'p style="margin-left:{1.2 * level}rem"'
        out.append(f"<{tag}>{'' if level == 0 else '• '}{escape(text)}</p>")
        for quote, who in picker(code_id, 2 if level == 0 else 1, used=used):
            out.append(_quote(quote, who))
    return "".join(out) + "</section>"


def _bars_svg(labels: list[tuple[str, int]], series: list[tuple[str, list[float]]],
              top: float, axis: str) -> str:
    """Horizontal bars as inline SVG: one row per label (bold for level 0), one bar per series
    in each row, a legend when there are several series."""
    rows, per = len(labels), len(series)
    bar = 14 if per == 1 else max(5, 16 // per)
    row_height = bar * per + 6
    left, width, legend = 300, 380, 22 if per > 1 else 0
    height = legend + rows * row_height + 34
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {left + width + 50}'
           f' {height}" width="100%" style="max-width:{left + width + 50}px">']
    for index, (name, _) in enumerate(series if per > 1 else []):
        x = left + index * 130
        out.append(f'<rect x="{x}" y="4" width="10" height="10" '
                   f'fill="{PALETTE[index % len(PALETTE)]}"/><text x="{x + 14}" y="13">'
                   f"{escape(name)}</text>")
    for row, (label, level) in enumerate(labels):
        y = legend + row * row_height
        weight = ' font-weight="bold"' if level == 0 else ""
        short = label if len(label) <= 46 else label[:45] + "…"
        out.append(f'<text x="{left - 8 - 0 * level}" y="{y + row_height / 2 + 4}" '
                   f'text-anchor="end"{weight}>{escape(short)}<title>{escape(label)}</title>'
                   "</text>")
        for index, (_, values) in enumerate(series):
            value = values[row]
            length = width * value / top if top else 0
            out.append(f'<rect x="{left}" y="{y + 3 + index * bar}" width="{length:.1f}" '
                       f'height="{bar - 1}" fill="{PALETTE[index % len(PALETTE)]}">'
                       f"<title>{escape(label)}: {value:g}</title></rect>")
            if per == 1:
                out.append(f'<text x="{left + length + 4:.1f}" y="{y + bar}">{value:g}</text>')
    base = legend + rows * row_height
    out.append(f'<line x1="{left}" x2="{left}" y1="{legend}" y2="{base}" stroke="#555"/>')
    for tick in range(5):
        at = left + width * tick / 4
        out.append(f'<text x="{at}" y="{base + 14}" text-anchor="middle">'
                   f"{top * tick / 4:g}</text>")
    out.append(f'<text x="{left + width / 2}" y="{base + 30}" text-anchor="middle">'
               f"{escape(axis)}</text></svg>")
    return "".join(out)


def _theme_section(themes, noun) -> str:
    out = ['<section id="themes"><h2>Theme frequencies</h2>']
    if themes.empty:
        return out[0] + "<p>No codes to count.</p></section>"
    out.append(f'<table class="sortable"><thead><tr><th>Code</th><th>{escape(noun.capitalize())}'
               "</th><th>%</th><th>Excerpts</th><th>Words</th><th>Speakers</th></tr></thead>"
               "<tbody>")
    for order, r in enumerate(themes.itertuples()):
        level = int(r.level)
        out.append(f'<tr class="{"theme" if level == 0 else ""}">'
                   f'<td class="l{min(level, 2)}" data-v="{order:05d}">{escape(r.code)}</td>'
                   f'<td class="n" data-v="{r.cases}">{r.cases} of {r.of_cases}</td>'
                   f'<td class="n">{r.cases_pct:.0f}%</td><td class="n">{r.excerpts}</td>'
                   f'<td class="n">{r.words}</td><td class="n">{r.speakers}</td></tr>')
    out.append("</tbody></table><p class=\"who\">Click a column's header to sort by it; the "
               "Code column restores codebook order.</p>")
    total = int(themes["of_cases"].max())
    svg = _bars_svg([(r.code, int(r.level)) for r in themes.itertuples()],
                    [("cases", [float(v) for v in themes["cases"]])], max(total, 1),
                    f"{noun} (of {total})")
    out.append(f"<figure>{svg}<figcaption>Figure 1. {escape(noun.capitalize())} raising each "
               "code (themes in bold).</figcaption></figure></section>")
    return "".join(out)


def _split_section(themes, split, by, noun) -> str:
    groups = [c[: -len(": cases")] for c in split.columns if c.endswith(": cases")]
    lookup = split.set_index("code_id")
    rows = [r for r in themes.itertuples() if r.code_id in lookup.index]
    out = [f'<section id="split"><h2>By {escape(by)}</h2><table class="sortable"><thead><tr>'
           "<th>Code</th>" + "".join(
               f"<th>{escape(g)} (n={int(lookup[f'{g}: of'].iloc[0])})</th>" for g in groups)
           + "</tr></thead><tbody>"]
    for order, r in enumerate(rows):
        cells = "".join(
            f'<td class="n" data-v="{lookup.at[r.code_id, f"{g}: cases"]}">'
            f'{lookup.at[r.code_id, f"{g}: cases"]} of {lookup.at[r.code_id, f"{g}: of"]}'
            "</td>" for g in groups)
        out.append(f'<tr class="{"theme" if int(r.level) == 0 else ""}">'
                   f'<td class="l{min(int(r.level), 2)}" data-v="{order:05d}">'
                   f"{escape(r.code)}</td>{cells}</tr>")
    out.append("</tbody></table>")
    series = [(f"{g} (n={int(lookup[f'{g}: of'].iloc[0])})",
               [100 * lookup.at[r.code_id, f"{g}: cases"] / max(lookup.at[r.code_id, f"{g}: of"],
                                                               1) for r in rows])
              for g in groups]
    svg = _bars_svg([(r.code, int(r.level)) for r in rows], series, 100,
                    f"% of {noun} in each {by} group")
    out.append(f"<figure>{svg}<figcaption>Figure 2. Share of {escape(noun)} in each "
               f"{escape(by)} group raising each code.</figcaption></figure></section>")
    return "".join(out)


def _marked(row) -> str:
    text, start = row["text"], int(row["start"])
    spans: list[list[int]] = []
    for s, e in sorted({(max(s - start, 0), min(e - start, len(text)))
                        for s, e in row["_matched"] if e > s}):
        if spans and s <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    out, position = [], 0
    for s, e in spans:
        out.append(escape(text[position:s]) + f"<mark>{escape(text[s:e])}</mark>")
        position = e
    out.append(escape(text[position:]))
    return "".join(out).replace("\n", "<br>")


def _excerpts_section(excerpts, themes, book, shown, noun) -> Iterator[str]:
    codes = {c.id: c for c in book.codes}
    by_code = {code: rows for code, rows in excerpts.groupby("code_id", sort=False)}
    others = codes_of_passages(excerpts)
    shown = shown_attributes(excerpts, shown)
    yield '<section id="excerpts"><h2>Excerpts by theme</h2>'
    for r in themes.itertuples():
        level = min(int(r.level) + 3, 5)
        yield f'<h{level} id="code-{escape(r.code_id)}">{escape(r.code)}</h{level}>'
        code = codes.get(r.code_id)
        if code is not None and code.description:
            yield f"<p>{escape(code.description)}</p>"
        rows = by_code.get(r.code_id)
        if rows is None:
            if not book.children(r.code_id):
                yield "<p>No excerpts.</p>"
            continue
        passages = passages_of(rows)
        yield (f"<p>{len(passages)} passage{'s' if len(passages) != 1 else ''} in "
               f"{how_many(rows['document'].nunique(), r.of_cases, noun)}.</p>")
        for row in passages:
            yield (f'<div class="passage"><blockquote>{_marked(row)}</blockquote>'
                   f'<p class="who">{escape(attribution(row, shown, others))}</p></div>')
    yield "</section>"
