"""``qualcode pseudonymise suggest|apply|check``: a reviewable, reversible pseudonym map."""

from __future__ import annotations

import click

from qualcode.cli.common import project_option


@click.group()
def pseudonymise() -> None:
    """Replace names, organisations and places in everything that leaves the project."""


@pseudonymise.command()
@project_option
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The map to review (.yaml).")
@click.option("--names", type=click.Path(dir_okay=False, exists=True),
              help="A file of further names to look for, one per line.")
def suggest(project_path, output, names):
    """Propose a pseudonym map: speakers, names, organisations, places, emails, phones.

    Example: qualcode pseudonymise suggest --project out/project.qc -o map.yaml
    """
    from pathlib import Path

    from qualcode.fileio import write_atomic
    from qualcode.store import Project
    from qualcode.text import decode_bytes, read_bytes
    from qualcode.workflows.pseudonymise import suggest_pseudonyms

    extra = decode_bytes(read_bytes(Path(names)), names).splitlines() if names else None
    with Project.open(project_path) as project:
        text, count = suggest_pseudonyms(project, extra)
    write_atomic(Path(output), text.encode("utf-8"))
    click.echo(f"{output}: {count} entries proposed; review them (delete what is not "
               "identifying, merge variants), then run qualcode pseudonymise apply")


@pseudonymise.command()
@project_option
@click.option("--map", "map_path", required=True, type=click.Path(dir_okay=False),
              help="The reviewed map (.yaml, .csv or .xlsx).")
@click.option("--default/--not-default", default=True, show_default=True,
              help="Pseudonymise every export unless it is asked for the real text.")
def apply(project_path, map_path, default):
    """Check a map against the project and record it (the transcripts are not changed).

    Example: qualcode pseudonymise apply --project out/project.qc --map map.yaml
    """
    from qualcode.store import Project
    from qualcode.workflows.pseudonymise import apply_pseudonyms

    with Project.open(project_path) as project:
        report = apply_pseudonyms(project, map_path, default=default)
    exports = ("pseudonymised by default (--real for the original text)" if report.default
               else "real unless --pseudonymised")
    click.echo(f"{map_path}: {report.entries} entries, {report.replacements} replacements in "
               f"the project; exports are {exports}")


@pseudonymise.command()
@project_option
def check(project_path):
    """List what still looks like a name, email, phone or postcode after the map.

    Example: qualcode pseudonymise check --project out/project.qc
    """
    from qualcode.store import Project
    from qualcode.workflows.pseudonymise import check_pseudonyms

    with Project.open(project_path) as project:
        found = check_pseudonyms(project)
    for item in found:
        click.echo(f"{item.document_id}: {item.text!r} ({item.kind}, {item.count}x): "
                   f"...{item.example}...")
    click.echo(f"{len(found)} possible names left" if found else "nothing left that looks "
               "like a name, email, phone number or postcode")


@pseudonymise.command()
@project_option
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The shareable project file to write (.qc).")
def share(project_path, output):
    """Write a pseudonymised copy of the project to share (no map, no real names inside).

    Example: qualcode pseudonymise share --project out/project.qc -o shared.qc
    """
    from qualcode.store import Project
    from qualcode.workflows.pseudonymise import share_pseudonymised

    with Project.open(project_path, readonly=True) as project:
        report = share_pseudonymised(project, output)
    click.echo(f"{output}: {report.documents} documents, {report.replacements} replacements; "
               "the map is not in it")


def register(group: click.Group) -> None:
    group.add_command(pseudonymise)
