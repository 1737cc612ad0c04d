"""The bar chart of cases per code for the Word report (matplotlib, no screen needed)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, cast

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.ticker import MaxNLocator

MATPLOTLIB = ("matplotlib.figure", "matplotlib.backends.backend_agg")
WIDTH = 6.27  # inches: the text width of A4 with 1-inch margins
PALETTE = ("#1F4E79", "#5B9BD5", "#ED7D31", "#70AD47", "#FFC000", "#7030A0", "#A5A5A5",
           "#C00000", "#264478", "#9E480E", "#43682B", "#997300")


MAX_BARS = 60  # a page of bars; more cannot be read (and 4,000 took 44 s and 1.1 GB to draw)


def chart_rows(themes: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The codes a chart can show, and what it leaves out (for its caption): every code up to
    ``MAX_BARS``, else the top-level themes, else the ``MAX_BARS`` themes raised most."""
    if len(themes) <= MAX_BARS:
        return themes, ""
    top = themes[themes["level"] == 0]
    if len(top) <= MAX_BARS:
        return top, (f" Top-level themes only: {len(themes):,} codes are too many for one "
                     "chart (see the table).")
    most = top.sort_values("cases", ascending=False, kind="stable").head(MAX_BARS)
    return top[top.index.isin(most.index)], (
        f" The {MAX_BARS} themes raised most of {len(top):,} (see the table).")


def cases_chart(themes: pd.DataFrame, case_label: str = "interviews") -> bytes:
    """A horizontal bar chart (PNG) of cases per code in codebook order, themes in bold
    (at most ``MAX_BARS`` bars: see ``chart_rows``). ``qualcode run`` draws it in a
    ``Worker`` that imports ``MATPLOTLIB`` meanwhile."""
    # The object API with the Agg canvas: no pyplot, no GUI backend, a third less to import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = chart_rows(themes)[0].iloc[::-1]
    labels = [("    " * int(r.level)) + (r.code if len(r.code) <= 48 else r.code[:47] + "…")
              for r in rows.itertuples()]
    height = max(2.5, 0.28 * len(rows) + 1.0)
    # Drawn at the width it prints at (A4 text width), so 8-point labels print at 8 points.
    figure = Figure(figsize=(WIDTH, height), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    colours = ["#1F4E79" if int(level) == 0 else "#5B9BD5" for level in rows["level"]]
    axes.barh(range(len(rows)), rows["cases"], color=colours)
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    for tick, level in zip(axes.get_yticklabels(), rows["level"], strict=True):
        if int(level) == 0:
            tick.set_fontweight("bold")
    total = int(themes["of_cases"].max()) if len(themes) else 0
    axes.set_xlim(0, max(total, 1))
    axes.set_xlabel(f"{case_label} (of {total})", fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    # barh's x locator is an AutoLocator, a MaxNLocator (typed as any Locator)
    cast("MaxNLocator", axes.xaxis.get_major_locator()).set_params(integer=True)
    for index, value in enumerate(rows["cases"]):
        axes.text(value + total * 0.01, index, str(int(value)), va="center", fontsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def split_chart(split: pd.DataFrame, themes: pd.DataFrame, by: str, case_label: str,
                width: float = WIDTH) -> bytes:
    """Grouped horizontal bars (PNG): for each code, the share of each group's cases that
    raised it (shares, because groups differ in size: 10 in England, 2 in Wales)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    groups = [c[: -len(": cases")] for c in split.columns if c.endswith(": cases")]
    lookup = split.set_index("code_id")
    rows = [r for r in chart_rows(themes)[0].itertuples() if r.code_id in lookup.index][::-1]
    bar = 0.8 / max(len(groups), 1)
    height = max(2.5, (0.1 + 0.045 * len(groups)) * len(rows) + 1.2)
    figure = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for index, group in enumerate(groups):
        shares = [100 * lookup.at[r.code_id, f"{group}: cases"] /
                  max(lookup.at[r.code_id, f"{group}: of"], 1) for r in rows]
        size = int(lookup[f"{group}: of"].iloc[0]) if len(lookup) else 0
        axes.barh([i + 0.4 - bar * (index + 0.5) for i in range(len(rows))], shares,
                  height=bar, color=PALETTE[index % len(PALETTE)], label=f"{group} (n={size})")
    labels = [("    " * int(r.level)) + (r.code if len(r.code) <= 48 else r.code[:47] + "…")
              for r in rows]
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    for tick, r in zip(axes.get_yticklabels(), rows, strict=True):
        if int(r.level) == 0:
            tick.set_fontweight("bold")
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"% of {case_label} in each {by} group", fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    columns = max(1, min(len(groups), 3, 90 // max(len(g) + 8 for g in groups)))
    figure.legend(fontsize=7, loc="upper center", frameon=False, ncol=columns)
    legend_rows = -(-len(groups) // columns)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout(rect=(0, 0, 1, 1 - (0.15 * legend_rows + 0.1) / height))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
