"""``qualcode ingest`` and ``qualcode docs``: add transcripts to a project and list them."""

from __future__ import annotations

import click

from qualcode.cli.common import (
    cluster_options,
    format_table,
    progress_bar,
    project_option,
    quiet_option,
)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@project_option
@click.option("--attributes", "-a", type=click.Path(dir_okay=False),
              help="CSV/XLSX of case attributes: a document column, then e.g. nation, region.")
@click.option("--interviewer", "interviewers", multiple=True, metavar="NAME",
              help="A speaker who interviews (repeatable); Interviewer/I/Q are known already.")
@click.option("--text-column", help="Read CSV/XLSX files as responses, one document per row.")
@click.option("--id-column", help="Column holding each response's id (default: file-row).")
@click.option("--speaker-column",
              help="Read CSV/XLSX files as ONE transcript, a row per utterance, with this "
                   "speaker column (and --text-column).")
@click.option("--time-column", help="With --speaker-column: each utterance's time.")
@click.option("--encoding", help="Decode text files with this encoding instead of guessing.")
@click.option("--skip-errors", is_flag=True,
              help="Ingest the files that read cleanly and list the others (exit status 2).")
@cluster_options
@quiet_option
def ingest(paths, project_path, attributes, interviewers, text_column, id_column,
           speaker_column, time_column, encoding, skip_errors, workers, scheduler, quiet):
    """Read transcripts (files or folders) into a project, creating it if needed.

    \b
    Formats: .txt .md .docx .vtt .srt .pdf .odt .rtf .html, and .csv .xlsx with
    --text-column (a document per row) or with --speaker-column and --text-column (one
    transcript, a turn per row).
    Example:
      qualcode ingest transcripts_sample --project s.qc \\
          --attributes transcripts_sample/attributes.csv
    """
    from qualcode.cluster import open_cluster
    from qualcode.store import Project
    from qualcode.workflows.ingest import ingest as ingest_paths

    with open_cluster(workers, scheduler) as cluster, \
            Project.open(project_path, create=True) as project:
        report = ingest_paths(
            project, paths, attributes=attributes, interviewers=interviewers,
            encoding=encoding, text_column=text_column, id_column=id_column,
            speaker_column=speaker_column, time_column=time_column, skip_errors=skip_errors,
            progress=progress_bar(quiet, "ingest"), cluster=cluster,
        )
    if not quiet:
        total = len(report.new) + len(report.updated) + len(report.unchanged)
        click.echo(
            f"{project_path}: {total} documents read ({len(report.new)} new, "
            f"{len(report.updated)} updated, {len(report.unchanged)} unchanged)"
        )
        if attributes:
            click.echo(f"attributes set for {len(report.attributes_set)} documents")
        if report.attributes_unmatched:
            click.echo("attributes rows matching no document: "
                       + ", ".join(report.attributes_unmatched))
        for path, reason in report.skipped:
            click.echo(f"skipped {path}: {reason}")
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)
    for error in report.failed:
        click.echo(f"error: {error}", err=True)
    if report.failed:
        raise SystemExit(2)


@click.command()
@project_option
def docs(project_path):
    """List the project's documents with their speakers, turns and words.

    The interviewer's speakers are marked with (I); "participant words" counts what
    participants said, the words that get coded by default.
    """
    from qualcode.store import Project

    with Project.open(project_path, readonly=True) as project:
        summaries = project.summaries()
        attributes = project.attributes()
    if not summaries:
        click.echo(f"{project_path}: no documents yet (qualcode ingest FILES --project ...)")
        return
    names = sorted({name for values in attributes.values() for name in values})
    shown = [n for n in ("nation", "region") if n in names] or names[:2]
    rows = []
    for s in summaries:
        speakers = ", ".join(f"{name} (I)" if interviewer else name
                             for name, interviewer in s.speakers) or "(no labels)"
        rows.append([s.id, s.format, speakers, s.interviewer_turns, s.participant_turns,
                     s.participant_words, s.words,
                     *(attributes.get(s.id, {}).get(n, "-") for n in shown)])
    headers = ["document", "format", "speakers", "interviewer turns", "participant turns",
               "participant words", "words", *shown]
    click.echo(format_table(headers, rows, right=(3, 4, 5, 6)))
    click.echo(f"{len(summaries)} documents, {sum(s.words for s in summaries):,} words")


def register(group: click.Group) -> None:
    group.add_command(ingest)
    group.add_command(docs)
