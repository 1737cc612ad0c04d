"""``qualcode run``: ingest, code, tabulate and write everything into one folder."""

from __future__ import annotations

import click

from qualcode.cli.common import (
    cluster_options,
    format_table,
    progress_bar,
    quiet_option,
    unit_option,
)


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--codebook", "-c", required=True, type=click.Path(dir_okay=False))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False),
              help="Folder for the project and the tables (made if missing).")
@click.option("--attributes", "-a", type=click.Path(dir_okay=False),
              help="CSV/XLSX of case attributes (document, nation, region, ...).")
@click.option("--by", multiple=True, metavar="ATTR",
              help="Also split the tables by this case attribute (repeatable).")
@unit_option(help="What one coding spans.")
@click.option("--speakers", type=click.Choice(["participants", "all"]),
              default="participants", show_default=True)
@click.option("--interviewer", "interviewers", multiple=True, metavar="NAME")
@click.option("--quantifiers", is_flag=True,
              help="Findings say 'most interviews' rather than '9 of 12 interviews'.")
@click.option("--text-column", help="Read CSV/XLSX inputs as responses, one per row.")
@click.option("--id-column", help="Column holding each response's id.")
@click.option("--no-chart", is_flag=True,
              help="Leave the charts out of the reports (matplotlib is not even started).")
@cluster_options
@quiet_option
def run(inputs, codebook, out, attributes, by, unit, speakers, interviewers, quantifiers,
        text_column, id_column, workers, scheduler, quiet, no_chart):
    """The batch job: ingest INPUTS, code them, and write project.qc, themes.csv,
    themes.xlsx (every table) and findings.md into --out.

    \b
    Example:
      qualcode run transcripts_sample --codebook codebooks/lscb_learning_improvement.yaml \\
          --out out --attributes transcripts_sample/attributes.csv --by nation
    """
    from qualcode.pipeline import run as run_pipeline

    report = run_pipeline(
        inputs, codebook, out, attributes=attributes, by=by, unit=unit, speakers=speakers,
        interviewers=interviewers, quantifiers=quantifiers, text_column=text_column,
        id_column=id_column,
        progress=lambda label: progress_bar(quiet, label, "file" if label == "ingest" else unit),
        chart=not no_chart, workers=workers, scheduler=scheduler,
    )
    for line in [*report.ingest.warnings, *report.code.warnings]:
        click.echo(f"warning: {line}", err=True)
    if quiet:
        return
    ingested = report.ingest
    for path, reason in ingested.skipped:
        click.echo(f"skipped {path}: {reason}")
    n_docs = len(ingested.new) + len(ingested.updated) + len(ingested.unchanged)
    click.echo(f"{n_docs} documents ({len(ingested.new)} new, {len(ingested.updated)} "
               f"updated, {len(ingested.unchanged)} unchanged); "
               f"{len(report.code.codings)} codings on {report.code.units} {unit}s")
    top = report.themes[report.themes["level"] <= 1].sort_values(
        ["cases", "excerpts"], ascending=False, kind="stable").head(8)
    rows = [[r.code, f"{r.cases}/{r.of_cases}", r.excerpts] for r in top.itertuples()]
    click.echo(format_table(["top themes", "cases", "excerpts"], rows, right=(1, 2)))
    for path in report.written:
        click.echo(f"wrote {path}")
    click.echo(f"wrote {report.project}")


def register(group: click.Group) -> None:
    group.add_command(run)
