"""``qualcode code`` and ``qualcode excerpts``: autocode a project and read what was coded."""

from __future__ import annotations

import click

from qualcode.cli.common import (
    cluster_options,
    format_table,
    progress_bar,
    project_option,
    pseudonym_option,
    quiet_option,
    unit_option,
)


@click.command()
@project_option
@click.option("--codebook", "-c", "codebook_path", required=True,
              type=click.Path(dir_okay=False), help="The codebook (.yaml .qdc .csv .xlsx).")
@unit_option(help="What one coding spans.")
@click.option("--speakers", type=click.Choice(["participants", "all"]),
              default="participants", show_default=True,
              help="Code participants' units only, or interviewers' too.")
@cluster_options
@quiet_option
def code(project_path, codebook_path, unit, speakers, workers, scheduler, quiet):
    """Autocode every document with a codebook's rules.

    Re-running replaces this codebook's earlier rule codings; manual, imported, accepted and
    ML codings are kept.

    Example: qualcode code --project sample.qc --codebook codebooks/lscb_learning_improvement.yaml
    """
    from qualcode.cluster import open_cluster
    from qualcode.codebook import load_codebook
    from qualcode.coding.engine import code_project
    from qualcode.store import Project

    book = load_codebook(codebook_path)
    with open_cluster(workers, scheduler) as cluster, Project.open(project_path) as project:
        report = code_project(project, book, unit=unit, speakers=speakers,
                              progress=progress_bar(quiet, "code", unit), cluster=cluster)
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)
    if quiet:
        return
    theme_of = book.top_themes()
    rows = []
    for theme in book.children(None):
        mine = [c for c in report.codings if theme_of[c.code_id] == theme.id]
        units = {(c.document_id, c.start) for c in mine}
        rows.append([theme.id, len(mine), len(units), len({c.document_id for c in mine})])
    click.echo(format_table(["theme", "codings", "units", "documents"], rows, right=(1, 2, 3)))
    click.echo(f"{len(report.codings)} codings on {report.units} {unit}s ({report.words:,} "
               f"words); replaced {report.replaced} earlier codings of '{book.name}'")


@click.command()
@project_option
@click.option("--code", "code_id", required=True, help="A code id; a theme includes its codes.")
@click.option("--context", type=int, default=60, show_default=True,
              help="Characters of context either side of each matched term.")
@pseudonym_option
def excerpts(project_path, code_id, context, pseudonymised):
    """What was coded with a code, as a keyword-in-context list with the matches marked [[ ]].

    Example: qualcode excerpts --project sample.qc --code partnership-working --context 40
    """
    from qualcode.analysis.excerpts import keyword_in_context
    from qualcode.store import Project

    with Project.open(project_path, readonly=True) as project:
        lines = keyword_in_context(project, code_id, context, pseudonymised=pseudonymised)
    for line in lines:
        click.echo(line)


def register(group: click.Group) -> None:
    group.add_command(code)
    group.add_command(excerpts)


