"""The bar chart of cases per code for the Word report (matplotlib, no screen needed)."""

from __future__ import annotations

import contextlib
import io

import pandas as pd


def cases_chart(themes: pd.DataFrame, case_label: str = "interviews") -> bytes:
    """A horizontal bar chart (PNG) of cases per code in codebook order, themes in bold."""
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
    axes.xaxis.get_major_locator().set_params(integer=True)
    for index, value in enumerate(rows["cases"]):
        axes.text(value + total * 0.01, index, str(int(value)), va="center", fontsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


class BackgroundChart:
    """Renders ``cases_chart`` in a second process, which loads matplotlib (about a second)
    while this one ingests and codes; ``qualcode run`` uses it so that the chart costs the
    batch job almost nothing on a machine with two cores.

    >>> with BackgroundChart() as chart:  # doctest: +SKIP
    ...     chart.render(themes, "interviews")
    ...     png = chart.result()
    """

    def __enter__(self) -> BackgroundChart:
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()
        self._themes: tuple | None = None
        return self

    def render(self, themes: pd.DataFrame, case_label: str) -> None:
        """Start drawing (returns at once)."""
        self._themes = (themes, case_label)
        # If the second process is gone, result() draws the chart here.
        with contextlib.suppress(OSError):
            self._connection.send(self._themes)

    def result(self) -> bytes:
        """The PNG; drawn here instead if the second process failed for any reason."""
        if self._themes is None:
            raise RuntimeError("render() first")
        try:
            kind, value = self._connection.recv()
        except (EOFError, OSError):
            kind, value = "error", "the chart process ended"
        return value if kind == "png" else cases_chart(*self._themes)

    def __exit__(self, *exc_info) -> None:
        try:
            self._connection.close()
        finally:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.terminate()


def _serve(connection) -> None:
    """The second process: load matplotlib, wait for the table, send the PNG back."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401

        themes, case_label = connection.recv()
        connection.send(("png", cases_chart(themes, case_label)))
    except EOFError:
        pass  # the run ended (or failed) before it needed a chart
    except Exception as error:  # any failure: the parent draws the chart itself
        connection.send(("error", repr(error)))
    finally:
        connection.close()
