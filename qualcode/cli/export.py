"""``qualcode export docx|xlsx|csv``: the Word report and the quote table."""

from __future__ import annotations

import click

from qualcode.cli.common import (
    apply_options,
    load_selected,
    project_option,
    pseudonym_option,
    selection_options,
)


def excerpt_options(command):
    """Project, output file, which codes, and which codings count."""
    return apply_options(command, [
        project_option,
        click.option("--output", "-o", required=True, type=click.Path(dir_okay=False)),
        click.option("--code", "codes", multiple=True, metavar="ID",
                     help="Only these codes, with the codes under them (repeatable)."),
        selection_options,
    ])


@click.group()
def export():
    """Export: a Word or HTML report (docx, html), a quote table (xlsx, csv), a REFI-QDA
    project (qdpx)."""


@export.command()
@excerpt_options
@click.option("--title", default="Coded excerpts", show_default=True)
@click.option("--by", metavar="ATTR", help="Add the split by this attribute to the table.")
@click.option("--group-by", type=click.Choice(["theme", "document"]), default="theme",
              show_default=True, help="Excerpts under each code, or under each document.")
@click.option("--attribute", "attributes", multiple=True, metavar="ATTR",
              help="Case attributes to show in attributions (repeatable; default: all).")
@click.option("--no-chart", is_flag=True, help="Leave out the bar charts.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--toc", is_flag=True, help="A table of contents (Word fills it on opening).")
@click.option("--no-findings", is_flag=True, help="Leave out the findings at the start.")
@click.option("--case-noun", metavar="NOUN",
              help="What the cases are called (default: interviews, responses or documents, "
                   "from the documents).")
def docx(project_path, output, codes, origins, statuses, coders, pseudonymised, title, by,
         group_by, attributes, no_chart, paper, toc, no_findings, case_noun):
    """The Word report: findings, theme tables and charts, every passage under its code once
    (naming every code and coder), intercoder agreement, codebook and memos.

    Example: qualcode export docx --project sample.qc -o report.docx --by nation
    """
    from qualcode.export.docx_report import ReportOptions, write_report
    from qualcode.fileio import atomic_output
    from qualcode.store import Project

    data = load_selected(project_path, origins, statuses, coders, None, pseudonymised)
    options = ReportOptions(title=title, codes=tuple(codes), by=by, group_by=group_by,
                            attributes=tuple(attributes) or None, chart=not no_chart,
                            paper=paper, toc=toc, findings=not no_findings, case_noun=case_noun)
    with Project.open(project_path, readonly=True) as project, atomic_output(output) as out:
        write_report(project, data, out, options)
    click.echo(f"{output}: written")


@export.command()
@excerpt_options
@click.option("--title", default="Coded excerpts", show_default=True)
@click.option("--by", metavar="ATTR", help="Add the split by this attribute, with its chart.")
@click.option("--attribute", "attributes", multiple=True, metavar="ATTR",
              help="Case attributes to show in attributions (repeatable; default: all).")
@click.option("--case-noun", metavar="NOUN", help="What the cases are called.")
def html(project_path, output, codes, origins, statuses, coders, pseudonymised, title, by,
         attributes, case_noun):
    """The HTML report: one self-contained page (no network) with a sortable theme table,
    crosstabs, inline-SVG charts, findings and every passage by theme; prints cleanly.

    Example: qualcode export html --project sample.qc -o report.html --by nation
    """
    from qualcode.export.docx_report import ReportOptions
    from qualcode.export.html_report import write_html
    from qualcode.fileio import atomic_output
    from qualcode.store import Project

    data = load_selected(project_path, origins, statuses, coders, None, pseudonymised)
    options = ReportOptions(title=title, codes=tuple(codes), by=by,
                            attributes=tuple(attributes) or None, case_noun=case_noun)
    with Project.open(project_path, readonly=True) as project, atomic_output(output) as out:
        write_html(project, data, out, options)
    click.echo(f"{output}: written")


def _quote_table(project_path, codes, origins, statuses, coders, pseudonymised):
    from qualcode.export.excerpts import quote_table
    from qualcode.store import Project

    data = load_selected(project_path, origins, statuses, coders, None, pseudonymised)
    with Project.open(project_path, readonly=True) as project:
        return quote_table(project, data, codes or None)


def _say_if_empty(table) -> None:
    if table.empty:
        click.echo("0 excerpts match the codes and codings selected", err=True)


@export.command()
@excerpt_options
def xlsx(project_path, output, codes, origins, statuses, coders, pseudonymised):
    """One row per coded excerpt, as a spreadsheet (text that looks like a formula is a text
    cell).

    Example: qualcode export xlsx --project sample.qc -o excerpts.xlsx
    """
    from qualcode.export.tables import write_workbook

    table = _quote_table(project_path, codes, origins, statuses, coders, pseudonymised)
    write_workbook({"excerpts": table}, output)
    _say_if_empty(table)
    click.echo(f"{output}: {len(table)} excerpts")


@export.command()
@excerpt_options
@click.option("--raw", is_flag=True,
              help="Cells verbatim, for analysis tools (default: text a spreadsheet would run "
                   "as a formula gets a leading ').")
def csv(project_path, output, codes, origins, statuses, coders, pseudonymised, raw):
    """One row per coded excerpt, as CSV (UTF-8; byte-identical across runs).

    Example: qualcode export csv --project sample.qc -o excerpts.csv --code enablers
    """
    from qualcode.export.tables import write_table

    table = _quote_table(project_path, codes, origins, statuses, coders, pseudonymised)
    write_table(table, output, "csv", raw=raw)
    _say_if_empty(table)
    click.echo(f"{output}: {len(table)} excerpts")


@export.command()
@project_option
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False))
@click.option("--offsets", type=click.Choice(["codepoints", "utf16"]), default="codepoints",
              show_default=True,
              help="Unit of selection offsets: utf16 for NVivo, codepoints for the others.")
@pseudonym_option
def qdpx(project_path, output, offsets, pseudonymised):
    """A REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Example: qualcode export qdpx --project sample.qc -o sample.qdpx
    """
    from qualcode.export.qdpx import export_qdpx
    from qualcode.fileio import write_atomic
    from qualcode.store import Project

    with Project.open(project_path, readonly=True) as project:
        content = export_qdpx(project, offsets, pseudonymised)
    write_atomic(output, content)
    click.echo(f"{output}: written")


def register(group: click.Group) -> None:
    group.add_command(export)
