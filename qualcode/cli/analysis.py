"""``qualcode themes|crosstab|cooccur|matrix``: the study's tables, on screen or to a file."""

from __future__ import annotations

import click

from qualcode.cli.common import (
    apply_options,
    emit_table,
    format_table,
    load_selected,
    project_option,
    selection_options,
)


def analysis_options(command):
    """Project, which codings count, and where the table goes."""
    return apply_options(command, [
        project_option,
        selection_options,
        click.option("--format", "fmt", default="table", show_default=True,
                     type=click.Choice(["table", "csv", "xlsx", "json", "md"])),
        click.option("--output", "-o", type=click.Path(dir_okay=False),
                     help="Write to this file (needed for xlsx) instead of the screen."),
    ])


@click.command()
@analysis_options
@click.option("--cases", "case_attribute", metavar="ATTR",
              help="Count cases by this attribute's values instead of by document.")
@click.option("--sort", type=click.Choice(["codebook", "cases"]), default="codebook",
              show_default=True)
@click.option("--examples", is_flag=True, help="Show each code's example excerpt on screen.")
def themes(project_path, origins, statuses, coders, pseudonymised, fmt, output, case_attribute,
           sort, examples):
    """Theme frequencies: cases k of N, excerpts, words, speakers and an example, per code.

    Example: qualcode themes --project sample.qc --sort cases
    """
    from qualcode.analysis.themes import theme_frequencies

    data = load_selected(project_path, origins, statuses, coders, case_attribute, pseudonymised)
    frame = theme_frequencies(data, sort)

    def screen() -> str:
        indent = "  " if sort == "codebook" else ""  # a tree only in codebook order
        rows = [[indent * r.level + r.code_id, f"{r.cases}/{r.of_cases}", f"{r.cases_pct:.0f}%",
                 r.excerpts, r.words, r.speakers] + ([r.example[:80]] if examples else [])
                for r in frame.itertuples()]
        headers = ["code", data.case_label, "%", "excerpts", "words", "speakers"]
        return format_table(headers + (["example"] if examples else []), rows,
                            right=(1, 2, 3, 4, 5))

    emit_table(frame, fmt, output, screen)


@click.command()
@analysis_options
@click.option("--by", required=True, metavar="ATTR", help="The case attribute to split by.")
def crosstab(project_path, origins, statuses, coders, pseudonymised, fmt, output, by):
    """Theme frequencies split by a case attribute, each group with its own denominator.

    Example: qualcode crosstab --project sample.qc --by nation
    """
    from qualcode.analysis.crosstab import crosstab as make_crosstab

    data = load_selected(project_path, origins, statuses, coders, None, pseudonymised)
    frame = make_crosstab(data, by)  # refuses an unknown attribute
    groups = [c[: -len(": cases")] for c in frame.columns if c.endswith(": cases")]

    def screen() -> str:
        rows = [[r["code_id"], f"{r['cases']}/{r['of_cases']}",
                 *(f"{r[f'{g}: cases']}/{r[f'{g}: of']}" for g in groups)]
                for _, r in frame.iterrows()]
        return format_table(["code", "all", *groups], rows, right=range(1, len(groups) + 2))

    emit_table(frame, fmt, output, screen)


@click.command()
@analysis_options
@click.option("--level", type=click.Choice(["codes", "themes"]), default="codes",
              show_default=True, help="Pair codes, or top-level themes.")
@click.option("--scope", type=click.Choice(["segment", "document"]), default="segment",
              show_default=True, help="Count coded passages, or documents, with both.")
@click.option("--jaccard", is_flag=True, help="Matrix cells as both / either.")
@click.option("--matrix", "as_matrix", is_flag=True,
              help="The full code x code matrix instead of the top pairs.")
@click.option("--top", type=int, default=10, show_default=True)
def cooccur(project_path, origins, statuses, coders, pseudonymised, fmt, output, level, scope,
            jaccard, as_matrix, top):
    """Codes that come together on the same passage (or in the same document).

    Example: qualcode cooccur --project sample.qc --top 5
    """
    from qualcode.analysis.cooccurrence import cooccurrence, top_pairs

    data = load_selected(project_path, origins, statuses, coders, None, pseudonymised)
    if as_matrix:
        frame = cooccurrence(data, level, scope, jaccard)

        def screen() -> str:
            return matrix_table(frame)
    else:
        frame = top_pairs(data, level, top)

        def screen() -> str:
            rows = [[r.code_a, r.code_b, r.passages, r.documents, f"{r.jaccard:.2f}"]
                    for r in frame.itertuples()]
            return format_table(["code", "with", "passages", "documents", "jaccard"], rows,
                                right=(2, 3, 4))

    emit_table(frame, fmt, output, screen)


@click.command()
@analysis_options
@click.option("--cases", "case_attribute", metavar="ATTR",
              help="Rows by this attribute's values instead of by document.")
@click.option("--level", type=click.Choice(["themes", "codes"]), default="themes",
              show_default=True)
def matrix(project_path, origins, statuses, coders, pseudonymised, fmt, output, case_attribute,
           level):
    """The Framework matrix: cases x themes, each cell the excerpts and a representative quote.

    On screen, the counts; the quotes are in --format csv/xlsx/md/json.
    Example: qualcode matrix --project sample.qc --format xlsx -o framework.xlsx
    """
    from qualcode.analysis.framework import framework_matrix

    data = load_selected(project_path, origins, statuses, coders, case_attribute, pseudonymised)
    frame = framework_matrix(data, level)

    def screen() -> str:
        counts = frame.map(lambda cell: cell.split(" | ", 1)[0] if cell else "-")
        counts.columns = frame.attrs["code_ids"]
        return matrix_table(counts)

    emit_table(frame, fmt, output, screen)


def matrix_table(frame) -> str:
    """A matrix (labelled rows and columns) in the same plain layout as the other tables:
    the row labels first, numbers right-aligned, a rule under the header."""
    def cell(value) -> str:
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    label = frame.index.name or ""
    rows = [[str(index), *(cell(v) for v in values)]
            for index, values in zip(frame.index, frame.itertuples(index=False), strict=True)]
    return format_table([label, *map(str, frame.columns)], rows,
                        right=range(1, len(frame.columns) + 1))


def register(group: click.Group) -> None:
    for command in (themes, crosstab, cooccur, matrix):
        group.add_command(command)

