"""``qualcode agree``: intercoder agreement between people, or between a person and a rule."""

from __future__ import annotations

import click

from qualcode.cli.common import (
    emit_table,
    format_table,
    project_option,
    status_option,
    unit_option,
)


def _number(value: float) -> str:
    return "n/a" if value != value else f"{value:.3f}"  # NaN: undefined


@click.command()
@project_option
@click.option("--coders", "first", required=True, metavar="A B [C ...]",
              help="Coders (names, or origins: rule, ml, manual, import).")
@click.argument("more", nargs=-1, metavar="")
@unit_option("document", "character", aliases={"segment": "turn"},
             help="The units compared: participant turns, sentences, paragraphs, whole "
             "documents, or each character (`segment`: the old name of `turn`).")
@click.option("--codes", multiple=True, metavar="ID", help="Only these codes (repeatable).")
@click.option("--level", type=click.Choice(["codes", "themes"]), default="codes",
              show_default=True, help="Compare codes as applied, or rolled up to themes.")
@status_option
@click.option("--absent", type=click.Choice(["missing", "no"]), default="missing",
              show_default=True, help="A document a coder coded nothing in: missing data "
              "for them, or 'no' on each of its units.")
@click.option("--disagreements", type=click.Path(dir_okay=False),
              help="Write the units coded differently to this .csv or .xlsx.")
@click.option("--docx", "docx_path", type=click.Path(dir_okay=False),
              help="Write a short Word section: the table and the disagreements.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "md"]),
              default="table", show_default=True)
def agree(project_path, first, more, unit, codes, level, statuses, absent, disagreements,
          docx_path, fmt):
    """Percent agreement, Cohen's kappa (two coders) and Krippendorff's alpha, per code.

    \b
    Examples:
      qualcode agree --project sample.qc --coders gold rule --level themes
      qualcode agree --project sample.qc --coders ann ml --status applied --status suggested
    """
    from qualcode.analysis.agreement import agreement
    from qualcode.export import tables
    from qualcode.model import COUNTED_STATUSES
    from qualcode.store import Project

    coders = [first, *more]
    with Project.open(project_path, readonly=True) as project:
        result = agreement(project, coders, unit, codes or None, level,
                           statuses=tuple(statuses) or COUNTED_STATUSES, absent=absent)
    if disagreements:
        if disagreements.lower().endswith(".xlsx"):
            tables.write_workbook({"disagreements": result.disagreements}, disagreements)
        else:
            tables.write_table(result.disagreements, disagreements, "csv")
    if docx_path:
        from qualcode.export.agreement_docx import agreement_section
        from qualcode.fileio import write_atomic

        write_atomic(docx_path, agreement_section(result))
    frame = result.per_code

    def screen() -> str:
        coded = [c for c in frame.columns if c.startswith("coded by ")]
        rows = [[r["code_id"], r["units"], _number(r["agreement"]), _number(r["kappa"]),
                 _number(r["alpha"]), *(r[c] for c in coded), r["why_na"]]
                for _, r in frame.iterrows()]
        nan = float("nan")
        o = result.overall
        rows.append([f"(all {level})", o.get("units", 0), _number(o.get("agreement", nan)),
                     _number(o.get("kappa", nan)), _number(o.get("alpha", nan)),
                     *(int(frame[c].sum()) for c in coded), o.get("why_na", "")])
        headers = ["code", f"{unit}s", "agreement", "kappa", "alpha", *coded, "why n/a"]
        if not any(row[-1] for row in rows):
            headers, rows = headers[:-1], [row[:-1] for row in rows]
        two = "" if len(coders) == 2 else (
            f"\nkappa n/a: Cohen's kappa compares two coders; alpha takes all {len(coders)}")
        return (format_table(headers, rows, right=range(1, 5 + len(coded)))
                + f"\n{len(result.disagreements)} disagreements"
                + (f" (written to {disagreements})" if disagreements else "")
                + two + "\n" + result.absent_line())

    emit_table(frame, fmt, None, screen)
    if fmt != "table":
        click.echo(result.absent_line(), err=True)  # the data on stdout stays clean


def register(group: click.Group) -> None:
    group.add_command(agree)
