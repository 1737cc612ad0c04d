"""Options and helpers shared by every command, written once."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click

project_option = click.option(
    "--project", "-p", "project_path", required=True, type=click.Path(dir_okay=False),
    help="The project file (SQLite).",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")


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
