"""``qualcode apply``, ``unapply`` and ``import codings``: a person's coding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from qualcode.cli.common import project_option

if TYPE_CHECKING:
    from qualcode.store import Project


def _load_codebook_into(project: Project, codebook_path) -> None:
    if codebook_path:
        from qualcode.codebook import load_codebook

        with project.transaction():
            project.set_codes(load_codebook(codebook_path))


def _span(project: Project, doc, start, end, segment):
    from qualcode.coding.manual import segment_span
    from qualcode.errors import QualcodeError

    if segment:
        return segment_span(project, doc, segment)
    if start is None or end is None:
        raise QualcodeError("give --start and --end, or --segment such as turn:12")
    return start, end


@click.command()
@project_option
@click.option("--doc", required=True, help="Document id.")
@click.option("--start", type=int, help="Start offset (code points, inclusive).")
@click.option("--end", type=int, help="End offset (exclusive).")
@click.option("--segment", help="Instead of offsets: turn:N, sentence:N or paragraph:N.")
@click.option("--code", "code_id", required=True)
@click.option("--coder", required=True, help="Who is coding.")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False),
              help="Load this codebook's codes into the project first.")
def apply(project_path, doc, start, end, segment, code_id, coder, codebook_path):
    """Code a span (or a segment) of a document by hand.

    Example: qualcode apply --project sample.qc --doc lscb01 --segment turn:3
    --code partnership-working --coder ann
    """
    from qualcode.coding.manual import apply_coding
    from qualcode.model import Coding
    from qualcode.store import Project

    with Project.open(project_path) as project:
        _load_codebook_into(project, codebook_path)
        start, end = _span(project, doc, start, end, segment)
        apply_coding(project, Coding(doc, start, end, code_id, coder, origin="manual"))
    click.echo(f"coded {doc} {start}-{end} with {code_id} ({coder})")


@click.command()
@project_option
@click.option("--doc", required=True)
@click.option("--start", type=int)
@click.option("--end", type=int)
@click.option("--segment", help="turn:N, sentence:N or paragraph:N.")
@click.option("--code", "code_id", required=True)
@click.option("--coder", required=True)
def unapply(project_path, doc, start, end, segment, code_id, coder):
    """Remove a coding made by hand (or imported).

    Example: qualcode unapply --project sample.qc --doc lscb01 --segment turn:3
    --code partnership-working --coder ann
    """
    from qualcode.coding.manual import unapply_coding
    from qualcode.store import Project

    with Project.open(project_path) as project:
        start, end = _span(project, doc, start, end, segment)
        unapply_coding(project, doc, start, end, code_id, coder)
    click.echo(f"removed {code_id} ({coder}) from {doc} {start}-{end}")


@click.group(name="import")
def import_group():
    """Bring work in: a coder's codings from a spreadsheet."""


@import_group.command()
@click.argument("file", type=click.Path(dir_okay=False))
@project_option
@click.option("--coder", help="The coder, when the file has no coder column.")
@click.option("--origin", type=click.Choice(["import", "manual"]), default="import",
              show_default=True)
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False),
              help="Load this codebook's codes into the project first.")
@click.option("--from-columns", metavar="COL,COL",
              help="FILE is a transcript table (one utterance per row): these columns hold "
                   "codes (or yes/no marks for the code named like the column).")
@click.option("--speaker-column", help="With --from-columns: as given to ingest.")
@click.option("--text-column", help="With --from-columns: as given to ingest.")
@click.option("--time-column", help="With --from-columns: as given to ingest.")
@click.option("--document", "document_id",
              help="With --from-columns: the document (default: the file's name without "
                   "extension).")
def codings(file, project_path, coder, origin, codebook_path, from_columns, speaker_column,
            text_column, time_column, document_id):
    """Import codings from CSV/XLSX: document, start, end (or segment), code, coder.

    Every row is checked (document, offsets inside its text, known code); any bad row stops
    the import with one line per bad row. Rows already in the project are skipped.
    With --from-columns, FILE is a transcript table ingested with --speaker-column, and each
    coded row's speech becomes a coding.

    \b
    Examples:
      qualcode import codings transcripts_sample/gold_coding.csv --project sample.qc
      qualcode import codings lesson.csv --project c.qc --from-columns uptake,question \\
          --speaker-column speaker --text-column text --coder original
    """
    from qualcode.coding.manual import import_codings, import_column_codings
    from qualcode.errors import QualcodeError
    from qualcode.store import Project

    if from_columns and not (speaker_column and text_column and coder):
        raise QualcodeError("--from-columns needs --speaker-column, --text-column and --coder")
    with Project.open(project_path) as project:
        _load_codebook_into(project, codebook_path)
        if from_columns:
            report = import_column_codings(
                project, file, [c.strip() for c in from_columns.split(",") if c.strip()],
                speaker_column=speaker_column, text_column=text_column, coder=coder,
                document_id=document_id, time_column=time_column, origin=origin)
        else:
            report = import_codings(project, file, coder=coder, origin=origin)
    click.echo(f"{file}: {report.added} codings imported ({report.already} already there); "
               f"coders: {', '.join(report.coders)}")


def register(group: click.Group) -> None:
    for command in (apply, unapply, import_group):
        group.add_command(command)


@import_group.command()
@click.argument("file", type=click.Path(dir_okay=False))
@project_option
@click.option("--offsets", type=click.Choice(["auto", "codepoints", "utf16"]), default="auto",
              show_default=True,
              help="Unit of the file's selection offsets; auto detects it (NVivo: utf16).")
@click.option("--strict", is_flag=True,
              help="Refuse the file (exit 2) if any selection is empty or outside its text.")
def qdpx(file, project_path, offsets, strict):
    """Import a REFI-QDA project (.qdpx): documents, codebook, codings, coders, attributes.

    Example: qualcode import qdpx team.qdpx --project sample.qc
    """
    from qualcode.store import Project
    from qualcode.workflows.qdpx import import_qdpx

    with Project.open(project_path, create=True) as project:
        report = import_qdpx(project, file, offsets=None if offsets == "auto" else offsets,
                             strict=strict)
    click.echo(f"{file}: {len(report.documents)} documents ({len(report.new)} new, "
               f"{len(report.unchanged)} already there, {len(report.updated)} updated), "
               f"{report.codes} codes, {report.codings} codings ({report.already} already "
               f"there), {report.memos} memos ({report.memos_already} already there); "
               f"coders: {', '.join(report.coders) or 'none'}; offsets read as "
               f"{report.offsets}")
    for doc_id in report.updated:
        click.echo(f"updated {doc_id!r}: its source's text changed since the last import; its "
                   "rule and model codings were dropped (run `qualcode code` again)")
    for new_id, existing_id in report.beside:
        click.echo(f"imported as {new_id!r}: the project's document {existing_id!r} has the "
                   "same name and another text, and was left as it was")
    for line in report.skipped_sources:
        click.echo(f"skipped source {line}")
    for line in report.skipped_selections:
        click.echo(f"skipped {line}")
    if report.dropped:
        click.echo("not imported (qualcode has no place for them): " + ", ".join(
            f"{n} {what}" for what, n in report.dropped.items()))
