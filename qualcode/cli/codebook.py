"""``qualcode codebook validate|show|convert``: check, read and translate codebooks."""

from __future__ import annotations

import click


def rule_counts(code) -> str:
    """``13 keywords, 3 regex, 1 near`` for one code; empty when it has no rules."""
    parts = [
        (len(code.keywords), "keyword"), (len(code.regex), "regex"),
        (len(code.patterns), "pattern"), (len(code.near), "near"), (len(code.not_terms), "not"),
    ]
    return ", ".join(f"{n} {label}{'s' if n != 1 and label == 'keyword' else ''}"
                     for n, label in parts if n)


@click.group()
def codebook():
    """Validate, show and convert codebooks (.yaml .qdc .csv .xlsx; Taguette CSV in)."""


@codebook.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--project", "-p", "project_path", type=click.Path(dir_okay=False, exists=True),
              help="Also check this project's coding against the codebook (units carrying two "
              "codes of an exclusive parent).")
def validate(file, project_path):
    """Check a codebook and report every problem with its line and code id.

    \b
    Examples:
      qualcode codebook validate codebooks/lscb_learning_improvement.yaml
      qualcode codebook validate talk.yaml --project lessons.qc
    """
    from qualcode.codebook import load_codebook
    from qualcode.codebook.validate import exclusive_warnings, keyword_warnings, regex_warnings

    book = load_codebook(file)
    lines = [*regex_warnings(book.codes), *keyword_warnings(book.codes),
             *exclusive_warnings(book.codes)]
    if project_path:
        from qualcode.store import Project
        from qualcode.suggest.training import exclusive_groups, labelled_units, overlap_warnings

        with Project.open(project_path, readonly=True) as project:
            lines += overlap_warnings(exclusive_groups(book),
                                      labelled_units(project, context=False))
    for line in lines:
        click.echo(f"warning: {file}: {line}", err=True)
    top = len(book.children(None))
    totals = {
        "keywords": sum(len(c.keywords) for c in book.codes),
        "regexes": sum(len(c.regex) for c in book.codes),
        "token patterns": sum(len(c.patterns) for c in book.codes),
        "near rules": sum(len(c.near) for c in book.codes),
    }
    ruled = sum(c.has_rules for c in book.codes)
    extras = ", ".join(f"{n} {label}" for label, n in totals.items())
    click.echo(f"{file}: valid: {len(book.codes)} codes ({top} top-level, {ruled} with rules); "
               f"{extras}")


@codebook.command()
@click.argument("file", type=click.Path(dir_okay=False))
def show(file):
    """Print the code tree with each code's name and rule counts.

    Example: qualcode codebook show codebooks/lscb_learning_improvement.yaml
    """
    from qualcode.codebook import load_codebook

    book = load_codebook(file)
    version = f" (version {book.version})" if book.version is not None else ""
    click.echo(f"{book.name}{version}: {len(book.codes)} codes")

    def draw(parent: str | None, prefix: str) -> None:
        children = book.children(parent)
        for i, code in enumerate(children):
            last = i == len(children) - 1
            branch = "" if parent is None else ("└─ " if last else "├─ ")
            rules = rule_counts(code)
            flags = [rules] if rules else []
            if not code.codable:
                flags.append("not codable")
            suffix = f"  [{'; '.join(flags)}]" if flags else ""
            click.echo(f"{prefix}{branch}{code.id}  {code.name}{suffix}")
            deeper = "" if parent is None else ("   " if last else "│  ")
            draw(code.id, prefix + deeper)

    draw(None, "")


@codebook.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--project", "-p", "project_path", type=click.Path(dir_okay=False),
              help="Write the project's codebook (as edited in `qualcode serve`) instead of "
                   "converting a file: give only TARGET.")
@click.option("--taguette", is_flag=True,
              help="Write TARGET (.csv) as Taguette's codebook CSV: tag, parent, description, "
                   "with the hierarchy in dotted tag names.")
def convert(paths, project_path, taguette):
    """Convert a codebook between formats, chosen by extension (.yaml .qdc .csv .xlsx):
    SOURCE TARGET, or --project FILE TARGET.

    Example: qualcode codebook convert codebooks/lscb_learning_improvement.yaml lscb.qdc

    Example: qualcode codebook convert lscb.yaml for_taguette.csv --taguette
    """
    from qualcode.codebook import load_codebook, save_codebook
    from qualcode.errors import QualcodeError

    if project_path:
        if len(paths) != 1:
            raise QualcodeError("with --project, give only the TARGET file")
        from qualcode.store import Project

        with Project.open(project_path) as project:
            book = project.codebook()
        if not book.codes:
            raise QualcodeError("the project has no codes yet", project_path)
        target = paths[0]
    else:
        if len(paths) != 2:
            raise QualcodeError("give SOURCE and TARGET (or --project FILE and TARGET)")
        book = load_codebook(paths[0])
        target = paths[1]
    save_codebook(book, target, taguette=taguette)
    if taguette:
        dotted = [code.name for code in book.codes if "." in code.name]
        if dotted:
            click.echo(f"warning: {len(dotted)} code name(s) hold a dot, written as '·' so "
                       f"Taguette does not split them: {', '.join(dotted[:3])}", err=True)
    click.echo(f"{target}: {len(book.codes)} codes written")


def register(group: click.Group) -> None:
    group.add_command(codebook)
