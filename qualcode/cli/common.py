"""Options and helpers shared by every command, written once."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click

from qualcode.model import ORIGINS, STATUSES

project_option = click.option(
    "--project", "-p", "project_path", required=True, type=click.Path(dir_okay=False),
    help="The project file (SQLite).",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")

SEGMENT_UNITS = ("turn", "sentence", "paragraph")


class _Units(click.Choice):
    """A choice of units that also takes old names (``aliases``) without listing them."""

    def __init__(self, choices, aliases: dict[str, str]):
        super().__init__(choices)
        self.aliases = aliases

    def convert(self, value, param, ctx):
        return super().convert(self.aliases.get(value, value), param, ctx)


def unit_option(*more: str, aliases: dict[str, str] | None = None,
                help: str = "The units: participant turns, sentences or paragraphs."):
    """--unit: which segments a command works on (turn, sentence, paragraph, then ``more``),
    turn by default; ``aliases`` maps old names to current ones."""
    return click.option("--unit", type=_Units([*SEGMENT_UNITS, *more], aliases or {}),
                        default="turn", show_default=True, help=help)


def apply_options(command, options: list):
    """Decorate ``command`` with ``options`` in the order they are listed."""
    for option in reversed(options):
        command = option(command)
    return command


def cluster_options(command):
    """--workers and --scheduler: where the per-document work runs (qualcode.cluster)."""
    return apply_options(command, [
        click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Read and code on N local processes (Dask; pip install "
                          "'qualcode[dask]'). Only this process writes the project."),
        click.option("--scheduler", metavar="tcp://HOST:PORT",
                     help="Send the work to this running Dask cluster instead; its workers "
                          "must see the input files at the same paths."),
    ])


pseudonym_option = click.option(
    "--pseudonymised/--real", "pseudonymised", default=None,
    help="Replace names by the project's pseudonym map, or print the real text (default: as "
         "`qualcode pseudonymise apply` set it; real if no map).")


origin_option = click.option(
    "--origin", "origins", multiple=True, type=click.Choice(ORIGINS),
    help="Count only codings of these origins (repeatable; default: all).")
status_option = click.option(
    "--status", "statuses", multiple=True, type=click.Choice(STATUSES),
    help="Count codings with these statuses (default: applied, accepted).")


def selection_options(command):
    """--origin, --status, --coder: which codings count, for every table and export; and
    --pseudonymised/--real: whether names are replaced."""
    return apply_options(command, [
        origin_option,
        status_option,
        click.option("--coder", "coders", multiple=True,
                     help="Count only this coder's codings (repeatable)."),
        pseudonym_option,
    ])


def load_selected(project_path, origins, statuses, coders, cases=None, pseudonymised=None):
    """The codings that count (``qualcode.analysis.load_coded``) for the selection options."""
    from qualcode.analysis.data import DEFAULT_STATUSES, Selection, load_coded
    from qualcode.store import Project

    selection = Selection(origins=tuple(origins) or None,
                          statuses=tuple(statuses) or DEFAULT_STATUSES,
                          coders=tuple(coders) or None)
    with Project.open(project_path, readonly=True) as project:
        return load_coded(project, selection, cases, pseudonymised=pseudonymised)


def progress_bar(quiet: bool, description: str, unit: str = "file"):
    """A tqdm progress bar on a terminal; nothing when piped or with --quiet."""

    def wrap(items: Iterable) -> Iterable:
        if quiet or not sys.stderr.isatty():
            return items
        from tqdm import tqdm

        return tqdm(items, desc=description, unit=unit, leave=False)

    return wrap


def format_table(headers: list[str], rows: list[list], right: Iterable[int] = ()) -> str:
    """Plain aligned columns, readable in a terminal and in a pasted log."""
    right = set(right)
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def emit_table(frame, fmt, output, screen) -> None:
    """Print ``screen()`` for the table format; otherwise write or print the format."""
    from qualcode.errors import QualcodeError
    from qualcode.export import tables

    if fmt == "table" and output is None:
        click.echo(screen())
        return
    if fmt == "table":
        fmt = output.rsplit(".", 1)[-1].lower()
    if output:
        tables.write_table(frame, output, fmt)
        click.echo(f"{output}: {len(frame)} rows")
        return
    if fmt == "xlsx":
        raise QualcodeError("xlsx needs --output FILE.xlsx")
    converters = {"csv": tables.to_csv, "json": tables.to_json,
                  "md": lambda f: tables.to_markdown(f).encode()}
    click.echo(converters[fmt](frame).decode(), nl=False)
