"""The bar chart of cases per code for the Word report (matplotlib, no screen needed)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, cast

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.ticker import MaxNLocator

MATPLOTLIB = ("matplotlib.figure", "matplotlib.backends.backend_agg")


def cases_chart(themes: pd.DataFrame, case_label: str = "interviews") -> bytes:
    """A horizontal bar chart (PNG) of cases per code in codebook order, themes in bold.
    ``qualcode run`` draws it in a ``Worker`` that imports ``MATPLOTLIB`` meanwhile."""
    # The object API with the Agg canvas: no pyplot, no GUI backend, a third less to import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = themes.iloc[::-1]
    labels = [("    " * int(r.level)) + (r.code if len(r.code) <= 48 else r.code[:47] + "…")
              for r in rows.itertuples()]
    height = max(2.5, 0.28 * len(rows) + 1.0)
    figure = Figure(figsize=(7.5, height), dpi=150)
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
    axes.set_xlabel(f"{case_label} (of {total})")
    # barh's x locator is an AutoLocator, a MaxNLocator (typed as any Locator)
    cast("MaxNLocator", axes.xaxis.get_major_locator()).set_params(integer=True)
    for index, value in enumerate(rows["cases"]):
        axes.text(value + total * 0.01, index, str(int(value)), va="center", fontsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
