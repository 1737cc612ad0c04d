"""``qualcode suggest``, ``review`` and ``evaluate``: machine suggestions a person decides on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from qualcode.cli.common import (
    emit_table,
    format_table,
    progress_bar,
    project_option,
    quiet_option,
    unit_option,
)
from qualcode.model import ORIGINS
from qualcode.suggest import COLD_METHOD, COLD_METHODS, COLD_THRESHOLD, COLD_TOP

if TYPE_CHECKING:
    from qualcode.store import Project


@click.command()
@project_option
@unit_option()
@click.option("--min-examples", type=int, default=5, show_default=True,
              help="Codes with fewer coded units are skipped.")
@click.option("--threshold", type=float, help="A fixed probability threshold (default: "
              "chosen per code by cross-validation).")
@click.option("--no-rules", is_flag=True, help="Learn only from a person's codings.")
@click.option("--no-context", is_flag=True, help="Leave out the interviewer's question.")
@click.option("--cold", is_flag=True, help="Before anything is coded: rank codes by each "
              "unit's similarity to their definitions, criteria and examples.")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False),
              help="Load this codebook's codes into the project first (for --cold).")
@click.option("--cold-threshold", type=float, default=COLD_THRESHOLD, show_default=True,
              help="--cold: how unusual a unit's similarity to a code must be, in standard "
              "deviations above that code's mean over the units.")
@click.option("--cold-top", type=click.IntRange(min=1), default=COLD_TOP,
              show_default=True, help="--cold: at most this many codes per unit.")
@click.option("--cold-method", type=click.Choice(COLD_METHODS), default=COLD_METHOD,
              show_default=True, help="--cold: compare by TF-IDF words, by sentence embeddings "
              "(needs: pip install 'qualcode[embed]'), or both (mean of the z-scores).")
@quiet_option
def suggest(project_path, unit, min_examples, threshold, no_rules, no_context, cold,
            codebook_path, cold_threshold, cold_top, cold_method, quiet):
    """Train on what is coded and suggest codes for the units that lack them.

    Example: qualcode suggest --project sample.qc
    """
    from qualcode.store import Project
    from qualcode.suggest.fitting import fitting_worker
    from qualcode.suggest.training import suggest_project

    if cold:
        from qualcode.suggest.cold import require_embedding, suggest_cold

        if cold_method != "tfidf":
            require_embedding()  # before anything is loaded into the project
        with Project.open(project_path) as project:
            if codebook_path:
                from qualcode.codebook import load_codebook

                with project.transaction():
                    project.set_codes(load_codebook(codebook_path))
            report = suggest_cold(project, unit=unit, threshold=cold_threshold, top=cold_top,
                                  method=cold_method,
                                  progress=progress_bar(quiet, "embed", "batch of units"))
        click.echo(f"cold start: {report.suggestions} suggestions for {report.units} units "
                   f"from {report.codes} code definitions (replacing {report.replaced} "
                   "pending); model 'cold-start'")
        return
    # An entry point, so the place to start a process: it imports scikit-learn meanwhile.
    with fitting_worker() as worker, Project.open(project_path) as project:
        report = suggest_project(project, unit=unit, min_examples=min_examples,
                                 threshold=threshold, rules=not no_rules,
                                 context=not no_context,
                                 progress=progress_bar(quiet, "fit", "batch of codes"),
                                 worker=worker)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"model {report.model_id}: {len(report.trained)} codes trained; "
               f"{report.suggestions} suggestions (replacing {report.replaced} pending)")
    for code, n in sorted(report.skipped.items()):
        need = max(report.min_examples - n, 0)
        why = (f"{n} coded unit{'s' if n != 1 else ''}, {need} more needed" if need
               else "coded on every unit: nothing to tell apart")
        click.echo(f"skipped {code}: {why}")
    click.echo("review them with: qualcode review --project ... --coder NAME")


@click.command()
@project_option
@click.option("--coder", help="Your name: decisions record who made them.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Write the pending suggestions to a sheet (.xlsx or .csv) to decide on.")
@click.option("--import", "import_path", type=click.Path(dir_okay=False),
              help="Apply the decisions (accept / reject) filled into such a sheet.")
@click.option("--context", "context_turns", type=int, default=1, show_default=True,
              help="Neighbouring turns shown on each side.")
def review(project_path, coder, export_path, import_path, context_turns):
    """Accept or reject suggestions on the terminal, or through a spreadsheet.

    \b
    Keys (one press, no Enter): a accept, r reject, s skip, q quit. Each decision is saved
    at once. Without a terminal, use --export and --import.
    Examples:
      qualcode review --project sample.qc --coder ann
      qualcode review --project sample.qc --export decide.xlsx
      qualcode review --project sample.qc --import decide.xlsx --coder ann
    """
    from qualcode.errors import QualcodeError
    from qualcode.export import tables
    from qualcode.store import Project
    from qualcode.suggest import review as reviewing

    with Project.open(project_path) as project:
        if export_path:
            sheet = reviewing.export_sheet(project)
            if export_path.lower().endswith(".xlsx"):
                tables.write_workbook({"suggestions": sheet}, export_path)
            else:
                tables.write_table(sheet, export_path, "csv")
            click.echo(f"{export_path}: {len(sheet)} suggestions; fill in 'decision' "
                       "(accept or reject), then --import it")
            return
        if not coder:
            raise QualcodeError("give --coder NAME: decisions record who made them")
        if import_path:
            counts = reviewing.import_sheet(project, import_path, coder)
            click.echo(f"{import_path}: {counts['accepted']} accepted, "
                       f"{counts['rejected']} rejected")
            return
        _interactive(project, coder, context_turns)


def _terminal() -> bool:
    """Whether a person is at the keyboard (stdin is a terminal)."""
    import sys

    return sys.stdin.isatty()


def _key() -> str:
    """One of a, r, s, q, read as a single key press (no Enter); Ctrl-C or Ctrl-D quits."""
    click.echo("[a]ccept  [r]eject  [s]kip  [q]uit ", nl=False)
    while True:
        try:
            key = click.getchar().lower()
        except (KeyboardInterrupt, EOFError):
            key = "q"
        if key in ("a", "r", "s", "q"):
            click.echo(key)
            return key


def _interactive(project: Project, coder: str, context_turns: int) -> None:
    from qualcode.errors import QualcodeError
    from qualcode.suggest import review as reviewing

    suggestions = reviewing.pending(project)
    if not suggestions:
        click.echo("no suggestions waiting (run qualcode suggest first)")
        return
    if not _terminal():
        raise QualcodeError("interactive review needs a terminal: use --export FILE, fill in "
                            "'decision', then --import FILE")
    book = {c.id: c for c in project.codebook().codes}
    turns = project.segments("turn")
    texts = project.texts()
    decided = 0
    for number, s in enumerate(suggestions, start=1):
        code = book.get(s.code_id)
        click.echo(click.style(f"\n[{number}/{len(suggestions)}] {s.code_id}"
                               f" ({code.name if code else s.code_id})", bold=True)
                   + f"  p={s.confidence:.2f}  because: {s.reason}")
        if code is not None and code.description:
            click.echo(click.style(f"  {code.description}", dim=True))
        mine = [t for t in turns if t.document_id == s.document]
        here = next((i for i, t in enumerate(mine) if t.start <= s.start < t.end + 1), None)
        if here is not None:
            for t in mine[max(0, here - context_turns):here]:
                click.echo(click.style(f"  {t.speaker or ''}: {t.text[:300]}", dim=True))
        click.echo(f"> {s.document} {s.start}-{s.end}: {texts[s.document][s.start:s.end]}")
        if here is not None:
            for t in mine[here + 1:here + 1 + context_turns]:
                click.echo(click.style(f"  {t.speaker or ''}: {t.text[:300]}", dim=True))
        key = _key()
        if key == "q":
            break
        if key in ("a", "r"):
            reviewing.decide(project, s.id, key, coder)
            decided += 1
    click.echo(f"{decided} decisions saved")


@click.command()
@project_option
@unit_option()
@click.option("--coder", help="Measure against this coder's codings only (e.g. gold).")
@click.option("--origin", "origins", multiple=True, type=click.Choice(ORIGINS),
              help="Measure against codings of these origins only (repeatable).")
@click.option("--level", type=click.Choice(["codes", "themes"]), default="codes",
              show_default=True, help="Score codes, or roll them up to top-level themes.")
@click.option("--min-examples", type=int, default=5, show_default=True)
@click.option("--no-rules", is_flag=True, help="Leave the rule engine's codings out.")
@click.option("--no-context", is_flag=True, help="Leave out the interviewer's question.")
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Save as CSV.")
@quiet_option
def evaluate(project_path, unit, coder, origins, level, min_examples, no_rules, no_context,
             folds, output, quiet):
    """How well the suggester would do: cross-validated per code, grouped by document, next
    to trivial baselines.

    \b
    Examples:
      qualcode evaluate --project sample.qc --coder gold -o accuracy.csv
      qualcode evaluate --project sample.qc --coder gold --level themes
    """
    from qualcode.store import Project
    from qualcode.suggest.training import evaluate_project

    warnings = []  # evaluate_project adds its warning lines
    with Project.open(project_path) as project:
        frame = evaluate_project(project, unit=unit, min_examples=min_examples,
                                 rules=not no_rules, coder=coder, origins=origins or None,
                                 context=not no_context, folds=folds, level=level,
                                 progress=progress_bar(quiet, "evaluate", "fold"),
                                 warnings=warnings)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    emit_table(frame, "csv" if output else "table", output,
               lambda: _accuracy_screen(frame, level))


def _accuracy_screen(frame, level: str) -> str:
    """The model's figures per code, then the same codes against the trivial baselines; an
    exclusive group's row is marked "(group)"."""

    def f(value) -> str:
        return "n/a" if value != value else f"{value:.2f}"

    is_group = frame["kind"] == "exclusive group"
    groups = list(frame.code_id[is_group])
    rows = [(f"{r.code_id} (group)" if group else r.code_id, r)
            for r, group in zip(frame.itertuples(), is_group, strict=True)]
    model = [[name, r.examples, f(r.precision), f(r.recall), f(r.f1), f(r.kappa),
              f(r.document_presence_accuracy), f"{r.documents_predicted} of {r.documents}",
              f"{r.documents_true} of {r.documents}"] for name, r in rows]
    baselines = [[name, f(r.f1), f(r.f1_all_present), f(r.accuracy), f(r.accuracy_all_absent),
                  f(r.document_presence_accuracy), f(r.document_presence_all),
                  f(r.document_presence_none), r.not_above_baseline] for name, r in rows]
    short = frame["not_above_baseline"] != ""
    counted = f"{int(short[~is_group].sum())} of {int((~is_group).sum())} {level}"
    if groups:
        counted += f" and {int(short[is_group].sum())} of {len(groups)} exclusive groups"
    return "\n".join([
        format_table(["code", "examples", "precision", "recall", "F1", "kappa",
                      "documents right", "predicted in", "coded in"], model, right=range(1, 9)),
        "",
        "Against trivial guesses (each has kappa 0): 'all units' is F1 if every unit is marked,"
        " 'no unit' accuracy if none is,\n'every document' and 'none' documents right if the "
        "code is put in every document or in none.",
        format_table(["code", "F1", "all units", "accuracy", "no unit", "documents right",
                      "every document", "none", "not above"], baselines, right=range(1, 8)),
        f"The model is not above a trivial guess on some measure for {counted}.",
        *([f"Rows marked (group) are exclusive groups ({', '.join(groups)}): one of their "
           "codes or none per unit, scored on the codes themselves"
           + (", not rolled up to themes" if level == "themes" else "")
           + "; kappa is the multi-class kappa over them and none, precision, recall and F1 "
           "the codes' macro averages."] if groups else []),
    ])


@click.command()
@project_option
@click.option("--k", type=int, help="How many candidate themes (default: about one per 15 "
              "uncovered units, 2 to 8).")
@unit_option()
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the candidate codes as YAML here (else they are printed).")
def discover(project_path, k, unit, output):
    """Find themes in what no code covers; print them and candidate codes as YAML.

    Example: qualcode discover --project sample.qc --k 5 -o candidates.yaml
    """
    from qualcode.fileio import write_atomic
    from qualcode.store import Project
    from qualcode.suggest.discover import candidate_yaml
    from qualcode.suggest.discover import discover as find

    with Project.open(project_path) as project:
        clusters = find(project, k=k, unit=unit)
    for cluster in clusters:
        click.echo(click.style(f"\ncandidate {cluster.number}: {', '.join(cluster.terms)}",
                               bold=True) + f"  ({cluster.units} units)")
        if cluster.collocations:
            click.echo(f"  collocations: {'; '.join(cluster.collocations)}")
        for document, start, end, text in cluster.typical:
            click.echo(f"  {document} {start}-{end}: {' '.join(text.split())[:160]}")
    snippet = candidate_yaml(clusters)
    if output:
        write_atomic(output, snippet)
        click.echo(f"\n{output}: {len(clusters)} candidate codes (paste under codes:)")
    else:
        click.echo("\n" + snippet)


def register(group: click.Group) -> None:
    for command in (suggest, review, evaluate, discover):
        group.add_command(command)
