"""``qualcode run``: the one-shot batch job, ingest -> code -> tables -> files in one folder.

Re-running on the same folder is reproducible: unchanged files are not re-read, the rule
codings are replaced, and the CSV/JSON/Markdown outputs come out byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.model import Codebook
    from qualcode.store import Project

PROJECT_NAME = "project.qc"


@dataclass
class RunReport:
    """What ``run`` did and wrote."""

    out: Path
    project: Path
    written: list[Path] = field(default_factory=list)
    ingest: object = None
    code: object = None
    themes: object = None


def run(
    inputs: Sequence[str | Path],
    codebook: str | Path,
    out: str | Path,
    *,
    attributes: str | Path | None = None,
    by: Iterable[str] = (),
    unit: str = "turn",
    speakers: str = "participants",
    interviewers: Iterable[str] = (),
    quantifiers: bool = False,
    text_column: str | None = None,
    id_column: str | None = None,
    progress: Callable[[str], Callable[[Iterable], Iterable]] | None = None,
    chart: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
) -> RunReport:
    """Ingest ``inputs``, code them with ``codebook`` and write the project and every table
    into ``out``: project.qc, themes.csv, themes.xlsx (all tables), findings.md,
    excerpts.docx (the Word report) and excerpts.xlsx (the quote table). ``chart=False``
    leaves the charts out of the reports (and does not start matplotlib at all).
    ``workers`` > 1 reads and codes on that many local processes, ``scheduler`` on a running
    Dask cluster (``qualcode.Cluster``); the outputs are the same.

    >>> report = run(["transcripts_sample"], "codebooks/lscb_learning_improvement.yaml",
    ...              "out", attributes="transcripts_sample/attributes.csv",
    ...              by=["nation"])  # doctest: +SKIP
    """
    from qualcode.cluster import open_cluster
    from qualcode.codebook import load_codebook
    from qualcode.coding.engine import code_project
    from qualcode.export.chart import MATPLOTLIB, cases_chart
    from qualcode.fileio import atomic_output, write_atomic
    from qualcode.store import Project
    from qualcode.workers import Worker
    from qualcode.workflows.ingest import ingest

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise QualcodeError("is a file; --out needs a folder", out)
    book = load_codebook(codebook)  # a bad codebook stops the run before anything is written
    out.mkdir(parents=True, exist_ok=True)
    report = RunReport(out=out, project=out / PROJECT_NAME)

    def bar(label: str) -> Callable[[Iterable], Iterable] | None:
        return progress(label) if progress else None

    # The chart's process loads matplotlib on the other core while this one ingests and codes.
    # The cluster starts after it, so that it can still be forked (one thread).
    with Worker(cases_chart, MATPLOTLIB, here=not chart) as drawing, \
            open_cluster(workers, scheduler) as cluster, \
            Project.open(report.project, create=True) as project:
        report.ingest = ingest(project, inputs, attributes=attributes,
                               interviewers=interviewers, text_column=text_column,
                               id_column=id_column, progress=bar("ingest"), cluster=cluster)
        report.code = code_project(project, book, unit=unit, speakers=speakers,
                                   progress=bar("code"), cluster=cluster)
        project.release_memory()  # the tables only read
        report.themes, outputs = _tables(project, book, by, quantifiers,
                                         drawing if chart else None)
        for name, content in outputs.items():
            if callable(content):  # a report written as it is made (see _tables)
                with atomic_output(out / name) as handle:
                    content(handle)
            else:
                write_atomic(out / name, content)
            report.written.append(out / name)
    return report


def _tables(project: Project, book: Codebook, by: Iterable[str], quantifiers: bool, chart
            ) -> tuple[object, dict[str, bytes | str | Callable[[BinaryIO], None]]]:
    """The theme table, and every file's content (name: content) in the order they are
    written; the reports are functions that write them into a file as they are made (their
    passages never whole in memory). ``chart`` (a Worker, or None for no charts) draws the
    Word report's chart meanwhile."""
    from qualcode.analysis import load_coded, theme_frequencies
    from qualcode.export.docx_report import ReportOptions, write_report
    from qualcode.export.excerpts import excerpt_rows
    from qualcode.export.html_report import write_html
    from qualcode.export.tables import to_csv

    data = load_coded(project)
    _check_attributes(data, by)
    themes = theme_frequencies(data)
    if chart is not None:
        chart.submit(themes, data.case_label)
    excerpts = excerpt_rows(project, data)
    crosstabs = _crosstabs(data, by)
    outputs = _outputs(project, book, data, themes, crosstabs, excerpts, quantifiers)
    options = ReportOptions(title=f"{book.name}: coded excerpts", by=next(iter(by), None),
                            chart=chart is not None)
    chart_png = chart.result() if chart is not None else None
    outputs["excerpts.docx"] = partial(write_report, project, data, options=options,
                                       themes=themes, excerpts=excerpts, chart_png=chart_png)
    outputs["report.html"] = partial(write_html, project, data, options=options,
                                     themes=themes, excerpts=excerpts)
    for attribute, frame in crosstabs.items():
        outputs[f"themes_by_{_slug(attribute)}.csv"] = to_csv(frame)
    return themes, outputs


def _crosstabs(data, by: Iterable[str]) -> dict:
    """The theme table split by each case attribute in ``by``, in order."""
    from qualcode.analysis import crosstab

    return {attribute: crosstab(data, attribute) for attribute in by}


def _outputs(project, book, data, themes, crosstabs: dict, excerpts, quantifiers: bool
             ) -> dict[str, bytes | str | Callable[[BinaryIO], None]]:
    """The tables' files (name: content, or a function writing it into a file) but the
    reports, in the order they are written: themes.csv, themes.xlsx (every table),
    findings.md, excerpts.xlsx."""
    from qualcode.analysis import framework_matrix, top_pairs
    from qualcode.analysis.cooccurrence import cooccurrence
    from qualcode.analysis.findings import (
        caveat,
        findings_markdown,
        project_case_noun,
        proper_words,
    )
    from qualcode.export.excerpts import public
    from qualcode.export.tables import to_csv, write_xlsx

    sheets = {"themes": themes}
    for attribute, frame in crosstabs.items():
        sheets[f"by {attribute}"] = frame
    sheets["co-occurrence"] = top_pairs(data, "codes", top=25)
    sheets["co-occurrence matrix"] = cooccurrence(data, "codes", "segment")
    sheets["framework"] = framework_matrix(data, "themes")
    first_split = crosstabs[next(iter(crosstabs))] if crosstabs else None
    findings = findings_markdown(themes, first_split, project_case_noun(project), quantifiers,
                                 title=f"Findings: {book.name}", proper=proper_words(book),
                                 excerpts=excerpts, caveat_line=caveat(data.codings))
    return {
        "themes.csv": to_csv(themes),
        "themes.xlsx": partial(write_xlsx, sheets),
        "findings.md": findings,
        "excerpts.xlsx": partial(write_xlsx, {"excerpts": public(excerpts)}),
    }


def _check_attributes(data, by: Iterable[str]) -> None:
    from qualcode.analysis.crosstab import check_attribute

    for attribute in by:
        check_attribute(data, attribute)


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "attribute"
